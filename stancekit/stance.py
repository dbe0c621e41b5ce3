"""Stance toward a target proposition, from NLI over an ensemble of hypotheses (the target and its negation)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from stancekit.results import RecordSequence
from stancekit.scoring import NLIModel, _check_text
from stancekit.text import negate

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DEFAULT_TEMPLATES", "StanceLabel", "StanceResult", "StanceResults", "negate", "stance"]


DEFAULT_TEMPLATES: tuple[str, ...] = ("{target}", "It is true that {target_lc}")
"""Hypothesis templates applied to the target and to its negation; ``{target_lc}`` is the target with a lower-case
first letter."""


class StanceLabel(str, Enum):
    """Stance of a text toward a target.

    Example:
        >>> StanceLabel("against").value
        'against'
    """

    FAVOR = "favor"
    AGAINST = "against"
    NONE = "none"

    def __str__(self) -> str:
        """The plain label name."""
        return self.value


@dataclass(frozen=True, slots=True, kw_only=True)
class StanceResult:
    """The stance of one text toward one target.

    Attributes:
        text: The text as given.
        target: The target proposition.
        label: The most probable stance.
        favor: P(the text supports the target).
        against: P(the text opposes the target).
        none: P(the text takes no stance).

    Example:
        >>> StanceResult(text="t", target="x", label=StanceLabel.NONE, favor=0.1, against=0.1, none=0.8).scores
        {'favor': 0.1, 'against': 0.1, 'none': 0.8}
    """

    text: str
    target: str
    label: StanceLabel
    favor: float
    against: float
    none: float

    @property
    def scores(self) -> dict[str, float]:
        """The three probabilities as a dictionary."""
        return {"favor": self.favor, "against": self.against, "none": self.none}


class StanceResults(RecordSequence[StanceResult]):
    """Stance of a batch of texts; iterate for :class:`StanceResult`, convert with ``to_pandas``/``to_numpy``.

    Example:
        >>> results = stance(model, ["Afghan soil poses no threat."], "Afghanistan is a threat")  # doctest: +SKIP
        >>> results[0].label  # doctest: +SKIP
        <StanceLabel.AGAINST: 'against'>
    """

    __slots__ = ("_probs", "_targets", "_texts")

    def __init__(self, texts: Sequence[str], targets: Sequence[str], probabilities: npt.NDArray[np.float32]) -> None:
        """Columns: texts, targets and ``(n, 3)`` probabilities in (favor, against, none) order."""
        n = len(texts)
        probabilities = np.asarray(probabilities, np.float32).reshape(n, 3)
        if len(targets) != n:
            raise ValueError(f"got {n} texts but {len(targets)} targets.")
        self._texts = list(texts)
        self._targets = list(targets)
        self._probs = probabilities

    def __len__(self) -> int:
        """Number of texts."""
        return len(self._texts)

    def _record(self, i: int) -> StanceResult:
        favor, against, none = (float(x) for x in self._probs[i])
        order = (StanceLabel.FAVOR, StanceLabel.AGAINST, StanceLabel.NONE)
        return StanceResult(
            text=self._texts[i],
            target=self._targets[i],
            label=order[int(np.argmax(self._probs[i]))],
            favor=favor,
            against=against,
            none=none,
        )

    @property
    def labels(self) -> list[StanceLabel]:
        """The most probable stance of each text."""
        return [r.label for r in self]

    def to_numpy(self) -> npt.NDArray[np.float32]:
        """``(n, 3)`` probabilities in (favor, against, none) order."""
        copy: npt.NDArray[np.float32] = self._probs.copy()
        return copy

    def to_pandas(self) -> pd.DataFrame:
        """One row per text: text, target, stance, favor, against, none."""
        import pandas as pd

        frame: pd.DataFrame = pd.DataFrame(
            {
                "text": self._texts,
                "target": self._targets,
                "stance": [r.label.value for r in self],
                "favor": self._probs[:, 0],
                "against": self._probs[:, 1],
                "none": self._probs[:, 2],
            }
        )
        return frame

    def __repr__(self) -> str:
        """A short text table."""
        lines = [f"StanceResults({len(self)} texts)"]
        for r in self[:10]:
            lines.append(f"  {r.label.value:<8} f={r.favor:.2f} a={r.against:.2f} n={r.none:.2f}  {r.text[:60]}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """An HTML table for Jupyter."""
        rows = "".join(
            f"<tr><td>{html.escape(r.text[:120])}</td><td>{html.escape(r.target[:60])}</td><td><b>{r.label.value}</b>"
            f"</td><td>{r.favor:.3f}</td><td>{r.against:.3f}</td><td>{r.none:.3f}</td></tr>"
            for r in self[:50]
        )
        return (
            "<table><thead><tr><th>text</th><th>target</th><th>stance</th><th>favor</th><th>against</th>"
            f"<th>none</th></tr></thead><tbody>{rows}</tbody></table>"
        )


def _hypotheses(target: str, templates: Sequence[str], negation: str | None) -> list[tuple[str, bool]]:
    """(hypothesis, is_negated) pairs: every template over the target and over its negation."""
    negated = negation or negate(target)
    out: list[tuple[str, bool]] = []
    for template in templates:
        for text, flipped in ((target, False), (negated, True)):
            body = text.strip().rstrip(".")
            out.append((template.format(target=body, target_lc=body[:1].lower() + body[1:]) + ".", flipped))
    return out  # pairs (target, negation) per template, in order: the caller relies on it


def stance(
    model: NLIModel,
    texts: Sequence[str],
    target: str | Sequence[str],
    *,
    templates: Sequence[str] = DEFAULT_TEMPLATES,
    negation: str | None = None,
    batch_size: int = 32,
    show_progress_bar: bool | None = None,
) -> StanceResults:
    """Stance of each text toward ``target``: favor, against or none, with probabilities.

    Each text is scored as the premise against every template applied to the target and to its negation. For the
    target, entailment is evidence of favor and contradiction of against; for the negation the reverse; neutral of
    none. Within a template the stronger evidence wins (favor = max(P(e | target), P(c | negation)), against
    likewise, none = the smaller neutral), because a denial is often clear against the target and merely neutral
    toward its negation; the templates are then averaged and normalised. A two-way model (no contradiction class)
    reads against from entailment of the negation only.

    A model fine-tuned in its own label schema (e.g. FAVOR/AGAINST/NONE on (text, target) pairs) is asked about
    (text, target) directly, as it was trained, and its labels are read through the schema's NLI meaning:
    entailment -> favor, contradiction -> against, the rest -> none. Templates and negation are not used then.

    Args:
        model: The NLI model.
        texts: The texts (claims) whose stance is wanted.
        target: One target for all texts, or one per text.
        templates: Hypothesis templates with ``{target}`` or ``{target_lc}``.
        negation: The target's negation; default: :func:`negate` (only with a single target).
        batch_size: Pairs per forward pass.
        show_progress_bar: As in :meth:`NLIModel.score`.

    Returns:
        One :class:`StanceResult` per text.

    Raises:
        ValueError: If a text or target is empty, or there are not as many targets as texts.
        TypeError: If a text is not a string.

    Example:
        >>> stance(model, ["Afghan soil poses no threat to any nation."],  # doctest: +SKIP
        ...        "Afghanistan poses a security threat to Central Asia")[0].label
        <StanceLabel.AGAINST: 'against'>
    """
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of strings, got a single string; wrap it in a list.")
    targets = [target] * len(texts) if isinstance(target, str) else list(target)
    if len(targets) != len(texts):
        raise ValueError(f"got {len(texts)} texts but {len(targets)} targets; give one target, or one per text.")
    if negation is not None and not isinstance(target, str):
        raise ValueError("negation= applies to a single target; with one target per text, leave it to negate().")
    for i, (text, goal) in enumerate(zip(texts, targets, strict=True)):
        _check_text(text, f"texts[{i}]")
        _check_text(goal, f"targets[{i}]" if not isinstance(target, str) else "target")
    if not templates or any("{target" not in t for t in templates):
        raise ValueError(f"every template needs a {{target}} or {{target_lc}} placeholder, got {list(templates)!r}.")
    if getattr(model, "schema", None) is not None:  # duck-typed stand-ins need not have one
        return _stance_from_schema(model, texts, targets, batch_size, show_progress_bar)
    plans = {goal: _hypotheses(goal, templates, negation) for goal in dict.fromkeys(targets)}
    pairs: list[tuple[str, str]] = []
    for text, goal in zip(texts, targets, strict=True):
        pairs.extend((text, hypothesis) for hypothesis, _ in plans[goal])
    scored = model.score(pairs, batch_size=batch_size, show_progress_bar=show_progress_bar).to_numpy()
    out = np.zeros((len(texts), 3), dtype=np.float32)
    row = 0
    for i, goal in enumerate(targets):
        per_template: dict[int, list[tuple[float, float, float]]] = {}
        for index, (_, flipped) in enumerate(plans[goal]):
            e, n, c = (float(x) for x in scored[row])
            row += 1
            if model.two_way:  # no contradiction class: against only from entailment of the negation
                vote = (0.0, e, 1.0 - e) if flipped else (e, 0.0, 1.0 - e)
            else:
                vote = (c, e, n) if flipped else (e, c, n)
            per_template.setdefault(index // 2, []).append(vote)
        combined = []
        for votes in per_template.values():
            favor = max(v[0] for v in votes)
            against = max(v[1] for v in votes)
            none = min(v[2] for v in votes)
            combined.append((favor, against, none))
        mean = np.mean(np.asarray(combined, dtype=np.float32), axis=0)
        out[i] = mean / max(float(mean.sum()), 1e-9)
    return StanceResults(list(texts), targets, out)


def _stance_from_schema(
    model: NLIModel, texts: Sequence[str], targets: Sequence[str], batch_size: int, show_progress_bar: bool | None
) -> StanceResults:
    schema = model.schema
    if schema is None or not schema.has_nli_meaning:
        labels = list(schema.labels) if schema is not None else []
        raise ValueError(
            f"this model's labels {labels} have no stance meaning; fine-tune it with a label_map that says which "
            "label means favor (entailment) and which against (contradiction)."
        )
    scored = model.score(
        list(zip(texts, targets, strict=True)), batch_size=batch_size, show_progress_bar=show_progress_bar
    ).to_numpy()
    out = np.stack([scored[:, 0], scored[:, 2], scored[:, 1]], axis=1).astype(np.float32)
    return StanceResults(list(texts), list(targets), out)
