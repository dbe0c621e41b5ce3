from __future__ import annotations

import json
import re

import pytest

from stancekit.cli import main
from stancekit.stance import StanceLabel, negate, stance

TARGET = "Afghanistan poses a threat to Central Asia"


@pytest.mark.parametrize(
    ("target", "negation"),
    [
        (
            "Afghanistan poses a security threat to Central Asia",
            "Afghanistan does not pose a security threat to Central Asia",
        ),
        ("The talks will fail.", "The talks will not fail."),
        ("Russia is a threat", "Russia is not a threat"),
        ("Afghanistan does not pose a threat", "Afghanistan poses a threat"),
        ("ISIS seeks to expand", "ISIS does not seek to expand"),
        ("Sanctions work", "Sanctions do not work"),
        ("armed groups in Afghanistan pose a threat", "armed groups in Afghanistan do not pose a threat"),
        ("the soil poses no threat to any nation", "the soil poses a threat to any nation"),
        ("The ceasefire held firmly everywhere", "It is not the case that the ceasefire held firmly everywhere"),
        # the main clause's verb, not one in a "that" clause or an infinitive
        (
            "The envoy issued a warning that the talks will fail",
            "It is not the case that the envoy issued a warning that the talks will fail",
        ),
        ("The mayor came to help farmers", "It is not the case that the mayor came to help farmers"),
        ("The government has failed its citizens", "The government has not failed its citizens"),
        ("New camps have been set up", "New camps have not been set up"),
        ("Coverage of women's bodies needs rules", "Coverage of women's bodies does not need rules"),
        ("Robert Plant ripped up the contract", "It is not the case that Robert Plant ripped up the contract"),
    ],
)
def test_negate(target, negation):
    assert negate(target) == negation


def test_stance_favor_against_none(fake_nli):
    texts = [
        "Russia says Afghanistan poses a threat to Central Asia.",
        "Afghanistan poses no threat to Central Asia.",
        "The weather in Kabul was sunny.",
    ]
    results = stance(fake_nli, texts, TARGET)
    assert results.labels == [StanceLabel.FAVOR, StanceLabel.AGAINST, StanceLabel.NONE]
    for r in results:
        assert r.favor + r.against + r.none == pytest.approx(1.0, abs=1e-5)
    frame = results.to_pandas()
    assert list(frame["stance"]) == ["favor", "against", "none"] and set(frame["target"]) == {TARGET}
    assert "StanceResults(3 texts)" in repr(results) and "<table>" in results._repr_html_()


def test_stance_uses_target_and_negation_hypotheses(fake_nli):
    stance(fake_nli, ["Afghanistan poses no threat to Central Asia."], TARGET, templates=("{target}",))
    assert fake_nli.pairs_scored == 2  # the target and its negation


def test_stance_per_text_targets_and_errors(fake_nli):
    results = stance(
        fake_nli,
        ["Afghanistan poses no threat to Central Asia.", "Sanctions work well."],
        [TARGET, "Sanctions work well"],
    )
    assert results.labels == [StanceLabel.AGAINST, StanceLabel.FAVOR]
    with pytest.raises(ValueError, match="got 2 texts but 1 targets"):
        stance(fake_nli, ["a", "b"], ["t"])
    with pytest.raises(ValueError, match=re.escape("texts[1] is empty")):
        stance(fake_nli, ["a", " "], TARGET)
    with pytest.raises(TypeError, match="single string"):
        stance(fake_nli, "a text", TARGET)
    with pytest.raises(ValueError, match="placeholder"):
        stance(fake_nli, ["a"], TARGET, templates=("no placeholder",))


def test_stance_cli(tmp_path, tiny_model_dir, capsys):
    data = tmp_path / "texts.jsonl"
    data.write_text(
        json.dumps({"id": 1, "text": "the man sleeps ."})
        + "\n"
        + json.dumps({"id": 2, "text": "the dog runs .", "target": "the cat sleeps"})
        + "\n"
    )
    assert main(["stance", str(data), "--model", str(tiny_model_dir), "--target", "the man is awake"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in rows] == [1, 2] and rows[1]["target"] == "the man is awake"
    assert all(
        r["stance"] in ("favor", "against", "none") and set(r["scores"]) == {"favor", "against", "none"} for r in rows
    )
    assert main(["stance", str(data), "--model", str(tiny_model_dir)]) == 2
    assert "line 1: 'target' must be a non-empty string (or pass --target)" in capsys.readouterr().err
