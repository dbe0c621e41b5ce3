"""Label enums, label-name mapping and small type aliases shared by the whole package."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import Enum
from typing import Literal

__all__ = [
    "LABEL_SYNONYMS",
    "NLILabel",
    "Pair",
    "Precision",
    "canonical_label",
    "map_id2label",
]

Pair = tuple[str, str]
"""A (premise, hypothesis) pair of texts."""

Precision = Literal["auto", "bf16", "fp32"]
"""Numeric precision for inference and training: ``auto`` picks bf16 only where the CPU runs it natively."""


class NLILabel(str, Enum):
    """The canonical three NLI labels, plus the two-way ``not_entailment`` some checkpoints and data sets use.

    Example:
        >>> NLILabel("contradiction") is NLILabel.CONTRADICTION
        True
    """

    ENTAILMENT = "entailment"
    NEUTRAL = "neutral"
    CONTRADICTION = "contradiction"
    NOT_ENTAILMENT = "not_entailment"

    def __str__(self) -> str:
        """Return the plain label name."""
        return self.value


THREE_WAY: tuple[NLILabel, NLILabel, NLILabel] = (NLILabel.ENTAILMENT, NLILabel.NEUTRAL, NLILabel.CONTRADICTION)

# Names seen in the id2label of public NLI / fact-checking checkpoints and data sets, after normalisation
# (lower case, every run of non-letters replaced by "_", stripped of "_").
LABEL_SYNONYMS: dict[str, NLILabel] = {
    **dict.fromkeys(
        ["entailment", "entail", "entails", "entailed", "support", "supports", "supported", "true", "yes", "e"],
        NLILabel.ENTAILMENT,
    ),
    **dict.fromkeys(
        [
            "neutral",
            "neither",
            "not_enough_info",
            "not_enough_information",
            "nei",
            "unknown",
            "uncertain",
            "undetermined",
            "n",
        ],
        NLILabel.NEUTRAL,
    ),
    **dict.fromkeys(
        [
            "contradiction",
            "contradict",
            "contradicts",
            "contradicted",
            "contradictory",
            "refute",
            "refutes",
            "refuted",
            "false",
            "no",
            "c",
        ],
        NLILabel.CONTRADICTION,
    ),
    **dict.fromkeys(
        ["not_entailment", "non_entailment", "not_entailed", "not_entails", "non_entailed"], NLILabel.NOT_ENTAILMENT
    ),
}


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z]+", "_", name.lower()).strip("_")


def canonical_label(name: str | NLILabel) -> NLILabel | None:
    """Map a label name from a checkpoint or a data set onto :class:`NLILabel`, or ``None`` if it is unknown.

    Args:
        name: A label name such as ``"ENTAILMENT"``, ``"refutes"`` or ``"NOT ENOUGH INFO"``.

    Returns:
        The canonical label, or ``None`` when the name is not in :data:`LABEL_SYNONYMS`.

    Example:
        >>> canonical_label("REFUTES")
        <NLILabel.CONTRADICTION: 'contradiction'>
    """
    if isinstance(name, NLILabel):
        return name
    return LABEL_SYNONYMS.get(_normalise(name))


def map_id2label(
    id2label: Mapping[int, str], *, label_map: Mapping[str, str | NLILabel] | None = None
) -> dict[int, NLILabel]:
    """Map a checkpoint's ``config.id2label`` onto canonical labels, by name and never by position.

    Args:
        id2label: The checkpoint's mapping from logit index to label name.
        label_map: Optional explicit mapping from the checkpoint's label names to canonical names; it wins over
            the synonym table. Use it for checkpoints whose labels are ``LABEL_0``… or domain-specific.

    Returns:
        A mapping from logit index to :class:`NLILabel`.

    Raises:
        ValueError: If a label cannot be mapped, if two logits map to the same label, or if the result is
            neither a three-way (entailment/neutral/contradiction) nor a two-way (entailment/not_entailment) head.

    Example:
        >>> map_id2label({0: "CONTRADICTION", 1: "ENTAILMENT", 2: "NEUTRAL"})[1]
        <NLILabel.ENTAILMENT: 'entailment'>
    """
    explicit: dict[str, NLILabel] = {}
    for key, value in (label_map or {}).items():
        target = canonical_label(value)
        if target is None:
            raise ValueError(
                f"label_map[{key!r}] = {value!r} is not an NLI label; use one of "
                f"{[label.value for label in NLILabel]}."
            )
        explicit[key] = target
    mapped: dict[int, NLILabel] = {}
    unknown: list[str] = []
    for index, name in sorted(id2label.items()):
        label = explicit.get(name) or canonical_label(name)
        if label is None:
            unknown.append(name)
        else:
            mapped[int(index)] = label
    names = [id2label[i] for i in sorted(id2label)]
    if unknown:
        raise ValueError(
            f"cannot map the model's labels {names} to NLI labels: {unknown} are not known names. "
            "The order differs between checkpoints (textattack's MNLI models, for one, put contradiction first), "
            "so read the model card for what each label means and pass it as "
            f"label_map={{{', '.join(repr(n) + ': ...' for n in unknown)}}} with entailment / neutral / "
            "contradiction (or not_entailment) as the values."
        )
    values = list(mapped.values())
    if len(set(values)) != len(values):
        raise ValueError(f"the model's labels {names} map to {[v.value for v in values]}: two logits share a label.")
    if set(values) == set(THREE_WAY) or set(values) == {NLILabel.ENTAILMENT, NLILabel.NOT_ENTAILMENT}:
        return mapped
    raise ValueError(
        f"the model's labels {names} map to {sorted(v.value for v in values)}, which is neither a three-way "
        "(entailment, neutral, contradiction) nor a two-way (entailment, not_entailment) NLI head. "
        "Pass label_map= to say what each label means."
    )
