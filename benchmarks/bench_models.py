"""The shipped models side by side: scoring throughput and the whole seeds job, timed interleaved in one run.

Throughput drifts 10-15% between runs on a shared CPU, so each repeat times every model in turn and the figure
reported is each model's best; the ratio to the first model is what to quote.

Run: python benchmarks/bench_models.py [--pairs 1000] [--repeats 3] [--precision auto]
"""

from __future__ import annotations

import argparse
import time

from common import ROOT, mixed_pairs

from stancekit import NLIModel
from stancekit.documents import read_documents
from stancekit.scoring import SHIPPED_MODEL_NAMES
from stancekit.tracking import Tracker

TARGET = "Afghanistan poses a security threat to Central Asia"


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto")
    parser.add_argument("--no-track", action="store_true", help="time scoring only, not the seeds job")
    args = parser.parse_args()
    pairs = mixed_pairs(args.pairs)
    documents = read_documents([ROOT / "seeds"])
    models = {name: NLIModel.from_pretrained(name, precision=args.precision) for name in SHIPPED_MODEL_NAMES}
    for model in models.values():
        model.score(pairs[:32])  # warm-up
    score_times: dict[str, list[float]] = {name: [] for name in models}
    track_times: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(args.repeats):
        for name, model in models.items():
            start = time.perf_counter()
            model.score(pairs)
            score_times[name].append(time.perf_counter() - start)
            if not args.no_track:
                start = time.perf_counter()
                Tracker(model, target=TARGET).add_documents(documents)
                track_times[name].append(time.perf_counter() - start)
    first = SHIPPED_MODEL_NAMES[0]
    print(f"{len(pairs)} mixed-length pairs from seeds/, precision {args.precision}, best of {args.repeats}:")
    for name in models:
        rate = len(pairs) / min(score_times[name])
        ratio = min(score_times[first]) / min(score_times[name])
        line = f"  {name:<26} {rate:7.1f} pairs/s ({ratio:.2f}x {first})"
        if not args.no_track:
            line += f"; seeds job (extract, pair, score, stance) {min(track_times[name]):.1f} s"
        print(line)


if __name__ == "__main__":
    main()
