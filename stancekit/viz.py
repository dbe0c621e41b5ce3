"""Plots for exploration in Jupyter: stance over time, contradictions between actors, confusion, calibration.

Needs matplotlib (``pip install "stancekit[viz]"``); ``import stancekit`` never imports this module. Every function
draws on ``ax`` when given (else on a new figure) and returns the :class:`matplotlib.figure.Figure`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["confusion_matrix", "contradiction_heatmap", "reliability_diagram", "stance_timeline"]


def _axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError('stancekit.viz needs matplotlib: pip install "stancekit[viz]"') from error
    if ax is not None:
        figure = ax.figure
        return figure, ax  # type: ignore[return-value]  # a subfigure's axes still belong to a Figure here
    figure, new = plt.subplots(figsize=size)
    return figure, new


def _frame(source: Any, method: str, **kwargs: Any) -> pd.DataFrame:
    """A DataFrame as given, or the result of ``source.<method>(**kwargs)`` for a Tracker."""
    if hasattr(source, method):
        frame: pd.DataFrame = getattr(source, method)(**kwargs)
        return frame
    if hasattr(source, "columns"):
        return source  # type: ignore[no-any-return]
    raise TypeError(f"expected a Tracker or a DataFrame from Tracker.{method}(), got {type(source).__name__}.")


def stance_timeline(
    source: Any, *, target: str | None = None, actors: Sequence[str] | None = None, ax: Axes | None = None
) -> Figure:
    """Net stance (P(favor) - P(against)) of each actor's claims over time, with the day's range as a band.

    Args:
        source: A :class:`~stancekit.tracking.Tracker` or the DataFrame of its ``stance_timeline()``.
        target: The target (for a Tracker; default: its own).
        actors: Only these actors (default: all with a dated claim).
        ax: Axes to draw on.

    Returns:
        The figure: x is the date, y the net stance in [-1, 1]; one line and band per actor.

    Raises:
        ValueError: If no claim has a date.

    Example:
        >>> fig = stance_timeline(tracker)
        >>> fig.axes[0].get_ylabel()
        'P(favor) - P(against)'
    """
    from stancekit.report import timeline_points

    frame = timeline_points(_frame(source, "stance_timeline", target=target))
    if frame.empty:
        raise ValueError("no claim has a date; give the documents dates (metadata) to draw a timeline.")
    if actors is not None:
        frame = frame[frame["actor"].isin(list(actors))]
    figure, axes = _axes(ax, (9, 4.5))
    for actor, group in frame.groupby("actor", sort=True):
        daily = group.groupby("day")["net"].agg(["mean", "min", "max"]).sort_index()
        (line,) = axes.plot(daily.index, daily["mean"], marker="o", label=f"{actor} ({len(group)})")
        axes.fill_between(daily.index, daily["min"], daily["max"], color=line.get_color(), alpha=0.2)
    axes.axhline(0.0, color="grey", linewidth=0.8)
    axes.set_ylim(-1.05, 1.05)
    axes.set_xlabel("date")
    axes.set_ylabel("P(favor) - P(against)")
    title = target or getattr(source, "target", None) or "stance"
    axes.set_title(f"Stance toward: {title}")
    axes.legend(loc="best", fontsize="small")
    figure.autofmt_xdate()
    return figure


def contradiction_heatmap(source: Any, *, ax: Axes | None = None) -> Figure:
    """Counts of contradictions between actors: rows the earlier claim's actor, columns the replying actor.

    Args:
        source: A :class:`~stancekit.tracking.Tracker` or the DataFrame of its ``relations_frame()``.
        ax: Axes to draw on.

    Returns:
        The figure, each cell annotated with its count.

    Example:
        >>> contradiction_heatmap(tracker).axes[0].get_title()
        'Contradictions between actors'
    """
    frame = _frame(source, "relations_frame")
    actors: list[str] = []
    if len(frame):
        actors = sorted(set(frame["actor"].fillna("unknown")) | set(frame["reply_actor"].fillna("unknown")))
    counts = np.zeros((len(actors), len(actors)), dtype=np.int64)
    if len(frame):
        contradicting = frame[frame["relation"] == "contradicts"]
        index = {a: i for i, a in enumerate(actors)}
        for a, b in zip(
            contradicting["actor"].fillna("unknown"), contradicting["reply_actor"].fillna("unknown"), strict=True
        ):
            counts[index[a], index[b]] += 1
    return _annotated_matrix(
        counts.astype(np.float64),
        actors,
        ax=ax,
        size=(1.2 * len(actors) + 3, 1.0 * len(actors) + 2),
        cmap="Reds",
        xlabel="replying actor",
        ylabel="claim's actor",
        title="Contradictions between actors",
        cell=lambda value: str(int(value)),
        colorbar_label="contradicting pairs",
    )


def confusion_matrix(report: Any, *, normalise: bool = False, ax: Axes | None = None) -> Figure:
    """The confusion matrix of an evaluation report (gold labels as rows, predictions as columns).

    Args:
        report: A :class:`~stancekit.evaluation.ClassificationReport` or
            :class:`~stancekit.evaluation.NLIEvalReport` (anything with ``labels`` and ``confusion``).
        normalise: Show each row as fractions of its gold count.
        ax: Axes to draw on.

    Example:
        >>> from stancekit.evaluation import evaluate_stance
        >>> fig = confusion_matrix(evaluate_stance(model, "seeds/annotated/stance_examples.jsonl"), normalise=True)
        >>> [t.get_text() for t in fig.axes[0].get_xticklabels()]
        ['favor', 'against', 'none']
    """
    labels = list(report.labels)
    matrix = np.asarray(report.confusion, dtype=np.float64)
    if normalise:
        matrix = matrix / np.clip(matrix.sum(axis=1, keepdims=True), 1, None)
    return _annotated_matrix(
        matrix,
        labels,
        ax=ax,
        size=(1.1 * len(labels) + 2.5, 1.0 * len(labels) + 1.8),
        cmap="Blues",
        xlabel="predicted",
        ylabel="gold",
        title=f"{getattr(report, 'name', '')} confusion".strip(),
        cell=(lambda value: f"{value:.2f}") if normalise else (lambda value: str(int(value))),
    )


def _annotated_matrix(
    matrix: npt.NDArray[np.float64],
    names: list[str],
    *,
    ax: Axes | None,
    size: tuple[float, float],
    cmap: str,
    xlabel: str,
    ylabel: str,
    title: str,
    cell: Callable[[float], str],
    colorbar_label: str = "",
) -> Figure:
    """A square matrix as a heat map with the same names on both axes and each cell's value written in it."""
    figure, axes = _axes(ax, size)
    image = axes.imshow(matrix, cmap=cmap, vmin=0)
    axes.set_xticks(range(len(names)), names, rotation=45, ha="right")
    axes.set_yticks(range(len(names)), names)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    for i in range(len(names)):
        for j in range(len(names)):
            axes.text(j, i, cell(float(matrix[i, j])), ha="center", va="center", fontsize="small")
    figure.colorbar(image, ax=axes, label=colorbar_label)
    figure.tight_layout()
    return figure


def reliability_diagram(
    probabilities: npt.ArrayLike, gold: npt.ArrayLike, *, bins: int = 10, ax: Axes | None = None
) -> Figure:
    """Accuracy against confidence of the top label, per confidence bin, beside the diagonal of perfect calibration.

    Args:
        probabilities: ``(n, k)`` class probabilities (e.g. ``ScoreResults.to_numpy()``).
        gold: ``n`` gold class indices in the same column order.
        bins: Number of equal-width confidence bins.
        ax: Axes to draw on.

    Returns:
        The figure; its title carries the expected calibration error.

    Raises:
        ValueError: If the shapes disagree.

    Example:
        >>> results = model.score([(e.premise, e.hypothesis) for e in examples])
        >>> gold = np.array([0, 2, 1])  # entailment, contradiction, neutral: the columns of to_numpy()
        >>> reliability_diagram(results.to_numpy(), gold).axes[0].get_title()  # doctest: +ELLIPSIS
        'Reliability (ECE ...)'
    """
    from stancekit.calibration import top_label_ece

    probs = np.asarray(probabilities, dtype=np.float64)
    truth = np.asarray(gold, dtype=np.int64)
    if probs.ndim != 2 or len(probs) != len(truth):
        raise ValueError(f"need (n, k) probabilities and n gold indices, got {probs.shape} and {truth.shape}.")
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == truth
    edges = np.linspace(0.0, 1.0, bins + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    accuracy = np.full(bins, np.nan)
    for b in range(bins):
        inside = (confidence > edges[b]) & (confidence <= edges[b + 1])
        if inside.any():
            accuracy[b] = correct[inside].mean()
    figure, axes = _axes(ax, (4.5, 4.5))
    axes.bar(centres, np.nan_to_num(accuracy), width=1.0 / bins, edgecolor="black", alpha=0.7, label="accuracy")
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.set_xlabel("confidence")
    axes.set_ylabel("accuracy")
    axes.set_title(f"Reliability (ECE {top_label_ece(probs.astype(np.float32), truth, bins=bins):.3f})")
    axes.legend(loc="upper left", fontsize="small")
    return figure
