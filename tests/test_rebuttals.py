from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from stancekit.claims import Claim
from stancekit.pairing import ClaimPair, relate
from stancekit.rebuttals import (
    FEATURES,
    RebuttalCombiner,
    discredits,
    fit_weights,
    negated,
    opening_polarity,
    pair_features,
)
from stancekit.results import PairScore
from stancekit.types import NLILabel

MINI = Path(__file__).parent / "fixtures" / "news_mini"


def _score(premise, hypothesis, e, n, c):
    label = max(((e, NLILabel.ENTAILMENT), (n, NLILabel.NEUTRAL), (c, NLILabel.CONTRADICTION)), key=lambda t: t[0])[1]
    return PairScore(
        premise=premise, hypothesis=hypothesis, label=label, entailment=e, neutral=n, contradiction=c,
        not_entailment=n + c,
    )  # fmt: skip


def _claim(text, actor, *, doc="d1", kind="reported_speech", day=1, reported_by=None):
    return Claim(
        text=text,
        speaker=f"{actor} spokesman",
        actor=actor,
        kind=kind,
        doc=doc,
        start=0,
        end=len(text),
        date=datetime(2025, 3, day, tzinfo=timezone.utc),
        reported_by=reported_by,
    )


def test_opening_polarity_reads_the_stance_verb_and_skips_adverbs():
    assert opening_polarity("denied any role in the attack") == "deny"
    assert opening_polarity("strongly rejected the claims as baseless") == "deny"
    assert opening_polarity("accused Kabul of sheltering militants") == "accuse"
    assert opening_polarity("the attack was planned abroad") == "assert"
    assert opening_polarity("quickly the attack was planned and denied") == "assert"  # the verb must open it


def test_negated_sees_negation_and_discrediting_words():
    assert negated("Kabul does not pose a threat")
    assert negated("The reports are baseless")
    assert negated("It isn't true") and negated("It isn’t true")
    assert not negated("Kabul poses a threat to its neighbours")


def test_discredits_is_calling_false_not_plain_negation():
    assert discredits("This is utterly false and complete fiction")
    assert discredits("The Taliban called the reports baseless PROPAGANDA")
    assert not discredits("Kabul does not pose a threat to its neighbours")
    assert not discredits("The attack was planned in Afghanistan")
    a = _claim("the bomber was an Afghan citizen", "Pakistan")
    b = _claim("Afghan soil is not used against any country", "Afghanistan")
    score = _score(a.text, b.text, 0.1, 0.3, 0.6)
    assert pair_features(a, b, score, score, similarity=0.3)["discredit"] == 0.0


def test_pair_features_take_the_stronger_direction_and_the_claims_cues():
    a = _claim(
        "militants use Afghan soil to attack Pakistan",
        "Pakistan",
        kind="embedded",
        reported_by="Afghanistan spokesman",
    )
    b = _claim("rejected the accusations as baseless", "Afghanistan", doc="d2")
    forward = _score(a.text, b.text, 0.1, 0.3, 0.6)
    backward = _score(b.text, a.text, 0.2, 0.7, 0.1)
    values = pair_features(a, b, forward, backward, similarity=0.42, link="denial of an allegation")
    assert list(values) == list(FEATURES)
    assert values["contradiction"] == pytest.approx(0.6) and values["entailment"] == pytest.approx(0.2)
    assert values["neutral"] == pytest.approx(0.3)  # the weaker direction's neutral
    assert values["similarity"] == pytest.approx(0.42)
    assert values["denial"] == 1.0 and values["accusation"] == 0.0
    assert values["negation_differs"] == 1.0 and values["negation"] == 1.0
    assert values["discredit"] == 1.0  # "baseless"
    assert values["linked"] == 1.0 and values["embedded"] == 1.0 and values["same_document"] == 0.0
    # an allegation stated with its source, in no one's denial ("an engineer's allegations that P"): not embedded
    sourced = dataclasses.replace(a, reported_by=None)
    assert pair_features(sourced, b, forward, backward, similarity=0.42)["embedded"] == 0.0
    two_way = PairScore(
        premise="p", hypothesis="h", label=NLILabel.ENTAILMENT, entailment=0.7, neutral=None, contradiction=None,
        not_entailment=0.3,
    )  # fmt: skip
    with pytest.raises(ValueError, match="three-way NLI model"):
        pair_features(a, b, two_way, backward, similarity=0.1)


def test_combiner_validates_and_round_trips():
    combiner = RebuttalCombiner(
        features=("contradiction", "linked"), weights=(4.0, 2.0), bias=-3.0, threshold=0.4, fitted_on={"pairs": 7}
    )
    assert combiner.probability({"contradiction": 0.0, "linked": 0.0}) == pytest.approx(0.0474, abs=1e-3)
    assert combiner.probability({"contradiction": 1.0, "linked": 1.0}) == pytest.approx(0.9526, abs=1e-3)
    record = json.loads(json.dumps(combiner.to_record()))
    assert RebuttalCombiner.from_record(record) == combiner
    with pytest.raises(ValueError, match="missing \\['linked'\\]"):
        combiner.probability({"contradiction": 0.5})
    with pytest.raises(ValueError, match="unknown rebuttal feature"):
        RebuttalCombiner(features=("sarcasm",), weights=(1.0,), bias=0.0, threshold=0.5)
    with pytest.raises(ValueError, match="2 features but 1 weights"):
        RebuttalCombiner(features=("contradiction", "linked"), weights=(1.0,), bias=0.0, threshold=0.5)
    with pytest.raises(ValueError, match="threshold must be in"):
        RebuttalCombiner(features=("linked",), weights=(1.0,), bias=0.0, threshold=1.0)
    with pytest.raises(ValueError, match="finite"):
        RebuttalCombiner(features=("linked",), weights=(float("nan"),), bias=0.0, threshold=0.5)
    with pytest.raises(ValueError, match=r"my\.json: a rebuttal_combiner needs features"):
        RebuttalCombiner.from_record({"features": ["linked"]}, source="my.json")


def test_fit_weights_learns_the_separating_feature():
    rows = [{"contradiction": c, "linked": float(i % 2)} for i, c in enumerate([0.9, 0.8, 0.85, 0.1, 0.2, 0.15])]
    labels = [True, True, True, False, False, False]
    weights, bias = fit_weights(rows, labels, features=("contradiction", "linked"))
    combiner = RebuttalCombiner(features=("contradiction", "linked"), weights=weights, bias=bias, threshold=0.5)
    assert weights[0] > abs(weights[1])
    assert all((combiner.probability(r) >= 0.5) == y for r, y in zip(rows, labels, strict=True))
    with pytest.raises(ValueError, match="both rebuttals and other pairs"):
        fit_weights(rows, [True] * 6, features=("contradiction",))
    with pytest.raises(ValueError, match="6 feature rows but 2 labels"):
        fit_weights(rows, [True, False])


def test_relate_with_a_combiner_decides_by_its_probability(fake_nli):
    claim = _claim("Afghanistan poses a threat to Central Asia.", "Russia")
    reply = _claim("denied that Afghanistan poses a threat to Central Asia.", "Taliban", day=3)
    other = _claim("Wheat prices rose in Kazakhstan this spring.", "Kazakhstan", day=4)
    pairs = [ClaimPair(a=claim, b=reply, similarity=0.8), ClaimPair(a=claim, b=other, similarity=0.1)]
    strict = RebuttalCombiner(features=("denial", "similarity"), weights=(3.0, 4.0), bias=-4.0, threshold=0.6)
    relations = relate(fake_nli, pairs, combiner=strict)
    rebuttal, unrelated = relations
    assert rebuttal.is_rebuttal and rebuttal.rebuttal_probability == pytest.approx(rebuttal.score)
    assert rebuttal.score == pytest.approx(strict.probability({"denial": 1.0, "similarity": 0.8}))
    assert rebuttal.reason == "same subject + denial" and rebuttal.forward is not None
    assert rebuttal.backward is not None and rebuttal.backward.premise == reply.text
    assert not unrelated.is_rebuttal and unrelated.rebuttal_probability is not None
    assert unrelated.rebuttal_probability < 0.6
    # A higher threshold turns the same pair down: the decision is the combiner's, not the NLI argmax.
    lofty = RebuttalCombiner(features=strict.features, weights=strict.weights, bias=strict.bias, threshold=0.99)
    assert not relate(fake_nli, pairs, combiner=lofty)[0].is_rebuttal
    assert relate(fake_nli, pairs)[0].rebuttal_probability is None


def test_model_keeps_its_combiner_and_refuses_a_bad_one(tiny_model, tmp_path):
    from stancekit.scoring import NLIModel

    combiner = RebuttalCombiner(features=("contradiction",), weights=(5.0,), bias=-2.5, threshold=0.45)
    tiny_model.rebuttal_combiner = combiner
    try:
        tiny_model.save_pretrained(tmp_path / "m")
    finally:
        tiny_model.rebuttal_combiner = None
    assert NLIModel.from_pretrained(tmp_path / "m").rebuttal_combiner == combiner
    config = tmp_path / "m" / "stancekit.json"
    record = json.loads(config.read_text())
    record["rebuttal_combiner"]["features"] = ["contradiction", "linked"]
    config.write_text(json.dumps(record))
    with pytest.raises(ValueError, match=r"stancekit\.json rebuttal_combiner.*2 features but 1 weights"):
        NLIModel.from_pretrained(tmp_path / "m")
    record["rebuttal_combiner"] = [1, 2]
    config.write_text(json.dumps(record))
    with pytest.raises(ValueError, match="rebuttal_combiner must be an object"):
        NLIModel.from_pretrained(tmp_path / "m")


def _two_articles(tmp_path):
    """news_mini with a second copy of its article, so that each article can be held out."""
    folder = tmp_path / "news2"
    shutil.copytree(MINI, folder)
    shutil.copy(folder / "articles" / "nm01_bridge.txt", folder / "articles" / "nm02_bridge.txt")
    for name in ("metadata.jsonl", "gold_claims.jsonl", "gold_rebuttals.jsonl", "gold_stance.jsonl"):
        path = folder / name
        lines = path.read_text(encoding="utf-8").splitlines()
        path.write_text("\n".join([*lines, *(line.replace("nm01", "nm02") for line in lines)]) + "\n")
    return folder


def test_fit_rebuttal_combiner_holds_each_article_out(tmp_path, fake_nli):
    from stancekit.news_eval import fit_rebuttal_combiner, load_news_gold

    gold = load_news_gold(_two_articles(tmp_path))
    claims = {}
    for g in gold.claims:
        claims[g.id] = Claim(
            text=g.text, speaker=g.speaker, actor=g.actor, kind=g.kind, doc=g.doc, start=g.start or 0,
            end=g.end or 0, date=datetime(2025, 3, 4, tzinfo=timezone.utc),
        )  # fmt: skip
    pairs = [
        ClaimPair(a=a, b=b, similarity=0.5, link="denial of an allegation" if (i, j) in {(3, 2)} else "")
        for doc in ("nm01_bridge", "nm02_bridge")
        for i, a in enumerate(c for c in claims.values() if c.doc == doc)
        for j, b in enumerate(c for c in claims.values() if c.doc == doc)
        if i != j
    ]
    relations = relate(fake_nli, pairs)
    combiner, table = fit_rebuttal_combiner(relations, gold, grid=[0.2, 0.5, 0.8])
    assert [row["threshold"] for row in table] == [0.2, 0.5, 0.8]
    assert combiner.threshold in (0.2, 0.5, 0.8)
    assert combiner.fitted_on["articles"] == 2 and combiner.fitted_on["gold_pairs"] == 4
    assert combiner.fitted_on["rebuttals"] == 8  # each gold pair in both orders, in both articles
    assert combiner.fitted_on["pairs"] == 24  # 3 x 2 claims of different actors, in both orders, per article
    best = max(table, key=lambda row: row["f1"])
    assert combiner.fitted_on["held_out"]["f1"] == pytest.approx(best["f1"], abs=1e-4)
    linked = [r for r in relations if r.link]
    assert linked and all(combiner.probability(_features(r)) > 0.5 for r in linked)
    with pytest.raises(ValueError, match="none of the"):
        fit_rebuttal_combiner([r for r in relations if not r.link and r.a.kind != "embedded"][:2], gold)


def _features(r):
    return pair_features(r.a, r.b, r.forward, r.backward, similarity=r.similarity, link=r.link)
