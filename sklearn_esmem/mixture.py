"""Evolutionary split-and-merge EM for Gaussian mixtures (ESM-EM)."""

import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import ClusterMixin, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture._base import BaseMixture
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from . import criteria
from ._em import (
    COVARIANCE_TYPES,
    e_step,
    m_step,
    n_parameters,
    run_em,
    to_full_covariances,
)
from ._evolution import (
    Individual,
    SearchSettings,
    Strategies,
    evolve,
    initial_components,
    kmeans_parameters,
)
from ._sklearn_compat import (
    check_sample_weight,
    estimate_log_gaussian_prob,
    fit_context,
)
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


def _precisions_from_cholesky(precisions_cholesky, covariance_type):
    if covariance_type == "full":
        return np.einsum("kij,klj->kil", precisions_cholesky, precisions_cholesky)
    if covariance_type == "tied":
        return precisions_cholesky @ precisions_cholesky.T
    return precisions_cholesky**2


class EvolutionarySplitMergeMixture(ClusterMixin, BaseMixture):
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
        Number of mixtures in the population.

    n_em_steps : int, default=5
        EM iterations that refine each mixture per generation.

    max_generations : int, default=50
        Most generations.

    n_stall_generations : int, default=10
        Stop after this many generations without improvement of the best
        criterion by more than ``tol`` per sample.

    max_time : float, default=None
        Wall-clock budget of the search in seconds (checked between
        generations); None means no budget.

    tol : float, default=1e-3
        Convergence threshold of the final EM (change of the mean
        log-likelihood per sample), and of the stall test.

    reg_covar : float, default=1e-6
        Non-negative regularisation added to the diagonal of covariances.

    max_iter : int, default=100
        EM iterations of the final polish of the best mixture.

    n_jobs : int, default=None
        Number of jobs refining the population, through joblib. The result
        does not depend on it.

    random_state : int, RandomState instance or None, default=None
        Controls every random choice of the search.

    warm_start : bool, default=False
        If True, ``fit`` continues from the last population instead of a new
        k-means initialisation.

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
        "variant": [StrOptions(set(VARIANTS))],
        "split_operator": [HasMethods(["split"]), None],
        "split_measure": [HasMethods(["score_components"]), None],
        "merge_measure": [HasMethods(["score_pairs"]), None],
        "min_components": [Interval(Integral, 1, None, closed="left")],
        "max_components": [Interval(Integral, 1, None, closed="left"), None],
        "covariance_type": [StrOptions(set(COVARIANCE_TYPES))],
        "criterion": [StrOptions(set(criteria.CRITERIA))],
        "population_size": [Interval(Integral, 1, None, closed="left")],
        "n_em_steps": [Interval(Integral, 1, None, closed="left")],
        "max_generations": [Interval(Integral, 1, None, closed="left")],
        "n_stall_generations": [Interval(Integral, 1, None, closed="left")],
        "max_time": [Interval(Real, 0, None, closed="neither"), None],
        "tol": [Interval(Real, 0.0, None, closed="left")],
        "reg_covar": [Interval(Real, 0.0, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "verbose_interval": [Interval(Integral, 1, None, closed="left")],
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
        self.max_time = max_time
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval

    # -- fitting -----------------------------------------------------------

    @fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, sample_weight=None):
        """Search for the best mixture and fit it to ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : Ignored
            Not used, present for API consistency by convention.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; an integer weight counts a sample that many
            times, and a zero weight removes it.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._fit(X, sample_weight)
        return self

    @fit_context(prefer_skip_nested_validation=False)
    def fit_predict(self, X, y=None, sample_weight=None):
        """Fit the model and return the most probable component of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : Ignored
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        return self._fit(X, sample_weight).labels_

    def _fit(self, X, sample_weight):
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        sample_weight = self._validated_sample_weight(sample_weight, X)
        # Searching in float64 whatever the input: EM on float32 loses the
        # small likelihood differences that selection compares.
        X_search = np.asarray(X, dtype=np.float64)
        if sample_weight is not None:
            # A zero weight removes the sample: dropping it keeps every
            # random draw identical to a fit without it.
            positive = sample_weight > 0
            X_search, sample_weight = X_search[positive], sample_weight[positive]
            if np.all(sample_weight == 1.0):
                sample_weight = None
        min_components, max_components = self._component_bounds(X_search)
        rng = check_random_state(self.random_state)
        settings = SearchSettings(
            covariance_type=self.covariance_type,
            criterion=criteria.CRITERIA[self.criterion],
            strategies=self._resolve_strategies(),
            min_components=min_components,
            max_components=max_components,
            n_em_steps=self.n_em_steps,
            reg_covar=self.reg_covar,
            tol=self.tol,
            n_kmeans_iter=_N_KMEANS_ITER,
        )
        # Every array in the search is small (a component, a subset for
        # 2-means): extra BLAS and OpenMP threads only spin, and made a fit up
        # to 5 times slower with another process busy. Cores are used by
        # n_jobs instead.
        with threadpool_limits(limits=1):
            population = self._initial_population(
                X_search, settings, rng, sample_weight
            )
            search = evolve(
                X_search,
                population,
                settings,
                rng,
                population_size=self.population_size,
                max_generations=self.max_generations,
                n_stall_generations=self.n_stall_generations,
                max_time=self.max_time,
                n_jobs=self.n_jobs,
                sample_weight=sample_weight,
                verbose=self.verbose,
                verbose_interval=self.verbose_interval,
            )
        final = run_em(
            X_search,
            search.best.parameters,
            self.max_iter,
            reg_covar=self.reg_covar,
            sample_weight=sample_weight,
            tol=self.tol,
        )
        if self.max_iter > 0 and not final.converged:
            warnings.warn(
                "The final EM of the best mixture did not converge in "
                f"max_iter={self.max_iter} iterations; increase max_iter or tol.",
                ConvergenceWarning,
                stacklevel=3,
            )
        self._store(final, search, settings, sample_weight, X_search)
        training_e_step = final.e_step
        if X_search.shape[0] != X.shape[0]:
            training_e_step = e_step(np.asarray(X, np.float64), final.parameters)
        self.labels_ = training_e_step.log_resp.argmax(axis=1)
        return self

    def _validated_sample_weight(self, sample_weight, X):
        if sample_weight is None:
            return None
        sample_weight = check_sample_weight(sample_weight, X)
        if not np.all(np.isfinite(sample_weight)):
            raise ValueError("sample_weight contains NaN or infinity.")
        if np.count_nonzero(sample_weight) < 2:
            raise ValueError(
                "sample_weight must be positive for at least 2 samples; got "
                f"{np.count_nonzero(sample_weight)}."
            )
        return sample_weight

    def _component_bounds(self, X):
        n_samples = X.shape[0]
        if self.min_components > n_samples:
            raise ValueError(
                f"Expected n_samples >= min_components, but got min_components="
                f"{self.min_components} and n_samples={n_samples}."
            )
        max_components = self.max_components
        if max_components is None:
            max_components = max(math.ceil(math.sqrt(n_samples)), self.min_components)
        if max_components < self.min_components:
            raise ValueError(
                f"max_components={max_components} must be >= min_components="
                f"{self.min_components}."
            )
        n_distinct = len(np.unique(X, axis=0))
        if max_components > n_distinct:
            warnings.warn(
                f"max_components={max_components} exceeds the {n_distinct} "
                f"distinct samples; the search is limited to {n_distinct} "
                "components.",
                UserWarning,
                stacklevel=3,
            )
            max_components = max(n_distinct, self.min_components)
        return self.min_components, max_components

    def _resolve_strategies(self):
        defaults = VARIANTS[self.variant]
        given = (self.split_operator, self.split_measure, self.merge_measure)
        return Strategies(
            *(
                default() if strategy is None else clone(strategy)
                for strategy, default in zip(given, defaults, strict=True)
            )
        )

    def _initial_population(self, X, settings, rng, sample_weight):
        if self.warm_start and hasattr(self, "population_"):
            if self.population_[0].parameters.n_features == X.shape[1]:
                return list(self.population_)
        ks = initial_components(
            settings.min_components, settings.max_components, self.population_size
        )
        seeds = rng.randint(np.iinfo(np.int32).max, size=len(ks))
        population = []
        for k, seed in zip(ks, seeds, strict=True):
            parameters, _ = kmeans_parameters(X, k, settings, seed, sample_weight)
            population.append(Individual(parameters))
        return population

    def _store(self, final, search, settings, sample_weight, X):
        parameters = final.parameters
        self._set_parameters(
            (
                parameters.weights,
                parameters.means,
                parameters.covariances,
                parameters.precisions_cholesky,
            )
        )
        n_samples = X.shape[0] if sample_weight is None else sample_weight.sum()
        self.n_components_ = parameters.n_components
        self.converged_ = bool(final.converged)
        self.n_iter_ = int(final.n_iter)
        self.lower_bound_ = final.log_likelihood / n_samples
        self.criterion_ = float(
            settings.criterion(
                final.log_likelihood,
                n_parameters(
                    parameters.n_components, parameters.n_features, self.covariance_type
                ),
                n_samples,
            )
        )
        self.history_ = [record._asdict() for record in search.history]
        self.n_em_iter_total_ = int(search.n_em_iter)
        self.n_generations_ = int(search.n_generations)
        self.n_repaired_ = int(search.n_repaired + final.n_repaired)
        self.population_ = search.population
        self.split_operator_, self.split_measure_, self.merge_measure_ = (
            settings.strategies
        )

    # -- BaseMixture's interface -------------------------------------------

    def _check_parameters(self, X, xp=None):
        self._component_bounds(X)

    def _initialize(self, X, resp, xp=None):
        self._m_step(X, np.log(np.maximum(resp, np.finfo(float).tiny)))

    def _m_step(self, X, log_resp, xp=None):
        parameters, _ = m_step(
            X, np.exp(log_resp), self.covariance_type, self.reg_covar
        )
        self._set_parameters(
            (
                parameters.weights,
                parameters.means,
                parameters.covariances,
                parameters.precisions_cholesky,
            )
        )

    def _compute_lower_bound(self, _, log_prob_norm):
        return log_prob_norm

    def _get_parameters(self):
        return (
            self.weights_,
            self.means_,
            self.covariances_,
            self.precisions_cholesky_,
        )

    def _set_parameters(self, params, xp=None):
        (
            self.weights_,
            self.means_,
            self.covariances_,
            self.precisions_cholesky_,
        ) = params
        self.precisions_ = _precisions_from_cholesky(
            self.precisions_cholesky_, self.covariance_type
        )

    def _estimate_log_prob(self, X, xp=None):
        return estimate_log_gaussian_prob(
            X, self.means_, self.precisions_cholesky_, self.covariance_type
        )

    def _estimate_log_weights(self, xp=None):
        return np.log(self.weights_)

    # -- criteria and sampling ---------------------------------------------

    def _n_parameters(self):
        """Free parameters of the fitted mixture (counted from ``n_components_``)."""
        _, n_features = self.means_.shape
        return n_parameters(self.n_components_, n_features, self.covariance_type)

    def _criterion(self, name, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        log_lik = float(self.score_samples(X).sum())
        return float(criteria.CRITERIA[name](log_lik, self._n_parameters(), X.shape[0]))

    def bic(self, X):
        """Bayesian information criterion of the fitted mixture on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        bic : float
            Lower is better.
        """
        return self._criterion("bic", X)

    def aic(self, X):
        """Akaike information criterion of the fitted mixture on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        aic : float
            Lower is better.
        """
        return self._criterion("aic", X)

    def mdl(self, X):
        """Minimum description length of the fitted mixture on ``X`` (half the BIC).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        mdl : float
            Lower is better.
        """
        return self._criterion("mdl", X)

    def sample(self, n_samples=1):
        """Draw samples from the fitted mixture.

        Parameters
        ----------
        n_samples : int, default=1

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
        y : ndarray of shape (n_samples,)
            Component of each sample.
        """
        check_is_fitted(self)
        if n_samples < 1:
            raise ValueError(
                f"Invalid value for 'n_samples': {n_samples}. The sampling "
                "requires at least one sample."
            )
        rng = check_random_state(self.random_state)
        counts = rng.multinomial(n_samples, self.weights_)
        covariances = self._full_covariances()
        X = np.vstack(
            [
                rng.multivariate_normal(mean, covariance, int(count))
                for mean, covariance, count in zip(
                    self.means_, covariances, counts, strict=True
                )
            ]
        )
        y = np.repeat(np.arange(self.n_components_), counts)
        return X, y

    def _full_covariances(self):
        return to_full_covariances(
            self.covariances_,
            self.covariance_type,
            self.n_components_,
            self.means_.shape[1],
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.non_deterministic = False
        return tags
