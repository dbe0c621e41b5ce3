"""Tests of the shipped models: they load offline, and get unambiguous pairs and the seeds right.

Every test runs for each shipped model (the small default and the base-size one), loaded by name.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from stancekit import NLILabel, NLIModel
from stancekit.documents import read_documents
from stancekit.scoring import SHIPPED_MODEL_NAMES, default_model_path
from stancekit.tracking import Tracker

pytestmark = pytest.mark.slow

TARGET = "Afghanistan poses a security threat to Central Asia"


@pytest.fixture(scope="module", params=SHIPPED_MODEL_NAMES)
def model(request):
    return NLIModel.from_pretrained(request.param)


def test_the_default_is_the_small_model():
    assert default_model_path().name == "stancekit-nli-minilm-l6"
    assert set(SHIPPED_MODEL_NAMES) == {"stancekit-nli-mpnet-base", "stancekit-nli-minilm-l6"}


def test_shipped_model_is_installed_and_calibrated(model):
    assert model.stance_calibration is not None and model.rebuttal_combiner is not None
    assert model.labels == [NLILabel.ENTAILMENT, NLILabel.NEUTRAL, NLILabel.CONTRADICTION]
    assert model.temperature != 1.0  # the fitted temperature was read from stancekit.json


# Pairs of our own, written for this test: a claim against its direct negation, and entailed restatements.
# (An unrelated fact about the same subject, e.g. "The minister likes football.", is still read as contradiction
# by the current model, an SNLI habit; see the model card's limitations.)
UNAMBIGUOUS = [
    (
        "The talks in Moscow ended without an agreement.",
        "The talks in Moscow ended with an agreement.",
        "contradiction",
    ),
    ("The minister arrived in Kabul on Monday.", "The minister did not arrive in Kabul.", "contradiction"),
    ("Afghanistan poses a threat to Central Asia.", "Afghanistan poses no threat to Central Asia.", "contradiction"),
    ("A man is playing a guitar on stage.", "A man is playing an instrument.", "entailment"),
    ("Three soldiers were wounded near the border on Friday.", "Soldiers were wounded near the border.", "entailment"),
]


@pytest.mark.parametrize(("premise", "hypothesis", "label"), UNAMBIGUOUS)
def test_unambiguous_pairs(model, premise, hypothesis, label):
    assert model.score([(premise, hypothesis)])[0].label.value == label


@pytest.fixture(scope="module")
def seeds_tracker(model, seeds_dir):
    tracker = Tracker(model, target=TARGET)
    return tracker.add_documents(read_documents(seeds_dir))


def test_mujahid_rebuts_shoigu(seeds_tracker):
    rebuttals = [
        (r.a.speaker, r.b.speaker)
        for r in seeds_tracker.rebuttals
        if "main threat comes from Afghanistan" in r.a.text + r.b.text
        and "Mujahid" in (r.a.speaker or "") + (r.b.speaker or "")
    ]
    assert ("Sergei Shoigu", "Zabihullah Mujahid") in rebuttals


def test_actor_stances_on_the_seeds(seeds_tracker):
    stances = seeds_tracker.actor_stance().set_index("actor")["stance"].to_dict()
    assert stances["Russia"] == "favor"
    assert stances["CSTO"] == "favor"
    assert stances["Taliban"] == "against"


KNOWN_MISSES = {
    "stancekit-nli-minilm-l6": "a known miss of the small model (the earlier NLI-only model got it): Tajikistan's two "
    "claims (a call to bolster the border with Afghanistan; radicalism as the most pressing challenge) assert the "
    "target only by implication and score near uniform, the second slightly against. Strict: when the model gets it "
    "right this fails, and the entry must go."
}


def test_tajikistan_stance_on_the_seeds(seeds_tracker, model, request):
    reason = KNOWN_MISSES.get(Path(model.name).name)
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
    stances = seeds_tracker.actor_stance().set_index("actor")["stance"].to_dict()
    assert stances["Tajikistan"] == "favor"
