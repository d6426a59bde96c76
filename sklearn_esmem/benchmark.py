"""Reproduction of the paper's experiments: Table 4 (variants) and Table 5 (time).

``python -m sklearn_esmem bench`` runs both studies and writes Markdown tables,
with the paper's numbers beside ours, and PNG plots to a folder.

* The **variant study** (paper section 5.1) runs the eight ESM-EM variants
  ``n_runs`` times on each data set, averages the final MDL, the EM
  iterations (EMS) and ``|k - k_true|`` over the runs, ranks the variants per
  data set (1 = best) and averages the ranks over the data sets. It also
  reports the held-out negative log-likelihood per object, relative to the
  SVD variant, on 10,000 samples of the true mixture.
* The **time-budget study** (section 5.2) runs OMR-EM for ``n_passes`` passes;
  the elapsed time after pass n is the budget ``T(n)``. ESM-EM (VS-PLL) and
  GA-EM run with the budget ``T(n_passes)``, and at each ``T(n)`` the best MDL
  each has reached is ranked (1 = best) and averaged over trials and data sets.
"""

import math
import platform
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import rankdata
from sklearn.utils import check_random_state
from sklearn.utils.parallel import Parallel, delayed

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
    "variant_table",
]

# The paper's Table 4: average ranks (MDL, EMS, K, average); lower is better.
PAPER_TABLE4 = {
    "SVD": (5.03, 3.57, 4.99, 4.53),
    "OVER": (4.50, 4.40, 4.79, 4.56),
    "VS": (4.63, 4.77, 5.20, 4.87),
    "PLL": (4.31, 4.94, 4.16, 4.47),
    "VS-OVER": (4.56, 4.39, 4.61, 4.52),
    "VS-PLL": (4.01, 3.83, 3.84, 3.90),
    "OVER-PLL": (4.36, 4.74, 4.86, 4.65),
    "VS-OVER-PLL": (4.60, 5.36, 3.56, 4.50),
}

# The paper's Table 5: average MDL rank at budget T(n_p), n_p = 1..10, for
# (OMR-EM, ESM-EM, GA-EM).
PAPER_TABLE5 = [
    (2.51, 2.01, 1.47),
    (2.51, 1.83, 1.66),
    (2.46, 1.89, 1.66),
    (2.41, 1.90, 1.69),
    (2.30, 1.93, 1.77),
    (2.24, 1.94, 1.81),
    (2.16, 1.94, 1.90),
    (2.14, 1.89, 1.97),
    (2.14, 1.87, 1.99),
    (2.14, 1.90, 1.96),
]

ALGORITHMS = ("OMR-EM", "ESM-EM", "GA-EM")

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


def _mean_by(records, key, datasets, variants):
    """Matrix (dataset, variant) of the mean of ``key`` over runs (NaN if none)."""
    table = np.full((len(datasets), len(variants)), np.nan)
    for i, dataset in enumerate(datasets):
        for j, variant in enumerate(variants):
            values = [
                r[key]
                for r in records
                if r["dataset"] == dataset
                and r["variant"] == variant
                and r[key] is not None
            ]
            if values:
                table[i, j] = np.mean(values)
    return table


def _average_ranks(means):
    """Rank each row (1 = lowest), average ties, then average over rows."""
    rows = [rankdata(row) for row in means if not np.isnan(row).any()]
    return np.mean(rows, axis=0) if rows else np.full(means.shape[1], np.nan)


def variant_table(records):
    """Table 4 in Markdown: our average ranks beside the paper's.

    Each criterion is averaged over the runs, the variants are ranked per
    data set (1 = best, ties share their average rank), and the ranks are
    averaged over the data sets.

    Parameters
    ----------
    records : list of dict
        From :func:`run_variant_study`.

    Returns
    -------
    table : str
        Table 4 in Markdown, the paper's ranks in the last four columns.
    held_out : str
        Per data set with a true mixture, each variant's held-out negative
        log-likelihood per object minus that of SVD.

    Examples
    --------
    >>> from sklearn_esmem.benchmark import variant_table
    >>> from sklearn_esmem.mixture import VARIANTS
    >>> records = [
    ...     {"dataset": "a", "variant": v, "mdl": float(i), "ems": 10,
    ...      "k_error": 0, "held_out_nll": None}
    ...     for i, v in enumerate(VARIANTS)]
    >>> table, held_out = variant_table(records)
    >>> print(table.splitlines()[2])
    | SVD | 1.00 | 4.50 | 4.50 | 3.33 | 5.03 | 3.57 | 4.99 | 4.53 |
    """
    datasets = sorted({r["dataset"] for r in records})
    variants = list(VARIANTS)
    ranks = {
        key: _average_ranks(_mean_by(records, key, datasets, variants))
        for key in ("mdl", "ems", "k_error")
    }
    lines = [
        "| variant | MDL | EMS | K | Avg "
        "| paper MDL | paper EMS | paper K | paper Avg |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for j, variant in enumerate(variants):
        ours = [ranks[key][j] for key in ("mdl", "ems", "k_error")]
        paper = PAPER_TABLE4[variant]
        lines.append(
            f"| {variant} | "
            + " | ".join(f"{value:.2f}" for value in ours)
            + f" | {np.mean(ours):.2f} | "
            + " | ".join(f"{value:.2f}" for value in paper)
            + " |"
        )
    held_out = _mean_by(records, "held_out_nll", datasets, variants)
    svd = variants.index("SVD")
    held_lines = [
        "| data set | " + " | ".join(variants) + " |",
        "|---|" + "---|" * len(variants),
    ]
    for name, row in zip(datasets, held_out, strict=True):
        if np.isnan(row).any():  # no true mixture (shapes, digits)
            continue
        held_lines.append(
            f"| {name} | " + " | ".join(f"{v - row[svd]:+.2e}" for v in row) + " |"
        )
    return "\n".join(lines), "\n".join(held_lines)


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


def budget_ranks(records):
    """Average MDL rank per algorithm at each budget, over trials and data sets.

    Ranks are taken per trial (an algorithm with nothing within a budget
    ranks last), then averaged.
    """
    n_passes = min(len(record["budgets"]) for record in records)
    ranks = np.zeros((n_passes, len(ALGORITHMS)))
    for record in records:
        values = np.array([record["best"][a][:n_passes] for a in ALGORITHMS]).T
        ranks += np.array([rankdata(row) for row in values])
    return ranks / len(records)


def budget_table(records):
    """Table 5 in Markdown: our average MDL ranks beside the paper's.

    Parameters
    ----------
    records : list of dict
        From :func:`run_budget_study`.

    Returns
    -------
    str
        One row per budget ``T(n_p)``: the average rank of each algorithm
        (1 = best), then the paper's.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_esmem.benchmark import budget_table
    >>> record = {"budgets": [1.0], "best": {
    ...     "OMR-EM": [3.0], "ESM-EM": [1.0], "GA-EM": [np.inf]}}
    >>> print(budget_table([record]).splitlines()[2])
    | 1 | 2.00 | 1.00 | 3.00 | 2.51 | 2.01 | 1.47 |
    """
    ranks = budget_ranks(records)
    header = " | ".join(ALGORITHMS)
    lines = [
        f"| n_p | {header} | paper {' | paper '.join(ALGORITHMS)} |",
        "|---|" + "---|" * (2 * len(ALGORITHMS)),
    ]
    for n, row in enumerate(ranks, start=1):
        paper = PAPER_TABLE5[n - 1] if n <= len(PAPER_TABLE5) else ("",) * 3
        lines.append(
            f"| {n} | "
            + " | ".join(f"{value:.2f}" for value in row)
            + " | "
            + " | ".join(f"{value:.2f}" if value != "" else "" for value in paper)
            + " |"
        )
    return "\n".join(lines)


def plot_budget_curves(records, output_dir):
    """Figure 8: mean MDL/N against n_p, one PNG per data set. Needs matplotlib."""
    from matplotlib.figure import Figure

    paths = []
    for name in sorted({r["dataset"] for r in records}):
        runs = [r for r in records if r["dataset"] == name]
        n_passes = min(len(r["budgets"]) for r in runs)
        figure = Figure(figsize=(4.5, 3.2), layout="constrained")
        ax = figure.subplots()
        for algorithm in ALGORITHMS:
            values = np.array(
                [
                    np.array(r["best"][algorithm][:n_passes]) / r["n_samples"]
                    for r in runs
                ]
            )
            # Nothing reached within a budget: no point is drawn there.
            finite = np.isfinite(values)
            counts = finite.sum(axis=0)
            totals = np.where(finite, values, 0.0).sum(axis=0)
            means = np.divide(
                totals, counts, out=np.full(n_passes, np.nan), where=counts > 0
            )
            ax.plot(range(1, n_passes + 1), means, marker="o", label=algorithm)
        ax.set_xlabel("n_p (OMR-EM passes defining the budget)")
        ax.set_ylabel("best MDL / N")
        ax.set_title(name)
        ax.legend()
        path = Path(output_dir) / f"budget_{name.replace(' ', '_')}.png"
        figure.savefig(path, dpi=100)
        paths.append(path)
    return paths


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
    """Run the studies and write ``results.md`` (and plots) to ``output_dir``.

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
    >>> path = run_benchmark(folder, datasets=["Letter A"], n_runs=1,
    ...                      studies=("variants",), stream=io.StringIO())
    >>> path.name, "Table 4" in path.read_text()
    ('results.md', True)
    """
    stream = sys.stdout if stream is None else stream
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    if datasets is None:
        datasets = QUICK_DATASETS if quick else tuple(paper_datasets())
    n_trials = n_runs if n_runs is not None else (2 if quick else 10)
    n_runs = n_runs if n_runs is not None else (3 if quick else 10)
    n_passes = 5 if quick else 10
    start = time.perf_counter()
    sections = [
        "# ESM-EM: the paper's experiments, reproduced",
        "",
        f"Run on {time.strftime('%Y-%m-%d')}.",
        "",
        f"Command: `python -m sklearn_esmem bench{' --quick' if quick else ''}"
        f" --n-jobs {n_jobs} --mutation {mutation}`; machine: {platform.platform()}, "
        f"{platform.processor() or platform.machine()}, Python "
        f"{platform.python_version()}.",
        f"Data sets ({len(datasets)}): {', '.join(datasets)}; {n_runs} runs of "
        f"each variant, {n_trials} budget trials of {n_passes} OMR-EM passes.",
        "",
    ]
    if "variants" in studies:
        records = run_variant_study(
            datasets, n_runs, n_jobs, random_state, stream, mutation
        )
        table, held_out = variant_table(records)
        sections += [
            "## Table 4: average ranks of the variants (lower is better)",
            "",
            table,
            "",
            "## Held-out negative log-likelihood per object, minus SVD's",
            "",
            "(10,000 samples of the true mixture; negative is better than SVD.)",
            "",
            held_out,
            "",
        ]
    if "budget" in studies:
        records = run_budget_study(
            datasets, n_trials, n_passes, n_jobs, random_state, stream, mutation
        )
        sections += [
            "## Table 5: average MDL rank at OMR-EM's budget T(n_p) (1 = best)",
            "",
            budget_table(records),
            "",
        ]
        try:
            paths = plot_budget_curves(records, output_dir)
            sections += [f"![{p.stem}]({p.name})" for p in paths] + [""]
        except ImportError:
            print(
                "matplotlib is not installed: no plots (pip install matplotlib)",
                file=stream,
            )
    elapsed = time.perf_counter() - start
    sections.append(f"Wall time: {elapsed:.0f} s ({math.ceil(elapsed / 60)} min).")
    path = output_dir / "results.md"
    path.write_text("\n".join(sections) + "\n")
    print(f"Wrote {path} in {elapsed:.0f} s", file=stream)
    return path
