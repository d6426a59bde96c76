"""Fixtures shared by the test modules."""

import pytest

from sklearn_esmem import _evolution


@pytest.fixture
def always_pooled(monkeypatch):
    """ESM-EM shares every generation after the first out to its joblib pool.

    By default a generation goes to the pool only once one, run in-process,
    was slow enough to pay for it, which the small data of the tests never
    is; tests of workers and backends need the pool.
    """
    monkeypatch.setattr(_evolution, "_POOL_MIN_SECONDS", 0.0)
    monkeypatch.setattr(_evolution, "_COLD_POOL_MIN_SECONDS", 0.0)
