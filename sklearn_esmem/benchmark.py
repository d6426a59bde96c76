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

import json
import os
import platform
import shlex
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
    "tables_rst",
    "variant_table",
    "write_reports",
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
    ranks = _variant_ranks(records)
    lines = [
        "| variant | MDL | EMS | K | Avg "
        "| paper MDL | paper EMS | paper K | paper Avg |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for variant, ours in zip(VARIANTS, ranks, strict=True):
        lines.append(
            f"| {variant} | "
            + " | ".join(f"{value:.2f}" for value in ours)
            + " | "
            + " | ".join(f"{value:.2f}" for value in PAPER_TABLE4[variant])
            + " |"
        )
    held_lines = [
        "| data set | " + " | ".join(VARIANTS) + " |",
        "|---|" + "---|" * len(VARIANTS),
    ]
    for name, row in _held_out_differences(records):
        held_lines.append(f"| {name} | " + " | ".join(f"{v:+.2e}" for v in row) + " |")
    return "\n".join(lines), "\n".join(held_lines)


def _variant_ranks(records):
    """Average ranks, shape (8 variants, 4): MDL, EMS, K and their mean.

    Rows follow :data:`~sklearn_esmem.VARIANTS`; K is NaN when no data set
    has a true number of components.
    """
    datasets = sorted({r["dataset"] for r in records})
    variants = list(VARIANTS)
    ranks = np.column_stack(
        [
            _average_ranks(_mean_by(records, key, datasets, variants))
            for key in ("mdl", "ems", "k_error")
        ]
    )
    return np.column_stack([ranks, ranks.mean(axis=1)])


def _held_out_differences(records):
    """(data set, each variant's mean held-out NLL minus SVD's), true mixtures only."""
    datasets = sorted({r["dataset"] for r in records})
    held_out = _mean_by(records, "held_out_nll", datasets, list(VARIANTS))
    svd = list(VARIANTS).index("SVD")
    return [
        (name, row - row[svd])
        for name, row in zip(datasets, held_out, strict=True)
        # No true mixture (shapes, digits): nothing to score on.
        if not np.isnan(row).any()
    ]


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


def _plot_name(dataset):
    return f"budget_{dataset.replace(' ', '_')}.png"


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
        path = Path(output_dir) / _plot_name(name)
        figure.savefig(path, dpi=100)
        paths.append(path)
    return paths


# The files of an output folder: the run's settings, its records (one JSON
# line per fit or trial), and the reports rebuilt from them.
RUN_FILE = "run.json"
RECORDS_FILE = "records.jsonl"
RESULTS_FILE = "results.md"
TABLES_FILE = "tables.rst"


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


def _json_default(value):
    # NumPy scalars (np.int64 counts) are not JSON; their Python values are.
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _record_key(record):
    variant = record.get("variant")
    return (
        record.get("dataset", ""),
        list(VARIANTS).index(variant) if variant in VARIANTS else -1,
        record.get("run", record.get("trial", 0)),
    )


def _save_records(output_dir, run, records):
    """Write ``run`` as ``run.json`` and ``records`` as ``records.jsonl``.

    ``records`` maps a study ("variants", "budget") to its records; each
    becomes one JSON line with its ``study``. A budget within which nothing
    was reached is written as ``Infinity``, which Python's json reads back.
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / RUN_FILE).write_text(json.dumps(run, indent=1) + "\n")
    with open(output_dir / RECORDS_FILE, "w") as file:
        for study, study_records in records.items():
            # Fits end in any order; sorted, two runs' files differ in values only.
            for record in sorted(study_records, key=_record_key):
                line = json.dumps({"study": study, **record}, default=_json_default)
                file.write(line + "\n")


def _load_records(output_dir):
    """``(run, records)`` as :func:`_save_records` wrote them."""
    output_dir = Path(output_dir)
    run = json.loads((output_dir / RUN_FILE).read_text())
    records = {}
    with open(output_dir / RECORDS_FILE) as file:
        for line in file:
            if line.strip():
                record = json.loads(line)
                records.setdefault(record.pop("study"), []).append(record)
    return run, records


def _ordinal(n):
    if n % 100 in (11, 12, 13):
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def _leaders(names, values):
    """The names with the lowest value as printed (2 decimals), and that value."""
    printed = [round(float(v), 2) for v in values]
    low = min(printed)
    best = [name for name, v in zip(names, printed, strict=True) if v == low]
    if len(best) == 1:
        return best[0], f"{low:.2f}"
    if len(best) == len(names):
        return f"all {len(names)} tied", f"{low:.2f}"
    return ", ".join(best[:-1]) + f" and {best[-1]}", f"{low:.2f} each"


def _place(values, index):
    """Rank of ``values[index]`` among ``values`` as printed: "2nd", "tied 3rd"."""
    printed = [round(float(v), 2) for v in values]
    mine = printed[index]
    place = _ordinal(1 + sum(v < mine for v in printed))
    tied = sum(v == mine for v in printed) > 1
    return f"{'tied ' if tied else ''}{place} of {len(values)}"


def _rst_table(title, header, rows):
    """A reStructuredText list-table."""
    lines = [f".. list-table:: {title}", "   :header-rows: 1", ""]
    for row in [header, *rows]:
        lines.append(f"   * - {row[0]}")
        lines += [f"     - {cell}" for cell in row[1:]]
    return lines


def _plural(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


def _run_summary(run, literal):
    """Sentences saying how the run was made; ``literal`` marks up code."""
    versions = ", ".join(f"{name} {v}" for name, v in run["versions"].items())
    mutation = literal(f'mutation="{run["mutation"]}"')
    sentences = [
        f"Run on {run['date']} with {literal(run['command'])} "
        f"({run['machine']}, {run['processor']}, {_plural(run['n_cpus'], 'CPU')}; "
        f"{versions}).",
        f"Data sets ({len(run['datasets'])}): {', '.join(run['datasets'])}.",
    ]
    if "variants" in run["studies"]:
        sentences.append(
            f"Variant study: each of the {len(VARIANTS)} variants fitted "
            f"{_plural(run['n_runs'], 'time')} on each data set, with {mutation}."
        )
    if "budget" in run["studies"]:
        sentences.append(
            f"Time-budget study: {_plural(run['n_trials'], 'trial')} of "
            f"{run['n_passes']} OMR-EM passes on each data set, ESM-EM with "
            f"{mutation}."
        )
    sentences.append(f"Wall time: {run['wall_time']:.0f} s.")
    return sentences


def _variant_rst(records):
    ranks = _variant_ranks(records)
    paper = np.array([PAPER_TABLE4[variant] for variant in VARIANTS])
    columns = ("MDL", "EMS", "K", "Avg")
    lines = _rst_table(
        "Table 4, reproduced: average ranks of the variants (1 = best), "
        "ours beside the paper's",
        ["variant", *columns, *(f"paper {c}" for c in columns)],
        [
            [variant, *(f"{v:.2f}" for v in ours), *(f"{v:.2f}" for v in theirs)]
            for variant, ours, theirs in zip(VARIANTS, ranks, paper, strict=True)
        ],
    )
    esmem = list(VARIANTS).index("VS-PLL")
    lines += [
        "",
        "Per column, the best variant (the lowest average rank) here and in "
        "the paper, and the place of VS-PLL, the paper's ESM-EM, among the "
        f"{len(VARIANTS)}:",
        "",
    ]
    for j, column in enumerate(columns):
        theirs = _leaders(VARIANTS, paper[:, j])
        if np.isnan(ranks[:, j]).any():
            lines.append(
                f"* **{column}**: not ranked here (no data set with a true "
                f"number of components); best in the paper: {theirs[0]} "
                f"({theirs[1]}), where VS-PLL is {_place(paper[:, j], esmem)}."
            )
            continue
        ours = _leaders(VARIANTS, ranks[:, j])
        lines.append(
            f"* **{column}**: best here: {ours[0]} ({ours[1]}); best in the "
            f"paper: {theirs[0]} ({theirs[1]}). VS-PLL is "
            f"{_place(ranks[:, j], esmem)} here and "
            f"{_place(paper[:, j], esmem)} in the paper."
        )
    lines.append("")
    differences = _held_out_differences(records)
    if differences:
        lines += _rst_table(
            "Held-out negative log-likelihood per object, minus the SVD "
            "variant's (negative is better than SVD)",
            ["data set", *VARIANTS],
            [[name, *(f"{v:+.2e}" for v in row)] for name, row in differences],
        )
        largest = ", ".join(
            f"{name} {np.abs(row).max():.1e}" for name, row in differences
        )
        lines += [
            "",
            "The largest difference from SVD on each data set, in nats per "
            f"object: {largest}.",
            "",
        ]
    return lines


def _budget_rst(records):
    ranks = budget_ranks(records)
    rows = []
    for n, row in enumerate(ranks, start=1):
        paper = PAPER_TABLE5[n - 1] if n <= len(PAPER_TABLE5) else ()
        rows.append(
            [str(n), *(f"{v:.2f}" for v in row), *(f"{v:.2f}" for v in paper)]
            + [""] * (len(ALGORITHMS) - len(paper))
        )
    lines = _rst_table(
        "Table 5, reproduced: average MDL rank at OMR-EM's budget T(n_p) "
        "(1 = best), ours beside the paper's",
        ["n_p", *ALGORITHMS, *(f"paper {a}" for a in ALGORITHMS)],
        rows,
    )
    esmem = ALGORITHMS.index("ESM-EM")
    lines += [
        "",
        "At each budget, the best algorithm (the lowest average rank) here and "
        "in the paper, and the place of ESM-EM among the three:",
        "",
    ]
    for n, row in enumerate(ranks, start=1):
        ours = _leaders(ALGORITHMS, row)
        text = (
            f"* n_p = {n}: best here: {ours[0]} ({ours[1]}), ESM-EM "
            f"{_place(row, esmem)}"
        )
        if n <= len(PAPER_TABLE5):
            paper = PAPER_TABLE5[n - 1]
            theirs = _leaders(ALGORITHMS, paper)
            text += (
                f"; best in the paper: {theirs[0]} ({theirs[1]}), ESM-EM "
                f"{_place(paper, esmem)}"
            )
        lines.append(text + ".")
    lines.append("")
    return lines


def tables_rst(run, records):
    """The reproduced tables as a reStructuredText fragment, the paper's beside.

    The fragment, written as ``tables.rst`` by :func:`write_reports`, is what
    the documentation's reproduction page includes: a summary of the run,
    Table 4 with the held-out table, Table 5, and after each table a list
    that names, per column or budget, the best variant or algorithm here and
    in the paper and the place of ESM-EM (VS-PLL). Places are taken on the
    values as printed, so equal printed values are tied.

    Parameters
    ----------
    run : dict
        The run's settings, as saved in ``run.json``.
    records : dict
        ``{"variants": [...], "budget": [...]}``; a missing study is left out.

    Returns
    -------
    str

    Examples
    --------
    >>> from sklearn_esmem.benchmark import tables_rst
    >>> from sklearn_esmem.mixture import VARIANTS
    >>> records = [
    ...     {"dataset": "a", "variant": v, "mdl": float(i), "ems": 8 - i,
    ...      "k_error": 0, "held_out_nll": None}
    ...     for i, v in enumerate(VARIANTS)]
    >>> text = tables_rst(None, {"variants": records})
    >>> print(next(line for line in text.splitlines() if "**MDL**" in line))
    * **MDL**: best here: SVD (1.00); best in the paper: VS-PLL (4.01). VS-PLL is 6th of 8 here and 1st of 8 in the paper.
    """  # noqa: E501
    lines = [
        ".. Generated by python -m sklearn_esmem bench from the records beside",
        "   this file; rebuilt by bench --tables-only, not edited by hand.",
        "",
    ]
    if run is not None:
        sentences = _run_summary(run, lambda text: f"``{text}``")
        sentences.append(
            f"The tables are built from the run's records (``{RECORDS_FILE}`` "
            "beside this file); ``python -m sklearn_esmem bench --tables-only "
            f"{shlex.quote(run['output'])}`` rebuilds them."
        )
        lines += [" ".join(sentences), ""]
    if records.get("variants"):
        lines += _variant_rst(records["variants"])
    if records.get("budget"):
        lines += _budget_rst(records["budget"])
    return "\n".join(lines)


def _results_md(run, records, output_dir):
    sections = [
        "# ESM-EM: the paper's experiments, reproduced",
        "",
        *_run_summary(run, lambda text: f"`{text}`"),
        "",
    ]
    if records.get("variants"):
        table, held_out = variant_table(records["variants"])
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
    if records.get("budget"):
        sections += [
            "## Table 5: average MDL rank at OMR-EM's budget T(n_p) (1 = best)",
            "",
            budget_table(records["budget"]),
            "",
        ]
        for name in sorted({r["dataset"] for r in records["budget"]}):
            path = Path(output_dir) / _plot_name(name)
            if path.is_file():
                sections.append(f"![{path.stem}]({path.name})")
        sections.append("")
    return "\n".join(sections).rstrip() + "\n"


def write_reports(output_dir, plots=True, stream=None):
    """Rebuild ``results.md`` and ``tables.rst`` from a run's saved records.

    :func:`run_benchmark` calls it once the studies end; on its own it
    redraws the tables of an earlier run without fitting anything
    (``python -m sklearn_esmem bench --tables-only DIR``).

    Parameters
    ----------
    output_dir : str or Path
        A folder :func:`run_benchmark` wrote: it has ``run.json`` and
        ``records.jsonl``.
    plots : bool, default=True
        Also redraw the time-budget plots (needs matplotlib).
    stream : file-like, default=None
        Where a line is printed per file written; None prints nothing.

    Returns
    -------
    results : Path
        ``results.md``: Markdown tables, the paper's numbers beside ours.
    tables : Path
        ``tables.rst``: the same as a reStructuredText fragment (see
        :func:`tables_rst`).

    Examples
    --------
    >>> import io, tempfile
    >>> from pathlib import Path
    >>> from sklearn_esmem.benchmark import run_benchmark, write_reports
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = run_benchmark(folder, quick=True, datasets=["Letter A"], n_runs=1,
    ...                   studies=("budget",), stream=io.StringIO())
    >>> (folder / "tables.rst").unlink()
    >>> results, tables = write_reports(folder, plots=False)
    >>> results.name, tables.name, "Table 5, reproduced" in tables.read_text()
    ('results.md', 'tables.rst', True)
    """
    output_dir = Path(output_dir)
    run, records = _load_records(output_dir)
    if plots and records.get("budget"):
        try:
            plot_budget_curves(records["budget"], output_dir)
        except ImportError:
            if stream is not None:
                print(
                    "matplotlib is not installed: no plots (pip install matplotlib)",
                    file=stream,
                )
    results = output_dir / RESULTS_FILE
    results.write_text(_results_md(run, records, output_dir))
    tables = output_dir / TABLES_FILE
    tables.write_text(tables_rst(run, records) + "\n")
    if stream is not None:
        print(f"Wrote {results} and {tables}", file=stream)
    return results, tables


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
