"""Pickle and skops round-trips of every fitted estimator."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_esmem import (
    SKOPS_TRUSTED_TYPES,
    EvolutionarySplitMergeMixture,
    GeneticEMMixture,
    OrderedMultipleRunsMixture,
    Overlap,
    SVDSplit,
    VarianceSplit,
)
from sklearn_esmem.datasets import make_grid_mixture

ESTIMATORS = {
    "esm-default": EvolutionarySplitMergeMixture(
        population_size=3, max_generations=3, random_state=0
    ),
    "esm-svd-over": EvolutionarySplitMergeMixture(
        variant="OVER", population_size=3, max_generations=3, random_state=0
    ),
    "esm-given-strategies": EvolutionarySplitMergeMixture(
        split_operator=SVDSplit(alpha=0.4),
        merge_measure=Overlap(),
        population_size=3,
        max_generations=3,
        random_state=0,
    ),
    "esm-vs-diag": EvolutionarySplitMergeMixture(
        split_operator=VarianceSplit(n_kmeans_iter=3),
        covariance_type="diag",
        population_size=3,
        max_generations=3,
        random_state=0,
    ),
    "omr": OrderedMultipleRunsMixture(n_passes=1, random_state=0),
    "ga": GeneticEMMixture(population_size=3, max_generations=3, random_state=0),
}


@pytest.fixture(scope="module")
def X():
    return make_grid_mixture(grid_size=2, n_per_component=50, random_state=0)[0]


@pytest.fixture(scope="module")
def fitted(X):
    return {name: est.fit(X) for name, est in ESTIMATORS.items()}


def assert_same_predictions(a, b, X):
    assert_array_equal(a.predict(X), b.predict(X))
    assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=0, atol=0)
    assert_allclose(a.score_samples(X), b.score_samples(X), rtol=0, atol=0)
    assert a.get_params(deep=False).keys() == b.get_params(deep=False).keys()


@pytest.mark.parametrize("name", ESTIMATORS)
def test_pickle_round_trip(fitted, X, name):
    restored = pickle.loads(pickle.dumps(fitted[name]))
    assert_same_predictions(fitted[name], restored, X)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_skops_round_trip_with_the_exported_trusted_types(fitted, X, name):
    sio = pytest.importorskip("skops.io")
    data = sio.dumps(fitted[name])
    untrusted = sio.get_untrusted_types(data=data)
    assert set(untrusted) <= set(SKOPS_TRUSTED_TYPES), set(untrusted) - set(
        SKOPS_TRUSTED_TYPES
    )
    restored = sio.loads(data, trusted=SKOPS_TRUSTED_TYPES)
    assert_same_predictions(fitted[name], restored, X)


def test_trusted_types_list_nothing_else(fitted):
    # Every name exported is one a fitted estimator really holds: the list
    # trusts no more than it must.
    sio = pytest.importorskip("skops.io")
    seen = set()
    for est in fitted.values():
        seen.update(sio.get_untrusted_types(data=sio.dumps(est)))
    assert seen == set(SKOPS_TRUSTED_TYPES)


def test_warm_start_survives_persistence(fitted, X):
    sio = pytest.importorskip("skops.io")
    est = EvolutionarySplitMergeMixture(
        population_size=3, max_generations=2, warm_start=True, random_state=0
    ).fit(X)
    restored = sio.loads(sio.dumps(est), trusted=SKOPS_TRUSTED_TYPES)
    restored.fit(X)
    est.fit(X)
    assert_allclose(restored.means_, est.means_)
    assert np.isfinite(restored.score(X))
