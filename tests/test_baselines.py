"""The paper's baselines: OMR-EM and GA-EM (sklearn_esmem.baselines)."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_esmem import GeneticEMMixture, OrderedMultipleRunsMixture, baselines
from sklearn_esmem._degeneracy import collapsed_components, data_covariance
from sklearn_esmem._em import COVARIANCE_TYPES, run_em
from sklearn_esmem._evolution import SearchSettings, kmeans_parameters
from sklearn_esmem._parallel import TaskRunner
from sklearn_esmem.baselines import (
    _annihilation,
    _crossover,
    _enforced_mutation,
    _GAIndividual,
    _GASettings,
    _initial_components,
    _mutate_all,
    _mutation,
    _refine_task,
)
from sklearn_esmem.criteria import mdl
from sklearn_esmem.datasets import make_grid_mixture

HISTORY_KEYS = {
    "generation",
    "elapsed",
    "best_criterion",
    "best_n_components",
    "n_em_iter",
    "population_n_components",
}


@pytest.fixture(scope="module")
def grid():
    X, _ = make_grid_mixture(grid_size=2, std=0.15, random_state=0)
    return X


@pytest.fixture(scope="module")
def blob():
    return np.random.RandomState(0).normal(size=(200, 2))


def _omr(**params):
    return OrderedMultipleRunsMixture(**{"n_passes": 3, "random_state": 0, **params})


def _ga(**params):
    return GeneticEMMixture(**{"random_state": 0, **params})


ESTIMATORS = [_omr, _ga]


def assert_same_model(a, b):
    assert a.n_components_ == b.n_components_
    assert a.criterion_ == b.criterion_
    assert_array_equal(a.labels_, b.labels_)
    for name in ("weights_", "means_", "covariances_", "precisions_cholesky_"):
        assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-12, atol=0)


# -- scikit-learn's estimator checks ---------------------------------------------


def _cheap_instances():
    # One pass, or a small population and few generations: the checks test the
    # API, not the search.
    for covariance_type in COVARIANCE_TYPES:
        yield OrderedMultipleRunsMixture(
            covariance_type=covariance_type,
            n_passes=1,
            max_iter_per_run=50,
            max_iter=20,
            random_state=0,
        )
        yield GeneticEMMixture(
            covariance_type=covariance_type,
            population_size=3,
            max_generations=3,
            max_iter=20,
            random_state=0,
        )


EXPECTED_FAILED_CHECKS = {
    "check_sample_weight_equivalence_on_dense_data": (
        "As for ESM-EM (tests/test_estimator_checks.py): the k-means starts "
        "draw their seeds among the rows (and GA-EM moves means to random "
        "rows), so n rows with integer weights and their repetition start "
        "from different seeds and may end in different optima (scikit-learn "
        "xfails KMeans for the same reason). The EM step itself is "
        "weight-equivalent: see tests/test_em.py."
    ),
}


@parametrize_with_checks(
    list(_cheap_instances()),
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# -- both baselines ------------------------------------------------------------


@pytest.mark.parametrize("make", ESTIMATORS)
def test_finds_the_four_components_of_the_grid(grid, make):
    est = make().fit(grid)
    assert est.n_components_ == 4
    assert est.criterion_ == pytest.approx(est.mdl(grid))
    assert_array_equal(est.labels_, est.predict(grid))


@pytest.mark.parametrize("make", ESTIMATORS)
def test_finds_one_component_in_one_blob(blob, make):
    assert make().fit(blob).n_components_ == 1


@pytest.mark.parametrize("make", ESTIMATORS)
def test_history_has_one_record_per_pass_or_generation(grid, make):
    est = make().fit(grid)
    n_steps = getattr(est, "n_passes_", None) or est.n_generations_
    assert len(est.history_) == n_steps >= 1
    assert all(set(record) == HISTORY_KEYS for record in est.history_)
    assert [r["generation"] for r in est.history_] == list(range(1, n_steps + 1))
    best = [record["best_criterion"] for record in est.history_]
    assert all(b2 <= b1 for b1, b2 in zip(best, best[1:], strict=False))
    elapsed = [record["elapsed"] for record in est.history_]
    assert elapsed == sorted(elapsed)
    n_em_iter = [record["n_em_iter"] for record in est.history_]
    assert n_em_iter == sorted(n_em_iter)
    assert est.n_em_iter_total_ == n_em_iter[-1] > 0
    # The search's best, polished by EM, can only improve.
    assert est.criterion_ <= best[-1] + 1e-9


@pytest.mark.parametrize("make", ESTIMATORS)
def test_same_random_state_same_model_for_any_n_jobs(grid, make):
    reference = make(n_jobs=1).fit(grid)
    assert_same_model(reference, make(n_jobs=1).fit(grid))
    assert_same_model(reference, make(n_jobs=2).fit(grid))


@pytest.mark.parametrize("make", ESTIMATORS)
def test_pickle_round_trip(grid, make):
    est = make().fit(grid)
    restored = pickle.loads(pickle.dumps(est))
    assert_array_equal(restored.predict(grid), est.predict(grid))
    assert_allclose(restored.score_samples(grid), est.score_samples(grid))


@pytest.mark.parametrize("make", ESTIMATORS)
@pytest.mark.parametrize("covariance_type", ["tied", "diag", "spherical"])
def test_other_covariance_types(grid, make, covariance_type):
    est = make(covariance_type=covariance_type).fit(grid)
    assert est.n_components_ == 4
    assert est.criterion_ == pytest.approx(est.mdl(grid))


@pytest.mark.parametrize("make", ESTIMATORS)
def test_float32_input_gives_a_float32_model(grid, make):
    # As GaussianMixture's, and ESM-EM's (tests/test_mixture.py).
    X32 = grid.astype(np.float32)
    est = make().fit(X32)
    for name in (
        "weights_",
        "means_",
        "covariances_",
        "precisions_",
        "precisions_cholesky_",
    ):
        assert getattr(est, name).dtype == np.float32
    assert type(est.lower_bound_) is np.float32
    assert est.score_samples(X32).dtype == est.predict_proba(X32).dtype == np.float32
    assert_array_equal(est.labels_, est.predict(X32))
    reference = make().fit(grid)
    assert_allclose(
        est.score_samples(X32), reference.score_samples(grid), rtol=1e-5, atol=1e-5
    )


@pytest.mark.parametrize("make", ESTIMATORS)
def test_max_time_that_stops_the_final_em_warns(grid, make):
    # The budget covers the final EM, which a search stopped by it leaves no
    # time: ESM-EM's warning (tests/test_mixture.py), from the shared base.
    est = make(max_time=1e-6)
    with pytest.warns(ConvergenceWarning, match="stopped the final EM"):
        est.fit(grid)
    assert est.n_iter_ == 0 and not est.converged_


@pytest.mark.parametrize("make", ESTIMATORS)
def test_component_bounds_are_respected(grid, make):
    est = make(min_components=5, max_components=6).fit(grid)
    assert 5 <= est.n_components_ <= 6
    for record in est.history_:
        assert 5 <= record["best_n_components"] <= 6
    est = make(max_components=1).fit(grid)
    assert est.n_components_ == 1


def test_verbose_prints_progress(grid, capsys):
    _omr(n_passes=2, verbose=1).fit(grid)
    assert capsys.readouterr().out.count("Pass ") == 2
    est = _ga(verbose=1, verbose_interval=2).fit(grid)
    assert capsys.readouterr().out.count("Generation ") == est.n_generations_ // 2


# -- OMR-EM --------------------------------------------------------------------


def _brute_force_runs(X, random_state, ks, tol=1e-3, reg_covar=1e-6):
    """OMR-EM's first pass, written out: the k-means seeds are drawn, in the
    order of k, from the estimator's random_state."""
    seeds = np.random.RandomState(random_state).randint(
        np.iinfo(np.int32).max, size=len(ks)
    )
    settings = SearchSettings("full", mdl, None, 1, max(ks), 1000, reg_covar, tol, 5)
    runs = []
    for k, seed in zip(ks, seeds, strict=True):
        start, _ = kmeans_parameters(X, k, settings, seed)
        result = run_em(
            X, start, 1000, reg_covar=reg_covar, tol=tol, min_weight=1 / len(X)
        )
        parameters = result.parameters
        k_fitted, n_features = parameters.means.shape
        n_par = k_fitted * (1 + n_features + n_features * (n_features + 1) / 2) - 1
        runs.append((mdl(result.log_likelihood, n_par, len(X)), parameters))
    return runs


@pytest.mark.parametrize("random_state", [0, 1, 2])
def test_omr_keeps_the_best_of_its_own_runs(random_state):
    # Three overlapping blobs: the runs for k = 1..4 end at clearly
    # different criteria, so picking any run but the best fails.
    X, _ = make_grid_mixture(
        grid_size=2, n_per_component=50, std=0.3, random_state=random_state
    )
    X = X[:150]
    runs = _brute_force_runs(X, random_state, [1, 2, 3, 4])
    criteria = [criterion for criterion, _ in runs]
    assert len(set(np.round(criteria, 6))) == 4
    # max_iter=0: no polish, so the fitted mixture is the chosen run itself.
    est = OrderedMultipleRunsMixture(
        n_passes=1, max_components=4, max_iter=0, random_state=random_state
    ).fit(X)
    best_criterion, best_parameters = runs[int(np.argmin(criteria))]
    assert all(est.criterion_ <= criterion + 1e-9 for criterion in criteria)
    assert est.criterion_ == pytest.approx(best_criterion, rel=1e-12)
    assert_allclose(est.means_, best_parameters.means, rtol=1e-10)
    assert est.history_[0]["population_n_components"] == (1, 2, 3, 4)


def test_omr_tries_every_k_in_every_pass(grid):
    est = _omr(n_passes=2, min_components=2, max_components=5).fit(grid)
    assert est.n_passes_ == 2
    for record in est.history_:
        assert record["population_n_components"] == (2, 3, 4, 5)


def test_omr_max_time_stops_after_a_run_and_records_the_partial_pass(grid):
    # The budget is checked after every EM run: a budget shorter than one run
    # stops after the first run of the first pass, whatever n_jobs.
    for n_jobs in (1, 2):
        est = _omr(n_passes=10, max_time=1e-6, n_jobs=n_jobs).fit(grid)
        assert est.n_passes_ == len(est.history_) == 1
        assert est.history_[0]["population_n_components"] == (1,)
        assert est.n_components_ == 1


def test_omr_max_time_cuts_a_pass_short():
    X, _ = make_grid_mixture(grid_size=3, random_state=0)  # k up to 30
    est = OrderedMultipleRunsMixture(n_passes=1000, max_time=0.5, random_state=0)
    est.fit(X)
    assert est.n_passes_ < 1000
    assert est.history_[-1]["elapsed"] < 0.5 + 2.0
    last = est.history_[-1]["population_n_components"]
    assert len(last) <= 30


def test_omr_warm_start_is_ignored(grid):
    est = _omr(warm_start=True).fit(grid)
    first = pickle.loads(pickle.dumps(est))
    assert_same_model(first, est.fit(grid))


# -- GA-EM: the search ---------------------------------------------------------


def test_ga_initial_population_has_every_k_once():
    rng = np.random.RandomState(0)
    ks = _initial_components(1, 8, 4, rng)
    assert sorted(ks) == list(range(2, 9))  # max(4, 7) individuals
    ks = _initial_components(3, 6, 10, rng)
    assert len(ks) == 10
    assert sorted(ks[:4]) == [3, 4, 5, 6] and set(ks) <= {3, 4, 5, 6}
    assert list(_initial_components(1, 1, 3, rng)) == [1, 1, 1]


def test_ga_population_and_stopping_rule(grid):
    est = _ga(population_size=6, n_stall_generations=3).fit(grid)
    ks = [record["best_n_components"] for record in est.history_]
    # Stops once the elitist's k has been the same for 3 generations in a row.
    n_unchanged = 0
    for generation in range(1, len(ks)):
        n_unchanged = n_unchanged + 1 if ks[generation] == ks[generation - 1] else 0
        if generation < len(ks) - 1:
            assert n_unchanged < 3
    assert n_unchanged == 3
    assert len(est.population_) == 6
    for record in est.history_:
        assert len(record["population_n_components"]) == 6
    assert est.history_[-1]["population_n_components"] == tuple(
        individual.n_components for individual in est.population_
    )


def test_ga_max_generations_caps_the_search(grid):
    est = _ga(max_generations=2, n_stall_generations=10).fit(grid)
    assert est.n_generations_ == len(est.history_) == 2


def test_ga_max_time_stops_the_search(grid):
    est = _ga(max_time=1e-6, n_stall_generations=50).fit(grid)
    assert est.n_generations_ == 1
    X, _ = make_grid_mixture(grid_size=3, random_state=0)
    est = _ga(max_time=0.5, max_generations=1000, n_stall_generations=1000).fit(X)
    assert est.n_generations_ < 1000
    assert est.history_[-1]["elapsed"] < 0.5 + 5 * est.history_[0]["elapsed"] + 1


def test_ga_warm_start_continues_from_the_last_population(grid):
    est = _ga(max_generations=2, n_stall_generations=10, warm_start=True).fit(grid)
    last_best = est.history_[-1]["best_criterion"]
    est.fit(grid)
    # The best of the last population keeps its weights as the elitist, and
    # EM can only improve it.
    assert est.history_[0]["best_criterion"] <= last_best + 1e-9
    cold = _ga(max_generations=2, n_stall_generations=10)
    cold.fit(grid)
    assert_same_model(cold, cold.fit(grid))


def test_ga_warm_start_respects_raised_min_components(grid):
    est = _ga(max_components=6, population_size=4, max_generations=2, warm_start=True)
    est.fit(grid)
    assert est.n_components_ < 5
    est.set_params(min_components=5).fit(grid)
    assert 5 <= est.n_components_ <= 6
    assert all(5 <= record["best_n_components"] <= 6 for record in est.history_)


def test_ga_warm_start_keeps_the_usable_individuals_and_refills(grid, monkeypatch):
    est = _ga(max_components=6, population_size=4, max_generations=1, warm_start=True)
    est.fit(grid)
    previous = list(est.population_)
    kept = [individual for individual in previous if individual.n_components >= 5]
    assert 0 < len(kept) < len(previous)
    first_generation = []

    def spy(placement, kind, X, individuals, *args):
        if kind == "parents" and not first_generation:
            first_generation.extend(individuals)
        return refine_all(placement, kind, X, individuals, *args)

    refine_all = baselines._refine_all
    monkeypatch.setattr(baselines, "_refine_all", spy)
    est.set_params(min_components=5, max_generations=1).fit(grid)
    assert len(first_generation) == 4
    assert all(a is b for a, b in zip(first_generation, kept, strict=False))
    assert all(5 <= ind.n_components <= 6 for ind in first_generation)


@pytest.mark.parametrize(
    "before, after",
    [("full", "diag"), ("full", "spherical"), ("full", "tied"), ("diag", "full")],
)
def test_ga_warm_start_after_a_changed_covariance_type_starts_afresh(
    grid, before, after
):
    params = dict(max_generations=2, n_stall_generations=10)
    est = _ga(covariance_type=before, warm_start=True, **params).fit(grid)
    est.set_params(covariance_type=after).fit(grid)
    assert_same_model(est, _ga(covariance_type=after, **params).fit(grid))


def test_omr_warm_start_ignores_changed_parameters(grid):
    est = _omr(n_passes=1, warm_start=True).fit(grid)
    est.set_params(max_components=2, covariance_type="diag").fit(grid)
    assert_same_model(
        est, _omr(n_passes=1, max_components=2, covariance_type="diag").fit(grid)
    )


# -- GA-EM: the operators, on hand-made individuals ----------------------------


def _three_blobs(n_per_blob=60, seed=0):
    rng = np.random.RandomState(seed)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    return np.vstack([c + rng.normal(size=(n_per_blob, 2)) for c in centres])


def _individual(active, means, scale=1.0):
    means = np.asarray(means, dtype=float)
    covariances = np.repeat(scale * np.eye(means.shape[1])[np.newaxis], len(means), 0)
    return _GAIndividual(np.asarray(active, dtype=bool), means, covariances)


def _settings(**params):
    defaults = dict(
        covariance_type="full",
        criterion=mdl,
        min_components=1,
        n_em_steps=5,
        reg_covar=1e-6,
        correlation_threshold=0.95,
        mutation_probability=0.05,
        annihilation_threshold=10.0,
        n_samples=180.0,
        lower=np.array([-3.0, -3.0]),
        upper=np.array([13.0, 13.0]),
    )
    defaults.update(params)
    return _GASettings(**defaults)


def test_crossover_exchanges_slots():
    first = _individual([1, 1, 0, 1], np.arange(8.0).reshape(4, 2), scale=1.0)
    second = _individual([0, 1, 1, 0], 100 + np.arange(8.0).reshape(4, 2), scale=2.0)
    first.weights = np.array([0.5, 0.25, 0.0, 0.25])
    child1, child2 = _crossover(first, second, cut=2)
    assert_array_equal(child1.active, [1, 1, 1, 0])
    assert_array_equal(child2.active, [0, 1, 0, 1])
    assert_array_equal(child1.means, np.vstack([first.means[:2], second.means[2:]]))
    assert_array_equal(child2.means, np.vstack([second.means[:2], first.means[2:]]))
    assert_array_equal(child1.covariances[:, 0, 0], [1, 1, 2, 2])
    assert_array_equal(child2.covariances[:, 0, 0], [2, 2, 1, 1])
    # Children start their EM from uniform weights, and own their arrays.
    assert child1.weights is None and child2.weights is None
    child1.means[0] = -1.0
    assert first.means[0, 0] == 0.0
    # A cut at 0 swaps the parents whole.
    child1, child2 = _crossover(first, second, cut=0)
    assert_array_equal(child1.means, second.means)
    assert_array_equal(child2.active, first.active)


def test_enforced_mutation_acts_on_one_of_a_correlated_pair():
    X = _three_blobs()
    # Slots 0 and 1 share the first blob (their responsibilities correlate at
    # 1); slots 2 and 3 hold one blob each; slot 4 is inactive.
    means = [[0.0, 0.0], [0.1, 0.0], [10.0, 0.0], [0.0, 10.0], [5.0, 5.0]]
    individual = _individual([1, 1, 1, 1, 0], means)
    outcomes = set()
    for seed in range(40):
        mutant = _enforced_mutation(
            X, individual, np.random.RandomState(seed), _settings()
        )
        deactivated = np.flatnonzero(mutant.active != individual.active)
        moved = np.flatnonzero(np.any(mutant.means != individual.means, axis=1))
        changed = np.union1d(deactivated, moved)
        assert changed.size == 1 and changed[0] in (0, 1)
        if moved.size:
            # Moved onto a sample.
            assert np.any(np.all(X == mutant.means[moved[0]], axis=1))
            outcomes.add(("moved", int(moved[0])))
        else:
            assert not mutant.active[deactivated[0]]
            outcomes.add(("deactivated", int(deactivated[0])))
        assert_array_equal(mutant.covariances, individual.covariances)
    assert outcomes == {
        ("moved", 0),
        ("moved", 1),
        ("deactivated", 0),
        (
            "deactivated",
            1,
        ),
    }


def test_enforced_mutation_leaves_distinct_components_alone():
    X = _three_blobs()
    individual = _individual([1, 1, 1], [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    for seed in range(10):
        mutant = _enforced_mutation(
            X, individual, np.random.RandomState(seed), _settings()
        )
        assert_array_equal(mutant.active, individual.active)
        assert_array_equal(mutant.means, individual.means)


def test_annihilation_removes_components_under_the_threshold():
    X = _three_blobs(n_per_blob=60)
    X = np.vstack([X, [[30.0, 30.0]] * 5 + np.arange(10).reshape(5, 2) * 0.01])
    # Slot 3 explains the 5 far samples, slot 4 nothing; slot 5 is inactive.
    means = [[0, 0], [10, 0], [0, 10], [30, 30], [-50, -50], [-50, -50]]
    individual = _individual([1, 1, 1, 1, 1, 0], means)
    mutant = _annihilation(X, individual, _settings(annihilation_threshold=10.0))
    assert_array_equal(mutant.active, [1, 1, 1, 0, 0, 0])
    assert_array_equal(mutant.means, individual.means)
    mutant = _annihilation(X, individual, _settings(annihilation_threshold=4.0))
    assert_array_equal(mutant.active, [1, 1, 1, 1, 0, 0])
    # Integer sample weights count as repeated samples.
    weights = np.ones(len(X))
    weights[-5:] = 3.0
    mutant = _annihilation(X, individual, _settings(), sample_weight=weights)
    assert_array_equal(mutant.active, [1, 1, 1, 1, 0, 0])


def test_mutation_flips_bits_and_moves_means_at_their_rates():
    n_slots, p_m = 20000, 0.05
    rng = np.random.RandomState(0)
    individual = _individual(rng.uniform(size=n_slots) < 0.5, np.zeros((n_slots, 2)))
    lower, upper = np.array([-1.0, 10.0]), np.array([1.0, 30.0])
    mutant = _mutation(individual, np.random.RandomState(1), p_m, lower, upper)
    flipped = mutant.active != individual.active
    assert abs(flipped.sum() - p_m * n_slots) < 5 * np.sqrt(n_slots * p_m)
    # A mean moves with probability p_m / L, L = 2 + 3 for two features.
    moved = np.any(mutant.means != 0.0, axis=1)
    p_move = p_m / 5
    assert abs(moved.sum() - p_move * n_slots) < 5 * np.sqrt(n_slots * p_move)
    # Independent draws: moved means are not only those whose bit flipped,
    # and their coordinates are drawn independently inside the box (the
    # authors' code put every new mean on the box's diagonal).
    assert np.any(moved & ~flipped) and np.any(moved & flipped)
    new = mutant.means[moved]
    assert np.all((new >= lower) & (new <= upper))
    fractions = (new - lower) / (upper - lower)
    assert abs(np.corrcoef(fractions.T)[0, 1]) < 0.3
    assert_array_equal(mutant.covariances, individual.covariances)
    # The parent is left as it was.
    assert np.all(individual.means == 0.0)


def test_mutation_with_zero_probability_changes_nothing():
    individual = _individual([1, 0, 1], np.ones((3, 2)))
    mutant = _mutation(
        individual, np.random.RandomState(0), 0.0, np.zeros(2), np.ones(2)
    )
    assert_array_equal(mutant.active, individual.active)
    assert_array_equal(mutant.means, individual.means)


def test_the_elitist_is_not_mutated_and_keeps_its_weights():
    X = _three_blobs()
    settings = _settings(mutation_probability=1.0)
    population = [
        _individual([1, 1, 1, 0], [[0, 0], [0.1, 0], [10, 0], [0, 10]])
        for _ in range(3)
    ]
    elitist = population[1]
    mutated = _mutate_all(
        TaskRunner(n_jobs=None),
        X,
        population,
        elitist,
        np.random.RandomState(0),
        settings,
    )
    assert mutated[1] is elitist
    # p_m = 1 flips every bit of the others.
    for index in (0, 2):
        assert_array_equal(mutated[index].active[3], True)
    # Only the elitist's EM starts from its own weights.
    individual = _individual([1, 1, 0], [[0, 0], [10, 0], [0, 10]])
    individual.weights = np.array([0.9, 0.1, 0.0])
    kept, _ = individual.parameters("full", keep_weights=True)
    uniform, _ = individual.parameters("full")
    assert_allclose(kept.weights, [0.9, 0.1])
    assert_allclose(uniform.weights, [0.5, 0.5])


def test_refinement_evaluates_only_individuals_with_enough_components():
    X = _three_blobs()
    individual = _individual([1, 1, 1, 0], [[0, 0], [10, 0], [0, 10], [5, 5]])
    refined, n_iter, _ = _refine_task(X, individual, False, _settings())
    assert n_iter == 5 and np.isfinite(refined.criterion)
    assert_array_equal(refined.active, individual.active)
    assert_allclose(refined.weights, [1 / 3, 1 / 3, 1 / 3, 0.0], atol=1e-3)
    # Inactive slots keep what they held.
    assert_array_equal(refined.means[3], individual.means[3])
    too_few, n_iter, _ = _refine_task(X, individual, False, _settings(min_components=4))
    assert n_iter == 0 and np.isnan(too_few.criterion)


def test_refinement_switches_off_a_component_emptied_by_em():
    X = _three_blobs()
    individual = _individual([1, 1, 1, 1], [[0, 0], [10, 0], [0, 10], [500, 500]])
    refined, _, n_repaired = _refine_task(X, individual, False, _settings())
    assert_array_equal(refined.active, [1, 1, 1, 0])
    assert n_repaired >= 1 and np.isfinite(refined.criterion)


def _with_a_point_mass():
    # Two blobs and 30 copies of one point: a component on the copies has a
    # covariance of reg_covar only, and a likelihood no sound mixture matches.
    rng = np.random.RandomState(0)
    return np.vstack(
        [rng.normal(0, 1, (150, 2)), rng.normal(8, 1, (150, 2)), np.full((30, 2), 4.0)]
    )


@pytest.mark.parametrize(
    "estimator",
    [
        OrderedMultipleRunsMixture(n_passes=1, max_components=5, random_state=0),
        GeneticEMMixture(max_components=5, random_state=0),
    ],
    ids=["OMR-EM", "GA-EM"],
)
def test_no_collapsed_component_wins(estimator):
    X = _with_a_point_mass()
    estimator.fit(X)
    collapsed = collapsed_components(
        estimator.covariances_, "full", data_covariance(X), estimator.reg_covar
    )
    assert not collapsed.any()


def test_a_degenerate_run_ranks_after_every_sound_one():
    sound = baselines._Run(None, 1000.0, 1, 0)
    degenerate = baselines._Run(None, -1000.0, 1, 0, degenerate=True)
    failed = baselines._Run(None, np.nan, 1, 0)
    ranked = sorted([degenerate, failed, sound], key=baselines._Run.sort_key)
    assert ranked[0] is sound and ranked[1] is degenerate
