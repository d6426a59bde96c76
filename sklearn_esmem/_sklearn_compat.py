"""The one place that imports scikit-learn's private helpers.

scikit-learn's mixture internals are not public API. Every private name this
package uses is imported here, so that a change in a future release breaks one
module, not ten. Since scikit-learn 1.8 these helpers take an ``xp=`` keyword
for the array API; we call them positionally and never pass it, which works on
every version in the supported range.
"""

import inspect

import numpy as np
import sklearn
from sklearn.base import _fit_context
from sklearn.mixture._gaussian_mixture import (
    _compute_precision_cholesky,
    _estimate_gaussian_parameters,
    _estimate_log_gaussian_prob,
)
from sklearn.utils.fixes import parse_version
from sklearn.utils.validation import _check_sample_weight

__all__ = [
    "SKLEARN_VERSION",
    "check_sample_weight",
    "fit_context",
    "compute_precision_cholesky",
    "estimate_gaussian_parameters",
    "estimate_log_gaussian_prob",
]

SKLEARN_VERSION = parse_version(parse_version(sklearn.__version__).base_version)

# Validates the parameters (nested estimators too) before ``fit`` runs.
fit_context = _fit_context


def estimate_gaussian_parameters(X, resp, reg_covar, covariance_type):
    """Return ``(nk, means, covariances)`` from responsibilities (M-step)."""
    return _estimate_gaussian_parameters(X, resp, reg_covar, covariance_type)


def compute_precision_cholesky(covariances, covariance_type):
    """Return the Cholesky factors of the precisions.

    Raises ``ValueError`` when a covariance is not positive definite.
    """
    return _compute_precision_cholesky(covariances, covariance_type)


def estimate_log_gaussian_prob(X, means, precisions_cholesky, covariance_type):
    """Return ``ln N(x_i; mu_j, Sigma_j)`` as an array of shape (n_samples, k)."""
    return _estimate_log_gaussian_prob(X, means, precisions_cholesky, covariance_type)


def check_sample_weight(sample_weight, X):
    """Validate non-negative sample weights as a float64 array of shape (n,).

    All-zero weights are let through (scikit-learn >= 1.7 would reject them
    with its own message, 1.6 would not), so that the estimators' own check
    gives the same error on every supported version.
    """
    options = _SAMPLE_WEIGHT_OPTIONS
    return _check_sample_weight(sample_weight, X, dtype=np.float64, **options)


def _sample_weight_options():
    parameters = inspect.signature(_check_sample_weight).parameters
    # scikit-learn < 1.6 called ensure_non_negative only_non_negative.
    name = (
        "ensure_non_negative"
        if "ensure_non_negative" in parameters
        else "only_non_negative"
    )
    options = {name: True}
    if "allow_all_zero_weights" in parameters:
        options["allow_all_zero_weights"] = True
    return options


_SAMPLE_WEIGHT_OPTIONS = _sample_weight_options()
