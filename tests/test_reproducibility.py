"""Same random_state, same model: any n_jobs, any backend, any memory layout."""

import numpy as np
import pytest
from joblib import parallel_config
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone

from sklearn_esmem import (
    EvolutionarySplitMergeMixture,
    GeneticEMMixture,
    OrderedMultipleRunsMixture,
)
from sklearn_esmem.datasets import make_grid_mixture

ESTIMATORS = [
    EvolutionarySplitMergeMixture(population_size=4, max_generations=6, random_state=3),
    OrderedMultipleRunsMixture(n_passes=2, max_components=6, random_state=3),
    GeneticEMMixture(
        population_size=4, max_generations=6, max_components=8, random_state=3
    ),
]
IDS = [type(est).__name__ for est in ESTIMATORS]


@pytest.fixture(scope="module")
def X():
    return make_grid_mixture(grid_size=2, n_per_component=60, std=0.2, random_state=1)[
        0
    ]


def assert_same_model(a, b):
    assert a.n_components_ == b.n_components_
    assert_array_equal(a.labels_, b.labels_)
    for name in ("weights_", "means_", "covariances_", "precisions_cholesky_"):
        assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-10, atol=0)
    assert a.criterion_ == pytest.approx(b.criterion_, rel=1e-10)


@pytest.fixture(scope="module")
def references(X):
    return {type(est).__name__: clone(est).fit(X) for est in ESTIMATORS}


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
@pytest.mark.parametrize(
    "backend",
    [
        "loky",
        "loky, X memory-mapped",
        "threading",
        "multiprocessing",
    ],
)
def test_n_jobs_and_joblib_backend(X, references, estimator, backend, always_pooled):
    options = {}
    if backend.endswith(", X memory-mapped"):
        # The test data are below the size from which joblib hands arrays
        # to its workers as memory maps.
        options["max_nbytes"] = 0
        backend = backend.removesuffix(", X memory-mapped")
    with parallel_config(backend=backend, **options):
        est = clone(estimator).set_params(n_jobs=2).fit(X)
    assert_same_model(references[type(est).__name__], est)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_dask_backend_with_worker_processes(X, references, estimator, always_pooled):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
        parallel_config(backend="dask"),
    ):
        est = clone(estimator).set_params(n_jobs=2).fit(X)
    assert_same_model(references[type(est).__name__], est)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
@pytest.mark.parametrize("layout", ["fortran", "read-only", "memmap", "float32-view"])
def test_memory_layout_of_X(X, references, estimator, layout, tmp_path):
    if layout == "fortran":
        X_given = np.asfortranarray(X)
    elif layout == "read-only":
        X_given = X.copy()
        X_given.setflags(write=False)
    elif layout == "memmap":
        path = tmp_path / "X.npy"
        np.save(path, X)
        X_given = np.load(path, mmap_mode="r")
    else:  # a strided view of a wider array
        wide = np.zeros((X.shape[0], 2 * X.shape[1]))
        wide[:, ::2] = X
        X_given = wide[:, ::2]
    est = clone(estimator).fit(X_given)
    assert_same_model(references[type(est).__name__], est)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_fitting_twice_gives_the_same_model(X, references, estimator):
    est = clone(estimator).fit(X)
    est.fit(X)
    assert_same_model(references[type(est).__name__], est)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_inputs_and_estimator_unchanged_by_methods(X, references, estimator):
    est = references[type(estimator).__name__]
    X_before = X.copy()
    weights = np.linspace(0.5, 2.0, len(X))
    weights_before = weights.copy()
    state_before = {
        k: np.copy(v)
        for k, v in vars(est).items()
        if k.endswith("_") and isinstance(v, np.ndarray)
    }
    for method in (
        "predict",
        "predict_proba",
        "score",
        "score_samples",
        "bic",
        "aic",
        "mdl",
    ):
        getattr(est, method)(X)
    est.sample(10)
    assert_array_equal(X, X_before)
    for name, value in state_before.items():
        assert_array_equal(getattr(est, name), value, err_msg=name)
    clone(estimator).fit(X, sample_weight=weights)
    assert_array_equal(X, X_before)
    assert_array_equal(weights, weights_before)
