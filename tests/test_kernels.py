"""Tests of sklearn_esmem._kernels against scikit-learn's routines."""

import threading
import tracemalloc
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.mixture import GaussianMixture

from sklearn_esmem import _compiled, _kernels
from sklearn_esmem._em import COVARIANCE_TYPES, e_step, make_parameters, run_em
from sklearn_esmem._kernels import (
    EXPANSION_LIMIT,
    LOG_PROB_EXPANSION_LIMIT,
    data_centre,
    gaussian_parameters,
    log_gaussian_prob,
    log_prob_kernel,
)
from sklearn_esmem._sklearn_compat import (
    compute_precision_cholesky,
    estimate_gaussian_parameters,
    estimate_log_gaussian_prob,
)

CONVERGENCE = "ignore::sklearn.exceptions.ConvergenceWarning"
METHODS = [None, "difference", "expansion"]
needs_numba = pytest.mark.skipif(
    not _compiled.available(1), reason="the compiled kernels need numba"
)
# "compiled" is for full covariances only.
TYPE_METHODS = [(ct, method) for ct in COVARIANCE_TYPES for method in METHODS] + [
    pytest.param("full", "compiled", marks=needs_numba)
]


def _methods(covariance_type):
    """The methods that apply to ``covariance_type`` here."""
    if covariance_type == "full" and _compiled.available(1):
        return [*METHODS, "compiled"]
    return METHODS


# (n_samples, n_features, n_components, chunk_bytes): M = 1, K = 1, one chunk,
# chunks of one row, and chunks that do not divide N.
SHAPES = [
    (200, 1, 1, None),
    (200, 1, 3, 1),
    (150, 3, 1, 700),
    (257, 2, 4, 3000),
    (300, 5, 7, 5000),
    (123, 8, 16, 20_000),
    (90, 32, 4, 50_000),
    (64, 32, 20, None),
]


def _assert_close(actual, desired, rtol=1e-10):
    """assert_allclose at ``rtol``, with an atol at rounding level of the scale.

    Entries that are zero up to rounding (an off-diagonal covariance entry
    of 1e-17 of the diagonal's size, say) cannot agree to a relative 1e-10
    between two correct summation orders; everything else must.
    """
    desired = np.asarray(desired)
    scale = np.max(np.abs(desired), initial=0.0)
    assert_allclose(actual, desired, rtol=rtol, atol=1e-14 * scale)


def _data(n_samples, n_features, n_components, seed=0, offset=0.0, spread=1.0):
    """Anisotropic clusters, their responsibilities, and a mixture to score."""
    rng = np.random.RandomState(seed)
    centres = rng.normal(scale=3.0, size=(n_components, n_features))
    labels = rng.randint(n_components, size=n_samples)
    mixing = rng.normal(size=(n_features, n_features)) + 2 * np.eye(n_features)
    X = offset + spread * (
        centres[labels] + rng.normal(size=(n_samples, n_features)) @ mixing
    )
    resp = rng.dirichlet(np.ones(n_components), size=n_samples)
    resp = 0.5 * resp + 0.5 * np.eye(n_components)[labels]
    return X, resp


def _mixture(X, resp, covariance_type, reg_covar=1e-3):
    """Means and precision factors of a plausible mixture for X (float64)."""
    _, means, covariances = estimate_gaussian_parameters(
        X.astype(np.float64), resp, reg_covar, covariance_type
    )
    return means, compute_precision_cholesky(covariances, covariance_type)


def _full_factors(chol, covariance_type, n_components, n_features):
    if covariance_type == "full":
        return chol
    if covariance_type == "tied":
        return np.repeat(chol[np.newaxis], n_components, axis=0)
    if covariance_type == "diag":
        return np.array([np.diag(c) for c in chol])
    return np.array([c * np.eye(n_features) for c in chol])


def _exact_log_prob(X, means, chol, covariance_type):
    """scikit-learn's full routine (differences, no expansion) for any type."""
    factors = _full_factors(chol, covariance_type, *means.shape)
    return estimate_log_gaussian_prob(X, means, factors, "full")


def _exact_parameters(X, resp, reg_covar, covariance_type):
    """Parameters from scikit-learn's full routine (differences) for any type."""
    nk, means, full = estimate_gaussian_parameters(X, resp, 0.0, "full")
    n_features = X.shape[1]
    if covariance_type == "full":
        covariances = full + reg_covar * np.eye(n_features)
    elif covariance_type == "tied":
        covariances = np.tensordot(nk, full, axes=1) / nk.sum()
        covariances += reg_covar * np.eye(n_features)
    else:
        covariances = np.diagonal(full, axis1=1, axis2=2) + reg_covar
        if covariance_type == "spherical":
            covariances = covariances.mean(axis=1)
    return nk, means, covariances


# --------------------------------------------------------------------------
# E-step
# --------------------------------------------------------------------------


@pytest.mark.parametrize("covariance_type, method", TYPE_METHODS)
@pytest.mark.parametrize("shape", SHAPES)
def test_log_gaussian_prob_matches_scikit_learn(covariance_type, shape, method):
    n_samples, n_features, n_components, chunk_bytes = shape
    X, resp = _data(n_samples, n_features, n_components)
    means, chol = _mixture(X, resp, covariance_type)
    expected = estimate_log_gaussian_prob(X, means, chol, covariance_type)
    result = log_gaussian_prob(
        X, means, chol, covariance_type, chunk_bytes=chunk_bytes, method=method
    )
    assert result.shape == (n_samples, n_components)
    assert result.dtype == np.float64 and result.flags.c_contiguous
    _assert_close(result, expected)


@pytest.mark.parametrize("covariance_type, method", TYPE_METHODS)
@pytest.mark.parametrize("shape", SHAPES[::2])
def test_log_gaussian_prob_float32(covariance_type, shape, method):
    n_samples, n_features, n_components, chunk_bytes = shape
    X, resp = _data(n_samples, n_features, n_components, seed=1)
    X32 = X.astype(np.float32)
    means, chol = _mixture(X32, resp, covariance_type)
    result = log_gaussian_prob(
        X32, means, chol, covariance_type, chunk_bytes=chunk_bytes, method=method
    )
    assert result.dtype == np.float64
    # Computed in float64 from the float32 values ...
    expected = estimate_log_gaussian_prob(
        X32.astype(np.float64), means, chol, covariance_type
    )
    _assert_close(result, expected)
    # ... where scikit-learn rounds some of its results to float32.
    _assert_close(
        result, estimate_log_gaussian_prob(X32, means, chol, covariance_type), 1e-5
    )


@pytest.mark.parametrize("covariance_type, method", TYPE_METHODS)
def test_log_gaussian_prob_far_from_the_origin(covariance_type, method):
    """Offset 1e4, unit spread: exact against scikit-learn on centred data."""
    X, resp = _data(400, 3, 5, seed=2)
    means, chol = _mixture(X, resp, covariance_type)
    offset = 1e4
    result = log_gaussian_prob(
        X + offset, means + offset, chol, covariance_type, method=method
    )
    # X + 1e4 - 1e4 is exact to the rounding of X + 1e4, and the densities
    # do not depend on the origin, so this is scikit-learn's answer without
    # its cancellation.
    shifted = (X + offset) - offset
    expected = _exact_log_prob(
        shifted, (means + offset) - offset, chol, covariance_type
    )
    _assert_close(result, expected)
    if covariance_type in ("full", "tied"):
        # scikit-learn's full and tied routines work on differences, so they
        # agree at this offset too.
        direct = estimate_log_gaussian_prob(
            X + offset, means + offset, chol, covariance_type
        )
        _assert_close(result, direct)


def _tight_far_apart(n_features, n_components, spread, seed=3, n_per=60):
    """Tight clusters, 10 apart and 1e4 from the origin: the expansion's worst case."""
    rng = np.random.RandomState(seed)
    centres = 1e4 + 10.0 * rng.normal(size=(n_components, n_features))
    labels = np.repeat(np.arange(n_components), n_per)
    X = centres[labels] + spread * rng.normal(size=(labels.size, n_features))
    resp = np.eye(n_components)[labels] * (1 - 1e-9) + 1e-9 / n_components
    return X, resp, centres


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("spread", [1e-3, 3.0])
def test_log_gaussian_prob_tight_clusters_far_apart(covariance_type, spread):
    """Components where the expansion would lose digits take the difference form."""
    X, resp, centres = _tight_far_apart(3, 4, spread)
    means, chol = _mixture(X - 1e4, resp, covariance_type, reg_covar=1e-9)
    # spread 1e-3 at distance ~10 from the centre: amplification ~1e8.
    kernel = log_prob_kernel(means + 1e4, chol, covariance_type, 1e4, "expansion")
    assert kernel.exact.all() == (spread < 0.01)
    for method in _methods(covariance_type):
        result = log_gaussian_prob(X, means + 1e4, chol, covariance_type, method=method)
        # Exact: differences, at the origin of the data. scikit-learn's own
        # diag and spherical routines are expansions, inaccurate here.
        expected = _exact_log_prob(X - 1e4, means, chol, covariance_type)
        _assert_close(result, expected)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_log_gaussian_prob_expansion_at_its_limit(covariance_type):
    """Just below its limit the expansion still agrees to 1e-10."""
    n_features = 3
    # Distance d from the centre, spread 1: amplification about M d^2.
    distance = np.sqrt(0.3 * LOG_PROB_EXPANSION_LIMIT / n_features)
    rng = np.random.RandomState(4)
    means = np.array([[distance] * n_features, [-distance] * n_features])
    X = np.concatenate([m + rng.normal(size=(100, n_features)) for m in means])
    resp = np.repeat(np.eye(2), 100, axis=0)
    _, chol = _mixture(X, resp, covariance_type)
    kernel = log_prob_kernel(means + 1e3, chol, covariance_type, 1e3, "expansion")
    assert not kernel.exact.any()
    result = log_gaussian_prob(
        X + 1e3, means + 1e3, chol, covariance_type, method="expansion"
    )
    _assert_close(result, _exact_log_prob(X, means, chol, covariance_type))


@pytest.mark.parametrize("covariance_type, method", TYPE_METHODS)
def test_log_gaussian_prob_overflow_gives_minus_inf(covariance_type, method):
    X, resp = _data(50, 2, 3, seed=5)
    means, chol = _mixture(X, resp, covariance_type)
    means = means.copy()
    means[1] = 1e200  # a density of exactly 0 everywhere, not NaN
    X = X.copy()
    X[0] = -1e170  # a row of density 0 under every component
    with np.errstate(over="ignore"):
        result = log_gaussian_prob(X, means, chol, covariance_type, method=method)
        expected = estimate_log_gaussian_prob(X, means, chol, covariance_type)
    assert not np.isnan(result).any()
    assert np.all(result[:, 1] == -np.inf)
    assert np.all(result[0] == -np.inf)
    finite = np.isfinite(expected)
    assert_allclose(result[finite], expected[finite], rtol=1e-10)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_log_gaussian_prob_methods_and_chunks_agree(covariance_type):
    X, resp = _data(1000, 6, 9, seed=6)
    means, chol = _mixture(X, resp, covariance_type)
    reference = log_gaussian_prob(X, means, chol, covariance_type, method="difference")
    for method in _methods(covariance_type):
        for chunk_bytes in (1, 4096, 10**6, None):
            result = log_gaussian_prob(
                X, means, chol, covariance_type, chunk_bytes=chunk_bytes, method=method
            )
            _assert_close(result, reference, 1e-12)


@pytest.mark.parametrize("covariance_type, method", TYPE_METHODS)
@pytest.mark.parametrize("far", [False, True])
def test_log_prob_kernel_writes_into_out(covariance_type, method, far):
    """``kernel(X, out=...)`` fills exactly ``out``, with ``kernel(X)``'s values."""
    X, resp = _data(300, 3, 5, seed=19)
    means, chol = _mixture(X, resp, covariance_type)
    if far:
        # One component beyond the expansion's limit (the others within it),
        # and a row whose expansion overflows: every path of the kernel.
        means = means.copy()
        means[2] += 1e3
        X = X.copy()
        X[7] = 1e170
    kernel = log_prob_kernel(means, chol, covariance_type, data_centre(X), method)
    if far and (method == "expansion" or getattr(kernel, "expansion", None)):
        assert kernel.exact.any() and not kernel.exact.all()
    with np.errstate(over="ignore"):
        expected = kernel(X).copy()
        big = np.full((5, 700), np.nan)
        out = big[:, 100:400]
        assert kernel(X, out=out) is out
        whole = log_gaussian_prob(X, means, chol, covariance_type)
    assert_allclose(out, expected, rtol=0, atol=0)
    assert_allclose(out.T, whole, rtol=1e-10)
    assert np.isnan(big[:, :100]).all() and np.isnan(big[:, 400:]).all()


def test_e_step_results_in_threads():
    """Threads share the kernels' module: no result is overwritten by another."""
    X, resp = _data(4000, 3, 6, seed=20)
    means, chol = _mixture(X, resp, "full")
    _, _, covariances = estimate_gaussian_parameters(X, resp, 1e-3, "full")
    parameters, _ = make_parameters(np.full(6, 1 / 6), means, covariances, "full")
    expected = e_step(X, parameters)
    barrier = threading.Barrier(4)

    def run(seed):
        barrier.wait()
        return [e_step(X, parameters) for _ in range(5)]

    with ThreadPoolExecutor(4) as pool:
        results = [r for rs in pool.map(run, range(4)) for r in rs]
    for result in results:
        for name in ("log_prob", "log_resp", "log_prob_norm", "resp"):
            assert_allclose(getattr(result, name), getattr(expected, name), rtol=0)


# --------------------------------------------------------------------------
# M-step
# --------------------------------------------------------------------------


def _assert_parameters_close(result, expected, rtol=1e-10):
    names = ("nk", "means", "covariances")
    for name, actual, desired in zip(names, result, expected, strict=True):
        assert actual.shape == np.shape(desired), name
        assert actual.dtype == np.float64, name
        _assert_close(actual, desired, rtol)


@pytest.mark.parametrize("covariance_type, method", TYPE_METHODS)
@pytest.mark.parametrize("shape", SHAPES)
def test_gaussian_parameters_matches_scikit_learn(covariance_type, shape, method):
    n_samples, n_features, n_components, chunk_bytes = shape
    X, resp = _data(n_samples, n_features, n_components, seed=7)
    expected = estimate_gaussian_parameters(X, resp, 1e-6, covariance_type)
    result = gaussian_parameters(
        X, resp, 1e-6, covariance_type, chunk_bytes=chunk_bytes, method=method
    )
    _assert_parameters_close(result, expected)


@pytest.mark.parametrize("covariance_type, method", TYPE_METHODS)
@pytest.mark.parametrize("shape", SHAPES[1::2])
def test_gaussian_parameters_float32(covariance_type, shape, method):
    n_samples, n_features, n_components, chunk_bytes = shape
    X, resp = _data(n_samples, n_features, n_components, seed=8)
    X32 = X.astype(np.float32)
    result = gaussian_parameters(
        X32, resp, 1e-6, covariance_type, chunk_bytes=chunk_bytes, method=method
    )
    expected = estimate_gaussian_parameters(
        X32.astype(np.float64), resp, 1e-6, covariance_type
    )
    _assert_parameters_close(result, expected)
    _assert_parameters_close(
        result, estimate_gaussian_parameters(X32, resp, 1e-6, covariance_type), 1e-5
    )


@pytest.mark.parametrize("covariance_type, method", TYPE_METHODS)
def test_gaussian_parameters_far_from_the_origin(covariance_type, method):
    """Offset 1e4, unit spread: exact, where scikit-learn's expansions are not."""
    X, resp = _data(500, 3, 4, seed=9)
    offset = 1e4
    X_far = X + offset
    result = gaussian_parameters(X_far, resp, 1e-6, covariance_type, method=method)
    nk, means, covariances = estimate_gaussian_parameters(
        X_far - offset, resp, 1e-6, covariance_type
    )
    _assert_parameters_close(result, (nk, means + offset, covariances))
    direct = estimate_gaussian_parameters(X_far, resp, 1e-6, covariance_type)
    if covariance_type == "full":
        # scikit-learn's full covariances come from differences too.
        _assert_parameters_close(result, direct)
    else:
        # Its tied, diag and spherical ones expand about 0 and lose about
        # eps * 1e8 here: ours are the more accurate ones.
        error = np.abs(direct[2] - covariances).max() / np.abs(covariances).max()
        assert error > 1e-10


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("spread", [1e-3, 3.0])
def test_gaussian_parameters_tight_clusters_far_apart(
    covariance_type, spread, monkeypatch
):
    """Tight clusters 10 apart, 1e4 from the origin: the differences take over."""
    X, resp, _ = _tight_far_apart(3, 4, spread, seed=10)
    calls = []
    scatter = _kernels._scatter_by_differences

    def spy(X, resp, means, chunk_bytes):
        calls.append(means.shape[0])
        return scatter(X, resp, means, chunk_bytes)

    monkeypatch.setattr(_kernels, "_scatter_by_differences", spy)
    result = gaussian_parameters(X, resp, 1e-9, covariance_type, method="expansion")
    # spread 1e-3 at distance ~10: amplification ~1e8 > EXPANSION_LIMIT.
    assert bool(calls) == (spread < 0.01)
    nk, means, covariances = _exact_parameters(X - 1e4, resp, 1e-9, covariance_type)
    _assert_parameters_close(result, (nk, means + 1e4, covariances))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_gaussian_parameters_expansion_at_its_limit(covariance_type, monkeypatch):
    """Just below EXPANSION_LIMIT the expansion still agrees to 1e-10."""
    n_features = 3
    # Clusters of unit variance, d from the centre: amplification 1 + d^2.
    distance = np.sqrt(0.5 * EXPANSION_LIMIT)
    rng = np.random.RandomState(19)
    means = np.array([[distance] * n_features, [-distance] * n_features])
    X = np.concatenate([m + rng.normal(size=(200, n_features)) for m in means])
    resp = np.repeat(np.eye(2), 200, axis=0) * (1 - 1e-6) + 0.5e-6
    monkeypatch.setattr(_kernels, "_scatter_by_differences", None)  # never called
    result = gaussian_parameters(
        X + 1e3, resp, 1e-6, covariance_type, method="expansion"
    )
    nk, means, covariances = _exact_parameters(X, resp, 1e-6, covariance_type)
    _assert_parameters_close(result, (nk, means + 1e3, covariances))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_gaussian_parameters_methods_and_chunks_agree(covariance_type):
    X, resp = _data(1000, 6, 9, seed=11)
    reference = gaussian_parameters(X, resp, 1e-6, covariance_type, method="difference")
    for method in _methods(covariance_type):
        for chunk_bytes in (1, 4096, 10**6, None):
            result = gaussian_parameters(
                X, resp, 1e-6, covariance_type, chunk_bytes=chunk_bytes, method=method
            )
            _assert_parameters_close(result, reference, 1e-12)


def test_gaussian_parameters_tied_weighted_rows():
    """Rows of resp that do not sum to 1 (sample weights) are weighted exactly."""
    X, resp = _data(300, 3, 4, seed=12)
    weights = np.random.RandomState(13).uniform(0, 3, size=len(X))
    weighted = resp * weights[:, np.newaxis]
    nk, means, covariance = gaussian_parameters(X, weighted, 1e-6, "tied")
    _, _, full = estimate_gaussian_parameters(X, weighted, 0.0, "full")
    expected = np.tensordot(nk, full, axes=1) / nk.sum() + 1e-6 * np.eye(3)
    _assert_close(covariance, expected)


def test_gaussian_parameters_empty_component_as_scikit_learn():
    """A component with no responsibility gets scikit-learn's mean (about 0)."""
    X, resp = _data(100, 2, 3, seed=14, offset=50.0)
    resp[:, 2] = 0.0
    resp /= resp.sum(axis=1, keepdims=True)
    for covariance_type in COVARIANCE_TYPES:
        result = gaussian_parameters(X, resp, 1e-6, covariance_type)
        expected = estimate_gaussian_parameters(X, resp, 1e-6, covariance_type)
        _assert_close(result[0], expected[0])
        assert_allclose(result[1], expected[1], atol=1e-9)
        assert np.all(np.isfinite(result[2]))


def test_gaussian_parameters_collapsed_component():
    """Copies of one point: variance 0, where scikit-learn returns noise of 1e-15.

    Only full covariances come from differences in scikit-learn: about a mean
    that its 10 eps in nk moves by an ulp, so both are of the order of an ulp
    squared.
    """
    X = np.repeat(np.random.RandomState(20).normal(size=(3, 2)), 20, axis=0)
    resp = np.repeat(np.eye(3), 20, axis=0)
    for covariance_type in ("diag", "spherical", "tied"):
        _, _, covariances = gaussian_parameters(X, resp, 0.0, covariance_type)
        assert np.all(covariances == 0.0), covariance_type
        _, _, covariances = gaussian_parameters(X, resp, 1e-6, covariance_type)
        expected = estimate_gaussian_parameters(X, resp, 1e-6, covariance_type)[2]
        assert_allclose(covariances, expected, atol=1e-14)
    result = gaussian_parameters(X, resp, 0.0, "full")
    expected = estimate_gaussian_parameters(X, resp, 0.0, "full")
    _assert_close(result[1], expected[1])
    assert_allclose(result[2], expected[2], rtol=0, atol=1e-30)


# --------------------------------------------------------------------------
# Through _em: E-step, EM against GaussianMixture, memory, threads
# --------------------------------------------------------------------------


@pytest.mark.filterwarnings(CONVERGENCE)
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_run_em_in_many_chunks_matches_gaussian_mixture(
    covariance_type, dtype, monkeypatch
):
    monkeypatch.setattr(_kernels, "CHUNK_BYTES", 3000)  # chunks of a few rows
    X, resp = _data(1500, 3, 4, seed=15)
    X = X.astype(dtype)
    nk, means, covariances = estimate_gaussian_parameters(
        X.astype(np.float64), resp, 1e-3, covariance_type
    )
    weights = nk / nk.sum()
    if covariance_type in ("full", "tied"):
        precisions = np.linalg.inv(covariances)
    else:
        precisions = 1.0 / covariances
    gm = GaussianMixture(
        4,
        covariance_type=covariance_type,
        weights_init=weights,
        means_init=means,
        precisions_init=precisions,
        max_iter=3,
        tol=0,
        reg_covar=1e-4,
    ).fit(X.astype(np.float64))
    start, _ = make_parameters(weights, means, covariances, covariance_type)
    result = run_em(X, start, 3, reg_covar=1e-4)
    fitted = result.parameters
    _assert_close(fitted.weights, gm.weights_)
    _assert_close(fitted.means, gm.means_)
    _assert_close(fitted.covariances, gm.covariances_)
    _assert_close(result.log_likelihood, gm.score(X.astype(np.float64)) * len(X))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_e_step_chunks_agree_with_one_chunk(covariance_type, monkeypatch):
    X, resp = _data(2000, 4, 6, seed=16)
    means, chol = _mixture(X, resp, covariance_type)
    _, _, covariances = estimate_gaussian_parameters(X, resp, 1e-3, covariance_type)
    parameters, _ = make_parameters(
        np.full(6, 1 / 6), means, covariances, covariance_type
    )
    whole = e_step(X, parameters)
    monkeypatch.setattr(_kernels, "CHUNK_BYTES", 999)
    chunked = e_step(X, parameters)
    for name in ("log_prob", "log_resp", "log_prob_norm"):
        assert_allclose(getattr(chunked, name), getattr(whole, name), rtol=1e-14)
    assert_allclose(whole.resp.sum(axis=1), 1.0, rtol=1e-12)


def _traced_peak(func):
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_no_temporaries_of_size_n_k_m(covariance_type, monkeypatch):
    n_samples, n_features, n_components = 20_000, 8, 16
    budget = 256 * 1024
    monkeypatch.setattr(_kernels, "CHUNK_BYTES", budget)
    X, resp = _data(n_samples, n_features, n_components, seed=17)
    means, chol = _mixture(X, resp, covariance_type)
    _, _, covariances = estimate_gaussian_parameters(X, resp, 1e-3, covariance_type)
    parameters, _ = make_parameters(
        np.full(n_components, 1 / n_components), means, covariances, covariance_type
    )
    nkm = 8 * n_samples * n_components * n_features  # 20 MB
    nk = 8 * n_samples * n_components  # an (N, K) array: 2.5 MB
    if covariance_type == "full" and _compiled.available(n_features):
        # A first call may compile a numba kernel, whose compiler's memory is
        # no temporary of the computation: compile on few rows, with the
        # same dtypes and layouts (two chunks of the E-step: strided views),
        # which leaves the work arrays too small for the traced calls.
        rows = budget // (8 * n_components) + 1
        log_gaussian_prob(X[:rows], means, chol, covariance_type)
        gaussian_parameters(X[:rows], resp[:rows], 1e-6, covariance_type)
        e_step(X[:rows], parameters)
    for method in METHODS:
        peak = _traced_peak(
            lambda method=method: log_gaussian_prob(
                X, means, chol, covariance_type, method=method
            )
        )
        assert peak < nk + 6 * budget < nkm / 2, method
        peak = _traced_peak(
            lambda method=method: gaussian_parameters(
                X, resp, 1e-6, covariance_type, method=method
            )
        )
        assert peak < 6 * budget < nkm / 2, method
    # e_step's outputs are three (N, K)-sized arrays, and nothing bigger.
    assert _traced_peak(lambda: e_step(X, parameters)) < 3 * nk + 6 * budget


def test_work_arrays_are_per_thread():
    X, resp = _data(3000, 5, 8, seed=18)
    means, chol = _mixture(X, resp, "full")
    expected = log_gaussian_prob(X, means, chol, "full", chunk_bytes=4096)
    barrier = threading.Barrier(4)

    def run(seed):
        barrier.wait()
        return log_gaussian_prob(X, means, chol, "full", chunk_bytes=4096)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(run, range(4)))
    for result in results:
        assert_allclose(result, expected, rtol=0, atol=0)
