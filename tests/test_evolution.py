"""The search's building blocks: k-means initialisation, initial k, refinement."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.cluster import KMeans

from sklearn_esmem._em import make_parameters
from sklearn_esmem._evolution import (
    Individual,
    SearchSettings,
    kmeans_parameters,
    minimum_support,
    refine,
)
from sklearn_esmem.criteria import mdl


def _settings(covariance_type, min_components=1):
    return SearchSettings(
        covariance_type, mdl, None, min_components, 5, 5, 1e-6, 1e-3, 5
    )


@pytest.mark.parametrize(
    "covariance_type, expected",
    [("full", 4), ("diag", 2), ("spherical", 2), ("tied", 1)],
)
def test_minimum_support(covariance_type, expected):
    assert minimum_support(3, covariance_type) == expected


def _blobs_and_a_sliver():
    # Two blobs of 100 and a third component on 3 nearly collinear points:
    # in 2-D a full covariance needs 3 points in general position.
    rng = np.random.RandomState(0)
    sliver = np.array([[10.0, 10.0], [10.5, 10.001], [11.0, 10.0]])
    X = np.concatenate([rng.normal(0, 1, (100, 2)), rng.normal(6, 1, (100, 2)), sliver])
    covariances = np.array([np.eye(2), np.eye(2), np.diag([0.2, 1e-6])])
    parameters, _ = make_parameters(
        np.array([100.0, 100.0, 2.9]) / 202.9,
        np.array([[0.0, 0.0], [6.0, 6.0], [10.5, 10.0]]),
        covariances,
        "full",
    )
    return X, parameters


def test_refine_drops_a_component_below_its_minimum_support():
    X, parameters = _blobs_and_a_sliver()
    refined, _ = refine(X, Individual(parameters), _settings("full"), len(X))
    assert refined.n_components == 2
    assert np.isfinite(refined.criterion)


def test_refine_keeps_components_at_min_components():
    X, parameters = _blobs_and_a_sliver()
    settings = _settings("full", min_components=3)
    refined, _ = refine(X, Individual(parameters), settings, len(X))
    assert refined.n_components == 3


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


def _search_opening_pools(recording, cut_over, n_jobs):
    from sklearn_esmem import EvolutionarySplitMergeMixture
    from sklearn_esmem.datasets import make_grid_mixture

    recording(cut_over)
    X, _ = make_grid_mixture(grid_size=2, n_per_component=40, random_state=0)
    est = EvolutionarySplitMergeMixture(
        population_size=4, max_generations=3, n_jobs=n_jobs, random_state=0
    ).fit(X)
    # The individuals' sizes, in the order of dispatch: each task is
    # recorded as the task function and then its arguments.
    sizes = [
        [args[2].n_components for args in batch]
        for batch in recording.parallel.dispatched
    ]
    return recording.parallel.calls, est, sizes


def test_small_generations_stay_in_process(recording):
    opened, _, _ = _search_opening_pools(recording, np.inf, n_jobs=2)
    assert opened == 0


def test_slow_generations_go_to_the_pool_with_the_same_result(recording):
    opened, pooled, dispatched = _search_opening_pools(recording, 0.0, n_jobs=2)
    assert opened == 3
    # Largest individuals first, so that the workers end together.
    assert len(dispatched) == 3
    for sizes in dispatched:
        assert sizes == sorted(sizes, reverse=True)
    assert any(len(set(sizes)) > 1 for sizes in dispatched)
    _, in_process, _ = _search_opening_pools(recording, np.inf, n_jobs=2)
    assert_allclose(pooled.means_, in_process.means_, rtol=0, atol=0)


def test_one_job_never_opens_a_pool(recording):
    opened, _, _ = _search_opening_pools(recording, 0.0, n_jobs=None)
    assert opened == 0
