"""Reproduction of the paper's experiments: Table 4 (variants) and Table 5 (time).

``python -m sklearn_esmem bench`` runs both studies and writes to a folder
their records (``records.jsonl``, ``run.json``), from which it builds
Markdown tables (``results.md``) and a reStructuredText fragment
(``tables.rst``, included by the documentation), the paper's numbers beside
ours, and PNG plots; ``bench --tables-only DIR`` rebuilds the tables alone.

* The **variant study** (paper section 5.1) runs the eight ESM-EM variants
  ``n_runs`` times on each data set, averages the final MDL, the EM
  iterations of the search summed over its individuals (EMS) and
  ``|k - k_true|`` over the runs, ranks the variants per
  data set (1 = best) and averages the ranks over the data sets. It also
  reports the held-out negative log-likelihood per object, relative to the
  SVD variant, on 10,000 samples of the true mixture.
* The **time-budget study** (section 5.2) runs OMR-EM for ``n_passes`` passes;
  the elapsed time after pass n is the budget ``T(n)``. ESM-EM (VS-PLL) and
  GA-EM run with the budget ``T(n_passes)``, and at each ``T(n)`` the best MDL
  each has reached is ranked (1 = best) and averaged over trials and data sets.
"""

import os
import platform
import shlex
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.parallel import Parallel, delayed

# The report's public names, importable from this public module too.
from ._benchmark_report import (  # noqa: F401
    ALGORITHMS,
    PAPER_TABLE4,
    PAPER_TABLE5,
    RECORDS_FILE,
    RESULTS_FILE,
    RUN_FILE,
    TABLES_FILE,
    _save_records,
    budget_ranks,
    budget_table,
    plot_budget_curves,
    tables_rst,
    variant_table,
    write_reports,
)
from .baselines import GeneticEMMixture, OrderedMultipleRunsMixture
from .datasets import load_paper_dataset, paper_datasets, sample_mixture
from .mixture import VARIANTS, EvolutionarySplitMergeMixture

__all__ = [
    "PAPER_TABLE4",
    "PAPER_TABLE5",
    "QUICK_DATASETS",
    "budget_table",
    "run_benchmark",
    "run_budget_study",
    "run_variant_study",
    "tables_rst",
    "variant_table",
    "write_reports",
]

# A subset that runs in minutes: one of each kind of data set.
QUICK_DATASETS = (
    "9Gauss",
    "3-components",
    "Letter A",
    "Two bars",
    "Pendigits",
    "c1.0-k4M4",
    "0.01-k4M4",
    "c2.0-k12M4",
)

_N_HELD_OUT = 10_000
_NO_STOP = 10**9


def _seeds(random_state, n):
    return check_random_state(random_state).randint(np.iinfo(np.int32).max, size=n)


def _variant_run(name, variant, run, seed, mutation):
    X, _, k_true, mixture = load_paper_dataset(name, random_state=run)
    est = EvolutionarySplitMergeMixture(
        variant=variant, mutation=mutation, random_state=seed
    ).fit(X)
    record = {
        "dataset": name,
        "variant": variant,
        "run": run,
        "mdl": est.mdl(X),
        "ems": est.n_em_iter_total_,
        "k": est.n_components_,
        "k_error": None if k_true is None else abs(est.n_components_ - k_true),
        "held_out_nll": None,
    }
    if mixture is not None:
        X_test, _ = sample_mixture(mixture, _N_HELD_OUT, random_state=10_000 + run)
        record["held_out_nll"] = -est.score(X_test)
    return record


def _run_tasks(tasks, n_jobs, progress, label):
    """Run delayed tasks in parallel, reporting each one as it ends."""
    records = []
    start = time.perf_counter()
    results = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(tasks)
    for done, record in enumerate(results, start=1):
        records.append(record)
        if progress is not None:
            elapsed = time.perf_counter() - start
            print(f"[{label}] {done} done, {elapsed:.0f} s", file=progress, flush=True)
    return records


def run_variant_study(
    datasets=QUICK_DATASETS,
    n_runs=10,
    n_jobs=None,
    random_state=0,
    progress=None,
    mutation="paper",
):
    """Fit every variant ``n_runs`` times on each data set.

    Data set ``name`` of run ``r`` is drawn with ``random_state=r``, so all
    variants see the same data.

    Parameters
    ----------
    datasets : sequence of str, default=QUICK_DATASETS
        Names from :func:`~sklearn_esmem.datasets.paper_datasets`.
    n_runs : int, default=10
        Runs of each variant on each data set.
    n_jobs : int, default=None
        Fits run in parallel.
    random_state : int, default=0
        Seed of the fits' seeds.
    progress : file-like, default=None
        Where a line is printed as each fit ends; None prints nothing.
    mutation : {"paper", "focused"}, default="paper"
        The ESM-EM mutation policy; "paper" is the authors' (see
        :class:`~sklearn_esmem.EvolutionarySplitMergeMixture`).

    Returns
    -------
    records : list of dict
        One per fit: dataset, variant, run, mdl, ems, k, k_error, held_out_nll.
        ``ems`` is the fit's ``n_em_iter_total_``: the EM iterations of the
        search, summed over every parent and child it refined, without the
        final EM.

    Examples
    --------
    >>> from sklearn_esmem.benchmark import run_variant_study, variant_table
    >>> records = run_variant_study(["Letter A"], n_runs=1)
    >>> len(records), sorted(records[0])[:3]
    (8, ['dataset', 'ems', 'held_out_nll'])
    >>> print(variant_table(records)[0].splitlines()[0])
    | variant | MDL | EMS | K | Avg | paper MDL | paper EMS | paper K | paper Avg |
    """
    jobs = [
        (name, variant, run)
        for name in datasets
        for variant in VARIANTS
        for run in range(n_runs)
    ]
    seeds = _seeds(random_state, len(jobs))
    tasks = (
        delayed(_variant_run)(name, variant, run, seed, mutation)
        for (name, variant, run), seed in zip(jobs, seeds, strict=True)
    )
    return _run_tasks(tasks, n_jobs, progress, "variants")


def _best_within(history, budget):
    values = [r["best_criterion"] for r in history if r["elapsed"] <= budget]
    return min(values) if values else np.inf


def _budget_run(name, trial, n_passes, seed, mutation):
    X, _, _, _ = load_paper_dataset(name, random_state=trial)
    seeds = _seeds(seed, 3)
    omr = OrderedMultipleRunsMixture(n_passes=n_passes, random_state=seeds[0]).fit(X)
    budgets = [record["elapsed"] for record in omr.history_]
    esm = EvolutionarySplitMergeMixture(
        variant="VS-PLL",
        mutation=mutation,
        max_time=budgets[-1],
        max_generations=_NO_STOP,
        n_stall_generations=_NO_STOP,
        random_state=seeds[1],
    ).fit(X)
    ga = GeneticEMMixture(
        max_time=budgets[-1],
        max_generations=_NO_STOP,
        n_stall_generations=_NO_STOP,
        random_state=seeds[2],
    ).fit(X)
    best = {
        algorithm: [_best_within(est.history_, budget) for budget in budgets]
        for algorithm, est in zip(ALGORITHMS, (omr, esm, ga), strict=True)
    }
    return {
        "dataset": name,
        "trial": trial,
        "n_samples": X.shape[0],
        "budgets": budgets,
        "best": best,
    }


def run_budget_study(
    datasets=QUICK_DATASETS,
    n_trials=10,
    n_passes=10,
    n_jobs=None,
    random_state=0,
    progress=None,
    mutation="paper",
):
    """Run OMR-EM, ESM-EM and GA-EM on OMR-EM's time budgets.

    Parameters
    ----------
    datasets : sequence of str, default=QUICK_DATASETS
        Names from :func:`~sklearn_esmem.datasets.paper_datasets`.
    n_trials : int, default=10
        Trials per data set.
    n_passes : int, default=10
        OMR-EM passes; the time after pass n is the budget ``T(n)``.
    n_jobs : int, default=None
        Trials run in parallel.
    random_state : int, default=0
        Seed of the trials' seeds.
    progress : file-like, default=None
        Where a line is printed as each trial ends; None prints nothing.
    mutation : {"paper", "focused"}, default="paper"
        ESM-EM's mutation policy.

    Returns
    -------
    records : list of dict
        One per (data set, trial): the budgets ``T(1..n_passes)`` in seconds
        and, per algorithm, its best MDL within each budget.

    Examples
    --------
    >>> from sklearn_esmem.benchmark import budget_table, run_budget_study
    >>> records = run_budget_study(["Letter A"], n_trials=1, n_passes=1)
    >>> sorted(records[0]["best"])
    ['ESM-EM', 'GA-EM', 'OMR-EM']
    >>> print(budget_table(records).splitlines()[0])
    | n_p | OMR-EM | ESM-EM | GA-EM | paper OMR-EM | paper ESM-EM | paper GA-EM |
    """
    jobs = [(name, trial) for name in datasets for trial in range(n_trials)]
    seeds = _seeds(random_state, len(jobs))
    tasks = (
        delayed(_budget_run)(name, trial, n_passes, seed, mutation)
        for (name, trial), seed in zip(jobs, seeds, strict=True)
    )
    return _run_tasks(tasks, n_jobs, progress, "budget")


def _command(output_dir, quick, datasets, n_runs, n_jobs, studies, mutation, seed):
    """The ``bench`` command line that repeats a run of :func:`run_benchmark`."""
    parts = ["python -m sklearn_esmem bench"]
    if quick:
        parts.append("--quick")
    if datasets is not None:
        parts.append("--datasets " + " ".join(shlex.quote(d) for d in datasets))
    if n_runs is not None:
        parts.append(f"--n-runs {n_runs}")
    if set(studies) != {"variants", "budget"}:
        parts.append(f"--study {studies[0]}")
    if n_jobs is not None:
        parts.append(f"--n-jobs {n_jobs}")
    if mutation != "paper":
        parts.append(f"--mutation {mutation}")
    parts.append(f"--output {shlex.quote(str(output_dir))}")
    command = " ".join(parts)
    # The command line has no seed option: another seed is a Python call.
    return command if seed == 0 else f"{command} (random_state={seed}, from Python)"


def _environment():
    import scipy
    import sklearn

    from . import __version__

    return {
        "machine": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "n_cpus": os.cpu_count(),
        "versions": {
            "Python": platform.python_version(),
            "NumPy": np.__version__,
            "SciPy": scipy.__version__,
            "scikit-learn": sklearn.__version__,
            "sklearn_esmem": __version__,
        },
    }


def run_benchmark(
    output_dir="esmem_bench",
    quick=False,
    datasets=None,
    n_runs=None,
    n_jobs=None,
    studies=("variants", "budget"),
    random_state=0,
    stream=None,
    mutation="paper",
):
    """Run the studies and write their records, tables and plots to ``output_dir``.

    The records go to ``records.jsonl`` and the run's settings to
    ``run.json``; :func:`write_reports` then writes ``results.md``,
    ``tables.rst`` and the plots from them.

    Parameters
    ----------
    output_dir : str or Path
    quick : bool, default=False
        The :data:`QUICK_DATASETS`, 3 runs, 2 budget trials of 5 passes:
        minutes, not hours.
    datasets : list of str, default=None
        Names from :func:`~sklearn_esmem.datasets.paper_datasets`; None means
        all 35 (or the quick subset).
    n_runs : int, default=None
        Runs per variant and data set, and trials per data set of the budget
        study; None means 10 (quick: 3 runs and 2 trials).
    n_jobs : int, default=None
        Fits run in parallel.
    studies : tuple of {"variants", "budget"}
    random_state : int
    stream : file-like, default=None
        Where progress goes; None means ``sys.stdout``.
    mutation : {"paper", "focused"}, default="paper"
        ESM-EM's mutation policy: the paper's by default, as this reproduces
        the paper.

    Returns
    -------
    path : Path
        The written ``results.md``.

    Examples
    --------
    >>> import io, tempfile
    >>> from sklearn_esmem.benchmark import run_benchmark
    >>> folder = tempfile.mkdtemp()
    >>> path = run_benchmark(folder, quick=True, datasets=["Letter A"], n_runs=1,
    ...                      studies=("budget",), stream=io.StringIO())
    >>> path.name, "Table 5" in path.read_text()
    ('results.md', True)
    >>> sorted(p.name for p in path.parent.iterdir())
    ['budget_Letter_A.png', 'records.jsonl', 'results.md', 'run.json', 'tables.rst']
    """
    stream = sys.stdout if stream is None else stream
    command = _command(
        output_dir, quick, datasets, n_runs, n_jobs, studies, mutation, random_state
    )
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    if datasets is None:
        datasets = QUICK_DATASETS if quick else tuple(paper_datasets())
    n_trials = n_runs if n_runs is not None else (2 if quick else 10)
    n_runs = n_runs if n_runs is not None else (3 if quick else 10)
    n_passes = 5 if quick else 10
    start = time.perf_counter()
    records = {}
    if "variants" in studies:
        records["variants"] = run_variant_study(
            datasets, n_runs, n_jobs, random_state, stream, mutation
        )
    if "budget" in studies:
        records["budget"] = run_budget_study(
            datasets, n_trials, n_passes, n_jobs, random_state, stream, mutation
        )
    elapsed = time.perf_counter() - start
    run = {
        "command": command,
        "output": str(output_dir),
        "date": time.strftime("%Y-%m-%d"),
        **_environment(),
        "datasets": list(datasets),
        "studies": [study for study in ("variants", "budget") if study in studies],
        "n_runs": n_runs,
        "n_trials": n_trials,
        "n_passes": n_passes,
        "mutation": mutation,
        "random_state": random_state,
        "wall_time": elapsed,
    }
    _save_records(output_dir, run, records)
    path, _ = write_reports(output_dir, stream=stream)
    print(f"Ran the studies in {elapsed:.0f} s", file=stream)
    return path
