"""Where a batch of independent tasks runs: in this process, or in a joblib pool.

The searches run their work as batches of independent tasks: a generation's
refinements (ESM-EM, GA-EM), a pass's EM runs (OMR-EM), k-means starts. A
pool of processes pays for itself only when a batch is long enough: on 2
cores, ten empty tasks took 10 ms through a warm loky pool
(``benchmarks/bench_n_jobs.py --overhead``), and a pool whose workers are
not running yet must start them, each importing the package: first fits of
900 to 1,200 points that opened the pool at once took 1.3 to 1.4 s longer
than with one job (``bench_n_jobs.py --cold --cold-cut-over 0.05``). So a
batch goes to the pool only when the last batch of the same kind took at
least the cut-over, by its
tasks' own account, and runs here otherwise: also after earlier batches were
pooled, as a search's batches shorten while k settles. A batch that runs
here moves its remaining tasks to the pool once they look long enough, at
the pace of those done, if the pool is warm: so the first batch of each kind
in a fit, which has no last batch to go by, does not wait for the next one.

The arrays that a pooled batch's tasks all get (the data) go to each worker
once per search, not with every task (:mod:`._shared_arrays`).

The result never depends on where a batch runs: every task draws its
randomness from its own seed, drawn by the caller in the parent.
"""

import threading
import time
import warnings
from contextlib import ExitStack

from joblib import effective_n_jobs
from joblib.parallel import LokyBackend, MultiprocessingBackend, get_active_backend
from sklearn.utils.parallel import Parallel, delayed

from ._allocator import keep_freed_memory
from ._shared_arrays import SharedArrays

__all__ = [
    "TaskPlacement",
    "pool_is_warm",
    "pool_min_seconds",
    "pooled_task",
    "pooled_tasks",
    "timed_task",
]

# Batch time, in-process, above which the next batch of its kind goes to a
# warm pool. Measured on 2 cores (benchmarks/bench_n_jobs.py, always
# pooled, median refinement speed-ups in results/n_jobs_2026-11-30.md):
# ESM-EM generations of 10 to 30 ms (900 to 1,200 points) ran at 0.77 to
# 1.12 of their speed in-process, generations of 0.1 s and longer 1.19 to
# 1.89 times as fast.
_POOL_MIN_SECONDS = 0.05
# The same for a pool whose workers have not run a batch in this process
# lately: loky must first start them and each must import the package (1.3
# to 1.4 s, above), which pooled batches repay by a third to a half of their
# in-process time each (1.5 to 1.9 times as fast pooled: bench_n_jobs.py and
# its --baselines, results/n_jobs_2026-11-30.md). Batches shorten
# as a search settles, so the first ones must be long. First fits of ESM-EM
# with n_jobs=2 against n_jobs=1 (bench_n_jobs.py --cold --cold-cut-over S):
# at 0.05 s, the warm pool's cut-over, fits of 900 to 1,200 points ran at
# 0.23 to 0.44 of the speed; at 0.3 s, the 3x3 grid of 22,500 points (first
# generation 0.3 to 0.4 s) still opened a cold pool, at 0.88; at 0.5 s, every
# set but the largest stayed in-process, at 0.99 to 1.00.
_COLD_POOL_MIN_SECONDS = 0.5
# A search that knows how many batches it has left (OMR-EM's passes) opens a
# cold pool only if they add up to this much work, in-process: at a third to
# a half saved (above), the start is repaid by 3 to 4 s of work. On
# 49Gauss, OMR-EM's second of two passes (1.3 s) in a cold pool made the
# first fit 0.76 times as fast as with n_jobs=1 (bench_n_jobs.py
# --baselines).
_COLD_POOL_MIN_WORK_SECONDS = 4.0
# loky stops workers idle for 300 s: a pool used more recently than this is
# taken to be warm.
_WARM_POOL_SECONDS = 240.0
# How long to wait for word of a task's completion before asking joblib for
# its result, which then polls for it every 10 ms: once the pool has told of
# a completion, and before it has (a backend that never tells). A task that
# fails is not told of: joblib marks the call as aborting, which the wait
# checks this often.
_COMPLETION_WAIT_SECONDS = 1.0
_FIRST_COMPLETION_WAIT_SECONDS = 0.01
_ABORT_CHECK_SECONDS = 0.05
# time.monotonic() at the end of the last pooled batch, by number of jobs.
# The pool (loky's reusable executor) is the process's, whichever estimator
# used it.
_pool_last_used = {}


def pool_is_warm(n_jobs):
    """Whether this process's pool for ``n_jobs`` ran a batch lately."""
    last_used = _pool_last_used.get(effective_n_jobs(n_jobs))
    return last_used is not None and time.monotonic() - last_used < _WARM_POOL_SECONDS


def pool_min_seconds(n_jobs):
    """The cut-over for ``n_jobs``: lower once this process's pool is warm."""
    if pool_is_warm(n_jobs):
        return _POOL_MIN_SECONDS
    return max(_POOL_MIN_SECONDS, _COLD_POOL_MIN_SECONDS)


def timed_task(function, *arguments):
    """Return ``function(*arguments)`` and its time in seconds, where it ran."""
    tick = time.perf_counter()
    result = function(*arguments)
    return result, time.perf_counter() - tick


def pooled_task(function, *arguments):
    """:func:`timed_task` as a pool worker runs it.

    The worker first keeps its freed memory for the next tasks
    (:mod:`._allocator`); the result is the same. Tasks run in the calling
    process never touch its allocator.
    """
    keep_freed_memory()
    return timed_task(function, *arguments)


def pooled_tasks(function, argument_lists):
    """:func:`pooled_task` for each of ``argument_lists``, in turn."""
    return [pooled_task(function, *arguments) for arguments in argument_lists]


# Most tasks sent to a worker at once, and how many per worker at the end of
# a batch go one by one. Every dispatch costs the parent's threads CPU
# (joblib's and loky's queues and wake-ups), which the workers lose to them;
# but a worker done early must find tasks left to take, as a batch's tasks
# differ by up to 2x in time: sent all at once, a few per worker, they had
# left one worker idle (a speed-up of 1.4 against 1.5 one by one, on
# 49Gauss). Always pooled, the refinements of 49Gauss and the 3x3 grid kept
# 0.86 to 0.87 of the two CPUs busy in units of up to 3, against 0.84 to 0.86
# and 0.81 to 0.86 one by one, and the parent's CPU outside the tasks fell
# from 0.22-0.24 to 0.16 s and from 0.14-0.22 to 0.08-0.10 s
# (benchmarks/bench_n_jobs.py; results/n_jobs_2026-11-30.md).
_MAX_UNIT = 3
_LAST_ONE_BY_ONE = 2


def _dispatch_units(argument_lists, n_workers):
    """Consecutive tasks in units of up to ``_MAX_UNIT``, the last one by one."""
    units = []
    start = 0
    while start < len(argument_lists):
        n_left = len(argument_lists) - start
        size = max(1, min(_MAX_UNIT, n_left - _LAST_ONE_BY_ONE * n_workers))
        units.append(argument_lists[start : start + size])
        start += size
    return units


class _CompletionTellingParallel(Parallel):
    """scikit-learn's ``Parallel``, which tells its caller when a task is done.

    joblib's ``Parallel`` hands a result over to its caller by polling: when
    the next one is not done, it sleeps 10 ms. At the end of a generation,
    whose next one needs every result, both CPUs then wait for that sleep:
    always pooled, the refinements of 49Gauss and the 3x3 grid kept 0.82 to
    0.83 and 0.80 to 0.87 of the two CPUs busy with joblib's polling, 0.88
    to 0.90 and 0.86 to 0.88 with this (``benchmarks/bench_n_jobs.py``, its
    share; ``results/n_jobs_2026-11-30.md``). joblib 1.6 calls
    :meth:`print_progress` from the thread that takes in a result, once it
    is registered, and counts the tasks done in ``n_completed_tasks``: the
    override wakes the caller, who asks for the result only once it is
    there. A backend that never calls it gets joblib's polling back after a
    wait of 10 ms per result; one that calls it without counting, after 1 s
    (:meth:`wait_until_completed`). loky, threading, multiprocessing and
    dask call it and count, under joblib 1.3.2 and 1.6.
    """

    def __init__(self, **options):
        super().__init__(**options)
        self._completed = threading.Condition()
        self._told = False

    def print_progress(self):
        super().print_progress()
        with self._completed:
            self._told = True
            self._completed.notify_all()

    def wait_until_completed(self, n_tasks):
        """Wait until ``n_tasks`` tasks of the current call are done, or a timeout.

        The timeout is short until the pool has told of a completion, so that
        a backend that calls no :meth:`print_progress` costs little; results
        are then taken as joblib hands them over. The wait also ends when a
        task has failed, so that its error is raised without delay.
        """
        seconds = (
            _COMPLETION_WAIT_SECONDS if self._told else _FIRST_COMPLETION_WAIT_SECONDS
        )
        deadline = time.monotonic() + seconds
        with self._completed:
            while self.n_completed_tasks < n_tasks and not getattr(
                self, "_aborting", False
            ):
                left = deadline - time.monotonic()
                if left <= 0.0:
                    return
                self._completed.wait(min(left, _ABORT_CHECK_SECONDS))


class TaskPlacement:
    """Run batches of tasks here or in a joblib pool, as the last batch's time says.

    Use it as a context manager: the pool, opened at the first pooled batch,
    stays open for the later ones and closes on exit.

    Parameters
    ----------
    n_jobs : int or None
        As scikit-learn's ``n_jobs``; with one job everything runs here.

    Attributes
    ----------
    last_seconds : dict
        By kind of batch, the time its tasks took in the last batch.
    """

    def __init__(self, n_jobs):
        self.n_jobs = n_jobs
        self.last_seconds = {}
        self._pool_allowed = effective_n_jobs(n_jobs) > 1
        self._stack = ExitStack()
        self._parallel = None
        self._shared_arrays = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return self._stack.__exit__(*exc_info)

    def _pooled(self, kind, n_tasks, n_batches):
        last_seconds = self.last_seconds.get(kind, 0.0)
        if not (
            self._pool_allowed
            and n_tasks > 1
            and last_seconds >= pool_min_seconds(self.n_jobs)
        ):
            return False
        return (
            n_batches is None
            or pool_is_warm(self.n_jobs)
            or last_seconds * n_batches >= _COLD_POOL_MIN_WORK_SECONDS
        )

    def imap(self, kind, function, argument_lists, n_batches=None):
        """Yield ``function(*arguments)`` for each of ``argument_lists``, in order.

        Each result is handed over as it is ready (pooled, as its unit of
        tasks is: :func:`_dispatch_units`), so the caller can stop early (a
        time budget): closing the generator cancels the tasks not started,
        and the batch's time is that of the tasks handed over.
        ``n_batches``, if the caller knows it, is how many batches of this
        kind are left, this one included: a cold pool opens only for enough
        work.

        A batch that starts here moves its remaining tasks to a warm pool
        once they look long enough to pay for it, at the pace of those done:
        the first batch of each kind in a fit starts here, and so does any
        batch after a short one.
        """
        argument_lists = list(argument_lists)
        n_tasks = len(argument_lists)
        seconds = 0.0
        n_done = 0
        try:
            if not self._pooled(kind, n_tasks, n_batches):
                while n_done < n_tasks:
                    result, task_seconds = timed_task(function, *argument_lists[n_done])
                    seconds += task_seconds
                    n_done += 1
                    yield result
                    if self._move_the_rest(seconds, n_done, n_tasks):
                        break
            if n_done < n_tasks:
                pooled = self._run_pooled(function, argument_lists[n_done:])
                try:
                    for result, task_seconds in pooled:
                        seconds += task_seconds
                        yield result
                finally:
                    pooled.close()
        finally:
            self.last_seconds[kind] = seconds

    def _move_the_rest(self, seconds, n_done, n_tasks):
        # Only to a warm pool: a cold one costs more to start than the rest
        # of one batch repays.
        n_left = n_tasks - n_done
        return (
            self._pool_allowed
            and n_left > 1
            and seconds / n_done * n_left >= _POOL_MIN_SECONDS
            and pool_is_warm(self.n_jobs)
        )

    def _run_pooled(self, function, argument_lists):
        """Yield ``(result, seconds)`` of each task, run in the pool."""
        if self._parallel is None:
            backend = get_active_backend()[0]
            if isinstance(backend, (LokyBackend, MultiprocessingBackend)):
                # Entered first, so that it closes after the pool is done.
                self._shared_arrays = self._stack.enter_context(SharedArrays())
            # One unit of tasks per dispatch (_dispatch_units). The results
            # as they come, where the backend can (not multiprocessing's, nor
            # dask's before joblib 1.4): all at once otherwise.
            self._parallel = self._stack.enter_context(
                _CompletionTellingParallel(
                    n_jobs=self.n_jobs,
                    batch_size=1,
                    return_as="generator"
                    if backend.supports_return_generator
                    else "list",
                )
            )
        if self._shared_arrays is not None:
            argument_lists = self._shared_arrays.substitute(argument_lists)
        units = _dispatch_units(argument_lists, effective_n_jobs(self.n_jobs))
        timed = iter(
            self._parallel(delayed(pooled_tasks)(function, unit) for unit in units)
        )
        try:
            for n_taken in range(1, len(units) + 1):
                # Each unit's results in order: the n-th unit's once n units
                # are done, when they are most likely there (the last surely).
                self._parallel.wait_until_completed(n_taken)
                yield from next(timed)
        finally:
            with warnings.catch_warnings():
                # joblib warns that the tasks it had started are cancelled or
                # unused: that is what stopping early means.
                warnings.simplefilter("ignore", UserWarning)
                if hasattr(timed, "close"):  # not a list's iterator
                    timed.close()
            _pool_last_used[effective_n_jobs(self.n_jobs)] = time.monotonic()

    def map(self, kind, function, argument_lists, order=None):
        """``[function(*arguments) for arguments in argument_lists]``.

        ``order``, a permutation of the tasks' indices, is the order in which
        they are dispatched (largest first, so that the workers end
        together); the results come back in the order of ``argument_lists``.
        """
        argument_lists = list(argument_lists)
        if order is None:
            order = range(len(argument_lists))
        order = list(order)
        results = [None] * len(argument_lists)
        dispatched = (argument_lists[index] for index in order)
        for index, result in zip(
            order, self.imap(kind, function, dispatched), strict=True
        ):
            results[index] = result
        return results
