"""The reports of the paper's reproduction, built from a run's saved records.

The paper's Tables 4 and 5, the average ranks of our records beside them, as
Markdown (``results.md``) and as the reStructuredText fragment the
documentation includes (``tables.rst``), the time-budget plots, and the
records' files (``run.json``, ``records.jsonl``) they are rebuilt from. The
studies that make the records are in :mod:`sklearn_esmem.benchmark`.
"""

import json
import shlex
from pathlib import Path

import numpy as np
from scipy.stats import rankdata

from .mixture import VARIANTS

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


# The files of an output folder: the run's settings, its records (one JSON
# line per fit or trial), and the reports rebuilt from them.
RUN_FILE = "run.json"
RECORDS_FILE = "records.jsonl"
RESULTS_FILE = "results.md"
TABLES_FILE = "tables.rst"


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
