"""ESM-EM with n_jobs=2 against n_jobs=1, and the cut-over to in-process refinement.

For each data set, a default ESM-EM fit runs with ``n_jobs=1``, with
``n_jobs=2`` (loky, the package's cut-over: generations go to the pool once
one of them, run in-process, took ``_evolution._POOL_MIN_SECONDS``), and with
``n_jobs=2`` forced into the pool from the first generation (cut-over 0), in
turn, ``--repeats`` times; the medians are printed with the ratios. Every fit
of a data set must give the same model, which is checked. The loky pool is
warmed by a small fit first, so that its start-up is not counted (a first
parallel fit in a process pays about a second for it). Issue 4's target 4:
at least 1.6x where each individual's work is large enough to be worth a
process, never more than 10 % slower where it is not.

Run: ``python benchmarks/bench_n_jobs.py [--repeats 3] [--backend loky]``
"""

import argparse
import statistics
import time

import numpy as np
from joblib import parallel_config

from sklearn_esmem import EvolutionarySplitMergeMixture, _evolution
from sklearn_esmem.datasets import load_paper_dataset, make_grid_mixture


def _large_grid():
    X, _ = make_grid_mixture(
        grid_size=3, n_per_component=2500, std=0.22, random_state=0
    )
    return X, dict(max_components=30)


DATASETS = {
    "3-components (N=900)": lambda: (load_paper_dataset("3-components", 0)[0], {}),
    "9Gauss (N=900)": lambda: (load_paper_dataset("9Gauss", 0)[0], {}),
    "c1.0-k12M8 (N=1200)": lambda: (load_paper_dataset("c1.0-k12M8", 0)[0], {}),
    "49Gauss (N=4900)": lambda: (load_paper_dataset("49Gauss", 0)[0], {}),
    "3x3 grid (N=22500, k_max=30)": _large_grid,
}


def _fit(X, params, n_jobs, cut_over):
    saved = _evolution._POOL_MIN_SECONDS
    _evolution._POOL_MIN_SECONDS = cut_over
    try:
        start = time.perf_counter()
        est = EvolutionarySplitMergeMixture(
            random_state=0, n_jobs=n_jobs, **params
        ).fit(X)
        return time.perf_counter() - start, est
    finally:
        _evolution._POOL_MIN_SECONDS = saved


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--backend", default="loky")
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    args = parser.parse_args(argv)
    cut_over = _evolution._POOL_MIN_SECONDS
    configurations = {
        "n_jobs=1": (1, cut_over),
        f"n_jobs=2, cut-over {cut_over} s": (2, cut_over),
        "n_jobs=2, always pooled": (2, 0.0),
    }
    print(f"Backend: {args.backend}; median of {args.repeats} fits each.\n")
    print(
        "| data | generations | "
        + " | ".join(configurations)
        + " | speed-up, cut-over | speed-up, always pooled |"
    )
    print("|---|---|" + "---|" * (len(configurations) + 2))
    with parallel_config(backend=args.backend):
        warm_X = load_paper_dataset("Letter A", 0)[0]
        _fit(warm_X, {"max_generations": 2}, 2, 0.0)
        for name in args.datasets:
            X, params = DATASETS[name]()
            times = {label: [] for label in configurations}
            models = []
            for _ in range(args.repeats):
                for label, (n_jobs, cut) in configurations.items():
                    elapsed, est = _fit(X, params, n_jobs, cut)
                    times[label].append(elapsed)
                    models.append(est)
            for est in models[1:]:
                assert est.n_components_ == models[0].n_components_
                np.testing.assert_array_equal(est.means_, models[0].means_)
            medians = [statistics.median(t) for t in times.values()]
            print(
                f"| {name} | {models[0].n_generations_} | "
                + " | ".join(f"{m:.2f} s" for m in medians)
                + f" | {medians[0] / medians[1]:.2f} | {medians[0] / medians[2]:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
