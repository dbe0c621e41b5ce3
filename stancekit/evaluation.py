"""Evaluation of NLI models: accuracy, macro-F1, confusion matrix and calibration per data set."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from stancekit.calibration import binned_ece, expected_calibration_error, top_label_ece
from stancekit.data import LabeledPair, PairSource, as_pairs, load_pairs
from stancekit.io import NLIExample, read_nli_file
from stancekit.schema import LabelSchema
from stancekit.stance import StanceLabel, TargetKind, stance, stance_label
from stancekit.types import THREE_WAY, NLILabel

if TYPE_CHECKING:
    import pandas as pd

    from stancekit.scoring import Scorer

__all__ = [
    "NLI_BENCHMARKS",
    "ClassMetrics",
    "ClassificationReport",
    "NLIEvalReport",
    "StanceEvalReport",
    "StanceRecord",
    "confusion_lines",
    "evaluate",
    "evaluate_nli",
    "evaluate_nli_sets",
    "evaluate_stance",
    "load_stance",
    "off_target_records",
    "reports_to_pandas",
    "schema_probabilities",
    "stance_report",
]

NLI_BENCHMARKS: dict[str, tuple[str, ...]] = {
    "mnli_matched": ("mnli/dev_matched",),
    "snli_test": ("snli/test",),
    "anli_r1": ("anli/r1_test",),
    "anli_r2": ("anli/r2_test",),
    "anli_r3": ("anli/r3_test",),
    "sick_test": ("sick/test",),
    "med": ("med/test",),
    "breaking_nli": ("breaking_nli/test",),
}
"""The evaluation sets of the shipped model's card, as ``dataset/split`` names under a data directory."""

# MED's "neutral" means "not entailed" (it has no contradiction class): it is scored as a two-way set.
_TWO_WAY_SETS = frozenset({"med"})


@dataclass(frozen=True, slots=True, kw_only=True)
class NLIEvalReport:
    """Metrics of one model on one labelled set.

    Attributes:
        name: The set's name.
        n: Number of pairs.
        accuracy: Fraction of argmax predictions equal to the gold label.
        macro_f1: Unweighted mean F1 over the classes present in the gold labels or predictions.
        labels: Class names, the order of ``confusion`` rows (gold) and columns (predicted).
        confusion: Confusion matrix as nested lists.
        ece: Expected calibration error of the top-label confidence (three-way gold labels only).

    Example:
        >>> report = evaluate_nli(model, examples, name="mini")
        >>> report.n, report.accuracy, report.labels
        (3, 1.0, ('entailment', 'neutral', 'contradiction'))
    """

    name: str
    n: int
    accuracy: float
    macro_f1: float
    labels: tuple[str, ...]
    confusion: tuple[tuple[int, ...], ...]
    ece: float

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dictionary."""
        return {
            "name": self.name,
            "n": self.n,
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "labels": list(self.labels),
            "confusion": [list(row) for row in self.confusion],
            "ece": self.ece,
        }

    def __str__(self) -> str:
        """A readable block: the figures and the confusion matrix."""
        width = max(len(label) for label in self.labels) + 2
        lines = [
            f"{self.name}: n={self.n} accuracy={self.accuracy:.4f} macro-F1={self.macro_f1:.4f} ECE={self.ece:.4f}",
            *confusion_lines(self.labels, self.confusion, width=width, note="rows gold, columns predicted"),
        ]
        return "\n".join(lines)


def evaluate_nli(
    model: Scorer, examples: Sequence[NLIExample], *, name: str = "data", two_way: bool = False, batch_size: int = 64
) -> NLIEvalReport:
    """Score ``examples`` with ``model`` and compare with their gold labels.

    Args:
        model: The model to evaluate.
        examples: Labelled pairs.
        name: Name of the set, for the report.
        two_way: Score as entailment versus not_entailment (gold neutral and contradiction merged); implied when
            the model or the gold labels are two-way.
        batch_size: Pairs per forward pass.

    Returns:
        The report.

    Raises:
        ValueError: If ``examples`` is empty.

    Example:
        >>> print(evaluate_nli(model, examples, name="mini"))  # doctest: +NORMALIZE_WHITESPACE
        mini: n=3 accuracy=1.0000 macro-F1=1.0000 ECE=0.1243
                           entailment       neutral  contradictio   (rows gold, columns predicted)
        entailment                  1             0             0
        neutral                     0             1             0
        contradiction               0             0             1
    """
    from sklearn.metrics import confusion_matrix, f1_score

    if not examples:
        raise ValueError(f"no examples to evaluate in {name!r}.")
    results = model.score([(e.premise, e.hypothesis) for e in examples], batch_size=batch_size)
    gold = [e.label for e in examples]
    two_way = two_way or model.two_way or any(label is NLILabel.NOT_ENTAILMENT for label in gold)
    probs = results.to_numpy()
    if two_way:
        labels = [NLILabel.ENTAILMENT.value, NLILabel.NOT_ENTAILMENT.value]
        y_true = [label.value if label is NLILabel.ENTAILMENT else labels[1] for label in gold]
        y_pred = [labels[0] if p >= 0.5 else labels[1] for p in probs[:, 0]]
        ece = float("nan")
    else:
        labels = [label.value for label in THREE_WAY]
        y_true = [label.value for label in gold]
        y_pred = [label.value for label in results.labels]
        ece = expected_calibration_error(probs, gold)
    matrix = confusion_matrix(y_true, y_pred, labels=labels)
    present = sorted(set(y_true) | set(y_pred), key=labels.index)
    return NLIEvalReport(
        name=name,
        n=len(examples),
        accuracy=float(np.mean([t == p for t, p in zip(y_true, y_pred, strict=True)])),
        macro_f1=float(f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)),
        labels=tuple(labels),
        confusion=tuple(tuple(int(x) for x in row) for row in matrix),
        ece=ece,
    )


def evaluate_nli_sets(
    model: Scorer,
    data_dir: str | Path,
    *,
    sets: dict[str, tuple[str, ...]] | None = None,
    limit: int | None = None,
    batch_size: int = 64,
) -> list[NLIEvalReport]:
    """Evaluate ``model`` on named sets under ``data_dir`` (default: :data:`NLI_BENCHMARKS`); missing sets are skipped.

    Args:
        model: The model to evaluate.
        data_dir: Folder of ``<dataset>/<split>.jsonl[.gz]`` files.
        sets: Report name -> ``dataset/split`` names whose examples are pooled.
        limit: Evaluate at most this many examples per set (the first ones; for quick checks only).
        batch_size: Pairs per forward pass.

    Example:
        >>> (tmp / "snli").mkdir()
        >>> _ = (tmp / "snli" / "test.jsonl").write_text(
        ...     '{"premise": "A man sleeps.", "hypothesis": "A man is sleeping.", "label": "entailment"}')
        >>> [(r.name, r.n) for r in evaluate_nli_sets(model, tmp)]  # the sets with files, of NLI_BENCHMARKS
        [('snli_test', 1)]
    """
    root = Path(data_dir)
    reports = []
    for name, splits in (sets or NLI_BENCHMARKS).items():
        examples: list[NLIExample] = []
        for split in splits:
            candidates = [root / f"{split}.jsonl.gz", root / f"{split}.jsonl"]
            path = next((p for p in candidates if p.exists()), None)
            if path is not None:
                examples.extend(read_nli_file(path, source=split))
        if not examples:
            continue
        if limit is not None:
            examples = examples[:limit]
        reports.append(evaluate_nli(model, examples, name=name, two_way=name in _TWO_WAY_SETS, batch_size=batch_size))
    return reports


def reports_to_pandas(reports: Sequence[NLIEvalReport]) -> pd.DataFrame:
    """One row per report: name, n, accuracy, macro_f1, ece.

    Example:
        >>> reports_to_pandas([evaluate_nli(model, examples, name="mini")]).columns.tolist()
        ['name', 'n', 'accuracy', 'macro_f1', 'ece']
    """
    import pandas as pd

    frame: pd.DataFrame = pd.DataFrame(
        [{k: v for k, v in r.to_dict().items() if k not in ("labels", "confusion")} for r in reports]
    )
    return frame


@dataclass(frozen=True, slots=True, kw_only=True)
class ClassMetrics:
    """Precision, recall, F1 and support of one class.

    Example:
        >>> ClassMetrics(label="PRO", precision=0.8, recall=0.5, f1=0.615, support=10).f1
        0.615
    """

    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ClassificationReport:
    """A model's figures on labelled pairs in some label schema, with the base model's beside them when given.

    Attributes:
        name: The data's name.
        model: The evaluated model's name.
        n: Number of pairs.
        labels: The schema's labels: the order of ``per_class`` and of the confusion rows (gold) and columns.
        accuracy: Fraction of argmax predictions equal to the gold label.
        macro_f1: Unweighted mean F1 over the labels present in the gold labels.
        per_class: Precision, recall, F1 and support per label.
        confusion: Confusion matrix.
        ece: Expected calibration error of the top-label confidence.
        baseline: The same figures for the base model (zero-shot through the label mapping), if evaluated.

    Example:
        >>> rows = [{"premise": "Taxes fund schools.", "hypothesis": "Raise taxes.", "label": "PRO"},
        ...         {"premise": "Higher taxes drive firms away.", "hypothesis": "Raise taxes.", "label": "CON"}]
        >>> report = evaluate(model, rows, label_map={"PRO": "entailment", "CON": "contradiction"})
        >>> report.labels, report.n
        (('CON', 'PRO'), 2)
    """

    name: str
    model: str
    n: int
    labels: tuple[str, ...]
    accuracy: float
    macro_f1: float
    per_class: tuple[ClassMetrics, ...]
    confusion: tuple[tuple[int, ...], ...]
    ece: float
    baseline: ClassificationReport | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dictionary (the baseline nested under ``baseline``)."""
        return {
            "name": self.name,
            "model": self.model,
            "n": self.n,
            "labels": list(self.labels),
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "per_class": _class_dicts(self.per_class),
            "confusion": [list(row) for row in self.confusion],
            "ece": self.ece,
            "baseline": self.baseline.to_dict() if self.baseline is not None else None,
        }

    def to_pandas(self) -> pd.DataFrame:
        """One row per class (and one ``overall`` row): precision, recall, F1, support, and the baseline's F1."""
        import pandas as pd

        rows = _class_dicts(self.per_class)
        rows.append({"label": "macro", "f1": self.macro_f1, "support": self.n})
        if self.baseline is not None:
            base = {m.label: m.f1 for m in self.baseline.per_class}
            for row in rows[:-1]:
                row["baseline_f1"] = base.get(row["label"])
            rows[-1]["baseline_f1"] = self.baseline.macro_f1
        frame: pd.DataFrame = pd.DataFrame(rows)
        return frame

    def __str__(self) -> str:
        """Figures, per-class table, confusion matrix, and the comparison with the baseline."""
        lines = [
            f"{self.name} ({self.n} pairs), model {self.model}: accuracy={self.accuracy:.4f} "
            f"macro-F1={self.macro_f1:.4f} ECE={self.ece:.4f}"
        ]
        width = max(9, *(len(label) for label in self.labels)) + 2
        lines.extend(_class_lines(self.per_class, self.confusion, width=width, cell=14))
        if self.baseline is not None:
            b = self.baseline
            lines.append(
                f"baseline {b.model}: accuracy={b.accuracy:.4f} macro-F1={b.macro_f1:.4f} ECE={b.ece:.4f}; "
                f"macro-F1 {self.macro_f1 - b.macro_f1:+.4f}, accuracy {self.accuracy - b.accuracy:+.4f}"
            )
        return "\n".join(lines)


def schema_probabilities(
    model: Scorer, pairs: Sequence[tuple[str, str]], schema: LabelSchema, *, batch_size: int = 64
) -> npt.NDArray[np.float32]:
    """``(n, k)`` probabilities of ``schema``'s labels from ``model``.

    A model trained in ``schema`` gives its own; a plain NLI model is read through the schema's NLI meaning (each
    label takes the probability of the NLI label it maps to, an unmapped label neutral's, renormalised), which is
    what a head warm-started from that model predicts before training.

    Raises:
        ValueError: If the model has another schema, or ``schema`` gives no label an NLI meaning.

    Example:
        >>> schema = LabelSchema.create(["PRO", "CON"], {"PRO": "entailment", "CON": "contradiction"})
        >>> schema_probabilities(model, [("Taxes fund schools.", "Tax more.")], schema).shape
        (1, 2)
    """
    results = model.score(pairs, batch_size=batch_size)
    if model.schema is not None:
        missing = [label for label in schema.labels if label not in model.schema.labels]
        if missing:
            raise ValueError(
                f"the model's labels {list(model.schema.labels)} do not include {missing}, which the data use."
            )
        own = results.schema_probabilities()
        out: npt.NDArray[np.float32] = own[:, [model.schema.labels.index(label) for label in schema.labels]]
        return out
    if not schema.has_nli_meaning:
        raise ValueError(
            f"the NLI model {model.name!r} cannot predict the labels {list(schema.labels)} without knowing what they "
            "mean: pass label_map= (command line: --label-map), e.g. {'SUPPORT': 'entailment', "
            "'UNDERMINE': 'contradiction'}."
        )
    nli = results.to_numpy()
    if model.two_way:  # neutral and contradiction share not_entailment
        nli = np.stack([nli[:, 0], 1 - nli[:, 0], 1 - nli[:, 0]], axis=1).astype(np.float32)
    columns = [THREE_WAY.index(schema.nli_label(label)) for label in schema.labels]
    picked = nli[:, columns]
    normalised: npt.NDArray[np.float32] = (picked / np.clip(picked.sum(axis=1, keepdims=True), 1e-12, None)).astype(
        np.float32
    )
    return normalised


def evaluate(
    model: Scorer,
    data: PairSource,
    *,
    base: Scorer | None = None,
    label_map: Mapping[str, str | NLILabel] | None = None,
    column_mapping: Mapping[str, str] | None = None,
    name: str = "data",
    batch_size: int = 64,
) -> ClassificationReport:
    """Evaluate ``model`` on annotated pairs in any label schema, optionally beside a ``base`` model.

    Args:
        model: The model (fine-tuned with a schema, or a plain NLI model).
        data: Pairs (a path, DataFrame, Dataset, dictionaries or :class:`~stancekit.data.LabeledPair` records).
        base: A model to compare with on the same pairs, e.g. the NLI model the fine-tuning started from (its
            zero-shot through the label mapping).
        label_map: NLI meaning of the data's labels, for a plain NLI model or base; default: the fine-tuned model's
            stored mapping, else the labels' names when they are NLI names or synonyms.
        column_mapping: Source column -> ``premise``/``hypothesis``/``label``.
        name: The data's name, for the report.
        batch_size: Pairs per forward pass.

    Returns:
        A :class:`ClassificationReport` (with ``baseline`` when ``base`` is given).

    Raises:
        ValueError: For bad data (naming row, field and value), labels the model does not know, or labels a plain
            NLI model cannot be mapped onto.

    Example:
        >>> rows = [{"perspective": "Taxes fund schools.", "claim": "Raise taxes.", "stance": "PRO"},
        ...         {"perspective": "Taxes drive firms away.", "claim": "Raise taxes.", "stance": "CON"}]
        >>> evaluate(model, rows, column_mapping={"perspective": "premise", "claim": "hypothesis", "stance": "label"},
        ...          label_map={"PRO": "entailment", "CON": "contradiction"}).n
        2
    """
    pairs = as_pairs(data, name, column_mapping)
    gold_labels = sorted({p.label for p in pairs})
    if model.schema is not None and label_map is None:
        schema = model.schema
    else:
        schema = LabelSchema.infer(gold_labels, label_map)
        if model.schema is not None:
            schema = LabelSchema(model.schema.labels, schema.nli_map)
    unknown = sorted(set(gold_labels) - set(schema.labels))
    if unknown:
        row = next(p.where for p in pairs if p.label in unknown)
        raise ValueError(
            f"{name}: label(s) {unknown} (first at {row}) are not among the model's {list(schema.labels)}."
        )
    report = _classification_report(model, pairs, schema, name, batch_size)
    if base is None:
        return report
    baseline = _classification_report(base, pairs, schema, name, batch_size)
    return ClassificationReport(**{**_fields(report), "baseline": baseline})


def _fields(report: ClassificationReport) -> dict[str, Any]:
    return {f: getattr(report, f) for f in ClassificationReport.__dataclass_fields__}


def _class_figures(
    gold: npt.NDArray[np.int64], pred: npt.NDArray[np.int64], labels: Sequence[str]
) -> tuple[tuple[ClassMetrics, ...], tuple[tuple[int, ...], ...], float]:
    """Per-class precision/recall/F1/support, the confusion matrix and the macro-F1 over the gold classes."""
    from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

    indices = list(range(len(labels)))
    precision, recall, f1, support = precision_recall_fscore_support(gold, pred, labels=indices, zero_division=0)
    present = sorted(set(gold.tolist()))
    per_class = tuple(
        ClassMetrics(label=label, precision=float(p), recall=float(r), f1=float(f), support=int(s))
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    )
    confusion = tuple(tuple(int(x) for x in row) for row in confusion_matrix(gold, pred, labels=indices))
    return per_class, confusion, float(f1_score(gold, pred, labels=present, average="macro", zero_division=0))


def _class_dicts(per_class: Sequence[ClassMetrics]) -> list[dict[str, Any]]:
    return [
        {"label": m.label, "precision": m.precision, "recall": m.recall, "f1": m.f1, "support": m.support}
        for m in per_class
    ]


def _class_lines(
    per_class: Sequence[ClassMetrics], confusion: Sequence[Sequence[int]], *, width: int, cell: int
) -> list[str]:
    """The per-class table and the confusion matrix (rows gold), as text lines."""
    lines = [f"{'':<{width}}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}"]
    for m in per_class:
        lines.append(f"{m.label:<{width}}{m.precision:>10.4f}{m.recall:>10.4f}{m.f1:>10.4f}{m.support:>10}")
    lines.extend(confusion_lines([m.label for m in per_class], confusion, width=width, cell=cell))
    return lines


def confusion_lines(
    labels: Sequence[str],
    confusion: Sequence[Sequence[int]],
    *,
    width: int | None = None,
    cell: int = 14,
    note: str = "rows gold",
) -> list[str]:
    """A confusion matrix as text lines: a header of the labels, then one row per gold label.

    The one text rendering of a confusion matrix, used by every report's ``str``.

    Example:
        >>> for line in confusion_lines(["favor", "against"], [[3, 1], [0, 4]], cell=8):
        ...     print(line)
                    favor against   (rows gold)
        favor           3       1
        against         0       4
    """
    width = width if width is not None else max(len(label) for label in labels) + 2
    lines = [" " * width + "".join(f"{label[:12]:>{cell}}" for label in labels) + f"   ({note})"]
    for label, row in zip(labels, confusion, strict=True):
        lines.append(f"{label:<{width}}" + "".join(f"{count:>{cell}}" for count in row))
    return lines


def _classification_report(
    model: Scorer, pairs: Sequence[LabeledPair], schema: LabelSchema, name: str, batch_size: int
) -> ClassificationReport:
    probs = schema_probabilities(model, [(p.premise, p.hypothesis) for p in pairs], schema, batch_size=batch_size)
    gold = np.array([schema.index(p.label) for p in pairs])
    pred = probs.argmax(axis=1)
    per_class, confusion, macro_f1 = _class_figures(gold, pred, schema.labels)
    return ClassificationReport(
        name=name,
        model=model.name or "model",
        n=len(pairs),
        labels=schema.labels,
        accuracy=float((pred == gold).mean()),
        macro_f1=macro_f1,
        per_class=per_class,
        confusion=confusion,
        ece=top_label_ece(probs, gold),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class StanceRecord:
    """One annotated stance example: a text, its target and its stance.

    Example:
        >>> StanceRecord(text="Guns kill.", target="gun control", label=StanceLabel.FAVOR).label.value
        'favor'
    """

    text: str
    target: str
    label: StanceLabel
    where: str = ""


def off_target_records(records: Sequence[StanceRecord], n: int, *, seed: int = 13) -> list[StanceRecord]:
    """Up to ``n`` texts of a stance file, each paired with an unrelated target of the file, labelled none.

    The other target shares no content word with the text or its own target.

    Off-target statements are the commonest case in a news stream (most claims of an article are not about the
    target), and a calibration fitted only on a set's own rows never sees them; these rows let the combiner learn
    that weak evidence both ways means no stance. A file with fewer than three targets gives none.

    Example:
        >>> rows = [StanceRecord(text=f"Trams cut traffic {i}.", target=t, label=StanceLabel.FAVOR)
        ...         for i, t in enumerate(["trams help cities", "taxes should rise", "dogs need walks"] * 4)]
        >>> {r.label.value for r in off_target_records(rows, 5)}
        {'none'}
    """
    import random

    def words(text: str) -> set[str]:
        return {w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 3}

    targets = sorted({r.target for r in records})
    if len(targets) < 3 or n <= 0:
        return []
    rng = random.Random(seed)
    out = []
    for record in rng.sample(list(records), min(n, len(records))):
        for _ in range(5):
            other = rng.choice(targets)
            if other != record.target and not words(other) & (words(record.target) | words(record.text)):
                out.append(StanceRecord(text=record.text, target=other, label=StanceLabel.NONE, where="off-target"))
                break
    return out


def load_stance(
    source: PairSource,
    *,
    label_map: Mapping[str, str] | None = None,
    column_mapping: Mapping[str, str] | None = None,
    name: str = "data",
    limit: int | None = None,
    seed: int | None = 13,
) -> list[StanceRecord]:
    """Read annotated stance rows (``text``, ``target``, ``label``) from a file, DataFrame, Dataset or dictionaries.

    Native label names are read through ``label_map`` (e.g. ``{"PRO": "favor", "CON": "against"}``), else through
    :data:`stancekit.stance.STANCE_LABEL_SYNONYMS` (FAVOR, SUPPORT, UNDERMINE, 1/-1, observing, ...).

    Raises:
        ValueError: Naming the row for a missing column or text, and the label for one that cannot be mapped.

    Example:
        >>> load_stance([{"text": "Guns kill.", "target": "gun control", "label": "PRO"}])[0].label.value
        'favor'
    """
    mapping = {"text": "premise", "target": "hypothesis"}
    for column, role in (column_mapping or {}).items():
        if role not in ("text", "target", "label"):
            raise ValueError(f"column_mapping must map onto 'text', 'target' or 'label', got {column!r}: {role!r}.")
        mapping = {k: v for k, v in mapping.items() if v != {"text": "premise", "target": "hypothesis"}.get(role)}
        mapping[column] = {"text": "premise", "target": "hypothesis", "label": "label"}[role]
    pairs = load_pairs(source, column_mapping=mapping, name=name, limit=limit, seed=seed)
    out = []
    for pair in pairs:
        try:
            label = stance_label(pair.label, label_map)
        except ValueError as error:
            raise ValueError(f"{pair.where}: {error}") from None
        out.append(StanceRecord(text=pair.premise, target=pair.hypothesis, label=label, where=pair.where))
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class StanceEvalReport:
    """Figures of stance predictions on one annotated set.

    Attributes:
        name: The set's name.
        model: The model's name.
        n: Number of rows.
        two_way: The gold labels are favor/against only; predictions are then read between those two.
        accuracy: Fraction right.
        macro_f1: Mean F1 over the gold classes.
        f_avg: Mean F1 of favor and against (the SemEval-2016 measure).
        per_class: Precision, recall, F1 and support per stance.
        confusion: Rows gold, columns predicted, in (favor, against, none) order.
        ece: Expected calibration error of the top-label confidence (15 equal-width bins).
        ece_noise: The ECE that a perfectly calibrated model with these same confidences would show on this many
            rows, from sampling alone (the mean over 200 draws of right/wrong with the confidence as its
            probability). ECE is biased upward on small sets; an ECE near this figure is as calibrated as the set
            can show.
        intervals: 95% bootstrap intervals (1,000 resamples of the rows, fixed seed) of ``accuracy``,
            ``macro_f1`` and ``f_avg``, as (low, high). ECE has none: resampling repeats rows, which biases binned
            ECE upward, so its percentile interval can miss the figure itself; ``ece_noise`` is its yardstick.
        baseline: The same figures for a second model (e.g. the shipped one), if evaluated.

    Example:
        >>> report = evaluate_stance(model, "seeds/annotated/stance_examples.jsonl")
        >>> report.n, report.two_way, report.confusion[2]  # none: 11 of 16 right
        (48, False, (1, 4, 11))
        >>> low, high = report.intervals["macro_f1"]  # 48 rows leave a wide interval
        >>> low < report.macro_f1 < high and high - low > 0.15
        True
    """

    name: str
    model: str
    n: int
    two_way: bool
    accuracy: float
    macro_f1: float
    f_avg: float
    per_class: tuple[ClassMetrics, ...]
    confusion: tuple[tuple[int, ...], ...]
    ece: float
    ece_noise: float = float("nan")
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    baseline: StanceEvalReport | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        """The stances in the order of ``confusion`` rows and columns (as every report has, for plotting)."""
        return tuple(m.label for m in self.per_class)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dictionary."""
        out = {f: getattr(self, f) for f in StanceEvalReport.__dataclass_fields__ if f != "baseline"}
        out["per_class"] = _class_dicts(self.per_class)
        out["confusion"] = [list(row) for row in self.confusion]
        out["intervals"] = {k: list(v) for k, v in self.intervals.items()}
        out["baseline"] = self.baseline.to_dict() if self.baseline is not None else None
        return out

    def __str__(self) -> str:
        """Figures, per-class table and confusion matrix, then the baseline's figures."""
        mode = "two-way (favor/against)" if self.two_way else "three-way"
        lines = [
            f"{self.name} ({self.n} rows, {mode}), model {self.model}: accuracy={self.accuracy:.4f} "
            f"macro-F1={self.macro_f1:.4f} F_avg={self.f_avg:.4f} ECE={self.ece:.4f}",
        ]
        if self.intervals:
            spans = ", ".join(f"{k} {lo:.3f}-{hi:.3f}" for k, (lo, hi) in self.intervals.items())
            lines.append(f"95% bootstrap intervals: {spans}")
        if self.ece_noise == self.ece_noise:
            lines.append(f"ECE of a perfectly calibrated model at these confidences and this n: {self.ece_noise:.4f}")
        lines.extend(_class_lines(self.per_class, self.confusion, width=10, cell=10))
        if self.baseline is not None:
            b = self.baseline
            lines.append(
                f"baseline {b.model}: accuracy={b.accuracy:.4f} macro-F1={b.macro_f1:.4f} F_avg={b.f_avg:.4f} "
                f"ECE={b.ece:.4f}; macro-F1 {self.macro_f1 - b.macro_f1:+.4f}"
            )
        return "\n".join(lines)


def stance_report(
    probabilities: npt.NDArray[np.float32],
    gold: Sequence[StanceLabel],
    *,
    name: str = "data",
    model: str = "model",
    two_way: bool | None = None,
) -> StanceEvalReport:
    """The figures of ``(n, 3)`` (favor, against, none) probabilities against gold stances.

    ``two_way`` (default: when no gold label is none) reads each prediction between favor and against.

    Example:
        >>> p = np.array([[0.7, 0.2, 0.1], [0.2, 0.3, 0.5]], np.float32)
        >>> stance_report(p, [StanceLabel.FAVOR, StanceLabel.AGAINST]).accuracy
        1.0
    """
    order = (StanceLabel.FAVOR, StanceLabel.AGAINST, StanceLabel.NONE)
    y = np.array([order.index(g) for g in gold])
    if two_way is None:
        two_way = bool(len(y)) and 2 not in set(y.tolist())
    probs = np.asarray(probabilities, np.float32)
    if two_way:  # read between favor and against
        shown = (probs[:, :2] / np.clip(probs[:, :2].sum(axis=1, keepdims=True), 1e-12, None)).astype(np.float32)
        shown_gold = np.where(y == 2, 0, y)
    else:
        shown, shown_gold = probs, y
    pred = shown.argmax(axis=1)
    ece = top_label_ece(shown, shown_gold)
    confidence = shown.max(axis=1).astype(np.float64)
    per_class, confusion, macro_f1 = _class_figures(y, pred, [label.value for label in order])
    return StanceEvalReport(
        name=name,
        model=model,
        n=len(y),
        two_way=two_way,
        accuracy=float((pred == y).mean()) if len(y) else float("nan"),
        macro_f1=macro_f1,
        f_avg=(per_class[0].f1 + per_class[1].f1) / 2,
        per_class=per_class,
        confusion=confusion,
        ece=ece,
        ece_noise=_ece_noise(confidence),
        intervals=_bootstrap_intervals(y, pred),
    )


def _ece_noise(confidence: npt.NDArray[np.float64], draws: int = 200, seed: int = 0) -> float:
    """The mean ECE of a calibrated model with these confidences: right with probability equal to its confidence."""
    if not len(confidence):
        return float("nan")
    rng = np.random.default_rng(seed)
    draws_right = rng.random((draws, len(confidence))) < confidence
    return float(np.mean([binned_ece(confidence, right.astype(float)) for right in draws_right]))


def _bootstrap_intervals(
    gold: npt.NDArray[np.int64],
    pred: npt.NDArray[np.int64],
    resamples: int = 1000,
    seed: int = 0,
) -> dict[str, tuple[float, float]]:
    """95% percentile intervals of accuracy, macro-F1 (over the gold classes present) and F_avg."""
    n = len(gold)
    if n < 2:
        return {}
    rng = np.random.default_rng(seed)
    figures: dict[str, list[float]] = {"accuracy": [], "macro_f1": [], "f_avg": []}
    for _ in range(resamples):
        idx = rng.integers(0, n, n)
        y, p = gold[idx], pred[idx]
        table = np.bincount(y * 3 + p, minlength=9).reshape(3, 3)
        tp = np.diag(table).astype(float)
        denominator = table.sum(axis=0) + table.sum(axis=1)
        f1 = np.divide(2 * tp, denominator, out=np.zeros(3), where=denominator > 0)
        right = (y == p).astype(float)
        figures["accuracy"].append(float(right.mean()))
        figures["macro_f1"].append(float(f1[np.unique(y)].mean()))
        figures["f_avg"].append(float(f1[:2].mean()))
    return {k: (float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))) for k, v in figures.items()}


def evaluate_stance(
    model: Scorer,
    data: PairSource | Sequence[StanceRecord],
    *,
    base: Scorer | None = None,
    label_map: Mapping[str, str] | None = None,
    column_mapping: Mapping[str, str] | None = None,
    target_kind: TargetKind | Literal["auto"] = "auto",
    name: str = "data",
    limit: int | None = None,
    batch_size: int = 32,
) -> StanceEvalReport:
    """Score :func:`stancekit.stance.stance` on annotated (text, target, label) rows.

    Reports accuracy, macro-F1, F_avg (mean F1 of favor and against), per-class figures, the confusion matrix
    and ECE; with ``base``, the same for that model beside it. A set whose gold labels are only favor/against is
    scored two-way (the prediction read between favor and against).

    Example:
        >>> rows = [{"text": "Kabul poses no threat to anyone.", "target": "Afghanistan is a threat", "label": "CON"}]
        >>> evaluate_stance(model, rows, label_map={"CON": "against"}).accuracy
        1.0
    """
    if isinstance(data, Sequence) and data and all(isinstance(r, StanceRecord) for r in data):
        rows: list[StanceRecord] = list(data)
        if limit is not None:
            rows = rows[:limit]
    else:
        rows = load_stance(data, label_map=label_map, column_mapping=column_mapping, name=name, limit=limit)
    gold = [r.label for r in rows]
    report = None
    for which in (model, base):
        if which is None:
            continue
        probs = stance(
            which, [r.text for r in rows], [r.target for r in rows], target_kind=target_kind, batch_size=batch_size
        ).to_numpy()
        current = stance_report(probs, gold, name=name, model=which.name or "model")
        report = current if report is None else StanceEvalReport(**{**_stance_fields(report), "baseline": current})
    assert report is not None
    return report


def _stance_fields(report: StanceEvalReport) -> dict[str, Any]:
    return {f: getattr(report, f) for f in StanceEvalReport.__dataclass_fields__}
