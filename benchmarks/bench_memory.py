"""Peak memory of an EM iteration and of a short ESM-EM fit, against N.

Each measurement runs in a fresh subprocess (M = 8, K = 16 by default):

* ``iteration``: one EM iteration of ours (``_em.e_step`` then ``_em.m_step``);
* ``sklearn``: the same iteration by ``GaussianMixture._e_step``/``_m_step``;
* ``fit``: ``EvolutionarySplitMergeMixture(max_generations=2,
  population_size=2, max_components=16, min_components=16).fit(X)``.

Two numbers per run: the peak of memory allocated during the operation as
traced by ``tracemalloc`` (numpy reports its arrays to it; X itself, allocated
before, is not counted), and the process's peak resident set size
(``ru_maxrss``: interpreter, libraries and data included). For scale, X is
N M 8 bytes and an (N, K) float64 array N K 8 bytes; an N x K x M temporary
would be N K M 8 bytes (1 GB at N = 1e6).

Run: ``python benchmarks/bench_memory.py [--n 10000 100000 1000000]``.
"""

import argparse
import datetime
import json
import resource
import subprocess
import sys
import time
import tracemalloc
import warnings

import numpy as np

KINDS = ("iteration", "sklearn", "fit")


def _data(n, m, k, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, m))
    X += (4.0 * rng.standard_normal((k, m)))[rng.integers(k, size=n)]
    return X


def child(kind, n, m, k):
    from threadpoolctl import threadpool_limits

    from sklearn_esmem import EvolutionarySplitMergeMixture
    from sklearn_esmem._em import e_step, m_step, make_parameters

    X = _data(n, m, k)
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind in ("iteration", "sklearn"):
            from sklearn.mixture import GaussianMixture

            gm = GaussianMixture(
                k, max_iter=1, init_params="random_from_data", random_state=0
            ).fit(X[:5000])
            parameters, _ = make_parameters(
                gm.weights_, gm.means_, gm.covariances_, "full"
            )

            def operation():
                if kind == "iteration":
                    result = e_step(X, parameters)
                    m_step(X, result.resp, "full", 1e-6)
                else:
                    _, log_resp = gm._e_step(X)
                    gm._m_step(X, log_resp)

        else:

            def operation():
                EvolutionarySplitMergeMixture(
                    max_generations=2,
                    population_size=2,
                    max_components=16,
                    min_components=16,
                    random_state=0,
                ).fit(X)

        tracemalloc.start()
        start = time.perf_counter()
        operation()
        seconds = time.perf_counter() - start
        traced = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: kB
    print(json.dumps({"traced": traced, "maxrss": maxrss, "seconds": seconds}))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n", type=int, nargs="+", default=[10_000, 100_000, 1_000_000]
    )
    parser.add_argument("--m", type=int, default=8)
    parser.add_argument("--k", type=int, default=16)
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    parser.add_argument(
        "--child", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], int(args.child[1]), args.m, args.k)
        return
    mb = 2.0**20
    print(f"# Peak memory against N, {datetime.date.today().isoformat()}")
    print()
    print(f"M = {args.m}, K = {args.k}; MB = 2^20 bytes.")
    print()
    print(
        "| what | N | X MB | (N, K) array MB | N K M array MB | traced peak MB | "
        "max RSS MB | seconds |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for kind in args.kinds:
        for n in args.n:
            command = [sys.executable, __file__, "--child", kind, str(n)]
            command += ["--m", str(args.m), "--k", str(args.k)]
            output = subprocess.run(command, capture_output=True, text=True, check=True)
            result = json.loads(output.stdout.strip().splitlines()[-1])
            print(
                f"| {kind} | {n:.0e} | {n * args.m * 8 / mb:.0f} | "
                f"{n * args.k * 8 / mb:.0f} | {n * args.k * args.m * 8 / mb:.0f} | "
                f"{result['traced'] / mb:.0f} | {result['maxrss'] / mb:.0f} | "
                f"{result['seconds']:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
