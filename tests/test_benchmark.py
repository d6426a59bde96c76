"""The paper-reproduction harness: ranking logic and a tiny end-to-end run."""

import numpy as np
import pytest

from sklearn_esmem import benchmark
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
