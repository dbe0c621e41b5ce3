"""Shared helpers of the benchmark scripts: reproducible pairs from seeds/ and model resolution."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from stancekit.text import split_sentences

ROOT = Path(__file__).resolve().parent.parent


def seed_sentences() -> list[list[str]]:
    """The sentences of each article in seeds/, one list per article."""
    docs = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        docs.append([text[s:e] for s, e in split_sentences(text) if len(text[s:e].split()) >= 4])
    return docs


def mixed_pairs(n: int, *, seed: int = 0) -> list[tuple[str, str]]:
    """``n`` distinct pairs of mixed length: premises of 1 to 8 consecutive seed sentences, one-sentence hypotheses."""
    docs = seed_sentences()
    rng = random.Random(seed)
    pairs: dict[tuple[str, str], None] = {}
    while len(pairs) < n:
        doc = rng.choice(docs)
        size = rng.choice([1, 1, 1, 2, 3, 5, 8])
        start = rng.randrange(max(1, len(doc) - size + 1))
        premise = " ".join(doc[start : start + size])
        hypothesis = rng.choice(rng.choice(docs))
        if premise != hypothesis:
            pairs[(premise, hypothesis)] = None
    return list(pairs)


def resolve_model(name: str | None) -> str:
    """The model to benchmark: the one named, else the shipped one, else MiniLM-L6 with an untrained 3-way head.

    The untrained head changes nothing about speed (same architecture and shapes); it only makes the script
    runnable before a model is shipped. Label agreement is then between two runs of the same random head.
    """
    if name:
        return name
    from stancekit.scoring import default_model_path

    try:
        return str(default_model_path())
    except FileNotFoundError:
        pass
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from stancekit.training import base_encoder_path

    base = base_encoder_path()
    out = Path(tempfile.mkdtemp(prefix="stancekit-bench-"))
    id2label = {0: "entailment", 1: "neutral", 2: "contradiction"}
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=3, id2label=id2label, label2id={v: k for k, v in id2label.items()}
    )
    model.save_pretrained(str(out), safe_serialization=True)
    AutoTokenizer.from_pretrained(base).save_pretrained(str(out))
    return str(out)
