"""What the docstring examples of ``stancekit/`` run against: the shipped model and the seed articles.

Each name is built on first use and shared by every example of the session: ``model`` (the small shipped NLI
model, ``stancekit-nli-minilm-l6``: quick on a CPU in fp32, and the printed figures are its own),
``tokenizer``, ``documents`` (the seeds), ``claims`` (extracted from them), ``tracker`` (a tracker run over them),
``gold`` (the small annotated news folder of the tests), ``pairs`` (candidate claim pairs), ``examples`` (three
labelled NLI pairs), ``train_file`` (eight PRO/CON pairs to fine-tune on) and ``tmp`` (a fresh folder for
examples that write files). Paths in examples are relative to the repository root.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent
TARGET = "Afghanistan poses a security threat to Central Asia"


@functools.cache
def _model() -> Any:
    from stancekit import NLIModel

    return NLIModel.from_pretrained("stancekit-nli-minilm-l6", precision="fp32")


@functools.cache
def _documents() -> Any:
    from stancekit.documents import read_documents

    return read_documents(ROOT / "seeds", metadata=ROOT / "seeds" / "metadata.jsonl")


@functools.cache
def _claims() -> Any:
    from stancekit.claims import extract_claims

    return extract_claims(_documents())


@functools.cache
def _tracker() -> Any:
    from stancekit.pairing import TfidfEmbedder
    from stancekit.tracking import Tracker

    tracker = Tracker(_model(), target=TARGET, embedder=TfidfEmbedder())
    tracker.add_documents(_documents())
    return tracker


@functools.cache
def _gold() -> Any:
    from stancekit.news_eval import load_news_gold

    return load_news_gold(ROOT / "tests" / "fixtures" / "news_mini")


def _examples() -> Any:
    from stancekit.io import NLIExample
    from stancekit.types import NLILabel

    return [
        NLIExample(premise="A man sleeps.", hypothesis="A man is sleeping.", label=NLILabel.ENTAILMENT),
        NLIExample(
            premise="A woman plays a guitar.", hypothesis="A woman is cooking dinner.", label=NLILabel.CONTRADICTION
        ),
        NLIExample(
            premise="A dog runs on the beach.", hypothesis="The dog is chasing a ball.", label=NLILabel.NEUTRAL
        ),
    ]


_SCRATCH: list[Path] = []  # the session's folder from pytest's tmp_path_factory, which pytest prunes itself


@pytest.fixture(scope="session", autouse=True)
def _session_scratch(tmp_path_factory: pytest.TempPathFactory) -> None:
    _SCRATCH.append(tmp_path_factory.mktemp("doctest-shared"))


@functools.cache
def _train_file() -> Path:
    import json

    rows = [
        ("Taxes fund schools and hospitals.", "PRO"),
        ("Higher taxes pay for better roads.", "PRO"),
        ("Public services need more money.", "PRO"),
        ("The finance minister spoke on Monday.", "PRO"),
        ("Higher taxes drive businesses away.", "CON"),
        ("Families already pay too much.", "CON"),
        ("Tax rises slow the economy.", "CON"),
        ("Tax cuts created jobs last year.", "CON"),
    ]
    path = _SCRATCH[-1] / "train.jsonl"
    path.write_text(
        "".join(
            json.dumps({"premise": p, "hypothesis": "Taxes should be raised.", "label": y}) + "\n" for p, y in rows
        )
    )
    return path


@functools.cache
def _pairs() -> Any:
    from stancekit.pairing import TfidfEmbedder, candidate_pairs

    return candidate_pairs(_claims(), embedder=TfidfEmbedder(), top_k=5)[0]


_MAKERS: dict[str, Callable[[], Any]] = {
    "model": _model,
    "tokenizer": lambda: _model().tokenizer,
    "documents": _documents,
    "claims": _claims,
    "tracker": _tracker,
    "gold": _gold,
    "pairs": _pairs,
    "examples": _examples,
    "train_file": _train_file,
}


class _Lazy(dict[str, Any]):
    """A namespace whose heavy entries are made when an example first reads them."""

    def __missing__(self, key: str) -> Any:
        if key in _MAKERS:
            value = _MAKERS[key]()
            self[key] = value
            return value
        raise KeyError(key)


@pytest.fixture(autouse=True)
def _doctest_names(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    from _pytest.doctest import DoctestItem

    if not isinstance(request.node, DoctestItem):
        yield
        return
    test = request.node.dtest
    names = _Lazy(test.globs)
    names["tmp"] = tmp_path
    test.globs = names
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        yield
    finally:
        os.chdir(cwd)
