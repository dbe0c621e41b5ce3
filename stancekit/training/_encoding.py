"""Tokenising labelled pairs for training: untruncated first, so that over-long pairs are counted, never hidden."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def encode_pairs(
    tokenizer: Any, premises: Sequence[str], hypotheses: Sequence[str], max_length: int
) -> tuple[dict[str, list[list[int]]], list[int]]:
    """Encode (premise, hypothesis) pairs; only the pairs longer than ``max_length`` are encoded again, truncated.

    Returns:
        The tokenizer's columns (``input_ids``, and ``token_type_ids`` and ``attention_mask`` where the tokenizer
        makes them) and the indices of the pairs that were truncated, for the caller to report.

    Example:
        >>> columns, truncated = encode_pairs(tokenizer, ["A man sleeps."], ["A man rests."], 128)
        >>> sorted(columns), truncated
        (['attention_mask', 'input_ids', 'token_type_ids'], [])
    """
    encoded = tokenizer(list(premises), list(hypotheses), truncation=False, verbose=False)
    columns = {key: list(value) for key, value in encoded.items()}
    over = [i for i, ids in enumerate(columns["input_ids"]) if len(ids) > max_length]
    if over:
        again = tokenizer(
            [premises[i] for i in over], [hypotheses[i] for i in over], truncation=True, max_length=max_length
        )
        for key, column in columns.items():
            for j, i in enumerate(over):
                column[i] = again[key][j]
    return columns, over
