"""Candidate retrieval at scale: time, peak memory and the fraction of pairs pruned.

Run: python benchmarks/bench_pairing.py [--claims 5000 10000] [--embedder minilm|tfidf] [--top-k 10]
Claims are synthetic but realistic: the seeds' extracted claims with their entities, actors and dates varied.
"""

from __future__ import annotations

import argparse
import random
import resource
import time
import tracemalloc
from dataclasses import replace
from datetime import timedelta

from common import ROOT

from stancekit.claims import Claim, extract_claims
from stancekit.documents import read_documents
from stancekit.pairing import MiniLMEmbedder, TfidfEmbedder, candidate_pairs

ACTORS = ["Russia", "Taliban", "CSTO", "Tajikistan", "Pakistan", "Uzbekistan", "China", "United States", "analysts"]
PLACES = ["Central Asia", "Afghanistan", "Tajikistan", "the region", "Kabul", "Moscow", "the border", "Uzbekistan"]
GROUPS = ["ISIS", "Daesh", "al-Qaeda", "the TTP", "armed groups", "extremists", "drug traffickers"]


def synthetic_claims(n: int, seed: int = 0) -> list[Claim]:
    base = extract_claims(read_documents(ROOT / "seeds"))
    rng = random.Random(seed)
    out = []
    for i in range(n):
        claim = rng.choice(base)
        text = claim.text
        for word in ("Central Asia", "Afghanistan", "ISIS", "Daesh"):
            if word in text and rng.random() < 0.5:
                text = text.replace(word, rng.choice(PLACES if word in ("Central Asia", "Afghanistan") else GROUPS), 1)
        date = (claim.date or base[0].date) + timedelta(days=rng.randrange(-900, 900))
        out.append(
            replace(claim, text=text, actor=rng.choice(ACTORS), speaker=f"speaker {i % 400}", doc=f"s{i}", date=date)
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, nargs="+", default=[5000])
    parser.add_argument("--embedder", choices=["minilm", "tfidf"], default="minilm")
    parser.add_argument("--top-k", type=int, default=10)
    parser.add_argument("--window-days", type=int, default=365)
    args = parser.parse_args()
    embedder = MiniLMEmbedder() if args.embedder == "minilm" else TfidfEmbedder()
    for n in args.claims:
        claims = synthetic_claims(n)
        start = time.perf_counter()
        vectors = embedder.encode([c.text for c in claims])
        embed_s = time.perf_counter() - start
        tracemalloc.start()
        start = time.perf_counter()
        _, stats = candidate_pairs(
            claims, embeddings=vectors, top_k=args.top_k, time_window=timedelta(days=args.window_days)
        )
        retrieve_s = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{n} claims ({args.embedder}): embed {embed_s:.1f} s, retrieve {retrieve_s:.1f} s, "
            f"peak traced memory during retrieval {peak / 2**20:.0f} MiB (process peak RSS {rss:.0f} MiB); "
            f"{stats.candidates} candidate pairs of {stats.all_pairs} ({stats.pruned_fraction:.2%} pruned; "
            f"{stats.allowed_pairs} pass the actor and {args.window_days}-day filters); "
            f"NLI then scores {2 * stats.candidates} directed pairs"
        )


if __name__ == "__main__":
    main()
