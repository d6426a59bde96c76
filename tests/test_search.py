"""The mechanisms that keep the search improving (sklearn_esmem/_evolution.py)."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning

from sklearn_esmem import EvolutionarySplitMergeMixture
from sklearn_esmem._degeneracy import collapsed_components, data_covariance
from sklearn_esmem._em import make_parameters
from sklearn_esmem._evolution import (
    MECHANISMS,
    Individual,
    SearchSettings,
    Strategies,
    evolve,
    generation_task,
    kmeans_parameters,
    refine,
    refine_child,
    select,
)
from sklearn_esmem._mutation import (
    FOCUSED,
    MERGE,
    SPLIT,
    choose_operator,
    merge_mutation,
    split_mutation,
)
from sklearn_esmem.criteria import mdl
from sklearn_esmem.datasets import make_grid_mixture
from sklearn_esmem.merge import ResponsibilityCorrelation
from sklearn_esmem.split import PartialLogLikelihood, VarianceSplit


def _strategies():
    return Strategies(
        VarianceSplit(), PartialLogLikelihood(), ResponsibilityCorrelation()
    )


def _settings(max_components=12, mechanisms=MECHANISMS, **changes):
    settings = SearchSettings(
        "full",
        mdl,
        _strategies(),
        1,
        max_components,
        5,
        1e-6,
        1e-3,
        5,
        mutation=FOCUSED,
        mechanisms=mechanisms,
    )
    return settings._replace(**changes)


@pytest.fixture(scope="module")
def grid():
    X, _ = make_grid_mixture(grid_size=3, n_per_component=60, std=0.15, random_state=0)
    return X


def _refined(X, k, seed=0, settings=None):
    settings = settings or _settings()
    parameters, _ = kmeans_parameters(X, k, settings, seed)
    return refine(X, Individual(parameters), settings, len(X))


def _optimum(X):
    """The generating mixture of the grid, refined to convergence."""
    settings = _settings(n_em_steps=300)
    means = np.array([[j, i] for i in range(3) for j in range(3)], dtype=float)
    parameters, _ = make_parameters(
        np.full(9, 1 / 9), means, np.array([0.0225 * np.eye(2)] * 9), "full"
    )
    return refine(X, Individual(parameters), settings, len(X))[0]


# -- operator choice ---------------------------------------------------------


def test_a_failed_operator_hands_over_to_the_other_and_a_winning_one_repeats():
    rng = np.random.RandomState(0)
    assert choose_operator(SPLIT, False, rng) == MERGE
    assert choose_operator(MERGE, False, rng) == SPLIT
    assert choose_operator(SPLIT, True, rng) == SPLIT
    assert choose_operator(MERGE, True, rng) == MERGE
    # Without history, either at random.
    drawn = {choose_operator(None, None, rng) for _ in range(50)}
    assert drawn == {SPLIT, MERGE}


def test_a_parent_carries_the_outcome_of_its_latest_child(grid):
    parent = _optimum(grid)
    parent.last_operator, parent.improved = SPLIT, True
    # At the optimum of 9 components, every child loses to its parent.
    result = generation_task(grid, parent, _settings(), seed=0, n_samples=len(grid))
    (child,) = result.children
    assert child.improved is False
    assert result.parent.improved is False
    assert result.parent.last_operator == child.last_operator == SPLIT
    # ... and remembers the candidate its losing child tried.
    assert len(result.parent.tried[SPLIT]) == 1


def test_without_the_outcome_mechanism_a_parent_keeps_its_creation_flag(grid):
    parent = _optimum(grid)
    parent.last_operator, parent.improved = SPLIT, True
    settings = _settings(mechanisms=MECHANISMS - {"outcome"})
    result = generation_task(grid, parent, settings, seed=0, n_samples=len(grid))
    assert result.parent.improved is True


def test_children_of_one_parent_try_distinct_candidates(grid):
    parent = _optimum(grid)
    parent.last_operator, parent.improved = SPLIT, True
    result = generation_task(
        grid, parent, _settings(), seed=0, n_samples=len(grid), n_children=4
    )
    assert len(result.children) == 4
    tried = result.parent.tried
    # Four losing children: split, merge, split, merge; never one candidate twice.
    assert len(tried[SPLIT]) == 2 and len(tried[MERGE]) == 2


def test_memory_excludes_tried_candidates_until_every_one_was_tried(grid):
    refined, result = _refined(grid, 6)
    e_step = result.e_step
    k = refined.n_components
    drawn = set()
    for seed in range(k):
        used = []
        split_mutation(
            grid,
            refined.parameters,
            e_step,
            PartialLogLikelihood(),
            VarianceSplit(),
            20,
            np.random.RandomState(seed),
            mutation=FOCUSED,
            exclude=frozenset(drawn),
            used=used,
        )
        (component,) = used
        assert component not in drawn
        drawn.add(component)
    assert drawn == set(range(k))
    # Every candidate tried: the memory no longer restricts the draw.
    used = []
    split_mutation(
        grid,
        refined.parameters,
        e_step,
        PartialLogLikelihood(),
        VarianceSplit(),
        20,
        np.random.RandomState(0),
        mutation=FOCUSED,
        exclude=frozenset(drawn),
        used=used,
    )
    assert used[0] in drawn
    used = []
    merge_mutation(
        grid,
        refined.parameters,
        e_step,
        ResponsibilityCorrelation(),
        1,
        np.random.RandomState(0),
        mutation=FOCUSED,
        exclude=frozenset({(0, 1)}),
        used=used,
    )
    assert used and used[0] != (0, 1)


# -- selection ---------------------------------------------------------------


def test_selection_keeps_one_of_each_mixture(grid):
    first, _ = _refined(grid, 9, seed=0)
    copy = Individual(first.parameters, first.criterion * (1 + 1e-7))
    other, _ = _refined(grid, 5, seed=1)
    population = select([copy, first, other], 3)
    assert population == [first, other]
    # Plain truncation without the mechanism.
    assert select([copy, first, other], 3, distinct_only=False) == [first, copy, other]


def test_degenerate_mixtures_rank_after_every_sound_one(grid):
    sound, _ = _refined(grid, 9)
    better_but_degenerate = Individual(
        sound.parameters, sound.criterion - 100.0, degenerate=True
    )
    worse, _ = _refined(grid, 2)
    ranked = select([better_but_degenerate, worse, sound], 3)
    assert ranked[-1] is better_but_degenerate


# -- refinement --------------------------------------------------------------


def test_a_child_is_refined_longer_while_it_can_catch_its_parent(grid):
    parent, result = _refined(grid, 9)
    refined_parent, _ = refine(grid, parent, _settings(n_em_steps=200), len(grid))
    child_parameters, _ = merge_mutation(
        grid,
        refined_parent.parameters,
        refine(grid, refined_parent, _settings(), len(grid))[1].e_step,
        ResponsibilityCorrelation(),
        1,
        np.random.RandomState(0),
        mutation=FOCUSED,
    )
    child, n_iter, _ = refine_child(
        grid, Individual(child_parameters), refined_parent, _settings(), len(grid)
    )
    short, n_short, _ = refine_child(
        grid,
        Individual(child_parameters),
        refined_parent,
        _settings(mechanisms=MECHANISMS - {"child_refinement"}),
        len(grid),
    )
    assert n_short <= 5
    assert n_iter > n_short
    assert child.criterion <= short.criterion


def _point_mass_data():
    # Two blobs and 30 copies of one point: a component on the copies has a
    # covariance of reg_covar only, and a likelihood no sound model matches.
    rng = np.random.RandomState(0)
    return np.vstack(
        [rng.normal(0, 1, (150, 2)), rng.normal(8, 1, (150, 2)), np.full((30, 2), 4.0)]
    )


def test_refine_drops_a_collapsed_component():
    X = _point_mass_data()
    settings = _settings(data_covariance=data_covariance(X))
    parameters, _ = make_parameters(
        np.array([150.0, 150.0, 30.0]) / 330,
        np.array([[0.0, 0.0], [8.0, 8.0], [4.0, 4.0]]),
        np.array([np.eye(2), np.eye(2), 1e-6 * np.eye(2)]),
        "full",
    )
    refined, _ = refine(X, Individual(parameters), settings, len(X))
    assert refined.n_components == 2
    assert not refined.degenerate
    # Without the mechanism, the point mass stays and wins on likelihood.
    kept, _ = refine(
        X,
        Individual(parameters),
        settings._replace(mechanisms=MECHANISMS - {"collapse"}),
        len(X),
    )
    assert kept.n_components == 3
    assert kept.criterion < refined.criterion
    # Where it cannot be dropped (min_components), the mixture is flagged.
    held, _ = refine(
        X, Individual(parameters), settings._replace(min_components=3), len(X)
    )
    assert held.n_components == 3 and held.degenerate


@pytest.mark.parametrize("seed", range(5))
def test_no_degenerate_winner_on_iris(seed):
    # Iris is measured to 0.1 cm: a component can collapse onto equal values.
    X = load_iris().data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = EvolutionarySplitMergeMixture(random_state=seed).fit(X)
    flags = collapsed_components(est.covariances_, "full", data_covariance(X), 1e-6)
    assert not flags.any()


# -- anytime -----------------------------------------------------------------


def test_more_generations_never_return_a_worse_mixture():
    X, _ = make_grid_mixture(grid_size=4, n_per_component=40, std=0.2, random_state=0)
    settings = _settings(max_components=20)
    best = []
    for max_generations in (3, 6, 12):
        rng = np.random.RandomState(0)
        population = [
            Individual(kmeans_parameters(X, k, settings, seed)[0])
            for k, seed in zip((4, 9, 14, 20), (1, 2, 3, 4), strict=True)
        ]
        search = evolve(
            X,
            population,
            settings,
            rng,
            population_size=4,
            max_generations=max_generations,
            n_stall_generations=100,
        )
        best.append(search.best.criterion)
        history = [record.best_criterion for record in search.history]
        assert all(b <= a for a, b in zip(history, history[1:], strict=False))
    assert best[0] >= best[1] >= best[2]


def test_copies_of_points_give_a_sound_model_and_a_forced_collapse_warns():
    # Three points, each repeated: a component on one of them is a point
    # mass. The search drops such components and returns a sound model ...
    X = np.repeat(np.random.RandomState(0).standard_normal((3, 2)) * 5, 20, axis=0)
    params = dict(population_size=4, max_generations=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.filterwarnings("ignore", message="max_components=")
        est = EvolutionarySplitMergeMixture(**params).fit(X)
    assert not collapsed_components(
        est.covariances_, "full", data_covariance(X), est.reg_covar
    ).any()
    # ... and, where min_components forces one on it, says so.
    with pytest.warns(UserWarning, match="collapsed onto a lower-dimensional"):
        EvolutionarySplitMergeMixture(min_components=3, **params).fit(X)


def test_a_mixture_polished_twice_warns_once(grid, monkeypatch):
    # The final EM drops a component it collapsed and polishes again: only
    # the returned mixture's polish is reported.
    est = EvolutionarySplitMergeMixture(
        population_size=4, max_generations=2, max_iter=1, tol=1e-12, random_state=0
    )
    reported = []

    def collapsed_once(X, parameters, sample_weight):
        mask = np.zeros(parameters.n_components, dtype=bool)
        if not reported and parameters.n_components > 1:
            mask[0] = True
            reported.append(parameters.n_components)
        return mask

    monkeypatch.setattr(est, "_collapsed", collapsed_once)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(grid)
    assert est.n_components_ == reported[0] - 1
    convergence = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert len(convergence) == 1
