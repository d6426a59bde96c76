"""ESM-EM with n_jobs=2 against n_jobs=1, and the cut-over to in-process refinement.

For each data set, a default ESM-EM fit runs with ``n_jobs=1``, with
``n_jobs=2`` (loky, the package's cut-over: generations go to the pool once
one of them, run in-process, took ``_placement._POOL_MIN_SECONDS``), with
``n_jobs=2`` forced into the pool from the first generation (cut-over 0),
and, still forced, with the data pickled with every task instead of loaded
once per worker (``_shared_arrays.MIN_SHARED_BYTES`` set to infinity) and
with the results taken as joblib's ``Parallel`` polls for them (every 10
ms) instead of when the pool tells of them
(``_placement._CompletionTellingParallel``), in turn, ``--repeats`` times.
The medians of the whole fit's time and of the population's refinement
(generations 2 onwards, from ``history_``) are printed with the ratios, and
below the table the refinement's speed-ups paired within each repeat (the
machine's speed drifts between repeats). Every fit of a data set must give
the same model, which is checked. The loky pool is warmed by a small fit
first, so that its start-up is not counted, and the cut-over is then the
warm pool's (``_POOL_MIN_SECONDS``). Issue 4's target 4: at least 1.6x
where each individual's work is large enough to be worth a process, never
more than 10 % slower where it is not.

A last table splits each paired refinement speed-up into two factors, from
the CPU time of the tasks (in this process or in the pool's workers, read
from ``/proc``: Linux only). The bound, 2 x (n_jobs=1 wall) / (n_jobs=2
tasks' CPU), is what the machine allowed at the time: the same tasks take
more CPU time when both CPUs are busy. The share, (tasks' CPU) / (2 x
n_jobs=2 wall), is how much of the two CPUs the tasks kept busy, which the
pool's overheads lower: the part the package controls.

``--cold`` measures what a script that fits once sees: each fit is the first
of a fresh process, whose loky pool must start its workers, and whose
cut-over is therefore ``_COLD_POOL_MIN_SECONDS``.

``--baselines`` measures OMR-EM (two passes) and GA-EM the same way: each
fresh process fits twice, so the first fit finds the pool cold and the
second finds it warm if the first used it.

``--contention`` measures instead how much two single-threaded processes
running a generation's tasks at once slow each other down: the ceiling of
any 2-worker speed-up on this machine. ``--overhead`` measures where a
pooled generation's time goes: the tasks' wall and CPU time and minor page
faults in-process and inside the loky workers, before and after the workers
keep their freed memory and with the data sent once, then as the package
runs them, the wall time, and the dispatch of as many empty tasks. Both
take the population of 49Gauss five generations in, or of each of
``--datasets`` (``--overhead``'s workers are "as started" for the first
data set only: give one per process).

Run: ``python benchmarks/bench_n_jobs.py [--repeats 3] [--backend loky]``
or ``python benchmarks/bench_n_jobs.py --cold``, ``--baselines``,
``--contention`` or ``--overhead``
"""

import argparse
import functools
import os
import resource
import statistics
import subprocess
import sys
import time
from typing import NamedTuple

import numpy as np
from joblib import parallel_config
from sklearn.utils.parallel import Parallel

from sklearn_esmem import (
    EvolutionarySplitMergeMixture,
    GeneticEMMixture,
    OrderedMultipleRunsMixture,
    _evolution,
    _placement,
    _shared_arrays,
)
from sklearn_esmem._reused_memory import reusing_memory
from sklearn_esmem._shared_arrays import SharedArrays
from sklearn_esmem.datasets import load_paper_dataset, make_grid_mixture


def _grid(grid_size, n_per_component, **params):
    """A grid mixture of std 0.22, with ESM-EM parameters for it."""

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
    "9Gauss (N=900)": lambda: (load_paper_dataset("9Gauss", 0)[0], {}),
    "c1.0-k12M8 (N=1200)": lambda: (load_paper_dataset("c1.0-k12M8", 0)[0], {}),
    "49Gauss (N=4900)": lambda: (load_paper_dataset("49Gauss", 0)[0], {}),
    "3x3 grid (N=22500, k_max=30)": _grid(3, 2500, max_components=30),
    # The same mixture with four times the points: each individual's work
    # four times as large.
    "3x3 grid (N=90000, k_max=30)": _grid(3, 10000, max_components=30),
    "7x7 grid (N=19600)": _grid(7, 400),
}
# --baselines' default: OMR-EM runs every k up to sqrt(N), too long beyond.
BASELINE_DATASETS = list(DATASETS)[:4]


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _children_cpu():
    """CPU seconds used so far by this process's children alive now (Linux).

    The loky workers are the children; ``/proc``'s counts are in clock ticks
    (10 ms), fine over a fit of seconds.
    """
    total = 0.0
    for thread in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{thread}/children") as file:
                pids = file.read().split()
        except OSError:
            continue
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as file:
                    fields = file.read().rpartition(")")[2].split()
            except OSError:  # ended since
                continue
            total += (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
    return total


class FitTimes(NamedTuple):
    """A fit's wall time, and its refinement's wall and CPU times, in s.

    The refinement is generations 2 onwards: the first runs in-process under
    the cut-over, and the k-means start and the final polish run in-process
    in every configuration. Its ``work_cpu`` is the CPU of the tasks, run
    here or in the pool's workers: the same computations in every
    configuration. ``parent_cpu`` is the rest of this process's CPU:
    joblib's and loky's dispatch, polling and result handling, and the
    search's selection between generations.
    """

    wall: float
    refinement: float
    work_cpu: float
    parent_cpu: float


class _PollingParallel(Parallel):
    """scikit-learn's ``Parallel``, whose results are taken as joblib polls."""

    def wait_until_completed(self, n_tasks):
        pass


def _fit(X, params, n_jobs, cut_over=None, data_once=True, told=True):
    """One fit: its :class:`FitTimes` and the estimator.

    ``cut_over`` replaces both of the package's cut-overs if given.
    ``data_once=False`` sends the data with every pooled task, as joblib does,
    instead of once per worker (``_shared_arrays``). ``told=False`` takes
    the pooled results as joblib's ``Parallel`` polls for them, every 10 ms,
    instead of when the pool tells of a completion
    (``_placement._CompletionTellingParallel``).
    """
    names = ("_POOL_MIN_SECONDS", "_COLD_POOL_MIN_SECONDS")
    saved = [getattr(_placement, name) for name in names]
    saved_min_shared = _shared_arrays.MIN_SHARED_BYTES
    record, timed_task = _evolution.GenerationRecord, _placement.timed_task
    telling = _placement._CompletionTellingParallel
    in_tasks_here = [0.0]
    cpu_at_generations = []

    def timing_cpu(function, *arguments):
        # A task run in this process, whose CPU time is added up.
        cpu = time.thread_time()
        try:
            return timed_task(function, *arguments)
        finally:
            in_tasks_here[0] += time.thread_time() - cpu

    def recording(*fields):
        # The search's record of a generation, with the CPU used so far.
        cpu_at_generations.append(
            (in_tasks_here[0], time.process_time(), _children_cpu())
        )
        return record(*fields)

    if cut_over is not None:
        for name in names:
            setattr(_placement, name, cut_over)
    if not data_once:
        _shared_arrays.MIN_SHARED_BYTES = np.inf
    _evolution.GenerationRecord, _placement.timed_task = recording, timing_cpu
    if not told:
        _placement._CompletionTellingParallel = _PollingParallel
    try:
        start = time.perf_counter()
        est = EvolutionarySplitMergeMixture(
            random_state=0, n_jobs=n_jobs, **params
        ).fit(X)
        wall = time.perf_counter() - start
    finally:
        _evolution.GenerationRecord, _placement.timed_task = record, timed_task
        _placement._CompletionTellingParallel = telling
        for name, value in zip(names, saved, strict=True):
            setattr(_placement, name, value)
        _shared_arrays.MIN_SHARED_BYTES = saved_min_shared
    refinement = est.history_[-1]["elapsed"] - est.history_[0]["elapsed"]
    (here, parent, workers), (here_end, parent_end, workers_end) = (
        cpu_at_generations[0],
        cpu_at_generations[-1],
    )
    work = here_end - here + workers_end - workers
    return FitTimes(
        wall, refinement, work, parent_end - parent - (here_end - here)
    ), est


def _first_fit(name, n_jobs, cold_cut_over=None):
    """Print the time of one fit with n_jobs, as the first of a fresh process."""
    if cold_cut_over is not None:
        _placement._COLD_POOL_MIN_SECONDS = cold_cut_over
    X, params = DATASETS[name]()
    times, est = _fit(X, params, n_jobs)
    print(f"{times.wall} {est.n_components_}")


def _in_fresh_processes(arguments, repeats):
    """Run this script ``repeats`` times with n_jobs 1 and 2, each in a new process.

    ``arguments(n_jobs)`` gives the command line; returns, by n_jobs, the
    numbers each run printed.
    """
    printed = {1: [], 2: []}
    for _ in range(repeats):
        for n_jobs in (1, 2):
            output = subprocess.run(
                [sys.executable, __file__, *arguments(n_jobs)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            printed[n_jobs].append([float(value) for value in output])
    return printed


def cold(dataset_names, repeats=3, cold_cut_over=None):
    """First fits in fresh processes: n_jobs=2, whose pool starts cold, against 1.

    ``cold_cut_over`` replaces ``_placement._COLD_POOL_MIN_SECONDS`` in those
    processes (what the value was chosen against).
    """
    if cold_cut_over is None:
        cold_cut_over = _placement._COLD_POOL_MIN_SECONDS
    print(f"Cut-over of a cold pool: {cold_cut_over} s; median of {repeats}.\n")
    print("| data | n_jobs=1, first fit | n_jobs=2, first fit (cold pool) | speed-up |")
    print("|---|---|---|---|")
    for name in dataset_names:
        times = _in_fresh_processes(
            lambda n_jobs, name=name: [
                "--first-fit",
                name,
                str(n_jobs),
                str(cold_cut_over),
            ],
            repeats,
        )
        times = {n_jobs: [run[0] for run in runs] for n_jobs, runs in times.items()}
        one, two = (statistics.median(times[n]) for n in (1, 2))
        print(f"| {name} | {one:.2f} s | {two:.2f} s | {one / two:.2f} |", flush=True)


def _generation(name):
    """One generation's task arguments: ``name``'s population 5 generations in."""
    X, params = DATASETS[name]()
    est = EvolutionarySplitMergeMixture(random_state=0, max_generations=5, **params)
    est.fit(X)
    settings = est._search_settings(*est._component_bounds(X))
    return [
        (X, individual, settings, seed, len(X))
        for seed, individual in enumerate(est.population_)
    ]


def _measured_task(function, *arguments):
    """Run one task; return its CPU seconds, minor page faults, start, end, pid.

    ``RUSAGE_THREAD`` is Linux's, and so is a ``perf_counter`` that all
    processes share (CLOCK_MONOTONIC), which the start and end rely on.
    """
    before = resource.getrusage(resource.RUSAGE_THREAD)
    start = time.perf_counter()
    function(*arguments)
    end = time.perf_counter()
    after = resource.getrusage(resource.RUSAGE_THREAD)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return cpu, after.ru_minflt - before.ru_minflt, start, end, os.getpid()


def _timeline(tick, measured, tock):
    """Where a pooled generation's wall time went besides the tasks, in s.

    Returns the wait before the first task started, the idle time between
    tasks per worker, the wait from the last task's end to the results in
    hand, and the difference between the workers' last ends.
    """
    by_worker = {}
    for _, _, start, end, pid in measured:
        by_worker.setdefault(pid, []).append((start, end))
    gaps = 0.0
    for spans in by_worker.values():
        spans.sort()
        gaps += sum(b[0] - a[1] for a, b in zip(spans, spans[1:], strict=False))
    ends = [max(end for _, end in spans) for spans in by_worker.values()]
    return (
        min(m[2] for m in measured) - tick,
        gaps / len(by_worker),
        tock - max(ends),
        max(ends) - min(ends),
    )


def _generation_in_process(name_and_start):
    """Median time of one generation's tasks run here, after ``start``."""
    from threadpoolctl import threadpool_limits

    name, start = name_and_start
    tasks = _generation(name)
    while time.time() < start:  # both processes compute at the same time
        time.sleep(0.01)
    times = []
    with threadpool_limits(1), reusing_memory():
        for _ in range(8):
            times.append(
                sum(
                    _placement.timed_task(_evolution.generation_task, *task)[1]
                    for task in tasks
                )
            )
    return statistics.median(times)


def overhead(name, repeats=7):
    """Where a pooled generation's time goes, against the same one in-process.

    In-process, the tasks reuse their E-step memory as in a fit
    (``_reused_memory``). The pool runs :func:`_evolution.generation_task`
    one by one through joblib's ``Parallel``: first in workers as loky
    starts them; then through :func:`_placement.pooled_task`, which first
    makes the worker keep its freed memory (``_allocator``; a worker keeps
    that setting, so the order matters); then so with the data sent once
    per worker (``_shared_arrays``). Last, through a
    :class:`_placement.TaskPlacement`, as a search runs them: in units, with
    the results taken when the pool tells of them. Run in a fresh process.
    """
    # joblib's own, not the module's scikit-learn Parallel: the rows before
    # the package's measure joblib as it is.
    from joblib import Parallel as JoblibParallel
    from joblib import delayed
    from threadpoolctl import threadpool_limits

    tasks = _generation(name)
    # In the order the search dispatches them (_evolution.evolve).
    tasks.sort(key=lambda task: -task[1].n_components)

    def sums(measured):
        return [
            sum(m[3] - m[2] for m in measured),
            sum(m[0] for m in measured),
            sum(m[1] for m in measured),
        ]

    with threadpool_limits(1), reusing_memory():
        in_process = [
            sums([_measured_task(_evolution.generation_task, *t) for t in tasks])
            for _ in range(repeats)
        ]
    rows = [
        ("in-process", None, *map(statistics.median, zip(*in_process, strict=True)))
    ]
    pooled = functools.partial(_placement.pooled_task, _evolution.generation_task)
    measured_generation = functools.partial(_measured_task, _evolution.generation_task)
    with (
        SharedArrays() as shared,
        JoblibParallel(n_jobs=2, batch_size=1) as parallel,
        _placement.TaskPlacement(n_jobs=2) as placement,
    ):

        def one_by_one(function, arguments):
            return lambda: parallel(
                delayed(_measured_task)(function, *t) for t in arguments
            )

        def as_the_package_does():
            # Past the cut-over, as a search's generations are.
            placement.last_seconds["generation"] = np.inf
            return placement.map("generation", measured_generation, tasks)

        parallel(delayed(time.sleep)(0.0) for _ in tasks)  # start the workers
        empty = []
        for label, run in (
            (
                "pool, workers as started",
                one_by_one(_evolution.generation_task, tasks),
            ),
            ("pool, workers keeping freed memory", one_by_one(pooled, tasks)),
            (
                "pool, workers keeping freed memory, data sent once",
                one_by_one(pooled, shared.substitute(tasks)),
            ),
            (
                "pool as the package runs it: the data sent once, tasks in "
                "units, results taken when the pool tells",
                as_the_package_does,
            ),
        ):
            walls, measured, timelines = [], [], []
            for _ in range(repeats):
                tick = time.perf_counter()
                results = run()
                tock = time.perf_counter()
                walls.append(tock - tick)
                measured.append(sums(results))
                timelines.append(_timeline(tick, results, tock))
                tick = time.perf_counter()
                parallel(delayed(time.sleep)(0.0) for _ in tasks)
                empty.append(time.perf_counter() - tick)
            rows.append(
                (
                    label,
                    statistics.median(walls),
                    *map(statistics.median, zip(*measured, strict=True)),
                )
            )
    print(
        f"| one generation of {name} ({len(tasks)} tasks), "
        f"median of {repeats} | wall s | tasks' wall s | tasks' CPU s "
        "| minor page faults |"
    )
    print("|---|---|---|---|---|")
    for label, wall, task_wall, cpu, faults in rows:
        wall = "" if wall is None else f"{wall:.3f}"
        print(f"| {label} | {wall} | {task_wall:.3f} | {cpu:.3f} | {faults:.0f} |")
    print(
        f"\n{len(tasks)} empty tasks through the same pool: "
        f"{statistics.median(empty):.3f} s per generation"
    )
    # Of the last configuration: the package's.
    labels = (
        "wait for the first task to start",
        "idle between tasks, per worker",
        "wait from the last task's end to the results",
        "difference between the workers' last ends",
    )
    print(f"\n| pooled generation as the package runs it, median of {repeats} | ms |")
    print("|---|---|")
    for label, values in zip(labels, zip(*timelines, strict=True), strict=True):
        print(f"| {label} | {1e3 * statistics.median(values):.1f} |")


BASELINES = {
    "OMR-EM (n_passes=2)": (OrderedMultipleRunsMixture, {"n_passes": 2}),
    "GA-EM": (GeneticEMMixture, {}),
}


def _baseline_fits(name, method, n_jobs):
    """Print the times of two fits of a baseline in this fresh process.

    The first finds the pool cold, the second warm if the first used it.
    """
    X, params = DATASETS[name]()
    estimator, options = BASELINES[method]
    if "max_components" in params:
        options = {**options, "max_components": params["max_components"]}
    times = []
    for _ in range(2):
        start = time.perf_counter()
        estimator(random_state=0, n_jobs=n_jobs, **options).fit(X)
        times.append(time.perf_counter() - start)
    print(*times)


def baselines(dataset_names, repeats=3):
    """OMR-EM and GA-EM with n_jobs=2 against 1: a fresh process's two first fits."""
    print(f"Median of {repeats} fresh processes, each fitting twice.\n")
    print(
        "| data | method | n_jobs=1, first fit | n_jobs=2, first fit | speed-up "
        "| n_jobs=1, second fit | n_jobs=2, second fit | speed-up |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name in dataset_names:
        for method in BASELINES:
            times = _in_fresh_processes(
                lambda n_jobs, name=name, method=method: [
                    "--baseline-fits",
                    name,
                    method,
                    str(n_jobs),
                ],
                repeats,
            )
            cells = []
            for fit in (0, 1):
                one, two = (
                    statistics.median(run[fit] for run in times[n]) for n in (1, 2)
                )
                cells.append(f"{one:.2f} s | {two:.2f} s | {one / two:.2f}")
            print(f"| {name} | {method} | {' | '.join(cells)} |", flush=True)


def contention(name):
    """One generation's tasks of ``name`` in one process, then in two at once."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(2) as pool:
        alone = pool.submit(_generation_in_process, (name, 0.0)).result()
        start = time.time() + 5.0
        together = list(pool.map(_generation_in_process, [(name, start)] * 2))
    print(
        f"one generation of {name}, single-threaded: {alone:.3f} s alone, "
        + " and ".join(f"{t:.3f} s" for t in together)
        + f" in two processes at once (ceiling for 2 workers: "
        f"{2 * alone / max(together):.2f}x)"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--backend", default="loky")
    parser.add_argument(
        "--datasets",
        nargs="+",
        help="default: all; 49Gauss for --contention and --overhead",
    )
    parser.add_argument(
        "--contention",
        action="store_true",
        help="only measure how much two processes slow each other down",
    )
    parser.add_argument(
        "--overhead",
        action="store_true",
        help="only measure where a pooled generation's time goes",
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="only measure first fits in fresh processes (the pool starts cold)",
    )
    parser.add_argument(
        "--cold-cut-over",
        type=float,
        help="with --cold: the cold pool's cut-over, s (default: the package's)",
    )
    parser.add_argument(
        "--baselines",
        action="store_true",
        help="only measure OMR-EM and GA-EM, two fits per fresh process",
    )
    parser.add_argument("--first-fit", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--baseline-fits", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.contention or args.overhead:
        measure = contention if args.contention else overhead
        for name in args.datasets or ["49Gauss (N=4900)"]:
            measure(name)
        return
    if args.datasets is None:
        args.datasets = BASELINE_DATASETS if args.baselines else list(DATASETS)
    if args.baseline_fits:
        name, method, n_jobs = args.baseline_fits
        _baseline_fits(name, method, int(n_jobs))
        return
    if args.baselines:
        baselines(args.datasets, args.repeats)
        return
    if args.first_fit:
        name, n_jobs, cold_cut_over = args.first_fit
        _first_fit(name, int(n_jobs), float(cold_cut_over))
        return
    if args.cold:
        cold(args.datasets, args.repeats, args.cold_cut_over)
        return
    # After the warm-up fit below, the pool is warm: the default cut-over is
    # _POOL_MIN_SECONDS (--cold measures first fits, with a cold pool).
    cut_over = _placement._POOL_MIN_SECONDS
    configurations = {
        "n_jobs=1": {"n_jobs": 1},
        f"n_jobs=2, cut-over {cut_over} s": {"n_jobs": 2},
        "n_jobs=2, always pooled": {"n_jobs": 2, "cut_over": 0.0},
        "n_jobs=2, always pooled, data with every task": {
            "n_jobs": 2,
            "cut_over": 0.0,
            "data_once": False,
        },
        "n_jobs=2, always pooled, results as joblib polls for them": {
            "n_jobs": 2,
            "cut_over": 0.0,
            "told": False,
        },
    }
    pooled_labels = [label.removeprefix("n_jobs=2, ") for label in configurations][1:]
    print(f"Backend: {args.backend}; median of {args.repeats} fits each.\n")
    print(
        "| data | time of | generations | "
        + " | ".join(configurations)
        + "".join(f" | speed-up, {label}" for label in pooled_labels)
        + " |"
    )
    print("|---|---|---|" + "---|" * (2 * len(configurations) - 1))
    paired = []
    decomposed = []
    with parallel_config(backend=args.backend):
        warm_X = load_paper_dataset("Letter A", 0)[0]
        _fit(warm_X, {"max_generations": 2}, 2, 0.0)
        for name in args.datasets:
            X, params = DATASETS[name]()
            fits = {label: [] for label in configurations}
            models = []
            for _ in range(args.repeats):
                for label, options in configurations.items():
                    times, est = _fit(X, params, **options)
                    fits[label].append(times)
                    models.append(est)
            for est in models[1:]:
                assert est.n_components_ == models[0].n_components_
                np.testing.assert_array_equal(est.means_, models[0].means_)
            for kind in ("wall", "refinement"):
                medians = [
                    statistics.median(getattr(t, kind) for t in times)
                    for times in fits.values()
                ]
                print(
                    f"| {name} | {'fit' if kind == 'wall' else kind} "
                    f"| {models[0].n_generations_} | "
                    + " | ".join(f"{m:.2f} s" for m in medians)
                    + "".join(f" | {medians[0] / m:.2f}" for m in medians[1:])
                    + " |",
                    flush=True,
                )
            # Each repeat's n_jobs=2 fits against its own n_jobs=1 one, run
            # just before: the machine's speed drifts between repeats.
            one, *twos = fits.values()
            paired.append(
                (
                    name,
                    [
                        [
                            a.refinement / b.refinement
                            for a, b in zip(one, two, strict=True)
                        ]
                        for two in twos
                    ],
                )
            )
            decomposed.append((name, [_decomposition(one, two) for two in twos]))
    print("\nRefinement speed-ups paired within each repeat, min to max (median):")
    for name, ratios in paired:
        print(
            f"- {name}: "
            + "; ".join(
                f"{label} {_spread(values)}"
                for label, values in zip(pooled_labels, ratios, strict=True)
            )
        )
    print(
        "\nWhere each refinement speed-up came from, paired within each "
        "repeat, min to max (median). It is the product of two numbers. The "
        "bound is what the CPU time allowed: 2 x (n_jobs=1 wall) / (n_jobs=2 "
        "work CPU), where the work CPU is the tasks', run here or in the "
        "pool's workers. The same computations take more CPU time when both "
        "CPUs are busy (a shared core, cache or memory bus, the hypervisor), "
        "and the bound takes that in. The share is how much of the two CPUs "
        "the n_jobs=2 refinement's tasks kept busy: (work CPU) / (2 x wall). "
        "The pool's overheads lower it. The last column is the CPU that this "
        "process used outside the tasks: joblib's and loky's dispatch, "
        "polling and result handling, and the selection between "
        "generations.\n"
    )
    print(
        "| data | n_jobs=2 | refinement speed-up | bound | share of 2 CPUs "
        "| work CPU, n_jobs=2 / n_jobs=1 | parent's CPU outside the tasks, s |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, rows in decomposed:
        for label, columns in zip(pooled_labels, rows, strict=True):
            print(
                f"| {name} | {label} | "
                + " | ".join(_spread(values) for values in columns)
                + " |"
            )


def _decomposition(one, two):
    """Paired by repeat: speed-up, bound, share, CPU growth, parent's CPU."""
    pairs = list(zip(one, two, strict=True))
    return (
        [a.refinement / b.refinement for a, b in pairs],
        [2 * a.refinement / b.work_cpu for a, b in pairs],
        [b.work_cpu / (2 * b.refinement) for _, b in pairs],
        [b.work_cpu / a.work_cpu for a, b in pairs],
        [b.parent_cpu for _, b in pairs],
    )


def _spread(values):
    return f"{min(values):.2f} to {max(values):.2f} ({statistics.median(values):.2f})"


if __name__ == "__main__":
    main()
