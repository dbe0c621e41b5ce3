from __future__ import annotations

import copy
import os
import string
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch
from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

WORDS = [
    "the",
    "a",
    "an",
    "is",
    "are",
    "was",
    "were",
    "not",
    "no",
    "man",
    "woman",
    "dog",
    "cat",
    "runs",
    "sleeps",
    "awake",
    "asleep",
    "said",
    "says",
    "that",
    "this",
    "threat",
    "afghanistan",
    "russia",
    "taliban",
    "security",
    "central",
    "asia",
    "poses",
    "there",
    "main",
    "comes",
    "from",
    "minister",
    "talks",
    "failed",
    "succeeded",
    ".",
    ",",
    "!",
    "?",
    "'",
    '"',
]
ID2LABEL = {0: "ENTAILMENT", 1: "NEUTRAL", 2: "CONTRADICTION"}


def _vocab() -> list[str]:
    letters = list(string.ascii_lowercase) + [f"##{c}" for c in string.ascii_lowercase] + list(string.digits)
    return ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *dict.fromkeys(WORDS + letters)]


def save_tiny(path: Path, *, id2label: dict[int, str], seed: int = 0, max_positions: int = 64) -> Path:
    """A tiny random BERT classifier with its own word-piece tokenizer, saved as safetensors."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "vocab.txt").write_text("\n".join(_vocab()) + "\n")
    # Read the vocabulary from the folder: under transformers 5, BertTokenizerFast(vocab_file=...) ignores the
    # file and builds a 5-token vocabulary, so every word would be [UNK] (test_scoring.py checks this).
    tokenizer = BertTokenizerFast.from_pretrained(str(path), model_max_length=max_positions)
    tokenizer.save_pretrained(str(path))
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(_vocab()),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=max_positions,
        id2label=id2label,
        label2id={v: k for k, v in id2label.items()},
        initializer_range=0.2,  # BERT's 0.02 leaves [CLS] blind to the input: every pair scores alike
    )
    model = BertForSequenceClassification(config).eval()
    model.save_pretrained(str(path), safe_serialization=True)
    return path


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny(tmp_path_factory.mktemp("tiny-nli"), id2label=ID2LABEL)


@pytest.fixture(scope="session")
def _tiny_model_session(tiny_model_dir: Path):
    from stancekit import NLIModel

    return NLIModel.from_pretrained(tiny_model_dir, device="cpu", precision="fp32")


@pytest.fixture()
def tiny_model(_tiny_model_session):
    return copy.deepcopy(_tiny_model_session)


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "seeds"


class FakeNLI:
    """A deterministic stand-in for NLIModel: word overlap and negation decide the label.

    Hypothesis words all in the premise -> entailment; at least two shared content words and a different
    negation -> contradiction; otherwise neutral.
    """

    two_way = False
    name = "fake-nli"
    schema = None  # the rest of the Scorer protocol: an NLI head without stored calibration
    stance_calibration = None
    rebuttal_threshold = None
    rebuttal_combiner = None

    def __init__(self):
        self.calls = 0
        self.pairs_scored = 0

    @staticmethod
    def _words(text):
        import re

        return set(re.findall(r"[a-z]+", text.lower()))

    def _probs(self, premise, hypothesis):
        negations = {"no", "not", "never", "denies", "deny", "rejects", "reject", "rejected", "nothing"}
        stop = {"a", "an", "the", "to", "of", "in", "is", "does", "do", "it", "that", "and", "true"} | negations
        p, h = self._words(premise), self._words(hypothesis)
        shared = (p & h) - stop
        if bool(p & negations) != bool(h & negations) and len(shared) >= 2:
            return (0.05, 0.05, 0.9)
        if h - stop <= p:
            return (0.9, 0.05, 0.05)
        return (0.05, 0.9, 0.05)

    def score(
        self, pairs, *, batch_size=32, both_directions=False, combine="max_contradiction", show_progress_bar=None
    ):
        import numpy as np

        from stancekit.results import ScoreResults

        pairs = [tuple(p) for p in pairs]
        self.calls += 1
        self.pairs_scored += len(pairs)
        probs = np.array([self._probs(p, h) for p, h in pairs], dtype=np.float32).reshape(-1, 3)
        return ScoreResults(
            premises=[p for p, _ in pairs], hypotheses=[h for _, h in pairs], probabilities=probs, two_way=False
        )


@pytest.fixture()
def fake_nli():
    return FakeNLI()
