"""Components collapsed onto a lower-dimensional set of the data.

Where the data have repeated or discretised values, EM can shrink a
component onto a line, a plane or a single point of them: its covariance
then has a direction of variance at the regularisation floor, its density
there is unbounded but for ``reg_covar``, and its likelihood beats every
honest model by a margin that no penalty on the parameter count pays for.
Such a mixture describes the rounding of the data, not their clusters, and
must not win a model selection silently.

A component is *collapsed* when its smallest covariance eigenvalue is within
a small factor of the regularisation floor while the data as a whole spread
along that direction by orders of magnitude more. Data whose whole spread is
at the floor (a feature of constant value, or values far below
``reg_covar``) collapse nothing: every model sits there alike.
"""

import numpy as np

from ._kernels import full_matrices

__all__ = ["collapsed_components", "collapsed_in"]

# A smallest eigenvalue within this factor of the floor sits on the floor:
# what the data add to it there is less than the regularisation itself.
_AT_FLOOR = 10.0
# ... while the data spread along that direction by at least this factor
# more than the floor.
_DATA_SPREAD = 1e3


def regularisation_floor(reg_covar, data_covariance):
    """The variance below which a covariance holds nothing but regularisation.

    ``reg_covar``, and never less than 1e-10 of the data's largest variance,
    the floor that repaired covariances keep with ``reg_covar=0``.
    """
    scale = float(np.max(np.diag(data_covariance), initial=0.0))
    return max(float(reg_covar), 1e-10 * scale, np.finfo(float).tiny)


def data_covariance(X, sample_weight=None):
    """The (weighted) covariance of the data, shape (n_features, n_features)."""
    X = np.asarray(X, dtype=float)
    return np.atleast_2d(np.cov(X, rowvar=False, aweights=sample_weight, bias=True))


def collapsed_components(
    covariances, covariance_type, data_cov, reg_covar, n_components=None
):
    """Flag the components collapsed onto a lower-dimensional set of the data.

    Parameters
    ----------
    covariances : ndarray
        In scikit-learn's layout for ``covariance_type``.
    covariance_type : {"full", "tied", "diag", "spherical"}
    data_cov : ndarray of shape (n_features, n_features)
        Covariance of the data (:func:`data_covariance`).
    reg_covar : float
        The regularisation the covariances were estimated with.
    n_components : int, default=None
        Needed for a tied covariance, shared by that many components.

    Returns
    -------
    collapsed : ndarray of bool, shape (n_components,)
    """
    covariances = np.asarray(covariances, dtype=float)
    if n_components is None:
        n_components = 1 if covariance_type == "tied" else covariances.shape[0]
    n_features = data_cov.shape[0]
    full = np.asarray(
        full_matrices(covariances, covariance_type, n_components, n_features),
        dtype=float,
    )
    floor = regularisation_floor(reg_covar, data_cov)
    with np.errstate(invalid="ignore"):
        eigenvalues, eigenvectors = np.linalg.eigh(full)
    smallest = eigenvalues[:, 0]
    direction = eigenvectors[:, :, 0]
    # The data's variance along each component's thinnest direction.
    spread = np.einsum("km,mn,kn->k", direction, data_cov, direction)
    return (smallest <= _AT_FLOOR * floor) & (spread >= _DATA_SPREAD * floor)


def collapsed_in(parameters, data_cov, reg_covar):
    """:func:`collapsed_components` of a ``MixtureParameters``."""
    return collapsed_components(
        parameters.covariances,
        parameters.covariance_type,
        data_cov,
        reg_covar,
        parameters.n_components,
    )
