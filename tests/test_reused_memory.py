"""A fit reuses its E-step memory once nothing refers to it (_reused_memory)."""

import contextlib
import threading

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone

from sklearn_esmem import (
    EvolutionarySplitMergeMixture,
    GeneticEMMixture,
    OrderedMultipleRunsMixture,
    _base,
    _reused_memory,
)
from sklearn_esmem._em import make_parameters, run_em
from sklearn_esmem._reused_memory import MAX_KEPT_ARRAYS, empty, reusing_memory
from sklearn_esmem.datasets import make_grid_mixture


def _owner(array):
    """The id of the array that owns ``array``'s memory.

    An id, not the array: a reference to it would keep it in use.
    """
    return id(array if array.base is None else array.base)


def test_outside_a_fit_arrays_are_fresh():
    first = empty((3, 4))
    assert first.shape == (3, 4) and first.dtype == np.float64
    del first
    assert getattr(_reused_memory._local, "arrays", None) is None


def test_memory_is_reused_only_once_no_view_of_it_is_left():
    with reusing_memory():
        first = empty((3, 4))
        owner = _owner(first)
        column = first.T[:, 1]
        del first
        # A transposed slice still refers to the memory: not handed out.
        second = empty((2, 5))
        assert _owner(second) != owner
        del column
        third = empty((2, 5))
        assert _owner(third) == owner
        assert third.shape == (2, 5)


def test_the_smallest_free_array_that_fits_is_taken():
    with reusing_memory():
        small, large = empty(10), empty(100)
        small_owner, large_owner = _owner(small), _owner(large)
        del small, large
        assert _owner(empty(5)) == small_owner
        assert _owner(empty(50)) == large_owner


def test_a_fit_keeps_a_bounded_number_of_arrays():
    with reusing_memory():
        held = [empty(8) for _ in range(MAX_KEPT_ARRAYS + 5)]
        kept = _reused_memory._local.arrays
        # The placeholder counting references, and at most MAX_KEPT_ARRAYS.
        assert len(kept) == MAX_KEPT_ARRAYS + 1
        assert all(_owner(array) not in {id(k) for k in kept} for array in held[-5:])
    assert _reused_memory._local.arrays is None


def test_free_arrays_too_small_for_a_new_one_are_let_go():
    with reusing_memory():
        kept = _reused_memory._local.arrays
        small, large, in_use = empty(10), empty(100), empty(10)
        large_owner = _owner(large)
        del small, large
        # A smaller request takes the larger free array, and keeps both.
        medium = empty(50)
        assert _owner(medium) == large_owner
        assert len(kept) == 4
        del medium
        # None is large enough: the free ones go, the one in use stays.
        larger = empty(200)
        assert {id(array) for array in kept[1:]} == {_owner(in_use), _owner(larger)}


def test_nested_blocks_share_the_outer_ones_memory():
    with reusing_memory():
        outer = _reused_memory._local.arrays
        with reusing_memory():
            assert _reused_memory._local.arrays is outer
        assert _reused_memory._local.arrays is outer
    assert _reused_memory._local.arrays is None


def test_other_threads_get_fresh_arrays():
    seen = []

    def other_thread():
        seen.append(getattr(_reused_memory._local, "arrays", None))
        empty(4)

    with reusing_memory():
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
    assert seen == [None]


def test_em_runs_reuse_the_e_step_memory_and_give_the_same_result(kernels):
    X, _ = make_grid_mixture(grid_size=2, n_per_component=100, random_state=0)
    est = EvolutionarySplitMergeMixture(random_state=0, max_generations=2).fit(X)
    parameters, _ = make_parameters(
        est.weights_, est.means_, est.covariances_, "full", reg_covar=1e-6
    )
    fresh = run_em(X, parameters, 3, reg_covar=1e-6)
    with reusing_memory():
        first = run_em(X, parameters, 3, reg_covar=1e-6)
        first_owner = _owner(first.e_step.resp)
        assert_array_equal(first.e_step.resp, fresh.e_step.resp)
        assert_array_equal(first.e_step.log_resp, fresh.e_step.log_resp)
        del first
        second = run_em(X, parameters, 3, reg_covar=1e-6)
        owners = {
            _owner(getattr(second.e_step, name))
            for name in ("log_prob", "log_resp", "resp", "log_prob_norm")
        }
        assert first_owner in owners
        assert_array_equal(second.e_step.log_prob, fresh.e_step.log_prob)
        assert_array_equal(second.e_step.log_prob_norm, fresh.e_step.log_prob_norm)


@pytest.mark.parametrize(
    "estimator",
    [
        EvolutionarySplitMergeMixture(population_size=4, max_generations=5),
        OrderedMultipleRunsMixture(n_passes=2, max_components=5),
        GeneticEMMixture(population_size=4, max_generations=4, max_components=6),
    ],
    ids=lambda est: type(est).__name__,
)
def test_a_fit_is_the_same_with_fresh_memory(estimator, monkeypatch):
    X, _ = make_grid_mixture(grid_size=2, n_per_component=80, random_state=2)
    reused = clone(estimator).set_params(random_state=1).fit(X)
    monkeypatch.setattr(_base, "reusing_memory", contextlib.nullcontext)
    fresh = clone(estimator).set_params(random_state=1).fit(X)
    assert reused.n_components_ == fresh.n_components_
    for name in ("weights_", "means_", "covariances_"):
        assert_array_equal(getattr(reused, name), getattr(fresh, name))
    assert_array_equal(reused.labels_, fresh.labels_)
    assert reused.criterion_ == fresh.criterion_
