"""How close each search gets to the best-known MDL, over many sets and seeds.

Eight systems fit 24 data sets (fixed per set) with ten estimator seeds each:
ESM-EM with its defaults (``esmem``), the authors' mutation (``esmem-paper``)
and four times the generations and stall limit (``esmem-4x``); OMR-EM
(``omr``); GA-EM (``ga``); scikit-learn's ``GaussianMixture`` for
k = 1..ceil(sqrt(N)) with ``n_init=1`` and ``5``, keeping the lowest MDL
(``loop1``, ``loop5``); and ``BayesianGaussianMixture`` scored as the mixture
of its components of weight above 1e-3 (``bgmm``). Every model's MDL (half
scikit-learn's BIC) is computed here from its parameters on the same X.

A model with a component collapsed onto a lower-dimensional set of the data
(``sklearn_esmem._degeneracy``) is degenerate. The best-known MDL of a set is
the lowest of any non-degenerate model fitted for it: every run's, every k of
the loops, and ``GaussianMixture(k, n_init=10)`` for k within 2 of the best k
(the refinement). Each system is judged by its gaps to it, seed by seed.

Runs are single-threaded and appended to a JSON-lines cache keyed by (set,
system, seed): an interrupted study resumes, a later one fits what is
missing. The report goes to ``benchmarks/results/search_quality_<date>.md``
and stdout; ``--plot`` draws ESM-EM's anytime curves. The full study takes
hours (see benchmarks/README.md); ``--quick`` checks the pipeline.

Run: ``python benchmarks/bench_search_quality.py [--quick] [--sets ...]
[--systems ...] [--seeds ...] [--n-jobs 1] [--summary-only] [--plot [PNG]]``
"""

import argparse
import datetime
import hashlib
import importlib
import inspect
import json
import math
import time
import warnings
from collections import Counter
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
from scipy.linalg import solve_triangular
from scipy.special import logsumexp
from sklearn import datasets as skdata
from sklearn.decomposition import PCA
from sklearn.mixture import BayesianGaussianMixture, GaussianMixture
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import sklearn_esmem
from sklearn_esmem import (
    EvolutionarySplitMergeMixture,
    _compiled,
    _evolution,
    baselines,
)
from sklearn_esmem._degeneracy import collapsed_components, data_covariance
from sklearn_esmem._em import n_parameters
from sklearn_esmem.criteria import mdl
from sklearn_esmem.datasets import load_paper_dataset, make_grid_mixture, make_shape

HERE = Path(__file__).resolve().parent
DEFAULT_CACHE = HERE / "results" / "search_quality_runs.jsonl"
DEFAULT_PLOT = HERE.parent / "doc" / "_static" / "bench" / "search_quality_anytime.png"
# Relative gaps that count as reaching the optimum: 1e-4 is another rounding
# of the same mixture or a negligibly different one; past 1e-3 (about 1 nat
# on 1,000 points) it is another local optimum.
TIGHT, LOOSE = 1e-4, 1e-3
# A best-known optimum reached by fewer than this share of all runs is rare.
RARE = 0.2
BGMM_MAX_COMPONENTS = 50
# Components of a variational fit below this weight hold no data: the prior
# leaves about 1 / (K N) on each, which would only add parameters.
BGMM_MIN_WEIGHT = 1e-3
REFINE_WINDOW, REFINE_N_INIT = 2, 10
ESMEM_SYSTEMS = ("esmem", "esmem-paper", "esmem-4x")
QUICK_SETS = ("Letter B", "iris-std", "q-blobs3")
# The package's sources as imported: runs of other code can share the cache,
# and the report says when they do.
_SOURCES = sorted(Path(sklearn_esmem.__file__).parent.rglob("*.py"))
CODE_VERSION = hashlib.sha1(b"".join(map(Path.read_bytes, _SOURCES))).hexdigest()[:10]


def _paper(name):
    return load_paper_dataset(name, random_state=0)[0]


def _quantised(X):
    # Values on a 0.5 lattice: EM can shrink a component onto repeated points.
    return np.round(X * 2) / 2


def _pca(X, n_components, standardise=False):
    if standardise:
        X = StandardScaler().fit_transform(X)
    return PCA(n_components, random_state=0).fit_transform(X)


_PAPER_SETS = (
    *("c0.5-k4M4 c1.0-k4M4 c1.0-k12M8 c2.0-k4M8 c0.5-k12M4".split()),
    *("0.1-k4M4 0.01-k12M4 0.001-k12M8 9Gauss 49Gauss 3-components".split()),
)
# Short name -> function returning X. Seeds of the data are fixed at 0.
SETS = {
    **{name: (lambda name=name: _paper(name)) for name in _PAPER_SETS},
    # Overlapping grids whose MDL optimum is far below the generating 49 and
    # 25: scikit-learn's loop picks about 20 to 25, and 16.
    "grid7-s0.22": lambda: make_grid_mixture(7, std=0.22, random_state=0)[0],
    "grid5-s0.25": lambda: make_grid_mixture(5, std=0.25, random_state=0)[0],
    **{
        shape: (lambda shape=shape: make_shape(shape, random_state=0)[0])
        for shape in ("Letter B", "In X", "Two bars")
    },
    "q-c1.0-k4M4": lambda: _quantised(_paper("c1.0-k4M4")),
    "q-blobs3": lambda: _quantised(
        skdata.make_blobs(300, 2, centers=3, random_state=0)[0]
    ),
    "iris": lambda: skdata.load_iris().data,
    "iris-std": lambda: StandardScaler().fit_transform(skdata.load_iris().data),
    "wine": lambda: skdata.load_wine().data,
    "wine-std": lambda: StandardScaler().fit_transform(skdata.load_wine().data),
    "digits-pca10": lambda: _pca(skdata.load_digits().data, 10),
    "cancer-pca5": lambda: _pca(skdata.load_breast_cancer().data, 5, standardise=True),
}


@lru_cache(maxsize=4)
def load_set(name):
    """The data of set ``name`` as a float array (cached per process)."""
    return np.ascontiguousarray(SETS[name](), dtype=float)


def _k_max(n_samples):
    """ESM-EM's default ``max_components``: ceil(sqrt(N))."""
    return math.ceil(math.sqrt(n_samples))


class SklearnLoop:
    """``GaussianMixture(k, n_init)`` for k = 1..ceil(sqrt(N)); lowest MDL wins.

    Fitted attributes mirror the package estimators' (``weights_``, ``means_``,
    ``covariances_``, ``n_components_``), plus ``per_k_``: (k, MDL, parameters)
    of every k whose fit succeeded.
    """

    def __init__(self, n_init, random_state, k_range=None):
        self.n_init, self.random_state, self.k_range = n_init, random_state, k_range
        self.reg_covar = GaussianMixture().reg_covar

    def fit(self, X):
        best, self.per_k_ = None, []
        for k in self.k_range or range(1, _k_max(len(X)) + 1):
            gm = GaussianMixture(k, n_init=self.n_init, random_state=self.random_state)
            try:
                gm.fit(X)
            except ValueError:  # ill-defined covariances on repeated points
                continue
            self.per_k_.append((k, mixture_mdl(X, *_parameters(gm)), _parameters(gm)))
            if best is None or self.per_k_[-1][1] < best[1]:
                best = self.per_k_[-1]
        self.weights_, self.means_, self.covariances_ = best[2]
        self.n_components_ = best[0]
        return self


class EffectiveBGMM:
    """``BayesianGaussianMixture`` reduced to its components that hold data.

    Components of weight at most ``BGMM_MIN_WEIGHT`` are dropped and the rest
    renormalised; the model is scored as that Gaussian mixture, without
    further EM, so its MDL is what the variational fit itself found.
    """

    def __init__(self, random_state):
        self.random_state = random_state

    def fit(self, X):
        bgmm = BayesianGaussianMixture(
            n_components=min(_k_max(len(X)), BGMM_MAX_COMPONENTS),
            max_iter=1000,
            random_state=self.random_state,
        ).fit(X)
        self.reg_covar = bgmm.reg_covar
        keep = bgmm.weights_ > BGMM_MIN_WEIGHT
        self.weights_ = bgmm.weights_[keep] / bgmm.weights_[keep].sum()
        self.means_, self.covariances_ = bgmm.means_[keep], bgmm.covariances_[keep]
        self.n_components_ = int(keep.sum())
        return self


def _esmem_4x(seed):
    """ESM-EM with four times its default generations and stall limit."""
    params = inspect.signature(EvolutionarySplitMergeMixture.__init__).parameters
    return EvolutionarySplitMergeMixture(
        max_generations=4 * params["max_generations"].default,
        n_stall_generations=4 * params["n_stall_generations"].default,
        random_state=seed,
    )


# System name -> factory of an unfitted estimator from the seed.
SYSTEMS = {
    "esmem": lambda seed: EvolutionarySplitMergeMixture(random_state=seed),
    "esmem-paper": lambda seed: EvolutionarySplitMergeMixture(
        mutation="paper", random_state=seed
    ),
    "esmem-4x": _esmem_4x,
    "omr": lambda seed: baselines.OrderedMultipleRunsMixture(random_state=seed),
    "ga": lambda seed: baselines.GeneticEMMixture(random_state=seed),
    "loop1": lambda seed: SklearnLoop(1, seed),
    "loop5": lambda seed: SklearnLoop(5, seed),
    "bgmm": lambda seed: EffectiveBGMM(seed),
}


def _ablated(mechanism):
    """ESM-EM's defaults without one of the search's mechanisms (the ablation)."""

    def factory(seed):
        est = EvolutionarySplitMergeMixture(random_state=seed)
        settings = est._search_settings
        est._search_settings = lambda *args: settings(*args)._replace(
            mechanisms=_evolution.MECHANISMS - {mechanism}
        )
        return est

    return factory


# Systems run only when named: one per mechanism of the search, without it.
ABLATION = {f"esmem-no-{m}": _ablated(m) for m in sorted(_evolution.MECHANISMS)}


def _parameters(model):
    return model.weights_, model.means_, model.covariances_


def mixture_mdl(X, weights, means, covariances):
    """MDL of a full-covariance mixture on X, from its parameters alone."""
    n_samples, n_features = X.shape
    log_prob = np.empty((n_samples, len(weights)))
    for j, (mean, cov) in enumerate(zip(means, covariances, strict=True)):
        chol = np.linalg.cholesky(cov)
        z = solve_triangular(chol, (X - mean).T, lower=True)
        log_prob[:, j] = (
            -0.5 * (z**2).sum(axis=0)
            - np.log(np.diag(chol)).sum()
            - 0.5 * n_features * np.log(2 * np.pi)
        )
    log_lik = logsumexp(log_prob + np.log(weights), axis=1).sum()
    p = n_parameters(len(weights), n_features, "full")
    return float(mdl(log_lik, p, n_samples))


def _is_degenerate(X, covariances, reg_covar):
    flags = collapsed_components(covariances, "full", data_covariance(X), reg_covar)
    return bool(flags.any())


def _describe(X, est):
    """The record fields that come from a fitted estimator."""
    params = _parameters(est)
    record = {
        "mdl": mixture_mdl(X, *params),
        "k": int(len(params[0])),
        "degenerate": _is_degenerate(X, params[2], est.reg_covar),
    }
    if hasattr(est, "history_"):
        keys = ("elapsed", "best_criterion", "best_n_components")
        record["history"] = [{key: r[key] for key in keys} for r in est.history_]
    if hasattr(est, "per_k_"):
        # Every k's model is a candidate for the best-known optimum.
        record["per_k"] = [
            [k, value, _is_degenerate(X, p[2], est.reg_covar)]
            for k, value, p in est.per_k_
        ]
    return record


@cache
def _warm_up(n_features):
    """Fit a small ESM-EM once per process and dimension, untimed.

    A process's first fit in a dimension makes the compiled kernels (numba
    compiles them, or loads them from its cache): seconds that no search
    should be charged for.
    """
    X = np.random.default_rng(0).normal(size=(200, n_features))
    EvolutionarySplitMergeMixture(
        population_size=2, max_generations=2, max_components=4, random_state=0
    ).fit(X)


def run_one(set_name, system, seed, n_jobs=1):
    """Fit one (set, system, seed) job; return its record for the cache."""
    X = load_set(set_name)
    if system == "refine":  # seed is k: n_init=10 at one k
        est = SklearnLoop(REFINE_N_INIT, 0, k_range=[seed])
    else:
        est = {**SYSTEMS, **ABLATION}[system](seed)
    record = {"set": set_name, "system": system, "seed": seed, "n_jobs": n_jobs}
    record["code"] = CODE_VERSION
    # Without numba (an optional extra) the EM steps run numpy's kernels.
    record["kernels"] = "numba" if _compiled._numba() is not None else "numpy"
    with threadpool_limits(1), warnings.catch_warnings(record=True) as caught:
        # Every warning is recorded (and so kept off stdout) and counted.
        warnings.simplefilter("always")
        _warm_up(X.shape[1])
        caught.clear()
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            est.fit(X)
        except Exception as exc:  # a failure is a result too
            record["error"] = f"{type(exc).__name__}: {exc}"
        record["wall"] = time.perf_counter() - wall
        record["cpu"] = time.process_time() - cpu
        if "error" not in record:
            record.update(_describe(X, est))
    record["warnings"] = dict(Counter(type(w.message).__name__ for w in caught))
    return record


def read_cache(path):
    """{(set, system, seed): record}, the last record of each key winning."""
    runs = {}
    if Path(path).exists():
        for line in Path(path).read_text().splitlines():
            if line.strip():
                record = json.loads(line)
                runs[record["set"], record["system"], record["seed"]] = record
    return runs


def run_jobs(jobs, cache, runs, n_jobs):
    """Fit the missing jobs, appending each record to the cache as it comes."""
    jobs = [job for job in jobs if job not in runs]
    if not jobs:
        return
    Path(cache).parent.mkdir(parents=True, exist_ok=True)
    if n_jobs == 1:
        results = (run_one(*job) for job in jobs)
    else:
        from joblib import Parallel, delayed

        # Run as a script, this is __main__, whose functions reach loky's
        # workers by value, without the cached loaders they call: the module
        # imported by its name reaches them whole (benchmarks/ is on the path).
        worker = importlib.import_module(Path(__file__).stem).run_one
        parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
        results = parallel(delayed(worker)(*job, n_jobs=n_jobs) for job in jobs)
    with open(cache, "a") as stream:
        for i, record in enumerate(results, 1):
            stream.write(json.dumps(record) + "\n")
            stream.flush()
            runs[record["set"], record["system"], record["seed"]] = record
            print(f"  [{i}/{len(jobs)}] {_progress(record)}", flush=True)


def _progress(record):
    head = f"{record['set']} {record['system']} seed {record['seed']}"
    if "error" in record:
        return f"{head}: {record['error']}"
    flag = " degenerate" if record["degenerate"] else ""
    return (
        f"{head}: MDL {record['mdl']:.4f} k={record['k']}{flag}, {record['cpu']:.1f} s"
    )


def candidates(runs, set_name):
    """(MDL, k, system) of every non-degenerate model fitted for a set."""
    found = []
    for (name, system, _), record in runs.items():
        if name != set_name or "error" in record:
            continue
        if not record["degenerate"]:
            found.append((record["mdl"], record["k"], system))
        for k, value, degenerate in record.get("per_k", ()):
            if not degenerate:
                found.append((value, k, system))
    return found


def refine(set_names, cache, runs, n_jobs):
    """Fit ``GaussianMixture(k, n_init=10)`` around each set's best k so far."""
    for _ in range(5):  # the window moves at most a few times
        jobs = []
        for name in set_names:
            found = candidates(runs, name)
            if found:
                best_k = min(found)[1]
                ks = range(max(1, best_k - REFINE_WINDOW), best_k + REFINE_WINDOW + 1)
                jobs += [(name, "refine", k) for k in ks]
        if all(job in runs for job in jobs):
            return
        print("refinement:", flush=True)
        run_jobs(jobs, cache, runs, n_jobs)


def best_known(runs, set_name):
    """(MDL, k) of the best non-degenerate model of a set; (None, None) if none."""
    return min(candidates(runs, set_name), default=(None, None, None))[:2]


def gap(record, best):
    """Relative gap of a run to the best-known MDL; inf if failed or degenerate."""
    if "error" in record or record["degenerate"]:
        return math.inf
    return (record["mdl"] - best) / abs(best)


def _fmt(function, values, spec=".2e"):
    """``function(values)`` formatted, or a dash if there are no values."""
    return format(function(values), spec) if len(values) else "—"


def set_rows(runs, name, systems, seeds, best):
    """One markdown row per system for a set; also returns the gaps."""
    rows, gaps = [], {}
    for system in systems:
        records = [runs[key] for s in seeds if (key := (name, system, s)) in runs]
        if not records:
            continue
        rel = np.array([gap(r, best) for r in records])
        gaps[system] = rel
        honest = rel[np.isfinite(rel)]
        nats = honest * abs(best)
        ks = [r["k"] for r in records if "error" not in r]
        rows.append(
            f"| {system} | {len(records)} | {_fmt(np.max, nats, '.3f')} / "
            f"{_fmt(np.max, honest)} | {_fmt(np.median, nats, '.3f')} / "
            f"{_fmt(np.median, honest)} | "
            f"{np.mean(rel <= TIGHT):.2f} | {np.mean(rel <= LOOSE):.2f} | "
            f"{sum(r.get('degenerate', False) for r in records)} | "
            f"{sum('error' in r for r in records)} | {_fmt(np.median, ks, 'g')} | "
            f"{np.median([r['cpu'] for r in records]):.2f} |"
        )
    return rows, gaps


SET_HEADER = (
    "| system | runs | worst gap nats / rel | median gap nats / rel | "
    f"within {TIGHT:g} | within {LOOSE:g} | degenerate | failed | median k | "
    "median CPU s |\n|---|---|---|---|---|---|---|---|---|---|"
)


def rare_line(runs, name, best):
    """Who found a set's best-known optimum, if fewer than RARE of runs did."""
    records = [r for (s, system, _), r in runs.items() if s == name]
    hits = [r["system"] for r in records if gap(r, best) <= TIGHT]
    scored = [r for r in records if r["system"] != "refine"]
    share = sum(h != "refine" for h in hits) / max(len(scored), 1)
    if share >= RARE:
        return None
    found = ", ".join(f"{s} x{n}" for s, n in sorted(Counter(hits).items()))
    return f"| {name} | {share:.2f} | {found or 'only a loop at another k'} |"


def overall_rows(per_set, runs, systems, seeds):
    """The overall table: one row per system across all sets."""
    rows = []
    for system in systems:
        rel = [g for gaps in per_set.values() for g in gaps.get(system, [])]
        if not rel:
            continue
        rel = np.array(rel)
        honest = rel[np.isfinite(rel)]
        bad = [n for n, gaps in per_set.items() if np.max(gaps.get(system, 0)) > LOOSE]
        records = [
            runs[k] for n in per_set for s in seeds if (k := (n, system, s)) in runs
        ]
        ratios = [_cpu_ratio(runs, n, system, seeds) for n in per_set]
        ratios = [ratio for ratio in ratios if ratio is not None]
        rows.append(
            f"| {system} | {len(rel)} | {np.mean(rel <= TIGHT):.3f} | "
            f"{_fmt(np.max, honest)} | "
            f"{len(bad)}: {', '.join(bad) or '—'} | "
            f"{sum(r.get('degenerate', False) for r in records)} | "
            f"{sum('error' in r for r in records)} | "
            f"{_fmt(np.median, ratios, '.2f')} | "
            f"{sum(r['cpu'] for r in records) / 60:.1f} |"
        )
    return rows


def _cpu_ratio(runs, name, system, seeds):
    """Median CPU time of a system on a set over loop1's; None if either is missing."""
    cpu = {
        s: [runs[k]["cpu"] for seed in seeds if (k := (name, s, seed)) in runs]
        for s in (system, "loop1")
    }
    if not all(cpu.values()):
        return None
    return np.median(cpu[system]) / np.median(cpu["loop1"])


OVERALL_HEADER = (
    f"| system | runs | within {TIGHT:g} | worst rel gap | sets whose worst seed > "
    f"{LOOSE:g} | degenerate winners | failed | median CPU / loop1 | CPU min |\n"
    "|---|---|---|---|---|---|---|---|---|"
)


def report(runs, set_names, systems, seeds):
    """The markdown report of the cached runs of the given sets and systems."""
    lines = ["# Search quality: gap to the best-known MDL", ""]
    lines += [f"Seeds {', '.join(map(str, seeds))}; every table's gaps per seed.", ""]
    # Wall time well above CPU time means other processes took the CPU.
    chosen = [r for r in runs.values() if r["set"] in set_names and r["wall"] > 0]
    if any(r.get("n_jobs", 1) > 1 for r in chosen):
        lines += ["Some runs ran two or more at a time: their times are inflated.", ""]
    versions = Counter(r.get("code") for r in chosen)
    if len(versions) > 1:
        lines += [f"Runs of {len(versions)} versions of the package: {versions}.", ""]
    if chosen:
        share = np.median([r["cpu"] / r["wall"] for r in chosen])
        lines += [f"Median CPU / wall time of the runs: {share:.2f}.", ""]
    per_set, rare = {}, []
    for name in set_names:
        best, best_k = best_known(runs, name)
        if best is None:
            continue
        rows, per_set[name] = set_rows(runs, name, systems, seeds, best)
        n, m = load_set(name).shape
        title = f"## {name} (N={n}, M={m}): best-known MDL {best:.4f} at k={best_k}"
        lines += [title, "", SET_HEADER, *rows, ""]
        rare.append(rare_line(runs, name, best))
    lines += ["## All sets", "", OVERALL_HEADER]
    lines += overall_rows(per_set, runs, systems, seeds)
    rare = [line for line in rare if line]
    lines += ["", f"## Rare optima (found within {TIGHT:g} by < {RARE:.0%} of runs)"]
    lines += ["", "| set | share of runs | found by |", "|---|---|---|"]
    lines += rare or ["| none | | |"]
    return "\n".join(lines) + "\n", per_set


def anytime(runs, name, system, seeds, best, grid):
    """Relative gap of each seed's best-so-far at each time of ``grid``."""
    curves = []
    for seed in seeds:
        record = runs.get((name, system, seed))
        if record is None or "error" in record:
            continue
        # history_ times are wall seconds; scaled to the run's CPU time, as
        # if other processes had slowed it evenly.
        scale = record["cpu"] / record["wall"]
        times = [h["elapsed"] * scale for h in record["history"]] + [record["cpu"]]
        values = [h["best_criterion"] for h in record["history"]] + [record["mdl"]]
        index = np.searchsorted(times, grid, side="right") - 1
        curve = (np.asarray(values)[index] - best) / abs(best)
        curves.append(np.where(index >= 0, curve, np.inf))
    return np.array(curves)


def _hard_sets(runs, per_set, n=4):
    """The sets with the largest worst gap of an ESM-EM system.

    history_'s best criterion counts degenerate individuals too: sets where it
    went below the best-known MDL by more than 1e-6 relative are left out
    (smaller differences are rounding and the final EM's last steps).
    """

    def worst(name):
        gaps = np.concatenate([per_set[name].get(s, []) for s in ESMEM_SYSTEMS])
        return np.max(gaps[np.isfinite(gaps)], initial=0.0)

    def dips(name):
        best, _ = best_known(runs, name)
        return any(
            h["best_criterion"] < best - 1e-6 * abs(best)
            for (s, system, _), r in runs.items()
            if s == name and system in ESMEM_SYSTEMS
            for h in r.get("history", ())
        )

    return sorted((s for s in per_set if not dips(s)), key=worst, reverse=True)[:n]


def plot_anytime(runs, per_set, seeds, path):
    """Median and worst seed of ESM-EM's gap against time / loop1's, per set."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    hard = _hard_sets(runs, per_set)
    if not hard:
        print("anytime curves: no set to draw")
        return
    fig, axes = plt.subplots(1, len(hard), figsize=(4 * len(hard), 3.4), squeeze=False)
    for ax, name in zip(axes[0], hard, strict=False):
        best, _ = best_known(runs, name)
        loop1 = [runs[k]["cpu"] for s in seeds if (k := (name, "loop1", s)) in runs]
        scale = np.median(loop1) if loop1 else 1.0
        grid = np.geomspace(1e-3, 10, 200) * scale
        for system, colour in zip(ESMEM_SYSTEMS, "C0 C1 C2".split(), strict=True):
            curves = anytime(runs, name, system, seeds, best, grid)
            if curves.size == 0:
                continue
            # Gaps at or below 1e-8 are drawn at 1e-8 to fit a log scale.
            curves = np.clip(curves, 1e-8, None)
            ax.plot(grid / scale, np.median(curves, 0), colour, label=system)
            ax.plot(grid / scale, np.max(curves, 0), colour, ls="--", lw=0.8)
        ax.set(xscale="log", yscale="log", title=name, xlabel="CPU time / loop1's")
    axes[0, 0].set_ylabel("relative gap (median; dashed: worst)")
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    print(f"anytime curves: {path}")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", choices=list(SETS), default=list(SETS))
    # Any system of the cache can be summarised, mechanisms since removed
    # included; only those of SYSTEMS and ABLATION can be fitted.
    parser.add_argument("--systems", nargs="+", default=list(SYSTEMS))
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(10)))
    parser.add_argument("--quick", action="store_true", help="3 small sets, 3 seeds")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--summary-only", action="store_true")
    parser.add_argument("--report", type=Path, help="default: results/ with the date")
    parser.add_argument("--plot", nargs="?", const=DEFAULT_PLOT, type=Path)
    args = parser.parse_args(argv)
    unknown = set(args.systems) - {*SYSTEMS, *ABLATION}
    if unknown and not args.summary_only:
        parser.error(f"cannot fit systems {sorted(unknown)}: not in {list(SYSTEMS)}")
    if args.quick:
        args.sets, args.seeds = list(QUICK_SETS), [0, 1, 2]
    if args.report is None:
        today = datetime.date.today().isoformat()
        args.report = HERE / "results" / f"search_quality_{today}.md"
    return args


def main(argv=None):
    args = parse_args(argv)
    runs = read_cache(args.cache)
    if not args.summary_only:
        jobs = [(n, s, i) for n in args.sets for s in args.systems for i in args.seeds]
        print(f"{sum(j not in runs for j in jobs)} of {len(jobs)} runs to fit:")
        run_jobs(jobs, args.cache, runs, args.n_jobs)
        refine(args.sets, args.cache, runs, args.n_jobs)
    text, per_set = report(runs, args.sets, args.systems, args.seeds)
    print(text)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(text)
    if args.plot:
        plot_anytime(runs, per_set, args.seeds, args.plot)


if __name__ == "__main__":
    main()
