"""The search's building blocks: k-means initialisation and initial k."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.cluster import KMeans

from sklearn_esmem._evolution import SearchSettings, kmeans_parameters
from sklearn_esmem.criteria import mdl


def _settings(covariance_type):
    return SearchSettings(covariance_type, mdl, None, 1, 5, 5, 1e-6, 1e-3, 5)


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_weighted_kmeans_start_equals_repeated_rows(covariance_type):
    # scikit-learn's tied estimator uses the unweighted X'X: the weighted start
    # must use the package's own kernel and match repeated rows.
    rng = np.random.RandomState(0)
    X = rng.standard_normal((60, 2))
    weights = rng.randint(1, 4, size=60).astype(float)
    parameters, _ = kmeans_parameters(X, 3, _settings(covariance_type), 0, weights)
    labels = (
        KMeans(3, init="random", n_init=1, max_iter=5, random_state=0)
        .fit(X, sample_weight=weights)
        .labels_
    )
    X_repeated = np.repeat(X, weights.astype(int), axis=0)
    labels_repeated = np.repeat(labels, weights.astype(int))
    means = np.array([X_repeated[labels_repeated == j].mean(axis=0) for j in range(3)])
    assert_allclose(parameters.means, means, rtol=1e-12)
    if covariance_type == "tied":
        diff = X_repeated - means[labels_repeated]
        expected = diff.T @ diff / len(X_repeated) + 1e-6 * np.eye(2)
        assert_allclose(parameters.covariances, expected, rtol=1e-10)
