"""Run every benchmark of issue 4's targets, one after the other, in one command.

Each script runs in its own process (so that one's memory and thread pools do
not affect the next) and its table is printed and written to
``benchmarks/results/<script>_<date>.md``:

1. ``bench_em_iteration.py``: one EM iteration against scikit-learn's, with the floor;
2. ``bench_search_time.py``: time to reach the best BIC of scikit-learn's loop over k;
3. ``bench_memory.py``: peak memory against N;
4. ``bench_n_jobs.py``: the share of two CPUs a pooled generation keeps
   busy, and whole fits with n_jobs=1 and 2;
5. ``bench_mutation_policies.py``: the focused and the paper mutation;
6. ``kernel_accuracy.py``: the kernels' errors against exact answers;
7. ``bench_compile.py``: a script's first and second fit with the compiled
   kernels being compiled, loaded, and without them.

Run: ``python benchmarks/run_all.py`` (about 20 minutes) or
``python benchmarks/run_all.py --quick`` (a few minutes: N <= 1e4, one seed,
one repeat).
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


# bench_n_jobs.py's small and middle data sets (its largest fits take 30 s).
_QUICK_N_JOBS_DATA = ["--datasets", "3-components (N=900)", "49Gauss (N=4900)"]


def _runs(quick):
    return [
        ("bench_em_iteration", ["--quick"] if quick else []),
        ("bench_search_time", ["--seeds", "0"] if quick else []),
        ("bench_memory", ["--n", "10000", "100000"] if quick else []),
        ("bench_n_jobs", ["--repeats", "1", *_QUICK_N_JOBS_DATA] if quick else []),
        ("bench_mutation_policies", []),
        ("kernel_accuracy", []),
        ("bench_compile", ["--repeats", "1"] if quick else []),
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--output", type=Path, default=HERE / "results", help="folder for the tables"
    )
    args = parser.parse_args(argv)
    args.output.mkdir(parents=True, exist_ok=True)
    date = time.strftime("%Y-%m-%d")
    for script, options in _runs(args.quick):
        command = [sys.executable, str(HERE / f"{script}.py"), *options]
        print(f"$ python benchmarks/{script}.py {' '.join(options)}", flush=True)
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        print(result.stdout, flush=True)
        if result.returncode != 0:
            print(result.stderr, file=sys.stderr)
            return result.returncode
        path = args.output / f"{script}_{date}{'_quick' if args.quick else ''}.md"
        path.write_text(
            f"Command: `python benchmarks/{script}.py {' '.join(options)}` "
            f"({time.perf_counter() - start:.0f} s)\n\n{result.stdout}"
        )
        print(f"-> {path}\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
