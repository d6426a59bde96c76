"""The paper-reproduction harness: ranking logic and a tiny end-to-end run."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from sklearn_esmem import _benchmark_report, benchmark
from sklearn_esmem.mixture import VARIANTS


def _variant_records(values):
    """Records with MDL ``values[dataset][variant]``, EMS reversed, k exact."""
    records = []
    for dataset, per_variant in values.items():
        for j, variant in enumerate(VARIANTS):
            records.append(
                {
                    "dataset": dataset,
                    "variant": variant,
                    "run": 0,
                    "mdl": per_variant[j],
                    "ems": -per_variant[j],
                    "k": 3,
                    "k_error": 0,
                    "held_out_nll": float(j),
                }
            )
    return records


def test_variant_ranks_are_averaged_over_data_sets():
    n = len(VARIANTS)
    records = _variant_records({"a": np.arange(n), "b": np.arange(n)[::-1]})
    table, held_out = benchmark.variant_table(records)
    rows = [line for line in table.splitlines()[2:]]
    assert len(rows) == n
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        # Rank 1..n on one set and n..1 on the other: every average is (n+1)/2.
        assert float(cells[1]) == pytest.approx((n + 1) / 2)
        # All variants find k exactly: tied at the average rank.
        assert float(cells[3]) == pytest.approx((n + 1) / 2)
    first = [c.strip() for c in rows[0].strip("|").split("|")]
    assert first[0] == "SVD"
    assert [float(v) for v in first[5:9]] == list(benchmark.PAPER_TABLE4["SVD"])
    # Held-out values relative to SVD (the first variant, value 0).
    last = held_out.splitlines()[-1]
    assert last.startswith("| b |")
    assert f"{n - 1:+.2e}" in last


def test_budget_ranks_per_trial_then_averaged():
    records = [
        {
            "budgets": [1.0, 2.0],
            "best": {
                "OMR-EM": [3.0, 1.0],
                "ESM-EM": [2.0, 2.0],
                "GA-EM": [np.inf, 3.0],
            },
        },
        {
            "budgets": [1.0, 2.0],
            "best": {"OMR-EM": [1.0, 1.0], "ESM-EM": [2.0, 0.5], "GA-EM": [3.0, 3.0]},
        },
    ]
    ranks = benchmark.budget_ranks(records)
    np.testing.assert_allclose(ranks[0], [(2 + 1) / 2, (1 + 2) / 2, (3 + 3) / 2])
    np.testing.assert_allclose(ranks[1], [(1 + 2) / 2, (2 + 1) / 2, (3 + 3) / 2])


def test_best_within_budget_ignores_later_records():
    history = [
        {"elapsed": 0.5, "best_criterion": 10.0},
        {"elapsed": 1.5, "best_criterion": 8.0},
    ]
    assert benchmark._best_within(history, 1.0) == 10.0
    assert benchmark._best_within(history, 2.0) == 8.0
    assert benchmark._best_within(history, 0.1) == np.inf


def test_tiny_run_writes_tables(tmp_path):
    with open(tmp_path / "progress.txt", "w") as progress:
        path = benchmark.run_benchmark(
            tmp_path,
            datasets=["Letter A"],
            n_runs=1,
            studies=("variants",),
            stream=progress,
        )
    text = path.read_text()
    assert "Table 4" in text and "VS-PLL" in text
    assert (tmp_path / "progress.txt").read_text().count("done") == len(VARIANTS)


@pytest.mark.parametrize("mutation", ["paper", "focused"])
def test_studies_pass_the_mutation_policy_to_esmem(monkeypatch, mutation):
    built = []

    class Recording(benchmark.EvolutionarySplitMergeMixture):
        def fit(self, X, y=None, sample_weight=None):
            built.append(self.mutation)
            return super().fit(X, y, sample_weight)

    monkeypatch.setattr(benchmark, "EvolutionarySplitMergeMixture", Recording)
    benchmark._variant_run("Letter A", "VS-PLL", 0, 0, mutation)
    benchmark._budget_run("Letter A", 0, 1, 0, mutation)
    assert built == [mutation, mutation]


def test_bench_command_reproduces_the_paper_mutation_by_default():
    from sklearn_esmem._cli import _build_parser

    assert _build_parser().parse_args(["bench"]).mutation == "paper"
    args = _build_parser().parse_args(["bench", "--mutation", "focused"])
    assert args.mutation == "focused"


# -- The reproduction page's fragment (tables.rst) and the saved records ------

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "benchmarks" / "results" / "paper_quick"
PAGE = ROOT / "doc" / "reproduction.rst"


def _list_tables(text):
    """Every reST list-table of ``text``: {title: rows of cell strings}."""
    tables, rows, title = {}, None, None
    for line in text.splitlines():
        if line.startswith(".. list-table::"):
            title = line.split("::", 1)[1].strip()
            rows = tables[title] = []
        elif rows is not None and line.startswith("   * - "):
            rows.append([line[len("   * - ") :]])
        elif rows is not None and line.startswith("     - "):
            rows[-1].append(line[len("     - ") :])
        elif rows is not None and line and not line.startswith("   "):
            rows = None
    return tables


def _table(tables, start):
    (rows,) = [rows for title, rows in tables.items() if title.startswith(start)]
    return rows


def _ranked_records():
    """Two data sets, same orders: MDL ranks SVD 1st .. VS-OVER-PLL 8th, EMS
    all tied, K exact for VS-PLL only; held-out: VS-OVER-PLL 7e-8 above SVD
    on set "a", VS 0.5 above it on set "b"."""
    records = []
    for dataset in ("a", "b"):
        for j, variant in enumerate(VARIANTS):
            held_out = 1.0 + 1e-8 * j
            if dataset == "b" and variant == "VS":
                held_out = 1.5
            records.append(
                {
                    "dataset": dataset,
                    "variant": variant,
                    "run": 0,
                    "mdl": 100.0 + j,
                    "ems": np.int64(50),
                    "k": 3,
                    "k_error": 0 if variant == "VS-PLL" else 1,
                    "held_out_nll": held_out,
                }
            )
    return records


def test_fragment_states_places_of_vs_pll_and_the_papers_numbers():
    text = benchmark.tables_rst(None, {"variants": _ranked_records()})
    lines = text.splitlines()
    for expected in [
        "* **MDL**: best here: SVD (1.00); best in the paper: VS-PLL (4.01). "
        "VS-PLL is 6th of 8 here and 1st of 8 in the paper.",
        "* **EMS**: best here: all 8 tied (4.50); best in the paper: SVD (3.57). "
        "VS-PLL is tied 1st of 8 here and 2nd of 8 in the paper.",
        "* **K**: best here: VS-PLL (1.00); best in the paper: VS-OVER-PLL "
        "(3.56). VS-PLL is 1st of 8 here and 2nd of 8 in the paper.",
        # VS-PLL (6 + 4.5 + 1) / 3 and OVER (2 + 4.5 + 5) / 3: both 3.83.
        "* **Avg**: best here: SVD (3.50); best in the paper: VS-PLL (3.90). "
        "VS-PLL is tied 2nd of 8 here and 1st of 8 in the paper.",
        "The largest difference from SVD on each data set, in nats per object: "
        "a 7.0e-08, b 5.0e-01.",
    ]:
        assert expected in lines
    tables = _list_tables(text)
    table4 = _table(tables, "Table 4, reproduced")
    assert table4[0] == [
        "variant",
        *("MDL", "EMS", "K", "Avg"),
        *("paper MDL", "paper EMS", "paper K", "paper Avg"),
    ]
    assert [row[0] for row in table4[1:]] == list(VARIANTS)
    for row in table4[1:]:
        # The paper's numbers exactly as printed in its Table 4.
        assert row[5:] == [f"{v:.2f}" for v in benchmark.PAPER_TABLE4[row[0]]]
    assert table4[6][:5] == ["VS-PLL", "6.00", "4.50", "1.00", "3.83"]
    held_out = _table(tables, "Held-out")
    assert [row[0] for row in held_out] == ["data set", "a", "b"]
    assert held_out[2][3] == "+5.00e-01"


def test_fragment_of_the_budget_study_against_the_paper():
    records = [
        {
            "dataset": "a",
            "trial": 0,
            "n_samples": 10,
            "budgets": [float(n) for n in range(1, 12)],
            "best": {
                "OMR-EM": [1.0] + [2.0] * 10,
                "ESM-EM": [2.0] + [1.0] * 10,
                "GA-EM": [3.0] + [1.0] * 10,
            },
        }
    ]
    text = benchmark.tables_rst(None, {"budget": records})
    lines = text.splitlines()
    assert (
        "* n_p = 1: best here: OMR-EM (1.00), ESM-EM 2nd of 3; best in the "
        "paper: GA-EM (1.47), ESM-EM 2nd of 3." in lines
    )
    assert (
        "* n_p = 8: best here: ESM-EM and GA-EM (1.50 each), ESM-EM tied 1st of "
        "3; best in the paper: ESM-EM (1.89), ESM-EM 1st of 3." in lines
    )
    # Beyond the paper's ten budgets there is nothing to compare with.
    assert "* n_p = 11: best here: ESM-EM and GA-EM (1.50 each), ESM-EM tied " in (text)
    table5 = _table(_list_tables(text), "Table 5, reproduced")
    for n, row in enumerate(table5[1:11], start=1):
        assert row[4:] == [f"{v:.2f}" for v in benchmark.PAPER_TABLE5[n - 1]]
    assert table5[11][4:] == ["", "", ""]


def _saved_run(folder):
    run = {
        "command": "python -m sklearn_esmem bench --output out",
        "output": "out",
        "date": "2000-01-01",
        "machine": "a machine",
        "processor": "a processor",
        "n_cpus": 2,
        "versions": {"Python": "3"},
        "datasets": ["a", "b"],
        "studies": ["variants"],
        "n_runs": 1,
        "n_trials": 1,
        "n_passes": 5,
        "mutation": "paper",
        "random_state": 0,
        "wall_time": 1.0,
    }
    records = _ranked_records()
    _benchmark_report._save_records(folder, run, {"variants": records[::-1]})
    return run, records


def test_records_round_trip_sorted(tmp_path):
    run, records = _saved_run(tmp_path)
    loaded_run, loaded = _benchmark_report._load_records(tmp_path)
    assert loaded_run == run
    # Written in the order of data set, variant and run, whatever the input.
    assert loaded == {"variants": records}
    budget = {"dataset": "a", "trial": 0, "best": {"GA-EM": [np.inf]}}
    _benchmark_report._save_records(tmp_path, run, {"budget": [budget]})
    assert _benchmark_report._load_records(tmp_path)[1] == {"budget": [budget]}


def test_tables_only_rebuilds_the_reports_without_fitting(tmp_path, monkeypatch):
    from sklearn_esmem._cli import main

    _saved_run(tmp_path)

    def no_fit(*args, **kwargs):
        raise AssertionError("--tables-only fitted something")

    monkeypatch.setattr(benchmark, "run_variant_study", no_fit)
    monkeypatch.setattr(benchmark, "run_budget_study", no_fit)
    assert main(["bench", "--tables-only", str(tmp_path)]) == 0
    tables = (tmp_path / "tables.rst").read_text()
    run, records = _benchmark_report._load_records(tmp_path)
    assert tables == benchmark.tables_rst(run, records) + "\n"
    assert "``python -m sklearn_esmem bench --output out``" in tables
    assert "--tables-only out``" in tables
    assert "| VS-PLL | 6.00 | 4.50 | 1.00 | 3.83 |" in (
        (tmp_path / "results.md").read_text()
    )
    assert main(["bench", "--tables-only", str(tmp_path / "missing")]) == 2


@pytest.mark.skipif(not COMMITTED.is_dir(), reason="no committed quick run")
def test_committed_tables_are_those_its_records_give(tmp_path):
    # The page includes tables.rst: it must be what its records give, so that
    # no table of the committed run is edited by hand or left stale.
    folder = tmp_path / "paper_quick"
    shutil.copytree(COMMITTED, folder)
    benchmark.write_reports(folder, plots=False)
    for name in (benchmark.TABLES_FILE, benchmark.RESULTS_FILE):
        assert (folder / name).read_text() == (COMMITTED / name).read_text(), name


@pytest.mark.skipif(not PAGE.is_file(), reason="no doc/ folder beside the tests")
def test_reproduction_page_quotes_the_paper_and_includes_the_run():
    text = PAGE.read_text()
    tables = _list_tables(text)
    table4 = _table(tables, "Table 4 of the paper")
    assert {row[0]: row[1:] for row in table4[1:]} == {
        variant: [f"{v:.2f}" for v in values]
        for variant, values in benchmark.PAPER_TABLE4.items()
    }
    table5 = _table(tables, "Table 5 of the paper")
    assert [row[1:] for row in table5[1:]] == [
        [f"{v:.2f}" for v in values] for values in benchmark.PAPER_TABLE5
    ]
    # Reproduced tables come from the include, none typed into the page.
    assert not [title for title in tables if "reproduced" in title]
    (include,) = [
        line.split("::", 1)[1].strip()
        for line in text.splitlines()
        if line.startswith(".. include::")
    ]
    assert (PAGE.parent / include).resolve() == COMMITTED / benchmark.TABLES_FILE
