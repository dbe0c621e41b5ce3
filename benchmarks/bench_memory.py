"""Peak memory of scoring a long stream of pairs: ``NLIModel.iter_score`` holds one chunk's tensors at a time.

Prints the process's peak RSS after each tenth of the stream: it should stop growing after the first chunks.

Run: python benchmarks/bench_memory.py [--pairs 100000] [--chunk-size 4096] [--model PATH]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import time
from collections.abc import Iterator

from common import resolve_model, seed_sentences

from stancekit import NLIModel


def pair_stream(n: int, seed: int = 0) -> Iterator[tuple[str, str]]:
    """``n`` pairs of one- or two-sentence premises and one-sentence hypotheses from seeds/, generated lazily."""
    docs = seed_sentences()
    rng = random.Random(seed)
    for i in range(n):
        doc = rng.choice(docs)
        start = rng.randrange(len(doc))
        premise = " ".join(doc[start : start + rng.choice([1, 1, 2])])
        yield premise, f"{rng.choice(rng.choice(docs))} ({i})"  # distinct hypotheses: nothing is deduplicated


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=None)
    parser.add_argument("--pairs", type=int, default=100_000)
    parser.add_argument("--chunk-size", type=int, default=4096)
    args = parser.parse_args()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    model = NLIModel.from_pretrained(resolve_model(args.model), device="cpu")
    print(f"model loaded: peak RSS {rss_mib():.0f} MiB")
    done, next_report, counts = 0, args.pairs // 10, [0, 0, 0]
    start = time.perf_counter()
    for part in model.iter_score(pair_stream(args.pairs), chunk_size=args.chunk_size, show_progress_bar=False):
        for label in part.labels:  # consume and drop the chunk, as a writer to disk would
            counts[["entailment", "neutral", "contradiction"].index(label.value)] += 1
        done += len(part)
        if done >= next_report or done == args.pairs:
            print(
                f"{done:>7} pairs: {done / (time.perf_counter() - start):6.1f} pairs/s, peak RSS {rss_mib():.0f} MiB"
            )
            next_report += args.pairs // 10
    print(f"labels (e/n/c): {counts}; {args.pairs} pairs in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
