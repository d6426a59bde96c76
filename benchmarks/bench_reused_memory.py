"""n_jobs=1 fits with the E-step memory reused between EM runs, and with fresh arrays.

A fit reuses its E-step arrays from one EM run to the next
(``sklearn_esmem/_reused_memory.py``). Without that, whether each EM run's
fresh arrays page-fault in again depends on what the process allocated
before: in a fresh process they mostly did not, and after one fit of small
data (3-components, 900 points) they did, every time. So each measurement
here runs in a fresh process that first fits the small set (``--before
none`` skips it), then fits the data set twice with ``n_jobs=1`` and prints
the second fit's time, its refinement (generations 2 onwards, as in
``bench_n_jobs.py``) and its minor page faults. The two configurations, the
package's (reused) and fresh arrays (``_base.reusing_memory`` replaced by a
block that does nothing), alternate, ``--repeats`` times; the medians and
the ratio are printed, and every fit must give the same model.

Run: ``python benchmarks/bench_reused_memory.py [--repeats 3] [--before none]``
"""

import argparse
import contextlib
import resource
import statistics
import subprocess
import sys
import time

from threadpoolctl import threadpool_limits

from sklearn_esmem import EvolutionarySplitMergeMixture, _base
from sklearn_esmem.datasets import load_paper_dataset, make_grid_mixture

DATASETS = {
    "c1.0-k12M8 (N=1200)": lambda: (load_paper_dataset("c1.0-k12M8", 0)[0], {}),
    "49Gauss (N=4900)": lambda: (load_paper_dataset("49Gauss", 0)[0], {}),
    "3x3 grid (N=22500, k_max=30)": lambda: (
        make_grid_mixture(grid_size=3, n_per_component=2500, std=0.22, random_state=0)[
            0
        ],
        {"max_components": 30},
    ),
}
CONFIGURATIONS = ("reused", "fresh")


def _fits(name, configuration, before):
    """In this fresh process: print the second fit's seconds, refinement, faults."""
    if configuration == "fresh":
        _base.reusing_memory = contextlib.nullcontext
    if before == "small-fit":
        small = load_paper_dataset("3-components", 0)[0]
        EvolutionarySplitMergeMixture(random_state=0).fit(small)
    X, params = DATASETS[name]()
    with threadpool_limits(1):
        for _ in range(2):
            faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            start = time.perf_counter()
            est = EvolutionarySplitMergeMixture(random_state=0, **params).fit(X)
            seconds = time.perf_counter() - start
            faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    refinement = est.history_[-1]["elapsed"] - est.history_[0]["elapsed"]
    print(seconds, refinement, faults, est.n_components_, est.criterion_)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    parser.add_argument("--before", choices=["small-fit", "none"], default="small-fit")
    parser.add_argument("--fits", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.fits:
        _fits(*args.fits)
        return
    print(
        f"Median of {args.repeats} fresh processes each, alternated; before the "
        f"timed fits: {args.before}. The second of two fits with n_jobs=1.\n"
    )
    print(
        "| data | reused: fit | fresh: fit | speed-up | reused: refinement "
        "| fresh: refinement | speed-up | reused: page faults | fresh: page faults |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.datasets:
        runs = {configuration: [] for configuration in CONFIGURATIONS}
        for _ in range(args.repeats):
            for configuration in CONFIGURATIONS:
                output = subprocess.run(
                    [sys.executable, __file__, "--fits", name, configuration]
                    + [args.before],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout.split()
                runs[configuration].append([float(value) for value in output])
        models = {tuple(run[3:]) for values in runs.values() for run in values}
        assert len(models) == 1, models
        fit, refinement, faults = (
            [statistics.median(run[column] for run in runs[c]) for c in CONFIGURATIONS]
            for column in range(3)
        )
        print(
            f"| {name} | {fit[0]:.2f} s | {fit[1]:.2f} s | {fit[1] / fit[0]:.2f} "
            f"| {refinement[0]:.2f} s | {refinement[1]:.2f} s "
            f"| {refinement[1] / refinement[0]:.2f} "
            f"| {faults[0]:.0f} | {faults[1]:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
