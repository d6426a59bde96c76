"""How long a stalled ESM-EM search can still improve: the stall rule's study.

Reads the runs of ``esmem-4x`` (four times the generations and the stall
limit of the defaults) from the quality study's cache, and for every run
finds each improvement of the best criterion by more than the search's own
stall threshold (``1e-6`` per sample) and the number of generations without
one that preceded it. A stall limit of L stops every run at its first stall
of L generations, so its cost is the generations it would still have run and
its loss the gap between the best criterion at that point and the run's
final one. The table gives both for a range of L.

Run: ``python benchmarks/stall_study.py [--cache PATH] [--sets ...]``
"""

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
from bench_search_quality import load_set

HERE = Path(__file__).resolve().parent
DEFAULT_CACHE = HERE / "results" / "search_quality_runs.jsonl"
THRESHOLD_PER_SAMPLE = 1e-6
LIMITS = (5, 10, 15, 20, 30, 40)


def stop_under(best, limit, threshold):
    """The generation (0-based index) at which a stall limit of ``limit`` stops."""
    reference, stall = best[0], 0
    for index in range(1, len(best)):
        if reference - best[index] < threshold:
            stall += 1
            if stall >= limit:
                return index
        else:
            stall, reference = 0, best[index]
    return len(best) - 1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--sets", nargs="+")
    parser.add_argument("--system", default="esmem-4x")
    args = parser.parse_args(argv)
    runs = defaultdict(list)
    for line in args.cache.read_text().splitlines():
        record = json.loads(line)
        if record["system"] != args.system or not record.get("history"):
            continue
        if args.sets and record["set"] not in args.sets:
            continue
        runs[record["set"]].append(record)
    print(f"{sum(map(len, runs.values()))} runs of {args.system} on {len(runs)} sets")
    print(
        "| stall limit | runs that lose > 1e-4 | worst relative loss "
        "| generations run / all |\n|---|---|---|---|"
    )
    for limit in LIMITS:
        losses, used, total = [], 0, 0
        for name, records in runs.items():
            for record in records:
                best = np.array([h["best_criterion"] for h in record["history"]])
                threshold = THRESHOLD_PER_SAMPLE * load_set(name).shape[0]
                stop = stop_under(best, limit, threshold)
                losses.append((best[stop] - best[-1]) / max(abs(best[-1]), 1.0))
                used += stop + 1
                total += len(best)
        losses = np.array(losses)
        print(
            f"| {limit} | {np.mean(losses > 1e-4):.2f} | {losses.max():.1e} "
            f"| {used / total:.2f} |"
        )


if __name__ == "__main__":
    main()
