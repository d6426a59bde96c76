"""Tests of sklearn_esmem._em (parameters, EM kernels) and _sklearn_compat."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose, assert_array_equal
from scipy.stats import multivariate_normal
from sklearn.mixture import GaussianMixture

from sklearn_esmem import _em, _sklearn_compat
from sklearn_esmem._em import (
    COVARIANCE_TYPES,
    EStep,
    MixtureParameters,
    _precision_cholesky,
    drop_components,
    e_step,
    from_full_covariances,
    log_likelihood,
    m_step,
    make_parameters,
    n_parameters,
    run_em,
    to_full_covariances,
)

CONVERGENCE = "ignore::sklearn.exceptions.ConvergenceWarning"

# Every test of EM runs with the compiled kernels for full covariances and
# with the numpy ones, the two a user gets with and without numba.
pytestmark = pytest.mark.usefixtures("kernels")


def _blobs(seed=0, n_per=30, n_features=2):
    """Three overlapping, anisotropic blobs."""
    rng = np.random.RandomState(seed)
    centres = np.array([[0.0, 0.0, 0.0], [3.0, 1.0, -1.0], [0.5, 3.5, 1.0]])
    centres = centres[:, :n_features]
    parts = []
    for c in centres:
        A = rng.normal(scale=0.8, size=(n_features, n_features))
        parts.append(c + rng.normal(size=(n_per, n_features)) @ A)
    return np.concatenate(parts)


def _layout(full, covariance_type, weights):
    """Covariances in scikit-learn's layout, written out per type."""
    if covariance_type == "full":
        return full.copy()
    if covariance_type == "tied":
        return np.einsum("k,kab->ab", weights, full)
    if covariance_type == "diag":
        return np.array([np.diag(c) for c in full])
    return np.array([np.trace(c) / c.shape[0] for c in full])


def _precisions(covariances, covariance_type):
    """precisions_init for GaussianMixture, in its layout per type."""
    if covariance_type in ("full", "tied"):
        return np.linalg.inv(covariances)
    return 1.0 / covariances


def _start(X, covariance_type, k=3, seed=1):
    """A deliberately poor but valid starting point."""
    rng = np.random.RandomState(seed)
    n_features = X.shape[1]
    weights = rng.uniform(0.5, 1.5, size=k)
    weights /= weights.sum()
    means = X[rng.choice(len(X), size=k, replace=False)] + rng.normal(
        scale=0.3, size=(k, n_features)
    )
    full = []
    for _ in range(k):
        A = rng.normal(size=(n_features, n_features))
        full.append(A @ A.T + n_features * np.eye(n_features))
    covariances = _layout(np.array(full), covariance_type, weights)
    return weights, means, covariances


def _full_matrix(covariances, covariance_type, j, n_features):
    """Component j's covariance as a matrix, written out per type."""
    if covariance_type == "full":
        return covariances[j]
    if covariance_type == "tied":
        return covariances
    if covariance_type == "diag":
        return np.diag(covariances[j])
    return covariances[j] * np.eye(n_features)


def _brute_log_likelihood(X, weights, means, covariances, covariance_type):
    total = 0.0
    for x in X:
        p = 0.0
        for j in range(len(weights)):
            cov = _full_matrix(covariances, covariance_type, j, X.shape[1])
            p += weights[j] * multivariate_normal(means[j], cov).pdf(x)
        total += math.log(p)
    return total


# --------------------------------------------------------------------------
# EM against scikit-learn's GaussianMixture
# --------------------------------------------------------------------------


@pytest.mark.filterwarnings(CONVERGENCE)
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("n_steps", [1, 4])
def test_run_em_matches_gaussian_mixture(covariance_type, n_steps):
    X = _blobs()
    weights, means, covariances = _start(X, covariance_type)
    reg_covar = 1e-4
    gm = GaussianMixture(
        n_components=3,
        covariance_type=covariance_type,
        weights_init=weights,
        means_init=means,
        precisions_init=_precisions(covariances, covariance_type),
        max_iter=n_steps,
        tol=0,
        reg_covar=reg_covar,
        random_state=0,
    ).fit(X)
    assert gm.n_iter_ == n_steps

    start, n_repaired = make_parameters(weights, means, covariances, covariance_type)
    assert n_repaired == 0
    result = run_em(X, start, n_steps, reg_covar=reg_covar)

    assert result.n_iter == n_steps
    assert not result.converged
    assert result.n_repaired == 0
    fitted = result.parameters
    assert_allclose(fitted.weights, gm.weights_, rtol=1e-10)
    assert_allclose(fitted.means, gm.means_, rtol=1e-10)
    assert_allclose(fitted.covariances, gm.covariances_, rtol=1e-10)
    assert_allclose(fitted.precisions_cholesky, gm.precisions_cholesky_, rtol=1e-10)
    assert_allclose(result.log_likelihood, gm.score(X) * len(X), rtol=1e-10)


@pytest.mark.filterwarnings(CONVERGENCE)
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_run_em_float32(covariance_type):
    X64 = _blobs(seed=3)
    X32 = X64.astype(np.float32)
    weights, means, covariances = _start(X64, covariance_type, seed=4)
    gm = GaussianMixture(
        n_components=3,
        covariance_type=covariance_type,
        weights_init=weights,
        means_init=means,
        precisions_init=_precisions(covariances, covariance_type),
        max_iter=3,
        tol=0,
        random_state=0,
    ).fit(X32)
    start, _ = make_parameters(weights, means, covariances, covariance_type)
    result32 = run_em(X32, start, 3, reg_covar=1e-6)
    result64 = run_em(X64, start, 3, reg_covar=1e-6)

    fitted = result32.parameters
    for array in (fitted.weights, fitted.means, fitted.covariances):
        assert np.all(np.isfinite(array))
    assert np.isfinite(result32.log_likelihood)
    # Same arithmetic as scikit-learn on the same float32 data ...
    assert_allclose(fitted.weights, gm.weights_, rtol=1e-5)
    assert_allclose(fitted.means, gm.means_, rtol=1e-5, atol=1e-5)
    assert_allclose(fitted.covariances, gm.covariances_, rtol=1e-5, atol=1e-5)
    # ... and float32 rounding away from the float64 answer.
    assert_allclose(fitted.means, result64.parameters.means, rtol=1e-4, atol=1e-4)
    assert_allclose(
        fitted.covariances, result64.parameters.covariances, rtol=1e-4, atol=1e-4
    )
    assert_allclose(result32.log_likelihood, result64.log_likelihood, rtol=1e-5)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_log_likelihood_never_decreases(covariance_type):
    X = _blobs(seed=5, n_features=3)
    weights, means, covariances = _start(X, covariance_type, k=4, seed=6)
    parameters, _ = make_parameters(weights, means, covariances, covariance_type)
    values = [log_likelihood(e_step(X, parameters))]
    for _ in range(25):
        # reg_covar = 0: the regularisation is not part of the likelihood
        # and may break EM's monotonicity by itself.
        result = run_em(X, parameters, 1, reg_covar=0.0)
        parameters = result.parameters
        values.append(result.log_likelihood)
    values = np.array(values)
    assert np.all(np.diff(values) >= -1e-9 * np.abs(values[:-1]))
    # And EM did something: the start was poor.
    assert values[-1] > values[0] + 1.0


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_run_em_log_likelihood_is_the_mixture_density(covariance_type):
    X = _blobs(seed=7)[::3]
    weights, means, covariances = _start(X, covariance_type, seed=8)
    parameters, _ = make_parameters(weights, means, covariances, covariance_type)
    result = run_em(X, parameters, 2, reg_covar=1e-6)
    p = result.parameters
    expected = _brute_log_likelihood(
        X, p.weights, p.means, p.covariances, covariance_type
    )
    assert_allclose(result.log_likelihood, expected, rtol=1e-10)
    # The returned E-step belongs to the returned parameters.
    again = e_step(X, p)
    assert_allclose(result.e_step.log_resp, again.log_resp, rtol=1e-12)
    assert_allclose(result.e_step.log_prob_norm, again.log_prob_norm, rtol=1e-12)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_integer_sample_weight_equals_repeated_rows(covariance_type):
    X = _blobs(seed=9)
    rng = np.random.RandomState(10)
    sample_weight = rng.randint(0, 4, size=len(X)).astype(float)
    X_repeated = np.repeat(X, sample_weight.astype(int), axis=0)
    weights, means, covariances = _start(X, covariance_type, seed=11)
    start, _ = make_parameters(weights, means, covariances, covariance_type)

    weighted = run_em(X, start, 3, reg_covar=1e-6, sample_weight=sample_weight)
    repeated = run_em(X_repeated, start, 3, reg_covar=1e-6)
    for name in ("weights", "means", "covariances", "precisions_cholesky"):
        assert_allclose(
            getattr(weighted.parameters, name),
            getattr(repeated.parameters, name),
            rtol=1e-9,
            atol=1e-12,  # structural zeros of the Cholesky factors come out as +-1e-17
            err_msg=name,
        )
    assert_allclose(weighted.log_likelihood, repeated.log_likelihood, rtol=1e-10)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_m_step_sample_weight_equals_repeated_rows(covariance_type):
    X = _blobs(seed=12)
    rng = np.random.RandomState(13)
    counts = rng.randint(0, 4, size=len(X))
    resp = rng.dirichlet(np.ones(3), size=len(X))
    weighted, _ = m_step(X, resp, covariance_type, 1e-6, counts.astype(float))
    repeated, _ = m_step(
        np.repeat(X, counts, axis=0),
        np.repeat(resp, counts, axis=0),
        covariance_type,
        1e-6,
    )
    assert_allclose(weighted.weights, repeated.weights, rtol=1e-10)
    assert_allclose(weighted.means, repeated.means, rtol=1e-10)
    assert_allclose(weighted.covariances, repeated.covariances, rtol=1e-9)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_m_step_formulas(covariance_type):
    """The M-step of EM, by explicit loops (with reg_covar)."""
    X = _blobs(seed=14, n_per=5)
    rng = np.random.RandomState(15)
    resp = rng.dirichlet(np.ones(2), size=len(X))
    w = rng.uniform(0.2, 2.0, size=len(X))
    reg = 1e-3
    params, _ = m_step(X, resp, covariance_type, reg, w)
    n, m = X.shape
    nk = [sum(w[i] * resp[i, j] for i in range(n)) for j in range(2)]
    means = [sum(w[i] * resp[i, j] * X[i] for i in range(n)) / nk[j] for j in range(2)]
    full = [
        sum(
            w[i] * resp[i, j] * np.outer(X[i] - means[j], X[i] - means[j])
            for i in range(n)
        )
        / nk[j]
        for j in range(2)
    ]
    assert_allclose(params.weights, np.array(nk) / sum(nk), rtol=1e-10)
    assert_allclose(params.means, np.array(means), rtol=1e-10)
    if covariance_type == "full":
        expected = np.array([f + reg * np.eye(m) for f in full])
    elif covariance_type == "tied":
        expected = (nk[0] * full[0] + nk[1] * full[1]) / sum(nk) + reg * np.eye(m)
    elif covariance_type == "diag":
        expected = np.array([np.diag(f) + reg for f in full])
    else:
        expected = np.array([np.trace(f) / m + reg for f in full])
    assert_allclose(params.covariances, expected, rtol=1e-9)


def test_run_em_tol_stops_early_and_tol_zero_does_not():
    X = _blobs(seed=16)
    weights, means, covariances = _start(X, "full", seed=17)
    start, _ = make_parameters(weights, means, covariances, "full")
    stopped = run_em(X, start, 500, reg_covar=1e-6, tol=1e-3)
    assert stopped.converged
    assert 1 <= stopped.n_iter < 500
    full = run_em(X, start, 7, reg_covar=1e-6)
    assert full.n_iter == 7 and not full.converged
    none = run_em(X, start, 0, reg_covar=1e-6)
    assert none.n_iter == 0
    assert none.parameters is start
    assert_allclose(none.log_likelihood, log_likelihood(e_step(X, start)), rtol=1e-12)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_run_em_min_weight_drops_empty_component(covariance_type):
    X = _blobs(seed=18)
    weights, means, covariances = _start(X, covariance_type, seed=19)
    means = means.copy()
    means[1] = 1e3  # nobody's component: its weight collapses at once
    start, _ = make_parameters(weights, means, covariances, covariance_type)
    result = run_em(X, start, 2, reg_covar=1e-6, min_weight=1e-3)
    assert result.parameters.n_components == 2
    assert np.all(result.parameters.weights >= 1e-3)
    assert_allclose(result.parameters.weights.sum(), 1.0)
    assert result.e_step.log_resp.shape == (len(X), 2)
    # Without min_weight the component stays.
    kept = run_em(X, start, 2, reg_covar=1e-6)
    assert kept.parameters.n_components == 3


def test_run_em_min_weight_never_drops_the_last_component():
    X = _blobs(seed=20)
    start, _ = make_parameters(
        np.array([1.0]), X.mean(axis=0, keepdims=True), np.cov(X.T)[np.newaxis], "full"
    )
    result = run_em(X, start, 2, reg_covar=1e-6, min_weight=2.0)
    assert result.parameters.n_components == 1


# --------------------------------------------------------------------------
# E-step
# --------------------------------------------------------------------------


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_e_step_against_scipy(covariance_type):
    X = _blobs(seed=21, n_features=3)[::4]
    weights, means, covariances = _start(X, covariance_type, seed=22)
    parameters, _ = make_parameters(weights, means, covariances, covariance_type)
    result = e_step(X, parameters)
    assert isinstance(result, EStep)
    k = len(weights)
    log_prob = np.array(
        [
            multivariate_normal(
                means[j], _full_matrix(covariances, covariance_type, j, 3)
            ).logpdf(X)
            for j in range(k)
        ]
    ).T
    assert_allclose(result.log_prob, log_prob, rtol=1e-10)
    joint = np.exp(log_prob) * weights
    assert_allclose(result.log_prob_norm, np.log(joint.sum(axis=1)), rtol=1e-10)
    assert_allclose(result.resp, joint / joint.sum(axis=1, keepdims=True), rtol=1e-9)
    assert_allclose(result.resp.sum(axis=1), 1.0, rtol=1e-12)


def test_e_step_floors_log_responsibilities():
    X = np.array([[0.0], [1.0], [100.0]])
    parameters, _ = make_parameters(
        np.array([0.5, 0.5]),
        np.array([[0.0], [100.0]]),
        np.array([[[1e-2]], [[1e-2]]]),
        "full",
    )
    result = e_step(X, parameters)
    assert np.all(result.log_resp >= -600.0)
    assert result.log_resp[0, 1] == -600.0
    assert np.all(np.isfinite(result.log_prob_norm))
    # The responsibilities are floored alike, at exp(-600).
    assert_allclose(result.resp, np.exp(result.log_resp), rtol=1e-12, atol=0)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_e_step_resp_is_exp_of_log_resp(covariance_type):
    X = _blobs(seed=23, n_per=400, n_features=3) * 3.0
    weights, means, covariances = _start(X, covariance_type, seed=24)
    parameters, _ = make_parameters(weights, means, covariances, covariance_type)
    result = e_step(X, parameters)
    assert result.resp.shape == result.log_resp.shape == (len(X), len(weights))
    assert_allclose(result.resp, np.exp(result.log_resp), rtol=1e-12, atol=0)
    assert result.log_resp.max() <= 0.0
    assert result.resp.min() >= np.exp(-600.0)


def _two_unit_components():
    """Equal weights, identity covariances, means (0, 0) and (1, 1)."""
    weights = np.array([0.5, 0.5])
    means = np.array([[0.0, 0.0], [1.0, 1.0]])
    return make_parameters(weights, means, np.array([np.eye(2)] * 2), "full")[0]


def test_e_step_resp_of_rows_with_zero_density():
    X = np.array([[0.0, 0.0], [1.0, -1.0], [1e170, 0.0]])
    parameters = _two_unit_components()
    with np.errstate(over="ignore"):
        result = e_step(X, parameters)
    assert result.log_prob_norm[2] == -np.inf
    assert_allclose(result.resp[2], [0.5, 0.5], rtol=1e-15)
    assert_allclose(result.resp, np.exp(result.log_resp), rtol=1e-12, atol=0)


def test_e_step_results_are_not_overwritten_by_later_calls():
    X = _blobs(seed=25, n_per=2000, n_features=2)
    first_parameters, _ = make_parameters(*_start(X, "full", seed=26), "full")
    second_parameters, _ = make_parameters(*_start(X, "full", seed=27), "full")
    first = e_step(X, first_parameters)
    saved = [array.copy() for array in first]
    for _ in range(3):
        second = e_step(X, second_parameters)
        for kept, copy in zip(first, saved, strict=True):
            assert_array_equal(kept, copy)
            for other in second:
                assert not np.shares_memory(kept, other)


def test_e_step_writes_into_out_only_when_the_shape_fits():
    X = _blobs(seed=28, n_per=200, n_features=2)
    parameters, _ = make_parameters(*_start(X, "full", seed=29), "full")
    expected = e_step(X, parameters)
    stale = e_step(X, parameters)
    result = e_step(X, parameters, out=stale)
    for name in ("log_prob", "log_resp", "resp", "log_prob_norm"):
        assert np.shares_memory(getattr(result, name), getattr(stale, name))
        assert_array_equal(getattr(result, name), getattr(expected, name))
    fewer = drop_components(parameters, np.arange(parameters.n_components) > 0)
    smaller = e_step(X, fewer, out=stale)
    assert not np.shares_memory(smaller.resp, stale.resp)
    assert_array_equal(smaller.resp, e_step(X, fewer).resp)


def test_run_em_recycles_only_its_own_e_steps(monkeypatch):
    X = _blobs(seed=30, n_per=200, n_features=2)
    parameters, _ = make_parameters(*_start(X, "full", seed=31), "full")
    given = e_step(X, parameters)
    saved = [array.copy() for array in given]
    outs = []
    real_e_step = _em._partial_e_step

    def recording_e_step(X, parameters, out=None, **kwargs):
        outs.append(out)
        return real_e_step(X, parameters, out=out, **kwargs)

    monkeypatch.setattr(_em, "_partial_e_step", recording_e_step)
    result = run_em(X, parameters, 4, reg_covar=1e-6, e_step_result=given)
    # The caller's E-step is never written over; later ones recycle the
    # previous step's memory.
    for kept, copy in zip(given, saved, strict=True):
        assert_array_equal(kept, copy)
    assert outs[0] is None
    assert all(out is not None for out in outs[1:])
    assert np.shares_memory(result.e_step.resp, outs[1].resp)
    reference = run_em(X, parameters, 4, reg_covar=1e-6)
    assert_array_equal(result.e_step.resp, reference.e_step.resp)


def _count_calls(monkeypatch, name, *modules):
    """Count the calls of the function ``name`` of ``modules``.

    Returns the list of the calls' first arguments, which grows with them.
    """
    calls = []
    real = getattr(modules[0], name)

    def counting(first, *args, **kwargs):
        calls.append(first)
        return real(first, *args, **kwargs)

    for module in modules:
        monkeypatch.setattr(module, name, counting)
    return calls


def _assert_same_e_step(result, expected):
    for name in EStep._fields:
        assert_array_equal(getattr(result, name), getattr(expected, name))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize(
    "stop", [{"n_steps": 4}, {"n_steps": 0}, {"n_steps": 5, "tol": 1e9}]
)
def test_run_em_returns_the_whole_e_step_of_its_parameters(covariance_type, stop):
    # The E-steps between M-steps skip the log-responsibilities; the one
    # run_em returns has them, as e_step computes them, however it stopped.
    X = _blobs(seed=34, n_per=100, n_features=3)
    parameters, _ = make_parameters(
        *_start(X, covariance_type, seed=35), covariance_type
    )
    stop = dict(stop)
    result = run_em(X, parameters, stop.pop("n_steps"), reg_covar=1e-6, **stop)
    expected = e_step(X, result.parameters)
    _assert_same_e_step(result.e_step, expected)


def test_run_em_past_its_deadline_returns_the_whole_e_step():
    X = _blobs(seed=36, n_per=100, n_features=2)
    parameters, _ = make_parameters(*_start(X, "full", seed=37), "full")
    result = run_em(X, parameters, 4, reg_covar=1e-6, deadline=0.0)
    assert result.n_iter == 0
    expected = e_step(X, parameters)
    _assert_same_e_step(result.e_step, expected)


def test_run_em_returns_the_whole_e_step_of_rows_with_zero_density():
    X = np.array([[0.0, 0.0], [1.0, -1.0], [0.5, 0.2], [1e170, 0.0]])
    parameters = _two_unit_components()
    with np.errstate(over="ignore"):
        result = run_em(X, parameters, 3, reg_covar=1e-6)
        expected = e_step(X, parameters)
    # ln p = -inf stops EM before any M-step.
    assert result.n_iter == 0
    assert_array_equal(result.e_step.log_resp[3], np.log([0.5, 0.5]))
    _assert_same_e_step(result.e_step, expected)


def test_run_em_computes_log_responsibilities_once(monkeypatch):
    # No repeated work: of the E-steps of 4 iterations, only the last one's
    # log-responsibilities are used (by the split and merge measures).
    X = _blobs(seed=38, n_per=100, n_features=2)
    parameters, _ = make_parameters(*_start(X, "full", seed=39), "full")
    calls = _count_calls(monkeypatch, "_complete", _em)
    result = run_em(X, parameters, 4, reg_covar=1e-6)
    assert result.n_iter == 4
    assert len(calls) == 1
    assert calls[0] is result.e_step


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_run_em_finds_the_data_centre_once(monkeypatch, covariance_type):
    # The centre of the data, which every E-step and M-step works about,
    # does not change between steps: one computation serves them all.
    from sklearn_esmem import _kernels

    X = _blobs(seed=32, n_per=100, n_features=3)
    parameters, _ = make_parameters(
        *_start(X, covariance_type, seed=33), covariance_type
    )
    reference = run_em(X, parameters, 4, reg_covar=1e-6)
    calls = _count_calls(monkeypatch, "data_centre", _kernels, _em)
    result = run_em(X, parameters, 4, reg_covar=1e-6)
    assert result.n_iter == 4
    assert len(calls) == 1
    assert_array_equal(result.e_step.resp, reference.e_step.resp)
    assert_array_equal(result.parameters.covariances, reference.parameters.covariances)


@pytest.mark.parametrize("min_components", [1, 2, 3])
def test_run_em_drops_light_components_down_to_min_components(min_components):
    X = _blobs(seed=32, n_per=100, n_features=2)
    parameters, _ = make_parameters(*_start(X, "full", seed=33), "full")
    k = parameters.n_components
    assert k >= 3
    # Every component is "light": only min_components survive, the heaviest.
    result = run_em(
        X, parameters, 1, reg_covar=1e-6, min_weight=2.0, min_components=min_components
    )
    assert result.parameters.n_components == min_components


def test_e_step_constructed_without_resp():
    log_resp = np.log(np.array([[0.25, 0.75], [1.0, 0.0]]).clip(np.exp(-600.0)))
    result = EStep(np.zeros((2, 2)), log_resp, np.zeros(2))
    assert_allclose(result.resp, np.exp(log_resp), rtol=0)
    assert result.log_resp is log_resp
    given_resp = np.array([[0.25, 0.75], [1.0, 0.0]])
    assert EStep(np.zeros((2, 2)), log_resp, np.zeros(2), given_resp).resp is given_resp


def test_log_likelihood_weighted():
    log_prob_norm = np.array([-1.0, -2.0, -0.5])
    result = EStep(np.zeros((3, 1)), np.zeros((3, 1)), log_prob_norm)
    assert log_likelihood(result) == pytest.approx(-3.5)
    assert log_likelihood(result, np.array([2.0, 0.0, 4.0])) == pytest.approx(-4.0)


# --------------------------------------------------------------------------
# n_parameters
# --------------------------------------------------------------------------


@pytest.mark.filterwarnings(CONVERGENCE)
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("n_components", [1, 3])
@pytest.mark.parametrize("n_features", [1, 3])
def test_n_parameters_matches_gaussian_mixture(
    covariance_type, n_components, n_features
):
    X = _blobs(seed=23, n_features=n_features)
    gm = GaussianMixture(
        n_components, covariance_type=covariance_type, max_iter=2, random_state=0
    ).fit(X)
    assert n_parameters(n_components, n_features, covariance_type) == gm._n_parameters()


@pytest.mark.parametrize(
    "covariance_type, expected",
    # k = 4, M = 3, by hand: 3 weights + 12 mean entries + covariances.
    [
        ("full", 3 + 12 + 4 * 6),
        ("tied", 3 + 12 + 6),
        ("diag", 3 + 12 + 12),
        ("spherical", 3 + 12 + 4),
    ],
)
def test_n_parameters_by_hand(covariance_type, expected):
    value = n_parameters(4, 3, covariance_type)
    assert value == expected
    assert isinstance(value, int)


# --------------------------------------------------------------------------
# make_parameters and covariance repair
# --------------------------------------------------------------------------


def _assert_positive_definite(parameters):
    full = parameters.full_covariances()
    assert np.all(np.isfinite(full))
    assert np.all(np.isfinite(parameters.precisions_cholesky))
    for covariance in full:
        assert_allclose(covariance, covariance.T, atol=1e-12)
        # eigvalsh is only accurate to about eps * ||S||: a smaller negative
        # value is rounding, not indefiniteness (hypothesis found a matrix
        # with eigenvalues 546 and 4e-16 that eigvalsh put at -3e-14).
        eigenvalues = np.linalg.eigvalsh(covariance)
        tolerance = 4 * len(covariance) * np.finfo(float).eps * eigenvalues.max()
        assert eigenvalues.min() > -tolerance
        np.linalg.cholesky(covariance)


def _assert_precisions_match(parameters):
    """The Cholesky factors must factor the inverse covariances."""
    ct = parameters.covariance_type
    full = parameters.full_covariances()
    chol = parameters.precisions_cholesky
    m = parameters.n_features
    for j, covariance in enumerate(full):
        if ct == "full":
            L = chol[j]
        elif ct == "tied":
            L = chol
        elif ct == "diag":
            L = np.diag(chol[j])
        else:
            L = chol[j] * np.eye(m)
        assert_allclose(L @ L.T @ covariance, np.eye(m), atol=1e-6)


def _singular(covariance_type):
    """A singular covariance per type, and 2 means, for 2 components in 2-D."""
    u = np.array([1.0, 2.0])
    if covariance_type == "full":
        return np.array([np.outer(u, u), np.eye(2)])  # rank 1, then healthy
    if covariance_type == "tied":
        return np.outer(u, u)
    if covariance_type == "diag":
        return np.array([[0.0, 1.0], [1.0, 1.0]])  # a zero variance
    return np.array([0.0, 1.0])


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_make_parameters_repairs_singular(covariance_type):
    covariances = _singular(covariance_type)
    original = covariances.copy()
    parameters, n_repaired = make_parameters(
        np.array([1.0, 3.0]), np.zeros((2, 2)), covariances, covariance_type, 1e-6
    )
    assert n_repaired > 0
    assert isinstance(parameters, MixtureParameters)
    _assert_positive_definite(parameters)
    _assert_precisions_match(parameters)
    assert_array_equal(covariances, original)  # the input is not modified
    assert_allclose(parameters.weights, [0.25, 0.75])


@pytest.mark.parametrize("covariance_type", ["full", "diag", "spherical"])
def test_make_parameters_repairs_only_the_broken_component(covariance_type):
    covariances = _singular(covariance_type)
    parameters, n_repaired = make_parameters(
        np.array([0.5, 0.5]), np.zeros((2, 2)), covariances, covariance_type, 1e-6
    )
    assert n_repaired == 1
    # The healthy second component is left as it was.
    assert_allclose(parameters.covariances[1], covariances[1], rtol=1e-12)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_make_parameters_repairs_all_zero(covariance_type):
    shapes = {"full": (3, 2, 2), "tied": (2, 2), "diag": (3, 2), "spherical": (3,)}
    parameters, n_repaired = make_parameters(
        np.ones(3),
        np.zeros((3, 2)),
        np.zeros(shapes[covariance_type]),
        covariance_type,
        1e-5,
    )
    assert n_repaired >= 1
    _assert_positive_definite(parameters)
    # reg_covar is the floor of the repaired eigenvalues.
    assert np.linalg.eigvalsh(parameters.full_covariances()).min() >= 1e-5 * (1 - 1e-9)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_make_parameters_repairs_non_finite(covariance_type, bad):
    healthy = {
        "full": np.array([[[2.0, 1.0], [1.0, 2.0]], [[1.0, 0.0], [0.0, 1.0]]]),
        "tied": np.array([[2.0, 1.0], [1.0, 2.0]]),
        "diag": np.array([[1.0, 2.0], [3.0, 4.0]]),
        "spherical": np.array([1.0, 2.0]),
    }
    covariances = healthy[covariance_type]
    covariances.flat[0] = bad
    parameters, n_repaired = make_parameters(
        np.array([0.5, 0.5]), np.zeros((2, 2)), covariances, covariance_type, 1e-6
    )
    assert n_repaired >= 1
    _assert_positive_definite(parameters)
    _assert_precisions_match(parameters)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_make_parameters_negative_definite(covariance_type):
    shapes = {"full": (2, 2, 2), "tied": (2, 2), "diag": (2, 2), "spherical": (2,)}
    covariances = np.zeros(shapes[covariance_type])
    if covariance_type in ("full", "tied"):
        covariances[...] = -np.eye(2)
    else:
        covariances[...] = -1.0
    parameters, n_repaired = make_parameters(
        np.array([0.5, 0.5]), np.zeros((2, 2)), covariances, covariance_type, 1e-6
    )
    assert n_repaired >= 1
    _assert_positive_definite(parameters)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_make_parameters_keeps_healthy_covariances(covariance_type):
    X = _blobs(seed=24)
    weights, means, covariances = _start(X, covariance_type, seed=25)
    parameters, n_repaired = make_parameters(
        2 * weights, means, covariances, covariance_type
    )
    assert n_repaired == 0
    assert_array_equal(parameters.covariances, covariances)
    assert_allclose(parameters.weights, weights, rtol=1e-12)
    assert parameters.n_components == 3 and parameters.n_features == 2
    _assert_precisions_match(parameters)


# One variance at the rounding level of a constant feature of value 7 (1e-32
# measured with reg_covar=0), next to a healthy component where the layout
# has one.
_AT_ROUNDING_LEVEL = {
    "full": np.array([np.diag([2.0, 1e-32]), np.eye(2)]),
    "tied": np.diag([2.0, 1e-32]),
    "diag": np.array([[2.0, 1e-32], [1.0, 1.0]]),
    "spherical": np.array([1e-32, 2.0]),
}
_CONSTANT_SECOND_FEATURE = np.array([[0.0, 7.0], [3.0, 7.0]])


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_make_parameters_floors_a_variance_at_rounding_level(covariance_type):
    # Cholesky passes on it, yet the density along it is unbounded but for
    # it: every covariance type raises it to the floor, 1e-10 of the largest
    # variance, and counts the repair (which the fit reports).
    covariances = _AT_ROUNDING_LEVEL[covariance_type]
    parameters, n_repaired = make_parameters(
        np.array([0.5, 0.5]),
        _CONSTANT_SECOND_FEATURE,
        covariances,
        covariance_type,
        0.0,
    )
    assert n_repaired == 1
    _assert_positive_definite(parameters)
    _assert_precisions_match(parameters)
    variances = np.diagonal(parameters.full_covariances(), axis1=1, axis2=2)
    assert variances.min() >= 2e-10 * (1 - 1e-9)
    if covariance_type != "tied":
        # The healthy component is left as it was.
        assert_array_equal(parameters.covariances[1], covariances[1])


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag"])
def test_make_parameters_keeps_a_small_variance_that_is_not_rounding(
    covariance_type,
):
    # A feature a million times narrower than another (in standard
    # deviation), 1e-12 of the largest variance but far above the rounding
    # of its values: a real spread, kept as it is.
    full = np.array([np.diag([1.0, 1e12]), np.diag([2.0, 3e12])])
    weights = np.array([0.5, 0.5])
    covariances = from_full_covariances(full, covariance_type, weights)
    means = np.array([[-3.0, -3e6], [3.0, 3e6]])
    parameters, n_repaired = make_parameters(
        weights, means, covariances, covariance_type, 1e-6
    )
    assert n_repaired == 0
    assert_array_equal(parameters.covariances, covariances)


_symmetric_or_diagonal = st.sampled_from(COVARIANCE_TYPES).flatmap(
    lambda ct: st.tuples(
        st.just(ct),
        arrays(
            float,
            {"full": (2, 3, 3), "tied": (3, 3), "diag": (2, 3), "spherical": (2,)}[ct],
            elements=st.one_of(
                st.just(0.0),
                st.floats(-1e3, 1e3, allow_nan=False, allow_subnormal=False),
            ),
        ),
    )
)


@settings(max_examples=60, deadline=None)
@given(_symmetric_or_diagonal)
def test_make_parameters_never_raises(case):
    covariance_type, covariances = case
    if covariance_type == "full":
        covariances = covariances + np.swapaxes(covariances, 1, 2)
    elif covariance_type == "tied":
        covariances = covariances + covariances.T
    parameters, _ = make_parameters(
        np.array([0.3, 0.7]), np.zeros((2, 3)), covariances, covariance_type, 1e-6
    )
    _assert_positive_definite(parameters)


def test_mixture_parameters_copy_is_deep():
    parameters, _ = make_parameters(
        np.array([0.5, 0.5]), np.zeros((2, 2)), np.array([np.eye(2), np.eye(2)]), "full"
    )
    copy = parameters.copy()
    copy.weights[0] = 9.0
    copy.means[0, 0] = 9.0
    copy.covariances[0, 0, 0] = 9.0
    copy.precisions_cholesky[0, 0, 0] = 9.0
    assert parameters.weights[0] == 0.5
    assert parameters.means[0, 0] == 0.0
    assert parameters.covariances[0, 0, 0] == 1.0
    assert parameters.precisions_cholesky[0, 0, 0] == 1.0
    assert copy.covariance_type == "full"


# --------------------------------------------------------------------------
# Covariance layouts
# --------------------------------------------------------------------------


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_to_full_covariances_by_hand(covariance_type):
    rng = np.random.RandomState(26)
    weights, _, covariances = _start(rng.normal(size=(20, 3)), covariance_type, k=3)
    full = to_full_covariances(covariances, covariance_type, 3, 3)
    assert full.shape == (3, 3, 3)
    for j in range(3):
        assert_array_equal(full[j], _full_matrix(covariances, covariance_type, j, 3))
    full[0, 0, 0] += 1.0  # a copy, never a view of the input
    assert_array_equal(
        to_full_covariances(covariances, covariance_type, 3, 3)[0],
        _full_matrix(covariances, covariance_type, 0, 3),
    )


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_from_full_covariances_round_trip(covariance_type):
    rng = np.random.RandomState(27)
    weights, _, covariances = _start(rng.normal(size=(20, 3)), covariance_type, k=3)
    full = to_full_covariances(covariances, covariance_type, 3, 3)
    assert_allclose(
        from_full_covariances(full, covariance_type, weights), covariances, rtol=1e-12
    )


def test_from_full_covariances_projections_by_hand():
    full = np.array([[[2.0, 1.0], [1.0, 4.0]], [[6.0, 0.0], [0.0, 8.0]]])
    weights = np.array([1.0, 3.0])  # not normalised on purpose
    assert_array_equal(from_full_covariances(full, "full", weights), full)
    assert_allclose(
        from_full_covariances(full, "diag", weights), [[2.0, 4.0], [6.0, 8.0]]
    )
    assert_allclose(from_full_covariances(full, "spherical", weights), [3.0, 7.0])
    assert_allclose(
        from_full_covariances(full, "tied", weights),
        [[(2 + 18) / 4, 1 / 4], [1 / 4, (4 + 24) / 4]],
    )


# --------------------------------------------------------------------------
# _sklearn_compat
# --------------------------------------------------------------------------


def test_sklearn_version_parsed():
    import sklearn

    version = _sklearn_compat.SKLEARN_VERSION
    assert version.release[:2] == tuple(
        int(p) for p in sklearn.__version__.split(".")[:2]
    )


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_compat_precision_cholesky_and_log_prob(covariance_type):
    X = _blobs(seed=28)[::5]
    weights, means, covariances = _start(X, covariance_type, seed=29)
    chol = _sklearn_compat.compute_precision_cholesky(covariances, covariance_type)
    log_prob = _sklearn_compat.estimate_log_gaussian_prob(
        X, means, chol, covariance_type
    )
    for j in range(3):
        expected = multivariate_normal(
            means[j], _full_matrix(covariances, covariance_type, j, 2)
        ).logpdf(X)
        assert_allclose(log_prob[:, j], expected, rtol=1e-10)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e6])
def test_batched_precision_cholesky_matches_sklearn(covariance_type, scale):
    # The batched kernel of _em is checked against scikit-learn's routine.
    rng = np.random.RandomState(int(np.log10(scale)) + 10)
    weights, _, covariances = _start(rng.normal(size=(30, 4)), covariance_type, k=5)
    covariances = covariances * scale
    ours = _precision_cholesky(covariances, covariance_type)
    theirs = _sklearn_compat.compute_precision_cholesky(covariances, covariance_type)
    assert ours.shape == theirs.shape
    assert_allclose(ours, theirs, rtol=1e-10, atol=1e-14 * np.abs(theirs).max())
    if covariance_type == "full":
        for factor, covariance in zip(ours, covariances, strict=True):
            assert_array_equal(np.tril(factor, -1), 0.0)  # upper triangular
            assert_allclose(factor @ factor.T @ covariance, np.eye(4), atol=1e-9)


def test_batched_precision_cholesky_raises_value_error():
    covariances = np.array([np.eye(2), [[1.0, 2.0], [2.0, 1.0]]])  # 2nd indefinite
    with pytest.raises(ValueError):
        _precision_cholesky(covariances, "full")


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_compat_precision_cholesky_raises_value_error(covariance_type):
    with pytest.raises(ValueError):
        _sklearn_compat.compute_precision_cholesky(
            _singular(covariance_type), covariance_type
        )


def test_compat_estimate_gaussian_parameters():
    X = _blobs(seed=30)
    resp = np.random.RandomState(31).dirichlet(np.ones(2), size=len(X))
    nk, means, covariances = _sklearn_compat.estimate_gaussian_parameters(
        X, resp, 0.0, "full"
    )
    assert_allclose(nk, resp.sum(axis=0), rtol=1e-12)
    assert_allclose(means, resp.T @ X / resp.sum(axis=0)[:, None], rtol=1e-12)
    for j in range(2):
        expected = np.cov(X.T, aweights=resp[:, j], bias=True)
        assert_allclose(covariances[j], expected, rtol=1e-10)


def test_a_collapsed_full_covariance_is_repaired():
    # Cholesky passes on it (its pivots are large relative to its own
    # diagonal), but its variances are nothing at the scale of the mixture.
    collapsed = np.array([[3e-30, -1e-259], [-1e-259, 3.5e-259]])
    covariances = np.array([[[4.9, -17.7], [-17.7, 64.7]], collapsed])
    parameters, n_repaired = make_parameters(
        np.array([0.5, 0.5]), np.zeros((2, 2)), covariances, "full"
    )
    assert n_repaired == 1
    assert_array_equal(parameters.covariances[0], covariances[0])
    assert np.linalg.eigvalsh(parameters.covariances[1]).min() >= 1e-10 * 64.7 * (
        1 - 1e-12
    )
    # A small component at the scale of the others is left alone.
    small = np.array([[[1.0, 0.0], [0.0, 1.0]], [[1e-6, 0.0], [0.0, 1e-6]]])
    assert (
        make_parameters(np.array([0.5, 0.5]), np.zeros((2, 2)), small, "full")[1] == 0
    )
