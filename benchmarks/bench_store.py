"""The persistent store at scale: insert rates, open time, view times, memory and file size.

Run: python benchmarks/bench_store.py [--claims 100000] [--per-document 10] [--dim 384] [--out DIR]

It fills a store through the same calls a tracker makes (documents with their claims a chunk of 64 at a time, NLI
scores and stance in batches of 2,048, embeddings, then the disputes and relations of a run), with synthetic
documents, claims and scores (no model), then opens it read-only in fresh processes and times the views.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from stancekit.claims import Claim
from stancekit.documents import Document
from stancekit.pairing import Relation
from stancekit.results import PairScore
from stancekit.stance import StanceLabel, StanceResult
from stancekit.store import TrackStore
from stancekit.types import NLILabel

TARGET = "Afghanistan poses a security threat to Central Asia"
ACTORS = ["Russia", "Taliban", "CSTO", "Tajikistan", "Pakistan", "Uzbekistan", "China", "United States", "analysts"]
WORDS = "threat border security talks militants region attack denied said claims troops water dam report".split()


def _fill(path: Path, claims: int, per_document: int, dim: int) -> dict[str, float]:
    rng = random.Random(0)
    figures: dict[str, float] = {}
    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
    documents, all_claims = [], []
    for d in range(claims // per_document):
        published = start + timedelta(days=rng.randrange(1500))
        words = [rng.choice(WORDS) for _ in range(40 * per_document)]
        document = Document(id=f"doc{d:06d}", text=" ".join(words), title=f"Story {d}", published=published)
        documents.append(document)
        for k in range(per_document):
            begin = k * 40 * 7
            all_claims.append(
                Claim(
                    text=f"claim {d}-{k}: " + " ".join(words[k * 40 : k * 40 + 18]),
                    speaker=f"speaker {rng.randrange(2000)}",
                    actor=rng.choice(ACTORS),
                    kind="reported_speech",
                    doc=document.id,
                    start=begin,
                    end=begin + 120,
                    date=published,
                    sentence=" ".join(words[k * 40 : k * 40 + 24]),
                )
            )
    by_doc: dict[str, list[Claim]] = {}
    for claim in all_claims:
        by_doc.setdefault(claim.doc, []).append(claim)
    with TrackStore(path) as store:
        began = time.perf_counter()
        for i in range(0, len(documents), 64):
            part = documents[i : i + 64]
            found = [c for d in part for c in by_doc[d.id]]
            store.add_documents(
                part, found, extractor="bench", extractor_state={"canonical": {}, "surnames": {}, "actors": {}}
            )
        figures["documents_and_claims_s"] = time.perf_counter() - began
        figures["claims_per_s"] = len(all_claims) / figures["documents_and_claims_s"]

        model = store.setting_id("model", {"bench": "model"})
        pairs = [(all_claims[i].text, all_claims[(i + 1) % len(all_claims)].text) for i in range(len(all_claims))]
        pairs += [(b, a) for a, b in pairs]
        began = time.perf_counter()
        for i in range(0, len(pairs), 2048):
            scores = []
            for premise, hypothesis in pairs[i : i + 2048]:
                e, n = rng.random() * 0.5, rng.random() * 0.5
                scores.append(
                    PairScore(
                        premise=premise,
                        hypothesis=hypothesis,
                        label=NLILabel.NEUTRAL,
                        entailment=e,
                        neutral=n,
                        contradiction=1 - e - n,
                        not_entailment=1 - e,
                    )
                )
            store.put_nli(model, scores)
        figures["nli_rows"] = len(pairs)
        figures["nli_rows_per_s"] = len(pairs) / (time.perf_counter() - began)

        setting = store.setting_id("stance", {"model": "bench", "target": TARGET})
        began = time.perf_counter()
        for i in range(0, len(all_claims), 2048):
            results = []
            for claim in all_claims[i : i + 2048]:
                f, a = rng.random() * 0.6, rng.random() * 0.4
                results.append(
                    StanceResult(
                        text=claim.text, target=TARGET, label=StanceLabel.FAVOR, favor=f, against=a, none=1 - f - a
                    )
                )
            store.put_stance(setting, results)
        figures["stance_rows_per_s"] = len(all_claims) / (time.perf_counter() - began)

        if dim:
            embedder = store.setting_id("embedder", {"bench": "embedder"})
            began = time.perf_counter()
            vectors = np.random.default_rng(0).standard_normal((len(all_claims), dim)).astype(np.float32)
            for i in range(0, len(all_claims), 2048):
                store.put_vectors(embedder, {c.text: vectors[i + j] for j, c in enumerate(all_claims[i : i + 2048])})
            figures["vector_rows_per_s"] = len(all_claims) / (time.perf_counter() - began)

        disputes = {d.id: f"dispute {int(d.id[3:]) // 20}" for d in documents}
        relations = []
        for i in range(0, len(all_claims) - 1):
            a, b = all_claims[i], all_claims[i + 1]
            rebuttal = rng.random() < 0.1
            relations.append(
                Relation(
                    a=a,
                    b=b if b.actor != a.actor else all_claims[(i + 2) % len(all_claims)],
                    kind="contradicts" if rebuttal else "unrelated",
                    score=rng.random(),
                    entailment=0.1,
                    neutral=0.2,
                    contradiction=0.7,
                    direction="forward",
                    similarity=0.5,
                    evidence=a.text,
                    reason="contradiction" if rebuttal else "",
                )
            )
        began = time.perf_counter()
        store.save_results(disputes, relations, {"bench": True})
        figures["relations"] = len(relations)
        figures["save_results_s"] = time.perf_counter() - began
    figures["file_mb"] = sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6
    return figures


_VIEWS = """
import json, resource, sys, time
t0 = time.perf_counter()
import pandas
from stancekit.store import TrackStore
imported = time.perf_counter()
try:
    with open("/proc/self/status") as status:
        after_import = next((int(line.split()[1]) for line in status if line.startswith("VmRSS")), 0) / 1024
except OSError:
    after_import = float("nan")
store = TrackStore(sys.argv[1], readonly=True)
info = store.info()
opened = time.perf_counter()
out = {{"import_s": imported - t0, "open_s": opened - imported, "claims": info["claims"]}}
for name, call in [
    ("claims, first 100", lambda: store.claims(limit=100)),
    ("claims of one dispute", lambda: store.claims(dispute="dispute 7")),
    ("claims of one actor, first 1000", lambda: store.claims(actor="Taliban", limit=1000)),
    ("top 100 rebuttals", lambda: store.relations(rebuttals_only=True, limit=100)),
    ("relations of one dispute", lambda: store.relations(dispute="dispute 7")),
    ("stance timeline of one dispute", lambda: store.stance_timeline({target!r}, dispute="dispute 7")),
    ("actor stance, whole store", lambda: store.actor_stance({target!r})),
    ("actor stance of one dispute", lambda: store.actor_stance({target!r}, dispute="dispute 7")),
]:
    began = time.perf_counter()
    rows = len(call())
    out[name] = (time.perf_counter() - began, rows)
def peak_mb():
    try:  # Linux: this process's own high-water mark (ru_maxrss carries the parent's across exec)
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out["peak_rss_mb"] = peak_mb()
out["rss_after_import_mb"] = after_import
print(json.dumps(out))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--per-document", type=int, default=10)
    parser.add_argument("--dim", type=int, default=384, help="embedding size stored per claim (0: none)")
    parser.add_argument("--out", default=None, help="folder for the store (default: a temporary one)")
    args = parser.parse_args()
    folder = Path(args.out or tempfile.mkdtemp(prefix="stancekit-store-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench.db"
    for stale in folder.glob("bench.db*"):
        stale.unlink()
    print(f"filling {path} with {args.claims:,} claims ({args.per_document} per document)")
    figures = _fill(path, args.claims, args.per_document, args.dim)
    for key, value in figures.items():
        print(f"  {key:<24} {value:,.1f}" if isinstance(value, float) else f"  {key:<24} {value:,}")
    for run in (1, 2):  # fresh processes: nothing of the store is in memory
        result = subprocess.run(
            [sys.executable, "-c", _VIEWS.format(target=TARGET), str(path)], capture_output=True, text=True, check=True
        )
        views = json.loads(result.stdout)
        opened, claims, imported = views.pop("open_s"), views.pop("claims"), views.pop("import_s")
        peak, base = views.pop("peak_rss_mb"), views.pop("rss_after_import_mb")
        print(
            f"read-only process {run}: open {opened:.3f} s ({claims:,} claims; imports {imported:.2f} s); "
            f"memory {base:.0f} MB after the imports, peak {peak:.0f} MB after every view"
        )
        for name, (seconds, rows) in views.items():
            print(f"  {name:<34} {seconds * 1000:8.1f} ms  {rows:>7,} rows")
    print(f"this process's peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
