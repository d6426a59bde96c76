"""Tests of the allocator settings of worker processes."""

import ctypes
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from sklearn_esmem import _allocator


def _glibc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2  # noqa: B018  (glibc 2.33 and newer)
    except (OSError, AttributeError):
        return None
    return libc


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _mmapped_bytes_of_a_new_array(tune):
    """In a fresh process: how much a new 20 MB array adds to mmapped memory."""
    if tune:
        assert _allocator.keep_freed_memory()
        assert not _allocator.keep_freed_memory()  # once per process
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = _MallInfo2
    before = libc.mallinfo2().hblkhd
    array = np.ones(20 * 2**20 // 8)
    after = libc.mallinfo2().hblkhd
    del array
    return after - before


def test_main_process_is_left_alone(monkeypatch):
    monkeypatch.setattr(_allocator, "_tuned", False)
    assert multiprocessing.parent_process() is None
    assert not _allocator.keep_freed_memory()


@pytest.mark.skipif(_glibc() is None, reason="needs glibc 2.33+ on Linux")
@pytest.mark.parametrize("tune", [False, True])
def test_worker_keeps_blocks_below_the_threshold_in_its_heap(tune):
    # glibc serves a fresh process's 20 MB block by its own mmap, returned to
    # the system when freed; in a tuned worker it comes from the heap.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        mmapped = pool.submit(_mmapped_bytes_of_a_new_array, tune).result()
    if tune:
        assert mmapped == 0
    else:
        assert mmapped >= 20 * 2**20
