"""Memory for the E-step's large arrays, reused from one EM run to the next in a fit.

A search runs EM hundreds of times, each run making its E-step arrays afresh:
three (K, N) arrays and one of N values, megabytes each. The allocator
(glibc's) may hand such blocks back to the system when they are freed, and
whether it does depends on what the process allocated before: after one fit
of 900 points, every EM run of the next fits page-faulted its arrays in
again (250,000 and 670,000 minor faults in fits of 22,500 and 4,900 points),
which then took 1.27 to 1.31 and 1.44 to 1.45 times as long as with the
arrays reused as here; in a fresh process, 0.99 to 1.03 and 1.11 to 1.19
times (``python benchmarks/bench_reused_memory.py``). The pool's workers
keep their freed memory (:mod:`._allocator`); the main process is the
user's, so its allocator is left alone and a fit reuses its own arrays
instead.

Within :func:`reusing_memory`, :func:`empty` hands out views of arrays the
fit made before, once nothing refers to them any more: every view of an array
holds a reference to it, so an array that only this module refers to is
free. The smallest free array large enough is taken; when none is, the
smaller free ones are let go before a new one is made, so that what a fit
keeps follows the sizes it uses now. Outside it (the pool's workers, other
threads), :func:`empty` is ``np.empty``.
"""

import math
import sys
import threading
from contextlib import contextmanager

import numpy as np

__all__ = ["MAX_KEPT_ARRAYS", "empty", "reusing_memory"]

# Arrays a fit keeps for reuse, in use or free. A generation's task holds
# two E-steps at once (the parent's, while the child's EM runs), of four
# arrays each.
MAX_KEPT_ARRAYS = 16

_local = threading.local()


@contextmanager
def reusing_memory():
    """Reuse E-step memory in this thread until the block ends.

    Nested blocks share the outermost one's arrays, which are let go when it
    ends.
    """
    if getattr(_local, "arrays", None) is not None:
        yield
        return
    # The first array is never handed out: it counts the references to an
    # array that nothing else refers to, as the loop in _free_arrays sees it.
    _local.arrays = [np.empty(0)]
    try:
        yield
    finally:
        _local.arrays = None


def _free_arrays(arrays, size):
    """Where the smallest free array of ``size`` values or more is, if any.

    Returns its index, or None, and the indices of the free arrays smaller
    than ``size``. An array is free when nothing but this module refers to
    it: as many references as the first array, which is never handed out.
    One loop, as it runs at every E-step (about 2 microseconds).
    """
    best = None
    best_size = 0
    smaller = []
    unreferenced = None
    index = 0
    for array in arrays:
        references = sys.getrefcount(array)
        if unreferenced is None:
            unreferenced = references
        elif references == unreferenced:
            if array.size < size:
                smaller.append(index)
            elif best is None or array.size < best_size:
                best, best_size = index, array.size
        index += 1
    return best, smaller


def empty(shape):
    """An uninitialised float64 array of ``shape``, reusing memory if it can."""
    arrays = getattr(_local, "arrays", None)
    if arrays is None:
        return np.empty(shape)
    # math.prod: np.prod took 4 of the 5 microseconds a call took (ad hoc).
    size = math.prod(shape) if isinstance(shape, tuple) else int(shape)
    best, smaller = _free_arrays(arrays, size)
    if best is not None:
        array = arrays[best]
    else:
        # Every free array is smaller than this one: let them go, so that
        # as the components get more, the fit keeps what it uses now, not
        # also what it used when they were fewer.
        for index in reversed(smaller):
            del arrays[index]
        if len(arrays) > MAX_KEPT_ARRAYS:
            return np.empty(shape)
        array = np.empty(size)
        arrays.append(array)
    return array[:size].reshape(shape)
