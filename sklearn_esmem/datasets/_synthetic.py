"""The paper's 24 synthetic sets: c-separated mixtures (the ESM-EM authors'
``csepGenerator.m``) and mixtures of prescribed average overlap (MixSim)."""

import numpy as np
from scipy.optimize import brentq
from sklearn.utils import check_random_state

from ._generators import _check_int, _return, sample_mixture
from ._separation import _conditional_overlaps, _is_homogeneous, _overlap_forms
from ._validation import _check_bool, _check_real

__all__ = ["make_c_separated_mixture", "make_overlap_mixture"]

# Width of the window the closest pair is put in (csepGenerator.m).
_MIN_PAIR_WINDOW = 0.005


# --- c-separation -----------------------------------------------------------


def _separation_scale(covariances):
    """sqrt(M max(lambda_max(S_i), lambda_max(S_j))) for every pair."""
    largest = np.linalg.eigvalsh(covariances)[:, -1]
    n_features = covariances.shape[1]
    return np.sqrt(n_features * np.maximum(largest[:, None], largest[None, :]))


def _adjust_pair(means, scale, i, j, low, high, away_step):
    """Move mean j along mean i - mean j until low <= sep_ij <= high.

    1 % of the distance per step toward i, ``away_step`` per step away, as in
    csepGenerator.m; each step scales the distance by (1 -+ step) exactly.
    """
    for _ in range(100_000):
        difference = means[i] - means[j]
        distance = np.linalg.norm(difference)
        separation = distance / scale[i, j]
        if separation > high:
            means[j] += 0.01 * difference
        elif separation < low:
            if distance == 0:  # no direction to move along
                return
            means[j] -= away_step * difference
        else:
            return


def _pairwise_separation(means, scale):
    distance = np.linalg.norm(means[:, None, :] - means[None, :, :], axis=-1)
    return distance / scale


def _c_separated_attempt(
    rng, n_samples, weights, n_features, c, eccentricity, varsep, trials
):
    """One pass of csepGenerator.m's loop body: draw, adjust, and check."""
    n_components = len(weights)
    means = (
        rng.standard_normal((n_components, n_features))
        * np.sqrt(n_components * c)
        * trials
    )
    counts = np.ceil(n_samples * weights).astype(int)
    covariances = np.empty((n_components, n_features, n_features))
    for j in range(n_components):
        # A random orthonormal basis: the polar factor of a uniform matrix,
        # (U U')^(-1/2) U, as csepGenerator.m computes it.
        U = rng.random_sample((n_features, n_features)) - 0.5
        left, _, right = np.linalg.svd(U)
        U = left @ right
        stds = rng.random_sample(n_features) * (eccentricity - 1.0) + 1.0
        factor = np.linalg.cholesky(U @ np.diag(stds**2) @ U.T)
        draw = rng.standard_normal((counts[j], n_features)) @ factor.T
        # The sample covariance of this first draw is the ground truth.
        covariances[j] = np.cov(draw, rowvar=False).reshape(n_features, n_features)
    true_weights = counts / counts.sum()

    scale = _separation_scale(covariances)
    pairs = [
        (i, j) for i in range(n_components - 1) for j in range(i + 1, n_components)
    ]
    for _ in range(10):
        for i, j in pairs:
            _adjust_pair(means, scale, i, j, c, c + varsep, away_step=0.01)
        separation = _pairwise_separation(means, scale)
        upper = separation[np.triu_indices(n_components, k=1)]
        i, j = pairs[int(np.argmin(upper))]
        _adjust_pair(means, scale, i, j, c, c + _MIN_PAIR_WINDOW, away_step=0.001)

    upper = _pairwise_separation(means, scale)[np.triu_indices(n_components, k=1)]
    # csepGenerator.m only rejects |sep - c| > varsep; moving the closest pair
    # last can push another pair below c, so this also asks every pair to be
    # at least c and the closest one within the window (Table 3: min = c).
    accepted = (
        upper.min() >= c
        and upper.min() <= c + _MIN_PAIR_WINDOW
        and upper.max() <= c + varsep
    )
    mixture = {"weights": true_weights, "means": means, "covariances": covariances}
    return accepted, mixture


def make_c_separated_mixture(
    n_samples=400,
    n_components=4,
    n_features=4,
    c=1.0,
    eccentricity=1.0,
    uniform_weights=True,
    varsep=None,
    max_restarts=100,
    random_state=None,
    return_mixture=False,
):
    """Generate a c-separated Gaussian mixture (the paper's "c{c}-k{k}M{M}" sets).

    A port of the ESM-EM authors' generator ``csepGenerator.m`` (Vlassis
    2000, modified by Pernkopf and by Covões), with Dasgupta's separation
    :math:`\\mathrm{sep}_{ij} = \\lVert \\mu_i - \\mu_j \\rVert /
    \\sqrt{M \\max(\\lambda_{\\max}(\\Sigma_i), \\lambda_{\\max}(\\Sigma_j))}`
    (:func:`c_separation`):

    1. Weights: equal if ``uniform_weights``; otherwise a normalised uniform
       draw, redrawn until every weight exceeds ``1 / (2 n_components)``.
    2. Means: standard normal, times ``sqrt(n_components * c) * trials``
       (``trials`` starts at 1 and grows on every restart).
    3. Covariances: ``U diag(s ** 2) U'`` with ``U`` a random orthonormal
       basis (polar factor of a U(-0.5, 0.5) matrix) and standard deviations
       ``s ~ U(1, eccentricity)``.
    4. A first draw of ``ceil(n_samples * pi_j)`` points per component; its
       sample covariances and relative counts **become the true covariances
       and weights**.
    5. Ten rounds of: move every mean j along ``mu_i - mu_j`` in 1 % steps
       until ``c <= sep_ij <= c + varsep`` for every pair i < j; then move
       the closest pair into ``[c, c + 0.005]`` (1 % steps toward, 0.1 % away).
    6. Restart from step 2 with ``trials + 1`` unless every pair is within
       ``[c, c + varsep]`` and the closest pair within ``[c, c + 0.005]``.
    7. Draw ``n_samples`` points i.i.d. from the resulting mixture.

    Parameters
    ----------
    n_samples : int, default=400
        Number of samples. The paper uses ``100 * n_components``. Every
        component needs more than ``n_features`` points in the first draw:
        ``ceil(n_samples / n_components)`` (uniform weights) or
        ``ceil(n_samples / (2 n_components))`` must exceed ``n_features``.
    n_components : int, default=4
        Number of components, at least 2. The paper uses 4 and 12.
    n_features : int, default=4
        Dimension, at least 1. The paper uses 4 and 8.
    c : float, default=1.0
        Separation of the closest pair, > 0. The paper uses 0.5, 1 and 2.
    eccentricity : float, default=1.0
        Largest ratio of a component's standard deviations along its
        principal axes (``e`` of the generator), >= 1; with 1 every
        component is drawn spherical with unit variance (its true covariance,
        the sample covariance of the first draw, is then close to, not
        exactly, the identity). **The paper does not say which value it
        used.** 1 is a choice made by calibration: over five seeds of the
        twelve sets, ``e = 1`` reproduces Table 3 best among 1, 1.25, 1.5, 2,
        3, 5 and 10 (mean and maximum separation and overlap); larger values
        (Vlassis' own demo uses 10) leave every pair close to ``c`` and
        separations far below Table 3's means.
    uniform_weights : bool, default=True
        Equal weights (``unif = 1`` of the generator) instead of random
        ones. **The paper does not say which it used**; equal weights fit
        Table 3's overlaps slightly better than random ones (the difference
        is small), so they are the default choice.
    varsep : float or None, default=None
        Width of the window every pair is adjusted into: ``c <= sep_ij <= c +
        varsep``, > 0.005. None means ``4 - c`` (0.5 when ``c > 3.5``), the
        value that reproduces Table 3's maximum separations (at most 4,
        exactly 4 for every 12-component set); a reconstruction.
    max_restarts : int, default=100
        Give up with a ``RuntimeError`` after this many restarts (step 6).
    random_state : int, RandomState instance or None, default=None
        Seed or generator of every random draw; pass an int for
        reproducible output.
    return_mixture : bool, default=False
        If True, also return the true mixture (the adjusted means and the
        sample covariances and weights of step 4), as a dict that
        :func:`sample_mixture` accepts to draw held-out data.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The samples.
    y : ndarray of shape (n_samples,)
        The index of the component that generated each sample.
    mixture : dict
        The true mixture. Only returned if ``return_mixture`` is True.

    See Also
    --------
    c_separation : The separation matrix of a mixture.
    make_overlap_mixture : Mixtures with a prescribed average overlap.

    Notes
    -----
    Deviations from ``csepGenerator.m``: the acceptance test of step 6 also
    requires every pair to be at least ``c`` apart and the closest pair to be
    in its window (the original only rejects ``|sep - c| > varsep``, which
    for ``c <= 2`` never catches a pair pushed below ``c`` by the last
    adjustment, while Table 3 reports a minimum separation of exactly c);
    the first-draw weights are the counts divided by their sum (the counts
    are rounded up and may exceed ``n_samples``); and a restart keeps the
    originally drawn weights.

    References
    ----------
    .. [1] S. Dasgupta, "Learning mixtures of Gaussians", FOCS 1999, 634-644.
    .. [2] N. Vlassis and A. Likas, "A greedy EM algorithm for Gaussian
       mixture learning", Neural Processing Letters 15(1):77-87, 2002.
    .. [3] T. F. Covões, E. R. Hruschka and J. Ghosh, "Evolving Gaussian
       mixture models with splitting and merging mutation operators",
       Evolutionary Computation 24(2):293-317, 2016.

    Examples
    --------
    >>> from sklearn_esmem.datasets import (
    ...     c_separation, make_c_separated_mixture, pair_statistics)
    >>> X, y, mixture = make_c_separated_mixture(
    ...     n_samples=400, n_components=4, n_features=4, c=1.0, random_state=0,
    ...     return_mixture=True)
    >>> X.shape
    (400, 4)
    >>> stats = pair_statistics(c_separation(mixture))
    >>> 1.0 <= stats["min"] <= 1.005, stats["max"] <= 4.0
    (True, True)
    """
    n_samples = _check_int(n_samples, "n_samples", 1)
    n_components = _check_int(n_components, "n_components", 2)
    n_features = _check_int(n_features, "n_features", 1)
    c = _check_real(c, "c", low=0.0)
    eccentricity = _check_real(eccentricity, "eccentricity", low=1.0, low_open=False)
    uniform_weights = _check_bool(uniform_weights, "uniform_weights")
    if varsep is None:
        varsep = max(4.0 - c, 0.5)
    varsep = _check_real(varsep, "varsep", low=0.0)
    if varsep <= _MIN_PAIR_WINDOW:
        raise ValueError(f"varsep must be > {_MIN_PAIR_WINDOW}, got {varsep!r}.")
    max_restarts = _check_int(max_restarts, "max_restarts", 0)
    smallest = n_components if uniform_weights else 2 * n_components
    if -(-n_samples // smallest) <= n_features:
        raise ValueError(
            f"n_samples={n_samples} is too small: each of the {n_components} "
            f"components needs more than n_features={n_features} points in the "
            f"first draw, i.e. ceil(n_samples / {smallest}) > {n_features}."
        )
    rng = check_random_state(random_state)

    if uniform_weights:
        weights = np.full(n_components, 1.0 / n_components)
    else:
        while True:
            weights = rng.random_sample(n_components)
            weights /= weights.sum()
            if np.all(weights > 1.0 / (2 * n_components)):
                break

    for trials in range(1, max_restarts + 2):
        accepted, mixture = _c_separated_attempt(
            rng, n_samples, weights, n_features, c, eccentricity, varsep, trials
        )
        if accepted:
            X, y = sample_mixture(mixture, n_samples, random_state=rng)
            return _return(X, y, mixture, return_mixture)
    raise RuntimeError(
        f"No {c}-separated mixture was found in {max_restarts + 1} attempts; "
        "raise max_restarts or varsep."
    )


# --- omega overlap (MixSim) ---------------------------------------------------


def _mixsim_covariances(rng, n_components, n_features, max_eccentricity):
    """MixSim's genSigmaEcc: sample covariances of p + 1 standard normal draws,
    eigenvalues shrunk toward the largest when the eccentricity is too high."""
    covariances = np.empty((n_components, n_features, n_features))
    for k in range(n_components):
        draw = rng.standard_normal((n_features + 1, n_features))
        covariance = np.cov(draw, rowvar=False).reshape(n_features, n_features)
        eigenvalues, vectors = np.linalg.eigh(covariance)
        low, high = eigenvalues[0], eigenvalues[-1]
        if np.sqrt(1.0 - low / high) > max_eccentricity:
            eigenvalues = high * (
                1.0 - max_eccentricity**2 * (high - eigenvalues) / (high - low)
            )
            covariance = (vectors * eigenvalues) @ vectors.T
        covariances[k] = covariance
    return covariances


def _mean_overlap_function(weights, means, covariances):
    """inflation -> mean omega when every covariance is multiplied by it."""
    eigenvalues, delta, log_ratio, pairs = _overlap_forms(weights, means, covariances)
    homogeneous = _is_homogeneous(covariances, pairs)
    n_pairs = len(weights) * (len(weights) - 1) / 2

    def mean_overlap(inflation):
        conditional = _conditional_overlaps(
            eigenvalues, delta, log_ratio, homogeneous, inflation=inflation
        )
        return float(np.sum(conditional) / n_pairs)

    # As the inflation grows without bound delta vanishes: the largest
    # reachable mean overlap (MixSim's "asymptotic" check).
    def limit():
        conditional = _conditional_overlaps(
            eigenvalues, np.zeros_like(delta), log_ratio, homogeneous
        )
        return float(np.sum(conditional) / n_pairs)

    return mean_overlap, limit


def _find_inflation(mean_overlap, target, tol):
    """MixSim's search: brackets [0, 4], [4, 16], [16, 256], ... up to 1e6,
    each searched for |mean omega - target| < tol. Brent's method replaces
    plain bisection inside a bracket (same root, fewer evaluations)."""
    lower, upper = 0.0, 4.0
    while upper <= 1e6:
        value = mean_overlap(upper)
        if value >= target:
            break
        lower, upper = upper, upper * upper
    else:
        return None
    if abs(value - target) < tol:
        return upper
    # mean omega is 0 at inflation 0 and increases with it.
    low = max(lower, 1e-12 * upper)
    root = brentq(
        lambda x: mean_overlap(x) - target, low, upper, xtol=1e-14, rtol=1e-12,
        maxiter=200,
    )  # fmt: skip
    if abs(mean_overlap(root) - target) >= tol:
        return None
    return root


def make_overlap_mixture(
    n_samples=400,
    n_components=4,
    n_features=4,
    mean_overlap=0.01,
    max_eccentricity=0.9,
    tol=1e-6,
    max_resamples=100,
    random_state=None,
    return_mixture=False,
):
    """Generate a mixture with a prescribed average overlap (the paper's
    "{omega}-k{k}M{M}" sets), as MixSim does.

    A port of ``MixSim(BarOmega=mean_overlap, K=n_components, p=n_features)``
    with its defaults (non-spherical, heterogeneous, ``ecc = 0.9``, equal
    weights, means in the unit hypercube) followed by ``simdataset``:

    1. Means ~ U[0, 1]^p; equal weights.
    2. Each covariance is the sample covariance of ``n_features + 1``
       standard normal draws; if its eccentricity ``sqrt(1 - lambda_min /
       lambda_max)`` exceeds ``max_eccentricity``, its eigenvalues are
       mapped to ``lambda_max (1 - ecc^2 (lambda_max - lambda) /
       (lambda_max - lambda_min))``, which sets the eccentricity to
       ``max_eccentricity``.
    3. If the target cannot be reached even with infinitely inflated
       covariances, resample (up to ``max_resamples`` times).
    4. Search a common inflation factor of all covariances in the brackets
       [0, 4], [4, 16], [16, 256], ... until the mean pairwise overlap is
       within ``tol`` of the target, and inflate.
    5. Counts ``N_k = 1 + Multinomial(n_samples - n_components, weights)``;
       the samples are then shuffled.

    The overlaps are computed exactly (:func:`pairwise_overlap`,
    ``method="exact"``); an inflation rescales the Mahalanobis terms only,
    so the pairwise eigen-decompositions are computed once.

    Parameters
    ----------
    n_samples : int, default=400
        Number of samples, at least ``n_components``. The paper uses
        ``100 * n_components``.
    n_components : int, default=4
        Number of components, at least 2.
    n_features : int, default=4
        Dimension, at least 1.
    mean_overlap : float, default=0.01
        Target average pairwise overlap (MixSim's BarOmega), in (0, 1). The
        paper uses 0.1, 0.01 and 0.001.
    max_eccentricity : float, default=0.9
        Largest eccentricity of a covariance (MixSim's ``ecc``), in (0, 1].
    tol : float, default=1e-6
        Tolerance on the mean overlap (MixSim's ``eps``), > 0.
    max_resamples : int, default=100
        Number of parameter draws tried before giving up with a
        ``RuntimeError`` (MixSim's ``resN``).
    random_state : int, RandomState instance or None, default=None
        Seed or generator of every random draw; pass an int for
        reproducible output.
    return_mixture : bool, default=False
        If True, also return the true mixture as a dict that
        :func:`sample_mixture` accepts to draw held-out data.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The samples, in random order.
    y : ndarray of shape (n_samples,)
        The index of the component that generated each sample; every
        component has at least one.
    mixture : dict
        The true mixture. Only returned if ``return_mixture`` is True.

    See Also
    --------
    pairwise_overlap : The overlap matrix of a mixture.
    make_c_separated_mixture : c-separated mixtures.

    References
    ----------
    .. [1] R. Maitra and V. Melnykov, "Simulating data to study performance
       of finite mixture modeling and clustering algorithms", Journal of
       Computational and Graphical Statistics 19(2):354-376, 2010.
    .. [2] V. Melnykov, W.-C. Chen and R. Maitra, "MixSim: An R package for
       simulating data to study performance of clustering algorithms",
       Journal of Statistical Software 51(12):1-25, 2012.

    Examples
    --------
    >>> from sklearn_esmem.datasets import (
    ...     make_overlap_mixture, pair_statistics, pairwise_overlap)
    >>> X, y, mixture = make_overlap_mixture(
    ...     n_samples=400, n_components=4, n_features=4, mean_overlap=0.01,
    ...     random_state=0, return_mixture=True)
    >>> X.shape
    (400, 4)
    >>> round(pair_statistics(pairwise_overlap(mixture))["mean"], 6)
    0.01
    """
    n_samples = _check_int(n_samples, "n_samples", 1)
    n_components = _check_int(n_components, "n_components", 2)
    n_features = _check_int(n_features, "n_features", 1)
    if n_samples < n_components:
        raise ValueError(
            f"n_samples={n_samples} must be at least n_components={n_components}."
        )
    mean_overlap = _check_real(mean_overlap, "mean_overlap", 0.0, 1.0, high_open=True)
    max_eccentricity = _check_real(max_eccentricity, "max_eccentricity", 0.0, 1.0)
    tol = _check_real(tol, "tol", low=0.0)
    max_resamples = _check_int(max_resamples, "max_resamples", 1)
    rng = check_random_state(random_state)

    weights = np.full(n_components, 1.0 / n_components)
    for _ in range(max_resamples):
        means = rng.random_sample((n_components, n_features))
        covariances = _mixsim_covariances(
            rng, n_components, n_features, max_eccentricity
        )
        overlap_at, limit = _mean_overlap_function(weights, means, covariances)
        if limit() - mean_overlap < -tol:
            continue
        inflation = _find_inflation(overlap_at, mean_overlap, tol)
        if inflation is not None:
            break
    else:
        raise RuntimeError(
            f"The mean overlap {mean_overlap} was not reached in "
            f"{max_resamples} parameter draws."
        )
    mixture = {
        "weights": weights,
        "means": means,
        "covariances": covariances * inflation,
    }

    counts = 1 + rng.multinomial(n_samples - n_components, weights)
    y = rng.permutation(np.repeat(np.arange(n_components), counts)).astype(np.intp)
    factors = np.linalg.cholesky(mixture["covariances"])
    noise = rng.standard_normal((n_samples, n_features))
    X = means[y] + np.einsum("nij,nj->ni", factors[y], noise)
    return _return(X, y, mixture, return_mixture)
