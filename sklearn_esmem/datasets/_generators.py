"""Generators of the paper's synthetic Gaussian-mixture data sets.

A *mixture description* is a plain dict with three arrays:

- ``"weights"``, shape (n_components,), non-negative and summing to one;
- ``"means"``, shape (n_components, n_features);
- ``"covariances"``, shape (n_components, n_features, n_features), full and
  positive definite.

Generators return one when asked (``return_mixture=True``) so that a test can
compare a fit with the truth or draw held-out data with :func:`sample_mixture`.
"""

import numbers

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["make_grid_mixture", "make_three_components", "sample_mixture"]


def _check_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}.")
    return int(value)


def _check_positive_real(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}.")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be finite and > 0, got {value!r}.")
    return float(value)


def _check_mixture(mixture):
    """Return (weights, means, covariances) as float arrays, validated."""
    if not isinstance(mixture, dict):
        raise ValueError(
            "mixture must be a dict with keys 'weights', 'means' and "
            f"'covariances', got {type(mixture).__name__}."
        )
    missing = {"weights", "means", "covariances"} - set(mixture)
    if missing:
        raise ValueError(f"mixture is missing the keys {sorted(missing)}.")
    weights = np.asarray(mixture["weights"], dtype=float)
    means = np.asarray(mixture["means"], dtype=float)
    covariances = np.asarray(mixture["covariances"], dtype=float)
    if weights.ndim != 1 or weights.size == 0:
        raise ValueError(
            f"mixture['weights'] must be a non-empty 1-D array, got shape "
            f"{weights.shape}."
        )
    n_components = weights.size
    if means.ndim != 2 or means.shape[0] != n_components:
        raise ValueError(
            f"mixture['means'] must have shape ({n_components}, n_features), "
            f"got {means.shape}."
        )
    n_features = means.shape[1]
    expected = (n_components, n_features, n_features)
    if covariances.shape != expected:
        raise ValueError(
            f"mixture['covariances'] must have shape {expected}, got "
            f"{covariances.shape}."
        )
    if np.any(weights < 0) or not np.isclose(weights.sum(), 1.0):
        raise ValueError(
            f"mixture['weights'] must be non-negative and sum to 1, got {weights}."
        )
    if not (np.all(np.isfinite(means)) and np.all(np.isfinite(covariances))):
        raise ValueError("mixture['means'] and ['covariances'] must be finite.")
    return weights / weights.sum(), means, covariances


def _cholesky_factors(covariances):
    try:
        return np.linalg.cholesky(covariances)
    except np.linalg.LinAlgError as exc:
        raise ValueError(
            "mixture['covariances'] must be symmetric positive definite."
        ) from exc


def sample_mixture(mixture, n_samples, random_state=None):
    """Draw samples from a full-covariance Gaussian mixture.

    The component of each sample is drawn i.i.d. from the weights, so the
    counts per component vary from draw to draw.

    Parameters
    ----------
    mixture : dict
        Mixture description with keys ``"weights"`` (n_components,),
        ``"means"`` (n_components, n_features) and ``"covariances"``
        (n_components, n_features, n_features), as returned by the
        generators of this module with ``return_mixture=True``.
    n_samples : int
        Number of samples to draw, at least 1.
    random_state : int, RandomState instance or None, default=None
        Seed or generator of every random draw; pass an int for
        reproducible output.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The samples.
    y : ndarray of shape (n_samples,)
        The index of the component that generated each sample.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_esmem.datasets import sample_mixture
    >>> mixture = {
    ...     "weights": [0.5, 0.5],
    ...     "means": [[0.0, 0.0], [5.0, 5.0]],
    ...     "covariances": [np.eye(2), np.eye(2)],
    ... }
    >>> X, y = sample_mixture(mixture, 1000, random_state=0)
    >>> X.shape, y.shape
    ((1000, 2), (1000,))
    >>> np.round(X[y == 1].mean(axis=0))
    array([5., 5.])
    """
    weights, means, covariances = _check_mixture(mixture)
    n_samples = _check_int(n_samples, "n_samples", 1)
    rng = check_random_state(random_state)
    factors = _cholesky_factors(covariances)

    y = rng.choice(weights.size, size=n_samples, p=weights).astype(np.intp)
    noise = rng.standard_normal((n_samples, means.shape[1]))
    X = means[y] + np.einsum("nij,nj->ni", factors[y], noise)
    return X, y


def _return(X, y, mixture, return_mixture):
    if return_mixture:
        return X, y, mixture
    return X, y


def make_three_components(n_samples=900, random_state=None, return_mixture=False):
    """Generate the "3-components" data set (Ueda & Nakano 1998).

    Three equally weighted bivariate Gaussians with means (0, -2), (0, 0) and
    (0, 2) and the same elongated covariance ``diag(2, 0.2)``, so the
    components overlap heavily along the first axis. The paper (and
    Figueiredo & Jain 2002, who made the set well known) use
    ``n_samples=900``. The component of each sample is drawn i.i.d. from the
    weights, as their ``genmix`` does, so the counts are close to, but not
    exactly, a third each.

    Parameters
    ----------
    n_samples : int, default=900
        Number of samples, at least 1.
    random_state : int, RandomState instance or None, default=None
        Seed or generator of every random draw; pass an int for
        reproducible output.
    return_mixture : bool, default=False
        If True, also return the true mixture as a dict with keys
        ``"weights"``, ``"means"`` and ``"covariances"`` (full), which
        :func:`sample_mixture` accepts to draw held-out data.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        The samples.
    y : ndarray of shape (n_samples,)
        The index (0, 1 or 2) of the component that generated each sample.
    mixture : dict
        The true mixture. Only returned if ``return_mixture`` is True.

    See Also
    --------
    sample_mixture : Draw (held-out) samples from a mixture description.
    make_grid_mixture : Isotropic components on a square grid.

    References
    ----------
    .. [1] N. Ueda and R. Nakano, "Deterministic annealing EM algorithm",
       Neural Networks 11(2):271-282, 1998.
    .. [2] M. A. T. Figueiredo and A. K. Jain, "Unsupervised learning of finite
       mixture models", IEEE TPAMI 24(3):381-396, 2002.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_esmem.datasets import make_three_components
    >>> X, y = make_three_components(random_state=0)
    >>> X.shape, y.shape
    ((900, 2), (900,))
    >>> np.unique(y)
    array([0, 1, 2])
    >>> X, y, mixture = make_three_components(random_state=0, return_mixture=True)
    >>> mixture["means"]
    array([[ 0., -2.],
           [ 0.,  0.],
           [ 0.,  2.]])
    """
    n_samples = _check_int(n_samples, "n_samples", 1)
    mixture = {
        "weights": np.full(3, 1.0 / 3.0),
        "means": np.array([[0.0, -2.0], [0.0, 0.0], [0.0, 2.0]]),
        "covariances": np.tile(np.diag([2.0, 0.2]), (3, 1, 1)),
    }
    X, y = sample_mixture(mixture, n_samples, random_state=random_state)
    return _return(X, y, mixture, return_mixture)


def make_grid_mixture(
    grid_size=3,
    n_per_component=100,
    spacing=1.0,
    std=0.15,
    random_state=None,
    return_mixture=False,
):
    """Generate isotropic Gaussians centred on a square grid ("9Gauss", "49Gauss").

    ``grid_size ** 2`` equally weighted bivariate Gaussians with covariance
    ``std ** 2 * I`` and means on a ``grid_size`` x ``grid_size`` square grid
    with the given ``spacing``, starting at the origin. Exactly
    ``n_per_component`` samples are drawn from each, then shuffled.

    The paper's 9Gauss is ``grid_size=3`` (N = 900) and its 49Gauss is
    ``grid_size=7`` (N = 4900), both with 100 samples per component. Their
    original parameters are lost; these are **reconstructions**. Neighbours
    overlap more as ``std / spacing`` grows: with ``spacing=1``, on the 3x3
    grid ``std`` up to about 0.22 keeps 9 components the MDL optimum (from
    about 0.3 it falls below 9), and on the 7x7 grid ``std`` between 0.12 and
    0.2 keeps 49 (at 0.22 MDL already prefers about 21 merged components). A
    test that expects the generating number of components must stay in that
    range; with heavier overlap, the right answer is the lowest criterion.

    Parameters
    ----------
    grid_size : int, default=3
        Number of means along each side of the grid, at least 1.
    n_per_component : int, default=100
        Number of samples drawn from each component, at least 1.
    spacing : float, default=1.0
        Distance between neighbouring means, > 0.
    std : float, default=0.15
        Standard deviation of every component along every axis, > 0.
    random_state : int, RandomState instance or None, default=None
        Seed or generator of every random draw; pass an int for
        reproducible output.
    return_mixture : bool, default=False
        If True, also return the true mixture as a dict with keys
        ``"weights"``, ``"means"`` and ``"covariances"`` (full), which
        :func:`sample_mixture` accepts to draw held-out data.

    Returns
    -------
    X : ndarray of shape (grid_size ** 2 * n_per_component, 2)
        The samples, in random order.
    y : ndarray of shape (grid_size ** 2 * n_per_component,)
        The index of the component that generated each sample; component
        ``i * grid_size + j`` has mean ``(j * spacing, i * spacing)``.
    mixture : dict
        The true mixture. Only returned if ``return_mixture`` is True.

    See Also
    --------
    sample_mixture : Draw (held-out) samples from a mixture description.
    make_three_components : The paper's "3-components" set.

    References
    ----------
    .. [1] R. J. G. B. Campello, E. R. Hruschka and V. S. Alves, "On the
       efficiency of evolutionary fuzzy clustering", Journal of Heuristics
       15(1):43-75, 2009.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_esmem.datasets import make_grid_mixture
    >>> X, y = make_grid_mixture(random_state=0)  # 9Gauss
    >>> X.shape
    (900, 2)
    >>> np.bincount(y)
    array([100, 100, 100, 100, 100, 100, 100, 100, 100])
    >>> X, y, mixture = make_grid_mixture(grid_size=7, random_state=0,
    ...                                   return_mixture=True)  # 49Gauss
    >>> X.shape, mixture["means"].shape
    ((4900, 2), (49, 2))
    """
    grid_size = _check_int(grid_size, "grid_size", 1)
    n_per_component = _check_int(n_per_component, "n_per_component", 1)
    spacing = _check_positive_real(spacing, "spacing")
    std = _check_positive_real(std, "std")
    rng = check_random_state(random_state)

    n_components = grid_size**2
    rows, cols = np.divmod(np.arange(n_components), grid_size)
    means = spacing * np.column_stack([cols, rows]).astype(float)
    mixture = {
        "weights": np.full(n_components, 1.0 / n_components),
        "means": means,
        "covariances": np.tile(std**2 * np.eye(2), (n_components, 1, 1)),
    }

    y = rng.permutation(np.repeat(np.arange(n_components), n_per_component))
    y = y.astype(np.intp, copy=False)
    X = means[y] + std * rng.standard_normal((y.size, 2))
    return _return(X, y, mixture, return_mixture)
