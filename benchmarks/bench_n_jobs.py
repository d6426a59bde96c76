"""ESM-EM with ``n_jobs=2``: how busy the pooled tasks keep two CPUs, and whole fits.

``n_jobs`` is judged by the share of the two CPUs that a pooled generation's
tasks keep busy, not by a speed-up: on a machine whose two CPUs are shared
with other tenants, what two processes can do at once moves from one minute
to the next. The target: a share of at least 0.8 where a generation takes
0.1 s or more in-process.

*Share.* For each data set, the population five generations into a default
fit makes one generation's tasks. They run in-process (their time is the
generation's), then through ``sklearn_esmem._parallel.TaskRunner(n_jobs=2)``
as a search runs them, with every batch pooled: each task reports its own
CPU time (``RUSAGE_THREAD``, Linux), and the share is their sum over twice
the batch's wall time. Medians over ``--repeats``; the pool is warmed first.

*Fits.* Whole default fits with ``n_jobs=1``, with ``n_jobs=2`` (the
package's rule: a batch is pooled once the last one of its kind took
``MIN_POOLED_SECONDS``) and with ``n_jobs=2`` pooling every batch, in turn in
one process; every fit of a data set must give the same model. This shows
what the rule for tiny batches is for.

Run: ``python benchmarks/bench_n_jobs.py [--repeats 5] [--datasets ...]``
"""

import argparse
import contextlib
import resource
import statistics
import time

import numpy as np
from joblib import parallel_config
from threadpoolctl import threadpool_limits

from sklearn_esmem import EvolutionarySplitMergeMixture, _evolution, _parallel
from sklearn_esmem.datasets import load_paper_dataset, make_grid_mixture


def _grid(grid_size, n_per_component, **params):
    def load():
        X, _ = make_grid_mixture(
            grid_size=grid_size,
            n_per_component=n_per_component,
            std=0.22,
            random_state=0,
        )
        return X, params

    return load


DATASETS = {
    "3-components (N=900)": lambda: (load_paper_dataset("3-components", 0)[0], {}),
    "c1.0-k12M8 (N=1200)": lambda: (load_paper_dataset("c1.0-k12M8", 0)[0], {}),
    "49Gauss (N=4900)": lambda: (load_paper_dataset("49Gauss", 0)[0], {}),
    "3x3 grid (N=22500, k_max=30)": _grid(3, 2500, max_components=30),
    "7x7 grid (N=19600)": _grid(7, 400),
}


def _cpu_timed(function, *arguments):
    """``function(*arguments)`` and the CPU seconds of the thread that ran it."""
    before = resource.getrusage(resource.RUSAGE_THREAD)
    result = function(*arguments)
    after = resource.getrusage(resource.RUSAGE_THREAD)
    return result, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def _generation(X, params):
    """A generation's task arguments, from the population 5 generations in."""
    est = EvolutionarySplitMergeMixture(random_state=0, max_generations=5, **params)
    est.fit(X)
    settings = est._search_settings(*est._component_bounds(X))
    counts = _evolution.allocate_children(est.population_, len(est.population_))
    tasks = [
        (X, individual, settings, seed, len(X), None, count)
        for seed, (individual, count) in enumerate(
            zip(est.population_, counts, strict=True)
        )
    ]
    # The order the search dispatches them in: largest first.
    return sorted(tasks, key=lambda task: -task[1].n_components * task[6])


@contextlib.contextmanager
def _cut_over(seconds):
    saved = _parallel.MIN_POOLED_SECONDS
    _parallel.MIN_POOLED_SECONDS = seconds
    try:
        yield
    finally:
        _parallel.MIN_POOLED_SECONDS = saved


def share(X, params, repeats):
    """Median in-process generation time, and the pooled tasks' CPU share."""
    tasks = _generation(X, params)
    in_process, shares = [], []
    runner = _parallel.TaskRunner(n_jobs=2)
    with threadpool_limits(1), _cut_over(0.0):
        for _ in range(repeats):
            tick = time.perf_counter()
            for task in tasks:
                _evolution.generation_task(*task)
            in_process.append(time.perf_counter() - tick)
            tick = time.perf_counter()
            results = runner.map(
                "generation",
                _cpu_timed,
                [(_evolution.generation_task, *task) for task in tasks],
            )
            wall = time.perf_counter() - tick
            shares.append(sum(cpu for _, cpu in results) / (2 * wall))
    return statistics.median(in_process), statistics.median(shares)


def fits(X, params, repeats):
    """Median fit times: n_jobs=1, n_jobs=2, n_jobs=2 always pooled."""
    setups = {
        "n_jobs=1": (1, _parallel.MIN_POOLED_SECONDS),
        "n_jobs=2": (2, _parallel.MIN_POOLED_SECONDS),
        "n_jobs=2 always pooled": (2, 0.0),
    }
    times = {label: [] for label in setups}
    models = {}
    for _ in range(repeats):
        for label, (n_jobs, cut_over) in setups.items():
            est = EvolutionarySplitMergeMixture(n_jobs=n_jobs, random_state=0, **params)
            with _cut_over(cut_over):
                tick = time.perf_counter()
                est.fit(X)
                times[label].append(time.perf_counter() - tick)
            models[label] = (est.n_components_, est.means_)
    reference = models["n_jobs=1"]
    for k, means in models.values():
        assert k == reference[0] and np.array_equal(means, reference[1]), (
            "n_jobs changed the model"
        )
    return {label: statistics.median(values) for label, values in times.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--datasets", nargs="+", choices=DATASETS, default=None)
    parser.add_argument("--backend", default="loky")
    args = parser.parse_args(argv)
    names = args.datasets or list(DATASETS)
    with parallel_config(backend=args.backend):
        # Start the workers, so that no row pays for it.
        EvolutionarySplitMergeMixture(n_jobs=2, random_state=0).fit(
            DATASETS[names[0]]()[0]
        )
        print(f"Share of two CPUs kept busy by a pooled generation ({args.backend})")
        print("| data set | generation in-process (s) | share |")
        print("|---|---|---|")
        for name in names:
            X, params = DATASETS[name]()
            seconds, busy = share(X, params, args.repeats)
            print(f"| {name} | {seconds:.3f} | {busy:.2f} |", flush=True)
        print()
        print("Whole fits, median seconds (ratios to n_jobs=1); same model checked")
        print("| data set | n_jobs=1 | n_jobs=2 | n_jobs=2 always pooled |")
        print("|---|---|---|---|")
        for name in names:
            X, params = DATASETS[name]()
            t = fits(X, params, args.repeats)
            one = t["n_jobs=1"]
            print(
                f"| {name} | {one:.2f} | {t['n_jobs=2']:.2f} "
                f"({t['n_jobs=2'] / one:.2f}) | {t['n_jobs=2 always pooled']:.2f} "
                f"({t['n_jobs=2 always pooled'] / one:.2f}) |",
                flush=True,
            )


if __name__ == "__main__":
    main()
