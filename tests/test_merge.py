"""Tests of sklearn_esmem.merge (merge measures, moment-preserving merge)."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklearn_esmem._em import COVARIANCE_TYPES, EStep, e_step, make_parameters
from sklearn_esmem.merge import (
    Overlap,
    ResponsibilityCorrelation,
    moment_preserving_merge,
)

# --------------------------------------------------------------------------
# Hand-worked example: 6 samples, 4 components, responsibilities set by hand.
# Ranked (first, second) per row: (0,1) (0,1) (1,2) (2,0) (1,2) (1,0);
# component 3 is never first or second, and A_02, A_21 are empty.
# --------------------------------------------------------------------------

RESP_HAND = np.array(
    [
        [0.68, 0.20, 0.10, 0.02],
        [0.58, 0.30, 0.10, 0.02],
        [0.20, 0.48, 0.30, 0.02],
        [0.38, 0.10, 0.50, 0.02],
        [0.10, 0.58, 0.30, 0.02],
        [0.30, 0.58, 0.10, 0.02],
    ]
)


def _hand_case(resp=RESP_HAND):
    n, k = resp.shape
    X = np.arange(n, dtype=float)[:, None]
    parameters, _ = make_parameters(
        resp.mean(axis=0), np.zeros((k, 1)), np.ones((k, 1, 1)), "full"
    )
    return X, parameters, EStep(np.zeros((n, k)), np.log(resp), np.zeros(n))


def _overlap_loop(resp, sample_weight=None):
    """The overlap measure, intended form; the mean over an empty set is 0."""
    n, k = resp.shape
    w = np.ones(n) if sample_weight is None else sample_weight
    mean = np.zeros((k, k))
    for i in range(k):
        for j in range(k):
            if i == j:
                continue
            total, count = 0.0, 0.0
            for row in range(n):
                ranked = sorted(range(k), key=lambda c: -resp[row, c])
                if ranked[0] == i and ranked[1] == j:
                    total += w[row] * (1 - (resp[row, i] - resp[row, j]))
                    count += w[row]
            mean[i, j] = total / count if count > 0 else 0.0
    return np.array(
        [[0.5 * (mean[i, j] + mean[j, i]) for j in range(k)] for i in range(k)]
    )


def _correlation_loop(resp, sample_weight=None):
    """The correlation measure: |P_j' P_l| / (||P_j|| ||P_l||), weighted rows."""
    n, k = resp.shape
    w = np.ones(n) if sample_weight is None else sample_weight
    out = np.zeros((k, k))
    for j in range(k):
        for m in range(k):
            dot = sum(w[i] * resp[i, j] * resp[i, m] for i in range(n))
            nj = math.sqrt(sum(w[i] * resp[i, j] ** 2 for i in range(n)))
            nm = math.sqrt(sum(w[i] * resp[i, m] ** 2 for i in range(n)))
            out[j, m] = abs(dot) / (nj * nm)
    return out


def _off_diagonal(a):
    return a[~np.eye(len(a), dtype=bool)]


def test_overlap_hand_worked():
    X, parameters, estep = _hand_case()
    scores = Overlap().score_pairs(X, parameters, estep)
    assert scores.shape == (4, 4)
    assert_allclose(
        _off_diagonal(scores), _off_diagonal(_overlap_loop(RESP_HAND)), atol=1e-12
    )
    # The same numbers worked on paper:
    # m_01 = mean(1 - .48, 1 - .28) = .62, m_10 = 1 - .28 = .72
    assert scores[0, 1] == pytest.approx(0.5 * (0.62 + 0.72))
    # m_12 = mean(1 - .18, 1 - .28) = .77, A_21 empty
    assert scores[1, 2] == pytest.approx(0.5 * 0.77)
    # A_02 empty, m_20 = 1 - .12 = .88
    assert scores[0, 2] == pytest.approx(0.5 * 0.88)
    # Component 3 is never ranked first or second: both sets empty, 0 not NaN.
    assert np.all(np.isfinite(scores))
    assert_allclose(scores[3, :3], 0.0)
    assert_allclose(scores[:3, 3], 0.0)


def test_responsibility_correlation_hand_worked():
    X, parameters, estep = _hand_case()
    scores = ResponsibilityCorrelation().score_pairs(X, parameters, estep)
    assert_allclose(scores, _correlation_loop(RESP_HAND), rtol=1e-12)
    # Components 0 and 3 by hand: P_3 is constant, so the cosine is
    # sum(P_0) / (sqrt(6) ||P_0||).
    p0 = RESP_HAND[:, 0]
    assert scores[0, 3] == pytest.approx(p0.sum() / (math.sqrt(6) * np.linalg.norm(p0)))


def _scenario(covariance_type, seed=0):
    rng = np.random.RandomState(seed)
    X = np.concatenate(
        [
            rng.normal(size=(25, 2)),
            rng.normal(size=(25, 2)) + [1.5, 0.0],
            rng.normal(size=(25, 2)) + [6.0, 6.0],
        ]
    )
    means = np.array([[0.0, 0.0], [1.5, 0.0], [6.0, 6.0], [3.0, 3.0]])
    covariances = {
        "full": np.array(
            [np.eye(2), [[1.0, 0.3], [0.3, 1.0]], np.eye(2), 2 * np.eye(2)]
        ),
        "tied": np.eye(2),
        "diag": np.array([[1.0, 1.0], [1.0, 2.0], [0.5, 1.0], [2.0, 2.0]]),
        "spherical": np.array([1.0, 1.5, 1.0, 2.0]),
    }[covariance_type]
    parameters, _ = make_parameters(
        np.array([0.3, 0.3, 0.3, 0.1]), means, covariances, covariance_type
    )
    return X, parameters, e_step(X, parameters)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_measures_from_a_real_e_step(covariance_type):
    X, parameters, estep = _scenario(covariance_type)
    resp = estep.resp
    overlap = Overlap().score_pairs(X, parameters, estep)
    correlation = ResponsibilityCorrelation().score_pairs(X, parameters, estep)
    assert_allclose(
        _off_diagonal(overlap), _off_diagonal(_overlap_loop(resp)), atol=1e-12
    )
    assert_allclose(correlation, _correlation_loop(resp), rtol=1e-10)
    # The two overlapping blobs (0 and 1) overlap more than either does
    # with the far blob 2.
    for scores in (overlap, correlation):
        assert scores[0, 1] > max(scores[0, 2], scores[1, 2])


@pytest.mark.parametrize("measure", [Overlap(), ResponsibilityCorrelation()])
@pytest.mark.parametrize("seed", range(4))
def test_measures_symmetric_and_in_unit_interval(measure, seed):
    rng = np.random.RandomState(seed)
    resp = rng.dirichlet(np.full(5, 0.5), size=40)
    X, parameters, estep = _hand_case(resp)
    scores = measure.score_pairs(X, parameters, estep)
    assert scores.shape == (5, 5)
    assert np.all(np.isfinite(scores))
    assert_allclose(scores, scores.T, atol=0)
    assert np.all((scores >= 0) & (scores <= 1))


@pytest.mark.parametrize("seed", range(4))
def test_responsibility_correlation_diagonal_is_one(seed):
    rng = np.random.RandomState(seed)
    resp = rng.dirichlet(np.full(4, 0.5), size=30)
    X, parameters, estep = _hand_case(resp)
    scores = ResponsibilityCorrelation().score_pairs(X, parameters, estep)
    assert_allclose(np.diag(scores), 1.0, rtol=1e-12)


def test_responsibility_correlation_orthogonal_columns():
    # Hard, disjoint assignments: cosine 0 off the diagonal.
    resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]) * (1 - 2e-9) + 1e-9
    X, parameters, estep = _hand_case(resp)
    scores = ResponsibilityCorrelation().score_pairs(X, parameters, estep)
    assert scores[0, 1] == pytest.approx(0.0, abs=1e-8)


def test_overlap_all_samples_in_one_set():
    # Every sample ranks 0 first and 1 second: OVER(0, 1) = m_01 / 2.
    resp = np.array([[0.6, 0.3, 0.1], [0.8, 0.15, 0.05]])
    X, parameters, estep = _hand_case(resp)
    scores = Overlap().score_pairs(X, parameters, estep)
    assert scores[0, 1] == pytest.approx(0.5 * ((0.7 + 0.35) / 2))
    assert scores[0, 2] == 0.0 and scores[1, 2] == 0.0


@pytest.mark.parametrize("measure", [Overlap(), ResponsibilityCorrelation()])
def test_measures_single_component(measure):
    X = np.zeros((3, 1))
    parameters, _ = make_parameters(
        np.ones(1), np.zeros((1, 1)), np.ones((1, 1, 1)), "full"
    )
    scores = measure.score_pairs(X, parameters, e_step(X, parameters))
    assert scores.shape == (1, 1)
    assert np.all(np.isfinite(scores))


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("measure", [Overlap(), ResponsibilityCorrelation()])
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_measures_integer_sample_weight_equals_repeated_rows(measure, covariance_type):
    X, parameters, _ = _scenario(covariance_type, seed=1)
    counts = np.random.RandomState(2).randint(0, 4, size=len(X))
    X_rep = np.repeat(X, counts, axis=0)
    weighted = measure.score_pairs(
        X, parameters, e_step(X, parameters), counts.astype(float)
    )
    repeated = measure.score_pairs(X_rep, parameters, e_step(X_rep, parameters))
    assert_allclose(weighted, repeated, rtol=1e-10, atol=1e-14)
    # And the weighted loops agree too.
    resp = e_step(X, parameters).resp
    if isinstance(measure, Overlap):
        expected = _overlap_loop(resp, counts)
        assert_allclose(_off_diagonal(weighted), _off_diagonal(expected), atol=1e-12)
    else:
        assert_allclose(weighted, _correlation_loop(resp, counts), rtol=1e-10)


# --------------------------------------------------------------------------
# moment_preserving_merge
# --------------------------------------------------------------------------


def _random_pair(seed, n_features=3):
    rng = np.random.RandomState(seed)
    weights = rng.uniform(0.05, 0.6, size=2)
    means = rng.normal(scale=2.0, size=(2, n_features))
    covariances = []
    for _ in range(2):
        A = rng.normal(size=(n_features, n_features))
        covariances.append(A @ A.T + 0.1 * np.eye(n_features))
    return weights, means, np.array(covariances)


@pytest.mark.parametrize("seed", range(6))
def test_merge_preserves_weight_mean_and_second_moment(seed):
    weights, means, covariances = _random_pair(seed)
    weight, mean, covariance = moment_preserving_merge(weights, means, covariances)
    # The two-component mixture's moments, computed directly.
    total = weights[0] + weights[1]
    mixture_mean = (weights[0] * means[0] + weights[1] * means[1]) / total
    mixture_second = (
        sum(
            weights[c] * (covariances[c] + np.outer(means[c], means[c]))
            for c in range(2)
        )
        / total
    )
    assert weight == pytest.approx(total, rel=1e-14)
    assert_allclose(mean, mixture_mean, rtol=1e-12, atol=1e-14)
    assert_allclose(
        covariance + np.outer(mean, mean), mixture_second, rtol=1e-12, atol=1e-14
    )
    assert_allclose(covariance, covariance.T, atol=0)
    assert np.linalg.eigvalsh(covariance).min() > 0


@pytest.mark.parametrize("seed", range(3))
def test_merge_matches_monte_carlo_of_the_pair(seed):
    # The merged Gaussian has the mean and covariance of samples of the pair.
    weights, means, covariances = _random_pair(seed, n_features=2)
    rng = np.random.RandomState(100 + seed)
    n = 200_000
    labels = rng.rand(n) < weights[1] / weights.sum()
    samples = np.where(
        labels[:, None],
        rng.multivariate_normal(means[1], covariances[1], size=n),
        rng.multivariate_normal(means[0], covariances[0], size=n),
    )
    _, mean, covariance = moment_preserving_merge(weights, means, covariances)
    scale = np.sqrt(np.diag(covariance))
    assert_allclose(samples.mean(axis=0), mean, atol=0.02 * scale.max())
    assert_allclose(np.cov(samples.T), covariance, atol=0.03 * scale.max() ** 2)


def test_merge_by_hand():
    # pi = (.2, .6), mu = (0, 4) in 1-D, var = (1, 2):
    # pi_g = .8, mu_g = 3, var_g = .25*1 + .75*2 + .25*.75*16 = 4.75
    weight, mean, covariance = moment_preserving_merge(
        np.array([0.2, 0.6]), np.array([[0.0], [4.0]]), np.array([[[1.0]], [[2.0]]])
    )
    assert weight == pytest.approx(0.8)
    assert_allclose(mean, [3.0])
    assert_allclose(covariance, [[4.75]])


def test_merge_is_symmetric_and_idempotent_on_twins():
    weights, means, covariances = _random_pair(7)
    a = moment_preserving_merge(weights, means, covariances)
    b = moment_preserving_merge(weights[::-1], means[::-1], covariances[::-1])
    for x, y in zip(a, b, strict=True):
        assert_allclose(x, y, rtol=1e-12, atol=1e-14)
    twins = moment_preserving_merge(
        np.array([0.3, 0.3]),
        np.array([means[0], means[0]]),
        np.array([covariances[0]] * 2),
    )
    assert twins[0] == pytest.approx(0.6)
    assert_allclose(twins[1], means[0], rtol=1e-14)
    assert_allclose(twins[2], covariances[0], rtol=1e-12)
