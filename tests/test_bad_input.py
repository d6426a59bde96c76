"""Bad and degenerate input: clear errors, finite models, untouched inputs.

Invalid input must fail at once with a ``ValueError`` that names the problem.
Degenerate but valid data (duplicates, constant or collinear columns, extreme
scales, fewer distinct samples than components) must give a fitted model with
finite parameters and no numpy ``RuntimeWarning``, with a warning where the
estimator adjusted something. An individual whose numbers break down during
the search is repaired or replaced, never allowed to abort the fit. Inputs are
never written to.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.mixture import GaussianMixture

from sklearn_esmem import (
    EvolutionarySplitMergeMixture,
    GeneticEMMixture,
    OrderedMultipleRunsMixture,
    _evolution,
)
from sklearn_esmem._em import make_parameters, run_em
from sklearn_esmem._evolution import Individual, SearchSettings, Strategies
from sklearn_esmem.criteria import CRITERIA
from sklearn_esmem.merge import Overlap, ResponsibilityCorrelation
from sklearn_esmem.mixture import VARIANTS
from sklearn_esmem.split import PartialLogLikelihood, SVDSplit, VarianceSplit

# Cheap settings: every fit here takes a fraction of a second.
CHEAP = dict(population_size=4, max_generations=5, random_state=0)


def _blobs(n_per_blob=40, n_features=2, seed=0):
    rng = np.random.RandomState(seed)
    return np.vstack(
        [
            rng.normal(-3.0, 1.0, (n_per_blob, n_features)),
            rng.normal(3.0, 1.0, (n_per_blob, n_features)),
        ]
    )


def _estimator(**params):
    return EvolutionarySplitMergeMixture(**{**CHEAP, **params})


def _omr(**params):
    return OrderedMultipleRunsMixture(**{"n_passes": 1, "random_state": 0, **params})


def _ga(**params):
    return GeneticEMMixture(**{**CHEAP, **params})


# The three estimators, for what every one of them must do.
ALL_ESTIMATORS = pytest.mark.parametrize(
    "make", [_estimator, _omr, _ga], ids=["esmem", "omr", "ga"]
)


def _runtime_warnings(caught):
    return [
        f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})"
        for w in caught
        if issubclass(w.category, RuntimeWarning)
    ]


def _assert_finite_model(est, X):
    for name in ("weights_", "means_", "covariances_", "precisions_cholesky_"):
        value = getattr(est, name)
        assert np.all(np.isfinite(value)), f"{name} is not finite: {value}"
    assert_allclose(est.weights_.sum(), 1.0)
    proba = est.predict_proba(X)
    assert proba.shape == (X.shape[0], est.n_components_)
    assert np.all(np.isfinite(proba))
    assert_allclose(proba.sum(axis=1), 1.0)
    assert np.isfinite(est.score(X))
    assert np.all(np.isfinite(est.score_samples(X)))
    assert np.isfinite(est.bic(X))


# ---------------------------------------------------------------------------
# Invalid input: a clear ValueError naming the problem
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, pattern", [(np.nan, "X contains NaN"), (np.inf, "X contains infinity")]
)
def test_non_finite_X_raises(value, pattern):
    X = _blobs()
    X[3, 1] = value
    with pytest.raises(ValueError, match=pattern):
        _estimator().fit(X)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize(
    "method", ["predict", "predict_proba", "score", "score_samples", "bic"]
)
def test_non_finite_X_raises_after_fit(method, value):
    X = _blobs()
    est = _estimator(max_generations=2).fit(X)
    X_bad = X[:5].copy()
    X_bad[0, 0] = value
    with pytest.raises(ValueError, match="X contains (NaN|infinity)"):
        getattr(est, method)(X_bad)


@ALL_ESTIMATORS
def test_values_whose_squares_overflow_raise(make):
    # Finite, yet their variances are infinite: the fit ended with a
    # log-likelihood of -inf and an infinite criterion, as if it succeeded.
    with pytest.raises(
        ValueError, match="feature 0 from its mean overflow float64.*Scale the data"
    ):
        make().fit(_blobs() * 1e300)
    # Large values whose squares still fit in float64 are fitted.
    est = make().fit(_blobs() * 1e150)
    assert np.isfinite(est.lower_bound_) and np.isfinite(est.criterion_)


def test_one_sample_raises():
    with pytest.raises(ValueError, match=r"1 sample\(s\).*minimum of 2"):
        _estimator().fit(np.array([[1.0, 2.0]]))


def test_max_components_below_min_components_raises():
    with pytest.raises(
        ValueError, match="max_components=2 must be >= min_components=3"
    ):
        _estimator(min_components=3, max_components=2).fit(_blobs())


def test_min_components_above_n_samples_raises():
    X = _blobs(n_per_blob=5)
    with pytest.raises(ValueError, match="min_components=11 and n_samples=10"):
        _estimator(min_components=11).fit(X)


def test_min_components_above_positive_weight_samples_raises():
    # Zero-weight samples are removed before the search, so they do not
    # count towards the samples min_components needs.
    X = _blobs(n_per_blob=5)
    sample_weight = np.zeros(10)
    sample_weight[:3] = 1.0
    with pytest.raises(ValueError, match="min_components=4 and n_samples=3"):
        _estimator(min_components=4).fit(X, sample_weight=sample_weight)


@ALL_ESTIMATORS
def test_min_components_above_distinct_samples_raises(make):
    # Ten samples, two distinct: three components cannot all be fitted.
    X = np.repeat([[0.0, 0.0], [1.0, 1.0]], 5, axis=0)
    with pytest.raises(
        ValueError, match="min_components=3 exceeds the 2 distinct samples"
    ):
        make(min_components=3, max_components=3).fit(X)


def test_unknown_variant_lists_the_valid_ones():
    with pytest.raises(ValueError, match="'variant' parameter") as excinfo:
        _estimator(variant="VS-SVD").fit(_blobs())
    message = str(excinfo.value)
    assert "VS-SVD" in message
    for variant in VARIANTS:
        assert repr(variant) in message


class _NoMethod:
    """Looks like a strategy (get_params) but has none of the methods."""

    def get_params(self, deep=True):
        return {}


@pytest.mark.parametrize(
    "parameter, value",
    [
        ("merge_measure", SVDSplit()),  # a split operator as a merge measure
        ("merge_measure", "overlap"),  # a string, not an object
        ("merge_measure", PartialLogLikelihood()),  # a split measure
        ("split_measure", ResponsibilityCorrelation()),  # a merge measure
        ("split_measure", "PLL"),
        ("split_operator", Overlap()),
        ("split_operator", _NoMethod()),
        ("split_operator", 3),
    ],
)
def test_strategy_of_the_wrong_kind_names_the_parameter(parameter, value):
    with pytest.raises(ValueError, match=f"'{parameter}' parameter"):
        _estimator(**{parameter: value}).fit(_blobs())


@pytest.mark.parametrize(
    "parameter, value",
    [
        ("merge_measure", Overlap),
        ("split_measure", PartialLogLikelihood),
        ("split_operator", VarianceSplit),
    ],
)
def test_strategy_class_instead_of_instance_names_the_parameter(parameter, value):
    # A class has the method, so it passes the parameter constraint; it used
    # to fail later in clone with a TypeError that named no parameter.
    with pytest.raises(ValueError, match=f"'{parameter}' parameter.*instance"):
        _estimator(**{parameter: value}).fit(_blobs())


class _DuckMergeMeasure:
    """A user's merge measure with the method and nothing else (no get_params)."""

    def score_pairs(self, X, parameters, e_step, sample_weight=None):
        return ResponsibilityCorrelation().score_pairs(
            X, parameters, e_step, sample_weight
        )


def test_duck_typed_strategy_is_accepted_and_copied():
    strategy = _DuckMergeMeasure()
    est = _estimator(merge_measure=strategy).fit(_blobs())
    assert isinstance(est.merge_measure_, _DuckMergeMeasure)
    assert est.merge_measure_ is not strategy
    assert est.merge_measure is strategy


@pytest.mark.parametrize(
    "sample_weight, pattern",
    [
        (-np.ones(80), "Negative values.*sample_weight"),
        (np.r_[np.ones(79), -1.0], "Negative values.*sample_weight"),
        (np.r_[np.ones(79), np.nan], "sample_weight contains NaN"),
        (np.r_[np.ones(79), np.inf], "sample_weight contains infinity"),
        (np.ones(79), r"sample_weight.shape == \(79,\), expected \(80,\)"),
        (np.ones(81), r"sample_weight.shape == \(81,\), expected \(80,\)"),
        (np.ones((80, 2)), "Sample weights must be 1D"),
        (np.zeros(80), "positive for at least 2 samples; got 0"),
        (np.r_[np.zeros(79), 1.0], "positive for at least 2 samples; got 1"),
    ],
)
def test_bad_sample_weight_raises(sample_weight, pattern):
    with pytest.raises(ValueError, match=pattern):
        _estimator().fit(_blobs(), sample_weight=sample_weight)


@ALL_ESTIMATORS
def test_normalised_sample_weight_warns_that_weights_are_frequencies(make):
    # Three clear blobs: weights summing to 1 describe one sample, too few
    # for even one component of the largest mixture searched.
    rng = np.random.RandomState(0)
    X = np.vstack([c + rng.normal(size=(30, 2)) for c in ([0, 0], [10, 0], [0, 10])])
    weights = rng.uniform(0.5, 2.0, len(X))
    with pytest.warns(UserWarning, match="frequencies.*Rescale sample_weight"):
        make().fit(X, sample_weight=weights / weights.sum())
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*frequencies")
        make().fit(X, sample_weight=weights)


def test_sparse_input_refused_as_gaussian_mixture_refuses_it():
    X = sp.csr_matrix(_blobs())
    with pytest.raises(Exception) as ours:
        _estimator().fit(X)
    with pytest.raises(Exception) as theirs:
        GaussianMixture().fit(X)
    assert type(ours.value) is type(theirs.value)
    assert "Sparse data" in str(ours.value)


def test_sparse_input_refused_after_fit():
    X = _blobs()
    est = _estimator(max_generations=2).fit(X)
    gm = GaussianMixture(n_components=2, random_state=0).fit(X)
    X_sparse = sp.csr_matrix(X)
    for method in ("predict", "predict_proba", "score_samples"):
        with pytest.raises(Exception) as ours:
            getattr(est, method)(X_sparse)
        with pytest.raises(Exception) as theirs:
            getattr(gm, method)(X_sparse)
        assert type(ours.value) is type(theirs.value)


# ---------------------------------------------------------------------------
# Degenerate data: a finite model, warnings where something was adjusted
# ---------------------------------------------------------------------------


def _degenerate_case(name):
    """Return ``(X, estimator params, fit params)`` of one degenerate data set."""
    rng = np.random.RandomState(0)
    X = _blobs()
    if name == "half_duplicated":
        return np.vstack([X[::2], X[::2]]), {}, {}
    if name == "constant_column":
        X[:, 1] = 7.0
        return X, {}, {}
    if name == "all_identical":
        return np.tile([[1.5, -2.0]], (30, 1)), {}, {}
    if name == "collinear_columns":
        return np.column_stack([X[:, 0], X[:, 0]]), {}, {}
    if name == "fewer_samples_than_max_components":
        return rng.normal(size=(5, 2)), {"max_components": 10}, {}
    if name == "scale_1e-8":
        return X * 1e-8, {}, {}
    if name == "scale_1e8":
        return X * 1e8, {}, {}
    if name == "columns_at_1e-8_and_1e8":
        return X * np.array([1e-8, 1e8]), {}, {}
    if name == "float32":
        return X.astype(np.float32), {}, {}
    if name == "one_feature":
        return X[:, :1].copy(), {}, {}
    if name == "tiny_far_cluster":
        return np.vstack([X, [[1e6, 1e6], [1e6 + 1.0, 1e6]]]), {}, {}
    if name == "many_zero_weights":
        sample_weight = np.zeros(len(X))
        sample_weight[::5] = rng.uniform(0.5, 2.0, len(X[::5]))
        return X, {}, {"sample_weight": sample_weight}
    raise ValueError(name)


DEGENERATE = [
    "half_duplicated",
    "constant_column",
    "all_identical",
    "collinear_columns",
    "fewer_samples_than_max_components",
    "scale_1e-8",
    "scale_1e8",
    "columns_at_1e-8_and_1e8",
    "float32",
    "one_feature",
    "tiny_far_cluster",
    "many_zero_weights",
]

# Data with fewer distinct samples than max_components: the estimator lowers
# max_components and says so.
ADJUSTED = {"all_identical": 1, "fewer_samples_than_max_components": 5}


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
@pytest.mark.parametrize("name", DEGENERATE)
def test_degenerate_data_gives_a_finite_model(name, covariance_type):
    X, params, fit_params = _degenerate_case(name)
    est = _estimator(covariance_type=covariance_type, **params)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, **fit_params)
        _assert_finite_model(est, X)
    assert not _runtime_warnings(caught), _runtime_warnings(caught)
    assert isinstance(est.n_repaired_, int) and est.n_repaired_ >= 0
    assert est.labels_.shape == (X.shape[0],)
    adjusted = [
        w
        for w in caught
        if issubclass(w.category, UserWarning) and "distinct samples" in str(w.message)
    ]
    if name in ADJUSTED:
        assert adjusted, [str(w.message) for w in caught]
        assert est.n_components_ <= ADJUSTED[name]
        assert all(
            record["best_n_components"] <= ADJUSTED[name] for record in est.history_
        )
    else:
        assert not adjusted


def test_fewer_samples_than_max_components_warns():
    X, params, _ = _degenerate_case("fewer_samples_than_max_components")
    with pytest.warns(UserWarning, match="max_components=10 exceeds the 5 distinct"):
        est = _estimator(**params).fit(X)
    assert est.n_components_ <= 5
    assert est.max_components == 10  # the parameter itself is left alone


def test_all_identical_rows_give_one_component():
    X, _, _ = _degenerate_case("all_identical")
    with pytest.warns(UserWarning, match="limited to 1 component"):
        est = _estimator().fit(X)
    assert est.n_components_ == 1
    assert_allclose(est.means_, X[:1])
    assert_array_equal(est.predict(X), 0)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_degenerate_data_every_variant(variant):
    # Duplicates and a constant column at once, with no regularisation:
    # every variant's operators meet singular components.
    X = _blobs(n_per_blob=20)
    X = np.vstack([X, X])
    X[:, 1] = 0.0
    est = _estimator(variant=variant, reg_covar=0.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X)
        _assert_finite_model(est, X)
    assert not _runtime_warnings(caught), _runtime_warnings(caught)


# ---------------------------------------------------------------------------
# Ill-defined individuals are repaired or replaced
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_collapsing_components_are_repaired(covariance_type):
    # Twenty exact copies of each of three points and no regularisation:
    # every component sitting on one point has a zero covariance.
    rng = np.random.RandomState(0)
    X = np.repeat(rng.normal(size=(3, 2)), 20, axis=0)
    est = _estimator(covariance_type=covariance_type, reg_covar=0.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X)
        _assert_finite_model(est, X)
    assert not _runtime_warnings(caught), _runtime_warnings(caught)
    assert isinstance(est.n_repaired_, int)
    assert est.n_repaired_ >= 0
    if covariance_type != "tied":
        # A zero covariance is certain here (k-means puts a component on one
        # of the points), so the repair path did run.
        assert est.n_repaired_ > 0


_COVARIANCE_SHAPES = {
    "full": (2, 2, 2),
    "tied": (2, 2),
    "diag": (2, 2),
    "spherical": (2,),
}


@pytest.mark.parametrize("covariance_type", sorted(_COVARIANCE_SHAPES))
@pytest.mark.parametrize("value", [np.nan, np.inf, 0.0])
def test_repair_of_non_finite_covariances_is_silent(covariance_type, value):
    # The repair exists for exactly these covariances: it must not itself
    # emit numpy warnings (np.nanmax warned on an all-NaN array).
    covariances = np.full(_COVARIANCE_SHAPES[covariance_type], value)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parameters, n_repaired = make_parameters(
            np.ones(2), np.zeros((2, 2)), covariances, covariance_type
        )
    assert not _runtime_warnings(caught), _runtime_warnings(caught)
    assert n_repaired >= 1
    assert np.all(np.isfinite(parameters.covariances))
    assert np.all(np.isfinite(parameters.precisions_cholesky))


def _settings(max_components=6):
    return SearchSettings(
        covariance_type="full",
        criterion=CRITERIA["mdl"],
        strategies=Strategies(
            VarianceSplit(), PartialLogLikelihood(), ResponsibilityCorrelation()
        ),
        min_components=1,
        max_components=max_components,
        n_em_steps=5,
        reg_covar=1e-6,
        tol=1e-3,
        n_kmeans_iter=5,
    )


def _broken_individual():
    # Means so far from the data that every squared Mahalanobis distance
    # overflows: every density is 0 and the log-likelihood is -inf.
    parameters, n_repaired = make_parameters(
        np.array([0.5, 0.5]),
        np.array([[1e300, 1e300], [-1e300, 1e300]]),
        np.stack([np.eye(2), np.eye(2)]),
        "full",
    )
    assert n_repaired == 0
    return Individual(parameters)


def test_run_em_stops_on_non_finite_log_likelihood():
    X = _blobs()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run_em(X, _broken_individual().parameters, 5, reg_covar=1e-6)
    assert not _runtime_warnings(caught), _runtime_warnings(caught)
    assert result.log_likelihood == -np.inf
    assert result.n_iter == 0
    assert not result.converged


def test_generation_task_replaces_non_finite_individual(monkeypatch):
    X = _blobs()
    settings = _settings()
    refined, _ = _evolution.refine(X, _broken_individual(), settings, len(X))
    assert np.isnan(refined.criterion)

    starts = []
    kmeans_parameters = _evolution.kmeans_parameters

    def spy(X, n_components, *args, **kwargs):
        starts.append(n_components)
        return kmeans_parameters(X, n_components, *args, **kwargs)

    monkeypatch.setattr(_evolution, "kmeans_parameters", spy)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = _evolution.generation_task(
            X, _broken_individual(), settings, seed=0, n_samples=len(X)
        )
    assert not _runtime_warnings(caught), _runtime_warnings(caught)
    # Replaced by one fresh k-means start with an allowed k, and counted.
    assert len(starts) == 1
    assert settings.min_components <= starts[0] <= settings.max_components
    assert result.n_repaired >= 1
    for individual in (result.parent, *result.children):
        assert np.isfinite(individual.criterion)
        assert np.all(np.isfinite(individual.parameters.means))
        assert np.all(np.abs(individual.parameters.means) < 100)
        assert np.all(np.isfinite(individual.parameters.precisions_cholesky))
    assert result.parent.n_components == starts[0]


def test_generation_task_keeps_a_healthy_individual(monkeypatch):
    X = _blobs()
    settings = _settings()
    parameters, _ = _evolution.kmeans_parameters(X, 2, settings, seed=0)
    starts = []
    monkeypatch.setattr(
        _evolution, "kmeans_parameters", lambda *a, **k: starts.append(a)
    )
    result = _evolution.generation_task(
        X, Individual(parameters), settings, seed=0, n_samples=len(X)
    )
    assert starts == []
    assert np.isfinite(result.parent.criterion)


# ---------------------------------------------------------------------------
# Inputs are never modified
# ---------------------------------------------------------------------------


def _call_every_method(est, X, sample_weight):
    est.fit(X, sample_weight=sample_weight)
    est.fit_predict(X, sample_weight=sample_weight)
    est.predict(X)
    est.predict_proba(X)
    est.score(X)
    est.score_samples(X)
    est.bic(X)
    est.aic(X)
    est.mdl(X)


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("order", ["C", "F"])
def test_inputs_are_not_modified(covariance_type, dtype, order):
    rng = np.random.RandomState(0)
    X = np.asarray(_blobs(), dtype=dtype, order=order)
    sample_weight = rng.randint(0, 3, len(X)).astype(float)
    X_copy, sample_weight_copy = X.copy(), sample_weight.copy()
    est = _estimator(covariance_type=covariance_type, max_generations=3)
    _call_every_method(est, X, sample_weight)
    _call_every_method(est, X, None)
    assert_array_equal(X, X_copy)
    assert_array_equal(sample_weight, sample_weight_copy)
    assert X.dtype == dtype


@pytest.mark.parametrize("warm_start", [False, True])
def test_read_only_inputs_are_accepted(warm_start):
    X = _blobs()
    sample_weight = np.r_[np.zeros(10), np.ones(70)]
    X_copy, sample_weight_copy = X.copy(), sample_weight.copy()
    X.setflags(write=False)
    sample_weight.setflags(write=False)
    est = _estimator(max_generations=3, warm_start=warm_start)
    _call_every_method(est, X, sample_weight)
    est.fit(X, sample_weight=sample_weight)  # twice: warm start continues
    _call_every_method(est, X, None)
    assert_array_equal(X, X_copy)
    assert_array_equal(sample_weight, sample_weight_copy)
    assert not X.flags.writeable and not sample_weight.flags.writeable


@pytest.mark.filterwarnings("ignore:max_components=8 exceeds the 3 distinct")
@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_a_regularised_fitted_model_is_reported(covariance_type):
    # Components sitting on exact copies of a point have no covariance with
    # reg_covar=0: where min_components forces them on the model, it is
    # regularised, and the user is told, of both.
    X = np.repeat(np.random.RandomState(0).standard_normal((3, 2)) * 5, 20, axis=0)
    est = EvolutionarySplitMergeMixture(
        covariance_type=covariance_type,
        reg_covar=0.0,
        min_components=3,
        population_size=4,
        max_generations=5,
        random_state=0,
    )
    with pytest.warns(UserWarning, match="singular and were regularised"):
        with pytest.warns(UserWarning, match="collapsed onto a lower-dimensional"):
            est.fit(X)
    assert np.all(np.isfinite(est.covariances_))


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag"])
def test_a_constant_feature_without_regularisation_is_floored_and_reported(
    covariance_type,
):
    # The variance of a constant feature is the rounding of the constant
    # (1e-32 and below): every covariance type floors it at 1e-10 of the
    # largest variance, and says so.
    X = _blobs()
    X[:, 1] = 7.0
    est = _estimator(covariance_type=covariance_type, reg_covar=0.0)
    with pytest.warns(UserWarning, match="singular and were regularised"):
        est.fit(X)
    variances = np.diagonal(est._full_covariances(), axis1=1, axis2=2)
    assert variances.min() >= 1e-10 * variances.max() * (1 - 1e-6)


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag"])
def test_features_of_very_different_scales_are_not_regularised(covariance_type):
    # Standard deviations of 1 and 1e6: each feature keeps its own variances,
    # and the fit is that of the data scaled to one scale.
    X = _blobs()
    est = _estimator(covariance_type=covariance_type)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*regularised")
        est.fit(X * np.array([1.0, 1e6]))
    assert (
        est.n_components_
        == _estimator(covariance_type=covariance_type).fit(X).n_components_
    )
    assert est.n_repaired_ == 0


def test_a_well_posed_fit_gives_no_regularisation_warning():
    X = np.random.RandomState(0).standard_normal((200, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        EvolutionarySplitMergeMixture(
            population_size=4, max_generations=5, random_state=0
        ).fit(X)
