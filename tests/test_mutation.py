"""Tests of sklearn_esmem._mutation (roulette, split and merge mutations, rule)."""

from collections import Counter
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_esmem._em import COVARIANCE_TYPES, e_step, make_parameters
from sklearn_esmem._mutation import (
    FOCUSED,
    MERGE,
    SPLIT,
    choose_operator,
    feasible_operator,
    merge_mutation,
    mutate,
    rank_probabilities,
    split_mutation,
)
from sklearn_esmem.merge import (
    BaseMergeMeasure,
    Overlap,
    ResponsibilityCorrelation,
    moment_preserving_merge,
)
from sklearn_esmem.split import (
    BaseSplitMeasure,
    BaseSplitOperator,
    LocalKLDivergence,
    PartialLogLikelihood,
    SVDSplit,
    VarianceSplit,
)

MUTATION_WARNINGS = "ignore::sklearn.exceptions.ConvergenceWarning"

# --------------------------------------------------------------------------
# rank_probabilities
# --------------------------------------------------------------------------


def test_rank_probabilities_by_hand():
    assert_allclose(rank_probabilities([3.0, 1.0, 2.0]), [3 / 6, 1 / 6, 2 / 6])
    assert_allclose(
        rank_probabilities([0.1, 10.0, -5.0, 2.0]), [2 / 10, 4 / 10, 1 / 10, 3 / 10]
    )
    # Ties share the average rank: ranks 1.5, 1.5, 3.
    assert_allclose(rank_probabilities([1.0, 1.0, 5.0]), [1.5 / 6, 1.5 / 6, 3 / 6])
    # Proportional to the rank, not to the value.
    assert_allclose(rank_probabilities([1.0, 1000.0]), [1 / 3, 2 / 3])


def test_rank_probabilities_non_finite_rank_lowest():
    assert_allclose(rank_probabilities([np.nan, 2.0, 1.0]), [1 / 6, 3 / 6, 2 / 6])
    assert_allclose(rank_probabilities([5.0, -np.inf, 7.0]), [2 / 6, 1 / 6, 3 / 6])


def _brute_rank_probabilities(scores):
    n = len(scores)
    ranks = []
    for i in range(n):
        below = sum(1 for j in range(n) if scores[j] < scores[i])
        tied = sum(1 for j in range(n) if j != i and scores[j] == scores[i])
        ranks.append(1 + below + 0.5 * tied)
    total = sum(ranks)
    assert total == n * (n + 1) / 2  # ranks are a permutation of 1..n, ties averaged
    return np.array(ranks) / total


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.one_of(st.integers(-3, 3).map(float), st.floats(-1e6, 1e6, allow_nan=False)),
        min_size=1,
        max_size=12,
    )
)
def test_rank_probabilities_against_brute_force(scores):
    p = rank_probabilities(scores)
    assert_allclose(p, _brute_rank_probabilities(scores), rtol=1e-12)
    assert p.sum() == pytest.approx(1.0, rel=1e-12)
    assert np.all(p > 0)


# --------------------------------------------------------------------------
# choose_operator
# --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_choose_operator_rule(seed):
    rng = np.random.RandomState(seed)
    assert choose_operator(SPLIT, True, rng) == SPLIT
    assert choose_operator(MERGE, True, rng) == MERGE
    assert choose_operator(SPLIT, False, rng) == MERGE
    assert choose_operator(MERGE, False, rng) == SPLIT
    assert choose_operator(SPLIT, np.bool_(False), rng) == MERGE


@pytest.mark.parametrize(
    "last_operator, improved",
    [(None, None), (None, True), (None, False), (SPLIT, None), (MERGE, None)],
)
def test_choose_operator_random_without_history(last_operator, improved):
    outcomes = Counter(
        choose_operator(last_operator, improved, np.random.RandomState(seed))
        for seed in range(200)
    )
    assert set(outcomes) == {SPLIT, MERGE}
    assert 60 < outcomes[SPLIT] < 140  # about one half


# --------------------------------------------------------------------------
# Fixtures: a mixture and its E-step
# --------------------------------------------------------------------------


def _data(seed=0):
    rng = np.random.RandomState(seed)
    centres = np.array(
        [[0.0, 0.0], [4.0, 0.0], [0.0, 4.0], [4.0, 4.0], [8.0, 2.0], [2.0, 8.0]]
    )
    return np.concatenate([c + rng.normal(scale=0.7, size=(15, 2)) for c in centres])


def _mixture(X, k, covariance_type, seed=0):
    rng = np.random.RandomState(seed)
    means = X[rng.choice(len(X), size=k, replace=False)]
    weights = rng.dirichlet(np.full(k, 5.0))
    full = []
    for _ in range(k):
        A = rng.normal(scale=0.6, size=(2, 2))
        full.append(A @ A.T + 0.5 * np.eye(2))
    full = np.array(full)
    covariances = {
        "full": full,
        "tied": full.mean(axis=0),
        "diag": np.array([np.diag(c) for c in full]),
        "spherical": np.array([np.trace(c) / 2 for c in full]),
    }[covariance_type]
    parameters, _ = make_parameters(weights, means, covariances, covariance_type)
    return parameters, e_step(X, parameters)


def _assert_valid(parameters):
    assert np.all(np.isfinite(parameters.weights))
    assert np.all(parameters.weights > 0)
    assert parameters.weights.sum() == pytest.approx(1.0)
    assert np.all(np.isfinite(parameters.means))
    full = parameters.full_covariances()
    assert full.shape == (parameters.n_components, 2, 2)
    assert np.all(np.isfinite(full))
    assert np.all(np.isfinite(parameters.precisions_cholesky))
    for covariance in full:
        assert np.linalg.eigvalsh(covariance).min() > 0


def _snapshot(parameters):
    return [
        a.copy()
        for a in (
            parameters.weights,
            parameters.means,
            parameters.covariances,
            parameters.precisions_cholesky,
        )
    ]


def _assert_unchanged(parameters, snapshot):
    current = _snapshot(parameters)
    for before, after in zip(snapshot, current, strict=True):
        assert_array_equal(before, after)


SPLIT_STRATEGIES = [
    (LocalKLDivergence(), SVDSplit()),
    (PartialLogLikelihood(), VarianceSplit()),
    (PartialLogLikelihood(), SVDSplit(alpha=0.3, beta=0.7, u=0.4)),
]
MERGE_MEASURES = [ResponsibilityCorrelation(), Overlap()]


# --------------------------------------------------------------------------
# Bounds on k
# --------------------------------------------------------------------------


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("measure, operator", SPLIT_STRATEGIES)
def test_split_at_max_components_is_a_no_op(covariance_type, measure, operator):
    X = _data()
    parameters, estep = _mixture(X, 4, covariance_type)
    snapshot = _snapshot(parameters)
    for seed in range(3):
        child, n_repaired = split_mutation(
            X, parameters, estep, measure, operator, 4, np.random.RandomState(seed)
        )
        assert n_repaired == 0
        assert child.n_components == 4
        _assert_unchanged(child, snapshot)
    _assert_unchanged(parameters, snapshot)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("measure", MERGE_MEASURES)
@pytest.mark.parametrize("k", [1, 2, 4])
def test_merge_at_min_components_is_a_no_op(covariance_type, measure, k):
    X = _data()
    parameters, estep = _mixture(X, k, covariance_type)
    snapshot = _snapshot(parameters)
    for seed in range(3):
        child, n_repaired = merge_mutation(
            X, parameters, estep, measure, k, np.random.RandomState(seed)
        )
        assert n_repaired == 0
        assert child.n_components == k
        _assert_unchanged(child, snapshot)


@pytest.mark.filterwarnings(MUTATION_WARNINGS)
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("measure, operator", SPLIT_STRATEGIES)
def test_split_mutation_grows_within_bounds(covariance_type, measure, operator):
    X = _data(1)
    parameters, estep = _mixture(X, 3, covariance_type, seed=2)
    snapshot = _snapshot(parameters)
    sizes = set()
    for seed in range(8):
        child, _ = split_mutation(
            X, parameters, estep, measure, operator, 5, np.random.RandomState(seed)
        )
        sizes.add(child.n_components)
        assert 3 <= child.n_components <= 5
        assert child.covariance_type == covariance_type
        _assert_valid(child)
    assert max(sizes) > 3  # some splits happened
    _assert_unchanged(parameters, snapshot)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("measure", MERGE_MEASURES)
@pytest.mark.parametrize("min_components", [1, 2, 4])
def test_merge_mutation_shrinks_within_bounds(covariance_type, measure, min_components):
    X = _data(3)
    parameters, estep = _mixture(X, 6, covariance_type, seed=4)
    snapshot = _snapshot(parameters)
    sizes = set()
    for seed in range(8):
        child, _ = merge_mutation(
            X, parameters, estep, measure, min_components, np.random.RandomState(seed)
        )
        sizes.add(child.n_components)
        # At most floor(6 / 2) = 3 disjoint merges, never below the minimum.
        assert max(min_components, 3) <= child.n_components < 6
        assert child.covariance_type == covariance_type
        _assert_valid(child)
    assert len(sizes) > 1 or min_components == 4
    _assert_unchanged(parameters, snapshot)


# --------------------------------------------------------------------------
# Where the new components go
# --------------------------------------------------------------------------


def _same_component(parameters, index, weight, mean, covariance):
    return (
        np.isclose(parameters.weights[index], weight, rtol=1e-10)
        and np.allclose(parameters.means[index], mean, rtol=1e-10, atol=1e-12)
        and np.allclose(
            parameters.covariances[index], covariance, rtol=1e-10, atol=1e-12
        )
    )


@pytest.mark.parametrize("seed", range(12))
def test_merged_component_takes_the_smaller_index(seed):
    X = _data(5)
    parameters, estep = _mixture(X, 6, "full", seed=6)
    w, mu, cov = parameters.weights, parameters.means, parameters.covariances
    child, _ = merge_mutation(
        X, parameters, estep, Overlap(), 1, np.random.RandomState(seed)
    )
    # Walk the output in order: each component is the lowest original not yet
    # used, either untouched or merged with one later original.
    used = set()
    pairs = []
    for out in range(child.n_components):
        s = min(set(range(6)) - used)
        if _same_component(child, out, w[s], mu[s], cov[s]):
            used.add(s)
            continue
        for t in sorted(set(range(s + 1, 6)) - used):
            merged = moment_preserving_merge(w[[s, t]], mu[[s, t]], cov[[s, t]])
            if _same_component(child, out, *merged):
                used.update((s, t))
                pairs.append((s, t))
                break
        else:
            pytest.fail(
                f"output component {out} is neither original {s} nor a merge of it"
            )
    assert used == set(range(6))
    assert 1 <= len(pairs) <= 3
    assert child.n_components == 6 - len(pairs)


@pytest.mark.parametrize("seed", range(12))
def test_split_keeps_first_child_in_place_and_appends_second(seed):
    X = _data(7)
    parameters, estep = _mixture(X, 4, "full", seed=8)
    operator = SVDSplit(alpha=0.3, beta=0.7, u=0.4)
    w, mu, cov = parameters.weights, parameters.means, parameters.covariances
    children = [operator.split(X, w[c], mu[c], cov[c], None) for c in range(4)]
    child, _ = split_mutation(
        X,
        parameters,
        estep,
        LocalKLDivergence(),
        operator,
        100,
        np.random.RandomState(seed),
    )
    replaced = []
    for c in range(4):
        if _same_component(child, c, w[c], mu[c], cov[c]):
            continue
        first = [a[0] for a in children[c]]
        assert _same_component(child, c, *first), f"component {c}"
        replaced.append(c)
    appended = list(range(4, child.n_components))
    assert len(appended) == len(replaced) >= 1
    matched = []
    for out in appended:
        hits = [
            c
            for c in replaced
            if _same_component(child, out, *[a[1] for a in children[c]])
        ]
        assert len(hits) == 1
        matched.append(hits[0])
    assert sorted(matched) == replaced


# --------------------------------------------------------------------------
# The roulettes, with stub strategies
# --------------------------------------------------------------------------


class _FixedSplitMeasure:
    def __init__(self, scores):
        self.scores = np.asarray(scores, dtype=float)

    def score_components(self, X, parameters, e_step, sample_weight=None):
        return self.scores


class _FixedMergeMeasure:
    def __init__(self, scores):
        self.scores = np.asarray(scores, dtype=float)

    def score_pairs(self, X, parameters, e_step, sample_weight=None):
        return self.scores


class _RecordingSplit:
    """Splits any component into two copies at half weight; records calls."""

    def __init__(self):
        self.calls = []

    def split(
        self,
        X,
        weight,
        mean,
        covariance,
        members,
        sample_weight=None,
        random_state=None,
    ):
        self.calls.append(int(np.flatnonzero(np.all(self.means == mean, axis=1))[0]))
        return (
            np.array([weight / 2, weight / 2]),
            np.stack([mean, mean + 1.0]),
            np.stack([covariance, covariance]),
        )


def _split_children(X, parameters, estep, measure, max_components, n, **options):
    """``(child, components split)`` of ``n`` split mutations, seeds 0..n-1."""
    for seed in range(n):
        operator = _RecordingSplit()
        operator.means = parameters.means
        child, _ = split_mutation(
            X,
            parameters,
            estep,
            measure,
            operator,
            max_components,
            np.random.RandomState(seed),
            **options,
        )
        yield child, operator.calls


def test_split_roulette_follows_ranks():
    X = _data(9)
    parameters, estep = _mixture(X, 3, "full", seed=10)
    measure = _FixedSplitMeasure([10.0, -1.0, 5.0])  # ranks 3, 1, 2
    first = Counter()
    n = 600
    for child, calls in _split_children(X, parameters, estep, measure, 4, n):
        assert child.n_components == 4  # one split only: k_max = k + 1
        assert len(calls) == 1
        first[calls[0]] += 1
    assert_allclose(
        [first[0] / n, first[1] / n, first[2] / n], [3 / 6, 1 / 6, 2 / 6], atol=0.06
    )


def test_split_count_is_uniform_in_one_to_k():
    X = _data(11)
    parameters, estep = _mixture(X, 4, "full", seed=12)
    measure = _FixedSplitMeasure([1.0, 2.0, 3.0, 4.0])
    counts = Counter()
    for child, calls in _split_children(X, parameters, estep, measure, 100, 200):
        n_splits = child.n_components - 4
        assert len(calls) == n_splits
        assert len(set(calls)) == n_splits  # distinct components
        counts[n_splits] += 1
    assert set(counts) == {1, 2, 3, 4}
    assert min(counts.values()) > 25  # about 50 each


def test_split_none_from_operator_leaves_model_unchanged():
    X = _data(13)
    parameters, estep = _mixture(X, 3, "full", seed=14)

    class _Never:
        def split(self, *args, **kwargs):
            return None

    for seed in range(5):
        child, n_repaired = split_mutation(
            X,
            parameters,
            estep,
            LocalKLDivergence(),
            _Never(),
            10,
            np.random.RandomState(seed),
        )
        assert n_repaired == 0
        assert child.n_components == 3
        assert_array_equal(child.means, parameters.means)


def _merge_children(X, parameters, estep, scores, n, **options):
    """The children of ``n`` merge mutations with fixed pair scores, seeds 0..n-1."""
    for seed in range(n):
        child, _ = merge_mutation(
            X,
            parameters,
            estep,
            _FixedMergeMeasure(scores),
            1,
            np.random.RandomState(seed),
            **options,
        )
        yield child


def test_merge_roulette_follows_ranks():
    X = _data(15)
    parameters, estep = _mixture(X, 3, "full", seed=16)
    w, mu, cov = parameters.weights, parameters.means, parameters.covariances
    scores = np.zeros((3, 3))
    scores[0, 1] = scores[1, 0] = 0.9  # rank 3
    scores[0, 2] = scores[2, 0] = 0.1  # rank 1
    scores[1, 2] = scores[2, 1] = 0.5  # rank 2
    chosen = Counter()
    n = 600
    for child in _merge_children(X, parameters, estep, scores, n):
        assert child.n_components == 2  # z ~ U{1..floor(3/2)} = 1
        for i, j, other in [(0, 1, 2), (0, 2, 1), (1, 2, 0)]:
            merged = moment_preserving_merge(w[[i, j]], mu[[i, j]], cov[[i, j]])
            kept_at = 1 if other > i else 0
            if _same_component(child, i, *merged) and _same_component(
                child, kept_at, w[other], mu[other], cov[other]
            ):
                chosen[(i, j)] += 1
                break
        else:
            pytest.fail("the child is not one merge of the parent")
    assert_allclose(
        [chosen[(0, 1)] / n, chosen[(0, 2)] / n, chosen[(1, 2)] / n],
        [3 / 6, 1 / 6, 2 / 6],
        atol=0.06,
    )


def test_rank_probabilities_among_the_best_candidates():
    # The two best of five (scores 9 and 7) ranked among themselves: 2/3, 1/3.
    assert_allclose(
        rank_probabilities([1.0, 9.0, 3.0, 7.0, 5.0], n_candidates=2),
        [0.0, 2 / 3, 0.0, 1 / 3, 0.0],
    )
    # Ties at the cut go to the first by position; non-finite scores come last.
    assert_allclose(
        rank_probabilities([np.nan, 4.0, 4.0, 2.0], n_candidates=1), [0, 1, 0, 0]
    )
    # Enough candidates for all: the plain roulette.
    assert_allclose(rank_probabilities([3.0, 1.0], n_candidates=5), [2 / 3, 1 / 3])


def test_focused_split_splits_one_of_the_best_sqrt_k():
    X = _data(19)
    parameters, estep = _mixture(X, 6, "full", seed=20)
    # ceil(sqrt(6)) = 3 candidates: components 4, 1 and 3 (ranks 3, 2, 1).
    measure = _FixedSplitMeasure([1.0, 5.0, 0.0, 4.0, 9.0, 2.0])
    first = Counter()
    n = 600
    children = _split_children(X, parameters, estep, measure, 100, n, mutation=FOCUSED)
    for child, calls in children:
        assert child.n_components == 7
        assert len(calls) == 1
        first[calls[0]] += 1
    assert set(first) == {1, 3, 4}
    assert_allclose(
        [first[4] / n, first[1] / n, first[3] / n], [3 / 6, 2 / 6, 1 / 6], atol=0.06
    )


def test_focused_merge_merges_one_of_the_best_pairs():
    X = _data(21)
    parameters, estep = _mixture(X, 4, "full", seed=22)
    w, mu, cov = parameters.weights, parameters.means, parameters.covariances
    # Six pairs, ceil(sqrt(4)) = 2 candidates: (1, 3) then (0, 2).
    scores = np.zeros((4, 4))
    for (i, j), value in {
        (0, 1): 0.1,
        (0, 2): 0.7,
        (0, 3): 0.2,
        (1, 2): 0.3,
        (1, 3): 0.9,
        (2, 3): 0.4,
    }.items():
        scores[i, j] = scores[j, i] = value
    chosen = Counter()
    n = 400
    for child in _merge_children(X, parameters, estep, scores, n, mutation=FOCUSED):
        assert child.n_components == 3  # one merge, never two disjoint ones
        for i, j in [(1, 3), (0, 2)]:
            merged = moment_preserving_merge(w[[i, j]], mu[[i, j]], cov[[i, j]])
            if _same_component(child, i, *merged):
                chosen[(i, j)] += 1
                break
        else:
            pytest.fail("the child did not merge one of the two best pairs")
    assert_allclose([chosen[(1, 3)] / n, chosen[(0, 2)] / n], [2 / 3, 1 / 3], atol=0.07)


@pytest.mark.parametrize(
    "operator, k, bounds, expected",
    [
        (SPLIT, 5, (1, 5), MERGE),  # a split at max_components cannot act
        (MERGE, 1, (1, 5), SPLIT),  # nor a merge at min_components
        (MERGE, 3, (3, 9), SPLIT),
        (SPLIT, 4, (1, 5), SPLIT),  # within the bounds, the rule's choice stands
        (MERGE, 4, (1, 5), MERGE),
        (SPLIT, 3, (3, 3), SPLIT),  # neither can act: nothing to switch to
        (MERGE, 3, (3, 3), MERGE),
    ],
)
def test_feasible_operator_switches_at_the_bounds(operator, k, bounds, expected):
    assert feasible_operator(operator, k, *bounds) == expected


# --------------------------------------------------------------------------
# mutate
# --------------------------------------------------------------------------


@pytest.mark.filterwarnings(MUTATION_WARNINGS)
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_mutate_dispatches(covariance_type):
    X = _data(17)
    parameters, estep = _mixture(X, 4, covariance_type, seed=18)
    strategies = SimpleNamespace(
        split_measure=PartialLogLikelihood(),
        split_operator=VarianceSplit(),
        merge_measure=ResponsibilityCorrelation(),
    )
    grown, _ = mutate(
        X, parameters, estep, SPLIT, strategies, 1, 8, np.random.RandomState(0)
    )
    shrunk, _ = mutate(
        X, parameters, estep, MERGE, strategies, 1, 8, np.random.RandomState(0)
    )
    assert grown.n_components > 4
    assert shrunk.n_components < 4
    _assert_valid(grown)
    _assert_valid(shrunk)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_mutations_with_sample_weight(covariance_type):
    X = _data(19)
    w = np.random.RandomState(20).randint(1, 4, size=len(X)).astype(float)
    parameters, estep = _mixture(X, 4, covariance_type, seed=21)
    for seed in range(3):
        child, _ = split_mutation(
            X,
            parameters,
            estep,
            LocalKLDivergence(),
            VarianceSplit(),
            8,
            np.random.RandomState(seed),
            sample_weight=w,
        )
        _assert_valid(child)
        child, _ = merge_mutation(
            X,
            parameters,
            estep,
            Overlap(),
            1,
            np.random.RandomState(seed),
            sample_weight=w,
        )
        _assert_valid(child)


# User strategies that return malformed results fail with a ValueError that
# names the strategy, not with an IndexError deep inside the mutation.


class _ScoresOfShape(BaseSplitMeasure):
    def __init__(self, extra=1):
        self.extra = extra

    def score_components(self, X, parameters, e_step, sample_weight=None):
        return np.ones(parameters.n_components + self.extra)


class _PairScoresOfShape(BaseMergeMeasure):
    def score_pairs(self, X, parameters, e_step, sample_weight=None):
        return np.ones(parameters.n_components)


class _Children(BaseSplitOperator):
    """Splits into given children, whatever the component."""

    def __init__(self, children=None):
        self.children = children

    def split(self, X, weight, mean, covariance, members, **kwargs):
        return self.children


def _valid_children(n_features):
    return (
        np.array([0.2, 0.3]),
        np.zeros((2, n_features)),
        np.stack([np.eye(n_features)] * 2),
    )


def test_split_measure_of_wrong_shape_is_named():
    X = _data(40)
    parameters, estep = _mixture(X, 3, "full", seed=41)
    with pytest.raises(ValueError, match=r"_ScoresOfShape.score_components .*\(3,\)"):
        split_mutation(
            X,
            parameters,
            estep,
            _ScoresOfShape(),
            SVDSplit(),
            6,
            np.random.RandomState(0),
        )


def test_merge_measure_of_wrong_shape_is_named():
    X = _data(42)
    parameters, estep = _mixture(X, 3, "full", seed=43)
    with pytest.raises(ValueError, match=r"_PairScoresOfShape.score_pairs .*\(3, 3\)"):
        merge_mutation(
            X, parameters, estep, _PairScoresOfShape(), 1, np.random.RandomState(0)
        )


@pytest.mark.parametrize(
    "broken, message",
    [
        (lambda c: (c[0], c[1][:, :1], c[2]), "shapes"),
        (lambda c: (c[0][:1], c[1], c[2]), "shapes"),
        (lambda c: c[:2], "weights, means, covariances"),
        (lambda c: (c[0], c[1] * np.nan, c[2]), "NaN or infinite"),
        (lambda c: (np.array([0.2, 0.0]), c[1], c[2]), "positive weights"),
        (lambda c: "two children", "weights, means, covariances"),
    ],
)
def test_split_operator_of_malformed_children_is_named(broken, message):
    X = _data(44)
    parameters, estep = _mixture(X, 3, "full", seed=45)
    operator = _Children(broken(_valid_children(X.shape[1])))
    with pytest.raises(ValueError, match=rf"_Children.split .*{message}"):
        split_mutation(
            X,
            parameters,
            estep,
            LocalKLDivergence(),
            operator,
            6,
            np.random.RandomState(0),
        )


def test_split_operator_of_valid_children_and_none_pass():
    X = _data(46)
    parameters, estep = _mixture(X, 3, "full", seed=47)
    for children, k in ((_valid_children(X.shape[1]), 4), (None, 3)):
        child, _ = split_mutation(
            X,
            parameters,
            estep,
            LocalKLDivergence(),
            _Children(children),
            4,
            np.random.RandomState(0),
        )
        assert child.n_components == k


def test_fit_with_a_malformed_measure_raises_value_error():
    from sklearn_esmem import EvolutionarySplitMergeMixture

    # min_components=1 puts a one-component individual in the first
    # population, which can only split: the measure is called in generation 1.
    est = EvolutionarySplitMergeMixture(
        split_measure=_ScoresOfShape(extra=2),
        min_components=1,
        max_components=4,
        population_size=3,
        max_generations=2,
        random_state=0,
    )
    with pytest.raises(ValueError, match="_ScoresOfShape.score_components"):
        est.fit(_data(48))
