"""Fixtures shared by the test modules."""

import pytest

from sklearn_esmem import _placement


@pytest.fixture
def always_pooled(monkeypatch):
    """The searches share every batch of tasks after the first out to the pool.

    By default a batch goes to the pool only once one of its kind, run
    in-process, was slow enough to pay for it, which the small data of the
    tests never is; tests of workers and backends need the pool.
    """
    monkeypatch.setattr(_placement, "_POOL_MIN_SECONDS", 0.0)
    monkeypatch.setattr(_placement, "_COLD_POOL_MIN_SECONDS", 0.0)
    monkeypatch.setattr(_placement, "_COLD_POOL_MIN_WORK_SECONDS", 0.0)
