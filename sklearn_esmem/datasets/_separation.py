"""How far apart the components of a Gaussian mixture are: Dasgupta's
c-separation and Maitra & Melnykov's pairwise overlap (MixSim's omega)."""

import numpy as np
from scipy.linalg import solve_triangular
from scipy.special import ndtr
from sklearn.utils import check_random_state

from ._generators import _check_int, _check_mixture, _cholesky_factors
from ._quadform import quadratic_form_cdf_many

__all__ = ["c_separation", "pair_statistics", "pairwise_overlap"]


def c_separation(mixture):
    """Pairwise c-separation of the components of a Gaussian mixture.

    Dasgupta's (1999) separation of components i and j is

    .. math::

        \\mathrm{sep}_{ij} = \\frac{\\lVert \\mu_i - \\mu_j \\rVert}
        {\\sqrt{M \\max(\\lambda_{\\max}(\\Sigma_i), \\lambda_{\\max}(\\Sigma_j))}}

    with M the number of features and :math:`\\lambda_{\\max}` the largest
    eigenvalue of a covariance; two components are *c-separated* when
    :math:`\\mathrm{sep}_{ij} \\ge c`. This is the definition of the ESM-EM
    authors' generator (``csepGenerator.m``), used for Table 3 of the paper.

    Parameters
    ----------
    mixture : dict
        Mixture description with keys ``"weights"``, ``"means"`` and
        ``"covariances"`` (full), as returned by the generators of
        :mod:`sklearn_esmem.datasets` with ``return_mixture=True``.

    Returns
    -------
    separation : ndarray of shape (n_components, n_components)
        The symmetric matrix of :math:`\\mathrm{sep}_{ij}`, with zeros on the
        diagonal. :func:`pair_statistics` summarises it over the pairs i < j.

    See Also
    --------
    pairwise_overlap : Overlap (misclassification probability) of each pair.
    pair_statistics : Minimum, mean and maximum over the pairs.

    References
    ----------
    .. [1] S. Dasgupta, "Learning mixtures of Gaussians", FOCS 1999, 634-644.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_esmem.datasets import c_separation, pair_statistics
    >>> mixture = {
    ...     "weights": [0.5, 0.5],
    ...     "means": [[0.0, 0.0], [4.0, 0.0]],
    ...     "covariances": [np.eye(2), np.diag([2.0, 1.0])],
    ... }
    >>> sep = c_separation(mixture)
    >>> sep  # 4 / sqrt(2 * 2)
    array([[0., 2.],
           [2., 0.]])
    >>> pair_statistics(sep)
    {'min': 2.0, 'mean': 2.0, 'max': 2.0}
    """
    _, means, covariances = _check_mixture(mixture)
    _cholesky_factors(covariances)  # validates positive definiteness
    largest = np.linalg.eigvalsh(covariances)[:, -1]
    n_features = means.shape[1]
    distance = np.linalg.norm(means[:, None, :] - means[None, :, :], axis=-1)
    scale = np.sqrt(n_features * np.maximum(largest[:, None], largest[None, :]))
    return distance / scale


def pair_statistics(matrix):
    """Minimum, mean and maximum of a pairwise matrix over the pairs i < j.

    Parameters
    ----------
    matrix : array-like of shape (n_components, n_components)
        A symmetric pairwise matrix, such as the output of
        :func:`c_separation` or :func:`pairwise_overlap`. The diagonal and
        the lower triangle are ignored.

    Returns
    -------
    statistics : dict
        ``{"min": ..., "mean": ..., "max": ...}`` over the
        ``n_components * (n_components - 1) / 2`` pairs. The mean of
        :func:`pairwise_overlap` is MixSim's average overlap (``BarOmega``),
        and its maximum is ``MaxOmega``.

    Examples
    --------
    >>> from sklearn_esmem.datasets import pair_statistics
    >>> pair_statistics([[1.0, 0.2, 0.1], [0.2, 1.0, 0.3], [0.1, 0.3, 1.0]])
    {'min': 0.1, 'mean': 0.2, 'max': 0.3}
    """
    matrix = np.asarray(matrix, dtype=float)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or len(matrix) < 2:
        raise ValueError(
            f"matrix must be square with at least two rows, got shape {matrix.shape}."
        )
    values = matrix[np.triu_indices(len(matrix), k=1)]
    return {
        "min": float(values.min()),
        "mean": float(values.mean()),
        "max": float(values.max()),
    }


def _overlap_forms(weights, means, covariances):
    """Quadratic forms of every ordered pair (i, j), i != j.

    omega_{j|i} = P(Q_ij < t_ij) with Q_ij = sum_l (a_l W_l^2 + b_l W_l) as
    in :mod:`._quadform`. Drawing X = mu_i + L_i W (L_i L_i' = S_i),

        pi_i phi_i(X) < pi_j phi_j(X)
        <=> (W + m)' A (W + m) - W' W < ln(pi_j^2 |S_i| / (pi_i^2 |S_j|))

    with m = L_i^-1 (mu_i - mu_j) and A = L_i' S_j^-1 L_i = G diag(lambda) G'.
    In the rotated coordinates (delta = G' m), the left side is
    sum_l (lambda_l - 1) W_l^2 + 2 lambda_l delta_l W_l + lambda_l delta_l^2.
    Completing the square gives MixSim's form (noncentral chi-squares with
    ncp (lambda delta / (lambda - 1))^2); keeping the linear term instead is
    the same distribution and stays finite at lambda_l = 1.

    Returns
    -------
    eigenvalues : (n_pairs, n_features) -- lambda
    delta : (n_pairs, n_features)
    log_ratio : (n_pairs,) -- ln(pi_j^2 |S_i| / (pi_i^2 |S_j|))
    pairs : (n_pairs, 2) -- (i, j)
    """
    n_components = len(weights)
    factors = _cholesky_factors(covariances)
    log_det = 2.0 * np.sum(np.log(np.diagonal(factors, axis1=1, axis2=2)), axis=1)
    pairs = np.array(
        [(i, j) for i in range(n_components) for j in range(n_components) if i != j]
    ).reshape(-1, 2)
    eigenvalues = np.empty((len(pairs), means.shape[1]))
    delta = np.empty_like(eigenvalues)
    for row, (i, j) in enumerate(pairs):
        # B' B = L_i' S_j^-1 L_i with B = L_j^-1 L_i.
        B = solve_triangular(factors[j], factors[i], lower=True)
        _, singular, vt = np.linalg.svd(B)
        m = solve_triangular(factors[i], means[i] - means[j], lower=True)
        eigenvalues[row] = singular**2
        delta[row] = vt @ m
    with np.errstate(divide="ignore"):
        log_weights = np.log(weights)
    log_ratio = (
        2.0 * (log_weights[pairs[:, 1]] - log_weights[pairs[:, 0]])
        + log_det[pairs[:, 0]]
        - log_det[pairs[:, 1]]
    )
    return eigenvalues, delta, log_ratio, pairs


def _conditional_overlaps(eigenvalues, delta, log_ratio, homogeneous, inflation=1.0):
    """omega_{j|i} for every ordered pair, all covariances times `inflation`.

    Inflating every covariance by c leaves the eigenvalues and the log ratio
    unchanged and divides delta by sqrt(c), which is what MixSim's bisection
    exploits.
    """
    delta = delta / np.sqrt(inflation)
    a = eigenvalues - 1.0
    b = 2.0 * eigenvalues * delta
    t = log_ratio - np.sum(eigenvalues * delta**2, axis=1)
    out = np.empty(len(t))
    # A zero weight makes t infinite: pi_i = 0 is always below, pi_j = 0 never.
    infinite = ~np.isfinite(t)
    out[infinite] = t[infinite] > 0
    general = ~homogeneous & ~infinite
    out[general] = quadratic_form_cdf_many(a[general], b[general], t[general])
    homogeneous = homogeneous & ~infinite
    # Equal covariances: a normal variable with mean Delta^2 and variance
    # 4 Delta^2, i.e. Phi((ln(pi_j / pi_i) - Delta^2 / 2) / Delta).
    mahalanobis = np.sqrt(np.sum(delta[homogeneous] ** 2, axis=1))
    half_log = 0.5 * log_ratio[homogeneous]
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (half_log - mahalanobis**2 / 2.0) / mahalanobis
    # Identical components: pi_i phi_i < pi_j phi_j everywhere iff pi_i < pi_j.
    z = np.where(mahalanobis > 0, z, np.where(half_log > 0, np.inf, -np.inf))
    out[homogeneous] = ndtr(z)
    return out


def _is_homogeneous(covariances, pairs):
    return np.array(
        [np.array_equal(covariances[i], covariances[j]) for i, j in pairs], dtype=bool
    )


def _symmetric(conditional, pairs, n_components):
    """omega_ij = omega_{j|i} + omega_{i|j}, with ones on the diagonal."""
    directed = np.zeros((n_components, n_components))
    directed[pairs[:, 0], pairs[:, 1]] = conditional
    omega = directed + directed.T
    np.fill_diagonal(omega, 1.0)
    return omega


def _monte_carlo_overlap(weights, means, covariances, n_mc, rng):
    n_components, n_features = means.shape
    factors = _cholesky_factors(covariances)
    log_det = 2.0 * np.sum(np.log(np.diagonal(factors, axis1=1, axis2=2)), axis=1)
    with np.errstate(divide="ignore"):
        log_weights = np.log(weights)
    conditional = np.zeros((n_components, n_components))
    for i in range(n_components):
        X = means[i] + rng.standard_normal((n_mc, n_features)) @ factors[i].T
        # log(pi_j phi_j(X)) up to the common constant -M/2 ln(2 pi).
        log_density = np.empty((n_mc, n_components))
        for j in range(n_components):
            z = solve_triangular(factors[j], (X - means[j]).T, lower=True)
            log_density[:, j] = (
                log_weights[j] - 0.5 * log_det[j] - 0.5 * np.sum(z**2, axis=0)
            )
        conditional[i] = np.mean(log_density[:, [i]] < log_density, axis=0)
    np.fill_diagonal(conditional, 0.0)
    variance = conditional * (1.0 - conditional) / n_mc
    omega = conditional + conditional.T
    standard_error = np.sqrt(variance + variance.T)
    np.fill_diagonal(omega, 1.0)
    np.fill_diagonal(standard_error, 0.0)
    return omega, standard_error


def pairwise_overlap(mixture, method="exact", n_mc=100_000, random_state=None):
    """Pairwise overlap of the components of a Gaussian mixture (MixSim's omega).

    Maitra and Melnykov (2010) define the overlap of components i and j as
    the sum of the two misclassification probabilities

    .. math::

        \\omega_{j|i} = P_{X \\sim N(\\mu_i, \\Sigma_i)}
        [\\pi_i \\phi(X; \\mu_i, \\Sigma_i) < \\pi_j \\phi(X; \\mu_j, \\Sigma_j)],
        \\qquad \\omega_{ij} = \\omega_{j|i} + \\omega_{i|j}.

    With :math:`\\Sigma_i^{1/2} \\Sigma_j^{-1} \\Sigma_i^{1/2} =
    \\Gamma \\mathrm{diag}(\\lambda) \\Gamma^T` and
    :math:`\\delta = \\Gamma^T \\Sigma_i^{-1/2} (\\mu_i - \\mu_j)`,

    .. math::

        \\omega_{j|i} = P\\Big[\\sum_l (\\lambda_l - 1) U_l \\le
        \\sum_l \\frac{\\lambda_l \\delta_l^2}{\\lambda_l - 1} +
        \\ln \\frac{\\pi_j^2 |\\Sigma_i|}{\\pi_i^2 |\\Sigma_j|}\\Big]

    with independent noncentral :math:`U_l \\sim \\chi^2_1((\\lambda_l
    \\delta_l / (\\lambda_l - 1))^2)`.

    Parameters
    ----------
    mixture : dict
        Mixture description with keys ``"weights"``, ``"means"`` and
        ``"covariances"`` (full), as returned by the generators of
        :mod:`sklearn_esmem.datasets` with ``return_mixture=True``.
    method : {"exact", "mc"}, default="exact"
        ``"exact"`` computes the distribution of the linear combination of
        noncentral chi-squares by numerically inverting its characteristic
        function (Imhof 1961, Gil-Pelaez's formula), the role Davies'
        algorithm plays in MixSim. All pairs are integrated together by
        :func:`scipy.integrate.quad_vec` to an absolute error of about
        1e-12: the real segment near the origin, then the slowly decaying,
        oscillating tail along a ray turned into the complex plane, where it
        decays exponentially (same value, by Cauchy's theorem). Pairs whose
        Chernoff bound is below 1e-14 are set to 0 (or 1) without
        integration. The form is written as
        :math:`\\sum_l (\\lambda_l - 1) W_l^2 + 2 \\lambda_l \\delta_l W_l`,
        which is the same distribution and keeps :math:`\\lambda_l = 1`
        (a purely normal term) finite. Pairs with identical covariances use
        the closed form :math:`\\Phi((\\ln(\\pi_j / \\pi_i) - \\Delta^2 / 2) /
        \\Delta)`, :math:`\\Delta` the Mahalanobis distance of the means.
        ``"mc"`` estimates each :math:`\\omega_{j|i}` from ``n_mc`` draws of
        component i.
    n_mc : int, default=100_000
        Number of Monte Carlo draws per component; only used by
        ``method="mc"``. The standard error of an overlap near 0.001 is
        about ``sqrt(0.002 / n_mc)``.
    random_state : int, RandomState instance or None, default=None
        Seed or generator of the Monte Carlo draws; ignored by
        ``method="exact"``, which is deterministic.

    Returns
    -------
    omega : ndarray of shape (n_components, n_components)
        The symmetric matrix of :math:`\\omega_{ij}`, with ones on the
        diagonal (MixSim's convention). ``pair_statistics(omega)["mean"]`` is
        MixSim's average overlap (BarOmega).
    standard_error : ndarray of shape (n_components, n_components)
        Only with ``method="mc"``: the binomial standard error
        :math:`\\sqrt{\\sum \\hat\\omega (1 - \\hat\\omega) / n_{mc}}` of each
        estimate (zeros on the diagonal). An estimate of exactly 0 has a
        standard error of 0; read it as "below about ``1 / n_mc``".

    See Also
    --------
    c_separation : Dasgupta's separation of each pair.
    pair_statistics : Minimum, mean and maximum over the pairs.
    make_overlap_mixture : Mixtures with a prescribed average overlap.

    References
    ----------
    .. [1] R. Maitra and V. Melnykov, "Simulating data to study performance
       of finite mixture modeling and clustering algorithms", Journal of
       Computational and Graphical Statistics 19(2):354-376, 2010.
    .. [2] J. P. Imhof, "Computing the distribution of quadratic forms in
       normal variables", Biometrika 48(3/4):419-426, 1961.
    .. [3] R. B. Davies, "Algorithm AS 155: The distribution of a linear
       combination of chi-squared random variables", Applied Statistics
       29(3):323-333, 1980.

    Examples
    --------
    Two unit-variance components whose means are 2 apart overlap by
    2 Phi(-1) = 0.317:

    >>> import numpy as np
    >>> from sklearn_esmem.datasets import pairwise_overlap
    >>> mixture = {
    ...     "weights": [0.5, 0.5],
    ...     "means": [[0.0, 0.0], [2.0, 0.0]],
    ...     "covariances": [np.eye(2), np.eye(2)],
    ... }
    >>> pairwise_overlap(mixture).round(4)
    array([[1.    , 0.3173],
           [0.3173, 1.    ]])
    >>> mixture["covariances"] = [np.eye(2), np.diag([4.0, 0.5])]
    >>> round(float(pairwise_overlap(mixture)[0, 1]), 4)
    0.4408
    >>> omega, se = pairwise_overlap(mixture, method="mc", random_state=0)
    >>> bool(abs(omega[0, 1] - 0.4408) < 4 * se[0, 1])
    True
    """
    weights, means, covariances = _check_mixture(mixture)
    if method not in ("exact", "mc"):
        raise ValueError(f"method must be 'exact' or 'mc', got {method!r}.")
    n_components = len(weights)
    if method == "mc":
        n_mc = _check_int(n_mc, "n_mc", 1)
        rng = check_random_state(random_state)
        return _monte_carlo_overlap(weights, means, covariances, n_mc, rng)
    eigenvalues, delta, log_ratio, pairs = _overlap_forms(weights, means, covariances)
    homogeneous = _is_homogeneous(covariances, pairs)
    conditional = _conditional_overlaps(eigenvalues, delta, log_ratio, homogeneous)
    return _symmetric(conditional, pairs, n_components)
