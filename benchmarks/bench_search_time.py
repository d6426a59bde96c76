"""Wall time of a default ESM-EM fit beside scikit-learn's BIC loop, in one run.

The loop is what users do today: ``GaussianMixture(k, n_init=...)`` for
k = 1..ceil(sqrt(N)), keeping the lowest BIC. Both run on one core (BLAS and
OpenMP limited to one thread), on the same data, in the same process.

Run: ``python benchmarks/bench_search_time.py [--n-init 1] [--seeds 0 1 2]``
"""

import argparse
import math
import time

import numpy as np
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from sklearn_esmem import EvolutionarySplitMergeMixture
from sklearn_esmem.datasets import make_grid_mixture

DATASETS = {
    "3x3 grid (N=900)": dict(grid_size=3, std=0.22),
    "7x7 grid (N=4900)": dict(grid_size=7, std=0.15),
}


def bic_loop(X, n_init, seed):
    best, best_k = np.inf, None
    for k in range(1, math.ceil(math.sqrt(len(X))) + 1):
        gm = GaussianMixture(k, n_init=n_init, random_state=seed).fit(X)
        bic = gm.bic(X)
        if bic < best:
            best, best_k = bic, k
    return best, best_k


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-init", type=int, default=1)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args(argv)
    print(
        f"| data | seed | ESM-EM k | ESM-EM BIC | ESM-EM s | loop k "
        f"(n_init={args.n_init}) | loop BIC | loop s | time ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    with threadpool_limits(limits=1):
        for name, params in DATASETS.items():
            for seed in args.seeds:
                X, _ = make_grid_mixture(random_state=seed, **params)
                start = time.perf_counter()
                est = EvolutionarySplitMergeMixture(random_state=seed).fit(X)
                esm_time = time.perf_counter() - start
                start = time.perf_counter()
                loop_bic, loop_k = bic_loop(X, args.n_init, seed)
                loop_time = time.perf_counter() - start
                print(
                    f"| {name} | {seed} | {est.n_components_} | {est.bic(X):.1f} | "
                    f"{esm_time:.2f} | {loop_k} | {loop_bic:.1f} | {loop_time:.2f} | "
                    f"{esm_time / loop_time:.2f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
