"""Batches of independent tasks, run in this process or through joblib.

The searches run their work as batches of independent tasks: a generation's
refinements (ESM-EM, GA-EM), a pass's EM runs (OMR-EM), k-means starts. With
``n_jobs`` resolving to more than one job, a batch runs through scikit-learn's
``Parallel`` (so joblib's backend, its memory mapping of large arrays and
scikit-learn's configuration reach the workers), unless the previous batch of
the same kind took less than :data:`MIN_POOLED_SECONDS` in all: sending a
task to a worker and its result back costs about a millisecond, which tiny
batches do not repay (``benchmarks/bench_n_jobs.py``). The first batch of each
kind runs here.

The result never depends on where a batch runs: every task draws its
randomness from its own seed, drawn by the caller in the parent.
"""

import time

from joblib import effective_n_jobs
from sklearn.utils.parallel import Parallel, delayed

__all__ = ["MIN_POOLED_SECONDS", "TaskRunner"]

# Work of a batch, summed over its tasks, from which the next batch of its
# kind goes to the workers.
MIN_POOLED_SECONDS = 0.1


def _timed(function, arguments):
    """``function(*arguments)`` and the seconds it took, where it ran."""
    tick = time.perf_counter()
    result = function(*arguments)
    return result, time.perf_counter() - tick


class TaskRunner:
    """Run batches of tasks here or through joblib, in task order.

    Parameters
    ----------
    n_jobs : int or None
        As scikit-learn's ``n_jobs``; with one job everything runs here.
    """

    def __init__(self, n_jobs):
        self.n_jobs = n_jobs
        self.n_workers = effective_n_jobs(n_jobs)
        self._seconds = {}

    def _pooled(self, kind, n_tasks):
        return (
            self.n_workers > 1
            and n_tasks > 1
            and self._seconds.get(kind, 0.0) >= MIN_POOLED_SECONDS
        )

    def _run(self, function, argument_lists, pooled):
        if not pooled:
            return [_timed(function, arguments) for arguments in argument_lists]
        return Parallel(n_jobs=self.n_jobs)(
            delayed(_timed)(function, arguments) for arguments in argument_lists
        )

    def map(self, kind, function, argument_lists, order=None):
        """``[function(*arguments) for arguments in argument_lists]``.

        ``order``, a permutation of the tasks' indices, is the order in which
        they are dispatched (largest first, so that the workers end
        together); the results come back in the order of ``argument_lists``.
        """
        argument_lists = list(argument_lists)
        order = range(len(argument_lists)) if order is None else list(order)
        timed = self._run(
            function,
            [argument_lists[index] for index in order],
            self._pooled(kind, len(argument_lists)),
        )
        self._seconds[kind] = sum(seconds for _, seconds in timed)
        results = [None] * len(argument_lists)
        for index, (result, _) in zip(order, timed, strict=True):
            results[index] = result
        return results

    def imap(self, kind, function, argument_lists):
        """Yield ``function(*arguments)`` for each of ``argument_lists``, in order.

        Results come one at a time in this process, and one round of
        ``n_workers`` tasks at a time through joblib, so that a caller with
        a time budget can stop between them: the tasks not started then
        never run.
        """
        argument_lists = list(argument_lists)
        pooled = self._pooled(kind, len(argument_lists))
        step = self.n_workers if pooled else 1
        seconds = 0.0
        try:
            for start in range(0, len(argument_lists), step):
                for result, task_seconds in self._run(
                    function, argument_lists[start : start + step], pooled
                ):
                    seconds += task_seconds
                    yield result
        finally:
            self._seconds[kind] = seconds
