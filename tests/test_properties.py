"""Property-based tests: generated hostile data never yields a NaN or a crash.

Every fit must end in a model with finite parameters whose ``predict_proba``
rows sum to 1 and whose ``score`` is finite, or in a ValueError whose message
is one of the documented ones. Hypothesis draws the shape of the data (size,
dimension, scale, dtype, pathologies); numpy draws the values from a seed
that hypothesis chooses, so a failing example replays exactly.
"""

import re
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sklearn_esmem import EvolutionarySplitMergeMixture

try:
    from sklearn_esmem import GeneticEMMixture, OrderedMultipleRunsMixture
except ImportError:  # the baselines are optional for this module's purpose
    GeneticEMMixture = OrderedMultipleRunsMixture = None

N_EXAMPLES = 400

# Messages a fit may legitimately end with on generated data.
DOCUMENTED_ERRORS = re.compile(
    "sample_weight must be positive for at least 2 samples"
    "|Expected n_samples >= min_components"
)


def _cheap_estimators():
    estimators = [
        EvolutionarySplitMergeMixture(
            population_size=3, max_generations=3, max_components=5, max_iter=10
        )
    ]
    if OrderedMultipleRunsMixture is not None:
        estimators.append(
            OrderedMultipleRunsMixture(n_passes=1, max_components=4, max_iter=10)
        )
        estimators.append(
            GeneticEMMixture(population_size=3, max_generations=3, max_components=4)
        )
    return estimators


@st.composite
def hostile_data(draw):
    """Data of every awkward kind, with an optional weight vector."""
    n_samples = draw(st.integers(2, 2000))
    n_features = draw(st.integers(1, 20))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.RandomState(seed)
    tails = draw(st.sampled_from(["normal", "heavy", "uniform", "clusters"]))
    if tails == "normal":
        X = rng.standard_normal((n_samples, n_features))
    elif tails == "heavy":
        X = rng.standard_t(
            df=draw(st.sampled_from([1, 2, 3])), size=(n_samples, n_features)
        )
    elif tails == "uniform":
        X = rng.uniform(-1, 1, (n_samples, n_features))
    else:
        centers = rng.uniform(-10, 10, (draw(st.integers(1, 6)), n_features))
        X = centers[rng.randint(len(centers), size=n_samples)]
        X = X + rng.standard_normal(X.shape) * draw(st.sampled_from([1e-3, 0.3, 1.0]))
    # Per-feature scales from 1e-8 to 1e8.
    exponents = draw(st.lists(st.integers(-8, 8), min_size=1, max_size=3))
    X = X * 10.0 ** rng.choice(exponents, size=n_features)
    if draw(st.booleans()) and n_samples >= 4:  # half the rows duplicated
        half = n_samples // 2
        X[half : 2 * half] = X[:half]
    if draw(st.booleans()):  # a constant column
        X[:, rng.randint(n_features)] = draw(st.sampled_from([0.0, 3.5, -1e6]))
    if draw(st.booleans()) and n_features >= 2:  # collinear columns
        X[:, 1] = 2.0 * X[:, 0] - 1.0
    if draw(st.booleans()) and n_samples >= 6:  # a tiny far-away cluster
        X[:2] = X[:2] * 1e-3 + 1e4 * (np.abs(X).max() + 1.0)
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    X = X.astype(dtype)
    sample_weight = None
    if draw(st.booleans()):
        sample_weight = rng.uniform(0, 3, n_samples)
        sample_weight[
            rng.uniform(size=n_samples) < draw(st.sampled_from([0.0, 0.5, 0.95]))
        ] = 0.0
    return X, sample_weight


def _check_fitted(est, X):
    for name in ("weights_", "means_", "covariances_", "precisions_cholesky_"):
        assert np.all(np.isfinite(getattr(est, name))), name
    assert np.all(est.weights_ >= 0)
    proba = est.predict_proba(X)
    assert np.all(np.isfinite(proba))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert np.isfinite(est.score(X))
    assert est.predict(X).shape == (X.shape[0],)


@pytest.mark.parametrize(
    "estimator", _cheap_estimators(), ids=lambda est: type(est).__name__
)
@settings(
    max_examples=N_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=hostile_data(), seed=st.integers(0, 1000))
def test_generated_data_gives_a_finite_model_or_a_documented_error(
    estimator, data, seed
):
    X, sample_weight = data
    est = estimator.set_params(random_state=seed)
    with warnings.catch_warnings():
        # Warnings are allowed (adjusted max_components, convergence); numpy's
        # RuntimeWarnings are not: they mean a NaN or inf was computed.
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", RuntimeWarning)
        try:
            est.fit(X, sample_weight=sample_weight)
        except ValueError as error:
            assert DOCUMENTED_ERRORS.search(str(error)), str(error)
            return
        _check_fitted(est, X)


# Failing examples the generated suite found, kept as regular tests.


def test_responsibilities_sum_to_one_far_from_every_component(monkeypatch):
    # A sample ~1e10 standard deviations from two tied components has
    # log-densities of about -1e20, which absorb ln 2 in logsumexp: each
    # component got responsibility 1 and predict_proba rows summed to 2.
    from sklearn_esmem._em import normalize_log_prob

    tie = np.array([[-1e20, -1e20, -np.inf], [-3.0, -1e300, -2.0]])
    log_prob_norm, log_resp = normalize_log_prob(tie)
    np.testing.assert_allclose(np.exp(log_resp).sum(axis=1), 1.0)
    np.testing.assert_allclose(np.exp(log_resp[0]), [0.5, 0.5, 0.0])
    assert log_prob_norm[0] == -1e20
    rng = np.random.RandomState(0)
    X = np.vstack([rng.standard_normal((60, 2)) - 5, rng.standard_normal((60, 2)) + 5])
    est = EvolutionarySplitMergeMixture(
        population_size=3, max_generations=3, random_state=0
    ).fit(X)
    monkeypatch.setattr(
        est, "_estimate_weighted_log_prob", lambda X, xp=None: tie[:, :2]
    )
    np.testing.assert_allclose(est.predict_proba(X[:2]).sum(axis=1), 1.0)


def test_all_zero_sample_weight_is_a_clear_error():
    X = np.array([[1.76405235], [0.40015721]])
    # The same message on every supported scikit-learn (1.7+ has its own).
    with pytest.raises(ValueError, match="positive for at least 2 samples; got 0"):
        EvolutionarySplitMergeMixture().fit(X, sample_weight=[0.0, 0.0])
