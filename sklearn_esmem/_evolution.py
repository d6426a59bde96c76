"""The evolutionary search of ESM-EM (Covões, Hruschka & Ghosh 2016).

A population of mixtures is initialised by k-means at linearly spaced k; each
generation every individual is refined by a few EM steps, mutated by a guided
split or merge, and its child refined; the best ``population_size`` of
parents and children survive ((mu + lambda) selection). The search stops after
``max_generations``, after ``n_stall_generations`` without improvement of the
best criterion, or when ``max_time`` runs out.

Per generation, one task per individual refines the parent, mutates it and
refines the child, so the E-step that ends a refinement feeds the mutation's
measures in the same process and never travels between workers. Each task
draws its randomness from an integer seed drawn here, in the parent, so the
result is the same for any ``n_jobs`` and any joblib backend.
"""

import time
import warnings
from typing import NamedTuple

import numpy as np
from sklearn.cluster import KMeans

from ._degeneracy import collapsed_in, data_covariance
from ._em import drop_components, make_parameters, n_parameters, run_em
from ._kernels import gaussian_parameters
from ._mutation import PAPER, choose_operator, feasible_operator, mutate
from ._parallel import TaskRunner

_SEED_BOUND = np.iinfo(np.int32).max
# EM refinements stop once the mean log-likelihood per sample moves less
# than this per step; the search stalls when its best criterion improves by
# less than this per sample in a generation.
_REFINE_TOL = 1e-6
# A child is refined for at most this many times n_em_steps.
_CHILD_STEP_FACTOR = 12
# Two individuals with the same k whose criteria differ by less than this,
# relative, are copies of one mixture.
_SAME_MODEL = 1e-4
# The mechanisms that keep the search improving, each of which the quality
# study can turn off (benchmarks/bench_search_quality.py --systems
# esmem-no-NAME; the Algorithm page of the documentation, section
# "Mechanisms"):
# "outcome": a parent carries the outcome of its latest child;
# "distinct": copies of a mixture are not selected twice;
# "memory": a parent's children try candidates its earlier children did not;
# "child_refinement": children refined up to _CHILD_STEP_FACTOR times longer;
# "collapse": collapsed components dropped, degenerate mixtures ranked last.
MECHANISMS = frozenset(
    ("outcome", "distinct", "memory", "child_refinement", "collapse")
)
# Added to a degenerate individual's criterion for ranking: any sound
# mixture ranks first, degenerate ones among themselves by criterion.
_DEGENERATE_RANK = 1e300


class Strategies(NamedTuple):
    """The three interchangeable parts of a variant."""

    split_operator: object
    split_measure: object
    merge_measure: object


class SearchSettings(NamedTuple):
    """Everything a worker needs besides the data and the individual."""

    covariance_type: str
    criterion: object
    strategies: Strategies
    min_components: int
    max_components: int
    n_em_steps: int
    reg_covar: float
    tol: float
    n_kmeans_iter: int
    mutation: str = PAPER
    # The data's covariance, against which collapsed components are told
    # (._degeneracy); filled in by evolve.
    data_covariance: object = None
    mechanisms: frozenset = MECHANISMS


class Individual:
    """One mixture of the population, with what selection and mutation need.

    Attributes
    ----------
    parameters : MixtureParameters
    criterion : float
        Its criterion after its latest refinement (NaN before any).
    last_operator : {"split", "merge"} or None
        The operator of its latest attempt at a child, or the one that
        created it if it has made none.
    improved : bool or None
        Whether that attempt's child beat its parent (the Horta & Campello
        rule's memory).
    tried : dict
        Operator to the candidates (components, or pairs of components)
        that its children already tried and lost with: the focused mutation
        draws others while any remain.
    degenerate : bool
        Whether it keeps a component collapsed onto a lower-dimensional set
        of the data (._degeneracy), which it could not drop.
    n_collapsed : int
        Collapsed components dropped by its latest refinement.
    """

    def __init__(
        self,
        parameters,
        criterion=np.nan,
        last_operator=None,
        improved=None,
        tried=None,
        degenerate=False,
    ):
        self.parameters = parameters
        self.criterion = criterion
        self.last_operator = last_operator
        self.improved = improved
        self.tried = {} if tried is None else tried
        self.degenerate = degenerate
        self.n_collapsed = 0

    @property
    def n_components(self):
        return self.parameters.n_components

    def sort_key(self):
        # NaN (never refined, or a failed refinement) sorts last, and a
        # degenerate mixture after every sound one.
        if np.isnan(self.criterion):
            return np.inf
        return _DEGENERATE_RANK + self.criterion if self.degenerate else self.criterion


class TaskResult(NamedTuple):
    parent: Individual
    children: list
    n_em_iter: int
    n_repaired: int
    n_collapsed: int = 0


def criterion_value(criterion, log_lik, parameters, n_samples):
    """The criterion of a mixture, NaN if not finite (a failed EM)."""
    n_par = n_parameters(
        parameters.n_components, parameters.n_features, parameters.covariance_type
    )
    value = float(criterion(log_lik, n_par, n_samples))
    return value if np.isfinite(value) else np.nan


def kmeans_parameters(X, n_components, settings, seed, sample_weight=None):
    """Initial mixture from k-means with random objects as seeds.

    At most ``n_kmeans_iter`` iterations, as the paper's initialisation. A
    cluster with fewer than two samples has no covariance of its own and gets
    the mean covariance of the others.
    """
    n_components = min(n_components, X.shape[0])
    with warnings.catch_warnings():
        # Fewer distinct points than clusters is a property of the data,
        # reported once by the estimator, not by every k-means run.
        warnings.simplefilter("ignore")
        labels = (
            KMeans(
                n_clusters=n_components,
                init="random",
                n_init=1,
                max_iter=settings.n_kmeans_iter,
                random_state=seed,
            )
            .fit(X, sample_weight=sample_weight)
            .labels_
        )
    present, counts = np.unique(labels, return_counts=True)
    # Built as (k, n) and passed transposed, the layout of the E-step's
    # responsibilities: the compiled M-step then needs no other variant.
    resp = (present[:, np.newaxis] == labels).astype(float)
    if sample_weight is not None:
        resp *= sample_weight
    # The package's M-step kernel: scikit-learn's tied estimator ignores the
    # sample weights folded into resp (it uses the unweighted X'X).
    nk, means, covariances = gaussian_parameters(
        X, resp.T, settings.reg_covar, settings.covariance_type
    )
    small = counts < 2
    if small.any() and not small.all() and settings.covariance_type != "tied":
        covariances[small] = covariances[~small].mean(axis=0)
    return make_parameters(
        nk, means, covariances, settings.covariance_type, settings.reg_covar
    )


def minimum_support(n_features, covariance_type):
    """Samples a component needs for a covariance estimate of its own.

    A full covariance from fewer than ``n_features + 1`` samples is singular,
    a diagonal or spherical one from a single sample is zero; only
    ``reg_covar`` then keeps them invertible. Such a component buys an
    unbounded likelihood with a few points: a search can keep one on a few
    nearly collinear points, at a criterion above the optimum that it cannot
    leave, as merges never pick a component that shares no samples with its
    neighbours.
    """
    if covariance_type == "full":
        return n_features + 1
    return 1 if covariance_type == "tied" else 2


def refine(X, individual, settings, n_samples, sample_weight=None, e_step_result=None):
    """Run ``n_em_steps`` EM steps on an individual; return it and the EM result.

    The steps stop early once the mean log-likelihood per sample changes by
    less than :data:`_REFINE_TOL`: a converged parent then costs one step,
    not five. A component whose weight falls below :func:`minimum_support`
    samples during the steps is dropped, never below ``min_components``.
    """
    support = minimum_support(X.shape[1], settings.covariance_type)
    em_options = dict(
        reg_covar=settings.reg_covar,
        sample_weight=sample_weight,
        tol=_REFINE_TOL,
        min_weight=support / n_samples,
        min_components=min(settings.min_components, individual.n_components),
    )
    result = run_em(
        X,
        individual.parameters,
        settings.n_em_steps,
        e_step_result=e_step_result,
        **em_options,
    )
    n_collapsed = 0
    collapsed = _collapsed(result.parameters, settings)
    if collapsed.any() and result.parameters.n_components - collapsed.sum() >= max(
        settings.min_components, 1
    ):
        # A collapsed component's likelihood is the data's rounding: drop it
        # and let the others take its samples.
        n_collapsed = int(collapsed.sum())
        n_iter, n_repaired = result.n_iter, result.n_repaired + 1
        parameters = drop_components(result.parameters, ~collapsed, settings.reg_covar)
        result = run_em(X, parameters, settings.n_em_steps, **em_options)
        result = result._replace(
            n_iter=n_iter + result.n_iter, n_repaired=n_repaired + result.n_repaired
        )
        collapsed = _collapsed(result.parameters, settings)
    criterion = criterion_value(
        settings.criterion, result.log_likelihood, result.parameters, n_samples
    )
    # Candidates are indices of components: a dropped component renumbers them.
    same_components = result.parameters.n_components == individual.n_components
    refined = Individual(
        result.parameters,
        criterion,
        individual.last_operator,
        individual.improved,
        individual.tried if same_components else None,
        degenerate=bool(collapsed.any()),
    )
    refined.n_collapsed = n_collapsed
    return refined, result


def _collapsed(parameters, settings):
    """The components of ``parameters`` collapsed onto a lower-dimensional set."""
    if settings.data_covariance is None or "collapse" not in settings.mechanisms:
        return np.zeros(parameters.n_components, dtype=bool)
    return collapsed_in(parameters, settings.data_covariance, settings.reg_covar)


def refine_child(X, child, parent, settings, n_samples, sample_weight=None):
    """Refine a child while it can still catch its parent, within a step budget.

    A child's first steps repair what the mutation broke, and five of them
    rarely tell what it is worth once converged. So a child is refined
    ``n_em_steps`` at a time, up to :data:`_CHILD_STEP_FACTOR` times as many,
    and stops once the pace of its last steps could no longer close the gap
    to its parent over the steps left, or once its EM converges.

    Returns
    -------
    child : Individual
        Its ``n_collapsed`` counts the collapsed components dropped in all
        its steps.
    n_iter : int
    n_repaired : int
    """
    budget = settings.n_em_steps
    if "child_refinement" in settings.mechanisms:
        budget *= _CHILD_STEP_FACTOR
    refined, result = refine(X, child, settings, n_samples, sample_weight)
    n_iter, n_repaired = result.n_iter, result.n_repaired
    n_collapsed = refined.n_collapsed
    while n_iter < budget and result.n_iter == settings.n_em_steps:
        gap = refined.sort_key() - parent.sort_key()
        if not np.isfinite(gap):
            break
        before = refined.sort_key()
        step, result = refine(
            X, refined, settings, n_samples, sample_weight, result.e_step
        )
        n_iter += result.n_iter
        n_repaired += result.n_repaired
        n_collapsed += step.n_collapsed
        changed_k = step.n_components != refined.n_components
        gained = before - step.sort_key()
        refined = step
        # EM slows down as it converges: its latest pace bounds what the
        # remaining steps can gain. A dropped component ends the steps too.
        pace = gained / max(result.n_iter, 1)
        if changed_k or gap - gained > pace * (budget - n_iter):
            break
    refined.n_collapsed = n_collapsed
    return refined, n_iter, n_repaired


def generation_task(
    X, individual, settings, seed, n_samples, sample_weight=None, n_children=1
):
    """Refine a parent, then make and refine ``n_children`` children of it.

    The children are made one after another, each by the operator that the
    Horta & Campello rule picks from the outcome of the one before, and the
    focused mutation draws each from candidates its siblings have not tried.
    """
    rng = np.random.RandomState(seed)
    parent, parent_em = refine(X, individual, settings, n_samples, sample_weight)
    n_em_iter, n_repaired = parent_em.n_iter, parent_em.n_repaired
    if np.isnan(parent.criterion):
        # A refinement that failed numerically is replaced by a fresh k-means
        # start, as the authors' code does.
        k = rng.randint(settings.min_components, settings.max_components + 1)
        fresh, repaired = kmeans_parameters(
            X, k, settings, rng.randint(_SEED_BOUND), sample_weight
        )
        parent, parent_em = refine(
            X, Individual(fresh), settings, n_samples, sample_weight
        )
        n_em_iter += parent_em.n_iter
        n_repaired += 1 + repaired + parent_em.n_repaired
    n_collapsed = parent.n_collapsed
    children = []
    for _ in range(n_children):
        child, n_iter, repaired = _child(
            X, parent, parent_em, settings, rng, sample_weight, n_samples
        )
        children.append(child)
        n_em_iter += n_iter
        n_repaired += repaired
        n_collapsed += child.n_collapsed
    return TaskResult(parent, children, n_em_iter, n_repaired, n_collapsed)


def _child(X, parent, parent_em, settings, rng, sample_weight, n_samples):
    """One child of a refined parent, refined; the parent learns the outcome."""
    operator = feasible_operator(
        choose_operator(parent.last_operator, parent.improved, rng),
        parent.n_components,
        settings.min_components,
        settings.max_components,
    )
    used = []
    child_parameters, repaired = mutate(
        X,
        parent.parameters,
        parent_em.e_step,
        operator,
        settings.strategies,
        settings.min_components,
        settings.max_components,
        rng,
        sample_weight=sample_weight,
        reg_covar=settings.reg_covar,
        mutation=settings.mutation,
        exclude=(
            parent.tried.get(operator, frozenset())
            if "memory" in settings.mechanisms
            else ()
        ),
        used=used,
    )
    child, n_iter, n_refine_repaired = refine_child(
        X, Individual(child_parameters), parent, settings, n_samples, sample_weight
    )
    # Parent and child both carry the outcome of this attempt: a parent whose
    # child lost must not repeat the losing operator for ever.
    improved = bool(child.sort_key() < parent.sort_key())
    child.last_operator, child.improved = operator, improved
    if "outcome" in settings.mechanisms:
        parent.last_operator, parent.improved = operator, improved
    if not improved:
        parent.tried = {
            **parent.tried,
            operator: parent.tried.get(operator, frozenset()) | frozenset(used),
        }
    return child, n_iter, repaired + n_refine_repaired


def allocate_children(population, n_children):
    """How many children each individual makes: ``n_children`` dealt in rank order.

    A population with fewer distinct mixtures than children gives its best
    ones several each, which then try several candidates per generation.
    """
    counts = [0] * len(population)
    for index in range(n_children):
        counts[index % len(population)] += 1
    return counts


def same_model(first, second):
    """Whether two individuals are copies of one mixture, as far as selection sees.

    Two individuals on the way to one optimum differ by EM's slow last steps
    only, less than 1e-4 of the criterion.
    """
    if first.n_components != second.n_components:
        return False
    scale = max(abs(first.sort_key()), 1.0)
    return abs(first.sort_key() - second.sort_key()) <= _SAME_MODEL * scale


def _aligned(first, second):
    """Whether two copies number their components alike (means within 0.1 sd)."""
    scale = np.sqrt(
        np.trace(first.parameters.full_covariances(), axis1=1, axis2=2)
        / first.parameters.n_features
    )
    distance = np.linalg.norm(first.parameters.means - second.parameters.means, axis=1)
    return bool(np.all(distance <= 0.1 * scale))


def select(candidates, population_size, distinct_only=True):
    """The ``population_size`` best candidates, copies of a better one last.

    A population of copies mutates one mixture many times over and refines
    the same children; keeping distinct mixtures keeps the search wide.
    """
    ranked = sorted(candidates, key=Individual.sort_key)
    if not distinct_only:
        return ranked[:population_size]
    distinct = []
    for individual in ranked:
        kept = next((kept for kept in distinct if same_model(individual, kept)), None)
        if kept is None:
            distinct.append(individual)
        elif _aligned(individual, kept):
            # The copy's failed candidates are the kept one's too.
            kept.tried = {
                operator: kept.tried.get(operator, frozenset())
                | individual.tried.get(operator, frozenset())
                for operator in {*kept.tried, *individual.tried}
            }
    chosen = distinct[:population_size]
    return chosen


def initial_components(min_components, max_components, population_size):
    """k linearly spaced over [max(min_components, 2), max_components]."""
    low = min(max(min_components, 2), max_components)
    return np.floor(np.linspace(low, max_components, population_size)).astype(int)


class GenerationRecord(NamedTuple):
    generation: int
    elapsed: float
    best_criterion: float
    best_n_components: int
    n_em_iter: int
    population_n_components: tuple


class SearchResult(NamedTuple):
    best: Individual
    population: list
    history: list
    n_em_iter: int
    n_repaired: int
    n_generations: int
    n_collapsed: int = 0


def evolve(
    X,
    population,
    settings,
    rng,
    *,
    population_size,
    max_generations,
    n_stall_generations,
    max_time=None,
    n_jobs=None,
    sample_weight=None,
    verbose=0,
    verbose_interval=1,
    start=None,
):
    """Run the generations of ESM-EM from an initial population.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    population : list of Individual
    settings : SearchSettings
    rng : RandomState
        Source of every task's seed.
    start : float, default=None
        ``time.perf_counter()`` at which the search began (so that ``max_time``
        and the history's elapsed times count the initialisation); None: now.

    Returns
    -------
    SearchResult
    """
    start = time.perf_counter() if start is None else start
    n_samples = X.shape[0] if sample_weight is None else float(sample_weight.sum())
    if settings.data_covariance is None:
        settings = settings._replace(data_covariance=data_covariance(X, sample_weight))
    # Improvements of the best criterion smaller than tol per sample count as
    # a stall (the paper: an absolute 1e-5 on an MDL of order N).
    # The refinements' own tolerance: an improvement smaller than EM's last
    # steps make is no progress of the search.
    stall_threshold = _REFINE_TOL * n_samples
    history = []
    best = None
    best_previous = np.inf
    n_stall = 0
    n_em_iter_total = 0
    n_repaired_total = 0
    n_collapsed_total = 0
    generation = 0
    runner = TaskRunner(n_jobs)
    for generation in range(1, max_generations + 1):
        seeds = rng.randint(_SEED_BOUND, size=len(population))
        counts = allocate_children(population, population_size)
        arguments = [
            (X, individual, settings, seed, n_samples, sample_weight, count)
            for individual, seed, count in zip(population, seeds, counts, strict=True)
        ]
        # Largest individuals first, as a task's time grows with its number
        # of components: the last task to finish is then a small one, and
        # the workers end together.
        order = sorted(
            range(len(population)),
            key=lambda index: -population[index].n_components * counts[index],
        )
        results = runner.map("generation", generation_task, arguments, order)
        parents = [result.parent for result in results]
        children = [child for result in results for child in result.children]
        n_em_iter_total += sum(result.n_em_iter for result in results)
        n_repaired_total += sum(result.n_repaired for result in results)
        n_collapsed_total += sum(result.n_collapsed for result in results)
        population = select(
            parents + children,
            population_size,
            distinct_only="distinct" in settings.mechanisms,
        )
        # The best mixture ever met, not the population's: EM with
        # reg_covar is monotone only to rounding, and a survivor's
        # criterion can move up by 1e-9 once it has converged. A longer
        # search then never returns a worse mixture.
        if best is None or population[0].sort_key() < best.sort_key():
            best = population[0]
        history.append(
            GenerationRecord(
                generation,
                time.perf_counter() - start,
                best.criterion,
                best.n_components,
                n_em_iter_total,
                tuple(individual.n_components for individual in population),
            )
        )
        if verbose and generation % verbose_interval == 0:
            print(
                f"Generation {generation}\t best criterion {best.criterion:.5f}"
                f"\t k={best.n_components}\t time {history[-1].elapsed:.2f}s"
            )
        if best_previous - best.sort_key() < stall_threshold:
            n_stall += 1
            if n_stall >= n_stall_generations:
                break
        else:
            n_stall = 0
            best_previous = best.sort_key()
        if max_time is not None and time.perf_counter() - start >= max_time:
            break
    return SearchResult(
        best,
        population,
        history,
        n_em_iter_total,
        n_repaired_total,
        generation,
        n_collapsed_total,
    )
