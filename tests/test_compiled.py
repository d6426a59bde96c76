"""Tests of sklearn_esmem._compiled: the numba kernels for full covariances."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

# The data of test_kernels' comparisons with scikit-learn: pytest's default
# (prepend) import mode puts tests/, which has no __init__.py, on sys.path.
from test_kernels import _data, needs_numba

from sklearn_esmem import _compiled, _em, _kernels
from sklearn_esmem._kernels import data_centre, gaussian_parameters, log_gaussian_prob
from sklearn_esmem._sklearn_compat import (
    compute_precision_cholesky,
    estimate_gaussian_parameters,
    estimate_log_gaussian_prob,
)

pytestmark = needs_numba


# Dimensions either side of the panels' switch (2 x 2 below 8, 4 x 4 from 8),
# dimensions that the panels do not divide, and the largest compiled one;
# sample counts below, at and across the block of rows.
@pytest.mark.parametrize("n_features", [1, 2, 3, 7, 8, 9, _compiled.MAX_FEATURES])
@pytest.mark.parametrize("n_samples", [1, 255, 256, 700])
def test_kernels_match_scikit_learn(n_features, n_samples):
    X, resp = _data(max(n_samples, 3 * n_features), n_features, 3, seed=n_features)
    X, resp = X[:n_samples], resp[:n_samples]
    nk, means, covariances = gaussian_parameters(
        X, resp, 1e-3, "full", method="compiled"
    )
    expected = estimate_gaussian_parameters(X, resp, 1e-3, "full")
    for actual, desired in zip((nk, means, covariances), expected, strict=True):
        assert_allclose(actual, desired, rtol=1e-10, atol=1e-13)
    factors = compute_precision_cholesky(expected[2], "full")
    log_prob = log_gaussian_prob(X, expected[1], factors, "full", method="compiled")
    desired = estimate_log_gaussian_prob(X, expected[1], factors, "full")
    assert_allclose(log_prob, desired, rtol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", ["C", "F"])
def test_kernels_read_any_layout_and_float_dtype(dtype, order):
    """Fortran-ordered X, float32 X and resp not in the E-step's layout."""
    X, resp = _data(600, 5, 4, seed=1)
    X = np.asarray(X, dtype=dtype, order=order)
    X64 = X.astype(np.float64)
    centre = data_centre(X64)
    rows = _compiled.Rows(X, centre)
    actual = _compiled.moments(rows, resp.T, 1e-6)
    expected = _compiled.moments(
        _compiled.Rows(np.ascontiguousarray(X64), centre), resp.T.copy(), 1e-6
    )
    for a, e in zip(actual, expected, strict=True):
        assert_allclose(a, e, rtol=1e-12)
    means, factors = expected[1], compute_precision_cholesky(expected[2], "full")
    log_weights = np.log([0.1, 0.2, 0.3, 0.4])
    # Views of wider arrays, as the E-step's chunks are.
    big = np.full((2, 4, 700), np.nan)
    out = tuple(big[:, :, 50:650])
    row_max, finite = _compiled.log_prob(rows, means, factors, log_weights, -3.0, out)
    assert finite
    log_prob = estimate_log_gaussian_prob(X64, means, factors, "full").T
    assert_allclose(out[0], log_prob, 1e-10)
    weighted = out[0] + log_weights[:, np.newaxis]
    assert_array_equal(row_max, weighted.max(axis=0))
    assert_array_equal(out[1], np.clip(weighted - row_max, -3.0, 0.0))
    assert np.isnan(big[:, :, :50]).all() and np.isnan(big[:, :, 650:]).all()


def test_moments_far_from_the_origin():
    """The difference form about the centre: no digits lost at an offset of 1e6."""
    X, resp = _data(500, 4, 3, seed=2)
    near = gaussian_parameters(X, resp, 1e-6, "full", method="compiled")
    far = gaussian_parameters(X + 1e6, resp, 1e-6, "full", method="compiled")
    assert_allclose(far[1] - 1e6, near[1], atol=1e-9)
    assert_allclose(far[2], near[2], rtol=1e-8)


def test_log_prob_tells_rows_without_a_finite_maximum():
    """Maxima of -inf (overflow everywhere), +inf and NaN."""
    X = np.zeros((600, 1))
    X[[3, 300, 599]] = [[1e200], [np.nan], [1e200]]
    factors = np.ones((2, 1, 1))
    out = tuple(np.empty((2, 600)) for _ in range(2))
    rows = _compiled.Rows(X, np.zeros(1))
    means, halves = np.zeros((2, 1)), np.log([0.5, 0.5])
    row_max, finite = _compiled.log_prob(rows, means, factors, halves, -700.0, out)
    assert not finite
    assert_array_equal(np.flatnonzero(~np.isfinite(row_max)), [3, 300, 599])
    infinite = np.array([np.inf, 0.0])
    row_max, finite = _compiled.log_prob(rows, means, factors, infinite, -700.0, out)
    assert not finite and np.isposinf(row_max[0])
    X[[3, 300, 599]] = 1.0
    rows = _compiled.Rows(X, np.zeros(1))
    row_max, finite = _compiled.log_prob(rows, means, factors, halves, -700.0, out)
    assert finite and np.isfinite(row_max).all()


def test_log_prob_overflow_gives_minus_inf():
    X, resp = _data(50, 3, 2, seed=3)
    _, means, covariances = estimate_gaussian_parameters(X, resp, 1e-3, "full")
    factors = compute_precision_cholesky(covariances, "full")
    X[0] = 1e170
    result = log_gaussian_prob(X, means, factors, "full", method="compiled")
    assert np.all(result[0] == -np.inf)
    assert np.isfinite(result[1:]).all()


def _covariance_cases():
    u = np.array([1.0, 2.0, 0.5])
    healthy = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 0.5]])
    tiny = 1e-30 * healthy
    cases = {
        "healthy": [healthy, np.eye(3)],
        "huge scale": [1e200 * healthy, np.eye(3)],
        "rank 1": [np.outer(u, u), np.eye(3)],
        "collapsed": [tiny, healthy],
        "zero": [np.zeros((3, 3)), healthy],
        "negative definite": [-healthy, healthy],
        "nan": [np.where(np.eye(3) > 0, np.nan, healthy), healthy],
        "inf": [np.where(np.eye(3) > 0, np.inf, healthy), healthy],
        "near singular": [healthy + 1e6 * np.outer(u, u), healthy],
    }
    return {name: np.array(pair) for name, pair in cases.items()}


@pytest.mark.parametrize("case", sorted(_covariance_cases()))
@pytest.mark.parametrize("reg_covar", [0.0, 1e-6])
def test_make_parameters_same_with_and_without_compiled(case, reg_covar, monkeypatch):
    """The compiled checks send exactly the covariances that need it to repair."""
    covariances = _covariance_cases()[case]
    weights, means = np.array([0.4, 0.6]), np.zeros((2, 3))
    compiled = _em.make_parameters(weights, means, covariances, "full", reg_covar)
    monkeypatch.setattr(_compiled, "available", lambda *shape: False)
    numpy = _em.make_parameters(weights, means, covariances, "full", reg_covar)
    assert compiled[1] == numpy[1]
    assert_array_equal(compiled[0].covariances, numpy[0].covariances)
    # Both are exact up to rounding amplified by the condition number (numpy's
    # solve also leaves a 1e-20 or so below the diagonal).
    factors = numpy[0].precisions_cholesky
    rtol = max(
        1e-13, 10 * np.linalg.cond(numpy[0].covariances).max() * np.finfo(float).eps
    )
    assert_allclose(
        compiled[0].precisions_cholesky, factors, rtol, atol=1e-14 * abs(factors).max()
    )


def test_without_numba_the_numpy_kernels_run(monkeypatch):
    monkeypatch.setattr(_compiled, "_numba", lambda: None)
    assert not _compiled.available(2)
    X, resp = _data(100, 2, 3)
    means, covariances = estimate_gaussian_parameters(X, resp, 1e-3, "full")[1:]
    factors = compute_precision_cholesky(covariances, "full")
    kernel = _kernels.log_prob_kernel(means, factors, "full", data_centre(X))
    assert isinstance(kernel, _kernels._LogProb)


def test_numba_disable_jit_turns_the_kernels_off(monkeypatch):
    numba = pytest.importorskip("numba")
    monkeypatch.setattr(numba.config, "DISABLE_JIT", True)
    assert _compiled._numba.__wrapped__() is None


def test_environment_variable_turns_the_kernels_off(monkeypatch):
    monkeypatch.setenv("SKLEARN_ESMEM_NUMBA", "0")
    assert _compiled._numba.__wrapped__() is None
    monkeypatch.setenv("SKLEARN_ESMEM_NUMBA", "1")
    assert _compiled._numba.__wrapped__() is not None


def test_dimensions_beyond_the_limit_take_numpy():
    n_features = _compiled.MAX_FEATURES + 1
    assert _compiled.available(n_features - 1)
    assert not _compiled.available(n_features)
    X, resp = _data(100, n_features, 2)
    means, covariances = estimate_gaussian_parameters(X, resp, 1e-3, "full")[1:]
    factors = compute_precision_cholesky(covariances, "full")
    kernel = _kernels.log_prob_kernel(means, factors, "full", data_centre(X))
    assert isinstance(kernel, _kernels._LogProb)


def test_compiled_is_for_full_covariances_only():
    X, resp = _data(100, 2, 3)
    with pytest.raises(ValueError, match="full covariances"):
        gaussian_parameters(X, resp, 1e-3, "diag", method="compiled")


def test_many_values_take_numpy(monkeypatch):
    """Beyond 2^20 log-densities, the numpy kernels run."""
    many = _compiled._MANY_VALUES
    assert _compiled.available(3, many) and not _compiled.available(3, many + 1)
    assert _compiled.available(_compiled.MAX_FEATURES, many)
    X, resp = _data(2000, 2, 3)
    means, covariances = estimate_gaussian_parameters(X, resp, 1e-3, "full")[1:]
    factors = compute_precision_cholesky(covariances, "full")
    centre = data_centre(X)
    kernel = _kernels.log_prob_kernel(means, factors, "full", centre, n_samples=2000)
    assert isinstance(kernel, _kernels._CompiledLogProb)
    monkeypatch.setattr(_compiled, "_MANY_VALUES", 3 * 2000 - 1)
    kernel = _kernels.log_prob_kernel(means, factors, "full", centre, n_samples=2000)
    assert isinstance(kernel, _kernels._LogProb)

    def fail(*args):
        raise AssertionError("the compiled moments ran")

    monkeypatch.setattr(_compiled, "moments", fail)
    gaussian_parameters(X, resp, 1e-3, "full")


def test_normalise_divides_columns_by_their_sums():
    rng = np.random.RandomState(4)
    big = rng.uniform(0.01, 1.0, size=(5, 700))
    original = big.copy()
    resp = big[:, 100:611]  # a view, as the E-step's chunks are
    sums = _compiled.normalise(resp)
    assert_allclose(sums, original[:, 100:611].sum(axis=0), rtol=1e-14)
    assert_allclose(resp, original[:, 100:611] / sums, rtol=1e-14)
    assert_array_equal(big[:, :100], original[:, :100])
    assert_array_equal(big[:, 611:], original[:, 611:])


def test_e_step_up_to_the_cut_over_is_one_chunk():
    """Chunks of fewer rows would be strided views: another compiled variant."""
    n_components = 16
    n_samples = _compiled._MANY_VALUES // n_components
    means = np.zeros((n_components, 2))
    factors = np.broadcast_to(np.eye(2), (n_components, 2, 2))
    kernel = _kernels.log_prob_kernel(
        means, factors, "full", np.zeros(2), n_samples=n_samples
    )
    assert isinstance(kernel, _kernels._CompiledLogProb)
    chunks = list(_kernels.row_chunks(n_samples, kernel.bytes_per_row))
    assert chunks == [slice(0, n_samples)]


def test_every_kernel_compiles_one_signature_under_its_own_name():
    """Each numba cache index then holds one entry: no race between processes.

    Two processes compiling different entries of one index at once can leave
    it pointing an entry at the other's machine code (see _compiled._jit).
    """
    n_features = 5
    X, resp = _data(600, n_features, 4, seed=7)
    resp_kn = np.ascontiguousarray(resp.T)
    centre = data_centre(X)
    for X_in in (X, np.asfortranarray(X), X.astype(np.float32), X[::2]):
        rows = _compiled.Rows(X_in, centre)
        # (k, n) in C order, its transpose in memory, and a strided view.
        for r in (resp_kn, resp.T, np.repeat(resp_kn, 2, axis=1)[:, ::2]):
            _compiled.moments(rows, r[:, : X_in.shape[0]], 1e-6)
    rows = _compiled.Rows(X, centre)
    means, covariances = _compiled.moments(rows, resp_kn, 1e-6)[1:]
    factors = _compiled.precision_cholesky(covariances, 0)
    _compiled.precision_cholesky(covariances.astype(np.float32), 1e-6)
    log_weights = np.log(np.full(4, 0.25))
    big = np.empty((2, 4, 700))
    for out in (tuple(np.empty((2, 4, 600))), tuple(big[:, :, 50:650])):
        for X_in in (X, X.astype(np.float32)):
            rows = _compiled.Rows(X_in, centre)
            _compiled.log_prob(rows, means, factors, log_weights, -700, out)
            _compiled.normalise(out[1])
    kernels = [
        _compiled._blocks_kernel(n_features),
        _compiled._log_prob_kernel(n_features),
        _compiled._moments_kernel(n_features, "C"),
        _compiled._moments_kernel(n_features, "F"),
        _compiled._normalise_compiled(),
        _compiled._precision_cholesky_compiled(),
    ]
    assert [len(kernel.signatures) for kernel in kernels] == [1] * len(kernels)
    names = [kernel.py_func.__qualname__ for kernel in kernels]
    names.append(_compiled._log_prob_kernel(n_features + 1).py_func.__qualname__)
    assert len(set(names)) == len(names)


def test_run_em_makes_the_rows_once_and_every_step_reads_them(monkeypatch):
    """The data, transposed in blocks, do not change between EM steps."""
    X, resp = _data(700, 3, 4, seed=8)
    _, means, covariances = estimate_gaussian_parameters(X, resp, 1e-3, "full")
    parameters, _ = _em.make_parameters(np.full(4, 0.25), means, covariances, "full")
    reference = _em.run_em(X, parameters, 4, reg_covar=1e-6)
    made, read = [], []
    real_rows, real_moments = _compiled.Rows, _compiled.moments

    def counting_rows(*args):
        made.append(real_rows(*args))
        return made[-1]

    def reading_moments(rows, *args):
        read.append(rows)
        return real_moments(rows, *args)

    monkeypatch.setattr(_compiled, "Rows", counting_rows)
    monkeypatch.setattr(_compiled, "moments", reading_moments)
    result = _em.run_em(X, parameters, 4, reg_covar=1e-6)
    assert result.n_iter == 4
    assert len(made) == 1
    assert len(read) == 4 and all(rows is made[0] for rows in read)
    assert_array_equal(result.e_step.resp, reference.e_step.resp)


def test_compiled_rows_only_where_the_compiled_kernels_run(monkeypatch):
    X, resp = _data(300, 3, 2, seed=9)
    _, means, covariances = estimate_gaussian_parameters(X, resp, 1e-3, "full")
    full, _ = _em.make_parameters(np.full(2, 0.5), means, covariances, "full")
    diagonals = np.diagonal(covariances, axis1=1, axis2=2)
    diag, _ = _em.make_parameters(np.full(2, 0.5), means, diagonals, "diag")
    centre = data_centre(X)
    rows = _em.compiled_rows_for(X, full, centre)
    assert isinstance(rows, _compiled.Rows) and rows.made_from(X)
    assert not rows.made_from(X.copy())
    assert _em.compiled_rows_for(X, diag, centre) is None
    monkeypatch.setattr(_compiled, "_MANY_VALUES", 2 * 300 - 1)
    assert _em.compiled_rows_for(X, full, centre) is None


def test_rows_of_another_array_are_not_read():
    """An E-step given the Rows of other data computes its own."""
    X, resp = _data(300, 3, 2, seed=10)
    _, means, covariances = estimate_gaussian_parameters(X, resp, 1e-3, "full")
    parameters, _ = _em.make_parameters(np.full(2, 0.5), means, covariances, "full")
    other = _compiled.Rows(X[::-1].copy(), data_centre(X))
    expected = _em.e_step(X, parameters)
    actual = _em._complete(
        _em._partial_e_step(X, parameters, rows=other), parameters.weights
    )
    assert_array_equal(actual.resp, expected.resp)
    assert_array_equal(actual.log_prob, expected.log_prob)


def test_moments_refuse_responsibilities_of_other_rows():
    """The kernel reads as many rows as resp has: a mismatch would read past X."""
    X, resp = _data(300, 3, 2, seed=11)
    rows = _compiled.Rows(X, data_centre(X))
    with pytest.raises(ValueError, match="299 responsibilities for 300 rows"):
        _compiled.moments(rows, np.ascontiguousarray(resp[:299].T), 1e-6)
