"""Guided mutation: choose components by rank roulette, then split or merge.

Two policies. ``"paper"`` follows the authors' code: ``z ~ U{1..k}``
splits of distinct components drawn without replacement, or
``z ~ U{1..floor(k/2)}`` merges of disjoint pairs drawn with replacement,
both by *rank-based* roulette (probability proportional to the rank of the
measure, not to its value) over all components or pairs. ``"focused"``
makes one split or one merge, drawn by the same roulette among the
``ceil(sqrt(k))`` best-scored components or pairs that the parent's earlier
children have not tried.
Measures are computed once, before any operation.

Why ``"focused"`` is the default (``benchmarks/bench_search_time.py`` and
``benchmarks/bench_search_quality.py``): at k = 50 a paper mutation changes
25 components on average, and a child that disrupted rarely beats its
parent; and a rank roulette over all 1225 pairs gives the best-scored pair
a chance of 0.16 %, so merges are close to random.
"""

import math
import warnings

import numpy as np
from scipy.stats import rankdata

from ._em import from_full_covariances, make_parameters
from .merge import moment_preserving_merge

SPLIT = "split"
MERGE = "merge"
FOCUSED = "focused"
PAPER = "paper"
MUTATIONS = (FOCUSED, PAPER)


def rank_probabilities(scores, n_candidates=None):
    """Roulette probabilities proportional to the rank (1 = lowest score).

    Ties share their average rank; non-finite scores rank lowest. With
    ``n_candidates``, only that many best-scored entries (ties broken by
    position) can be drawn, ranked among themselves; the others get 0.
    """
    scores = np.asarray(scores, dtype=float)
    scores = np.where(np.isfinite(scores), scores, -np.inf)
    if n_candidates is not None and n_candidates < scores.size:
        best = np.argsort(-scores, kind="stable")[:n_candidates]
        probabilities = np.zeros(scores.size)
        probabilities[best] = rank_probabilities(scores[best])
        return probabilities
    ranks = rankdata(scores, method="average")
    return ranks / ranks.sum()


def _strategy_name(strategy, method):
    return f"{type(strategy).__name__}.{method}"


def _checked_scores(scores, shape, strategy, method):
    """A measure's scores as floats of ``shape``, or a ValueError naming it.

    Measures may be the user's own: a wrong shape would otherwise surface as
    an IndexError deep inside the roulette. Non-finite scores are allowed
    (they rank lowest).
    """
    try:
        scores = np.asarray(scores, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"{_strategy_name(strategy, method)} must return numbers; got "
            f"{type(scores).__name__}: {error}"
        ) from error
    if scores.shape != shape:
        raise ValueError(
            f"{_strategy_name(strategy, method)} must return an array of shape "
            f"{shape}; got shape {scores.shape}."
        )
    return scores


def _checked_children(children, n_features, operator):
    """A split's ``(weights, means, covariances)`` as float arrays, or a ValueError.

    None (the component cannot be split) passes through.
    """
    if children is None:
        return None
    name = _strategy_name(operator, "split")
    shapes = ((2,), (2, n_features), (2, n_features, n_features))
    expected = (
        f"{name} must return None or (weights, means, covariances) of shapes "
        f"{shapes[0]}, {shapes[1]} and {shapes[2]}"
    )
    try:
        weights, means, covariances = (
            np.asarray(part, dtype=float) for part in children
        )
    except (TypeError, ValueError) as error:
        raise ValueError(f"{expected}: {error}") from error
    got = (weights.shape, means.shape, covariances.shape)
    if got != shapes:
        raise ValueError(f"{expected}; got shapes {got[0]}, {got[1]} and {got[2]}.")
    if not all(np.isfinite(part).all() for part in (weights, means, covariances)):
        raise ValueError(f"{name} returned NaN or infinite values.")
    if (weights <= 0).any():
        raise ValueError(f"{name} must return positive weights; got {weights}.")
    return weights, means, covariances


def _roulette(scores, n_components, mutation):
    """The rank roulette of a mutation policy over components or pairs."""
    if mutation == PAPER:
        return rank_probabilities(scores)
    return rank_probabilities(scores, math.ceil(math.sqrt(n_components)))


def _n_operations(mutation, high, rng):
    """How many splits or merges a mutation attempts: U{1..high}, or 1."""
    return rng.randint(1, high + 1) if mutation == PAPER else 1


def _assemble(parameters, weights, means, full_covariances, reg_covar):
    covariances = from_full_covariances(
        full_covariances, parameters.covariance_type, weights
    )
    return make_parameters(
        weights, means, covariances, parameters.covariance_type, reg_covar
    )


def split_mutation(
    X,
    parameters,
    e_step,
    split_measure,
    split_operator,
    max_components,
    rng,
    *,
    sample_weight=None,
    reg_covar=0.0,
    mutation=PAPER,
    exclude=(),
    used=None,
):
    """Split ``z ~ U{1..k}`` components (one if focused) chosen by rank roulette.

    Each split replaces component ``l`` by its first child and appends the
    second; new components are not chosen again, and splitting stops at
    ``max_components`` (at ``k = max_components`` the model is unchanged).
    A focused split never draws a component of ``exclude`` while others
    remain, and appends the one it drew to the list ``used``.

    Returns
    -------
    parameters : MixtureParameters
    n_repaired : int
    """
    k = parameters.n_components
    if k >= max_components:
        return parameters, 0
    scores = _checked_scores(
        split_measure.score_components(X, parameters, e_step, sample_weight),
        (k,),
        split_measure,
        "score_components",
    )
    if mutation == PAPER:
        chosen = rng.choice(
            k,
            size=_n_operations(mutation, k, rng),
            replace=False,
            p=_roulette(scores, k, mutation),
        )
    else:
        chosen = [_draw(scores, k, mutation, rng, _untried(exclude, k))]
        if used is not None:
            used.extend(int(component) for component in chosen)
    members = e_step.log_resp.argmax(axis=1)
    weights = list(parameters.weights)
    means = list(parameters.means)
    covariances = list(parameters.full_covariances())
    for component in chosen:
        if len(weights) + 1 > max_components:
            break
        children = _checked_children(
            split_operator.split(
                X,
                weights[component],
                means[component],
                covariances[component],
                members == component,
                sample_weight=sample_weight,
                random_state=rng,
            ),
            X.shape[1],
            split_operator,
        )
        if children is None:
            continue
        child_weights, child_means, child_covariances = children
        weights[component], weights_new = child_weights
        means[component], mean_new = child_means
        covariances[component], covariance_new = child_covariances
        weights.append(weights_new)
        means.append(mean_new)
        covariances.append(covariance_new)
    if len(weights) == k:
        return parameters, 0
    return _assemble(
        parameters,
        np.array(weights),
        np.stack(means),
        np.stack(covariances),
        reg_covar,
    )


def merge_mutation(
    X,
    parameters,
    e_step,
    merge_measure,
    min_components,
    rng,
    *,
    sample_weight=None,
    reg_covar=0.0,
    mutation=PAPER,
    exclude=(),
    used=None,
):
    """Merge up to ``z ~ U{1..floor(k/2)}`` disjoint pairs (one if focused).

    Pairs are chosen by rank roulette. The merged component takes the smaller
    index. Merging stops at
    ``min_components`` (at ``k = min_components`` the model is unchanged).
    A focused merge never draws a pair ``(i, j)``, ``i < j``, of ``exclude``
    while others remain, and appends the one it drew to the list ``used``.

    Returns
    -------
    parameters : MixtureParameters
    n_repaired : int
    """
    k = parameters.n_components
    if k <= max(min_components, 1):
        return parameters, 0
    scores = _checked_scores(
        merge_measure.score_pairs(X, parameters, e_step, sample_weight),
        (k, k),
        merge_measure,
        "score_pairs",
    )
    rows, cols = np.triu_indices(k, 1)
    if mutation == PAPER:
        probabilities = _roulette(scores[rows, cols], k, mutation)
        draws = (
            rng.choice(rows.size, p=probabilities)
            for _ in range(_n_operations(mutation, k // 2, rng))
        )
    else:
        pair = _draw(
            scores[rows, cols], k, mutation, rng, _untried_pairs(exclude, rows, cols)
        )
        if used is not None:
            used.append((int(rows[pair]), int(cols[pair])))
        draws = iter([pair])
    weights = parameters.weights.copy()
    means = parameters.means.copy()
    covariances = parameters.full_covariances()
    keep = np.ones(k, dtype=bool)
    merged = np.zeros(k, dtype=bool)
    for pair in draws:
        if keep.sum() - 1 < min_components:
            break
        i, j = rows[pair], cols[pair]
        if merged[i] or merged[j]:
            continue
        weights[i], means[i], covariances[i] = moment_preserving_merge(
            weights[[i, j]], means[[i, j]], covariances[[i, j]]
        )
        merged[[i, j]] = True
        keep[j] = False
    if keep.all():
        return parameters, 0
    return _assemble(
        parameters, weights[keep], means[keep], covariances[keep], reg_covar
    )


def _untried(exclude, n_candidates):
    """``exclude`` as indices, or none at all once every candidate is in it."""
    exclude = np.fromiter(exclude, dtype=int, count=len(exclude))
    return () if np.unique(exclude).size >= n_candidates else exclude


def _untried_pairs(exclude, rows, cols):
    """Positions in ``(rows, cols)`` of the pairs in ``exclude``, as _untried."""
    if not exclude:
        return ()
    pairs = zip(rows, cols, strict=True)
    positions = np.flatnonzero([(i, j) in exclude for i, j in pairs])
    return () if positions.size >= rows.size else positions


def _draw(scores, n_components, mutation, rng, exclude=()):
    """One index drawn by the policy's rank roulette, never one of ``exclude``."""
    scores = np.where(np.isfinite(scores), scores, -np.inf)
    candidates = np.setdiff1d(np.arange(scores.size), exclude)
    probabilities = _roulette(scores[candidates], n_components, mutation)
    return candidates[rng.choice(candidates.size, p=probabilities)]


def choose_operator(last_operator, improved, rng):
    """The Horta & Campello rule.

    Repeat the operator of the individual's latest attempt if its child then
    beat it, switch to the other one if not, and draw split or merge at
    random without history.
    """
    if last_operator is None or improved is None:
        return SPLIT if rng.rand() < 0.5 else MERGE
    if improved:
        return last_operator
    return MERGE if last_operator == SPLIT else SPLIT


def feasible_operator(operator, n_components, min_components, max_components):
    """The operator to apply: another one if ``operator`` cannot act at a bound.

    A split at ``max_components`` or a merge at ``min_components`` would
    return the parent unchanged. Such
    a clone, refined once more, beats its parent and so, by the Horta &
    Campello rule, repeats the same no-op: a population that reached
    ``k_max`` filled with clones and never merged again. Switching keeps
    every child a real move.
    """
    floor = max(min_components, 1)
    if operator == SPLIT and n_components >= max_components > floor:
        return MERGE
    if operator == MERGE and n_components <= floor < max_components:
        return SPLIT
    return operator


def mutate(
    X,
    parameters,
    e_step,
    operator,
    strategies,
    min_components,
    max_components,
    rng,
    *,
    sample_weight=None,
    reg_covar=0.0,
    mutation=PAPER,
    exclude=(),
    used=None,
):
    """Apply one split or merge mutation; return the child and repairs made.

    ``exclude`` and ``used`` are the focused policy's memory of the
    candidates (components for a split, pairs for a merge) that
    this parent already tried with ``operator``, and the list that receives
    the one tried now.
    """
    memory = {"exclude": exclude, "used": used}
    with warnings.catch_warnings():
        # 2-means on a handful of duplicated points warns about distinct
        # clusters; the operator already copes with that case.
        warnings.simplefilter("ignore")
        if operator == SPLIT:
            return split_mutation(
                X,
                parameters,
                e_step,
                strategies.split_measure,
                strategies.split_operator,
                max_components,
                rng,
                sample_weight=sample_weight,
                reg_covar=reg_covar,
                mutation=mutation,
                **memory,
            )
        return merge_mutation(
            X,
            parameters,
            e_step,
            strategies.merge_measure,
            min_components,
            rng,
            sample_weight=sample_weight,
            reg_covar=reg_covar,
            mutation=mutation,
            **memory,
        )
