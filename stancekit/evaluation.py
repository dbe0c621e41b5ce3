"""Evaluation of NLI models: accuracy, macro-F1, confusion matrix and calibration per data set."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from stancekit.calibration import expected_calibration_error
from stancekit.io import NLIExample, read_nli_file
from stancekit.types import THREE_WAY, NLILabel

if TYPE_CHECKING:
    import pandas as pd

    from stancekit.scoring import NLIModel

__all__ = ["NLI_BENCHMARKS", "NLIEvalReport", "evaluate_nli", "evaluate_nli_sets", "reports_to_pandas"]

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
        >>> report = evaluate_nli(model, examples, name="mnli")  # doctest: +SKIP
        >>> round(report.accuracy, 3)  # doctest: +SKIP
        0.781
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
            " " * width + "".join(f"{label[:12]:>14}" for label in self.labels) + "   (rows gold, columns predicted)",
        ]
        for label, row in zip(self.labels, self.confusion, strict=True):
            lines.append(f"{label:<{width}}" + "".join(f"{count:>14}" for count in row))
        return "\n".join(lines)


def evaluate_nli(
    model: NLIModel, examples: Sequence[NLIExample], *, name: str = "data", two_way: bool = False, batch_size: int = 64
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
        >>> print(evaluate_nli(NLIModel.default(), read_nli_file("snli/test.jsonl.gz"), name="snli"))  # doctest: +SKIP
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
    model: NLIModel,
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
        >>> for report in evaluate_nli_sets(NLIModel.default(), "data"):  # doctest: +SKIP
        ...     print(report)
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
    """One row per report: name, n, accuracy, macro_f1, ece."""
    import pandas as pd

    frame: pd.DataFrame = pd.DataFrame(
        [{k: v for k, v in r.to_dict().items() if k not in ("labels", "confusion")} for r in reports]
    )
    return frame
