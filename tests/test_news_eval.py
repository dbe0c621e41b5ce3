from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from stancekit.claims import Claim
from stancekit.cli import main
from stancekit.news_eval import (
    canonical_actor,
    evaluate_actor_stance,
    evaluate_claims,
    evaluate_rebuttals,
    load_news_gold,
    normalise,
    read_actor_aliases,
)

MINI = Path(__file__).parent / "fixtures" / "news_mini"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "news_dev"


def _as_claims(gold, *, speaker=None, actor=None):
    """The gold claims as an extractor's output (offsets, speaker, actor, date)."""
    out = []
    for g in gold.claims:
        date = datetime.fromisoformat(g.said_on).replace(tzinfo=timezone.utc) if g.said_on else None
        out.append(
            Claim(
                text=g.text,
                speaker=speaker or g.speaker,
                actor=actor or g.actor,
                kind="direct_quote",
                doc=g.doc,
                start=g.start if g.start is not None else 0,
                end=g.end if g.end is not None else 0,
                date=date,
                sentence=g.text,
            )
        )
    return out


def test_normalise_and_aliases():
    assert normalise("The Kremlin’s spokesman, Dmitry Peskov") == "kremlin spokesman dmitry peskov"
    aliases = read_actor_aliases(MINI)
    assert aliases["Ruritania"] == ("Transport Ministry", "Ruritanian government")
    assert canonical_actor("the transport ministry", aliases) == "Ruritania"
    assert canonical_actor("Someone Else", aliases) == "Someone Else"


def test_gold_scored_against_itself_is_perfect():
    gold = load_news_gold(MINI)
    assert gold.documents[0].title.startswith("Ministry and builder")  # the headline is not body text
    assert all(g.start is not None for g in gold.claims)
    report = evaluate_claims(_as_claims(gold), gold)
    assert report.recall == report.speaker_precision == report.actor_accuracy == report.date_accuracy == 1.0
    assert report.recall_by_kind["embedded"] == 1.0 and report.n_gold == 5


def test_wrong_speakers_actors_and_spans_count_against():
    gold = load_news_gold(MINI)
    claims = _as_claims(gold)
    claims[1] = replace(claims[1], speaker="Ortiz")  # a surname matches a person
    claims[2] = replace(claims[2], speaker="Lena Ortiz", actor="Brightway")  # wrong speaker, actor by alias
    claims[4] = replace(claims[4], actor=None)
    narration = replace(claims[0], start=claims[4].end + 30, end=claims[4].end + 50, text="The bridge opened")
    report = evaluate_claims([*claims, narration], gold)
    assert report.recall == pytest.approx(4 / 5) and "nm01_bridge:c3" in report.missing
    assert report.speaker_precision == pytest.approx(4 / 6)  # the wrong speaker and the narration
    assert report.actor_accuracy == pytest.approx(4 / 5)  # the missing actor; the narration matches no span
    assert report.span_recall == 1.0


def test_rebuttals_ranked_and_stance_cells():
    gold = load_news_gold(MINI)
    c = {g.id.split(":")[1]: claim for g, claim in zip(gold.claims, _as_claims(gold), strict=True)}
    listed = [(c["c1"], c["c5"]), (c["c3"], c["c4"]), (c["c3"], c["c4"])]
    report = evaluate_rebuttals(listed, gold)
    assert report.found == pytest.approx(0.5) and report.recall_at[1] == 0.0 and report.recall_at[5] == 0.5
    assert report.first_reading_found == 1.0
    assert report.precision == pytest.approx(2 / 3)
    cells = evaluate_actor_stance(
        {("nm01_bridge", "Transport Ministry"): ("favor", 3), ("nm01_bridge", "Ruritania"): ("against", 1)}, gold
    )
    assert cells.accuracy == pytest.approx(0.5)  # the actor with most claims wins; Brightway has none: wrong
    assert cells.accuracy_where_present == 1.0 and cells.n_present == 1


def test_evaluate_news_cli_claims_only(capsys):
    assert main(["evaluate-news", str(MINI), "--claims-only"]) == 0
    out = capsys.readouterr().out
    assert "1 articles" in out and "of 5 named gold claims" in out
    assert main(["evaluate-news", str(MINI / "articles"), "--claims-only"]) == 2
    assert "metadata.jsonl is missing" in capsys.readouterr().err


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared development set is not beside the checkout")
def test_shared_dev_set_gold_against_itself():
    gold = load_news_gold(SHARED)
    assert all(g.start is not None for g in gold.claims)  # every span is found in the body below the headline
    report = evaluate_claims(_as_claims(gold), gold)
    assert report.recall == 1.0 and report.speaker_precision == 1.0 and report.actor_accuracy == 1.0
    rebuttals = evaluate_rebuttals([(a, b) for a, b in _gold_pairs(gold)], gold)
    assert rebuttals.found == 1.0


def _gold_pairs(gold):
    claims = {g.id: c for g, c in zip(gold.claims, _as_claims(gold), strict=True)}
    return [(claims[p["claim_id"]], claims[p["reply_id"]]) for p in gold.rebuttals]


def test_rebuttal_threshold_is_the_best_f1_on_the_folder():
    from types import SimpleNamespace

    from stancekit.news_eval import fit_rebuttal_threshold

    gold = load_news_gold(MINI)
    c = {g.id.split(":")[1]: claim for g, claim in zip(gold.claims, _as_claims(gold), strict=True)}
    scored = [  # the two gold pairs score high, two wrong pairs low
        SimpleNamespace(a=c["c4"], b=c["c3"], score=0.9),
        SimpleNamespace(a=c["c2"], b=c["c5"], score=0.7),
        SimpleNamespace(a=c["c1"], b=c["c2"], score=0.5),
        SimpleNamespace(a=c["c1"], b=c["c4"], score=0.45),
    ]
    threshold, table = fit_rebuttal_threshold(scored, gold, grid=[0.4, 0.6, 0.8])
    assert threshold == 0.6  # keeps both true pairs and drops both wrong ones
    by = {row["threshold"]: row for row in table}
    assert by[0.6]["precision"] == 1.0 and by[0.6]["recall"] == 1.0
    assert by[0.4]["precision"] == 0.5 and by[0.8]["recall"] == 0.5
