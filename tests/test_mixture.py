"""The estimator's API: fitted state, variants, strategies, reproducibility."""

import pickle
import warnings

import numpy as np
import pytest
from joblib import parallel_config
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_esmem import (
    VARIANTS,
    EvolutionarySplitMergeMixture,
    LocalKLDivergence,
    Overlap,
    PartialLogLikelihood,
    ResponsibilityCorrelation,
    SVDSplit,
    VarianceSplit,
)
from sklearn_esmem._evolution import initial_components
from sklearn_esmem.criteria import aic, bic, mdl
from sklearn_esmem.datasets import make_grid_mixture, make_three_components


@pytest.fixture(scope="module")
def grid_data():
    X, y = make_grid_mixture(grid_size=2, n_per_component=60, std=0.15, random_state=0)
    return X, y


def _cheap(**params):
    defaults = dict(population_size=4, max_generations=8, random_state=0)
    defaults.update(params)
    return EvolutionarySplitMergeMixture(**defaults)


def assert_same_model(a, b):
    assert a.n_components_ == b.n_components_
    assert_array_equal(a.labels_, b.labels_)
    for name in ("weights_", "means_", "covariances_", "precisions_cholesky_"):
        assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-10, atol=0)


def test_fitted_attributes_are_consistent(grid_data):
    X, y = grid_data
    est = _cheap().fit(X)
    k, n_features = est.n_components_, X.shape[1]
    assert est.weights_.shape == (k,)
    assert_allclose(est.weights_.sum(), 1.0)
    assert est.means_.shape == (k, n_features)
    assert est.covariances_.shape == (k, n_features, n_features)
    assert_allclose(
        np.einsum("kij,kjl->kil", est.covariances_, est.precisions_),
        np.broadcast_to(np.eye(n_features), (k, n_features, n_features)),
        atol=1e-8,
    )
    assert_array_equal(est.labels_, est.predict(X))
    assert est.lower_bound_ == pytest.approx(est.score(X))
    assert est.criterion_ == pytest.approx(est.mdl(X))
    assert isinstance(est.converged_, bool) and est.n_iter_ >= 1
    assert est.n_generations_ == len(est.history_) >= 1
    assert est.n_em_iter_total_ == est.history_[-1]["n_em_iter"] > 0


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_float32_input_gives_a_float32_model_as_gaussian_mixture(
    grid_data, covariance_type
):
    X, _ = grid_data
    X32 = X.astype(np.float32)
    est = _cheap(covariance_type=covariance_type).fit(X32)
    gm = GaussianMixture(4, covariance_type=covariance_type, random_state=0).fit(X32)
    for name in (
        "weights_",
        "means_",
        "covariances_",
        "precisions_",
        "precisions_cholesky_",
    ):
        assert getattr(est, name).dtype == getattr(gm, name).dtype == np.float32
    assert type(est.lower_bound_) is type(gm.lower_bound_) is np.float32
    for method in ("score_samples", "predict_proba"):
        ours, theirs = getattr(est, method), getattr(gm, method)
        assert ours(X32).dtype == theirs(X32).dtype == np.float32
        assert ours(X).dtype == theirs(X).dtype == np.float64
    assert_array_equal(est.labels_, est.predict(X32))
    # The search runs in float64: the model is the float64 one, rounded (its
    # components possibly in another order, the data being rounded).
    est64 = _cheap(covariance_type=covariance_type).fit(X)
    assert est.n_components_ == est64.n_components_
    assert_allclose(
        est.means_[np.lexsort(est.means_.T)],
        est64.means_[np.lexsort(est64.means_.T)],
        rtol=1e-5,
    )
    assert_allclose(
        est.score_samples(X32), est64.score_samples(X), rtol=1e-5, atol=1e-5
    )
    assert est.bic(X32) == pytest.approx(est64.bic(X), rel=1e-6)


def test_history_records_every_generation(grid_data):
    X, _ = grid_data
    est = _cheap(population_size=5).fit(X)
    generations = [record["generation"] for record in est.history_]
    assert generations == list(range(1, len(generations) + 1))
    best = [record["best_criterion"] for record in est.history_]
    # (mu + lambda) selection is elitist, and the survivors are only refined
    # further by EM, so the best criterion never gets worse.
    assert all(b1 >= b2 - 1e-9 for b1, b2 in zip(best, best[1:], strict=False))
    for record in est.history_:
        assert len(record["population_n_components"]) == 5
        assert record["best_n_components"] == record["population_n_components"][0]
    elapsed = [record["elapsed"] for record in est.history_]
    assert elapsed == sorted(elapsed)


def test_criteria_count_the_fitted_components(grid_data):
    X, _ = grid_data
    est = _cheap().fit(X)
    k, n_features = est.means_.shape
    n_par = k * n_features * (n_features + 1) / 2 + k * n_features + k - 1
    log_lik = est.score_samples(X).sum()
    assert est.bic(X) == pytest.approx(bic(log_lik, n_par, len(X)))
    assert est.aic(X) == pytest.approx(aic(log_lik, n_par, len(X)))
    assert est.mdl(X) == pytest.approx(mdl(log_lik, n_par, len(X)))
    # The same mixture in a GaussianMixture gives the same BIC.
    gm = GaussianMixture(k).fit(X)
    gm.weights_, gm.means_ = est.weights_, est.means_
    gm.covariances_, gm.precisions_cholesky_ = (
        est.covariances_,
        est.precisions_cholesky_,
    )
    assert est.bic(X) == pytest.approx(gm.bic(X))


@pytest.mark.parametrize("criterion", ["bic", "aic"])
def test_other_criteria(grid_data, criterion):
    X, _ = grid_data
    est = _cheap(criterion=criterion).fit(X)
    assert est.criterion_ == pytest.approx(getattr(est, criterion)(X))


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variants_use_their_strategies(grid_data, variant):
    X, _ = grid_data
    est = _cheap(variant=variant).fit(X)
    expected_operator = VarianceSplit if "VS" in variant else SVDSplit
    expected_measure = PartialLogLikelihood if "PLL" in variant else LocalKLDivergence
    expected_merge = Overlap if "OVER" in variant else ResponsibilityCorrelation
    assert type(est.split_operator_) is expected_operator
    assert type(est.split_measure_) is expected_measure
    assert type(est.merge_measure_) is expected_merge
    assert est.n_components_ == 4


def test_strategy_objects_override_the_variant_and_are_cloned(grid_data):
    X, _ = grid_data
    operator = SVDSplit(alpha=0.4)
    est = _cheap(variant="VS-PLL", split_operator=operator, merge_measure=Overlap())
    est.fit(X)
    assert type(est.split_operator_) is SVDSplit
    assert est.split_operator_ is not operator
    assert est.split_operator_.alpha == 0.4
    assert type(est.split_measure_) is PartialLogLikelihood
    assert type(est.merge_measure_) is Overlap
    # Nested parameters are reachable, as GridSearchCV needs.
    est.set_params(split_operator__alpha=0.3)
    assert est.get_params()["split_operator__alpha"] == 0.3


class _LargestWeightFirst(LocalKLDivergence):
    """A user-defined split measure: split the heaviest component."""

    def score_components(self, X, parameters, e_step, sample_weight=None):
        return parameters.weights.copy()


def test_user_defined_strategy(grid_data):
    X, _ = grid_data
    est = _cheap(split_measure=_LargestWeightFirst()).fit(X)
    assert isinstance(est.split_measure_, _LargestWeightFirst)
    assert est.n_components_ == 4


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_covariance_types_recover_the_grid(grid_data, covariance_type):
    X, y = grid_data
    est = _cheap(covariance_type=covariance_type).fit(X)
    assert est.n_components_ == 4
    gm = GaussianMixture(4, covariance_type=covariance_type, random_state=0).fit(X)
    assert est.covariances_.shape == gm.covariances_.shape
    assert est.score(X) >= gm.score(X) - 1e-6


def test_component_bounds_are_respected(grid_data):
    X, _ = grid_data
    est = _cheap(min_components=6, max_components=7).fit(X)
    assert 6 <= est.n_components_ <= 7
    assert all(
        6 <= k <= 7
        for record in est.history_
        for k in record["population_n_components"]
    )
    est = _cheap(max_components=2).fit(X)
    assert est.n_components_ <= 2


def test_default_max_components_is_ceil_sqrt_n():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(50, 2))  # no structure: the search spreads out
    est = _cheap(max_generations=3, population_size=10).fit(X)
    ks = [k for record in est.history_ for k in record["population_n_components"]]
    assert max(ks) <= 8  # ceil(sqrt(50))
    # The paper's initial population: k linearly spaced from 2 to k_max.
    assert_array_equal(initial_components(1, 8, 10), [2, 2, 3, 4, 4, 5, 6, 6, 7, 8])
    assert_array_equal(initial_components(1, 1, 3), [1, 1, 1])


def test_max_time_stops_the_search():
    X, _ = make_three_components(random_state=0)
    est = EvolutionarySplitMergeMixture(
        max_time=0.05, max_generations=1000, n_stall_generations=1000, random_state=0
    ).fit(X)
    assert est.n_generations_ < 1000
    # The budget is checked after each generation.
    assert est.history_[-1]["elapsed"] < 0.05 + 5 * est.history_[0]["elapsed"] + 1


def test_max_time_that_stops_the_final_em_warns(grid_data):
    X, _ = grid_data
    # The search stops at its first check past the budget, which it has used
    # up: the final EM runs no iteration, and the fit says so.
    est = _cheap(max_time=1e-6, max_generations=100, n_stall_generations=100)
    with pytest.warns(ConvergenceWarning, match=r"max_time=1e-06 stopped the final EM"):
        est.fit(X)
    assert est.n_generations_ == 1
    assert est.n_iter_ == 0 and not est.converged_
    # A budget the search leaves room in: the final EM converges, silently.
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = _cheap(max_time=1000.0).fit(X)
    assert est.converged_ and est.n_iter_ >= 1


def test_stall_stops_the_search(grid_data):
    X, _ = grid_data
    est = _cheap(max_generations=200, n_stall_generations=3).fit(X)
    assert est.n_generations_ < 200


def test_warm_start_continues_from_the_last_population(grid_data):
    X, _ = grid_data
    est = _cheap(max_generations=2, warm_start=True).fit(X)
    first_population = [ind.parameters.n_components for ind in est.population_]
    first_best = est.history_[-1]["best_criterion"]
    est.fit(X)
    # Re-refining the survivors can only improve on where the last fit ended,
    # up to EM's drift at a fixed point, where reg_covar makes each step lose
    # about 1e-9 (2e-8 over the steps here); a cold start begins again from
    # the k-means spread, tens of units above.
    assert est.history_[0]["best_criterion"] <= first_best + 1e-6
    assert len(first_population) == len(est.population_)
    cold_first = _cheap(max_generations=1).fit(X).history_[0]
    warm_first = est.history_[0]
    assert warm_first["best_criterion"] < cold_first["best_criterion"]
    cold = _cheap(max_generations=2).fit(X)
    cold.fit(X)
    assert_same_model(cold, _cheap(max_generations=2).fit(X))


def test_warm_start_keeps_only_the_individuals_within_the_new_bounds(grid_data):
    X, _ = grid_data
    est = _cheap(max_components=6, max_generations=1, warm_start=True).fit(X)
    previous = list(est.population_)
    largest = max(individual.n_components for individual in previous)
    settings = est._search_settings(1, largest - 1)
    population = est._initial_population(
        X, settings, np.random.RandomState(0), sample_weight=None
    )
    kept = [ind for ind in previous if ind.n_components <= largest - 1]
    assert 0 < len(kept) < len(previous)
    # The usable individuals themselves, best first, then k-means starts.
    assert all(a is b for a, b in zip(population, kept, strict=False))
    assert len(population) == est.population_size
    assert all(1 <= ind.n_components <= largest - 1 for ind in population)
    assert all(np.isnan(ind.criterion) for ind in population[len(kept) :])


@pytest.mark.parametrize(
    "changed",
    [{"max_components": 2}, {"min_components": 5, "max_components": 6}],
)
def test_warm_start_respects_changed_component_bounds(grid_data, changed):
    X, _ = grid_data
    est = _cheap(max_components=6, warm_start=True).fit(X)
    assert est.n_components_ == 4
    low, high = changed.get("min_components", 1), changed["max_components"]
    usable = [ind for ind in est.population_ if low <= ind.n_components <= high]
    est.set_params(**changed).fit(X)
    assert low <= est.n_components_ <= high
    assert all(
        low <= k <= high
        for record in est.history_
        for k in record["population_n_components"]
    )
    if not usable:
        # Nothing to continue from: exactly a cold start.
        assert_same_model(est, _cheap(**changed).fit(X))


@pytest.mark.parametrize(
    "before, after",
    [("full", "diag"), ("full", "spherical"), ("full", "tied"), ("diag", "full")],
)
def test_warm_start_after_a_changed_covariance_type_starts_afresh(
    grid_data, before, after
):
    X, _ = grid_data
    est = _cheap(covariance_type=before, warm_start=True).fit(X)
    est.set_params(covariance_type=after).fit(X)
    cold = _cheap(covariance_type=after).fit(X)
    assert est.covariances_.shape == cold.covariances_.shape
    assert_same_model(est, cold)
    assert_array_equal(est.predict(X), cold.predict(X))


def test_same_seed_same_model(grid_data):
    X, _ = grid_data
    assert_same_model(_cheap().fit(X), _cheap().fit(X))


def test_n_jobs_does_not_change_the_model(grid_data):
    X, _ = grid_data
    reference = _cheap(n_jobs=1).fit(X)
    assert_same_model(reference, _cheap(n_jobs=2).fit(X))
    with parallel_config(backend="threading"):
        assert_same_model(reference, _cheap(n_jobs=2).fit(X))


def test_dask_backend_gives_the_same_model(grid_data):
    distributed = pytest.importorskip("distributed")
    X, _ = grid_data
    reference = _cheap(n_jobs=1).fit(X)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        with parallel_config(backend="dask"):
            est = _cheap(n_jobs=2).fit(X)
    assert_same_model(reference, est)


def test_pipeline_fits_and_predicts(grid_data):
    X, y = grid_data
    pipe = make_pipeline(StandardScaler(), _cheap())
    labels = pipe.fit_predict(X * 100.0 + 7.0)
    assert pipe[-1].n_components_ == 4
    assert_array_equal(labels, pipe.predict(X * 100.0 + 7.0))
    assert np.isfinite(pipe.score(X * 100.0 + 7.0))


def test_grid_search_over_variant_and_strategy_parameter(grid_data):
    X, _ = grid_data
    search = GridSearchCV(
        _cheap(max_generations=3, split_operator=SVDSplit()),
        {"variant": ["SVD", "VS-PLL"], "split_operator__alpha": [0.3, 0.5]},
        cv=2,
    ).fit(X)
    assert len(search.cv_results_["params"]) == 4
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores))
    assert search.best_score_ == pytest.approx(scores.max())
    assert search.best_params_ == search.cv_results_["params"][np.argmax(scores)]
    assert search.best_estimator_.n_components_ >= 1


def test_sample_weight_integer_equals_repetition_in_the_result():
    # The weighted and the repeated search take different random paths, so
    # they meet only at an optimum both reach: clusters with a clear one
    # (with 60 points each, a fifth component splitting one sample's
    # cluster is within a nat of it), and generations enough to reach it.
    X, _ = make_grid_mixture(grid_size=2, n_per_component=150, std=0.05, random_state=0)
    weights = np.random.RandomState(0).randint(1, 3, size=len(X))
    weighted = _cheap(max_generations=30).fit(X, sample_weight=weights)
    repeated = _cheap(max_generations=30).fit(np.repeat(X, weights, axis=0))
    assert weighted.n_components_ == repeated.n_components_ == 4
    order = np.argsort(weighted.means_[:, 0] + 10 * weighted.means_[:, 1])
    order_r = np.argsort(repeated.means_[:, 0] + 10 * repeated.means_[:, 1])
    assert_allclose(weighted.means_[order], repeated.means_[order_r], atol=1e-6)


def test_zero_weight_removes_the_sample(grid_data):
    X, _ = grid_data
    weights = np.ones(len(X))
    weights[::3] = 0.0
    weighted = _cheap().fit(X, sample_weight=weights)
    removed = _cheap().fit(X[weights > 0])
    assert_allclose(weighted.means_, removed.means_, rtol=1e-10)
    assert weighted.labels_.shape == (len(X),)


def test_pickle_round_trip(grid_data):
    X, _ = grid_data
    est = _cheap().fit(X)
    restored = pickle.loads(pickle.dumps(est))
    assert_array_equal(restored.predict(X), est.predict(X))
    assert_allclose(restored.score_samples(X), est.score_samples(X))


def test_sample_draws_from_the_fitted_mixture(grid_data):
    X, _ = grid_data
    est = _cheap().fit(X)
    X_new, y_new = est.sample(4000)
    assert X_new.shape == (4000, 2)
    assert set(np.unique(y_new)) <= set(range(est.n_components_))
    for j in range(est.n_components_):
        assert_allclose(X_new[y_new == j].mean(axis=0), est.means_[j], atol=0.05)
    with pytest.raises(ValueError, match="n_samples"):
        est.sample(0)


def test_fit_predict_equals_fit_then_labels(grid_data):
    X, _ = grid_data
    assert_array_equal(_cheap().fit_predict(X), _cheap().fit(X).labels_)


def test_clone_keeps_unfitted_parameters():
    est = _cheap(split_operator=VarianceSplit(n_kmeans_iter=3))
    cloned = clone(est)
    assert cloned.get_params()["split_operator__n_kmeans_iter"] == 3
    assert cloned.split_operator is not est.split_operator
