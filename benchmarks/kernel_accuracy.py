"""Accuracy of the batched kernels and of scikit-learn's, against exact answers.

The exact answers are scikit-learn's full-covariance routines, which work on
differences, applied to the data moved back to the origin (X - 1e4 is exact
for these X): densities and covariances do not depend on the origin. For
diag, spherical and tied the full routine's results are reduced to the
type's layout. Errors: max |error| / max |exact| for the log-densities, and
max |error_ab| / sqrt(var_a var_b) for the covariances.

Run: ``python benchmarks/kernel_accuracy.py``.
"""

import numpy as np

from sklearn_esmem._em import COVARIANCE_TYPES
from sklearn_esmem._kernels import gaussian_parameters, log_gaussian_prob
from sklearn_esmem._sklearn_compat import (
    compute_precision_cholesky,
    estimate_gaussian_parameters,
    estimate_log_gaussian_prob,
)

OFFSET = 1e4
REG_COVAR = 1e-9


def clusters(spread, n_components=4, n_features=3, n_per=250, seed=0):
    """Clusters about 10 apart, 1e4 from the origin, with the given spread."""
    rng = np.random.RandomState(seed)
    centres = 10.0 * rng.normal(size=(n_components, n_features))
    labels = np.repeat(np.arange(n_components), n_per)
    X = centres[labels] + spread * rng.normal(size=(labels.size, n_features))
    resp = np.eye(n_components)[labels] * (1 - 1e-6) + 1e-6 / n_components
    return X, resp


def exact(X, resp, covariance_type):
    """Parameters and precision factors from scikit-learn's full routine."""
    nk, means, full = estimate_gaussian_parameters(X, resp, 0.0, "full")
    eye = np.eye(X.shape[1])
    if covariance_type == "full":
        covariances = full + REG_COVAR * eye
        factors = compute_precision_cholesky(covariances, "full")
    elif covariance_type == "tied":
        covariances = np.tensordot(nk, full, axes=1) / nk.sum() + REG_COVAR * eye
        factors = np.repeat(
            compute_precision_cholesky(covariances, "tied")[np.newaxis], len(nk), 0
        )
    else:
        covariances = np.diagonal(full, axis1=1, axis2=2) + REG_COVAR
        if covariance_type == "spherical":
            covariances = covariances.mean(axis=1)
            factors = (covariances**-0.5)[:, np.newaxis, np.newaxis] * eye
        else:
            factors = np.array([np.diag(v**-0.5) for v in covariances])
    return means, covariances, factors


def covariance_error(actual, desired, covariance_type):
    if covariance_type in ("diag", "spherical"):
        return np.max(np.abs(actual - desired) / desired)
    scale = np.sqrt(np.diagonal(desired, axis1=-2, axis2=-1))
    return np.max(
        np.abs(actual - desired) / scale[..., :, np.newaxis] / scale[..., np.newaxis, :]
    )


def main():
    print(
        "| data | type | E-step ours | E-step scikit-learn | M-step ours | "
        "M-step scikit-learn |"
    )
    print("|---|---|---|---|---|---|")
    for label, spread in [
        ("one cluster, spread 1", None),
        ("clusters 10 apart, spread 3", 3.0),
        ("clusters 10 apart, spread 1e-3", 1e-3),
    ]:
        if spread is None:
            X, resp = clusters(1.0, n_components=1)
        else:
            X, resp = clusters(spread)
        far = X + OFFSET
        X = far - OFFSET  # exact: the same points, at the origin
        for covariance_type in COVARIANCE_TYPES:
            means, covariances, factors = exact(X, resp, covariance_type)
            chol = compute_precision_cholesky(covariances, covariance_type)
            truth = estimate_log_gaussian_prob(X, means, factors, "full")
            scale = np.abs(truth).max()
            ours = log_gaussian_prob(far, means + OFFSET, chol, covariance_type)
            theirs = estimate_log_gaussian_prob(
                far, means + OFFSET, chol, covariance_type
            )
            m_ours = gaussian_parameters(far, resp, REG_COVAR, covariance_type)[2]
            m_theirs = estimate_gaussian_parameters(
                far, resp, REG_COVAR, covariance_type
            )[2]
            print(
                f"| {label}, at 1e4 | {covariance_type} | "
                f"{np.abs(ours - truth).max() / scale:.1e} | "
                f"{np.abs(theirs - truth).max() / scale:.1e} | "
                f"{covariance_error(m_ours, covariances, covariance_type):.1e} | "
                f"{covariance_error(m_theirs, covariances, covariance_type):.1e} |"
            )


if __name__ == "__main__":
    main()
