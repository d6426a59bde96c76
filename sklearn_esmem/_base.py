"""What every mixture here shares: fitting around a search, and the fitted state.

:class:`BaseSearchMixture` validates the input, runs a subclass's
``_search`` for the best mixture, polishes it by EM to convergence, and stores
the fitted attributes that :class:`~sklearn.mixture.GaussianMixture` has, plus
``criterion_``, ``history_``, ``n_em_iter_total_``, ``n_repaired_`` and
``labels_``. ESM-EM and the paper's baselines differ only in ``_search``.
"""

import math
import time
import warnings
from abc import abstractmethod
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from sklearn.base import ClusterMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture._base import BaseMixture
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from . import criteria
from ._degeneracy import collapsed_in, data_covariance
from ._em import (
    COVARIANCE_TYPES,
    drop_components,
    e_step,
    m_step,
    n_parameters,
    normalize_log_prob,
    run_em,
    to_full_covariances,
)
from ._evolution import minimum_support
from ._kernels import log_gaussian_prob
from ._sklearn_compat import check_sample_weight, fit_context

__all__ = ["BaseSearchMixture", "SearchOutcome"]


class SearchOutcome(NamedTuple):
    """What a search hands back to :class:`BaseSearchMixture`.

    Attributes
    ----------
    parameters : MixtureParameters
        The best mixture found, polished afterwards by EM.
    history : list of mapping
        One record per generation or pass.
    n_em_iter : int
        EM iterations spent by the search.
    n_repaired : int
        Covariances repaired or individuals replaced.
    n_collapsed : int
        Components collapsed onto a lower-dimensional set of the data that
        the search dropped (:mod:`._degeneracy`).
    """

    parameters: object
    history: list
    n_em_iter: int
    n_repaired: int
    n_collapsed: int = 0


def _precisions_from_cholesky(precisions_cholesky, covariance_type):
    if covariance_type == "full":
        return np.einsum("kij,klj->kil", precisions_cholesky, precisions_cholesky)
    if covariance_type == "tied":
        return precisions_cholesky @ precisions_cholesky.T
    return precisions_cholesky**2


def _check_spread(X):
    """Raise a ValueError if the squared deviations of ``X`` overflow float64.

    Finite values can still be too large for a Gaussian: their variances
    (and every covariance EM computes, a sum of such squares) would be
    infinite, and the fit would end with a log-likelihood of -inf.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        variances = np.var(X, axis=0)
    overflowing = np.flatnonzero(~np.isfinite(variances))
    if overflowing.size:
        feature = int(overflowing[0])
        raise ValueError(
            f"X has values too large to fit: the squared deviations of feature "
            f"{feature} from its mean overflow float64 (its largest magnitude "
            f"is {np.abs(X[:, feature]).max():.3g}). Scale the data, e.g. with "
            "sklearn.preprocessing.StandardScaler."
        )


class BaseSearchMixture(ClusterMixin, BaseMixture):
    """Base class of Gaussian mixtures whose number of components is searched.

    Subclasses define ``_search(X, sample_weight, min_components,
    max_components, random_state)`` returning a :class:`SearchOutcome`, and
    the parameters ``min_components``, ``max_components``,
    ``covariance_type``, ``criterion``, ``tol``, ``reg_covar``, ``max_iter``
    and ``random_state``.
    """

    # The parameters every search shares; subclasses extend this dict.
    _parameter_constraints: dict = {
        "min_components": [Interval(Integral, 1, None, closed="left")],
        "max_components": [Interval(Integral, 1, None, closed="left"), None],
        "covariance_type": [StrOptions(set(COVARIANCE_TYPES))],
        "criterion": [StrOptions(set(criteria.CRITERIA))],
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

    @abstractmethod
    def _search(self, X, sample_weight, min_components, max_components, random_state):
        """Return the best mixture found on ``X`` as a :class:`SearchOutcome`."""

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
            Non-negative weights, counted as frequencies: a weight of 2
            counts a sample twice, a zero weight removes it, and the number
            of samples N of the criterion is the sum of the weights. Weights
            normalised to sum to 1 describe a data set of a single sample,
            too small for any component; a ``UserWarning`` is given when the
            weights sum to less than the largest mixture searched needs
            (``max_components`` times the samples a component needs:
            ``n_features + 1`` for full covariances, 2 for diagonal and
            spherical ones, 1 for a tied one). Rescale such weights, e.g. to
            sum to the number of samples.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._fit_keeping_state_on_failure(X, sample_weight)
        return self

    @fit_context(prefer_skip_nested_validation=False)
    def fit_predict(self, X, y=None, sample_weight=None):
        """Fit the model and return the most probable component of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : Ignored
        sample_weight : array-like of shape (n_samples,), default=None
            Frequencies of the samples, as in :meth:`fit`.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        return self._fit_keeping_state_on_failure(X, sample_weight).labels_

    def _fit_keeping_state_on_failure(self, X, sample_weight):
        # A fit that fails or is interrupted (KeyboardInterrupt) must not leave
        # a half-written model: validate_data alone already resets
        # n_features_in_. Put back what the estimator held before.
        previous_state = self.__dict__.copy()
        try:
            return self._fit(X, sample_weight)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(previous_state)
            raise

    def _fit(self, X, sample_weight):
        start = time.perf_counter()
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        sample_weight = self._validated_sample_weight(sample_weight, X)
        # Searching in float64 whatever the input: EM on float32 loses the
        # small likelihood differences that selection compares.
        # C order whatever the input (F order, memory map, read-only view), so
        # that every BLAS call, and so the model, is the same bit for bit.
        X_search = np.ascontiguousarray(X, dtype=np.float64)
        if sample_weight is not None:
            # A zero weight removes the sample: dropping it keeps every
            # random draw identical to a fit without it.
            positive = sample_weight > 0
            X_search, sample_weight = X_search[positive], sample_weight[positive]
            if np.all(sample_weight == 1.0):
                sample_weight = None
        _check_spread(X_search)
        min_components, max_components = self._component_bounds(X_search)
        if sample_weight is not None:
            self._check_total_weight(sample_weight, X_search.shape[1], max_components)
        rng = check_random_state(self.random_state)
        # Every array in a search is small (a component, a subset for
        # 2-means): extra BLAS and OpenMP threads only spin, and made a fit up
        # to 5 times slower with another process busy. Cores are used by
        # n_jobs instead.
        with threadpool_limits(limits=1):
            search = self._search(
                X_search, sample_weight, min_components, max_components, rng
            )
            final = self._polish(X_search, search.parameters, sample_weight, start)
            final = self._without_collapsed(
                X_search, final, sample_weight, start, min_components
            )
        self._warn_about_polish(final, start)
        self._warn_if_collapsed(X_search, final.parameters, sample_weight, search)
        self._store(final, search, sample_weight, X.dtype)
        if X.dtype != np.float64:
            # The stored model is rounded to X's dtype: the labels are those
            # that predict gives with it.
            self.labels_ = self._estimate_weighted_log_prob(X).argmax(axis=1)
            return self
        training_e_step = final.e_step
        if X_search.shape[0] != X.shape[0]:
            training_e_step = e_step(X, final.parameters)
        self.labels_ = training_e_step.log_resp.argmax(axis=1)
        return self

    def _collapsed(self, X, parameters, sample_weight):
        return collapsed_in(
            parameters, data_covariance(X, sample_weight), self.reg_covar
        )

    def _without_collapsed(self, X, final, sample_weight, start, min_components):
        """Drop the components the final EM collapsed, and polish again.

        A component that was still shrinking onto repeated values when the
        search ended reaches the regularisation floor only in the final EM.
        """
        for _ in range(final.parameters.n_components):
            collapsed = self._collapsed(X, final.parameters, sample_weight)
            n_left = final.parameters.n_components - int(collapsed.sum())
            if not collapsed.any() or n_left < max(min_components, 1):
                break
            parameters = drop_components(final.parameters, ~collapsed, self.reg_covar)
            final = self._polish(X, parameters, sample_weight, start)
        return final

    def _warn_if_collapsed(self, X, parameters, sample_weight, search):
        """Warn if the fitted mixture keeps a collapsed component.

        The search ranks such mixtures last and drops such components, so
        one is returned only where nothing else could be (``min_components``
        forcing it, or a search that had no sound mixture).
        """
        collapsed = self._collapsed(X, parameters, sample_weight)
        if collapsed.any():
            warnings.warn(
                f"{int(collapsed.sum())} component(s) of the fitted mixture "
                "collapsed onto a lower-dimensional set of the data (repeated "
                "or discretised values): their smallest variance is the "
                f"regularisation reg_covar={self.reg_covar} while the data "
                "spread in that direction, so their likelihood reflects the "
                "rounding of the data, not a cluster"
                + (
                    f" ({search.n_collapsed} such components were dropped "
                    "during the search)"
                    if search.n_collapsed
                    else ""
                )
                + ". Consider a smaller min_components, a larger reg_covar, "
                "or removing the discretisation (e.g. small noise).",
                UserWarning,
                stacklevel=4,
            )

    def _polish(self, X, parameters, sample_weight, start):
        """EM to convergence from the best mixture found, within the budget."""
        # The budget covers the whole fit: the polish stops at it too.
        deadline = None if self.max_time is None else start + self.max_time
        return run_em(
            X,
            parameters,
            self.max_iter,
            reg_covar=self.reg_covar,
            sample_weight=sample_weight,
            tol=self.tol,
            deadline=deadline,
        )

    def _warn_about_polish(self, final, start):
        """Warn of what the final EM of the returned mixture did not finish.

        Called once, on the polish of the returned mixture only: a mixture
        whose collapsed components were dropped is polished twice.
        """
        deadline = None if self.max_time is None else start + self.max_time
        if self.max_iter > 0 and not final.converged:
            if final.n_iter >= self.max_iter:
                warnings.warn(
                    "The final EM of the best mixture did not converge in "
                    f"max_iter={self.max_iter} iterations; increase max_iter "
                    "or tol.",
                    ConvergenceWarning,
                    stacklevel=4,
                )
            elif deadline is not None and time.perf_counter() >= deadline:
                # A search stopped by max_time has used the budget up: the
                # model is then its best mixture, barely polished.
                warnings.warn(
                    f"The time budget max_time={self.max_time} stopped the "
                    "final EM of the best mixture before convergence, after "
                    f"{final.n_iter} iterations (n_iter_): the model is the "
                    "best mixture of the search, polished that many EM steps. "
                    "Increase max_time to leave the final EM time to converge.",
                    ConvergenceWarning,
                    stacklevel=4,
                )
        if final.n_repaired:
            # The model returned had covariances adjusted to stay positive
            # definite: the user should know (repairs of individuals during
            # the search only count in n_repaired_).
            warnings.warn(
                "Some covariances of the fitted mixture were singular and were "
                "regularised (collapsed or duplicated samples, a constant "
                "feature, or features of very different scales); consider "
                "increasing reg_covar or scaling the data.",
                UserWarning,
                stacklevel=4,
            )

    def _validated_sample_weight(self, sample_weight, X):
        if sample_weight is None:
            return None
        sample_weight = check_sample_weight(sample_weight, X)
        if not np.all(np.isfinite(sample_weight)):
            raise ValueError("sample_weight contains NaN or infinity.")
        if np.count_nonzero(sample_weight) < 2:
            # "zero weight" in the message, as scikit-learn's check of
            # all-zero weights expects.
            raise ValueError(
                "sample_weight must be positive for at least 2 samples; got "
                f"{np.count_nonzero(sample_weight)}, the others have zero weight."
            )
        return sample_weight

    def _check_total_weight(self, sample_weight, n_features, max_components):
        """Warn if the weights describe too few samples for the largest mixture.

        Weights are frequencies: normalised ones describe a data set of one
        sample, on which no component has the samples it needs, and the
        search returns a mixture that does not follow the data (ESM-EM and
        OMR-EM drop components down to ``min_components``).
        """
        total = float(sample_weight.sum())
        support = minimum_support(n_features, self.covariance_type)
        needed = max_components * support
        if total < needed:
            warnings.warn(
                f"sample_weight sums to {total:.6g}, the size of the data set "
                "it describes: weights count as frequencies. The "
                f"max_components={max_components} components of the largest "
                f"mixture searched need {needed} samples ({support} each with "
                f"covariance_type={self.covariance_type!r}). Rescale "
                "sample_weight, e.g. to sum to the number of samples "
                f"({sample_weight.shape[0]} with a positive weight).",
                UserWarning,
                stacklevel=4,
            )

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
        if self.min_components > n_distinct:
            # Components beyond the distinct points would sit on copies of
            # one: the search could only return fewer than min_components.
            raise ValueError(
                f"min_components={self.min_components} exceeds the {n_distinct} "
                f"distinct samples of X (among {n_samples} samples); lower "
                "min_components."
            )
        if max_components > n_distinct:
            warnings.warn(
                f"max_components={max_components} exceeds the {n_distinct} "
                f"distinct samples; the search is limited to {n_distinct} "
                "components.",
                UserWarning,
                stacklevel=3,
            )
            max_components = n_distinct
        return self.min_components, max_components

    def _store(self, final, search, sample_weight, dtype):
        parameters = final.parameters
        self._set_parameters(
            (
                parameters.weights,
                parameters.means,
                parameters.covariances,
                parameters.precisions_cholesky,
            )
        )
        # The search runs in float64 (see _fit); the fitted model takes X's
        # dtype, as GaussianMixture's does, the precisions computed before
        # rounding.
        for name in (
            "weights_",
            "means_",
            "covariances_",
            "precisions_",
            "precisions_cholesky_",
        ):
            setattr(self, name, getattr(self, name).astype(dtype, copy=False))
        n_samples = (
            final.e_step.log_prob_norm.shape[0]
            if sample_weight is None
            else sample_weight.sum()
        )
        self.n_components_ = parameters.n_components
        self.converged_ = bool(final.converged)
        self.n_iter_ = int(final.n_iter)
        self.lower_bound_ = dtype.type(final.log_likelihood / n_samples)
        self.criterion_ = float(
            criteria.CRITERIA[self.criterion](
                final.log_likelihood,
                n_parameters(
                    parameters.n_components, parameters.n_features, self.covariance_type
                ),
                n_samples,
            )
        )
        self.history_ = [dict(record) for record in search.history]
        self.n_em_iter_total_ = int(search.n_em_iter)
        self.n_repaired_ = int(search.n_repaired + final.n_repaired)

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
        # The search's batched kernel, checked against scikit-learn's
        # per-component routine to 1e-10 (tests/test_kernels.py).
        with np.errstate(over="ignore"):
            # Beyond float range, a density of exactly 0: -inf, as in e_step.
            log_prob = log_gaussian_prob(
                X, self.means_, self.precisions_cholesky_, self.covariance_type
            )
        # Computed in float64, returned in the precision of X and the model,
        # as GaussianMixture returns it (float32 for both in float32).
        return log_prob.astype(np.result_type(X, self.means_), copy=False)

    def _estimate_log_prob_resp(self, X, xp=None):
        return normalize_log_prob(self._estimate_weighted_log_prob(X))

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
        # Summed in float64 whatever the precision of the model.
        log_lik = float(self.score_samples(X).sum(dtype=np.float64))
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
