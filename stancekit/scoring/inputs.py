"""The inputs of scoring: (premise, hypothesis) pairs in any accepted form, checked and named in errors."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol, runtime_checkable

from stancekit.text import TextPair, check_text


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
