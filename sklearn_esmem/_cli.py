"""Command-line interface: ``python -m sklearn_esmem demo | fit FILE | bench``.

The estimator and scikit-learn's mixtures are imported inside the commands, so
that ``--help`` answers at once.
"""

import argparse
import math
import sys
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

# InputError and run_fit, the fit command's names, importable from here too.
from ._cli_fit import (  # noqa: F401
    InputError,
    _add_fit_parser,
    _fit_from_args,
    run_fit,
)

__all__ = ["main", "run_demo", "run_fit"]

DEFAULT_DEMO_OUTPUT = "esmem_demo.png"


def _sklearn_bic_loop(X, random_state):
    """What a user does today: fit k = 1..ceil(sqrt(N)), keep the lowest BIC."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture

    best, best_bic = None, np.inf
    with warnings.catch_warnings():
        # Large k on 900 points may not converge in max_iter; the loop still
        # picks by BIC, as a user's loop would.
        warnings.simplefilter("ignore", ConvergenceWarning)
        for k in range(1, math.ceil(math.sqrt(X.shape[0])) + 1):
            gm = GaussianMixture(k, n_init=1, random_state=random_state).fit(X)
            bic = gm.bic(X)
            if bic < best_bic:
                best, best_bic = gm, bic
    return best


# The confidence of a 2-sigma ellipse of a bivariate Gaussian: chi2_2(4).
_TWO_SIGMA_CONFIDENCE = 1.0 - math.exp(-2.0)


def _draw_panel(ax, X, est, title):
    from .plotting import plot_mixture

    plot_mixture(est, X, ax=ax, confidence=_TWO_SIGMA_CONFIDENCE)
    ax.set_title(title)
    ax.set_aspect("equal", adjustable="datalim")


def _save_picture(X, panels, output):
    # Figure without pyplot: no GUI backend is touched, and the global
    # matplotlib state of the caller is left alone.
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.0 * len(panels), 4.5), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (est, title) in zip(axes, panels, strict=True):
        _draw_panel(ax, X, est, title)
    fig.suptitle("3-components data: predicted labels and 2-sigma ellipses")
    fig.savefig(output, dpi=100)


def run_demo(output=DEFAULT_DEMO_OUTPUT, random_state=0, n_jobs=None, stream=None):
    """Fit ESM-EM and scikit-learn's BIC loop on the 3-components data.

    Prints a table (method, chosen k, BIC, MDL, seconds) and, when matplotlib
    is installed, saves a scatter of the predicted labels with the 2-sigma
    ellipse of every component.

    Parameters
    ----------
    output : str or path-like or None, default="esmem_demo.png"
        Where to write the picture; None skips it.
    random_state : int, default=0
        Seed of the data and of both fits.
    n_jobs : int or None, default=None
        Passed to :class:`~sklearn_esmem.EvolutionarySplitMergeMixture`.
    stream : file-like or None, default=None
        Where to print; None means ``sys.stdout`` at call time.

    Returns
    -------
    results : dict
        ``{"esmem": est, "sklearn": gm}``, the two fitted models.
    """
    from sklearn_esmem import EvolutionarySplitMergeMixture
    from sklearn_esmem.datasets import make_three_components

    stream = sys.stdout if stream is None else stream

    def say(*args):
        print(*args, file=stream, flush=True)

    X, _ = make_three_components(random_state=random_state)
    n_samples = X.shape[0]
    k_max = math.ceil(math.sqrt(n_samples))
    say(
        f"3-components data (Ueda & Nakano 1998): N = {n_samples}, M = 2, "
        f"true k = 3, random_state = {random_state}"
    )

    # On 900 x 2 data extra threads only add overhead, and with another core
    # busy the OpenMP threads of scikit-learn's k-means made the BIC loop 20 to
    # 40 times slower: time both methods on one thread (BLAS and OpenMP).
    with threadpool_limits(limits=1):
        say("Fitting ESM-EM (EvolutionarySplitMergeMixture, default variant) ...")
        start = time.perf_counter()
        est = EvolutionarySplitMergeMixture(random_state=random_state, n_jobs=n_jobs)
        est.fit(X)
        esmem_seconds = time.perf_counter() - start

        say(f"Fitting scikit-learn GaussianMixture for k = 1..{k_max}, lowest BIC ...")
        start = time.perf_counter()
        gm = _sklearn_bic_loop(X, random_state)
        sklearn_seconds = time.perf_counter() - start

    # Both MDLs are -ln L + (p / 2) ln N with scikit-learn's parameter count,
    # so for the BIC loop MDL = BIC / 2; ours reports the value it minimised.
    gm_bic = gm.bic(X)
    rows = [
        ("ESM-EM", est.n_components_, est.bic(X), est.criterion_, esmem_seconds),
        ("sklearn BIC loop", gm.n_components, gm_bic, gm_bic / 2, sklearn_seconds),
    ]
    header = f"{'method':<18} {'k':>3} {'BIC':>12} {'MDL':>12} {'seconds':>9}"
    say()
    say(header)
    say("-" * len(header))
    for method, k, bic, mdl, seconds in rows:
        say(f"{method:<18} {k:>3d} {bic:>12.2f} {mdl:>12.2f} {seconds:>9.2f}")
    say()

    if output is not None:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            say(
                "matplotlib is not installed, so no picture was drawn: "
                "`pip install matplotlib` to get one."
            )
        else:
            panels = [
                (est, f"ESM-EM: k = {est.n_components_}"),
                (gm, f"scikit-learn BIC loop: k = {gm.n_components}"),
            ]
            _save_picture(X, panels, output)
            say(f"Picture written to {output}")
    return {"esmem": est, "sklearn": gm}


def _build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_esmem",
        description="Gaussian mixtures by evolutionary split-and-merge EM.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    demo = commands.add_parser(
        "demo",
        help="compare ESM-EM with scikit-learn's BIC loop on the 3-components data",
        description=(
            "Fit ESM-EM and scikit-learn's GaussianMixture BIC loop "
            "(k = 1..ceil(sqrt(N))) on the 3-components data, print the chosen k, "
            "BIC, MDL and time of each, and draw the fits (needs matplotlib)."
        ),
    )
    demo.add_argument(
        "--output",
        default=DEFAULT_DEMO_OUTPUT,
        metavar="PATH",
        help=f"where to write the picture (default: {DEFAULT_DEMO_OUTPUT})",
    )
    demo.add_argument(
        "--random-state",
        type=int,
        default=0,
        metavar="N",
        help="seed of the data and the fits (default: 0)",
    )
    demo.add_argument(
        "--n-jobs",
        type=int,
        default=None,
        metavar="N",
        help="parallel jobs for ESM-EM's refinement (default: None, one)",
    )
    _add_fit_parser(commands)
    bench = commands.add_parser(
        "bench",
        help="reproduce the paper's Tables 4 and 5",
        description=(
            "Run the variant study (Table 4) and the time-budget study against "
            "OMR-EM and GA-EM (Table 5); write the records (records.jsonl, "
            "run.json), results.md, tables.rst and plots to --output."
        ),
    )
    bench.add_argument(
        "--output",
        default="esmem_bench",
        metavar="DIR",
        help="folder for the records, tables and plots (default: esmem_bench)",
    )
    bench.add_argument(
        "--tables-only",
        metavar="DIR",
        help=(
            "fit nothing: rebuild results.md and tables.rst from the records "
            "that an earlier bench run saved in DIR"
        ),
    )
    bench.add_argument(
        "--quick",
        action="store_true",
        help="8 data sets, 3 runs, 2 trials of 5 passes: minutes, not hours",
    )
    bench.add_argument(
        "--datasets",
        nargs="+",
        metavar="NAME",
        help="data sets by the paper's names (default: all 35, or the quick five)",
    )
    bench.add_argument(
        "--n-runs", type=int, metavar="N", help="runs per data set (default 10)"
    )
    bench.add_argument(
        "--study",
        choices=("variants", "budget", "all"),
        default="all",
        help="which study to run (default: all)",
    )
    bench.add_argument(
        "--n-jobs", type=int, default=None, metavar="N", help="fits run in parallel"
    )
    bench.add_argument(
        "--mutation",
        choices=("paper", "focused"),
        default="paper",
        help="ESM-EM's mutation policy (default: paper, the authors' rule)",
    )
    return parser


def main(argv=None):
    """Run the command line; return the exit status."""
    args = _build_parser().parse_args(argv)
    if args.command == "demo":
        run_demo(output=args.output, random_state=args.random_state, n_jobs=args.n_jobs)
    elif args.command == "fit":
        return _fit_from_args(args)
    elif args.command == "bench":
        from .benchmark import run_benchmark, write_reports

        if args.tables_only is not None:
            try:
                write_reports(args.tables_only, plots=False, stream=sys.stdout)
            except FileNotFoundError as exc:
                print(
                    f"python -m sklearn_esmem bench: error: no saved run in "
                    f"{args.tables_only} ({exc.filename} is missing)",
                    file=sys.stderr,
                )
                return 2
            return 0
        studies = ("variants", "budget") if args.study == "all" else (args.study,)
        run_benchmark(
            output_dir=args.output,
            quick=args.quick,
            datasets=args.datasets,
            n_runs=args.n_runs,
            n_jobs=args.n_jobs,
            studies=studies,
            mutation=args.mutation,
        )
    return 0
