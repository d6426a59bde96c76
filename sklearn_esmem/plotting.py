"""Pictures of a fitted mixture and of its search (matplotlib is optional).

:func:`plot_mixture` draws the data coloured by component and a confidence
ellipse per component; :func:`plot_history` draws the best criterion and the
number of components found over the search. matplotlib is imported inside
the functions, so the package works without it: ``pip install
sklearn-esmem[examples]`` (or ``pip install matplotlib``) to draw.
"""

from numbers import Integral

import numpy as np
from scipy.stats import chi2, norm
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_array, column_or_1d

from ._kernels import full_matrices

__all__ = ["plot_history", "plot_mixture"]

_MISSING_MATPLOTLIB = (
    "plotting needs matplotlib: pip install sklearn-esmem[examples] "
    "(or pip install matplotlib)"
)


def _require_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise ImportError(_MISSING_MATPLOTLIB) from exc


def _check_fitted(estimator, attributes):
    """Duck-typed: any object with the fitted attributes can be drawn."""
    missing = [name for name in attributes if not hasattr(estimator, name)]
    if missing:
        raise NotFittedError(
            f"This {type(estimator).__name__} has no {', '.join(missing)}: fit it "
            "before drawing it."
        )


def _new_axes(ax):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots()[1]


def _component_colors(n_components):
    """Component j gets tab10's colour j (mod 10), whatever the style sheet."""
    from matplotlib import colormaps

    return colormaps["tab10"](np.arange(n_components) % 10)


def _ellipse_geometry(covariance, quantile):
    """Width, height and angle (degrees) of ``{x : x' C^-1 x <= quantile}``.

    The width lies along the eigenvector of the largest eigenvalue: the full
    axis is ``2 sqrt(quantile * eigenvalue)``.
    """
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    eigenvalues = np.maximum(eigenvalues, 0.0)
    width, height = 2.0 * np.sqrt(quantile * eigenvalues[::-1])
    angle = np.degrees(np.arctan2(eigenvectors[1, -1], eigenvectors[0, -1]))
    return width, height, angle


def _feature_names(estimator, n_features):
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None and len(names) == n_features:
        return [str(name) for name in names]
    return [f"feature {i}" for i in range(n_features)]


def _check_features(features, n_features):
    """Normalise ``features`` to a tuple of 1 or 2 valid, distinct indices."""
    if n_features == 1:
        return (0,)
    if isinstance(features, Integral):
        features = (features,)
    features = tuple(features)
    if len(features) not in (1, 2) or len(set(features)) != len(features):
        raise ValueError(
            f"features must be one index or two distinct indices; got {features!r}."
        )
    for feature in features:
        if not isinstance(feature, Integral) or not 0 <= feature < n_features:
            raise ValueError(
                f"features must be indices in [0, {n_features - 1}]; got {features!r}."
            )
    return tuple(int(feature) for feature in features)


def _point_colors(estimator, X, labels, n_components):
    """Colours of the points: by predicted component, or by ``labels``."""
    from matplotlib import colormaps

    if labels is None:
        codes = estimator.predict(X)
        return _component_colors(n_components)[codes]
    labels = column_or_1d(labels)
    if labels.shape[0] != X.shape[0]:
        raise ValueError(
            f"labels has {labels.shape[0]} entries but X has {X.shape[0]} samples."
        )
    codes = np.unique(labels, return_inverse=True)[1].ravel()
    return colormaps["tab10"](codes % 10)


def plot_mixture(
    estimator,
    X=None,
    *,
    ax=None,
    confidence=0.95,
    features=(0, 1),
    labels=None,
    bins="auto",
    show_means=True,
    scatter_kws=None,
    ellipse_kws=None,
):
    """Draw a fitted Gaussian mixture: its components' ellipses and the data.

    On two features, each component is drawn as the ellipse that holds
    ``confidence`` of its probability mass on those features: the points
    ``x`` with ``(x - mu)' S^-1 (x - mu) <= chi2.ppf(confidence, df=2)``,
    where ``mu`` and ``S`` are the component's mean and covariance projected
    on the two features (the marginal of a Gaussian is Gaussian, so any pair
    of features of a model of any dimension can be drawn). The samples of
    ``X``, if given, are coloured by predicted component (or by ``labels``).

    On one feature (data with one feature, or ``features`` a single index),
    a histogram of ``X`` is drawn as a density, with the density of every
    component (weighted by its mixing weight) and of the mixture over it.

    Parameters
    ----------
    estimator : fitted mixture
        An :class:`~sklearn_esmem.EvolutionarySplitMergeMixture`, one of the
        baselines, or any fitted estimator with ``means_``, ``covariances_``,
        ``weights_`` and ``covariance_type`` in scikit-learn's layout (such as
        :class:`~sklearn.mixture.GaussianMixture`), for all four covariance
        types.

    X : array-like of shape (n_samples, n_features), default=None
        Data to draw under the components; None draws the components only.

    ax : matplotlib Axes, default=None
        Where to draw; None creates a figure with
        ``matplotlib.pyplot.subplots()``.

    confidence : float, default=0.95
        Probability mass inside each ellipse, in (0, 1). Not used on one
        feature.

    features : int or tuple of one or two int, default=(0, 1)
        Indices of the features to draw. Ignored for data with one feature.

    labels : array-like of shape (n_samples,), default=None
        Colour the samples by these labels (for instance known classes)
        instead of by predicted component; the ellipses are then black.
        Needs ``X``. Not used on one feature.

    bins : int, sequence or str, default="auto"
        Bins of the histogram on one feature, as :func:`numpy.histogram`
        takes them.

    show_means : bool, default=True
        Mark each component's mean with a cross.

    scatter_kws : dict, default=None
        Extra keyword arguments of ``ax.scatter`` (or of ``ax.hist`` on one
        feature).

    ellipse_kws : dict, default=None
        Extra keyword arguments of :class:`matplotlib.patches.Ellipse` (or of
        ``ax.plot`` for the component densities on one feature).

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on.

    Raises
    ------
    ImportError
        If matplotlib is not installed.

    See Also
    --------
    plot_history : The search's best criterion and k over time.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from sklearn_esmem import EvolutionarySplitMergeMixture
    >>> from sklearn_esmem.plotting import plot_mixture
    >>> rng = np.random.RandomState(0)
    >>> X = np.vstack([rng.normal(-3, 1, (100, 2)), rng.normal(3, 1, (100, 2))])
    >>> est = EvolutionarySplitMergeMixture(
    ...     population_size=4, max_generations=5, random_state=0
    ... ).fit(X)
    >>> ax = plot_mixture(est, X, confidence=0.9)
    >>> len(ax.patches)  # one ellipse per component
    2
    >>> plt.close(ax.figure)

    On one feature, the component and mixture densities over a histogram:

    >>> ax = plot_mixture(est, X, features=0)
    >>> len(ax.lines)  # two components and the mixture
    3
    >>> plt.close(ax.figure)
    """
    _require_matplotlib()
    _check_fitted(estimator, ["means_", "covariances_", "weights_", "covariance_type"])
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1); got {confidence!r}.")
    means = np.asarray(estimator.means_, dtype=float)
    n_components, n_features = means.shape
    features = _check_features(features, n_features)
    if X is not None:
        X = check_array(X, dtype=np.float64)
        if X.shape[1] != n_features:
            raise ValueError(
                f"X has {X.shape[1]} features, but the mixture was fitted on "
                f"{n_features}."
            )
    elif labels is not None:
        raise ValueError("labels colour the samples of X: pass X too.")
    # The (k, d, d) covariances of the marginal on ``features`` (d = 1 or 2).
    idx = np.asarray(features)
    covariances = full_matrices(
        estimator.covariances_, estimator.covariance_type, n_components, n_features
    )[:, idx[:, np.newaxis], idx]
    ax = _new_axes(ax)
    names = _feature_names(estimator, n_features)
    if len(features) == 1:
        _draw_densities(
            ax,
            np.asarray(estimator.weights_, dtype=float),
            None if X is None else X[:, features[0]],
            means[:, features[0]],
            covariances[:, 0, 0],
            bins=bins,
            hist_kws=scatter_kws,
            line_kws=ellipse_kws,
        )
        ax.set_xlabel(names[features[0]])
        ax.set_ylabel("density")
        return ax

    colors = _component_colors(n_components)
    if X is not None:
        point_kws = {"s": 8, "alpha": 0.6, "linewidths": 0}
        point_kws.update(scatter_kws or {})
        point_colors = _point_colors(estimator, X, labels, n_components)
        ax.scatter(X[:, features[0]], X[:, features[1]], c=point_colors, **point_kws)
    _draw_ellipses(
        ax,
        means[:, features],
        covariances,
        chi2.ppf(confidence, df=2),
        colors if labels is None else ["black"] * n_components,
        show_means=show_means,
        ellipse_kws=ellipse_kws,
    )
    ax.set_xlabel(names[features[0]])
    ax.set_ylabel(names[features[1]])
    return ax


def _draw_ellipses(
    ax, means, covariances, quantile, colors, *, show_means, ellipse_kws
):
    from matplotlib.patches import Ellipse

    for mean, covariance, color in zip(means, covariances, colors, strict=True):
        width, height, angle = _ellipse_geometry(covariance, quantile)
        patch_kws = {"fill": False, "edgecolor": color, "linewidth": 1.5}
        patch_kws.update(ellipse_kws or {})
        ax.add_patch(Ellipse(mean, width, height, angle=angle, **patch_kws))
        if show_means:
            ax.plot(*mean, marker="+", color=color, markersize=9, linestyle="none")
    # add_patch grows the data limits; rescale when no scatter did it.
    ax.autoscale_view()


def _draw_densities(ax, weights, values, means, variances, *, bins, hist_kws, line_kws):
    """Histogram of ``values`` (a density), each weighted component, the mixture."""
    sds = np.sqrt(np.maximum(variances, np.finfo(float).tiny))
    low, high = np.min(means - 4 * sds), np.max(means + 4 * sds)
    if values is not None:
        hist = {"bins": bins, "density": True, "color": "0.8", "edgecolor": "white"}
        hist.update(hist_kws or {})
        ax.hist(values, **hist)
        low, high = min(low, values.min()), max(high, values.max())
    grid = np.linspace(low, high, 400)
    densities = weights[:, None] * norm.pdf(grid, means[:, None], sds[:, None])
    colors = _component_colors(len(means))
    for j, (density, color) in enumerate(zip(densities, colors, strict=True)):
        # Past ten entries a legend hides the picture; keep the mixture's.
        label = f"component {j}" if len(means) <= 10 else None
        kws = {"color": color, "linewidth": 1.5, "label": label}
        kws.update(line_kws or {})
        ax.plot(grid, density, **kws)
    ax.plot(grid, densities.sum(axis=0), color="black", linewidth=2, label="mixture")
    ax.legend(loc="best", fontsize="small")


def plot_history(estimator, *, ax=None, x="elapsed", show_population=True):
    """Draw the search's best criterion and best k against time or generation.

    The best criterion so far is drawn on ``ax`` (left axis) and the number
    of components of that best mixture on a twin axis (right). Where the
    records hold the k of every individual (``population_n_components``, as
    ESM-EM's do), those are scattered in grey on the k axis: the population's
    spread of k, generation by generation.

    Parameters
    ----------
    estimator : fitted estimator with ``history_``
        An :class:`~sklearn_esmem.EvolutionarySplitMergeMixture`,
        :class:`~sklearn_esmem.OrderedMultipleRunsMixture` or
        :class:`~sklearn_esmem.GeneticEMMixture`: one record per generation
        (or pass) with ``generation``, ``elapsed``, ``best_criterion`` and
        ``best_n_components``.

    ax : matplotlib Axes, default=None
        Where to draw the criterion; None creates a figure with
        ``matplotlib.pyplot.subplots()``. The k axis is ``ax.twinx()``.

    x : {"elapsed", "generation"}, default="elapsed"
        Horizontal axis: wall-clock seconds since the start of the search, or
        the generation number.

    show_population : bool, default=True
        Scatter the k of every individual, where the records have it.

    Returns
    -------
    ax : matplotlib Axes
        The axes of the criterion; the k axis is its twin (the last axes of
        ``ax.figure.axes``).

    Raises
    ------
    ImportError
        If matplotlib is not installed.

    See Also
    --------
    plot_mixture : The fitted components.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from sklearn_esmem import EvolutionarySplitMergeMixture
    >>> from sklearn_esmem.plotting import plot_history
    >>> rng = np.random.RandomState(0)
    >>> X = np.vstack([rng.normal(-3, 1, (100, 2)), rng.normal(3, 1, (100, 2))])
    >>> est = EvolutionarySplitMergeMixture(
    ...     population_size=4, max_generations=5, n_stall_generations=5,
    ...     random_state=0,
    ... ).fit(X)
    >>> ax = plot_history(est, x="generation")
    >>> line = ax.get_lines()[0]  # one point per generation
    >>> len(line.get_xdata()) == len(est.history_)
    True
    >>> ax.get_xlabel()
    'generation'
    >>> plt.close(ax.figure)
    """
    _require_matplotlib()
    from matplotlib.ticker import MaxNLocator

    _check_fitted(estimator, ["history_"])
    if x not in ("elapsed", "generation"):
        raise ValueError(f"x must be 'elapsed' or 'generation'; got {x!r}.")
    history = list(estimator.history_)
    if not history:
        raise ValueError("history_ is empty: there is nothing to draw.")

    xs = np.array([record[x] for record in history], dtype=float)
    best_criterion = np.array([record["best_criterion"] for record in history])
    best_k = np.array([record["best_n_components"] for record in history])
    criterion = getattr(estimator, "criterion", None)
    criterion_name = criterion.upper() if isinstance(criterion, str) else "criterion"

    ax = _new_axes(ax)
    ax_k = ax.twinx()
    handles = ax.plot(xs, best_criterion, marker="o", markersize=3, color="tab:blue")
    handles[0].set_label(f"best {criterion_name}")
    if show_population and all("population_n_components" in r for r in history):
        sizes = [len(r["population_n_components"]) for r in history]
        pop_x = np.repeat(xs, sizes)
        pop_k = np.concatenate([r["population_n_components"] for r in history])
        handles.append(
            ax_k.scatter(
                pop_x, pop_k, s=10, color="0.6", alpha=0.5, label="population's k"
            )
        )
    handles += ax_k.plot(
        xs,
        best_k,
        drawstyle="steps-post",
        marker="o",
        markersize=3,
        color="tab:orange",
        label="best k",
    )
    ax.set_xlabel("elapsed seconds" if x == "elapsed" else "generation")
    ax.set_ylabel(f"best {criterion_name}", color="tab:blue")
    ax_k.set_ylabel("number of components k", color="tab:orange")
    ax_k.yaxis.set_major_locator(MaxNLocator(integer=True))
    # The twin is drawn above ax: its legend stays visible.
    ax_k.legend(handles=handles, loc="best", fontsize="small")
    return ax
