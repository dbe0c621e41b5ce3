"""Annotated pairs for fine-tuning and evaluation: reading, column mapping and validation.

Pairs come from JSON Lines (plain or gzip), CSV/TSV, a pandas DataFrame, a ``datasets.Dataset`` or a list of
dictionaries. Every problem is reported before any training starts, naming the source, row, field and value.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stancekit.io import iter_jsonl, open_text
from stancekit.text import TextPair, is_missing

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FIELDS",
    "LabeledPair",
    "PairSource",
    "as_pairs",
    "check_splits",
    "load_pairs",
    "pairs_to_pandas",
    "split_dev",
]

FIELDS = ("premise", "hypothesis", "label")
"""The columns stancekit reads; ``column_mapping`` renames a source's columns onto them."""

PairSource = Any
"""A path (``.jsonl``, ``.jsonl.gz``, ``.csv``, ``.tsv``), a pandas DataFrame, a ``datasets.Dataset``, or an iterable
of dictionaries or :class:`LabeledPair` records."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LabeledPair(TextPair):
    """One annotated pair.

    Attributes:
        premise: The first text (e.g. the reply, the perspective, the tweet).
        hypothesis: The second text (e.g. the claim or the target).
        label: The annotated label, as a string in the user's schema.
        where: Where the row came from, for error messages (e.g. ``"train.jsonl.gz line 12"``).

    Example:
        >>> LabeledPair(premise="Taxes fund schools.", hypothesis="Raise taxes.", label="SUPPORT").label
        'SUPPORT'
    """

    label: str
    where: str = ""


def _rows(source: PairSource, name: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise FileNotFoundError(f"{name}: no such file {str(path)!r}.")
        suffixes = "".join(path.suffixes[-2:]).lower()
        if ".jsonl" in suffixes or ".json" in suffixes:
            for number, record in iter_jsonl(path):
                yield f"{path.name} line {number}", record
            return
        if ".csv" in suffixes or ".tsv" in suffixes:
            with open_text(path) as handle:
                reader = csv.DictReader(handle, delimiter="\t" if ".tsv" in suffixes else ",")
                for number, record in enumerate(reader, start=2):  # line 1 is the header
                    yield f"{path.name} line {number}", record
            return
        raise ValueError(f"{name}: cannot read {path.name!r}; use .jsonl, .jsonl.gz, .csv or .tsv.")
    columns = getattr(source, "columns", None)
    if columns is not None and hasattr(source, "to_dict"):  # pandas DataFrame
        for i, record in enumerate(source.to_dict(orient="records")):
            yield f"row {i}", record
        return
    if hasattr(source, "column_names") and hasattr(source, "features"):  # datasets.Dataset
        for i, record in enumerate(source):
            yield f"row {i}", record
        return
    if isinstance(source, Iterable):
        for i, item in enumerate(source):
            if isinstance(item, LabeledPair):
                yield (
                    item.where or f"row {i}",
                    {"premise": item.premise, "hypothesis": item.hypothesis, "label": item.label},
                )
            elif isinstance(item, Mapping):
                yield f"row {i}", item
            else:
                raise TypeError(f"{name} row {i}: expected a dict or LabeledPair, got {type(item).__name__}.")
        return
    raise TypeError(f"{name}: cannot read pairs from {type(source).__name__}; pass a path, DataFrame or Dataset.")


def load_pairs(
    source: PairSource,
    *,
    column_mapping: Mapping[str, str] | None = None,
    labels: Sequence[str] | None = None,
    name: str = "data",
    limit: int | None = None,
    seed: int | None = None,
) -> list[LabeledPair]:
    """Read annotated pairs and check every row.

    Args:
        source: See :data:`PairSource`.
        column_mapping: Source column -> stancekit field (``premise``, ``hypothesis``, ``label``), e.g.
            ``{"perspective": "premise", "claim": "hypothesis"}``. Unmapped fields keep their names.
        labels: The allowed labels; a row with another label is an error.
        name: What to call this source in messages (e.g. ``"train"``).
        limit: Keep at most this many pairs: a random sample when ``seed`` is given, else the first ones.
        seed: Seed for the ``limit`` sample.

    Returns:
        The pairs, in source order.

    Raises:
        ValueError: Naming the row, field and value for a missing column, a missing or empty text, a missing or
            unknown label, and for a source with no rows.
        TypeError: For a text that is not a string.

    Example:
        >>> load_pairs([{"claim": "Raise taxes.", "perspective": "Taxes fund schools.", "label": "SUPPORT"}],
        ...            column_mapping={"perspective": "premise", "claim": "hypothesis"})[0].premise
        'Taxes fund schools.'
    """
    mapping = dict(column_mapping or {})
    bad = {k: v for k, v in mapping.items() if v not in FIELDS}
    if bad:
        raise ValueError(f"column_mapping must map onto {list(FIELDS)}, got {bad}.")
    source_of = {field: field for field in FIELDS}
    for column, field in mapping.items():
        source_of[field] = column
    allowed = set(labels) if labels is not None else None
    pairs: list[LabeledPair] = []
    for where, record in _rows(source, name):
        if not pairs:
            missing = [
                repr(source_of[f]) + (f" (for {f})" if source_of[f] != f else "")
                for f in FIELDS
                if source_of[f] not in record
            ]
            if missing:
                raise ValueError(
                    f"{name}: column(s) {', '.join(missing)} not found; the columns are {list(record)}. "
                    "Pass column_mapping= (command line: --columns), e.g. {'claim': 'hypothesis', 'text': 'premise'}."
                )
        texts = []
        for field in ("premise", "hypothesis"):
            value = record.get(source_of[field])
            column = source_of[field]
            if is_missing(value) or (isinstance(value, str) and not value.strip()):
                raise ValueError(f"{name} {where}: {column!r} ({field}) is missing or empty ({value!r}).")
            if not isinstance(value, str):
                raise TypeError(
                    f"{name} {where}: {column!r} ({field}) must be text, got {type(value).__name__} ({value!r})."
                )
            texts.append(value)
        raw = record.get(source_of["label"])
        if is_missing(raw) or (isinstance(raw, str) and not raw.strip()):
            raise ValueError(f"{name} {where}: {source_of['label']!r} (label) is missing or empty ({raw!r}).")
        label = str(raw).strip()
        if allowed is not None and label not in allowed:
            raise ValueError(f"{name} {where}: unknown label {label!r}; the labels are {sorted(allowed)}.")
        place = where if where.startswith(f"{name} ") else f"{name} {where}"  # "st.jsonl line 3", not twice
        pairs.append(LabeledPair(premise=texts[0], hypothesis=texts[1], label=label, where=place))
    if not pairs:
        raise ValueError(f"{name}: no rows.")
    if limit is not None and len(pairs) > limit:
        if seed is None:
            pairs = pairs[:limit]
        else:
            keep = sorted(random.Random(seed).sample(range(len(pairs)), limit))
            pairs = [pairs[i] for i in keep]
    return pairs


def as_pairs(data: PairSource, name: str, column_mapping: Mapping[str, str] | None = None) -> list[LabeledPair]:
    """``data`` as checked :class:`LabeledPair` records (a list of them passes through unchanged).

    Example:
        >>> as_pairs([{"premise": "p", "hypothesis": "h", "label": "PRO"}], "train")[0].where
        'train row 0'
    """
    if isinstance(data, list) and data and all(isinstance(p, LabeledPair) for p in data):
        return data
    return load_pairs(data, column_mapping=column_mapping, name=name)


def check_splits(splits: Mapping[str, Sequence[LabeledPair]], *, labels: Sequence[str] | None = None) -> None:
    """Check training/dev/test splits before training: classes, labels and leakage.

    Raises:
        ValueError: If a split is empty or holds a single class; if a split has a label outside ``labels``; if a
            pair (premise, hypothesis) occurs in two splits (naming both rows); if the training split (the first)
            gives one pair two different labels.

    Example:
        >>> a = LabeledPair(premise="p", hypothesis="h", label="PRO")
        >>> check_splits({"train": [a, LabeledPair(premise="q", hypothesis="h", label="CON")], "dev": [a]})
        Traceback (most recent call last):
        ...
        ValueError: a pair occurs in both train (row 0) and dev (row 0): ('p', 'h'); remove it from one of them.
    """
    allowed = set(labels) if labels is not None else None
    seen: dict[tuple[str, str], tuple[str, str]] = {}
    for index, (name, pairs) in enumerate(splits.items()):
        if not pairs:
            raise ValueError(f"the {name} split is empty.")
        counts = Counter(p.label for p in pairs)
        if index == 0 and len(counts) < 2:
            raise ValueError(
                f"the {name} split has a single class ({dict(counts)}); training needs at least two labels."
            )
        if allowed is not None:
            unknown = sorted(set(counts) - allowed)
            if unknown:
                row = next(p.where for p in pairs if p.label in unknown)
                raise ValueError(
                    f"the {name} split has label(s) {unknown} (first at {row}) outside {sorted(allowed)}."
                )
        own: dict[tuple[str, str], tuple[str, str]] = {}
        for i, pair in enumerate(pairs):
            key = (pair.premise, pair.hypothesis)
            where = pair.where or f"{name} row {i}"
            if key in seen:
                other_split, other_where = seen[key]
                raise ValueError(
                    f"a pair occurs in both {other_split} ({_short(other_where)}) and {name} ({_short(where, i)}): "
                    f"{_clip(key)}; remove it from one of them."
                )
            if index == 0 and key in own and own[key][1] != pair.label:
                raise ValueError(
                    f"{name} gives one pair two labels: {own[key][0]} says {own[key][1]!r}, {where} says "
                    f"{pair.label!r}: {_clip(key)}."
                )
            own.setdefault(key, (where, pair.label))
        for key, (where, _) in own.items():
            seen[key] = (name, where)


def _short(where: str, i: int | None = None) -> str:
    parts = where.split(" ", 1)
    return parts[1] if len(parts) == 2 else (f"row {i}" if i is not None else where)


def _clip(key: tuple[str, str]) -> str:
    return repr(tuple(t if len(t) <= 60 else t[:59] + "…" for t in key))


def split_dev(
    pairs: Sequence[LabeledPair], fraction: float, *, seed: int = 42
) -> tuple[list[LabeledPair], list[LabeledPair]]:
    """Carve a stratified dev split out of ``pairs``, keeping every copy of a pair on one side.

    Raises:
        ValueError: If ``fraction`` is not in (0, 0.5], or the data are too small to give each split two classes.

    Example:
        >>> pairs = [LabeledPair(premise=f"p{i}", hypothesis="h", label="AB"[i % 2]) for i in range(20)]
        >>> train, dev = split_dev(pairs, 0.2)
        >>> len(train), len(dev), sorted({p.label for p in dev})
        (16, 4, ['A', 'B'])
    """
    if not 0 < fraction <= 0.5:
        raise ValueError(f"the dev fraction must be in (0, 0.5], got {fraction!r}.")
    by_label: dict[str, list[tuple[str, str]]] = {}
    for pair in pairs:
        keys = by_label.setdefault(pair.label, [])
        key = (pair.premise, pair.hypothesis)
        if key not in keys:
            keys.append(key)
    rng = random.Random(seed)
    dev_keys: set[tuple[str, str]] = set()
    for label in sorted(by_label):
        keys = by_label[label]
        rng.shuffle(keys)
        dev_keys.update(keys[: max(1, round(len(keys) * fraction))] if len(keys) > 1 else [])
    train = [p for p in pairs if (p.premise, p.hypothesis) not in dev_keys]
    dev = [p for p in pairs if (p.premise, p.hypothesis) in dev_keys]
    if len({p.label for p in dev}) < 2 or len({p.label for p in train}) < 2:
        raise ValueError(
            f"{len(pairs)} pairs are too few to carve a dev split with two classes on each side; pass a dev set."
        )
    return train, dev


def pairs_to_pandas(pairs: Sequence[LabeledPair]) -> pd.DataFrame:
    """One row per pair: premise, hypothesis, label, where.

    Example:
        >>> pairs_to_pandas([LabeledPair(premise="p", hypothesis="h", label="PRO")]).shape
        (1, 4)
    """
    import pandas as pd

    frame: pd.DataFrame = pd.DataFrame(
        {
            "premise": [p.premise for p in pairs],
            "hypothesis": [p.hypothesis for p in pairs],
            "label": [p.label for p in pairs],
            "where": [p.where for p in pairs],
        }
    )
    return frame
