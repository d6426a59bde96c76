"""Default ESM-EM fits of this tree against those of an earlier revision, paired.

The earlier revision is exported from git (``git archive``) to a temporary
folder. Each fit runs in a fresh process that imports the package from one
tree or the other, the two trees in turn within each repeat, so that both
see the same state of the machine; each process first fits once to load the
compiled kernels, then times the fit (CPU seconds of the process, BLAS on one
thread). Each pair's ratio (this tree over the revision) and their median
are printed, and the models are checked to be the same (k and MDL).

Run: ``python benchmarks/bench_against_revision.py --revision REV
[--repeats 5] [--datasets 49Gauss c1.0-k12M8]``
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_FIT = """
import json, sys, time, warnings
from threadpoolctl import threadpool_limits
from sklearn_esmem import EvolutionarySplitMergeMixture
from sklearn_esmem.datasets import load_paper_dataset
X = load_paper_dataset(sys.argv[1], 0)[0]
warnings.simplefilter("ignore")
with threadpool_limits(1):
    EvolutionarySplitMergeMixture(random_state=1, max_generations=2).fit(X)
    tick = time.process_time()
    est = EvolutionarySplitMergeMixture(random_state=0).fit(X)
    seconds = time.process_time() - tick
print(json.dumps({"seconds": seconds, "k": int(est.n_components_),
                  "mdl": float(est.mdl(X)),
                  "package": sys.modules["sklearn_esmem"].__file__}))
"""


def _fit(tree, dataset):
    environment = dict(os.environ, PYTHONPATH=str(tree))
    result = subprocess.run(
        [sys.executable, "-c", _FIT, dataset],
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),
        env=environment,
    )
    record = json.loads(result.stdout.strip().splitlines()[-1])
    assert record["package"].startswith(str(tree)), record["package"]
    return record


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--revision", required=True)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--datasets", nargs="+", default=["49Gauss", "c1.0-k12M8"])
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as before:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.revision, "sklearn_esmem"],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", before], input=archive, check=True)
        trees = {"before": Path(before), "now": ROOT}
        print(f"Default fits, CPU s: this tree against {args.revision}")
        print("| data set | before (median) | now (median) | now / before, per pair |")
        print("|---|---|---|---|")
        for dataset in args.datasets:
            seconds = {"before": [], "now": []}
            models = set()
            for _ in range(args.repeats):
                for label, tree in trees.items():
                    record = _fit(tree, dataset)
                    seconds[label].append(record["seconds"])
                    models.add((record["k"], round(record["mdl"], 6)))
            ratios = [
                now / before
                for now, before in zip(seconds["now"], seconds["before"], strict=True)
            ]
            print(
                f"| {dataset} | {statistics.median(seconds['before']):.2f} | "
                f"{statistics.median(seconds['now']):.2f} | "
                f"{statistics.median(ratios):.3f} "
                f"({', '.join(f'{r:.2f}' for r in ratios)}) |",
                flush=True,
            )
            if len(models) > 1:
                print(f"  models differ: {sorted(models)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
