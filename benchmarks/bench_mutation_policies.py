"""ESM-EM's two mutation policies side by side: criterion, k and time.

Default ESM-EM fits with ``mutation="focused"`` and ``mutation="paper"`` on the
eight quick data sets of the paper reproduction (3 runs each) and on a 5 x 5
grid of 1,500 points (seeds 0 to 3), where the best ``GaussianMixture`` over
k = 20..30 (``n_init=1``) is printed beside them. One core, same process.

Run: ``python benchmarks/bench_mutation_policies.py``
"""

import time
import warnings

from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from sklearn_esmem import EvolutionarySplitMergeMixture
from sklearn_esmem.benchmark import QUICK_DATASETS
from sklearn_esmem.datasets import load_paper_dataset, make_grid_mixture

POLICIES = ("focused", "paper")


def _data():
    for name in QUICK_DATASETS:
        for run in range(3):
            yield name, run, load_paper_dataset(name, random_state=run)[0]
    for seed in range(4):
        X, _ = make_grid_mixture(
            grid_size=5, std=0.15, n_per_component=60, random_state=seed
        )
        yield "5x5 grid (N=1500)", seed, X


def main():
    print(
        "| data | run | "
        + " | ".join(f"{p} BIC / k / s" for p in POLICIES)
        + " | best GaussianMixture BIC, k = 20..30 |"
    )
    print("|---|---|" + "---|" * (len(POLICIES) + 1))
    wins = dict.fromkeys(POLICIES, 0)
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, run, X in _data():
            cells, bics = [], {}
            for policy in POLICIES:
                start = time.perf_counter()
                est = EvolutionarySplitMergeMixture(
                    mutation=policy, random_state=run
                ).fit(X)
                elapsed = time.perf_counter() - start
                bics[policy] = est.bic(X)
                cells.append(
                    f"{bics[policy]:.1f} / {est.n_components_} / {elapsed:.2f}"
                )
            for policy in POLICIES:
                wins[policy] += bics[policy] <= min(bics.values()) + 1e-6
            loop = ""
            if name.startswith("5x5"):
                loop = min(
                    GaussianMixture(k, random_state=run).fit(X).bic(X)
                    for k in range(20, 31)
                )
                loop = f"{loop:.1f}"
            print(
                f"| {name} | {run} | " + " | ".join(cells) + f" | {loop} |", flush=True
            )
    print(
        "\nLowest BIC (ties count for both): "
        + ", ".join(f"{p} {n}" for p, n in wins.items())
    )


if __name__ == "__main__":
    main()
