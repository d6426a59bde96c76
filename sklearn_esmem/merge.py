"""Merge measures (which pair to merge) and the moment-preserving merge.

A *merge measure* scores every pair of components of a refined mixture;
higher means "merge this pair first". The merge
itself is fixed, as in the paper: :func:`moment_preserving_merge`.

Protocol for a user-defined merge measure: subclass :class:`BaseMergeMeasure`
and implement ``score_pairs(X, parameters, e_step, sample_weight)``, returning
a symmetric array of shape (n_components, n_components) whose diagonal is
ignored. An array of another shape stops the fit with a ``ValueError`` naming
the measure.
"""

import numpy as np
from sklearn.base import BaseEstimator

__all__ = [
    "BaseMergeMeasure",
    "Overlap",
    "ResponsibilityCorrelation",
    "moment_preserving_merge",
]


class BaseMergeMeasure(BaseEstimator):
    """Base class of merge measures: a score per pair, higher merges first.

    Examples
    --------
    A measure that merges the pair of closest means first:

    >>> import numpy as np
    >>> from scipy.spatial.distance import cdist
    >>> from sklearn_esmem import EvolutionarySplitMergeMixture
    >>> from sklearn_esmem.merge import BaseMergeMeasure
    >>> class ClosestMeans(BaseMergeMeasure):
    ...     def score_pairs(self, X, parameters, e_step, sample_weight=None):
    ...         return -cdist(parameters.means, parameters.means)
    >>> rng = np.random.RandomState(0)
    >>> X = np.vstack([rng.normal(-5, 1, (100, 2)), rng.normal(5, 1, (100, 2))])
    >>> est = EvolutionarySplitMergeMixture(
    ...     merge_measure=ClosestMeans(), population_size=4, random_state=0
    ... ).fit(X)
    >>> est.n_components_
    2
    """

    def score_pairs(self, X, parameters, e_step, sample_weight=None):
        """Return a symmetric (n_components, n_components) array of scores.

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


class ResponsibilityCorrelation(BaseMergeMeasure):
    """Cosine similarity of the components' responsibility columns (Eq. 4).

    ``J(j, l) = |P_j' P_l| / (||P_j|| ||P_l||)`` with ``P_j`` the column of
    responsibilities of component j (each sample weighted by the square root
    of its weight). Two components that claim the same samples score near 1.

    Examples
    --------
    >>> from sklearn_esmem.merge import ResponsibilityCorrelation
    >>> ResponsibilityCorrelation()
    ResponsibilityCorrelation()
    """

    _parameter_constraints: dict = {}

    def score_pairs(self, X, parameters, e_step, sample_weight=None):
        resp = e_step.resp
        if sample_weight is not None:
            resp = resp * np.sqrt(sample_weight)[:, np.newaxis]
        gram = resp.T @ resp
        norms = np.sqrt(np.diag(gram))
        denominator = np.outer(norms, norms)
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = np.where(denominator > 0, np.abs(gram) / denominator, 0.0)
        return np.clip(scores, 0.0, 1.0)


class Overlap(BaseMergeMeasure):
    """Overlap of two components on the samples they rank first and second (Eq. 16).

    With ``A_ij`` the samples whose most probable component is i and second
    most probable is j, ``OVER(i, j) = (m_ij + m_ji) / 2`` where ``m_ij`` is
    the mean of ``1 - (g_i - g_j)`` over ``A_ij``, and 0 over an empty set.
    Symmetric, in [0, 1]; near 1 means heavy overlap. This is the intended
    definition; the authors' code swaps rank and index (see the deviations page).

    Examples
    --------
    >>> from sklearn_esmem.merge import Overlap
    >>> Overlap()
    Overlap()
    """

    _parameter_constraints: dict = {}

    def score_pairs(self, X, parameters, e_step, sample_weight=None):
        k = parameters.n_components
        if k < 2:
            return np.zeros((k, k))
        resp = e_step.resp
        order = np.argsort(-resp, axis=1, kind="stable")
        first, second = order[:, 0], order[:, 1]
        rows = np.arange(resp.shape[0])
        values = 1.0 - (resp[rows, first] - resp[rows, second])
        weights = np.ones(len(rows)) if sample_weight is None else sample_weight
        sums = np.zeros((k, k))
        counts = np.zeros((k, k))
        np.add.at(sums, (first, second), weights * values)
        np.add.at(counts, (first, second), weights)
        means = np.divide(sums, counts, out=np.zeros((k, k)), where=counts > 0)
        return np.clip(0.5 * (means + means.T), 0.0, 1.0)


def moment_preserving_merge(weights, means, covariances):
    """Merge two components into one with the same weight, mean and 2nd moment.

    ``pi = pi_i + pi_j``, ``mu = (pi_i mu_i + pi_j mu_j) / pi`` and
    ``S = (pi_i/pi) S_i + (pi_j/pi) S_j + (pi_i pi_j / pi^2) d d'`` with
    ``d = mu_i - mu_j`` (Zhang et al. 2003).

    Parameters
    ----------
    weights : ndarray of shape (2,)
    means : ndarray of shape (2, n_features)
    covariances : ndarray of shape (2, n_features, n_features)

    Returns
    -------
    weight : float
    mean : ndarray of shape (n_features,)
    covariance : ndarray of shape (n_features, n_features)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_esmem.merge import moment_preserving_merge
    >>> w, mu, cov = moment_preserving_merge(
    ...     np.array([0.5, 0.5]), np.array([[-1.0], [1.0]]),
    ...     np.array([[[1.0]], [[1.0]]]))
    >>> float(w), mu, cov
    (1.0, array([0.]), array([[2.]]))
    """
    weights = np.asarray(weights, dtype=float)
    weight = weights.sum()
    share = weights / weight
    mean = share @ means
    difference = means[0] - means[1]
    covariance = np.tensordot(share, covariances, axes=1)
    covariance = covariance + share[0] * share[1] * np.outer(difference, difference)
    return weight, mean, 0.5 * (covariance + covariance.T)
