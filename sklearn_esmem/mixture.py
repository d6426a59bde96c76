"""Evolutionary split-and-merge EM for Gaussian mixtures (ESM-EM)."""

import time
from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from . import criteria
from ._base import BaseSearchMixture, SearchOutcome
from ._evolution import (
    Individual,
    SearchSettings,
    Strategies,
    evolve,
    initial_components,
    kmeans_parameters,
)
from ._mutation import MUTATIONS
from .merge import Overlap, ResponsibilityCorrelation
from .split import LocalKLDivergence, PartialLogLikelihood, SVDSplit, VarianceSplit

__all__ = ["VARIANTS", "EvolutionarySplitMergeMixture"]

# The paper's Table 1: variant -> (split operator, split measure, merge measure).
VARIANTS = {
    "SVD": (SVDSplit, LocalKLDivergence, ResponsibilityCorrelation),
    "OVER": (SVDSplit, LocalKLDivergence, Overlap),
    "VS": (VarianceSplit, LocalKLDivergence, ResponsibilityCorrelation),
    "PLL": (SVDSplit, PartialLogLikelihood, ResponsibilityCorrelation),
    "VS-OVER": (VarianceSplit, LocalKLDivergence, Overlap),
    "VS-PLL": (VarianceSplit, PartialLogLikelihood, ResponsibilityCorrelation),
    "OVER-PLL": (SVDSplit, PartialLogLikelihood, Overlap),
    "VS-OVER-PLL": (VarianceSplit, PartialLogLikelihood, Overlap),
}

# k-means iterations of the initialisation (the paper's t_KM).
_N_KMEANS_ITER = 5


class EvolutionarySplitMergeMixture(BaseSearchMixture):
    """Gaussian mixture whose number of components is found by ESM-EM.

    A population of mixtures is refined by a few EM steps per generation,
    mutated by guided *split* and *merge* operators, and selected by a model
    selection criterion (MDL by default), so the search estimates the number
    of components and escapes the local optima where a single EM run stops
    (Covões, Hruschka & Ghosh, 2016). The best mixture found is then run to
    convergence by EM.

    Parameters
    ----------
    variant : {"SVD", "OVER", "VS", "PLL", "VS-OVER", "VS-PLL", "OVER-PLL", \
            "VS-OVER-PLL"}, default="VS-PLL"
        The paper's variants (Table 1): "VS" uses :class:`~sklearn_esmem.split.
        VarianceSplit` instead of :class:`~sklearn_esmem.split.SVDSplit`,
        "PLL" uses :class:`~sklearn_esmem.split.PartialLogLikelihood` instead
        of :class:`~sklearn_esmem.split.LocalKLDivergence`, and "OVER" uses
        :class:`~sklearn_esmem.merge.Overlap` instead of
        :class:`~sklearn_esmem.merge.ResponsibilityCorrelation`.

    split_operator : object, default=None
        Overrides the variant's split operator; see :mod:`sklearn_esmem.split`.

    split_measure : object, default=None
        Overrides the variant's split measure.

    merge_measure : object, default=None
        Overrides the variant's merge measure; see :mod:`sklearn_esmem.merge`.

    min_components : int, default=1
        Fewest components a mixture may have.

    max_components : int, default=None
        Most components a mixture may have; None means ``ceil(sqrt(n_samples))``.

    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
        As in :class:`~sklearn.mixture.GaussianMixture`.

    criterion : {"mdl", "bic", "aic"}, default="mdl"
        Criterion minimised by the selection.

    population_size : int, default=10
        Most mixtures in the population, and children made per generation.
        Copies of one mixture (same k, criteria within 1e-4 relative) are
        kept once; a population with fewer distinct mixtures gives its best
        ones several children each.

    n_em_steps : int, default=5
        EM iterations that refine each mixture per generation.

    max_generations : int, default=50
        Most generations.

    n_stall_generations : int, default=10
        Stop after this many generations in which the best criterion improved
        by less than 1e-6 per sample, the tolerance of the refinements' EM.

    mutation : {"focused", "paper"}, default="focused"
        How a mutation picks what to change. "focused": one split or one
        merge, drawn by rank roulette among the ``ceil(sqrt(k))``
        best-scored components or pairs that the parent's earlier children
        have not tried; each child is refined until it beats its parent or
        cannot at the pace of its last EM steps, for at most 12 times
        ``n_em_steps``. "paper": as the
        authors' code, ``z ~ U{1..k}`` splits or up to ``z ~ U{1..k // 2}``
        merges, drawn by rank roulette among all components or pairs, the
        children refined by the same rule. With either, the operator follows
        Horta and Campello's rule: a parent repeats the operator of its
        latest child if that child beat it, and switches otherwise. See
        :ref:`esmem-search`.

    max_time : float, default=None
        Wall-clock budget of the whole fit in seconds; None means no budget.
        The search checks it between generations, and the final EM between
        iterations: a final EM it stops before convergence leaves the best
        mixture of the search barely polished (``n_iter_`` steps), with a
        ``ConvergenceWarning``. See :ref:`time-budgets`.

    tol : float, default=1e-3
        Convergence threshold of the final EM (change of the mean
        log-likelihood per sample).

    reg_covar : float, default=1e-6
        Non-negative regularisation added to the diagonal of covariances.

    max_iter : int, default=100
        EM iterations of the final polish of the best mixture.

    n_jobs : int, default=None
        Number of jobs refining the population, through joblib: the
        individuals of a generation are refined, mutated and their children
        refined in parallel. The result does not depend on ``n_jobs`` nor on
        joblib's backend. It helps when a generation takes a tenth of a
        second or more (thousands of samples and more): a generation runs in
        this process when the previous one took less work than that, which
        sending it to workers would not repay. ``None`` means 1 unless in a
        :func:`joblib.parallel_config` context; ``-1`` means all processors.

    random_state : int, RandomState instance or None, default=None
        Controls every random choice of the search.

    warm_start : bool, default=False
        If True, ``fit`` continues from the last population instead of a new
        k-means initialisation, keeping the mixtures that fit the new
        parameters and data: as many features, the same ``covariance_type``,
        and a number of components between ``min_components`` and
        ``max_components``. The others are dropped, and the population is
        refilled to ``population_size`` with k-means starts, as a cold start
        makes them; when none fits, the fit starts afresh.

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
        ``best_criterion``, ``best_n_components``, ``n_em_iter`` (cumulative)
        and ``population_n_components``.
    n_em_iter_total_ : int
        EM iterations spent by the search (the paper's EMS).
    n_generations_ : int
        Generations run.
    n_repaired_ : int
        Covariances repaired or individuals replaced during the search.
    population_ : list
        The final population, from which ``warm_start`` continues.
    split_operator_, split_measure_, merge_measure_ : object
        The strategies used (clones).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined only when X has feature names that are all strings.

    See Also
    --------
    sklearn.mixture.GaussianMixture : EM for a given number of components.
    sklearn.mixture.BayesianGaussianMixture : Variational inference.

    References
    ----------
    .. [1] T. F. Covões, E. R. Hruschka and J. Ghosh, "Evolving Gaussian
       mixture models with splitting and merging mutation operators",
       Evolutionary Computation 24(2):293-317, 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_esmem import EvolutionarySplitMergeMixture
    >>> rng = np.random.RandomState(0)
    >>> X = np.vstack([rng.normal(-5, 1, (100, 2)), rng.normal(5, 1, (100, 2))])
    >>> est = EvolutionarySplitMergeMixture(random_state=0).fit(X)
    >>> est.n_components_
    2
    >>> est.predict([[-5, -5], [5, 5]]).tolist() in ([0, 1], [1, 0])
    True
    """

    _parameter_constraints: dict = {
        **BaseSearchMixture._parameter_constraints,
        "variant": [StrOptions(set(VARIANTS))],
        "split_operator": [HasMethods(["split"]), None],
        "split_measure": [HasMethods(["score_components"]), None],
        "merge_measure": [HasMethods(["score_pairs"]), None],
        "population_size": [Interval(Integral, 1, None, closed="left")],
        "n_em_steps": [Interval(Integral, 1, None, closed="left")],
        "max_generations": [Interval(Integral, 1, None, closed="left")],
        "n_stall_generations": [Interval(Integral, 1, None, closed="left")],
        "mutation": [StrOptions(set(MUTATIONS))],
    }

    def __init__(
        self,
        variant="VS-PLL",
        split_operator=None,
        split_measure=None,
        merge_measure=None,
        min_components=1,
        max_components=None,
        covariance_type="full",
        criterion="mdl",
        population_size=10,
        n_em_steps=5,
        max_generations=50,
        n_stall_generations=10,
        mutation="focused",
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
        self.variant = variant
        self.split_operator = split_operator
        self.split_measure = split_measure
        self.merge_measure = merge_measure
        self.min_components = min_components
        self.max_components = max_components
        self.covariance_type = covariance_type
        self.criterion = criterion
        self.population_size = population_size
        self.n_em_steps = n_em_steps
        self.max_generations = max_generations
        self.n_stall_generations = n_stall_generations
        self.mutation = mutation
        self.max_time = max_time
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval

    def _search_settings(self, min_components, max_components):
        """What every task of the search needs besides the data and the individual."""
        return SearchSettings(
            covariance_type=self.covariance_type,
            criterion=criteria.CRITERIA[self.criterion],
            strategies=self._resolve_strategies(),
            min_components=min_components,
            max_components=max_components,
            n_em_steps=self.n_em_steps,
            reg_covar=self.reg_covar,
            tol=self.tol,
            n_kmeans_iter=_N_KMEANS_ITER,
            mutation=self.mutation,
        )

    def _search(self, X, sample_weight, min_components, max_components, random_state):
        settings = self._search_settings(min_components, max_components)
        start = time.perf_counter()
        population = self._initial_population(X, settings, random_state, sample_weight)
        search = evolve(
            X,
            population,
            settings,
            random_state,
            population_size=self.population_size,
            max_generations=self.max_generations,
            n_stall_generations=self.n_stall_generations,
            max_time=self.max_time,
            n_jobs=self.n_jobs,
            sample_weight=sample_weight,
            verbose=self.verbose,
            verbose_interval=self.verbose_interval,
            start=start,
        )
        self.n_generations_ = int(search.n_generations)
        self.population_ = search.population
        self.split_operator_, self.split_measure_, self.merge_measure_ = (
            settings.strategies
        )
        return SearchOutcome(
            search.best.parameters,
            [record._asdict() for record in search.history],
            search.n_em_iter,
            search.n_repaired,
            search.n_collapsed,
        )

    def _resolve_strategies(self):
        defaults = VARIANTS[self.variant]
        names = ("split_operator", "split_measure", "merge_measure")
        given = (self.split_operator, self.split_measure, self.merge_measure)
        for name, strategy in zip(names, given, strict=True):
            # A class has the method too, so it passes the HasMethods
            # constraint, and then clone raised a TypeError that did not say
            # which parameter was wrong.
            if isinstance(strategy, type):
                raise ValueError(
                    f"The '{name}' parameter of {type(self).__name__} must be an "
                    f"instance, not the class {strategy.__name__}; pass "
                    f"{strategy.__name__}() instead."
                )
        # safe=False: an object of the user's own with the method but without
        # get_params is deep-copied, as clone(estimator) itself treats nested
        # parameters, instead of failing with a TypeError.
        return Strategies(
            *(
                default() if strategy is None else clone(strategy, safe=False)
                for strategy, default in zip(given, defaults, strict=True)
            )
        )

    def _initial_population(self, X, settings, rng, sample_weight):
        """The last population's usable individuals, then k-means starts.

        A warm start keeps an individual of the last population only if it
        fits this fit's parameters: as many features as ``X``, the same
        ``covariance_type``, and a number of components within the bounds.
        The population is refilled to ``population_size`` with k-means
        starts at k linearly spaced over the bounds, as a cold start makes
        them.
        """
        population = []
        if self.warm_start and hasattr(self, "population_"):
            population = [
                individual
                for individual in self.population_
                if individual.parameters.n_features == X.shape[1]
                and individual.parameters.covariance_type == settings.covariance_type
                and settings.min_components
                <= individual.n_components
                <= settings.max_components
            ]
        n_missing = self.population_size - len(population)
        if n_missing <= 0:
            return population
        ks = initial_components(
            settings.min_components, settings.max_components, n_missing
        )
        seeds = rng.randint(np.iinfo(np.int32).max, size=len(ks))
        for k, seed in zip(ks, seeds, strict=True):
            parameters, _ = kmeans_parameters(X, k, settings, seed, sample_weight)
            population.append(Individual(parameters))
        return population
