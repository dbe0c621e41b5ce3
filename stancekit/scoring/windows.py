"""Windows of whole sentences for premises longer than the model window, and their aggregation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from stancekit.text import split_sentences

LENGTH_CACHE_SIZE = 50_000
"""Distinct texts whose token length :class:`NLIModel` remembers (repeated premises are measured once)."""


@dataclass(frozen=True, slots=True)
class Unit:
    """One model input: a directional premise window and its hypothesis."""

    premise: str
    hypothesis: str


@dataclass(slots=True)
class Plan:
    """How one directional pair maps onto units: one per premise window."""

    units: list[int]
    spans: list[tuple[int, int]]
    truncated: bool


class WindowPlanner:
    """Splits a premise too long for the model window into windows of whole sentences, and counts tokens.

    One per model: it keeps a bounded cache of token counts (at most :data:`LENGTH_CACHE_SIZE` texts, cleared when
    full), so that a stream of pairs never grows memory.

    Example:
        >>> planner = WindowPlanner(model.tokenizer, 32)
        >>> plan = planner.plan("The border is calm. " * 8, "Militants crossed the border.", {})
        >>> len(plan.units) > 1, plan.truncated
        (True, False)
    """

    def __init__(self, tokenizer: Any, max_length: int) -> None:
        """Plan windows of at most ``max_length`` tokens (the pair and its special tokens) for ``tokenizer``."""
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.cache: dict[str, int] = {}

    def token_lengths(self, texts: Sequence[str]) -> list[int]:
        """Tokens of each text without special tokens (cached)."""
        unique = dict.fromkeys(texts)
        missing = [t for t in unique if t not in self.cache]
        if len(self.cache) + len(missing) > LENGTH_CACHE_SIZE:  # a stream must not grow it without limit
            self.cache.clear()  # cleared before this call's texts are looked up, never in between
            missing = list(unique)
        if missing:
            encoded = self.tokenizer(missing, add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
            self.cache.update(zip(missing, (len(ids) for ids in encoded), strict=True))
        return [self.cache[t] for t in texts]

    def budget(self, hypothesis: str) -> int:
        """Premise tokens that fit beside ``hypothesis`` in one window."""
        specials = int(self.tokenizer.num_special_tokens_to_add(pair=True))
        return self.max_length - specials - self.token_lengths([hypothesis])[0]

    def plan(self, premise: str, hypothesis: str, units: dict[Unit, int], *, split: str = "premise") -> Plan:
        """Windows of the long side (``split``: the premise, or for the backward direction the hypothesis slot)."""
        long_text, other = (premise, hypothesis) if split == "premise" else (hypothesis, premise)

        def unit(window: str) -> Unit:
            return Unit(window, other) if split == "premise" else Unit(other, window)

        budget = self.budget(other)
        if self.token_lengths([long_text])[0] <= budget:
            return Plan([units.setdefault(unit(long_text), len(units))], [(0, len(long_text))], False)
        spans = split_sentences(long_text) or [(0, len(long_text))]
        lengths = self.token_lengths([long_text[s:e] for s, e in spans])
        groups: list[list[int]] = []
        used = 0
        for i, n in enumerate(lengths):
            # A first guess: the sum of the sentences' counts and a token per join; checked exactly below
            if groups and used + n + 1 <= budget:
                groups[-1].append(i)
                used += n + 1
            else:
                groups.append([i])
                used = n
        windows: list[tuple[int, int]] = []
        truncated = budget < 1
        while groups:
            group = groups.pop(0)
            start, end = spans[group[0]][0], spans[group[-1]][1]
            if len(group) > 1 and self.token_lengths([long_text[start:end]])[0] > budget:
                # joins cost more than guessed (byte-level BPE counts "\n\n" and leading spaces): split the group
                half = len(group) // 2
                groups[:0] = [group[:half], group[half:]]
                continue
            truncated = truncated or (len(group) == 1 and lengths[group[0]] > budget)
            windows.append((start, end))
        ids = [units.setdefault(unit(long_text[s:e]), len(units)) for s, e in windows]
        return Plan(ids, windows, truncated)


def aggregate(plan: Plan, probs: npt.NDArray[np.float32], *, two_way: bool) -> tuple[npt.NDArray[np.float32], int]:
    """The scores of a planned pair and the window that decided them.

    One window: its scores. Several: the window with the strongest entailment or contradiction (a two-way model:
    the strongest entailment), since one sentence of a long premise can settle the pair.

    Example:
        >>> probs = np.array([[0.1, 0.8, 0.1], [0.05, 0.15, 0.8]], np.float32)
        >>> aggregate(Plan([0, 1], [(0, 10), (11, 20)], False), probs, two_way=False)[1]
        1
    """
    rows = probs[plan.units]
    if len(rows) == 1:
        return rows[0], 0
    best_e = int(np.argmax(rows[:, 0]))
    if two_way:
        return rows[best_e], best_e
    best_c = int(np.argmax(rows[:, 2]))
    return (rows[best_e], best_e) if rows[best_e, 0] >= rows[best_c, 2] else (rows[best_c], best_c)
