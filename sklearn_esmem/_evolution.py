"""The evolutionary search of ESM-EM (ALGORITHM.md section 6).

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

from ._em import make_parameters, n_parameters, run_em
from ._kernels import gaussian_parameters
from ._mutation import PAPER, choose_operator, feasible_operator, mutate
from ._placement import TaskPlacement

_SEED_BOUND = np.iinfo(np.int32).max


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


class Individual:
    """One mixture of the population, with what selection and mutation need.

    Attributes
    ----------
    parameters : MixtureParameters
    criterion : float
        Its criterion after its latest refinement (NaN before any).
    last_operator : {"split", "merge"} or None
        The operator that created it.
    improved : bool or None
        Whether, once refined, it beat the parent it was created from
        (the Horta & Campello rule's memory).
    """

    def __init__(self, parameters, criterion=np.nan, last_operator=None, improved=None):
        self.parameters = parameters
        self.criterion = criterion
        self.last_operator = last_operator
        self.improved = improved

    @property
    def n_components(self):
        return self.parameters.n_components

    def sort_key(self):
        # NaN (never refined, or a failed refinement) sorts last.
        return np.inf if np.isnan(self.criterion) else self.criterion


class TaskResult(NamedTuple):
    parent: Individual
    child: Individual
    n_em_iter: int
    n_repaired: int


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
    unbounded likelihood with a few points, and measured on the 7 x 7 grid
    the search kept one on three nearly collinear points, a criterion above
    the optimum it could not leave: merges never pick it, as it shares
    no samples with its neighbours.
    """
    if covariance_type == "full":
        return n_features + 1
    return 1 if covariance_type == "tied" else 2


def refine(X, individual, settings, n_samples, sample_weight=None):
    """Run ``n_em_steps`` EM steps on an individual; return it and the EM result.

    A component whose weight falls below :func:`minimum_support` samples
    during the steps is dropped, never below ``min_components``.
    """
    support = minimum_support(X.shape[1], settings.covariance_type)
    result = run_em(
        X,
        individual.parameters,
        settings.n_em_steps,
        reg_covar=settings.reg_covar,
        sample_weight=sample_weight,
        tol=0.0,
        min_weight=support / n_samples,
        min_components=min(settings.min_components, individual.n_components),
    )
    criterion = criterion_value(
        settings.criterion, result.log_likelihood, result.parameters, n_samples
    )
    refined = Individual(
        result.parameters, criterion, individual.last_operator, individual.improved
    )
    return refined, result


def generation_task(X, individual, settings, seed, n_samples, sample_weight=None):
    """Refine a parent, mutate it, refine the child (one generation's work)."""
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
    operator = feasible_operator(
        choose_operator(parent.last_operator, parent.improved, rng),
        parent.n_components,
        settings.min_components,
        settings.max_components,
    )
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
    )
    child, child_em = refine(
        X,
        Individual(child_parameters, last_operator=operator),
        settings,
        n_samples,
        sample_weight,
    )
    child.improved = bool(child.sort_key() < parent.sort_key())
    return TaskResult(
        parent,
        child,
        n_em_iter + child_em.n_iter,
        n_repaired + repaired + child_em.n_repaired,
    )


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
    # Improvements of the best criterion smaller than tol per sample count as
    # a stall (the paper: an absolute 1e-5 on an MDL of order N).
    stall_threshold = settings.tol * n_samples
    history = []
    best = None
    best_previous = np.inf
    n_stall = 0
    n_em_iter_total = 0
    n_repaired_total = 0
    generation = 0
    with TaskPlacement(n_jobs) as placement:
        for generation in range(1, max_generations + 1):
            seeds = rng.randint(_SEED_BOUND, size=len(population))
            arguments = [
                (X, individual, settings, seed, n_samples, sample_weight)
                for individual, seed in zip(population, seeds, strict=True)
            ]
            # A generation goes to the workers when the last one took long
            # enough to pay for the pool (._placement): the population changes
            # little between generations. Largest individuals first, as a
            # task's time grows with its number of components: the last task
            # to finish is then a small one, and the workers end together.
            order = sorted(
                range(len(population)),
                key=lambda index: -population[index].n_components,
            )
            results = placement.map("generation", generation_task, arguments, order)
            parents = [result.parent for result in results]
            children = [result.child for result in results]
            n_em_iter_total += sum(result.n_em_iter for result in results)
            n_repaired_total += sum(result.n_repaired for result in results)
            population = sorted(parents + children, key=Individual.sort_key)
            population = population[:population_size]
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
        best, population, history, n_em_iter_total, n_repaired_total, generation
    )
