"""Smoke test of benchmarks/bench_search_quality.py on one small set."""

import importlib.util
import json
import warnings
from pathlib import Path

import pytest
from sklearn.mixture import GaussianMixture

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_search_quality.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_search_quality", _PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mdl_from_parameters_is_half_sklearns_bic(bench):
    X = bench.load_set("iris-std")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm = GaussianMixture(3, random_state=0).fit(X)
    mdl = bench.mixture_mdl(X, gm.weights_, gm.means_, gm.covariances_)
    assert mdl == pytest.approx(gm.bic(X) / 2, rel=1e-10)


def test_runs_are_cached_and_resumed(bench, tmp_path):
    cache, report = tmp_path / "runs.jsonl", tmp_path / "report.md"
    argv = ["--sets", "iris-std", "--systems", "loop1", "bgmm", "--seeds", "0"]
    argv += ["--cache", str(cache), "--report", str(report)]
    bench.main(argv)
    records = [json.loads(line) for line in cache.read_text().splitlines()]
    systems = {r["system"] for r in records}
    assert {"loop1", "bgmm", "refine"} <= systems
    assert all("error" not in r and r["cpu"] >= 0 for r in records)
    text = report.read_text()
    assert "## iris-std (N=150, M=4)" in text and "| loop1 | 1 |" in text
    # A second run finds everything in the cache and fits nothing.
    bench.main(argv)
    assert len(cache.read_text().splitlines()) == len(records)
