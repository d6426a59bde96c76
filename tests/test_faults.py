"""Faults during a fit: interruption, dying workers, time budgets."""

import os
import time

import numpy as np
import pytest
from joblib import parallel_config
from numpy.testing import assert_array_equal
from sklearn.base import clone

from sklearn_esmem import (
    EvolutionarySplitMergeMixture,
    GeneticEMMixture,
    OrderedMultipleRunsMixture,
)
from sklearn_esmem.datasets import make_grid_mixture, make_three_components
from sklearn_esmem.split import PartialLogLikelihood


@pytest.fixture(scope="module")
def X():
    return make_grid_mixture(grid_size=2, n_per_component=60, random_state=0)[0]


class _InterruptingMeasure(PartialLogLikelihood):
    """A split measure that raises KeyboardInterrupt, as Ctrl-C would."""

    def score_components(self, X, parameters, e_step, sample_weight=None):
        raise KeyboardInterrupt


class _WorkerKillingMeasure(PartialLogLikelihood):
    """A split measure that kills the process it runs in, unless in the parent."""

    def __init__(self, parent_pid=None):
        self.parent_pid = parent_pid

    def score_components(self, X, parameters, e_step, sample_weight=None):
        if os.getpid() != self.parent_pid:
            os._exit(1)
        return super().score_components(X, parameters, e_step, sample_weight)


def _fitted_state(est):
    return {k: v for k, v in vars(est).items() if k.endswith("_")}


def test_keyboard_interrupt_keeps_the_earlier_fitted_state(X):
    est = EvolutionarySplitMergeMixture(
        population_size=4, max_generations=5, random_state=0
    ).fit(X)
    before = _fitted_state(est)
    means = est.means_.copy()
    est.set_params(split_measure=_InterruptingMeasure(), variant="VS-PLL")
    # A different number of features too: validation alone would reset
    # n_features_in_ if the state were not restored.
    X_other = np.hstack([X, X[:, :1]])
    with pytest.raises(KeyboardInterrupt):  # at the first split mutation
        est.fit(X_other)
    after = _fitted_state(est)
    assert after.keys() == before.keys()
    assert est.n_features_in_ == 2
    assert_array_equal(est.means_, means)
    assert_array_equal(est.predict(X), est.labels_)


def test_a_failed_fit_keeps_the_earlier_fitted_state(X):
    est = OrderedMultipleRunsMixture(n_passes=1, random_state=0).fit(X)
    labels = est.labels_.copy()
    with pytest.raises(ValueError):
        est.fit(np.full((5, 3), np.nan))
    assert est.n_features_in_ == 2
    assert_array_equal(est.labels_, labels)


def test_a_dying_worker_gives_a_clear_error_not_a_hang(X, always_pooled):
    from joblib.externals.loky.process_executor import TerminatedWorkerError

    est = EvolutionarySplitMergeMixture(
        split_measure=_WorkerKillingMeasure(parent_pid=os.getpid()),
        population_size=4,
        max_generations=3,
        n_jobs=2,
        random_state=0,
    )
    start = time.perf_counter()
    with parallel_config(backend="loky"):
        with pytest.raises(TerminatedWorkerError, match="unexpectedly terminated"):
            est.fit(X)
    assert time.perf_counter() - start < 60


ESTIMATORS = [
    EvolutionarySplitMergeMixture(
        max_generations=10**6, n_stall_generations=10**6, random_state=0
    ),
    OrderedMultipleRunsMixture(n_passes=10**6, random_state=0),
    GeneticEMMixture(max_generations=10**6, n_stall_generations=10**6, random_state=0),
]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_max_time_is_honoured(estimator):
    # Within 10 % plus one generation's (or one pass's, for OMR-EM one run's)
    # time, for the whole fit.
    X, _ = make_three_components(random_state=0)
    max_time = 1.0
    est = clone(estimator).set_params(max_time=max_time)
    start = time.perf_counter()
    est.fit(X)
    wall = time.perf_counter() - start
    elapsed = [0.0] + [record["elapsed"] for record in est.history_]
    longest_step = max(np.diff(elapsed))
    if isinstance(est, OrderedMultipleRunsMixture):
        # A pass is many runs; the budget is checked after every run.
        longest_step = longest_step / max(
            1, len(est.history_[0]["population_n_components"])
        )
    assert wall <= 1.1 * max_time + longest_step + 0.2, (wall, longest_step)
    assert wall >= max_time * 0.9
