"""Keep freed memory in worker processes, so that refinements stop page-faulting.

A refinement allocates its E-step arrays (N x K values, a few MB) afresh, and
frees them when it returns. Whether glibc keeps such blocks for reuse or
hands them back to the system depends on what the process allocated before;
in a loky worker it kept handing them back, so every task page-faulted them
in again: 15,000 to 28,000 minor faults per generation of 49Gauss, a quarter
to a third more CPU time per task (``python benchmarks/bench_n_jobs.py
--overhead``). Fixing glibc's thresholds once per worker process removes the
faults.

Only processes other than the main one are touched: the main process is the
user's, and its allocator settings are theirs to choose; there a fit reuses
its own E-step arrays instead (:mod:`._reused_memory`). Elsewhere than on
glibc (macOS, Windows, musl) this does nothing.
"""

import ctypes
import multiprocessing
import sys

# mallopt's parameter numbers, from glibc's <malloc.h>.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

# Blocks below this come from the heap instead of their own mmap (32 MB is
# glibc's largest dynamic threshold on 64-bit systems): the chunked kernels'
# temporaries stay within 8 MB (_kernels.CHUNK_BYTES), and an E-step of
# N x K values is below it up to N K = 4 million.
MMAP_THRESHOLD_BYTES = 32 * 2**20
# Free memory at the top of the heap is returned to the system only beyond
# this, so a worker keeps at most this much of it between tasks.
TRIM_THRESHOLD_BYTES = 128 * 2**20

_tuned = False


def keep_freed_memory():
    """Set glibc's thresholds in a worker process, once; return whether set.

    Called by every pooled task; after the first call in a process it only
    returns.
    """
    global _tuned
    if _tuned:
        return False
    _tuned = True
    if multiprocessing.parent_process() is None or not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
        and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    )
