from __future__ import annotations

import sys

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from test_tracking import RUSSIA, TALIBAN, TARGET

from stancekit import viz
from stancekit.evaluation import ClassificationReport, ClassMetrics
from stancekit.pairing import TfidfEmbedder
from stancekit.tracking import Tracker


@pytest.fixture()
def tracker(fake_nli):
    tracker = Tracker(fake_nli, target=TARGET, embedder=TfidfEmbedder(), min_similarity=0.1)
    tracker.add_documents([RUSSIA, TALIBAN])
    return tracker


def test_stance_timeline_draws_one_line_per_actor_with_the_net_stance(tracker):
    figure = viz.stance_timeline(tracker)
    axes = figure.axes[0]
    assert axes.get_ylabel() == "P(favor) - P(against)" and axes.get_ylim() == (-1.05, 1.05)
    lines = {line.get_label(): line for line in axes.get_lines() if not line.get_label().startswith("_")}
    assert set(lines) == {"Russia (2)", "Taliban (1)"}
    assert lines["Russia (2)"].get_ydata()[0] > 0.5 and lines["Taliban (1)"].get_ydata()[0] < -0.5
    assert len(axes.collections) == 2  # one probability band per actor
    only = viz.stance_timeline(tracker.stance_timeline(), actors=["Taliban"])
    assert len([x for x in only.axes[0].get_lines() if not x.get_label().startswith("_")]) == 1


def test_contradiction_heatmap_counts_rebuttals_between_actors(tracker):
    figure = viz.contradiction_heatmap(tracker)
    axes = figure.axes[0]
    data = axes.get_images()[0].get_array()
    labels = [t.get_text() for t in axes.get_yticklabels()]
    assert labels == ["Russia", "Taliban"]
    expected = tracker.relations_frame()
    expected = expected[expected["relation"] == "contradicts"]
    assert int(np.asarray(data).sum()) == len(expected) >= 1
    assert data[labels.index("Russia"), labels.index("Taliban")] >= 1


def test_confusion_matrix_and_reliability_diagram():
    report = ClassificationReport(
        name="dev",
        model="m",
        n=10,
        labels=("PRO", "CON"),
        accuracy=0.7,
        macro_f1=0.7,
        per_class=(
            ClassMetrics(label="PRO", precision=0.75, recall=0.6, f1=0.67, support=5),
            ClassMetrics(label="CON", precision=0.67, recall=0.8, f1=0.73, support=5),
        ),
        confusion=((3, 2), (1, 4)),
        ece=0.1,
    )
    figure = viz.confusion_matrix(report, normalise=True)
    grid = np.asarray(figure.axes[0].get_images()[0].get_array())
    np.testing.assert_allclose(grid, [[0.6, 0.4], [0.2, 0.8]])
    assert figure.axes[0].get_xlabel() == "predicted"
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.4, 0.6], [0.3, 0.7]])
    figure = viz.reliability_diagram(probs, [0, 1, 1, 1], bins=5)
    axes = figure.axes[0]
    heights = [bar.get_height() for bar in axes.patches]
    assert heights == [0.0, 0.0, 1.0, 0.5, 1.0]  # confidences 0.6 right; 0.8 wrong, 0.7 right; 0.9 right
    assert axes.get_title().startswith("Reliability (ECE")
    with pytest.raises(ValueError, match="need \\(n, k\\) probabilities"):
        viz.reliability_diagram(probs, [0, 1])


def test_viz_is_not_imported_by_the_package():
    import subprocess

    code = "import stancekit, sys; print('stancekit.viz' in sys.modules, 'matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
