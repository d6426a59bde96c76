import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_esmem.datasets import (
    make_grid_mixture,
    make_three_components,
    sample_mixture,
)

THREE_MEANS = np.array([[0.0, -2.0], [0.0, 0.0], [0.0, 2.0]])
THREE_COVARIANCE = np.diag([2.0, 0.2])


# --- make_three_components -------------------------------------------------


def test_three_components_shapes_and_labels():
    X, y = make_three_components(random_state=0)
    assert X.shape == (900, 2)
    assert y.shape == (900,)
    assert X.dtype == np.float64
    assert np.issubdtype(y.dtype, np.integer)
    assert set(np.unique(y)) == {0, 1, 2}
    assert np.all(np.isfinite(X))


def test_three_components_n_samples():
    X, y = make_three_components(n_samples=37, random_state=1)
    assert X.shape == (37, 2)
    assert y.shape == (37,)


def test_three_components_deterministic():
    X1, y1 = make_three_components(random_state=42)
    X2, y2 = make_three_components(random_state=np.random.RandomState(42))
    assert_array_equal(X1, X2)
    assert_array_equal(y1, y2)
    X3, _ = make_three_components(random_state=43)
    assert not np.allclose(X1, X3)


def test_three_components_labels_drawn_iid():
    # Counts vary around N/3 (i.i.d. draws, not exactly 300 each).
    _, y = make_three_components(n_samples=30_000, random_state=0)
    counts = np.bincount(y, minlength=3)
    assert counts.sum() == 30_000
    # 5 standard deviations of a Binomial(30000, 1/3) count is about 408.
    assert_allclose(counts, 10_000, atol=410)


def test_three_components_sample_moments_match_truth():
    X, y = make_three_components(n_samples=30_000, random_state=0)
    for j in range(3):
        Xj = X[y == j]
        assert_allclose(Xj.mean(axis=0), THREE_MEANS[j], atol=0.06)
        assert_allclose(np.cov(Xj, rowvar=False), THREE_COVARIANCE, atol=0.08)


def test_three_components_return_mixture():
    X, y, mixture = make_three_components(random_state=0, return_mixture=True)
    assert set(mixture) == {"weights", "means", "covariances"}
    assert_allclose(mixture["weights"], np.full(3, 1 / 3))
    assert_allclose(mixture["means"], THREE_MEANS)
    assert_allclose(mixture["covariances"], np.tile(THREE_COVARIANCE, (3, 1, 1)))
    # return_mixture does not change the data.
    X2, y2 = make_three_components(random_state=0)
    assert_array_equal(X, X2)
    assert_array_equal(y, y2)


def test_three_components_held_out_data():
    X, _, mixture = make_three_components(random_state=0, return_mixture=True)
    X_test, y_test = sample_mixture(mixture, 500, random_state=1)
    assert X_test.shape == (500, 2)
    assert y_test.shape == (500,)
    assert not np.allclose(X[:500], X_test)


@pytest.mark.parametrize("n_samples", [0, -1, 2.5, "900", None, True])
def test_three_components_invalid_n_samples(n_samples):
    with pytest.raises(ValueError, match="n_samples"):
        make_three_components(n_samples=n_samples)


# --- make_grid_mixture ------------------------------------------------------


@pytest.mark.parametrize("grid_size, n_samples", [(3, 900), (7, 4900)])
def test_grid_shapes_and_exact_counts(grid_size, n_samples):
    X, y = make_grid_mixture(grid_size=grid_size, random_state=0)
    assert X.shape == (n_samples, 2)
    assert y.shape == (n_samples,)
    assert np.issubdtype(y.dtype, np.integer)
    assert_array_equal(np.bincount(y), np.full(grid_size**2, 100))


def test_grid_is_shuffled():
    _, y = make_grid_mixture(random_state=0)
    assert not np.all(np.diff(y) >= 0)


def test_grid_deterministic():
    X1, y1 = make_grid_mixture(grid_size=4, random_state=7)
    X2, y2 = make_grid_mixture(grid_size=4, random_state=np.random.RandomState(7))
    assert_array_equal(X1, X2)
    assert_array_equal(y1, y2)
    X3, _ = make_grid_mixture(grid_size=4, random_state=8)
    assert not np.allclose(X1, X3)


@pytest.mark.parametrize("grid_size, spacing", [(3, 1.0), (7, 1.0), (2, 2.5)])
def test_grid_means_close_to_grid(grid_size, spacing):
    std = 0.15
    n = 400
    X, y, mixture = make_grid_mixture(
        grid_size=grid_size,
        n_per_component=n,
        spacing=spacing,
        std=std,
        random_state=0,
        return_mixture=True,
    )
    expected = np.array(
        [(j * spacing, i * spacing) for i in range(grid_size) for j in range(grid_size)]
    )
    assert_allclose(mixture["means"], expected)
    # Sample means are within 5 standard errors of the true grid points.
    sample_means = np.array([X[y == c].mean(axis=0) for c in range(grid_size**2)])
    assert_allclose(sample_means, expected, atol=5 * std / np.sqrt(n))
    sample_stds = np.array([X[y == c].std(axis=0) for c in range(grid_size**2)])
    assert_allclose(sample_stds, std, rtol=0.2)


def test_grid_return_mixture():
    X, y, mixture = make_grid_mixture(
        grid_size=3, std=0.2, random_state=0, return_mixture=True
    )
    assert set(mixture) == {"weights", "means", "covariances"}
    assert_allclose(mixture["weights"], np.full(9, 1 / 9))
    assert mixture["means"].shape == (9, 2)
    assert_allclose(mixture["covariances"], np.tile(0.04 * np.eye(2), (9, 1, 1)))
    X2, y2 = make_grid_mixture(grid_size=3, std=0.2, random_state=0)
    assert_array_equal(X, X2)
    assert_array_equal(y, y2)
    X_test, y_test = sample_mixture(mixture, 90, random_state=0)
    assert X_test.shape == (90, 2)
    assert y_test.max() < 9


def test_grid_single_component():
    X, y = make_grid_mixture(grid_size=1, n_per_component=5, random_state=0)
    assert X.shape == (5, 2)
    assert_array_equal(y, 0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"grid_size": 0}, "grid_size"),
        ({"grid_size": 2.0}, "grid_size"),
        ({"n_per_component": 0}, "n_per_component"),
        ({"spacing": 0.0}, "spacing"),
        ({"spacing": -1.0}, "spacing"),
        ({"spacing": np.inf}, "spacing"),
        ({"std": 0}, "std"),
        ({"std": "0.1"}, "std"),
        ({"std": np.nan}, "std"),
    ],
)
def test_grid_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_grid_mixture(**kwargs)


# --- sample_mixture ---------------------------------------------------------


def test_sample_mixture_respects_weights_and_covariances():
    mixture = {
        "weights": [0.8, 0.2],
        "means": [[0.0, 0.0, 0.0], [10.0, 0.0, -10.0]],
        "covariances": [np.eye(3), [[2.0, 0.5, 0.0], [0.5, 1.0, 0.0], [0, 0, 0.5]]],
    }
    X, y = sample_mixture(mixture, 20_000, random_state=0)
    assert X.shape == (20_000, 3)
    assert_allclose(np.bincount(y) / y.size, [0.8, 0.2], atol=0.015)
    for j in range(2):
        Xj = X[y == j]
        assert_allclose(Xj.mean(axis=0), mixture["means"][j], atol=0.1)
        assert_allclose(np.cov(Xj, rowvar=False), mixture["covariances"][j], atol=0.1)


def test_sample_mixture_zero_weight_component_never_drawn():
    mixture = {
        "weights": [1.0, 0.0],
        "means": [[0.0], [5.0]],
        "covariances": [[[1.0]], [[1.0]]],
    }
    _, y = sample_mixture(mixture, 200, random_state=0)
    assert_array_equal(y, 0)


@pytest.mark.parametrize(
    "mixture, match",
    [
        ([1.0], "dict"),
        ({"weights": [1.0], "means": [[0.0]]}, "missing"),
        ({"weights": [], "means": [[0.0]], "covariances": [[[1.0]]]}, "weights"),
        ({"weights": [0.5, 0.6], "means": [[0], [1]], "covariances": [[[1]], [[1]]]},
         "sum to 1"),
        ({"weights": [1.0], "means": [0.0], "covariances": [[[1.0]]]}, "means"),
        ({"weights": [1.0], "means": [[0.0, 0.0]], "covariances": [np.eye(3)]},
         "covariances"),
        ({"weights": [1.0], "means": [[0.0]], "covariances": [[[-1.0]]]},
         "positive definite"),
    ],
)  # fmt: skip
def test_sample_mixture_invalid_mixture(mixture, match):
    with pytest.raises(ValueError, match=match):
        sample_mixture(mixture, 10, random_state=0)


def test_sample_mixture_invalid_n_samples():
    mixture = {"weights": [1.0], "means": [[0.0]], "covariances": [[[1.0]]]}
    with pytest.raises(ValueError, match="n_samples"):
        sample_mixture(mixture, 0)
