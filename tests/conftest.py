"""Fixtures shared by the test modules."""

import pytest

from sklearn_esmem import _compiled, _placement


@pytest.fixture(params=["compiled", "numpy"])
def kernels(request, monkeypatch):
    """Run the test with the compiled kernels for full covariances, then without.

    "compiled" is skipped where numba is not installed; "numpy" makes
    ``_compiled.available`` False, as it is without numba.
    """
    if request.param == "numpy":
        monkeypatch.setattr(_compiled, "available", lambda *shape: False)
    elif not _compiled.available(1):
        pytest.skip("the compiled kernels need numba")
    return request.param


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


class RecordingParallel:
    """Stands in for joblib's Parallel: runs the tasks here, recording them."""

    opened = 0
    options = None
    dispatched = []

    def __init__(self, **options):
        type(self).options = options

    def __enter__(self):
        type(self).opened += 1
        return self

    def __exit__(self, *exc_info):
        return False

    def wait_until_completed(self, n_tasks):
        pass  # The tasks run when their results are asked for.

    def __call__(self, tasks):
        tasks = list(tasks)
        # Each is a unit of tasks (_placement.pooled_tasks): recorded as
        # (function, *arguments), one by one.
        type(self).dispatched.append(
            [
                (function, *arguments)
                for _, (function, unit), _ in tasks
                for arguments in unit
            ]
        )
        # Unwrapped: scikit-learn's delayed warns when called outside its
        # Parallel. A generator, as return_as="generator" gives.
        return (
            getattr(function, "function", function)(*args, **kwargs)
            for function, args, kwargs in tasks
        )


@pytest.fixture
def recording(monkeypatch):
    """A RecordingParallel for the pool, no pool used yet, and given cut-overs.

    Returns the function that sets the cut-overs; its ``parallel`` is the
    RecordingParallel class, which holds the counts.
    """
    monkeypatch.setattr(_placement, "_CompletionTellingParallel", RecordingParallel)
    monkeypatch.setattr(_placement, "_pool_last_used", {})

    def set_cut_overs(warm, cold, cold_work=0.0):
        """Set the cut-overs, and start counting pools and batches afresh."""
        RecordingParallel.opened = 0
        RecordingParallel.dispatched = []
        monkeypatch.setattr(_placement, "_POOL_MIN_SECONDS", warm)
        monkeypatch.setattr(_placement, "_COLD_POOL_MIN_SECONDS", cold)
        monkeypatch.setattr(_placement, "_COLD_POOL_MIN_WORK_SECONDS", cold_work)

    set_cut_overs.parallel = RecordingParallel
    return set_cut_overs
