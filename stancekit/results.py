"""Typed results of NLI scoring: one record per pair and a columnar collection of them."""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

import numpy as np
import numpy.typing as npt

from stancekit.text import clip
from stancekit.types import NLILabel

if TYPE_CHECKING:
    import pandas as pd

    from stancekit.schema import LabelSchema

__all__ = [
    "SCORE_COLUMNS",
    "Direction",
    "PairScore",
    "RecordList",
    "RecordSequence",
    "ScoreResults",
    "contradiction_strength",
    "html_table",
    "more_contradictory",
]

R = TypeVar("R")

Direction = Literal["forward", "backward"]
"""Which direction decided a pair's scores: premise→hypothesis (forward) or hypothesis→premise (backward)."""


SCORE_COLUMNS: tuple[str, ...] = (
    "premise",
    "hypothesis",
    "label",
    "entailment",
    "neutral",
    "contradiction",
    "not_entailment",
    "direction",
    "window",
    "windows",
    "window_start",
    "window_end",
    "truncated",
)
"""The columns of :meth:`ScoreResults.to_pandas`, in order; a model with its own label schema adds
``schema_label`` (third) and one ``p_<label>`` column per label (last). The one list of them: Ray Data and the
command line read it from here."""


def _none_if_nan(value: float) -> float | None:
    return None if math.isnan(value) else value


def contradiction_strength(entailment: float, contradiction: float | None) -> float:
    """How strongly a direction contradicts: P(contradiction), or P(not_entailment) for a two-way model.

    The one rule by which both :meth:`stancekit.scoring.NLIModel.score` (``both_directions=True``) and
    :func:`stancekit.pairing.relate` pick the more contradictory direction of a pair.

    Example:
        >>> contradiction_strength(0.2, 0.7), contradiction_strength(0.2, None)
        (0.7, 0.8)
    """
    if contradiction is None or math.isnan(contradiction):
        return 1.0 - float(entailment)
    return float(contradiction)


def more_contradictory(forward: PairScore, backward: PairScore) -> PairScore:
    """The direction of a pair that contradicts more (see :func:`contradiction_strength`); ``forward`` on a tie.

    Example:
        >>> a = PairScore(premise="p", hypothesis="h", label=NLILabel.NEUTRAL, entailment=0.1, neutral=0.8,
        ...               contradiction=0.1, not_entailment=0.9)
        >>> b = PairScore(premise="h", hypothesis="p", label=NLILabel.CONTRADICTION, entailment=0.1, neutral=0.2,
        ...               contradiction=0.7, not_entailment=0.9, direction="backward")
        >>> more_contradictory(a, b).direction
        'backward'
    """
    strength = contradiction_strength(backward.entailment, backward.contradiction)
    return backward if strength > contradiction_strength(forward.entailment, forward.contradiction) else forward


@dataclass(frozen=True, slots=True, kw_only=True)
class PairScore:
    """The scores of one (premise, hypothesis) pair.

    For a two-way (entailment / not_entailment) model ``neutral`` and ``contradiction`` are ``None``: such a model
    does not say how its ``not_entailment`` mass splits between them, and stancekit does not invent a split.

    Attributes:
        premise: The premise as given.
        hypothesis: The hypothesis as given.
        label: The most probable label (``not_entailment`` only for two-way models).
        entailment: P(entailment).
        neutral: P(neutral), or ``None`` for a two-way model.
        contradiction: P(contradiction), or ``None`` for a two-way model.
        not_entailment: P(neutral) + P(contradiction).
        direction: The direction whose scores are reported (``forward`` unless both directions were scored).
        window: Index of the premise window that decided, when the premise was split to fit the model.
        windows: Number of windows the (directional) premise was split into; 1 when it fitted whole.
        window_start: Start of the deciding window in the deciding direction's premise (characters).
        window_end: End of the deciding window (characters).
        truncated: Whether some text of this pair still had to be truncated (a single sentence over the window).
        schema_label: For a model with its own label schema (e.g. SUPPORT/UNDERMINE): the most probable of its
            labels; the NLI fields then hold the schema's NLI meaning (a label mapped to nothing counts as neutral).
        schema_scores: For such a model: the probability of each of its labels.

    Example:
        >>> PairScore(premise="p", hypothesis="h", label=NLILabel.NEUTRAL, entailment=0.1, neutral=0.8,
        ...           contradiction=0.1, not_entailment=0.9).label.value
        'neutral'
    """

    premise: str
    hypothesis: str
    label: NLILabel
    entailment: float
    neutral: float | None
    contradiction: float | None
    not_entailment: float
    direction: Direction = "forward"
    window: int = 0
    windows: int = 1
    window_start: int = 0
    window_end: int = -1
    truncated: bool = False
    schema_label: str | None = None
    schema_scores: dict[str, float] | None = None

    @property
    def scores(self) -> dict[str, float | None]:
        """The canonical probabilities as a dictionary (``None`` where the model does not say)."""
        return {"entailment": self.entailment, "neutral": self.neutral, "contradiction": self.contradiction}


class RecordSequence(Sequence[R]):
    """A read-only sequence of typed records built on demand from columns; subclasses define ``_record``.

    Example:
        >>> first, *rest = model.score([("A man sleeps.", "A man is sleeping."), ("A man sleeps.", "A man rests.")])
        >>> first.label, len(rest)
        (<NLILabel.ENTAILMENT: 'entailment'>, 1)
    """

    __slots__ = ()

    def _record(self, i: int) -> R:  # pragma: no cover - abstract
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> R: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[R]: ...

    def __getitem__(self, index: int | slice) -> R | Sequence[R]:
        """The record at ``index``, or a list of records for a slice."""
        if isinstance(index, slice):
            return [self._record(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} results")
        return self._record(index)

    def __iter__(self) -> Iterator[R]:
        """Iterate over the records in input order."""
        return (self._record(i) for i in range(len(self)))


class ScoreResults(RecordSequence[PairScore]):
    """Scores of a batch of pairs, held as columns; iterate for :class:`PairScore` records.

    ``to_numpy()`` gives an ``(n, 3)`` float32 array in (entailment, neutral, contradiction) order, with NaN in the
    neutral and contradiction columns of a two-way model. ``to_pandas()`` gives one row per pair.

    Example:
        >>> results = model.score([("A woman plays a guitar.", "A woman is cooking dinner.")])
        >>> results[0].label, results.to_pandas().shape
        (<NLILabel.CONTRADICTION: 'contradiction'>, (1, 13))
    """

    __slots__ = (
        "_directions",
        "_hypotheses",
        "_labels",
        "_premises",
        "_probs",
        "_schema_probs",
        "_truncated",
        "_window",
        "_window_end",
        "_window_start",
        "_windows",
        "schema",
        "two_way",
    )

    def __init__(
        self,
        *,
        premises: Sequence[str],
        hypotheses: Sequence[str],
        probabilities: npt.NDArray[np.float32],
        two_way: bool,
        schema: LabelSchema | None = None,
        schema_probabilities: npt.NDArray[np.float32] | None = None,
        directions: Sequence[Direction] | None = None,
        window: npt.NDArray[np.int64] | None = None,
        windows: npt.NDArray[np.int64] | None = None,
        window_start: npt.NDArray[np.int64] | None = None,
        window_end: npt.NDArray[np.int64] | None = None,
        truncated: npt.NDArray[np.bool_] | None = None,
    ) -> None:
        """Build results from columns; all must have one entry per pair.

        Raises:
            ValueError: If the columns' lengths differ or ``probabilities`` is not ``(n, 3)``.
        """
        n = len(premises)
        probabilities = (
            np.asarray(probabilities, dtype=np.float32).reshape(-1, 3) if n else np.zeros((0, 3), np.float32)
        )
        if len(hypotheses) != n or probabilities.shape != (n, 3):
            raise ValueError(
                f"ScoreResults needs one entry per pair: {n} premises, {len(hypotheses)} hypotheses, "
                f"probabilities of shape {probabilities.shape}."
            )
        self.schema = schema
        width = len(schema.labels) if schema is not None else 0
        self._schema_probs = (
            np.asarray(schema_probabilities, dtype=np.float32).reshape(n, width)
            if schema_probabilities is not None and n
            else np.zeros((n, width), np.float32)
        )
        if schema is not None and schema_probabilities is None and n:
            raise ValueError("ScoreResults with a label schema needs schema_probabilities, one row per pair.")
        zeros = np.zeros(n, dtype=np.int64)
        self._premises = list(premises)
        self._hypotheses = list(hypotheses)
        self._probs = probabilities
        self.two_way = two_way
        self._directions: list[Direction] = list(directions) if directions is not None else ["forward"] * n
        self._window = zeros if window is None else np.asarray(window, dtype=np.int64)
        self._windows = zeros + 1 if windows is None else np.asarray(windows, dtype=np.int64)
        self._window_start = zeros if window_start is None else np.asarray(window_start, dtype=np.int64)
        self._window_end = (
            np.array([len(p) for p in premises], dtype=np.int64)
            if window_end is None
            else np.asarray(window_end, dtype=np.int64)
        )
        self._truncated = np.zeros(n, dtype=bool) if truncated is None else np.asarray(truncated, dtype=bool)
        if two_way:
            self._labels = [
                NLILabel.ENTAILMENT if e >= 0.5 else NLILabel.NOT_ENTAILMENT for e in probabilities[:, 0].tolist()
            ]
        else:
            order = (NLILabel.ENTAILMENT, NLILabel.NEUTRAL, NLILabel.CONTRADICTION)
            self._labels = [order[i] for i in probabilities.argmax(axis=1).tolist()] if n else []

    @classmethod
    def concatenate(
        cls, parts: Sequence[ScoreResults], *, two_way: bool, schema: LabelSchema | None = None
    ) -> ScoreResults:
        """Join several results (e.g. the chunks of a stream) into one."""
        return cls(
            premises=[p for part in parts for p in part._premises],
            hypotheses=[h for part in parts for h in part._hypotheses],
            probabilities=np.concatenate([part._probs for part in parts]) if parts else np.zeros((0, 3), np.float32),
            two_way=two_way,
            schema=schema,
            schema_probabilities=np.concatenate([part._schema_probs for part in parts]) if parts else None,
            directions=[d for part in parts for d in part._directions],
            window=np.concatenate([part._window for part in parts]) if parts else None,
            windows=np.concatenate([part._windows for part in parts]) if parts else None,
            window_start=np.concatenate([part._window_start for part in parts]) if parts else None,
            window_end=np.concatenate([part._window_end for part in parts]) if parts else None,
            truncated=np.concatenate([part._truncated for part in parts]) if parts else None,
        )

    def __len__(self) -> int:
        """Number of pairs."""
        return len(self._premises)

    def _record(self, i: int) -> PairScore:
        e, n, c = (float(x) for x in self._probs[i])
        own: dict[str, float] | None = None
        if self.schema is not None:
            own = dict(zip(self.schema.labels, (float(x) for x in self._schema_probs[i]), strict=True))
        return PairScore(
            premise=self._premises[i],
            hypothesis=self._hypotheses[i],
            label=self._labels[i],
            entailment=e,
            neutral=_none_if_nan(n),
            contradiction=_none_if_nan(c),
            not_entailment=1.0 - e,
            direction=self._directions[i],
            window=int(self._window[i]),
            windows=int(self._windows[i]),
            window_start=int(self._window_start[i]),
            window_end=int(self._window_end[i]),
            truncated=bool(self._truncated[i]),
            schema_label=self.schema_labels[i] if self.schema is not None else None,
            schema_scores=own,
        )

    @property
    def labels(self) -> list[NLILabel]:
        """The argmax NLI label of each pair (for a schema model: of the schema's NLI meaning)."""
        return list(self._labels)

    @property
    def schema_labels(self) -> list[str]:
        """The argmax label of each pair in the model's own label schema.

        Raises:
            ValueError: If the model has no label schema of its own (use :attr:`labels`).
        """
        if self.schema is None:
            raise ValueError("these results come from a plain NLI model; use .labels for its NLI labels.")
        return [self.schema.labels[j] for j in self._schema_probs.argmax(axis=1).tolist()] if len(self) else []

    def schema_probabilities(self) -> npt.NDArray[np.float32]:
        """``(n, k)`` probabilities over the model's own labels, in :attr:`schema`'s order.

        Raises:
            ValueError: If the model has no label schema of its own.
        """
        if self.schema is None:
            raise ValueError("these results come from a plain NLI model; use .to_numpy() for its NLI probabilities.")
        copy: npt.NDArray[np.float32] = self._schema_probs.copy()
        return copy

    @property
    def truncated_count(self) -> int:
        """How many pairs still had text truncated to fit the model."""
        return int(self._truncated.sum())

    def to_numpy(self) -> npt.NDArray[np.float32]:
        """``(n, 3)`` probabilities (entailment, neutral, contradiction); NaN where a two-way model is silent."""
        copy: npt.NDArray[np.float32] = self._probs.copy()
        return copy

    def to_records(self) -> list[dict[str, Any]]:
        """One JSON-serialisable dictionary per pair (the columns of :meth:`to_pandas`)."""
        return [_as_dict(record) for record in self]

    def to_pandas(self) -> pd.DataFrame:
        """One row per pair: texts, label, the three probabilities, not_entailment and provenance columns."""
        import pandas as pd

        columns = {
            "premise": self._premises,
            "hypothesis": self._hypotheses,
            "label": [label.value for label in self._labels],
            "entailment": self._probs[:, 0],
            "neutral": self._probs[:, 1],
            "contradiction": self._probs[:, 2],
            "not_entailment": 1.0 - self._probs[:, 0],
            "direction": self._directions,
            "window": self._window,
            "windows": self._windows,
            "window_start": self._window_start,
            "window_end": self._window_end,
            "truncated": self._truncated,
        }
        frame: pd.DataFrame = pd.DataFrame({name: columns[name] for name in SCORE_COLUMNS})
        if self.schema is not None:
            frame.insert(2, "schema_label", self.schema_labels)
            for j, label in enumerate(self.schema.labels):
                frame[f"p_{label}"] = self._schema_probs[:, j]
        return frame

    @classmethod
    def from_pandas(cls, frame: pd.DataFrame, *, two_way: bool, schema: LabelSchema | None = None) -> ScoreResults:
        """The results a frame of :meth:`to_pandas` columns holds (e.g. one scored on Ray workers).

        Raises:
            ValueError: If a column of :data:`SCORE_COLUMNS` (or a ``p_<label>`` column of ``schema``) is missing.

        Example:
            >>> frame = model.score([("A man sleeps.", "A man is sleeping.")]).to_pandas()
            >>> ScoreResults.from_pandas(frame, two_way=False).to_pandas().equals(frame)
            True
        """
        own = [f"p_{label}" for label in schema.labels] if schema is not None else []
        missing = [c for c in (*SCORE_COLUMNS, *own) if c not in frame.columns]
        if missing:
            raise ValueError(
                f"the frame lacks the columns {missing} of ScoreResults.to_pandas(); it has {list(frame.columns)}."
            )
        n = len(frame)

        def column(name: str, dtype: Any) -> npt.NDArray[Any] | None:
            return frame[name].to_numpy(dtype=dtype) if n else None

        probabilities = (
            frame[["entailment", "neutral", "contradiction"]].to_numpy(np.float32)
            if n
            else np.zeros((0, 3), np.float32)
        )
        return cls(
            premises=frame["premise"].tolist(),
            hypotheses=frame["hypothesis"].tolist(),
            probabilities=probabilities,
            two_way=two_way,
            schema=schema,
            schema_probabilities=frame[own].to_numpy(np.float32) if schema is not None and n else None,
            directions=frame["direction"].tolist() if n else None,
            window=column("window", np.int64),
            windows=column("windows", np.int64),
            window_start=column("window_start", np.int64),
            window_end=column("window_end", np.int64),
            truncated=column("truncated", bool),
        )

    def __repr__(self) -> str:
        """A short text table: label and probabilities of the first pairs."""
        head = [f"ScoreResults({len(self)} pairs{', two-way model' if self.two_way else ''})"]
        for record in self[:10]:
            probs = " ".join(f"{k[0]}={'  -  ' if v is None else f'{v:.3f}'}" for k, v in record.scores.items())
            head.append(f"  {record.label.value:<14} {probs}  {_clip(record.premise)} -> {_clip(record.hypothesis)}")
        if len(self) > 10:
            head.append(f"  … {len(self) - 10} more")
        return "\n".join(head)

    def _repr_html_(self) -> str:
        """A compact HTML table for Jupyter (first 50 pairs)."""
        rows = []
        for record in self[:50]:
            cells = [html.escape(_clip(record.premise, 80)), html.escape(_clip(record.hypothesis, 80))]
            cells.append(f"<b>{record.label.value}</b>")
            cells += ["-" if v is None else f"{v:.3f}" for v in record.scores.values()]
            rows.append(cells)
        more = f"<p>… {len(self) - 50} more</p>" if len(self) > 50 else ""
        header = SCORE_COLUMNS[:6]  # the texts, the label and the three probabilities
        return f"<p><b>ScoreResults</b>: {len(self)} pairs</p>{html_table(header, rows)}{more}"


def html_table(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, row_attributes: Sequence[str] | None = None
) -> str:
    """An HTML table: the header names (escaped here) and rows of cells already rendered as HTML.

    The one way stancekit writes a table (Jupyter views, the HTML report); ``row_attributes`` gives each row's
    ``<tr>`` its attributes (e.g. ``data-dispute='3'``).

    Example:
        >>> html_table(["actor", "stance"], [["Russia", "<b>favor</b>"]])
        '<table><thead><tr><th>actor</th><th>stance</th></tr></thead><tbody><tr><td>Russia</td><td><b>favor</b></td></tr></tbody></table>'
    """
    head = "".join(f"<th>{html.escape(str(name))}</th>" for name in header)
    body = []
    for i, row in enumerate(rows):
        attributes = f" {row_attributes[i]}" if row_attributes is not None and row_attributes[i] else ""
        body.append(f"<tr{attributes}>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _clip(text: str, width: int = 40) -> str:
    return clip(" ".join(text.split()), width)


def _as_dict(record: PairScore) -> dict[str, Any]:
    return {
        "premise": record.premise,
        "hypothesis": record.hypothesis,
        "label": record.label.value,
        "scores": record.scores,
        "not_entailment": record.not_entailment,
        "direction": record.direction,
        "window": record.window,
        "windows": record.windows,
        "window_start": record.window_start,
        "window_end": record.window_end,
        "truncated": record.truncated,
        **(
            {"schema_label": record.schema_label, "schema_scores": record.schema_scores} if record.schema_label else {}
        ),
    }


class RecordList(list[R]):
    """A plain list of records that also shows itself as a table (text in a terminal, HTML in Jupyter).

    Subclasses say which columns to show (``_row``); ``to_pandas`` gives the same columns for every record.

    Example:
        >>> from stancekit.claims import extract_claims
        >>> claims = extract_claims(documents)
        >>> type(claims).__name__, claims.to_pandas().columns.tolist()
        ('ClaimList', ['date', 'speaker', 'actor', 'kind', 'claim', 'doc'])
    """

    title = "records"

    def _row(self, record: R) -> dict[str, Any]:  # pragma: no cover - overridden
        return {"record": repr(record)}

    def to_pandas(self) -> pd.DataFrame:
        """One row per record, with the columns of the table."""
        import pandas as pd

        frame: pd.DataFrame = pd.DataFrame([self._row(r) for r in self])
        return frame

    def __repr__(self) -> str:
        """A short text table of the first records."""
        lines = [f"{type(self).__name__}({len(self)} {self.title})"]
        for record in self[:10]:
            lines.append("  " + " | ".join(_clip(_cell(v), 60) for v in self._row(record).values()))
        if len(self) > 10:
            lines.append(f"  … {len(self) - 10} more")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """A compact HTML table for Jupyter (first 50 records)."""
        rows = [self._row(r) for r in self[:50]]
        if not rows:
            return f"<p><b>{type(self).__name__}</b>: no {self.title}</p>"
        body = [[html.escape(_clip(_cell(v), 160)) for v in row.values()] for row in rows]
        more = f"<p>… {len(self) - 50} more</p>" if len(self) > 50 else ""
        table = html_table(list(rows[0]), body)
        return f"<p><b>{type(self).__name__}</b>: {len(self)} {self.title}</p>{table}{more}"


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    if hasattr(value, "date") and callable(value.date):
        return str(value.date())
    return "" if value is None else str(value)
