from __future__ import annotations

import re

import pytest

from stancekit.types import NLILabel, canonical_label, map_id2label


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("ENTAILMENT", NLILabel.ENTAILMENT),
        ("entails", NLILabel.ENTAILMENT),
        ("SUPPORTS", NLILabel.ENTAILMENT),
        ("Contradiction", NLILabel.CONTRADICTION),
        ("contradict", NLILabel.CONTRADICTION),
        ("REFUTES", NLILabel.CONTRADICTION),
        ("neutral", NLILabel.NEUTRAL),
        ("NOT ENOUGH INFO", NLILabel.NEUTRAL),
        ("not_enough_info", NLILabel.NEUTRAL),
        ("not_entailment", NLILabel.NOT_ENTAILMENT),
        ("LABEL_0", None),
        ("banana", None),
    ],
)
def test_canonical_label(name, label):
    assert canonical_label(name) is label


def test_map_id2label_by_name_not_position():
    mapped = map_id2label({0: "contradiction", 1: "entailment", 2: "neutral"})
    assert mapped == {0: NLILabel.CONTRADICTION, 1: NLILabel.ENTAILMENT, 2: NLILabel.NEUTRAL}


def test_map_id2label_two_way():
    mapped = map_id2label({0: "entailment", 1: "not_entailment"})
    assert mapped == {0: NLILabel.ENTAILMENT, 1: NLILabel.NOT_ENTAILMENT}


def test_map_id2label_refuses_generic_names_and_explains_label_map():
    with pytest.raises(ValueError, match=re.escape("['LABEL_0', 'LABEL_1', 'LABEL_2']")) as info:
        map_id2label({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"})
    assert "label_map=" in str(info.value)


def test_map_id2label_with_label_map():
    mapped = map_id2label(
        {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"},
        label_map={"LABEL_0": "contradiction", "LABEL_1": "neutral", "LABEL_2": "entailment"},
    )
    assert mapped[2] is NLILabel.ENTAILMENT and mapped[0] is NLILabel.CONTRADICTION


def test_map_id2label_rejects_bad_label_map_value():
    with pytest.raises(ValueError, match="label_map\\['LABEL_0'\\] = 'yesish'"):
        map_id2label({0: "LABEL_0"}, label_map={"LABEL_0": "yesish"})


def test_map_id2label_rejects_duplicates_and_incomplete_heads():
    with pytest.raises(ValueError, match="two logits share a label"):
        map_id2label({0: "entailment", 1: "entails", 2: "neutral"})
    with pytest.raises(ValueError, match="neither a three-way"):
        map_id2label({0: "entailment", 1: "neutral"})
