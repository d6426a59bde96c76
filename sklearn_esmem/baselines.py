"""The two systems the paper compares ESM-EM against: OMR-EM and GA-EM.

:class:`OrderedMultipleRunsMixture` (OMR-EM) runs EM
from a k-means start for every k in turn, pass after pass, and keeps the best
mixture by the criterion. :class:`GeneticEMMixture` (GA-EM, section 8) is
Pernkopf & Bouchaffra's genetic algorithm, whose individuals are binary
encoded mixtures refined by a few EM steps per generation.

Both share the fitted state of :class:`~sklearn_esmem._base.BaseSearchMixture`
with :class:`~sklearn_esmem.EvolutionarySplitMergeMixture`, and the keys of
their ``history_`` records, so that all three can be compared on equal time.
Every random choice is drawn from ``random_state`` in the parent process,
which hands integer seeds to the tasks: the model is the same for any
``n_jobs`` and any joblib backend.
"""

import time
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from sklearn.utils._param_validation import Interval

from . import criteria
from ._base import BaseSearchMixture, SearchOutcome
from ._degeneracy import collapsed_in, data_covariance
from ._em import (
    drop_components,
    e_step,
    from_full_covariances,
    log_likelihood,
    make_parameters,
    run_em,
)
from ._evolution import SearchSettings, criterion_value, kmeans_parameters
from ._parallel import TaskRunner

__all__ = ["GeneticEMMixture", "OrderedMultipleRunsMixture"]

_SEED_BOUND = np.iinfo(np.int32).max
# Added to a degenerate run's criterion for ranking, as in ESM-EM's selection.
_DEGENERATE_RANK = 1e300

# k-means iterations of OMR-EM's starts (the authors' code) and of GA-EM's
# initial population (MATLAB's default, as the authors' GA-EM calls it).
_OMR_KMEANS_ITER = 5
_GA_KMEANS_ITER = 100


def _sort_key(criterion):
    return np.inf if np.isnan(criterion) else criterion


def _record(generation, start, best_criterion, best_n_components, n_em_iter, ks):
    """One history record, with the keys of ESM-EM's records."""
    return {
        "generation": generation,
        "elapsed": time.perf_counter() - start,
        "best_criterion": best_criterion,
        "best_n_components": best_n_components,
        "n_em_iter": n_em_iter,
        "population_n_components": tuple(ks),
    }


def _out_of_time(max_time, start):
    return max_time is not None and time.perf_counter() - start >= max_time


def _print_progress(estimator, unit, record):
    if estimator.verbose and record["generation"] % estimator.verbose_interval == 0:
        print(
            f"{unit} {record['generation']}\t best criterion "
            f"{record['best_criterion']:.5f}\t k={record['best_n_components']}"
            f"\t time {record['elapsed']:.2f}s"
        )


# -- OMR-EM -------------------------------------------------------------------


class _Run(NamedTuple):
    """One EM run of OMR-EM."""

    parameters: object
    criterion: float
    n_em_iter: int
    n_repaired: int
    # With a component collapsed onto a lower-dimensional set of the data
    # (._degeneracy): it ranks after every sound run.
    degenerate: bool = False

    def sort_key(self):
        key = _sort_key(self.criterion)
        return key + _DEGENERATE_RANK if self.degenerate else key


def _omr_run(X, n_components, seed, settings, max_iter, n_samples, sample_weight):
    """k-means start with random seeds, then EM to convergence."""
    start, n_repaired = kmeans_parameters(
        X, n_components, settings, seed, sample_weight
    )
    result = run_em(
        X,
        start,
        max_iter,
        reg_covar=settings.reg_covar,
        sample_weight=sample_weight,
        tol=settings.tol,
        min_weight=1.0 / n_samples,
    )
    criterion = criterion_value(
        settings.criterion, result.log_likelihood, result.parameters, n_samples
    )
    return _Run(
        result.parameters,
        criterion,
        int(result.n_iter),
        int(n_repaired + result.n_repaired),
        bool(
            collapsed_in(
                result.parameters, settings.data_covariance, settings.reg_covar
            ).any()
        ),
    )


class OrderedMultipleRunsMixture(BaseSearchMixture):
    """Gaussian mixture whose number of components is found by OMR-EM.

    Ordered multiple runs of EM, the paper's first baseline (its Algorithm 1):
    ``n_passes`` passes, each of which runs EM to convergence from a k-means
    start for every number of components k from ``min_components`` to
    ``max_components``; the mixture with the lowest criterion over all runs
    is kept. The passes are the time unit of the paper's time-budget
    experiment, so ``history_`` has one record per pass.

    Each run starts from k-means with random objects as seeds and at most 5
    iterations, then runs EM until the mean log-likelihood per sample changes
    by less than ``tol``, or for ``max_iter_per_run`` iterations.

    Parameters
    ----------
    min_components : int, default=1
        Smallest k tried. The paper starts at 2; with the default 1, the
        single Gaussian is tried too.

    max_components : int, default=None
        Largest k tried; None means ``ceil(sqrt(n_samples))``.

    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
        As in :class:`~sklearn.mixture.GaussianMixture`.

    criterion : {"mdl", "bic", "aic"}, default="mdl"
        Criterion that chooses the best run.

    n_passes : int, default=10
        Number of passes over k (the paper's n_p).

    max_iter_per_run : int, default=1000
        Most EM iterations of one run.

    max_time : float, default=None
        Wall-clock budget of the whole fit in seconds; None means no budget.
        The search checks it after every run, and a pass cut short is
        recorded in ``history_``; the final EM checks it between iterations,
        and a final EM it stops before convergence gives a
        ``ConvergenceWarning``. See :ref:`time-budgets`.

    tol : float, default=1e-3
        Convergence threshold of every run and of the final EM (change of the
        mean log-likelihood per sample).

    reg_covar : float, default=1e-6
        Non-negative regularisation added to the diagonal of covariances.

    max_iter : int, default=100
        EM iterations of the final polish of the best mixture (which has
        already converged, so this usually stops after one iteration).

    n_jobs : int, default=None
        Number of jobs running the runs of a pass in parallel over k, through
        joblib. The first pass starts in this process; a later one goes to
        the pool when the previous pass took at least 0.05 s, or, while this
        process's pool has not been used in the last few minutes (starting
        its workers costs 1 to 2 s), 0.5 s with at least 4 s of work left in
        the passes to come. The result does not depend on it.

    random_state : int, RandomState instance or None, default=None
        Controls the k-means seeds of every run.

    warm_start : bool, default=False
        Accepted for a uniform API and ignored: the runs of OMR-EM are
        independent, so there is no state to continue from, and every ``fit``
        starts its passes afresh, whatever parameters changed.

    verbose : int, default=0
        Print the best criterion every ``verbose_interval`` passes.

    verbose_interval : int, default=1
        Passes between two messages.

    Attributes
    ----------
    n_components_ : int
        Number of components of the fitted mixture.

    weights_ : ndarray of shape (n_components_,)
    means_ : ndarray of shape (n_components_, n_features)
    covariances_ : ndarray
        In :class:`~sklearn.mixture.GaussianMixture`'s layout.
    precisions_ : ndarray
    precisions_cholesky_ : ndarray
    converged_ : bool
        Whether the final EM converged.
    n_iter_ : int
        Iterations of the final EM.
    lower_bound_ : float
        Mean log-likelihood per sample of the fitted mixture on the data.
    criterion_ : float
        Value of ``criterion`` for the fitted mixture.
    labels_ : ndarray of shape (n_samples,)
        Most probable component of each training sample.
    history_ : list of dict
        One record per pass: ``generation`` (the pass number), ``elapsed``
        (seconds), ``best_criterion`` and ``best_n_components`` (over all
        runs so far), ``n_em_iter`` (cumulative) and
        ``population_n_components`` (the k of every run of the pass, after EM
        dropped any emptied component).
    n_em_iter_total_ : int
        EM iterations spent by the search.
    n_passes_ : int
        Passes run, counting one cut short by ``max_time``.
    n_repaired_ : int
        Covariances repaired during the search.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined only when X has feature names that are all strings.

    See Also
    --------
    EvolutionarySplitMergeMixture : ESM-EM, the paper's method.
    GeneticEMMixture : GA-EM, the paper's other baseline.
    sklearn.mixture.GaussianMixture : EM for a given number of components.

    Notes
    -----
    Deviations from the authors' code: their k-means start adds 0.1 to every
    cluster's share before normalising the weights, and their EM stops on a
    relative log-likelihood tolerance of 1e-6 with a fixed regularisation of
    1e-5; here the start is :class:`~sklearn_esmem.EvolutionarySplitMergeMixture`'s
    k-means start and EM uses ``tol`` and ``reg_covar`` as scikit-learn's
    mixtures do. A component that EM empties (weight below one sample) is
    dropped, so a run may end with fewer than k components.

    References
    ----------
    .. [1] T. F. Covões, E. R. Hruschka and J. Ghosh, "Evolving Gaussian
       mixture models with splitting and merging mutation operators",
       Evolutionary Computation 24(2):293-317, 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_esmem import OrderedMultipleRunsMixture
    >>> rng = np.random.RandomState(0)
    >>> X = np.vstack([rng.normal(-5, 1, (100, 2)), rng.normal(5, 1, (100, 2))])
    >>> est = OrderedMultipleRunsMixture(n_passes=2, random_state=0).fit(X)
    >>> est.n_components_
    2
    >>> est.n_passes_, len(est.history_)
    (2, 2)
    >>> est.predict([[-5, -5], [5, 5]]).tolist() in ([0, 1], [1, 0])
    True
    """

    _parameter_constraints: dict = {
        **BaseSearchMixture._parameter_constraints,
        "n_passes": [Interval(Integral, 1, None, closed="left")],
        "max_iter_per_run": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        min_components=1,
        max_components=None,
        covariance_type="full",
        criterion="mdl",
        n_passes=10,
        max_iter_per_run=1000,
        max_time=None,
        tol=1e-3,
        reg_covar=1e-6,
        max_iter=100,
        n_jobs=None,
        random_state=None,
        warm_start=False,
        verbose=0,
        verbose_interval=1,
    ):
        self.min_components = min_components
        self.max_components = max_components
        self.covariance_type = covariance_type
        self.criterion = criterion
        self.n_passes = n_passes
        self.max_iter_per_run = max_iter_per_run
        self.max_time = max_time
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval

    def _search(self, X, sample_weight, min_components, max_components, random_state):
        settings = SearchSettings(
            covariance_type=self.covariance_type,
            criterion=criteria.CRITERIA[self.criterion],
            strategies=None,
            min_components=min_components,
            max_components=max_components,
            n_em_steps=self.max_iter_per_run,
            reg_covar=self.reg_covar,
            tol=self.tol,
            n_kmeans_iter=_OMR_KMEANS_ITER,
            data_covariance=data_covariance(X, sample_weight),
        )
        n_samples = X.shape[0] if sample_weight is None else float(sample_weight.sum())
        ks = list(range(min_components, max_components + 1))
        start = time.perf_counter()
        best = None
        history = []
        n_em_iter = n_repaired = 0
        out_of_time = False
        # Runs are handed back in order, one at a time here and a round of
        # workers' at a time pooled, so the budget is checked between them.
        placement = TaskRunner(self.n_jobs)
        for n_pass in range(1, self.n_passes + 1):
            seeds = random_state.randint(_SEED_BOUND, size=len(ks))
            arguments = [
                (
                    X,
                    k,
                    seed,
                    settings,
                    self.max_iter_per_run,
                    n_samples,
                    sample_weight,
                )
                for k, seed in zip(ks, seeds, strict=True)
            ]
            runs = placement.imap("pass", _omr_run, arguments)
            run_ks = []
            try:
                for run in runs:
                    n_em_iter += run.n_em_iter
                    n_repaired += run.n_repaired
                    run_ks.append(run.parameters.n_components)
                    # Strictly lower: of equal runs, the first (lowest k,
                    # earliest pass) is kept.
                    if best is None or run.sort_key() < best.sort_key():
                        best = run
                    if _out_of_time(self.max_time, start):
                        out_of_time = True
                        break
            finally:
                # Cancels the runs not started when out of time.
                runs.close()
            history.append(
                _record(
                    n_pass,
                    start,
                    best.criterion,
                    best.parameters.n_components,
                    n_em_iter,
                    run_ks,
                )
            )
            _print_progress(self, "Pass", history[-1])
            if out_of_time:
                break
        self.n_passes_ = len(history)
        return SearchOutcome(best.parameters, history, n_em_iter, n_repaired)


# -- GA-EM --------------------------------------------------------------------


class _GAIndividual:
    """One individual of GA-EM: a binary mask over component slots.

    Every slot holds a mean and a full covariance, active or not, so that a
    bit flipped on revives the component that the slot last held. The mixture
    is made of the active slots; ``weights`` are those of its last EM run,
    used only when the individual is the elitist (everyone else starts EM
    from uniform weights).

    Parameters
    ----------
    active : ndarray of bool, shape (n_slots,)
    means : ndarray of shape (n_slots, n_features)
    covariances : ndarray of shape (n_slots, n_features, n_features)
        Full covariances, whatever the estimator's ``covariance_type``.
    weights : ndarray of shape (n_slots,), default=None
        Zero for inactive slots; None means uniform.
    criterion : float, default=NaN
        Criterion after the last EM run; NaN before any, or when the
        individual has too few components to be evaluated.
    covariance_type : {"full", "tied", "diag", "spherical"}, default=None
        The type its covariances were estimated as (the slots hold their
        full matrices); None for an individual made by hand.
    """

    def __init__(
        self,
        active,
        means,
        covariances,
        weights=None,
        criterion=np.nan,
        covariance_type=None,
    ):
        self.active = np.asarray(active, dtype=bool)
        self.means = np.asarray(means, dtype=float)
        self.covariances = np.asarray(covariances, dtype=float)
        self.weights = weights
        self.criterion = criterion
        self.covariance_type = covariance_type

    @property
    def n_components(self):
        return int(self.active.sum())

    @property
    def n_slots(self):
        return self.active.shape[0]

    def copy(self):
        return _GAIndividual(
            self.active.copy(),
            self.means.copy(),
            self.covariances.copy(),
            None if self.weights is None else self.weights.copy(),
            self.criterion,
            self.covariance_type,
        )

    def sort_key(self):
        return _sort_key(self.criterion)

    def parameters(self, covariance_type, reg_covar=0.0, keep_weights=False):
        """The mixture of the active slots, in ``covariance_type``'s layout.

        Returns
        -------
        parameters : MixtureParameters
        n_repaired : int
        """
        slots = self.active
        if keep_weights and self.weights is not None:
            weights = self.weights[slots]
        else:
            weights = np.full(self.n_components, 1.0 / self.n_components)
        covariances = from_full_covariances(
            self.covariances[slots], covariance_type, weights
        )
        return make_parameters(
            weights, self.means[slots], covariances, covariance_type, reg_covar
        )

    def with_parameters(self, parameters, criterion):
        """A copy whose active slots hold ``parameters`` (as many components)."""
        child = self.copy()
        slots = np.flatnonzero(child.active)
        child.means[slots] = parameters.means
        child.covariances[slots] = parameters.full_covariances()
        child.weights = np.zeros(child.n_slots)
        child.weights[slots] = parameters.weights
        child.criterion = criterion
        child.covariance_type = parameters.covariance_type
        return child


class _GASettings(NamedTuple):
    """Everything a GA-EM task needs besides the data and the individual."""

    covariance_type: str
    criterion: object
    min_components: int
    n_em_steps: int
    reg_covar: float
    correlation_threshold: float
    mutation_probability: float
    annihilation_threshold: float
    n_samples: float
    lower: np.ndarray  # the corners of the data's bounding box
    upper: np.ndarray
    data_covariance: np.ndarray = None  # for collapsed components


def _uniform_responsibilities(X, individual, covariance_type, reg_covar):
    """Responsibilities of the active slots under uniform weights."""
    parameters, _ = individual.parameters(covariance_type, reg_covar)
    return e_step(X, parameters).resp


def _random_rows(X, n_rows, rng, sample_weight=None):
    """Rows of X drawn at random, a sample as often as its weight says."""
    p = None if sample_weight is None else sample_weight / sample_weight.sum()
    return X[rng.choice(X.shape[0], size=n_rows, p=p)]


def _weighted_correlation(resp, sample_weight=None):
    """Pearson correlation between the columns of ``resp``.

    A constant column (a component far from every sample) correlates with
    nothing: its entries are NaN, and a NaN never exceeds a threshold.
    """
    w = np.ones(resp.shape[0]) if sample_weight is None else sample_weight
    centred = resp - (w @ resp) / w.sum()
    covariance = (centred * w[:, np.newaxis]).T @ centred
    scale = np.sqrt(np.diag(covariance))
    with np.errstate(divide="ignore", invalid="ignore"):
        return covariance / np.outer(scale, scale)


def _crossover(parent1, parent2, cut):
    """Single-point crossover of two individuals at slot ``cut``.

    The first child takes the slots before ``cut`` (bits, means and
    covariances) from ``parent1`` and the rest from ``parent2``; the second
    child the complement. Both start their next EM from uniform weights.
    """
    children = []
    for head, tail in ((parent1, parent2), (parent2, parent1)):
        children.append(
            _GAIndividual(
                np.concatenate([head.active[:cut], tail.active[cut:]]),
                np.concatenate([head.means[:cut], tail.means[cut:]]),
                np.concatenate([head.covariances[:cut], tail.covariances[cut:]]),
                covariance_type=head.covariance_type,
            )
        )
    return children


def _enforced_mutation(X, individual, rng, settings, sample_weight=None):
    """Break up components whose responsibilities are too correlated.

    For every pair of active components whose responsibilities (under uniform
    weights) correlate with ``|r| > correlation_threshold``, one of the two is
    picked at random; each picked component is then, with probability 1/2,
    deactivated, or else moved to a random sample.
    """
    if individual.n_components < 2:
        return individual.copy()
    resp = _uniform_responsibilities(
        X, individual, settings.covariance_type, settings.reg_covar
    )
    with np.errstate(invalid="ignore"):
        too_correlated = np.abs(_weighted_correlation(resp, sample_weight)) > (
            settings.correlation_threshold
        )
    first, second = np.nonzero(np.triu(too_correlated, k=1))
    picked = np.unique(np.where(rng.uniform(size=first.size) < 0.5, first, second))
    slots = np.flatnonzero(individual.active)[picked]
    deactivate = rng.uniform(size=slots.size) < 0.5
    mutant = individual.copy()
    mutant.active[slots[deactivate]] = False
    moved = slots[~deactivate]
    mutant.means[moved] = _random_rows(X, moved.size, rng, sample_weight)
    return mutant


def _mutation(individual, rng, mutation_probability, lower, upper):
    """Uniform mutation: flip bits, and move means to uniform random points.

    Every bit flips with probability ``mutation_probability``; independently,
    every slot's mean is replaced, with probability ``mutation_probability /
    L`` (L = M + M (M + 1) / 2, the parameters of one component), by a point
    drawn uniformly, coordinate by coordinate, in the box ``[lower, upper]``.
    """
    n_slots, n_features = individual.means.shape
    n_component_parameters = n_features + n_features * (n_features + 1) / 2
    mutant = individual.copy()
    flip = rng.uniform(size=n_slots) < mutation_probability
    mutant.active[flip] = ~mutant.active[flip]
    move = np.flatnonzero(
        rng.uniform(size=n_slots) < mutation_probability / n_component_parameters
    )
    mutant.means[move] = lower + (upper - lower) * rng.uniform(
        size=(move.size, n_features)
    )
    return mutant


def _annihilation(X, individual, settings, sample_weight=None):
    """Deactivate every component that explains too few samples.

    A component is annihilated when its summed responsibility (under uniform
    weights, samples weighted by ``sample_weight``) is below
    ``annihilation_threshold``. An individual left with no component is
    discarded by the next selection.
    """
    if individual.n_components == 0:
        return individual.copy()
    resp = _uniform_responsibilities(
        X, individual, settings.covariance_type, settings.reg_covar
    )
    summed = resp.sum(axis=0) if sample_weight is None else sample_weight @ resp
    mutant = individual.copy()
    slots = np.flatnonzero(individual.active)
    mutant.active[slots[summed < settings.annihilation_threshold]] = False
    return mutant


def _mutate_task(X, individual, seed, settings, sample_weight=None):
    """Enforced mutation, mutation and annihilation of one individual."""
    rng = np.random.RandomState(seed)
    mutant = _enforced_mutation(X, individual, rng, settings, sample_weight)
    mutant = _mutation(
        mutant, rng, settings.mutation_probability, settings.lower, settings.upper
    )
    mutant = _annihilation(X, mutant, settings, sample_weight)
    mutant.criterion = np.nan  # stale until its next EM run
    return mutant


def _refine_task(X, individual, keep_weights, settings, sample_weight=None):
    """Run the EM steps of one generation on an individual.

    Returns the refined individual, the EM iterations and the repairs. An
    individual with fewer than ``min_components`` components is not
    evaluated (its criterion is NaN and it sorts last), as the authors' code
    does for k <= 1.
    """
    if individual.n_components < max(settings.min_components, 1):
        unevaluated = individual.copy()
        unevaluated.criterion = np.nan
        return unevaluated, 0, 0
    parameters, n_repaired = individual.parameters(
        settings.covariance_type, settings.reg_covar, keep_weights
    )
    result = run_em(
        X,
        parameters,
        settings.n_em_steps,
        reg_covar=settings.reg_covar,
        sample_weight=sample_weight,
        tol=0.0,
    )
    parameters, log_lik = result.parameters, result.log_likelihood
    refined = individual.copy()
    # A component emptied by EM (less than one sample's worth) has no
    # covariance of its own: its slot is switched off, as ESM-EM's refinement
    # drops it, and the remaining mixture is evaluated.
    kept = parameters.weights >= 1.0 / settings.n_samples
    if settings.data_covariance is not None:
        # A component collapsed onto repeated or discretised values wins on
        # the data's rounding: it is switched off too.
        kept &= ~collapsed_in(parameters, settings.data_covariance, settings.reg_covar)
    if not kept.all() and kept.any():
        refined.active[np.flatnonzero(refined.active)[~kept]] = False
        parameters = drop_components(parameters, kept, settings.reg_covar)
        log_lik = log_likelihood(e_step(X, parameters), sample_weight)
        n_repaired += 1
    criterion = criterion_value(
        settings.criterion, log_lik, parameters, settings.n_samples
    )
    if refined.n_components < settings.min_components:
        criterion = np.nan
    refined = refined.with_parameters(parameters, criterion)
    return refined, int(result.n_iter), int(n_repaired + result.n_repaired)


def _initial_task(
    X, n_components, n_slots, seed, settings, spare_covariance, sample_weight
):
    """k-means start in the first slots; spare slots hold random samples."""
    rng = np.random.RandomState(seed)
    kmeans_seed = rng.randint(_SEED_BOUND)
    parameters, n_repaired = kmeans_parameters(
        X, n_components, settings, kmeans_seed, sample_weight
    )
    k = parameters.n_components
    active = np.zeros(n_slots, dtype=bool)
    active[:k] = True
    means = _random_rows(X, n_slots, rng, sample_weight)
    means[:k] = parameters.means
    covariances = np.repeat(spare_covariance[np.newaxis], n_slots, axis=0)
    covariances[:k] = parameters.full_covariances()
    # No weights: the first EM of every individual starts from uniform ones.
    individual = _GAIndividual(
        active, means, covariances, covariance_type=settings.covariance_type
    )
    return individual, n_repaired


def _initial_components(min_components, max_components, population_size, rng):
    """Every k of the range once, in random order, then random k's."""
    low = min(max(min_components, 2), max_components)
    ks = rng.permutation(np.arange(low, max_components + 1))
    n_extra = max(population_size - ks.size, 0)
    return np.concatenate([ks, rng.randint(low, max_components + 1, size=n_extra)])


class GeneticEMMixture(BaseSearchMixture):
    """Gaussian mixture whose number of components is found by GA-EM.

    Pernkopf & Bouchaffra's genetic-based EM, the paper's second baseline.
    An individual encodes a mixture of at most ``max_components`` components
    as a binary string (which component slots are active) plus a mean and a
    covariance per slot. Each generation refines every individual by
    ``n_em_steps`` EM steps from uniform weights (the best individual found so
    far, the elitist, keeps its own), produces children by single-point
    crossover, refines them, keeps the ``population_size`` best of parents
    and children by the criterion, and then mutates every individual but the
    elitist: an *enforced mutation* removes or moves one of every pair of
    components whose responsibilities correlate too strongly, a uniform
    mutation flips bits and moves means, and *annihilation* removes
    components that explain fewer than ``annihilation_threshold`` samples.
    The search stops when the elitist's number of components has not changed
    for ``n_stall_generations`` generations; the elitist is then run to
    convergence by EM.

    The initial population has ``max(population_size, n_k)`` individuals,
    where the ``n_k`` values of k from ``max(min_components, 2)`` to
    ``max_components`` each appear once, in random order; each starts from
    k-means.

    Parameters
    ----------
    min_components : int, default=1
        Fewest components a mixture may have: an individual with fewer is
        not evaluated and is discarded by selection. The paper (like the
        authors' code) uses 2; with the default 1, a single Gaussian is
        reached when the operators remove components.

    max_components : int, default=None
        Number of component slots, the most components a mixture may have;
        None means ``ceil(sqrt(n_samples))``.

    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
        As in :class:`~sklearn.mixture.GaussianMixture`. The slots hold full
        covariances; the mixture EM refines is their projection onto this
        type.

    criterion : {"mdl", "bic", "aic"}, default="mdl"
        Criterion minimised by the selection.

    population_size : int, default=10
        Individuals kept by the selection (K).

    n_em_steps : int, default=5
        EM iterations that refine each individual per generation (R).

    crossover_probability : float, default=0.8
        Each generation produces ``round(crossover_probability * K)``
        children (H).

    mutation_probability : float, default=0.05
        Probability of flipping each bit; a mean is moved with probability
        ``mutation_probability / L``, with L = M + M (M + 1) / 2.

    correlation_threshold : float, default=0.95
        Enforced mutation acts on pairs of components whose responsibilities
        correlate above this, in absolute value.

    annihilation_threshold : float, default=10.0
        Components whose summed responsibility (in samples, or in units of
        ``sample_weight``) is below this are removed.

    n_stall_generations : int, default=5
        Stop after this many consecutive generations in which the elitist's
        number of components did not change.

    max_generations : int, default=50
        Most generations: a safety cap, as the stopping rule above has none.

    max_time : float, default=None
        Wall-clock budget of the whole fit in seconds; None means no budget.
        The search checks it between generations, and the final EM between
        iterations: a final EM it stops before convergence leaves the elitist
        barely polished (``n_iter_`` steps), with a ``ConvergenceWarning``.
        See :ref:`time-budgets`.

    tol : float, default=1e-3
        Convergence threshold of the final EM (change of the mean
        log-likelihood per sample).

    reg_covar : float, default=1e-6
        Non-negative regularisation added to the diagonal of covariances.

    max_iter : int, default=100
        EM iterations of the final polish of the elitist.

    n_jobs : int, default=None
        Number of jobs refining and mutating the population, through joblib.
        Each kind of batch (k-means starts, refinement of the parents, of
        the children, mutation) goes to the pool when its previous batch
        took at least 0.05 s, or 0.5 s while this process's pool has not
        been used in the last few minutes (starting its workers costs 1 to
        2 s); the first batch of each kind starts in this process, and moves
        its remaining tasks to a warm pool once they look long enough. The
        result does not depend on it.

    random_state : int, RandomState instance or None, default=None
        Controls every random choice of the search.

    warm_start : bool, default=False
        If True, ``fit`` continues from the last population (the best of it
        keeping its weights, as the elitist) instead of a new k-means
        initialisation, keeping the individuals that fit the new parameters
        and data: as many features, as many slots (``max_components``), the
        same ``covariance_type``, and a number of components between
        ``min_components`` and ``max_components``. The others are dropped,
        and the population is refilled to ``population_size`` with k-means
        starts, as a cold start makes them; when none fits, the fit starts
        afresh.

    verbose : int, default=0
        Print the best criterion every ``verbose_interval`` generations.

    verbose_interval : int, default=1
        Generations between two messages.

    Attributes
    ----------
    n_components_ : int
        Number of components of the fitted mixture.

    weights_ : ndarray of shape (n_components_,)
    means_ : ndarray of shape (n_components_, n_features)
    covariances_ : ndarray
        In :class:`~sklearn.mixture.GaussianMixture`'s layout.
    precisions_ : ndarray
    precisions_cholesky_ : ndarray
    converged_ : bool
        Whether the final EM converged.
    n_iter_ : int
        Iterations of the final EM.
    lower_bound_ : float
        Mean log-likelihood per sample of the fitted mixture on the data.
    criterion_ : float
        Value of ``criterion`` for the fitted mixture.
    labels_ : ndarray of shape (n_samples,)
        Most probable component of each training sample.
    history_ : list of dict
        One record per generation: ``generation``, ``elapsed`` (seconds),
        ``best_criterion`` and ``best_n_components`` (of the elitist),
        ``n_em_iter`` (cumulative) and ``population_n_components`` (after
        selection).
    n_em_iter_total_ : int
        EM iterations spent by the search.
    n_generations_ : int
        Generations run.
    n_repaired_ : int
        Covariances repaired or emptied components removed during the search.
    population_ : list
        The last selected population, from which ``warm_start`` continues.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined only when X has feature names that are all strings.

    See Also
    --------
    EvolutionarySplitMergeMixture : ESM-EM, the paper's method.
    OrderedMultipleRunsMixture : OMR-EM, the paper's other baseline.
    sklearn.mixture.GaussianMixture : EM for a given number of components.

    Notes
    -----
    The paper tuned p_m, p_c, t_corr and the annihilation threshold per data
    set; the defaults here are the authors' untuned values. Deviations from
    the authors' code (see the deviations page): the mutation draws each
    component's and each coordinate's move independently (their code draws
    one number for all coordinates and decays the probability from one
    individual to the next); spare slots of the k-means start hold the
    covariance ``trace(cov(X)) / (10 M) I`` of Figueiredo & Jain's start
    instead of the identity, so that the search does not depend on the units
    of the data; a component emptied by EM is switched off; the EM steps of a
    generation use ``reg_covar`` and no tolerance; and the final EM uses
    ``max_iter`` and ``tol``.

    As in the authors' code, the correlation is taken in absolute value, so
    the two components of a two-component individual, whose responsibilities
    always sum to one (correlation -1), are always subject to enforced
    mutation; this is how the search reaches a single component. The initial
    population is enlarged to hold every k once, and the first selection
    brings it back to ``population_size``.

    References
    ----------
    .. [1] F. Pernkopf and D. Bouchaffra, "Genetic-based EM algorithm for
       learning Gaussian mixture models", IEEE Transactions on Pattern
       Analysis and Machine Intelligence 27(8):1344-1348, 2005.
    .. [2] T. F. Covões, E. R. Hruschka and J. Ghosh, "Evolving Gaussian
       mixture models with splitting and merging mutation operators",
       Evolutionary Computation 24(2):293-317, 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_esmem import GeneticEMMixture
    >>> rng = np.random.RandomState(0)
    >>> X = np.vstack([rng.normal(-5, 1, (100, 2)), rng.normal(5, 1, (100, 2))])
    >>> est = GeneticEMMixture(random_state=0).fit(X)
    >>> est.n_components_
    2
    >>> est.n_generations_ == len(est.history_)
    True
    >>> est.predict([[-5, -5], [5, 5]]).tolist() in ([0, 1], [1, 0])
    True
    """

    _parameter_constraints: dict = {
        **BaseSearchMixture._parameter_constraints,
        "population_size": [Interval(Integral, 1, None, closed="left")],
        "n_em_steps": [Interval(Integral, 1, None, closed="left")],
        "crossover_probability": [Interval(Real, 0.0, 1.0, closed="both")],
        "mutation_probability": [Interval(Real, 0.0, 1.0, closed="both")],
        "correlation_threshold": [Interval(Real, 0.0, 1.0, closed="both")],
        "annihilation_threshold": [Interval(Real, 0.0, None, closed="left")],
        "n_stall_generations": [Interval(Integral, 1, None, closed="left")],
        "max_generations": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        min_components=1,
        max_components=None,
        covariance_type="full",
        criterion="mdl",
        population_size=10,
        n_em_steps=5,
        crossover_probability=0.8,
        mutation_probability=0.05,
        correlation_threshold=0.95,
        annihilation_threshold=10.0,
        n_stall_generations=5,
        max_generations=50,
        max_time=None,
        tol=1e-3,
        reg_covar=1e-6,
        max_iter=100,
        n_jobs=None,
        random_state=None,
        warm_start=False,
        verbose=0,
        verbose_interval=1,
    ):
        self.min_components = min_components
        self.max_components = max_components
        self.covariance_type = covariance_type
        self.criterion = criterion
        self.population_size = population_size
        self.n_em_steps = n_em_steps
        self.crossover_probability = crossover_probability
        self.mutation_probability = mutation_probability
        self.correlation_threshold = correlation_threshold
        self.annihilation_threshold = annihilation_threshold
        self.n_stall_generations = n_stall_generations
        self.max_generations = max_generations
        self.max_time = max_time
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval

    def _search(self, X, sample_weight, min_components, max_components, random_state):
        settings = _GASettings(
            covariance_type=self.covariance_type,
            criterion=criteria.CRITERIA[self.criterion],
            min_components=min_components,
            n_em_steps=self.n_em_steps,
            reg_covar=self.reg_covar,
            correlation_threshold=self.correlation_threshold,
            mutation_probability=self.mutation_probability,
            annihilation_threshold=self.annihilation_threshold,
            n_samples=X.shape[0] if sample_weight is None else sample_weight.sum(),
            lower=X.min(axis=0),
            upper=X.max(axis=0),
            data_covariance=data_covariance(X, sample_weight),
        )
        start = time.perf_counter()
        population = self._warm_population(X, min_components, max_components)
        n_missing = self.population_size - len(population)
        ks = np.zeros(0, dtype=int)
        if not population:
            ks = _initial_components(
                min_components, max_components, self.population_size, random_state
            )
        elif n_missing > 0:
            # A warm start's usable individuals fall short of
            # population_size: k-means starts make up the difference.
            ks = _initial_components(
                min_components, max_components, n_missing, random_state
            )[:n_missing]
        history = []
        n_em_iter = n_repaired = n_stall = 0
        previous_k = None
        placement = TaskRunner(self.n_jobs)
        if ks.size:
            fresh, n_repaired = self._kmeans_population(
                placement, X, ks, max_components, random_state, sample_weight
            )
            population = population + fresh
        # The first individual stands in for the elitist until one is
        # evaluated: a warm start's best keeps its weights this way (a
        # new individual has none, and starts from uniform weights).
        elitist = population[0]
        for generation in range(1, self.max_generations + 1):
            parents = _refine_all(
                placement,
                "parents",
                X,
                population,
                elitist,
                settings,
                sample_weight,
            )
            children = self._recombine(parents.individuals, random_state)
            children = _refine_all(
                placement,
                "children",
                X,
                children,
                parents.elitist,
                settings,
                sample_weight,
            )
            elitist = children.elitist
            n_em_iter += parents.n_em_iter + children.n_em_iter
            n_repaired += parents.n_repaired + children.n_repaired
            # (K + H) truncation selection; sorted() is stable, so of
            # equal individuals the parents come first.
            population = sorted(
                parents.individuals + children.individuals,
                key=_GAIndividual.sort_key,
            )[: self.population_size]
            history.append(
                _record(
                    generation,
                    start,
                    elitist.criterion,
                    elitist.n_components,
                    n_em_iter,
                    [individual.n_components for individual in population],
                )
            )
            _print_progress(self, "Generation", history[-1])
            n_stall = n_stall + 1 if elitist.n_components == previous_k else 0
            previous_k = elitist.n_components
            if n_stall >= self.n_stall_generations:
                break
            if _out_of_time(self.max_time, start):
                break
            population = _mutate_all(
                placement,
                X,
                population,
                elitist,
                random_state,
                settings,
                sample_weight,
            )
        self.population_ = population
        self.n_generations_ = len(history)
        parameters, _ = elitist.parameters(
            self.covariance_type, self.reg_covar, keep_weights=True
        )
        return SearchOutcome(parameters, history, n_em_iter, n_repaired)

    def _recombine(self, population, rng):
        """H = round(p_c K) children of random pairs, by single-point crossover.

        Pairs of children are made until there are H; if H is odd, the second
        child of the last pair is dropped.
        """
        n_children = int(round(self.crossover_probability * len(population)))
        if len(population) < 2:
            return []
        children = []
        while len(children) < n_children:
            first, second = rng.choice(len(population), size=2, replace=False)
            cut = rng.randint(population[0].n_slots)
            children.extend(_crossover(population[first], population[second], cut))
        return children[:n_children]

    def _warm_population(self, X, min_components, max_components):
        """The individuals of the last population a warm start can continue from.

        Those with as many features as ``X``, as many slots as
        ``max_components``, the same ``covariance_type`` and a number of
        components within the bounds, best first; empty for a cold start.
        """
        if not (self.warm_start and hasattr(self, "population_")):
            return []
        return [
            individual
            for individual in self.population_
            if individual.means.shape[1] == X.shape[1]
            and individual.n_slots == max_components
            and individual.covariance_type == self.covariance_type
            and min_components <= individual.n_components <= max_components
        ]

    def _kmeans_population(self, placement, X, ks, max_components, rng, sample_weight):
        """One individual per k of ``ks``, each from its own k-means."""
        settings = SearchSettings(
            covariance_type=self.covariance_type,
            criterion=criteria.CRITERIA[self.criterion],
            strategies=None,
            min_components=int(ks.min()),
            max_components=max_components,
            n_em_steps=self.n_em_steps,
            reg_covar=self.reg_covar,
            tol=self.tol,
            n_kmeans_iter=_GA_KMEANS_ITER,
        )
        seeds = rng.randint(_SEED_BOUND, size=ks.size)
        n_features = X.shape[1]
        # Figueiredo & Jain's start covariance, for the slots k-means leaves
        # unused: a tenth of the mean variance of the data.
        total = np.cov(X.T, aweights=sample_weight).reshape(n_features, n_features)
        spare = max(np.trace(total) / (10 * n_features), self.reg_covar, 1e-12)
        results = placement.map(
            "start",
            _initial_task,
            (
                (
                    X,
                    k,
                    max_components,
                    seed,
                    settings,
                    spare * np.eye(n_features),
                    sample_weight,
                )
                for k, seed in zip(ks, seeds, strict=True)
            ),
        )
        population = [individual for individual, _ in results]
        return population, sum(n_repaired for _, n_repaired in results)


class _Refined(NamedTuple):
    individuals: list
    elitist: object
    n_em_iter: int
    n_repaired: int


def _refine_all(placement, kind, X, individuals, elitist, settings, sample_weight):
    """Refine every individual; the elitist becomes the best seen so far.

    Only the individual that *is* the elitist keeps its weights. An
    individual at least as good as the elitist replaces it (``<=``, as the
    authors' code: of equal individuals, the latest).
    """
    results = placement.map(
        kind,
        _refine_task,
        (
            (X, individual, individual is elitist, settings, sample_weight)
            for individual in individuals
        ),
    )
    refined = []
    for individual, _, _ in results:
        if not np.isnan(individual.criterion) and (
            np.isnan(elitist.criterion) or individual.criterion <= elitist.criterion
        ):
            elitist = individual
        refined.append(individual)
    return _Refined(
        refined,
        elitist,
        sum(n_em_iter for _, n_em_iter, _ in results),
        sum(n_repaired for _, _, n_repaired in results),
    )


def _mutate_all(placement, X, population, elitist, rng, settings, sample_weight=None):
    """Mutate every individual but the elitist, each from its own seed."""
    # A seed for everyone, the elitist too, so that the draws of the others do
    # not depend on where the elitist stands.
    seeds = rng.randint(_SEED_BOUND, size=len(population))
    mutants = iter(
        placement.map(
            "mutate",
            _mutate_task,
            (
                (X, individual, seed, settings, sample_weight)
                for individual, seed in zip(population, seeds, strict=True)
                if individual is not elitist
            ),
        )
    )
    return [
        individual if individual is elitist else next(mutants)
        for individual in population
    ]
