"""Split measures (which component to split) and split operators (how).

A *split measure* scores every component of a refined mixture; higher means
"split this one first". A *split operator* turns one
component into two. Both are small estimator-like objects with
``get_params``/``set_params``, so ``clone`` and ``GridSearchCV`` reach their
parameters (``split_operator__n_kmeans_iter``).

Protocol for a user-defined split measure: subclass :class:`BaseSplitMeasure`
and implement ``score_components(X, parameters, e_step, sample_weight)``,
returning an array of shape (n_components,). For a split operator: subclass
:class:`BaseSplitOperator` and implement ``split(X, weight, mean, covariance,
members, sample_weight, random_state)``, returning ``(weights, means,
covariances)`` of the two new components (shapes (2,), (2, M), (2, M, M),
covariances full) or ``None`` to leave the component as it is. A result of
another shape, NaN or infinite values, or a weight that is not positive stop
the fit with a ``ValueError`` naming the strategy.
"""

from numbers import Integral, Real

import numpy as np
from scipy.special import logsumexp
from sklearn.base import BaseEstimator
from sklearn.cluster import KMeans
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval

__all__ = [
    "BaseSplitMeasure",
    "BaseSplitOperator",
    "LocalKLDivergence",
    "PartialLogLikelihood",
    "SVDSplit",
    "VarianceSplit",
]

# MATLAB's eps, as in the authors' PLL.
_PLL_EPS = 2.220446049250313e-16


def _weighted_log_resp(e_step, sample_weight):
    if sample_weight is None:
        return e_step.log_resp
    with np.errstate(divide="ignore"):
        return e_step.log_resp + np.log(sample_weight)[:, np.newaxis]


class BaseSplitMeasure(BaseEstimator):
    """Base class of split measures: a score per component, higher splits first.

    Examples
    --------
    A measure that splits the component of largest total variance first:

    >>> import numpy as np
    >>> from sklearn_esmem import EvolutionarySplitMergeMixture
    >>> from sklearn_esmem.split import BaseSplitMeasure
    >>> class LargestVariance(BaseSplitMeasure):
    ...     def score_components(self, X, parameters, e_step, sample_weight=None):
    ...         return np.trace(parameters.full_covariances(), axis1=1, axis2=2)
    >>> rng = np.random.RandomState(0)
    >>> X = np.vstack([rng.normal(-5, 1, (100, 2)), rng.normal(5, 1, (100, 2))])
    >>> est = EvolutionarySplitMergeMixture(
    ...     split_measure=LargestVariance(), population_size=4, random_state=0
    ... ).fit(X)
    >>> est.n_components_
    2
    >>> est.split_measure_
    LargestVariance()
    """

    def score_components(self, X, parameters, e_step, sample_weight=None):
        """Return an array of shape (n_components,); higher = split first.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
        parameters : MixtureParameters
            The refined mixture.
        e_step : EStep
            The E-step of ``parameters`` on ``X``.
        sample_weight : ndarray of shape (n_samples,), default=None
        """
        raise NotImplementedError


class LocalKLDivergence(BaseSplitMeasure):
    """Local Kullback-Leibler divergence of each component (the paper's LKD).

    The divergence between the posterior-weighted empirical density of
    component j, ``f_ij = g_ij / sum_n g_nj``, and its Gaussian renormalised
    over the sample, ``p_ij = phi_j(x_i) / sum_n phi_j(x_n)``:
    ``D_j = sum_i f_ij ln(f_ij / p_ij)`` (the authors' code
    form). A component that fits its points badly scores high.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_esmem.split import LocalKLDivergence
    >>> LocalKLDivergence()
    LocalKLDivergence()
    """

    _parameter_constraints: dict = {}

    def score_components(self, X, parameters, e_step, sample_weight=None):
        log_resp = _weighted_log_resp(e_step, sample_weight)
        log_f = log_resp - logsumexp(log_resp, axis=0)
        log_p = e_step.log_prob
        if sample_weight is not None:
            with np.errstate(divide="ignore"):
                log_p = log_p + np.log(sample_weight)[:, np.newaxis]
        log_p = log_p - logsumexp(log_p, axis=0)
        f = np.exp(log_f)
        # 0 ln 0 = 0: points with no responsibility contribute nothing.
        # np.where evaluates both branches, and a zero sample weight or
        # responsibility makes 0 * (-inf - -inf) there, so silence the
        # spurious "invalid value" warning of the discarded branch.
        with np.errstate(invalid="ignore"):
            terms = np.where(f > 0, f * (log_f - log_p), 0.0)
        return terms.sum(axis=0)


class PartialLogLikelihood(BaseSplitMeasure):
    """Negated partial log-likelihood of each component (the paper's PLL).

    ``PLL_j = -sum_i g_ij [ln(pi_j + eps) + ln(phi_j(x_i) + eps)]``, not
    normalised by the component's size, so large,
    badly fitting components score high.

    Examples
    --------
    >>> from sklearn_esmem.split import PartialLogLikelihood
    >>> PartialLogLikelihood()
    PartialLogLikelihood()
    """

    _parameter_constraints: dict = {}

    def score_components(self, X, parameters, e_step, sample_weight=None):
        resp = e_step.resp
        if sample_weight is not None:
            resp = resp * sample_weight[:, np.newaxis]
        log_eps = np.log(_PLL_EPS)
        log_density = np.logaddexp(e_step.log_prob, log_eps)
        log_weight = np.log(parameters.weights + _PLL_EPS)
        return -(resp * (log_density + log_weight)).sum(axis=0)


class BaseSplitOperator(BaseEstimator):
    """Base class of split operators: one component in, two out.

    Examples
    --------
    An operator that moves the two children one standard deviation apart
    along the first feature and keeps the parent's covariance:

    >>> import numpy as np
    >>> from sklearn_esmem.split import BaseSplitOperator
    >>> class FirstFeatureSplit(BaseSplitOperator):
    ...     def split(self, X, weight, mean, covariance, members,
    ...               sample_weight=None, random_state=None):
    ...         step = np.zeros_like(mean)
    ...         step[0] = np.sqrt(covariance[0, 0]) / 2
    ...         return (np.array([weight / 2, weight / 2]),
    ...                 np.stack([mean - step, mean + step]),
    ...                 np.stack([covariance, covariance]))
    >>> weights, means, covariances = FirstFeatureSplit().split(
    ...     None, 1.0, np.zeros(2), np.diag([4.0, 1.0]), None)
    >>> means
    array([[-1.,  0.],
           [ 1.,  0.]])

    Pass it as ``EvolutionarySplitMergeMixture(split_operator=
    FirstFeatureSplit())``.
    """

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
        """Split one component into two.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
        weight : float
        mean : ndarray of shape (n_features,)
        covariance : ndarray of shape (n_features, n_features)
            The component's covariance, as a full matrix.
        members : ndarray of bool of shape (n_samples,)
            The samples whose most probable component this is.
        sample_weight : ndarray of shape (n_samples,), default=None
        random_state : int, RandomState instance or None

        Returns
        -------
        (weights, means, covariances) or None
            Shapes (2,), (2, n_features), (2, n_features, n_features); None
            when the component cannot be split.
        """
        raise NotImplementedError


class SVDSplit(BaseSplitOperator):
    """Split along the first principal axis (Zhang et al. 2003; the paper's SVDS).

    With ``a = sqrt(s_1) u_1`` the first column of ``U S^(1/2)`` from the SVD of
    the covariance, the two children are (Covões et al. 2016)::

        pi_i = alpha pi,  pi_j = (1 - alpha) pi
        mu_i = mu - sqrt(pi_j / pi_i) u a,  mu_j = mu + sqrt(pi_i / pi_j) u a
        S_i = (pi_j/pi_i) S + (beta - beta u^2 - 1)(pi/pi_i) a a' + a a'
        S_j = (pi_i/pi_j) S + (beta u^2 - beta - u^2)(pi/pi_j) a a' + a a'

    The split preserves the component's weight, mean and second moment, so it
    is exactly undone by :func:`~sklearn_esmem.merge.moment_preserving_merge`.

    Parameters
    ----------
    alpha : float, default=0.5
        Share of the weight given to the first child, in (0, 1).
    beta : float, default=0.5
        Share of the variance along the axis kept by the children, in (0, 1).
    u : float, default=0.5
        How far apart along the axis the children's means are put, in (0, 1).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_esmem.split import SVDSplit
    >>> weights, means, covs = SVDSplit().split(
    ...     None, 1.0, np.zeros(2), np.diag([4.0, 1.0]), None)
    >>> weights
    array([0.5, 0.5])
    >>> np.abs(means).round(3)
    array([[1., 0.],
           [1., 0.]])
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, 1, closed="neither")],
        "beta": [Interval(Real, 0, 1, closed="neither")],
        "u": [Interval(Real, 0, 1, closed="neither")],
    }

    def __init__(self, alpha=0.5, beta=0.5, u=0.5):
        self.alpha = alpha
        self.beta = beta
        self.u = u

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
        alpha, beta, u = self.alpha, self.beta, self.u
        eigenvalues, eigenvectors = np.linalg.eigh(covariance)
        a = np.sqrt(max(eigenvalues[-1], 0.0)) * eigenvectors[:, -1]
        aat = np.outer(a, a)
        pi_i, pi_j = alpha * weight, (1.0 - alpha) * weight
        mean_i = mean - np.sqrt(pi_j / pi_i) * u * a
        mean_j = mean + np.sqrt(pi_i / pi_j) * u * a
        cov_i = (pi_j / pi_i) * covariance
        cov_i += ((beta - beta * u**2 - 1.0) * weight / pi_i + 1.0) * aat
        cov_j = (pi_i / pi_j) * covariance
        cov_j += ((beta * u**2 - beta - u**2) * weight / pi_j + 1.0) * aat
        return (
            np.array([pi_i, pi_j]),
            np.stack([mean_i, mean_j]),
            np.stack([cov_i, cov_j]),
        )


def _duplicated_sample_covariance(X, sample_weight, mean):
    """``cov([X; X])`` of the authors' code: ``2 S / (2 n - 1)``, weighted."""
    diff = X - mean
    scatter = (diff * sample_weight[:, np.newaxis]).T @ diff
    n = sample_weight.sum()
    return 2.0 * scatter / (2.0 * n - 1.0)


class VarianceSplit(BaseSplitOperator):
    """Split by 2-means along a high-variance feature (the paper's VS).

    A feature ``f`` is drawn with probability ``S_ff / trace(S)``; 2-means on
    the component's own samples starts from ``mu +/- S[:, f]`` and runs at most
    ``n_kmeans_iter`` iterations; each child takes its sub-cluster's centroid,
    covariance and share of the weight. A component
    with fewer than two samples is not split.

    Parameters
    ----------
    n_kmeans_iter : int, default=5
        Iterations of 2-means (the paper's t_KM).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_esmem.split import VarianceSplit
    >>> X = np.array([[0.0, -1.0], [0.1, -1.1], [0.0, 1.0], [0.1, 1.1]])
    >>> weights, means, covs = VarianceSplit().split(
    ...     X, 1.0, X.mean(axis=0), np.cov(X.T), np.ones(4, dtype=bool),
    ...     random_state=0)
    >>> weights
    array([0.5, 0.5])
    """

    _parameter_constraints: dict = {
        "n_kmeans_iter": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, n_kmeans_iter=5):
        self.n_kmeans_iter = n_kmeans_iter

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
        rng = check_random_state(random_state)
        X_l = X[members]
        w_l = np.ones(len(X_l)) if sample_weight is None else sample_weight[members]
        positive = w_l > 0
        X_l, w_l = X_l[positive], w_l[positive]
        if len(X_l) < 2 or len(np.unique(X_l, axis=0)) < 2:
            return None
        variances = np.clip(np.diag(covariance), 0.0, None)
        total = variances.sum()
        p = variances / total if total > 0 else None
        feature = rng.choice(len(variances), p=p)
        direction = covariance[:, feature]
        init = np.stack([mean + direction, mean - direction])
        kmeans = KMeans(
            n_clusters=2,
            init=init,
            n_init=1,
            max_iter=self.n_kmeans_iter,
            random_state=rng.randint(np.iinfo(np.int32).max),
        ).fit(X_l, sample_weight=w_l)
        weights, means, covariances = [], [], []
        for label in (0, 1):
            in_child = kmeans.labels_ == label
            w_child = w_l[in_child]
            if w_child.sum() <= 0:
                return None
            centroid = np.average(X_l[in_child], axis=0, weights=w_child)
            if in_child.sum() < 2:
                # A singleton has no covariance: give it the parent's shape.
                child_covariance = covariance.copy()
            else:
                child_covariance = _duplicated_sample_covariance(
                    X_l[in_child], w_child, centroid
                )
            weights.append(weight * w_child.sum() / w_l.sum())
            means.append(centroid)
            covariances.append(child_covariance)
        return np.array(weights), np.stack(means), np.stack(covariances)
