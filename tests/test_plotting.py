import subprocess
import sys

import numpy as np
import pytest
from scipy.stats import chi2, norm
from sklearn.exceptions import NotFittedError
from sklearn.mixture import GaussianMixture

from sklearn_esmem import EvolutionarySplitMergeMixture
from sklearn_esmem.plotting import plot_history, plot_mixture

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Ellipse, Rectangle  # noqa: E402

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _cheap(**params):
    return EvolutionarySplitMergeMixture(
        population_size=3, max_generations=4, random_state=0, **params
    )


@pytest.fixture(scope="module")
def data3d():
    rng = np.random.RandomState(0)
    cov = np.array([[2.0, 0.8, 0.3], [0.8, 1.0, -0.2], [0.3, -0.2, 0.5]])
    return np.vstack(
        [
            rng.multivariate_normal([0, 0, 0], cov, 80),
            rng.multivariate_normal([6, -4, 2], cov * 0.5, 80),
        ]
    )


@pytest.fixture(scope="module", params=COVARIANCE_TYPES)
def fitted(request, data3d):
    return _cheap(covariance_type=request.param).fit(data3d)


def _marginal_covariances(est, features):
    """Marginal covariances on ``features``, from sklearn's layout, by hand."""
    k, m = est.means_.shape
    cov = est.covariances_
    full = {
        "full": lambda: cov,
        "tied": lambda: np.repeat(cov[None], k, axis=0),
        "diag": lambda: np.array([np.diag(c) for c in cov]),
        "spherical": lambda: np.array([c * np.eye(m) for c in cov]),
    }[est.covariance_type]()
    idx = np.array(features)
    return full[:, idx[:, None], idx]


def _ellipses(ax):
    return [p for p in ax.patches if isinstance(p, Ellipse)]


@pytest.mark.parametrize("features", [(0, 1), (0, 2), (2, 1)])
def test_ellipses_match_chi2_quantile(fitted, data3d, features):
    ax = plot_mixture(fitted, data3d, features=features)
    ellipses = _ellipses(ax)
    assert len(ellipses) == fitted.n_components_
    q = chi2.ppf(0.95, df=2)
    for ellipse, mean, cov in zip(
        ellipses,
        fitted.means_[:, features],
        _marginal_covariances(fitted, features),
        strict=True,
    ):
        eigenvalues, eigenvectors = np.linalg.eigh(cov)
        np.testing.assert_allclose(ellipse.center, mean)
        np.testing.assert_allclose(ellipse.width, 2 * np.sqrt(q * eigenvalues[1]))
        np.testing.assert_allclose(ellipse.height, 2 * np.sqrt(q * eigenvalues[0]))
        if not np.isclose(eigenvalues[0], eigenvalues[1]):
            # The width lies along the leading eigenvector.
            angle = np.radians(ellipse.angle)
            direction = np.array([np.cos(angle), np.sin(angle)])
            assert abs(direction @ eigenvectors[:, 1]) == pytest.approx(1.0)


def test_points_coloured_by_predicted_component(fitted, data3d):
    ax = plot_mixture(fitted, data3d, features=(0, 2))
    points = ax.collections[0]
    np.testing.assert_allclose(points.get_offsets(), data3d[:, [0, 2]])
    colors = points.get_facecolors()
    labels = fitted.predict(data3d)
    # Same component, same colour; and the ellipse has it as edge colour.
    for j, ellipse in enumerate(_ellipses(ax)):
        members = colors[labels == j]
        if len(members):
            assert np.allclose(members[:, :3], members[0, :3])
            np.testing.assert_allclose(members[0, :3], ellipse.get_edgecolor()[:3])
    assert ax.get_xlabel() == "feature 0" and ax.get_ylabel() == "feature 2"


@pytest.mark.parametrize("confidence", [0.5, 0.9, 0.99])
def test_confidence_scales_ellipses_as_chi2_predicts(data3d, confidence):
    est = _cheap().fit(data3d)
    base = _ellipses(plot_mixture(est, confidence=0.95))
    scaled = _ellipses(plot_mixture(est, confidence=confidence))
    ratio = np.sqrt(chi2.ppf(confidence, 2) / chi2.ppf(0.95, 2))
    for a, b in zip(base, scaled, strict=True):
        assert b.width == pytest.approx(a.width * ratio)
        assert b.height == pytest.approx(a.height * ratio)
        assert b.angle == pytest.approx(a.angle)


def test_without_data_the_view_holds_the_ellipses(data3d):
    est = _cheap().fit(data3d)
    ax = plot_mixture(est)
    assert not ax.collections  # no scatter
    (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
    for ellipse in _ellipses(ax):
        box = ellipse.get_path().get_extents(ellipse.get_patch_transform())
        assert x0 <= box.x0 and box.x1 <= x1
        assert y0 <= box.y0 and box.y1 <= y1


def test_works_with_sklearn_gaussian_mixture(data3d):
    gm = GaussianMixture(2, covariance_type="tied", random_state=0).fit(data3d)
    ax = plot_mixture(gm, data3d)
    assert len(_ellipses(ax)) == 2


def test_feature_names_label_the_axes(data3d):
    est = _cheap().fit(data3d)
    # As fit sets it on a DataFrame with string column names.
    est.feature_names_in_ = np.array(["height", "weight", "age"], dtype=object)
    ax = plot_mixture(est, features=(1, 2))
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("weight", "age")


def test_labels_colour_the_points_and_ellipses_turn_black(data3d):
    est = _cheap().fit(data3d)
    classes = np.repeat(["a", "b"], 80)
    ax = plot_mixture(est, data3d, labels=classes)
    colors = ax.collections[0].get_facecolors()
    assert len(np.unique(colors[:80], axis=0)) == 1
    assert not np.allclose(colors[0], colors[-1])
    for ellipse in _ellipses(ax):
        np.testing.assert_allclose(ellipse.get_edgecolor()[:3], 0.0)


def test_given_axes_are_used_and_returned(data3d):
    est = _cheap().fit(data3d)
    fig, ax = plt.subplots()
    assert plot_mixture(est, data3d, ax=ax) is ax
    assert plot_history(est, ax=ax) is ax


def test_keyword_dicts_reach_matplotlib(data3d):
    est = _cheap().fit(data3d)
    ax = plot_mixture(
        est, data3d, scatter_kws={"s": 42}, ellipse_kws={"linestyle": "--"}
    )
    assert ax.collections[0].get_sizes()[0] == 42
    assert all(e.get_linestyle() == "--" for e in _ellipses(ax))


def _density_lines(ax):
    return [line for line in ax.get_lines() if len(line.get_xdata()) > 1]


def test_one_dimensional_data_draws_densities_over_a_histogram():
    rng = np.random.RandomState(0)
    X = np.concatenate([rng.normal(-4, 1, 150), rng.normal(3, 0.7, 100)])[:, None]
    est = _cheap().fit(X)
    ax = plot_mixture(est, X)  # default features=(0, 1) is ignored in 1-D
    assert not _ellipses(ax)
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert bars
    # A density histogram: bar areas sum to 1.
    assert sum(b.get_width() * b.get_height() for b in bars) == pytest.approx(1.0)
    lines = _density_lines(ax)
    assert len(lines) == est.n_components_ + 1
    grid = lines[-1].get_xdata()
    mixture = lines[-1].get_ydata()
    np.testing.assert_allclose(mixture, np.exp(est.score_samples(grid[:, None])))
    components = np.array([line.get_ydata() for line in lines[:-1]])
    np.testing.assert_allclose(components.sum(axis=0), mixture)
    assert ax.get_ylabel() == "density"


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_one_feature_of_multivariate_data_draws_the_marginal(data3d, covariance_type):
    est = _cheap(covariance_type=covariance_type).fit(data3d)
    ax = plot_mixture(est, data3d, features=2)
    mixture = _density_lines(ax)[-1]
    grid = mixture.get_xdata()
    variances = _marginal_covariances(est, (2,))[:, 0, 0]
    expected = sum(
        w * norm.pdf(grid, m, np.sqrt(v))
        for w, m, v in zip(est.weights_, est.means_[:, 2], variances, strict=True)
    )
    np.testing.assert_allclose(mixture.get_ydata(), expected)
    assert ax.get_xlabel() == "feature 2"


def test_one_dimensional_without_data():
    X = np.random.RandomState(0).normal(size=(60, 1))
    est = _cheap().fit(X)
    ax = plot_mixture(est)
    assert not [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(_density_lines(ax)) == est.n_components_ + 1


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"confidence": 0.0}, "confidence"),
        ({"confidence": 1.0}, "confidence"),
        ({"features": (0, 3)}, "features"),
        ({"features": (1, 1)}, "features"),
        ({"features": (0, 1, 2)}, "features"),
        ({"labels": [0, 1]}, "labels"),
    ],
)
def test_bad_arguments(data3d, kwargs, match):
    est = _cheap().fit(data3d)
    X = data3d if "labels" in kwargs else None
    if "labels" in kwargs:
        kwargs = {"labels": np.zeros(5)}
    with pytest.raises(ValueError, match=match):
        plot_mixture(est, X, **kwargs)


def test_labels_without_data(data3d):
    est = _cheap().fit(data3d)
    with pytest.raises(ValueError, match="pass X"):
        plot_mixture(est, labels=np.zeros(len(data3d)))


def test_data_with_other_number_of_features(data3d):
    est = _cheap().fit(data3d)
    with pytest.raises(ValueError, match="3"):
        plot_mixture(est, data3d[:, :2])


def test_unfitted_estimator():
    with pytest.raises(NotFittedError):
        plot_mixture(EvolutionarySplitMergeMixture())
    with pytest.raises(NotFittedError):
        plot_history(EvolutionarySplitMergeMixture())


@pytest.fixture(scope="module")
def searched(data3d):
    return EvolutionarySplitMergeMixture(
        population_size=4, max_generations=6, n_stall_generations=6, random_state=0
    ).fit(data3d)


@pytest.mark.parametrize("x", ["generation", "elapsed"])
def test_history_one_point_per_generation(searched, x):
    history = searched.history_
    ax = plot_history(searched, x=x)
    criterion_line = ax.get_lines()[0]
    assert len(criterion_line.get_xdata()) == len(history)
    np.testing.assert_allclose(criterion_line.get_xdata(), [r[x] for r in history])
    np.testing.assert_allclose(
        criterion_line.get_ydata(), [r["best_criterion"] for r in history]
    )
    ax_k = ax.figure.axes[-1]
    assert ax_k is not ax
    k_line = ax_k.get_lines()[0]
    np.testing.assert_array_equal(
        k_line.get_ydata(), [r["best_n_components"] for r in history]
    )
    population = ax_k.collections[0].get_offsets()
    assert len(population) == sum(len(r["population_n_components"]) for r in history)
    np.testing.assert_array_equal(
        population[:, 1],
        np.concatenate([r["population_n_components"] for r in history]),
    )
    assert ax.get_ylabel() == "best MDL"
    expected_label = "generation" if x == "generation" else "elapsed seconds"
    assert ax.get_xlabel() == expected_label


def test_history_without_population(searched):
    ax = plot_history(searched, show_population=False)
    assert not ax.figure.axes[-1].collections


class _RecordsOnly:
    """A fitted estimator whose records lack population_n_components."""

    criterion = "bic"

    def fit(self, X, y=None):
        return self

    history_ = [
        {"generation": g, "elapsed": 0.1 * g, "best_criterion": 10.0 - g}
        | {"best_n_components": 2, "n_em_iter": 5 * g}
        for g in (1, 2, 3)
    ]


def test_history_records_without_population():
    ax = plot_history(_RecordsOnly(), x="generation")
    assert len(ax.get_lines()[0].get_xdata()) == 3
    assert not ax.figure.axes[-1].collections
    assert ax.get_ylabel() == "best BIC"


def test_history_bad_x(searched):
    with pytest.raises(ValueError, match="x must be"):
        plot_history(searched, x="time")


def test_empty_history():
    est = _RecordsOnly()
    est.history_ = []
    with pytest.raises(ValueError, match="empty"):
        plot_history(est)


def test_missing_matplotlib_names_the_extra(monkeypatch, data3d):
    est = _cheap().fit(data3d)
    # A None entry in sys.modules makes `import matplotlib` raise ImportError.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    message = r"plotting needs matplotlib: pip install sklearn-esmem\[examples\]"
    with pytest.raises(ImportError, match=message):
        plot_mixture(est, data3d)
    with pytest.raises(ImportError, match=message):
        plot_history(est)


def test_importing_the_module_does_not_import_matplotlib():
    code = "import sys, sklearn_esmem.plotting; print('matplotlib' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
