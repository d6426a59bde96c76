"""Tests of sklearn_esmem.split (split measures and split operators)."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone

from sklearn_esmem._em import COVARIANCE_TYPES, EStep, e_step, make_parameters
from sklearn_esmem.merge import moment_preserving_merge
from sklearn_esmem.split import (
    LocalKLDivergence,
    PartialLogLikelihood,
    SVDSplit,
    VarianceSplit,
)

MATLAB_EPS = 2.220446049250313e-16

# --------------------------------------------------------------------------
# A hand-worked example: 5 points in 1-D, 2 components, responsibilities set
# by hand (not by an E-step), log-densities from the Gaussian formula.
# --------------------------------------------------------------------------

X_HAND = np.array([[-2.0], [-1.0], [0.0], [1.0], [3.0]])
WEIGHTS_HAND = np.array([0.4, 0.6])
MEANS_HAND = np.array([[-1.0], [2.0]])
VARIANCES_HAND = np.array([1.0, 2.0])
RESP_HAND = np.array([[0.9, 0.1], [0.8, 0.2], [0.5, 0.5], [0.3, 0.7], [0.0, 1.0]])


def _gauss_log_pdf(x, mu, var):
    return -0.5 * math.log(2 * math.pi * var) - (x - mu) ** 2 / (2 * var)


def _hand_case():
    parameters, _ = make_parameters(
        WEIGHTS_HAND, MEANS_HAND, VARIANCES_HAND[:, None, None], "full"
    )
    log_prob = np.array(
        [
            [_gauss_log_pdf(x, MEANS_HAND[j, 0], VARIANCES_HAND[j]) for j in range(2)]
            for x in X_HAND[:, 0]
        ]
    )
    with np.errstate(divide="ignore"):
        log_resp = np.log(RESP_HAND)
    return parameters, EStep(log_prob, log_resp, np.zeros(len(X_HAND)))


def _lkd_loop(resp, log_prob, sample_weight=None):
    """LKD, code form, natural log: sum_i f_ij ln(f_ij / p_ij)."""
    n, k = resp.shape
    w = np.ones(n) if sample_weight is None else sample_weight
    out = []
    for j in range(k):
        f_total = sum(w[i] * resp[i, j] for i in range(n))
        p_total = sum(w[i] * math.exp(log_prob[i, j]) for i in range(n))
        d = 0.0
        for i in range(n):
            f = w[i] * resp[i, j] / f_total
            p = w[i] * math.exp(log_prob[i, j]) / p_total
            if f > 0:
                d += f * math.log(f / p)
        out.append(d)
    return np.array(out)


def _pll_loop(resp, log_prob, weights, sample_weight=None):
    """PLL: -sum_i g_ij [ln(pi_j + eps) + ln(phi_ij + eps)]."""
    n, k = resp.shape
    w = np.ones(n) if sample_weight is None else sample_weight
    out = []
    for j in range(k):
        total = 0.0
        for i in range(n):
            total += (
                w[i]
                * resp[i, j]
                * (
                    math.log(weights[j] + MATLAB_EPS)
                    + math.log(math.exp(log_prob[i, j]) + MATLAB_EPS)
                )
            )
        out.append(-total)
    return np.array(out)


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_local_kl_divergence_hand_worked():
    parameters, estep = _hand_case()
    scores = LocalKLDivergence().score_components(X_HAND, parameters, estep)
    assert scores.shape == (2,)
    assert_allclose(scores, _lkd_loop(RESP_HAND, estep.log_prob), rtol=1e-12)
    # Independently of the loop: component 0, point 5 has f = 0 and adds 0.
    f = RESP_HAND[:4, 0] / RESP_HAND[:4, 0].sum()
    phi = np.exp(estep.log_prob[:, 0])
    p = phi[:4] / phi.sum()
    assert scores[0] == pytest.approx(float(np.sum(f * np.log(f / p))), rel=1e-12)


def test_partial_log_likelihood_hand_worked():
    parameters, estep = _hand_case()
    scores = PartialLogLikelihood().score_components(X_HAND, parameters, estep)
    expected = _pll_loop(RESP_HAND, estep.log_prob, WEIGHTS_HAND)
    assert_allclose(scores, expected, rtol=1e-12)
    # Component 1 by hand: point 1 has x=-2, mu=2, var=2: ln phi = -0.5 ln(4 pi) - 4.
    ln_phi_1 = -0.5 * math.log(4 * math.pi) - np.array([16, 9, 4, 1, 1]) / 4.0
    by_hand = -np.sum(RESP_HAND[:, 1] * (math.log(0.6) + ln_phi_1))
    assert scores[1] == pytest.approx(by_hand, rel=1e-9)


def test_partial_log_likelihood_eps_guards_zero_density_and_weight():
    # A component with weight 0 and a density that underflows: finite, and
    # eps (not 0) inside both logarithms.
    X = np.array([[0.0], [1.0]])
    parameters, _ = make_parameters(
        np.array([1.0, 0.0]), np.array([[0.0], [1.0]]), np.ones((2, 1, 1)), "full"
    )
    log_prob = np.array([[-1.0, -2000.0], [-1.5, -3000.0]])
    resp = np.array([[0.5, 0.5], [0.25, 0.75]])
    estep = EStep(log_prob, np.log(resp), np.zeros(2))
    scores = PartialLogLikelihood().score_components(X, parameters, estep)
    expected_1 = -(0.5 + 0.75) * 2 * math.log(MATLAB_EPS)
    assert np.all(np.isfinite(scores))
    assert scores[1] == pytest.approx(expected_1, rel=1e-9)


def _blobs(seed=0, n=40):
    rng = np.random.RandomState(seed)
    return np.concatenate(
        [rng.normal(size=(n, 2)), rng.normal(size=(n, 2)) * [2.0, 0.5] + [4.0, 1.0]]
    )


def _fitted_like(X, covariance_type, k=3, seed=0):
    rng = np.random.RandomState(seed)
    means = X[rng.choice(len(X), size=k, replace=False)]
    full = np.array([np.cov(X.T) * rng.uniform(0.3, 1.0) for _ in range(k)])
    weights = rng.dirichlet(np.ones(k) * 5)
    if covariance_type == "full":
        covariances = full
    elif covariance_type == "tied":
        covariances = full[0]
    elif covariance_type == "diag":
        covariances = np.array([np.diag(c) for c in full])
    else:
        covariances = np.array([np.trace(c) / 2 for c in full])
    return make_parameters(weights, means, covariances, covariance_type)[0]


@pytest.mark.parametrize("measure", [LocalKLDivergence(), PartialLogLikelihood()])
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_measures_from_a_real_e_step(measure, covariance_type):
    X = _blobs(1, 15)
    parameters = _fitted_like(X, covariance_type)
    estep = e_step(X, parameters)
    scores = measure.score_components(X, parameters, estep)
    if isinstance(measure, LocalKLDivergence):
        expected = _lkd_loop(estep.resp, estep.log_prob)
    else:
        expected = _pll_loop(estep.resp, estep.log_prob, parameters.weights)
    assert_allclose(scores, expected, rtol=1e-9)


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("measure", [LocalKLDivergence(), PartialLogLikelihood()])
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_measures_integer_sample_weight_equals_repeated_rows(measure, covariance_type):
    X = _blobs(2, 20)
    counts = np.random.RandomState(3).randint(0, 4, size=len(X))
    parameters = _fitted_like(X, covariance_type, seed=4)
    X_rep = np.repeat(X, counts, axis=0)
    weighted = measure.score_components(
        X, parameters, e_step(X, parameters), counts.astype(float)
    )
    repeated = measure.score_components(X_rep, parameters, e_step(X_rep, parameters))
    assert_allclose(weighted, repeated, rtol=1e-10)


def test_local_kl_divergence_is_non_negative_and_zero_for_a_perfect_fit():
    X = _blobs(5, 20)
    for seed in range(5):
        parameters = _fitted_like(X, "full", seed=seed)
        scores = LocalKLDivergence().score_components(
            X, parameters, e_step(X, parameters)
        )
        assert np.all(scores >= -1e-12)
    # One component: f_i = 1/N; it is 0 exactly when p~ is uniform too,
    # i.e. every point at the same density (points on a circle around mu).
    angles = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    circle = np.c_[np.cos(angles), np.sin(angles)]
    parameters, _ = make_parameters(
        np.ones(1), np.zeros((1, 2)), np.eye(2)[None], "full"
    )
    scores = LocalKLDivergence().score_components(
        circle, parameters, e_step(circle, parameters)
    )
    assert scores[0] == pytest.approx(0.0, abs=1e-12)


def test_partial_log_likelihood_ranks_a_badly_fitting_component_first():
    # Two clusters covered by one wide component and one small, right one.
    # (LKD's code form cannot see this one: the density renormalised over
    # the sample is as flat over +-4 as the responsibilities are.)
    rng = np.random.RandomState(6)
    X = np.concatenate(
        [
            rng.normal(size=(30, 1)) * 0.3 - 4,
            rng.normal(size=(30, 1)) * 0.3 + 4,
            rng.normal(size=(30, 1)) * 0.3 + 20,
        ]
    )
    parameters, _ = make_parameters(
        np.array([2 / 3, 1 / 3]),
        np.array([[0.0], [20.0]]),
        np.array([[[16.0]], [[0.09]]]),
        "full",
    )
    estep = e_step(X, parameters)
    scores = PartialLogLikelihood().score_components(X, parameters, estep)
    assert scores[0] > scores[1]


# --------------------------------------------------------------------------
# SVDSplit
# --------------------------------------------------------------------------


def _random_component(seed, n_features=3):
    rng = np.random.RandomState(seed)
    A = rng.normal(size=(n_features, n_features))
    return (
        rng.uniform(0.1, 0.9),
        rng.normal(size=n_features),
        A @ A.T + 0.1 * np.eye(n_features),
    )


def _moments(weights, means, covariances):
    """Total weight, mean, and second moment E[x x'] of a weighted set."""
    total = float(np.sum(weights))
    mean = sum(w * m for w, m in zip(weights, means, strict=True)) / total
    second = (
        sum(
            w * (c + np.outer(m, m))
            for w, m, c in zip(weights, means, covariances, strict=True)
        )
        / total
    )
    return total, mean, second


def _svd_split_by_formula(weight, mean, covariance, alpha, beta, u, sign):
    """The SVD split with a = A[:, 0], A = U S^(1/2) from numpy's SVD."""
    U, s, _ = np.linalg.svd(covariance)
    a = sign * (U * np.sqrt(s))[:, 0]
    aat = np.outer(a, a)
    pi_i, pi_j = alpha * weight, (1 - alpha) * weight
    mu_i = mean - math.sqrt(pi_j / pi_i) * u * a
    mu_j = mean + math.sqrt(pi_i / pi_j) * u * a
    s_i = (
        (pi_j / pi_i) * covariance
        + (beta - beta * u**2 - 1) * (weight / pi_i) * aat
        + aat
    )
    s_j = (
        (pi_i / pi_j) * covariance
        + (beta * u**2 - beta - u**2) * (weight / pi_j) * aat
        + aat
    )
    return np.array([pi_i, pi_j]), np.array([mu_i, mu_j]), np.array([s_i, s_j])


SVD_SETTINGS = [(0.5, 0.5, 0.5), (0.3, 0.7, 0.4)]


@pytest.mark.parametrize("alpha, beta, u", SVD_SETTINGS)
@pytest.mark.parametrize("seed", range(4))
def test_svd_split_follows_the_formula(alpha, beta, u, seed):
    weight, mean, covariance = _random_component(seed)
    got = SVDSplit(alpha=alpha, beta=beta, u=u).split(
        None, weight, mean, covariance, None
    )
    # The principal axis has two signs; the result must be one of them.
    matches = []
    for sign in (1.0, -1.0):
        expected = _svd_split_by_formula(weight, mean, covariance, alpha, beta, u, sign)
        matches.append(
            all(
                np.allclose(g, e, rtol=1e-10, atol=1e-12)
                for g, e in zip(got, expected, strict=True)
            )
        )
    assert any(matches)


@pytest.mark.parametrize("alpha, beta, u", SVD_SETTINGS)
@pytest.mark.parametrize("seed", range(4))
def test_svd_split_preserves_moments(alpha, beta, u, seed):
    weight, mean, covariance = _random_component(seed)
    weights, means, covariances = SVDSplit(alpha=alpha, beta=beta, u=u).split(
        None, weight, mean, covariance, None
    )
    assert (
        weights.shape == (2,)
        and means.shape == (2, 3)
        and covariances.shape == (2, 3, 3)
    )
    total, mu, second = _moments(weights, means, covariances)
    assert total == pytest.approx(weight, rel=1e-12)
    assert_allclose(mu, mean, rtol=1e-10, atol=1e-12)
    assert_allclose(second, covariance + np.outer(mean, mean), rtol=1e-10, atol=1e-12)
    for c in covariances:
        assert_allclose(c, c.T, atol=1e-12)
        assert np.linalg.eigvalsh(c).min() > 0


@pytest.mark.parametrize("alpha, beta, u", SVD_SETTINGS)
@pytest.mark.parametrize("seed", range(4))
def test_merge_undoes_svd_split(alpha, beta, u, seed):
    weight, mean, covariance = _random_component(seed)
    children = SVDSplit(alpha=alpha, beta=beta, u=u).split(
        None, weight, mean, covariance, None
    )
    w, m, c = moment_preserving_merge(*children)
    assert w == pytest.approx(weight, rel=1e-12)
    assert_allclose(m, mean, rtol=1e-10, atol=1e-12)
    assert_allclose(c, covariance, rtol=1e-10, atol=1e-12)


def test_svd_split_default_by_hand():
    # Sigma = diag(4, 1): a = (+-2, 0); children mu -+ a/2, Sigma - a a'/4.
    weights, means, covariances = SVDSplit().split(
        None, 0.6, np.array([1.0, 2.0]), np.diag([4.0, 1.0]), None
    )
    assert_allclose(weights, [0.3, 0.3])
    assert_allclose(sorted(means[:, 0]), [0.0, 2.0], atol=1e-12)
    assert_allclose(means[:, 1], [2.0, 2.0], atol=1e-12)
    for c in covariances:
        assert_allclose(c, np.diag([3.0, 1.0]), atol=1e-12)


def test_svd_split_along_the_first_principal_axis():
    angle = 0.3
    R = np.array(
        [[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]]
    )
    covariance = R @ np.diag([9.0, 1.0]) @ R.T
    _, means, _ = SVDSplit().split(None, 1.0, np.zeros(2), covariance, None)
    direction = means[1] - means[0]
    # |mu_j - mu_i| = (1/2 + 1/2) * sqrt(9) along R e_1.
    assert np.linalg.norm(direction) == pytest.approx(3.0)
    assert abs(direction @ R[:, 0]) == pytest.approx(3.0)


def test_svd_split_is_a_cloneable_estimator():
    op = SVDSplit(alpha=0.3, beta=0.7, u=0.4)
    assert op.get_params() == {"alpha": 0.3, "beta": 0.7, "u": 0.4}
    other = clone(op).set_params(u=0.2)
    assert other.u == 0.2 and op.u == 0.4
    assert clone(VarianceSplit(n_kmeans_iter=3)).n_kmeans_iter == 3


# --------------------------------------------------------------------------
# VarianceSplit
# --------------------------------------------------------------------------


def _lloyd(X, init, w=None, n_iter=100):
    """Plain weighted 2-means, to convergence."""
    w = np.ones(len(X)) if w is None else w
    centres = init.copy()
    for _ in range(n_iter):
        d = ((X[:, None, :] - centres[None]) ** 2).sum(axis=2)
        labels = d.argmin(axis=1)
        new = np.array(
            [np.average(X[labels == c], axis=0, weights=w[labels == c]) for c in (0, 1)]
        )
        if np.allclose(new, centres, rtol=0, atol=0):
            break
        centres = new
    return centres, labels


def _duplicated_cov(points, w=None):
    """cov([X; X]) = 2 S / (2 n - 1), by loop."""
    w = np.ones(len(points)) if w is None else w
    n = w.sum()
    mean = sum(wi * p for wi, p in zip(w, points, strict=True)) / n
    scatter = sum(
        wi * np.outer(p - mean, p - mean) for wi, p in zip(w, points, strict=True)
    )
    return 2 * scatter / (2 * n - 1)


def _two_groups(seed=7):
    rng = np.random.RandomState(seed)
    left = rng.normal(size=(6, 2)) * 0.5 + [-3.0, 0.0]
    right = rng.normal(size=(4, 2)) * 0.5 + [3.0, 0.5]
    far = rng.normal(size=(5, 2)) + [50.0, 50.0]  # not members
    X = np.concatenate([left, right, far])
    members = np.r_[np.ones(10, bool), np.zeros(5, bool)]
    return X, members


def _sorted_children(children):
    weights, means, covariances = children
    order = np.argsort(means[:, 0])
    return weights[order], means[order], covariances[order]


def test_variance_split_children_are_the_two_means_clusters():
    X, members = _two_groups()
    X_l = X[members]
    mean = X_l.mean(axis=0)
    # Only feature 0 has variance: the direction is Sigma[:, 0] for sure.
    covariance = np.array([[4.0, 0.0], [0.0, 0.0]])
    children = VarianceSplit().split(X, 0.5, mean, covariance, members, random_state=0)
    weights, means, covariances = _sorted_children(children)

    init = np.array([mean + covariance[:, 0], mean - covariance[:, 0]])
    centres, labels = _lloyd(X_l, init)
    order = np.argsort(centres[:, 0])
    assert_allclose(means, centres[order], rtol=1e-10)
    for position, label in enumerate(order):
        group = X_l[labels == label]
        assert weights[position] == pytest.approx(0.5 * len(group) / len(X_l))
        assert_allclose(covariances[position], _duplicated_cov(group), rtol=1e-10)
    assert weights.sum() == pytest.approx(0.5)
    # The clusters found are the two groups (6 left, 4 right).
    assert_allclose(weights, [0.3, 0.2])


def test_variance_split_with_sample_weight():
    X, members = _two_groups(8)
    rng = np.random.RandomState(9)
    w = rng.randint(1, 4, size=len(X)).astype(float)
    X_l, w_l = X[members], w[members]
    mean = np.average(X_l, axis=0, weights=w_l)
    covariance = np.array([[4.0, 0.0], [0.0, 0.0]])
    children = VarianceSplit().split(
        X, 0.8, mean, covariance, members, sample_weight=w, random_state=0
    )
    weights, means, covariances = _sorted_children(children)
    init = np.array([mean + covariance[:, 0], mean - covariance[:, 0]])
    centres, labels = _lloyd(X_l, init, w_l)
    order = np.argsort(centres[:, 0])
    assert_allclose(means, centres[order], rtol=1e-10)
    for position, label in enumerate(order):
        in_group = labels == label
        assert weights[position] == pytest.approx(0.8 * w_l[in_group].sum() / w_l.sum())
        assert_allclose(
            covariances[position],
            _duplicated_cov(X_l[in_group], w_l[in_group]),
            rtol=1e-10,
        )
    # And the same as repeating rows.
    counts = w.astype(int)
    repeated = VarianceSplit().split(
        np.repeat(X, counts, axis=0),
        0.8,
        mean,
        covariance,
        np.repeat(members, counts),
        random_state=0,
    )
    for a, b in zip(children, _sorted_children(repeated), strict=True):
        assert_allclose(np.sort(a, axis=0), np.sort(b, axis=0), rtol=1e-10)


@pytest.mark.parametrize("seed", range(5))
def test_variance_split_weights_sum_to_parent(seed):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(30, 3))
    members = rng.rand(30) < 0.6
    mean = X[members].mean(axis=0)
    covariance = np.cov(X[members].T)
    children = VarianceSplit().split(
        X, 0.37, mean, covariance, members, random_state=seed
    )
    assert children is not None
    weights, means, covariances = children
    assert weights.sum() == pytest.approx(0.37, rel=1e-12)
    assert np.all(weights > 0)
    assert means.shape == (2, 3) and covariances.shape == (2, 3, 3)
    for c in covariances:
        assert np.all(np.isfinite(c))
        assert_allclose(c, c.T, atol=1e-12)


@pytest.mark.parametrize("n_members", [0, 1])
def test_variance_split_needs_two_members(n_members):
    X = np.random.RandomState(10).normal(size=(6, 2))
    members = np.zeros(6, bool)
    members[:n_members] = True
    out = VarianceSplit().split(X, 0.5, np.zeros(2), np.eye(2), members, random_state=0)
    assert out is None


def test_variance_split_zero_weight_members_do_not_count():
    X = np.random.RandomState(11).normal(size=(6, 2))
    members = np.ones(6, bool)
    w = np.array([0.0, 0.0, 5.0, 0.0, 0.0, 0.0])  # one member with weight
    out = VarianceSplit().split(
        X, 0.5, np.zeros(2), np.eye(2), members, sample_weight=w, random_state=0
    )
    assert out is None


def test_variance_split_identical_members_are_not_split():
    X = np.ones((5, 2))
    out = VarianceSplit().split(
        X, 0.5, np.ones(2), np.eye(2), np.ones(5, bool), random_state=0
    )
    assert out is None


def test_variance_split_feature_drawn_by_variance_share():
    # Four tight groups at (+-5, +-5). The covariance passed is diag(1, 9):
    # feature 0 (init +-(1, 0)) splits left/right, feature 1 (init +-(0, 9))
    # splits top/bottom, with probabilities 0.1 and 0.9 (S_ff / trace S).
    rng = np.random.RandomState(12)
    corners = np.array([[5, 5], [5, -5], [-5, 5], [-5, -5]], float)
    X = np.concatenate([c + 0.1 * rng.normal(size=(5, 2)) for c in corners])
    members = np.ones(len(X), bool)
    covariance = np.diag([1.0, 9.0])
    n_vertical = 0
    n_draws = 100
    for seed in range(n_draws):
        _, means, _ = VarianceSplit().split(
            X, 1.0, X.mean(axis=0), covariance, members, random_state=seed
        )
        if np.allclose(np.abs(means[:, 1]), 5.0, atol=0.2):
            n_vertical += 1
        else:
            assert np.allclose(np.abs(means[:, 0]), 5.0, atol=0.2)
    assert 0.8 <= n_vertical / n_draws < 1.0


def test_variance_split_same_seed_same_result():
    X, members = _two_groups(13)
    covariance = np.cov(X[members].T)
    mean = X[members].mean(axis=0)
    a = VarianceSplit().split(X, 0.5, mean, covariance, members, random_state=3)
    b = VarianceSplit().split(X, 0.5, mean, covariance, members, random_state=3)
    for x, y in zip(a, b, strict=True):
        assert_allclose(x, y)
