"""Claim extraction speed: articles and words per second, the parse alone beside the whole extraction.

Run: python benchmarks/bench_claims.py [--articles 64] [--words 500] [--folder seeds] [--repeats 2]
Articles are cut from the folder's texts into pieces of about --words words (whole paragraphs), so the figure is
for news prose. Each configuration runs --repeats times, interleaved, and the best run is reported (throughput
drifts between runs on a shared CPU). The issue's bar: 8 articles/s of 500 words (4,000 words/s) on 2 cores.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from common import ROOT

from stancekit.claims import ClaimExtractor
from stancekit.claims.attribution import load_pipeline
from stancekit.documents import Document, read_documents


def articles(folder: Path, n: int, words: int) -> list[Document]:
    paragraphs = [p for d in read_documents(folder) for p in d.text.split("\n") if p.strip()]
    out: list[Document] = []
    i = 0
    while len(out) < n:
        chunk: list[str] = []
        while sum(len(p.split()) for p in chunk) < words:
            chunk.append(paragraphs[i % len(paragraphs)])
            i += 1
        out.append(Document(id=f"a{len(out)}", text="\n\n".join(chunk), published="2024-05-08"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=64)
    parser.add_argument("--words", type=int, default=500)
    parser.add_argument("--folder", default=str(ROOT / "seeds"))
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    docs = articles(Path(args.folder), args.articles, args.words)
    total = sum(len(d.text.split()) for d in docs)
    nlp = load_pipeline()
    print(f"{len(docs)} articles, {total:,} words; pipeline {nlp.meta['name']} {nlp.pipe_names}")
    configs = [("parse only", 1), ("parse only", 2), ("extraction", 1), ("extraction", 2), ("rules only", 1)]
    best: dict[tuple[str, int], float] = {}
    for _ in range(args.repeats):
        for what, processes in configs:
            start = time.perf_counter()
            if what == "parse only":
                for _doc in nlp.pipe((d.text for d in docs), batch_size=8, n_process=processes):
                    pass
            else:
                extractor = ClaimExtractor(parse=False if what == "rules only" else nlp, n_process=processes)
                extractor.extract(docs)
            seconds = time.perf_counter() - start
            best[(what, processes)] = min(seconds, best.get((what, processes), float("inf")))
    for (what, processes), seconds in best.items():
        print(
            f"{what:11s} n_process={processes}: {seconds:6.2f}s  {len(docs) / seconds:5.1f} articles/s  "
            f"{total / seconds:7,.0f} words/s"
        )


if __name__ == "__main__":
    main()
