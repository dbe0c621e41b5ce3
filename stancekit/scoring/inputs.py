"""The inputs of scoring: (premise, hypothesis) pairs in any accepted form, checked and named in errors."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from stancekit.io import is_missing

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)


@runtime_checkable
class PairLike(Protocol):
    """Anything with ``premise`` and ``hypothesis`` text attributes (e.g. :class:`TextPair`).

    Example:
        >>> isinstance(TextPair(premise="p", hypothesis="h"), PairLike)
        True
    """

    @property
    def premise(self) -> str:
        """The premise text."""
        ...

    @property
    def hypothesis(self) -> str:
        """The hypothesis text."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class TextPair:
    """A (premise, hypothesis) pair as a typed record.

    Example:
        >>> TextPair(premise="Kabul said no threat comes from Afghanistan.", hypothesis="Afghanistan is a threat.")
        TextPair(premise='Kabul said no threat comes from Afghanistan.', hypothesis='Afghanistan is a threat.')
    """

    premise: str
    hypothesis: str

    def __post_init__(self) -> None:
        """Validate both texts."""
        check_text(self.premise, "TextPair.premise")
        check_text(self.hypothesis, "TextPair.hypothesis")


def check_text(value: object, where: str) -> str:
    """``value`` itself when it is a text with something to read; else an error naming ``where`` and the value.

    Example:
        >>> check_text("Kabul denies it.", "texts[0]")
        'Kabul denies it.'
        >>> check_text("  ", "texts[3]")
        Traceback (most recent call last):
        ...
        ValueError: texts[3] is empty or whitespace ('  '); every pair needs two non-empty texts.
    """
    if is_missing(value):
        raise ValueError(f"{where} is missing ({value!r}); every pair needs two non-empty texts.")
    if not isinstance(value, str):
        raise TypeError(f"{where} must be a str, got {type(value).__name__} ({value!r}).")
    if not value.strip():
        raise ValueError(f"{where} is empty or whitespace ({value!r}); every pair needs two non-empty texts.")
    if not _visible(value):
        raise ValueError(
            f"{where} has only invisible characters ({value!r}: zero-width, direction or byte-order marks); "
            "every pair needs two texts with something to read."
        )
    return value


def _visible(text: str) -> bool:
    """Whether a text has a character that is neither whitespace nor an invisible format character (Cf, Cc)."""
    import unicodedata

    return any(not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc") for ch in text)


def make_pairs(premises: Sequence[str], hypotheses: Sequence[str]) -> list[TextPair]:
    """Zip two equally long sequences of texts into validated :class:`TextPair` records.

    Raises:
        ValueError: If the lengths differ, or a text is missing or empty (naming its index).
        TypeError: If a text is not a string.

    Example:
        >>> make_pairs(["A dog runs."], ["An animal moves."])[0].hypothesis
        'An animal moves.'
    """
    if len(premises) != len(hypotheses):
        raise ValueError(
            f"premises and hypotheses must have the same length, got {len(premises)} premises and "
            f"{len(hypotheses)} hypotheses."
        )
    return [
        TextPair(premise=check_text(p, f"premises[{i}]"), hypothesis=check_text(h, f"hypotheses[{i}]"))
        for i, (p, h) in enumerate(zip(premises, hypotheses, strict=True))
    ]


def _as_pair(item: object, index: int) -> tuple[str, str]:
    if isinstance(item, PairLike):
        return (
            check_text(item.premise, f"pairs[{index}].premise"),
            check_text(item.hypothesis, f"pairs[{index}].hypothesis"),
        )
    if isinstance(item, (tuple, list)) and len(item) == 2:
        return (
            check_text(item[0], f"pairs[{index}][0] (premise)"),
            check_text(item[1], f"pairs[{index}][1] (hypothesis)"),
        )
    raise TypeError(
        f"pairs[{index}] must be a (premise, hypothesis) tuple or a record with .premise and .hypothesis, "
        f"got {type(item).__name__} ({item!r:.80})."
    )


def iter_pairs(pairs: object) -> Iterator[tuple[str, str]]:
    """Checked (premise, hypothesis) strings from any pair input :meth:`NLIModel.score` accepts.

    Tuples, :class:`PairLike` records or a pandas DataFrame with premise/hypothesis columns; a bad item is an
    error naming its index.

    Example:
        >>> list(iter_pairs([("A man sleeps.", "A man is awake.")]))
        [('A man sleeps.', 'A man is awake.')]
    """
    if isinstance(pairs, (str, bytes)):
        raise TypeError("pairs must be a sequence of (premise, hypothesis) pairs, got a single string.")
    columns = getattr(pairs, "columns", None)
    if columns is not None:  # a pandas DataFrame
        missing = [c for c in ("premise", "hypothesis") if c not in columns]
        if missing:
            raise ValueError(
                f"the DataFrame needs the columns ['premise', 'hypothesis'], but {missing} are missing "
                f"(found {list(columns)}); rename them, e.g. df.rename(columns={{'text': 'premise'}})."
            )
        pairs = zip(pairs["premise"].tolist(), pairs["hypothesis"].tolist(), strict=True)  # type: ignore[index]
    if not isinstance(pairs, Iterable):
        raise TypeError(f"pairs must be an iterable of (premise, hypothesis) pairs, got {type(pairs).__name__}.")
    for index, item in enumerate(pairs):
        yield _as_pair(item, index)
