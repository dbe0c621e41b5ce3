from __future__ import annotations

import json

import numpy as np
import pytest

from stancekit.cli import main
from stancekit.evaluation import evaluate_nli, evaluate_nli_sets, reports_to_pandas
from stancekit.io import NLIExample
from stancekit.types import NLILabel

PAIRS = [
    ("the man sleeps .", "the man is awake .", NLILabel.CONTRADICTION),
    ("the dog runs .", "the dog is awake .", NLILabel.ENTAILMENT),
    ("the cat sleeps .", "the cat is a dog .", NLILabel.NEUTRAL),
    ("the talks failed .", "the talks succeeded .", NLILabel.CONTRADICTION),
    ("the woman runs .", "a woman runs .", NLILabel.ENTAILMENT),
]


def _examples():
    return [NLIExample(premise=p, hypothesis=h, label=y) for p, h, y in PAIRS]


def test_report_matches_predictions(tiny_model):
    report = evaluate_nli(tiny_model, _examples(), name="toy")
    predicted = tiny_model.score([(p, h) for p, h, _ in PAIRS]).labels
    expected_accuracy = np.mean([p is y for p, (_, _, y) in zip(predicted, PAIRS, strict=True)])
    assert report.accuracy == pytest.approx(expected_accuracy)
    assert report.n == 5 and sum(map(sum, report.confusion)) == 5
    assert report.labels == ("entailment", "neutral", "contradiction")
    gold_rows = [sum(row) for row in report.confusion]
    assert gold_rows == [2, 1, 2]
    assert 0.0 <= report.ece <= 1.0
    assert "toy: n=5" in str(report)


def test_two_way_sets_merge_neutral_and_contradiction(tiny_model):
    report = evaluate_nli(tiny_model, _examples(), name="med", two_way=True)
    assert report.labels == ("entailment", "not_entailment")
    assert [sum(row) for row in report.confusion] == [2, 3]
    assert np.isnan(report.ece)


def test_empty_set_is_an_error(tiny_model):
    with pytest.raises(ValueError, match="no examples to evaluate in 'x'"):
        evaluate_nli(tiny_model, [], name="x")


def test_evaluate_sets_and_cli(tmp_path, tiny_model, tiny_model_dir, capsys):
    (tmp_path / "snli").mkdir()
    (tmp_path / "snli" / "test.jsonl").write_text(
        "".join(json.dumps({"premise": p, "hypothesis": h, "label": y.value}) + "\n" for p, h, y in PAIRS)
    )
    reports = evaluate_nli_sets(tiny_model, tmp_path)
    assert [r.name for r in reports] == ["snli_test"]
    assert list(reports_to_pandas(reports).columns) == ["name", "n", "accuracy", "macro_f1", "ece"]
    out = tmp_path / "report.json"
    assert main(["evaluate-nli", "--data-dir", str(tmp_path), "--model", str(tiny_model_dir), "--json", str(out)]) == 0
    assert "snli_test: n=5" in capsys.readouterr().out
    assert json.loads(out.read_text())[0]["accuracy"] == pytest.approx(reports[0].accuracy)
