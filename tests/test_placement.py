"""Where batches of tasks run: in-process or in the joblib pool (_placement)."""

import os
import threading
import time

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.utils.parallel import delayed

from sklearn_esmem import (
    EvolutionarySplitMergeMixture,
    GeneticEMMixture,
    OrderedMultipleRunsMixture,
    _placement,
)
from sklearn_esmem._placement import (
    TaskPlacement,
    pool_min_seconds,
    pooled_task,
    timed_task,
)
from sklearn_esmem.datasets import make_grid_mixture


def _sleep_and_return(seconds, value):
    time.sleep(seconds)
    return value


def _value_and_process(value):
    return value, os.getpid()


def _batch(seconds, n_tasks=3):
    return [(seconds, index) for index in range(n_tasks)]


def test_timed_task_returns_the_result_and_its_time():
    result, seconds = timed_task(_sleep_and_return, 0.02, "value")
    assert result == "value"
    assert 0.02 <= seconds < 1.0


def test_only_pooled_tasks_tune_the_allocator(monkeypatch):
    # A worker keeps its freed memory (_allocator); tasks run in the calling
    # process leave its allocator alone, whatever process that is.
    calls = []
    monkeypatch.setattr(_placement, "keep_freed_memory", lambda: calls.append(1))
    assert timed_task(_sleep_and_return, 0.0, "here")[0] == "here"
    assert calls == []
    assert pooled_task(_sleep_and_return, 0.0, "pooled")[0] == "pooled"
    assert calls == [1]


def test_the_first_batch_runs_here_and_a_long_one_sends_the_next_to_the_pool(
    recording,
):
    recording(warm=0.05, cold=0.05)
    with TaskPlacement(n_jobs=2) as placement:
        # 3 x 0.03 s >= 0.05 s: the next batch of this kind is pooled.
        assert placement.map("refine", _sleep_and_return, _batch(0.03)) == [0, 1, 2]
        assert recording.parallel.opened == 0
        assert placement.last_seconds["refine"] >= 0.09
        assert placement.map("refine", _sleep_and_return, _batch(0.0)) == [0, 1, 2]
        assert recording.parallel.opened == 1
        assert len(recording.parallel.dispatched) == 1
        # One task per dispatch, results handed over as they come.
        assert recording.parallel.options["batch_size"] == 1
        assert recording.parallel.options["return_as"] == "generator"
        # That batch was short: the next runs here again.
        placement.map("refine", _sleep_and_return, _batch(0.0))
    assert len(recording.parallel.dispatched) == 1


def test_kinds_of_batches_are_timed_apart(recording):
    recording(warm=0.05, cold=0.05)
    with TaskPlacement(n_jobs=2) as placement:
        placement.map("long", _sleep_and_return, _batch(0.03))
        placement.map("short", _sleep_and_return, _batch(0.0))
        assert len(recording.parallel.dispatched) == 0
        placement.map("long", _sleep_and_return, _batch(0.0))
        assert len(recording.parallel.dispatched) == 1


def test_a_cold_pool_needs_longer_batches(recording):
    recording(warm=0.0, cold=np.inf)
    with TaskPlacement(n_jobs=2) as placement:
        placement.map("refine", _sleep_and_return, _batch(0.0))
        assert len(recording.parallel.dispatched) == 0
        # A pool used a moment ago is warm ...
        _placement._pool_last_used[2] = time.monotonic()
        placement.map("refine", _sleep_and_return, _batch(0.0))
        assert len(recording.parallel.dispatched) == 1
        # ... and one idle for longer than loky keeps its workers is cold.
        _placement._pool_last_used[2] = (
            time.monotonic() - 2 * _placement._WARM_POOL_SECONDS
        )
        placement.map("refine", _sleep_and_return, _batch(0.0))
        assert len(recording.parallel.dispatched) == 1


@pytest.mark.parametrize(
    "n_batches, warm, pooled",
    [(2, False, False), (10, False, True), (2, True, True), (None, False, True)],
)
def test_a_cold_pool_opens_only_for_enough_work_left(
    recording, n_batches, warm, pooled
):
    # 3 x 0.03 s a batch: two batches left are 0.18 s of work, ten are 0.9 s;
    # a cold pool needs 0.5 s here, a warm one just a long enough batch.
    recording(warm=0.05, cold=0.05, cold_work=0.5)
    with TaskPlacement(n_jobs=2) as placement:
        placement.map("pass", _sleep_and_return, _batch(0.03))
        if warm:
            _placement._pool_last_used[2] = time.monotonic()
        results = placement.imap(
            "pass", _sleep_and_return, _batch(0.0), n_batches=n_batches
        )
        assert list(results) == [0, 1, 2]
    assert len(recording.parallel.dispatched) == int(pooled)


def test_pooled_batches_mark_the_pool_warm(recording):
    recording(warm=0.0, cold=0.0)
    before = time.monotonic()
    with TaskPlacement(n_jobs=2) as placement:
        placement.map("refine", _sleep_and_return, _batch(0.0))
    assert len(recording.parallel.dispatched) == 1
    assert _placement._pool_last_used[2] >= before
    recording(warm=0.05, cold=0.3)
    assert pool_min_seconds(2) == 0.05
    assert pool_min_seconds(3) == 0.3  # never used with 3 jobs


def test_order_of_dispatch_and_order_of_results(recording):
    recording(warm=0.0, cold=0.0)
    arguments = [(0.0, value) for value in "abcd"]
    with TaskPlacement(n_jobs=2) as placement:
        results = placement.map(
            "refine", _sleep_and_return, arguments, order=[2, 0, 3, 1]
        )
    assert results == ["a", "b", "c", "d"]
    assert [args[2] for args in recording.parallel.dispatched[0]] == list("cadb")


@pytest.mark.parametrize("pooled", [False, True])
def test_stopping_early_runs_no_more_tasks(recording, pooled):
    recording(warm=0.0 if pooled else np.inf, cold=0.0 if pooled else np.inf)
    ran = []

    def task(value):
        ran.append(value)
        return value

    with TaskPlacement(n_jobs=2) as placement:
        results = placement.imap("runs", task, [(value,) for value in range(4)])
        assert next(results) == 0
        results.close()
    assert len(recording.parallel.dispatched) == int(pooled)
    assert ran == [0]
    assert "runs" in placement.last_seconds


@pytest.mark.parametrize("n_jobs", [None, 1])
def test_one_job_never_opens_a_pool(recording, n_jobs):
    recording(warm=0.0, cold=0.0)
    with TaskPlacement(n_jobs=n_jobs) as placement:
        placement.map("refine", _sleep_and_return, _batch(0.0))
        placement.map("refine", _sleep_and_return, _batch(0.0))
    assert recording.parallel.opened == 0


def test_a_single_task_runs_here(recording):
    recording(warm=0.0, cold=0.0)
    with TaskPlacement(n_jobs=2) as placement:
        assert placement.map("refine", _sleep_and_return, _batch(0.0, 1)) == [0]
    assert recording.parallel.opened == 0


def test_a_real_pool_gives_the_results_in_order(monkeypatch):
    monkeypatch.setattr(_placement, "_POOL_MIN_SECONDS", 0.0)
    monkeypatch.setattr(_placement, "_COLD_POOL_MIN_SECONDS", 0.0)
    monkeypatch.setattr(_placement, "_pool_last_used", {})
    arguments = [(value,) for value in range(6)]
    with TaskPlacement(n_jobs=2) as placement:
        results = placement.map(
            "refine", _value_and_process, arguments, order=[5, 4, 3, 2, 1, 0]
        )
    assert [value for value, _ in results] == list(range(6))
    # They ran in the workers, which marked the pool warm.
    assert os.getpid() not in {process for _, process in results}
    assert 2 in _placement._pool_last_used


@pytest.mark.parametrize(
    "n_tasks, n_workers, sizes",
    [
        (10, 2, [3, 3, 1, 1, 1, 1]),
        (20, 2, [3, 3, 3, 3, 3, 1, 1, 1, 1, 1]),
        (5, 2, [1, 1, 1, 1, 1]),
        (8, 3, [2, 1, 1, 1, 1, 1, 1]),
    ],
)
def test_tasks_go_in_units_then_one_by_one(n_tasks, n_workers, sizes):
    units = _placement._dispatch_units(list(range(n_tasks)), n_workers)
    assert [len(unit) for unit in units] == sizes
    assert [task for unit in units for task in unit] == list(range(n_tasks))


def test_the_caller_is_woken_when_a_pooled_task_is_done():
    # Once the pool has told of a completion, waiting for the second task,
    # of 0.3 s, outlasts the short wait before any word: only the pool's
    # word of its completion ends it.
    with _placement._CompletionTellingParallel(
        n_jobs=2, backend="threading", batch_size=1, return_as="generator"
    ) as parallel:
        results = parallel(
            delayed(_sleep_and_return)(seconds, index)
            for index, seconds in enumerate((0.0, 0.3))
        )
        parallel.wait_until_completed(1)
        assert next(results) == 0
        parallel.wait_until_completed(2)
        assert parallel.n_completed_tasks == 2
        assert next(results) == 1


def _fail():
    raise ValueError("this task fails")


def test_a_failed_task_ends_the_wait(monkeypatch):
    # A failed task is not told of, and joblib then takes in no other
    # result: without the check of joblib's abort, the wait would last its
    # whole timeout.
    monkeypatch.setattr(_placement, "_COMPLETION_WAIT_SECONDS", 30.0)
    release = threading.Event()
    with _placement._CompletionTellingParallel(
        n_jobs=2, backend="threading", batch_size=1, return_as="generator"
    ) as parallel:
        parallel._told = True  # as after a first completion
        results = parallel([delayed(release.wait)(60.0), delayed(_fail)()])
        start = time.monotonic()
        parallel.wait_until_completed(1)
        waited = time.monotonic() - start
        release.set()
        assert waited < 15.0
        with pytest.raises(ValueError, match="this task fails"):
            list(results)


class _SilentParallel(_placement._CompletionTellingParallel):
    """A pool that never tells of a completion, as a backend might not."""

    def print_progress(self):
        pass


def test_a_pool_that_never_tells_is_not_waited_for():
    with _SilentParallel(
        n_jobs=2, backend="threading", batch_size=1, return_as="generator"
    ) as parallel:
        results = parallel(delayed(_sleep_and_return)(1.0, index) for index in (0, 1))
        parallel.wait_until_completed(1)
        # Back after the short wait, long before the tasks are done; joblib
        # then hands the results over as it polls for them.
        assert parallel.n_completed_tasks == 0
        assert list(results) == [0, 1]


SEARCHES = [
    EvolutionarySplitMergeMixture(population_size=4, max_generations=3),
    OrderedMultipleRunsMixture(n_passes=3, max_components=4),
    GeneticEMMixture(population_size=4, max_generations=3, max_components=6),
]


@pytest.mark.parametrize("search", SEARCHES, ids=lambda est: type(est).__name__)
def test_searches_pool_only_batches_long_enough(recording, search):
    X, _ = make_grid_mixture(grid_size=2, n_per_component=40, random_state=0)
    search = clone(search).set_params(n_jobs=2, random_state=0)
    recording(warm=np.inf, cold=np.inf)
    in_process = clone(search).fit(X)
    assert recording.parallel.opened == 0
    recording(warm=0.0, cold=0.0)
    pooled = clone(search).fit(X)
    # One pool for the whole search, kept open between its batches.
    assert recording.parallel.opened == 1
    assert len(recording.parallel.dispatched) >= 2
    assert_allclose(pooled.means_, in_process.means_, rtol=0, atol=0)


@pytest.mark.parametrize("warm", [True, False])
def test_a_long_batch_moves_its_remaining_tasks_to_a_warm_pool(recording, warm):
    recording(warm=0.05, cold=np.inf)
    if warm:
        _placement._pool_last_used[2] = time.monotonic()
    arguments = [(0.03, value) for value in range(4)]
    with TaskPlacement(n_jobs=2) as placement:
        # The first batch of its kind: it starts here, and after one task of
        # 0.03 s the three left look like 0.09 s.
        results = placement.map("refine", _sleep_and_return, arguments)
    assert results == [0, 1, 2, 3]
    assert placement.last_seconds["refine"] >= 0.12
    if warm:
        assert len(recording.parallel.dispatched) == 1
        assert [args[2] for args in recording.parallel.dispatched[0]] == [1, 2, 3]
    else:
        assert recording.parallel.opened == 0
