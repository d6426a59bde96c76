"""Send the arrays that a batch's tasks share to pool workers once, not per task.

Every task of a generation gets the same data ``X`` (and ``sample_weight``).
joblib pickles each task's arguments on its own, so a pooled generation of
ten tasks sent ``X`` ten times through the workers' pipe: with 360 KB of data
(the 3x3 grid, 22,500 points in 2-D), a pooled generation took 64 ms against
55 to 56 ms when each worker loaded the data once (ad hoc, interleaved; the
fits of ``benchmarks/bench_n_jobs.py`` gained 1.36 against 1.26 there). X
passed as a memory map, which joblib sends by file name but each task maps
anew, gave 59 to 61 ms; joblib's own memmapping (``max_nbytes``), which also
hashes the array at every task, gave nothing.

So when the pool's processes are this machine's (joblib's loky and
multiprocessing backends), the parent writes each shared array once per
search to a file in a temporary folder (in memory where ``/dev/shm`` is),
and pickles a small handle in its place: a worker loads the file at the
first task that names it and keeps the array for the next tasks. Other
backends get the arrays as before: threads share them anyway, and a
cluster's workers cannot read this machine's files.

A worker keeps the last :data:`WORKER_CACHE_SIZE` arrays it loaded, and
drops those whose file is gone (the search that wrote it has ended) at its
next task.
"""

import os
import shutil
import tempfile
import uuid
from collections import Counter, OrderedDict

import numpy as np

__all__ = ["MIN_SHARED_BYTES", "SharedArrays", "WORKER_CACHE_SIZE"]

# Arrays below this are pickled with each task: a message shorter than a
# Linux pipe's buffer (64 KiB) is written at once, without waiting for the
# worker to read it.
MIN_SHARED_BYTES = 64 * 1024
# Arrays a worker keeps: a search's X and sample_weight.
WORKER_CACHE_SIZE = 2

# In a worker: file path -> array, least recently used first.
_loaded = OrderedDict()


def _memory_folder():
    """``/dev/shm`` where it can be written to, else the system's default."""
    folder = "/dev/shm"
    if os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK):
        return folder
    return None


def load_shared(path):
    """The array saved at ``path``: what a handle unpickles to in a worker."""
    array = _loaded.get(path)
    if array is not None:
        _loaded.move_to_end(path)
        return array
    for stale in [kept for kept in _loaded if not os.path.exists(kept)]:
        del _loaded[stale]
    array = np.load(path, allow_pickle=False)
    _loaded[path] = array
    while len(_loaded) > WORKER_CACHE_SIZE:
        _loaded.popitem(last=False)
    return array


class _ArrayHandle:
    """Pickles as a call that loads the array from its file, once per process."""

    __slots__ = ("path",)

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return load_shared, (self.path,)


class SharedArrays:
    """The arrays of one search that its pooled tasks get once per worker.

    Use it as a context manager: the folder of files goes on exit.
    """

    def __init__(self):
        self._folder = None
        # id(array) -> (array, handle or None); the array is kept so that its
        # id is not reused while the search runs. None: it could not be
        # saved, and is pickled with each task.
        self._handles = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False

    def close(self):
        """Remove the files; pooled tasks must be done."""
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
        self._handles = {}

    def _handle(self, array):
        entry = self._handles.get(id(array))
        if entry is None:
            entry = self._handles[id(array)] = (array, self._save(array))
        return entry[1]

    def _save(self, array):
        try:
            if self._folder is None:
                self._folder = tempfile.mkdtemp(
                    prefix="sklearn_esmem_", dir=_memory_folder()
                )
            path = os.path.join(self._folder, f"{uuid.uuid4().hex}.npy")
            np.save(path, array, allow_pickle=False)
        except OSError:
            # No room: this array goes with each task, as joblib sends it.
            return None
        return _ArrayHandle(path)

    def substitute(self, argument_lists):
        """The argument lists with each shared array replaced by its handle.

        An array is shared if it is a numpy array of at least
        :data:`MIN_SHARED_BYTES` that is the same object in two or more of
        the lists, or was shared before.
        """
        argument_lists = [list(arguments) for arguments in argument_lists]
        uses = Counter(
            id(argument)
            for arguments in argument_lists
            for argument in arguments
            if type(argument) is np.ndarray and argument.nbytes >= MIN_SHARED_BYTES
        )
        for arguments in argument_lists:
            for position, argument in enumerate(arguments):
                key = id(argument)
                if type(argument) is np.ndarray and (
                    uses[key] > 1 or key in self._handles
                ):
                    handle = self._handle(argument)
                    if handle is not None:
                        arguments[position] = handle
        return [tuple(arguments) for arguments in argument_lists]
