"""What the compiled kernels cost and save a script: its first and second fit.

Each configuration runs in fresh processes that fit ESM-EM twice on the same
data: with numba and an empty cache (the first fit compiles the kernels for
the data's dimension, as after installing), with numba and the cache that run
left (a later script), and with ``SKLEARN_ESMEM_NUMBA=0`` (the numpy kernels,
as without numba). The cache is a temporary directory (``NUMBA_CACHE_DIR``),
so the package's own is left alone. The configurations alternate, and each
cell is the median over the repeats.

Run: ``python benchmarks/bench_compile.py`` (``--help`` for the options).
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

DATASETS = ("3-components", "c1.0-k12M8")
CONFIGURATIONS = ("compiling", "cached", "numpy kernels")


def _two_fits(name):
    """Print the seconds of two fits of ESM-EM on ``name`` in this process."""
    start = time.perf_counter()
    from sklearn_esmem import EvolutionarySplitMergeMixture
    from sklearn_esmem.datasets import load_paper_dataset

    X = load_paper_dataset(name, 0)[0]
    times = [time.perf_counter() - start]  # the imports and the data
    for _ in range(2):
        start = time.perf_counter()
        EvolutionarySplitMergeMixture(random_state=0).fit(X)
        times.append(time.perf_counter() - start)
    print(json.dumps(times))


def _run(name, configuration, cache_dir):
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    if configuration == "numpy kernels":
        env["SKLEARN_ESMEM_NUMBA"] = "0"
    output = subprocess.run(
        [sys.executable, __file__, "--two-fits", name],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    parser.add_argument("--two-fits", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.two_fits:
        _two_fits(args.two_fits)
        return
    print(f"# Compiling, {datetime.date.today().isoformat()}")
    print()
    print(f"ESM-EM (defaults), two fits per fresh process; median of {args.repeats}.")
    print()
    print("| data | kernels | imports + data | first fit | second fit |")
    print("|---|---|---|---|---|")
    for name in args.datasets:
        times = {configuration: [] for configuration in CONFIGURATIONS}
        for _ in range(args.repeats):
            with tempfile.TemporaryDirectory() as cache_dir:
                for configuration in CONFIGURATIONS:
                    times[configuration].append(_run(name, configuration, cache_dir))
        for configuration, runs in times.items():
            medians = [statistics.median(column) for column in zip(*runs, strict=True)]
            print(
                f"| {name} | {configuration} | {medians[0]:.2f} s | "
                f"{medians[1]:.2f} s | {medians[2]:.2f} s |",
                flush=True,
            )


if __name__ == "__main__":
    main()
