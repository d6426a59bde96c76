"""Tests of the paper's data sets: separation and overlap measures, the
c-separation and MixSim generators, the shape sets, the Pendigits stand-in
and the registry."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import ndtr
from scipy.stats import chi2, ncx2

from sklearn_esmem.datasets import (
    SHAPE_SETS,
    c_separation,
    load_digits_pca,
    load_paper_dataset,
    make_c_separated_mixture,
    make_overlap_mixture,
    make_shape,
    pair_statistics,
    pairwise_overlap,
    paper_datasets,
    sample_mixture,
)
from sklearn_esmem.datasets._quadform import (
    quadratic_form_cdf,
    quadratic_form_cdf_many,
)


def _random_mixture(rng, n_components, n_features, scale, weights=None):
    covariances = np.array(
        [
            np.cov(rng.standard_normal((n_features + 3, n_features)), rowvar=False)
            * scale
            for _ in range(n_components)
        ]
    )
    if weights is None:
        weights = rng.dirichlet(np.full(n_components, 3.0))
    return {
        "weights": weights,
        "means": rng.uniform(0, 1, (n_components, n_features)),
        "covariances": covariances,
    }


# --- the quadratic-form distribution (the exact route) ---------------------


@pytest.mark.parametrize(
    "a, c, q",
    [(1.0, 0.0, 0.3), (-2.0, 1.5, 0.9), (0.05, 4.0, 0.01), (1e-4, 1.0, 0.5),
     (-30.0, 0.2, 0.999), (3.0, -0.7, 0.002)],
)  # fmt: skip
def test_quadratic_form_one_term_is_noncentral_chi2(a, c, q):
    # a (W + c)^2 = a W^2 + 2 a c W + a c^2 with W standard normal.
    x = ncx2.ppf(q, 1, c**2)
    expected = q if a > 0 else 1 - q
    got = quadratic_form_cdf([a], [2 * a * c], a * x - a * c**2)
    assert_allclose(got, expected, atol=1e-10)


@pytest.mark.parametrize("t", [0.01, 0.7, 3.0, 12.0, 40.0])
def test_quadratic_form_central_chi2(t):
    assert_allclose(quadratic_form_cdf(np.ones(2), np.zeros(2), t), chi2.cdf(t, 2))
    assert_allclose(quadratic_form_cdf(np.ones(7), np.zeros(7), t), chi2.cdf(t, 7))
    assert_allclose(quadratic_form_cdf([-1.0], [0.0], -t), chi2.sf(t, 1), atol=1e-12)


def test_quadratic_form_normal_and_degenerate_cases():
    assert_allclose(quadratic_form_cdf([0.0, 0.0], [3.0, 4.0], 2.5), ndtr(0.5))
    assert quadratic_form_cdf([0.0], [0.0], 0.1) == 1.0
    assert quadratic_form_cdf([0.0], [0.0], -0.1) == 0.0


def test_quadratic_form_batch_matches_single_forms():
    rng = np.random.RandomState(0)
    a = rng.standard_normal((30, 3)) * np.exp(rng.uniform(-6, 1, (30, 3)))
    b = rng.standard_normal((30, 3))
    a[:5, 0] = 0.0  # eigenvalues equal to one
    t = rng.standard_normal(30) * 2
    single = [quadratic_form_cdf(a[i], b[i], t[i]) for i in range(30)]
    assert_allclose(quadratic_form_cdf_many(a, b, t), single, atol=1e-10)


def test_quadratic_form_against_monte_carlo():
    rng = np.random.RandomState(1)
    a = np.array([1.3, -0.4, 0.02, 0.0])
    b = np.array([0.1, 0.5, -0.8, 0.3])
    W = rng.standard_normal((400_000, 4))
    Q = (a * W**2 + b * W).sum(axis=1)
    for t in np.quantile(Q, [0.01, 0.3, 0.8]):
        p = np.mean(Q <= t)
        se = np.sqrt(p * (1 - p) / len(Q))
        assert abs(quadratic_form_cdf(a, b, t) - p) < 4 * se


# --- c_separation and pair_statistics --------------------------------------


def test_c_separation_definition():
    mixture = {
        "weights": [0.2, 0.3, 0.5],
        "means": [[0.0, 0.0, 0.0], [3.0, 0.0, 0.0], [0.0, 4.0, 0.0]],
        "covariances": [np.eye(3), np.diag([4.0, 1.0, 1.0]), 0.25 * np.eye(3)],
    }
    sep = c_separation(mixture)
    assert_allclose(sep, sep.T)
    assert_allclose(np.diag(sep), 0.0)
    assert_allclose(sep[0, 1], 3.0 / np.sqrt(3 * 4.0))
    assert_allclose(sep[0, 2], 4.0 / np.sqrt(3 * 1.0))
    assert_allclose(sep[1, 2], 5.0 / np.sqrt(3 * 4.0))
    stats = pair_statistics(sep)
    assert_allclose(stats["min"], 0.8660254037844386)
    assert_allclose(stats["max"], 4.0 / np.sqrt(3))
    assert_allclose(stats["mean"], sep[np.triu_indices(3, 1)].mean())


@pytest.mark.parametrize("matrix", [np.ones(3), np.ones((2, 3)), [[1.0]]])
def test_pair_statistics_invalid(matrix):
    with pytest.raises(ValueError, match="square"):
        pair_statistics(matrix)


def test_c_separation_invalid_mixture():
    with pytest.raises(ValueError, match="dict"):
        c_separation([1.0])


# --- pairwise_overlap --------------------------------------------------------


def test_overlap_homogeneous_closed_form():
    # Equal covariances: omega_{j|i} = Phi((ln(pi_j / pi_i) - D^2 / 2) / D).
    covariance = np.array([[2.0, 0.6], [0.6, 0.5]])
    mixture = {
        "weights": [0.2, 0.8],
        "means": [[0.0, 0.0], [1.5, 0.5]],
        "covariances": [covariance, covariance],
    }
    diff = np.subtract(*mixture["means"])
    D = np.sqrt(diff @ np.linalg.solve(covariance, diff))
    expected = ndtr((np.log(4.0) - D**2 / 2) / D) + ndtr((np.log(0.25) - D**2 / 2) / D)
    omega = pairwise_overlap(mixture)
    assert_allclose(omega[0, 1], expected, rtol=1e-12)
    assert_allclose(omega[1, 0], expected, rtol=1e-12)
    assert_allclose(np.diag(omega), 1.0)


def test_overlap_homogeneous_limit_of_general_route():
    # A covariance a hair away from equality goes through the numerical
    # inversion and must meet the closed form.
    covariance = np.array([[1.0, 0.3], [0.3, 0.8]])
    mixture = {
        "weights": [0.5, 0.5],
        "means": [[0.0, 0.0], [1.0, 1.0]],
        "covariances": [covariance, covariance * (1 + 1e-9)],
    }
    exact = pairwise_overlap(mixture)[0, 1]
    mixture["covariances"] = [covariance, covariance]
    assert_allclose(exact, pairwise_overlap(mixture)[0, 1], atol=1e-7)


def _assert_exact_matches_monte_carlo(mixture, n_mc=100_000):
    exact = pairwise_overlap(mixture)
    estimate, se = pairwise_overlap(mixture, method="mc", n_mc=n_mc, random_state=0)
    upper = np.triu_indices(len(exact), 1)
    # The standard error of the exact value's binomial, so that an estimate
    # of 0 (a standard error of 0) still gets a tolerance.
    se_exact = np.sqrt(2 * exact * (1 - exact) / n_mc)
    tolerance = 4 * np.maximum(se, se_exact) + 2.0 / n_mc
    assert np.all(np.abs(exact - estimate)[upper] <= tolerance[upper])
    return exact


@pytest.mark.parametrize(
    "seed, n_features, scale", [(0, 2, 0.05), (1, 2, 0.4), (2, 4, 0.1), (3, 4, 0.6)]
)
def test_overlap_exact_against_monte_carlo(seed, n_features, scale):
    rng = np.random.RandomState(seed)
    mixture = _random_mixture(rng, 3, n_features, scale)
    exact = _assert_exact_matches_monte_carlo(mixture)
    # The mixtures are chosen so that the comparison is not vacuous.
    assert pair_statistics(exact)["max"] > 0.05


def test_overlap_with_an_eigenvalue_equal_to_one():
    # S_i^(1/2) S_j^-1 S_i^(1/2) = diag(1, 0.25, 1): a purely normal term.
    mixture = {
        "weights": [0.4, 0.6],
        "means": [[0.0, 0.0, 0.0], [0.8, -0.5, 0.3]],
        "covariances": [np.eye(3), np.diag([1.0, 4.0, 1.0])],
    }
    _assert_exact_matches_monte_carlo(mixture)


def test_overlap_zero_weight_component():
    mixture = {
        "weights": [1.0, 0.0],
        "means": [[0.0], [0.5]],
        "covariances": [[[1.0]], [[2.0]]],
    }
    # pi_2 phi_2 = 0 is never above, and always below: omega = 0 + 1.
    assert_allclose(pairwise_overlap(mixture)[0, 1], 1.0)


def test_overlap_identical_components():
    mixture = {
        "weights": [0.3, 0.7],
        "means": [[1.0, 2.0], [1.0, 2.0]],
        "covariances": [np.eye(2), np.eye(2)],
    }
    # pi_1 phi < pi_2 phi everywhere, never the other way.
    assert_allclose(pairwise_overlap(mixture)[0, 1], 1.0)


def test_overlap_monte_carlo_deterministic_and_shaped():
    rng = np.random.RandomState(0)
    mixture = _random_mixture(rng, 3, 2, 0.3)
    omega1, se1 = pairwise_overlap(mixture, method="mc", n_mc=2000, random_state=3)
    omega2, se2 = pairwise_overlap(mixture, method="mc", n_mc=2000, random_state=3)
    assert_array_equal(omega1, omega2)
    assert_array_equal(se1, se2)
    assert omega1.shape == se1.shape == (3, 3)
    assert_allclose(omega1, omega1.T)
    assert_allclose(np.diag(omega1), 1.0)
    assert_allclose(np.diag(se1), 0.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [({"method": "davies"}, "method"), ({"method": "mc", "n_mc": 0}, "n_mc"),
     ({"method": "mc", "n_mc": 10.5}, "n_mc")],
)  # fmt: skip
def test_overlap_invalid_arguments(kwargs, match):
    mixture = {"weights": [0.5, 0.5], "means": [[0.0], [1.0]],
               "covariances": [[[1.0]], [[1.0]]]}  # fmt: skip
    with pytest.raises(ValueError, match=match):
        pairwise_overlap(mixture, **kwargs)


# --- make_c_separated_mixture ------------------------------------------------


@pytest.mark.parametrize("c", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("n_components, n_features", [(4, 4), (4, 8), (12, 4), (12, 8)])
def test_c_separated_minimum_pair(c, n_components, n_features):
    X, y, mixture = make_c_separated_mixture(
        100 * n_components, n_components, n_features, c, random_state=0,
        return_mixture=True,
    )  # fmt: skip
    assert X.shape == (100 * n_components, n_features)
    assert y.shape == (100 * n_components,)
    stats = pair_statistics(c_separation(mixture))
    assert c <= stats["min"] <= c + 0.005
    assert stats["max"] <= 4.0 + 1e-12  # varsep = 4 - c
    assert_allclose(mixture["weights"].sum(), 1.0)


def test_c_separated_deterministic_and_truth():
    kwargs = {"n_samples": 400, "n_components": 4, "n_features": 4, "c": 1.0}
    X1, y1, m1 = make_c_separated_mixture(**kwargs, random_state=5, return_mixture=True)
    X2, y2 = make_c_separated_mixture(**kwargs, random_state=np.random.RandomState(5))
    assert_array_equal(X1, X2)
    assert_array_equal(y1, y2)
    X3, _ = make_c_separated_mixture(**kwargs, random_state=6)
    assert not np.allclose(X1, X3)
    # The truth is a valid mixture: sample_mixture draws from it.
    X_test, _ = sample_mixture(m1, 50, random_state=0)
    assert X_test.shape == (50, 4)
    np.linalg.cholesky(m1["covariances"])


def test_c_separated_random_weights_and_eccentricity():
    _, _, mixture = make_c_separated_mixture(
        800, 4, 2, 1.0, eccentricity=5.0, uniform_weights=False, random_state=0,
        return_mixture=True,
    )  # fmt: skip
    assert np.all(mixture["weights"] > 1 / 8 - 0.01)
    assert not np.allclose(mixture["weights"], 0.25)
    stats = pair_statistics(c_separation(mixture))
    assert 1.0 <= stats["min"] <= 1.005
    # Principal standard deviations drawn in [1, 5]: far from spherical.
    eigenvalues = np.linalg.eigvalsh(mixture["covariances"])
    assert np.max(eigenvalues[:, -1] / eigenvalues[:, 0]) > 2.0


def test_c_separated_custom_varsep():
    _, _, mixture = make_c_separated_mixture(
        400, 4, 4, 1.0, varsep=1.0, random_state=0, return_mixture=True
    )
    stats = pair_statistics(c_separation(mixture))
    assert 1.0 <= stats["min"] <= 1.005
    assert stats["max"] <= 2.0 + 1e-12


@pytest.mark.parametrize(
    "kwargs, match",
    [({"n_samples": 0}, "n_samples"), ({"n_components": 1}, "n_components"),
     ({"n_features": 0}, "n_features"), ({"c": 0.0}, "c must"),
     ({"c": "1"}, "c must"), ({"eccentricity": 0.5}, "eccentricity"),
     ({"uniform_weights": 1}, "uniform_weights"), ({"varsep": 0.001}, "varsep"),
     ({"max_restarts": -1}, "max_restarts"),
     ({"n_samples": 12, "n_features": 4}, "too small")],
)  # fmt: skip
def test_c_separated_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_c_separated_mixture(**kwargs)


# --- make_overlap_mixture ----------------------------------------------------


@pytest.mark.parametrize("target", [0.1, 0.01, 0.001])
@pytest.mark.parametrize("n_features", [4, 8])
def test_overlap_mixture_reaches_target(target, n_features):
    X, y, mixture = make_overlap_mixture(
        400, 4, n_features, target, random_state=0, return_mixture=True
    )
    assert X.shape == (400, n_features)
    stats = pair_statistics(pairwise_overlap(mixture))
    assert abs(stats["mean"] - target) <= 0.1 * target
    assert abs(stats["mean"] - target) < 1e-6  # MixSim's eps
    assert_allclose(mixture["weights"], 0.25)
    assert np.all(np.bincount(y, minlength=4) >= 1)


def test_overlap_mixture_monte_carlo_check():
    # An independent check of the whole chain: MC on the generated truth.
    _, _, mixture = make_overlap_mixture(
        300, 3, 2, 0.05, random_state=1, return_mixture=True
    )
    _assert_exact_matches_monte_carlo(mixture)


def test_overlap_mixture_deterministic():
    X1, y1, m1 = make_overlap_mixture(200, 4, 3, 0.01, random_state=3,
                                      return_mixture=True)  # fmt: skip
    X2, y2 = make_overlap_mixture(200, 4, 3, 0.01,
                                  random_state=np.random.RandomState(3))  # fmt: skip
    assert_array_equal(X1, X2)
    assert_array_equal(y1, y2)
    X3, _ = make_overlap_mixture(200, 4, 3, 0.01, random_state=4)
    assert not np.allclose(X1, X3)
    assert np.all((m1["means"] >= 0) & (m1["means"] <= 1))


def test_overlap_mixture_eccentricity_bound():
    _, _, mixture = make_overlap_mixture(
        200, 6, 5, 0.01, max_eccentricity=0.5, random_state=0, return_mixture=True
    )
    eigenvalues = np.linalg.eigvalsh(mixture["covariances"])
    eccentricity = np.sqrt(1 - eigenvalues[:, 0] / eigenvalues[:, -1])
    assert np.all(eccentricity <= 0.5 + 1e-9)


@pytest.mark.parametrize(
    "kwargs, match",
    [({"n_samples": 3}, "n_samples"), ({"n_components": 1}, "n_components"),
     ({"mean_overlap": 0.0}, "mean_overlap"), ({"mean_overlap": 1.0}, "mean_overlap"),
     ({"max_eccentricity": 1.5}, "max_eccentricity"), ({"tol": 0}, "tol"),
     ({"max_resamples": 0}, "max_resamples")],
)  # fmt: skip
def test_overlap_mixture_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_overlap_mixture(**kwargs)


# --- shapes ------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SHAPE_SETS))
def test_shapes_table_2(name):
    n_samples, k = SHAPE_SETS[name]
    X, y = make_shape(name, random_state=0)
    assert X.shape == (n_samples, 2)
    assert_array_equal(np.unique(y), np.arange(k))
    assert np.all(np.isfinite(X))
    # Every stroke gets a fair share of points (uniform density).
    assert np.bincount(y).min() >= n_samples / (3 * k)
    X2, y2 = make_shape(name.upper(), random_state=0)
    assert_array_equal(X, X2)
    assert_array_equal(y, y2)
    X3, _ = make_shape(name, random_state=1)
    assert not np.allclose(X, X3)


def test_shape_n_samples_and_invalid():
    X, y = make_shape("Two bars", n_samples=31, random_state=0)
    assert X.shape == (31, 2)
    with pytest.raises(ValueError, match="name"):
        make_shape("Letter Z")
    with pytest.raises(ValueError, match="n_samples"):
        make_shape("Triangle", n_samples=0)


# --- Pendigits stand-in ------------------------------------------------------


def test_load_digits_pca():
    X, y = load_digits_pca()
    assert X.shape == (901, 2)
    assert_array_equal(np.unique(y), np.arange(5))
    assert_allclose(X.mean(axis=0), 0.0, atol=1e-10)
    # Principal components: uncorrelated, decreasing variance.
    cov = np.cov(X, rowvar=False)
    assert abs(cov[0, 1]) < 1e-8 * cov[0, 0]
    assert cov[0, 0] > cov[1, 1]
    X2, y2 = load_digits_pca()
    assert_array_equal(X, X2)
    Xs, ys = load_digits_pca(shuffle=True, random_state=0)
    order = np.lexsort((Xs[:, 1], Xs[:, 0]))
    reference = np.lexsort((X[:, 1], X[:, 0]))
    assert_allclose(Xs[order], X[reference])
    assert_array_equal(ys[order], y[reference])
    with pytest.raises(ValueError, match="shuffle"):
        load_digits_pca(shuffle="yes")


# --- the registry ------------------------------------------------------------

TABLE_2 = {
    "9Gauss": (900, 2, 9), "49Gauss": (4900, 2, 49), "3-components": (900, 2, 3),
    "Triangle": (500, 2, 5), "Letter A": (300, 2, 3), "Letter B": (400, 2, 5),
    "Letter M": (400, 2, 4), "Letter Y": (300, 2, 3), "In X": (500, 2, 5),
    "Two bars": (300, 2, 3),
}  # fmt: skip


def test_paper_datasets_lists_the_35_sets():
    names = paper_datasets()
    assert len(names) == len(set(names)) == 35
    assert names[:11] == [*TABLE_2, "Pendigits"]
    kinds = ["named", "shape", "real", "c-separation", "overlap"]
    assert sum(len(paper_datasets(kind)) for kind in kinds) == 35
    assert paper_datasets("c-separation")[:3] == ["c0.5-k4M4", "c1.0-k4M4", "c2.0-k4M4"]
    assert "0.001-k12M8" in paper_datasets("overlap")
    with pytest.raises(ValueError, match="kind"):
        paper_datasets("gaussian")


@pytest.mark.parametrize("name", list(TABLE_2))
def test_load_paper_dataset_named_and_shapes(name):
    n_samples, n_features, k = TABLE_2[name]
    X, y, k_true, mixture = load_paper_dataset(name, random_state=0)
    assert X.shape == (n_samples, n_features)
    assert y.shape == (n_samples,)
    assert k_true == k
    if name in SHAPE_SETS:
        assert mixture is None
    else:
        assert len(mixture["weights"]) == k
        X_test, _ = sample_mixture(mixture, 100, random_state=0)
        assert X_test.shape == (100, 2)


def test_load_paper_dataset_grid_parameters():
    _, _, _, nine = load_paper_dataset("9Gauss", random_state=0)
    _, _, _, forty_nine = load_paper_dataset("49Gauss", random_state=0)
    assert_allclose(nine["covariances"][0], 0.22**2 * np.eye(2))
    assert_allclose(forty_nine["covariances"][0], 0.15**2 * np.eye(2))


def test_load_paper_dataset_pendigits():
    X, y, k, mixture = load_paper_dataset("Pendigits")
    assert X.shape == (901, 2)
    assert k is None and mixture is None


@pytest.mark.parametrize("name", ["c0.5-k4M8", "c2-k12M4", "0.01-k4M4", "0.1-k4M8"])
def test_load_paper_dataset_synthetic(name):
    X, y, k, mixture = load_paper_dataset(name, random_state=0)
    n_features = int(name.rsplit("M", 1)[1])
    assert k == int(name.split("-k")[1].split("M")[0])
    assert X.shape == (100 * k, n_features)
    assert len(mixture["weights"]) == k
    X2, y2, _, _ = load_paper_dataset(name, random_state=0)
    assert_array_equal(X, X2)
    if name.startswith("c"):
        c = float(name.split("-")[0][1:])
        assert c <= pair_statistics(c_separation(mixture))["min"] <= c + 0.005
    else:
        omega = float(name.split("-")[0])
        mean = pair_statistics(pairwise_overlap(mixture))["mean"]
        assert abs(mean - omega) < 1e-6


@pytest.mark.parametrize("name", ["c1-k4M4", "C1.0-K4M4", "letter a", " 9Gauss "])
def test_load_paper_dataset_aliases(name):
    X, _, _, _ = load_paper_dataset(name, random_state=0)
    assert len(X) > 0


@pytest.mark.parametrize("name", ["c3-k4M4", "0.5-k4M4", "Iris", 3, None])
def test_load_paper_dataset_unknown(name):
    with pytest.raises(ValueError, match="Unknown data set"):
        load_paper_dataset(name)
