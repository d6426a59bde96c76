"""Fixtures shared by the test modules."""

import pytest

from sklearn_esmem import _compiled, _parallel


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
    """The searches send every batch of tasks to joblib's workers.

    By default a batch goes to them only once the last one of its kind took
    long enough to pay for it, which the small data of the tests never does;
    tests of workers and backends need them.
    """
    monkeypatch.setattr(_parallel, "MIN_POOLED_SECONDS", 0.0)


class RecordingParallel:
    """Stands in for scikit-learn's Parallel: runs the tasks here, recording them."""

    calls = 0
    dispatched = []

    def __init__(self, **options):
        self.options = options

    def __call__(self, tasks):
        type(self).calls += 1
        tasks = list(tasks)
        # Each is _parallel._timed(function, arguments): recorded as
        # (function, *arguments).
        type(self).dispatched.append(
            [(function, *arguments) for _, (function, arguments), _ in tasks]
        )
        # Unwrapped: scikit-learn's delayed warns when called outside its
        # Parallel.
        return [
            getattr(function, "function", function)(*args, **kwargs)
            for function, args, kwargs in tasks
        ]


@pytest.fixture
def recording(monkeypatch):
    """A RecordingParallel for the workers, with a given cut-over.

    Returns the function that sets the cut-over; its ``parallel`` is the
    RecordingParallel class, which holds the counts.
    """
    monkeypatch.setattr(_parallel, "Parallel", RecordingParallel)

    def set_cut_over(seconds):
        """Set the cut-over, and start counting pooled batches afresh."""
        RecordingParallel.calls = 0
        RecordingParallel.dispatched = []
        monkeypatch.setattr(_parallel, "MIN_POOLED_SECONDS", seconds)

    set_cut_over.parallel = RecordingParallel
    return set_cut_over
