"""Arrays that every task of a pooled batch shares go to each worker once."""

import os
import pickle

import numpy as np
import pytest
from joblib import parallel_config
from numpy.testing import assert_array_equal

from sklearn_esmem import _placement, _shared_arrays
from sklearn_esmem._placement import TaskPlacement
from sklearn_esmem._shared_arrays import MIN_SHARED_BYTES, SharedArrays, load_shared

LARGE = MIN_SHARED_BYTES // 8


@pytest.fixture
def worker_cache(monkeypatch):
    """This process's cache of loaded arrays, empty, as a worker's."""
    monkeypatch.setattr(_shared_arrays, "_loaded", type(_shared_arrays._loaded)())
    return _shared_arrays._loaded


def test_an_array_every_task_gets_is_written_once_and_sent_as_a_handle(
    worker_cache,
):
    X = np.arange(LARGE, dtype=float)
    own = [np.full(LARGE, float(task)) for task in range(3)]
    small = np.ones(8)
    with SharedArrays() as shared:
        tasks = shared.substitute([(X, own[task], small, task) for task in range(3)])
        folder = shared._folder
        assert len(os.listdir(folder)) == 1
        # X is a handle; each task's own array, and the small one, are not.
        assert all(not isinstance(task[0], np.ndarray) for task in tasks)
        assert all(task[1] is own[index] for index, task in enumerate(tasks))
        assert all(task[2] is small for task in tasks)
        # Each task, pickled on its own as joblib does, carries no copy of X.
        assert len(pickle.dumps(tasks[0])) < own[0].nbytes + 1024
        received = [pickle.loads(pickle.dumps(task)) for task in tasks]
        # Loaded once by this "worker", equal to X, and kept for the next task.
        assert_array_equal(received[0][0], X)
        assert all(task[0] is received[0][0] for task in received)
        assert_array_equal(received[2][1], own[2])
        # Later batches of the same search reuse the file, even for one task.
        assert shared.substitute([(X, 0)])[0][0] is tasks[0][0]
        assert len(os.listdir(folder)) == 1
    assert not os.path.exists(folder)


def test_layout_and_dtype_survive(worker_cache):
    X = np.asfortranarray(np.arange(2 * LARGE, dtype=np.float32).reshape(-1, 2))
    with SharedArrays() as shared:
        handle = shared.substitute([(X,), (X,)])[0][0]
        received = pickle.loads(pickle.dumps(handle))
    assert received.dtype == np.float32
    assert received.flags.f_contiguous
    assert_array_equal(received, X)


def test_arrays_of_other_searches_are_dropped_by_the_workers(worker_cache):
    arrays = [np.full(LARGE, float(value)) for value in range(4)]
    searches = [SharedArrays() for _ in arrays]
    handles = [
        search.substitute([(array,), (array,)])[0][0]
        for search, array in zip(searches, arrays, strict=True)
    ]
    for handle in handles[:3]:
        pickle.loads(pickle.dumps(handle))
    # At most WORKER_CACHE_SIZE kept, the least recently used dropped first.
    assert list(worker_cache) == [handle.path for handle in handles[1:3]]
    # A search that ended removed its file: its array goes at the next load.
    searches[1].close()
    pickle.loads(pickle.dumps(handles[3]))
    assert list(worker_cache) == [handles[2].path, handles[3].path]
    for search in searches:
        search.close()


def test_an_array_that_cannot_be_written_goes_with_each_task(monkeypatch):
    def no_room(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "save", no_room)
    X = np.zeros(LARGE)
    with SharedArrays() as shared:
        tasks = shared.substitute([(X,), (X,)])
    assert all(task[0] is X for task in tasks)


def test_load_shared_reads_the_file_once(tmp_path, worker_cache):
    path = str(tmp_path / "X.npy")
    np.save(path, np.arange(5.0))
    first = load_shared(path)
    assert load_shared(path) is first
    assert list(worker_cache) == [path]


def _loaded_and_sum(X):
    return list(_shared_arrays._loaded), float(X.sum()), os.getpid()


@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_real_workers_load_the_array_once_each(always_pooled, monkeypatch, backend):
    monkeypatch.setattr(_placement, "_pool_last_used", {})
    X = np.arange(float(LARGE))
    with parallel_config(backend=backend), TaskPlacement(n_jobs=2) as placement:
        results = placement.map("sum", _loaded_and_sum, [(X,)] * 6)
    assert {total for _, total, _ in results} == {float(X.sum())}
    if backend == "loky":
        assert os.getpid() not in {process for *_, process in results}
        # Each worker loaded one file, the same for all.
        assert len({tuple(loaded) for loaded, _, _ in results}) == 1
        assert len(results[0][0]) == 1
    else:
        # Threads share the parent's memory: nothing is written or loaded.
        assert all(loaded == list(_shared_arrays._loaded) for loaded, _, _ in results)
        assert placement._shared_arrays is None
