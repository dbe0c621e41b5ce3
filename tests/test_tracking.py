from __future__ import annotations

import json

import pandas as pd
import pytest

from stancekit.cli import main
from stancekit.documents import Document
from stancekit.pairing import TfidfEmbedder
from stancekit.tracking import Tracker

TARGET = "Afghanistan poses a threat to Central Asia"
RUSSIA = Document(
    id="ru",
    published="2024-02-27",
    text="Russian Defense Minister Sergei Shoigu said that Afghanistan poses a threat to Central Asia.\n\n"
    "“The main threat to Central Asia comes from Afghanistan,” Shoigu said.",
)
TALIBAN = Document(
    id="af",
    published="2024-03-01",
    text="Zabihullah Mujahid, the spokesperson for the Taliban, said that "
    "Afghanistan poses no threat to Central Asia.",
)


@pytest.fixture()
def tracker(fake_nli):
    return Tracker(fake_nli, target=TARGET, embedder=TfidfEmbedder(), min_similarity=0.1)


def test_tracker_finds_rebuttal_and_stances(tracker):
    tracker.add_documents([RUSSIA, TALIBAN])
    assert len(tracker.claims) == 3
    rebuttal = tracker.rebuttals[0]
    assert rebuttal.b.speaker == "Zabihullah Mujahid" and rebuttal.a.actor == "Russia"
    assert rebuttal.lag.days in (2, 3)
    timeline = tracker.stance_timeline()
    assert list(timeline.columns[:6]) == ["actor", "speaker", "date", "claim", "stance", "probability"]
    stances = dict(zip(timeline["speaker"] + "|" + timeline["claim"], timeline["stance"], strict=True))
    assert stances["Zabihullah Mujahid|Afghanistan poses no threat to Central Asia"] == "against"
    assert stances["Sergei Shoigu|Afghanistan poses a threat to Central Asia"] == "favor"
    per_actor = tracker.actor_stance().set_index("actor")["stance"].to_dict()
    assert per_actor == {"Russia": "favor", "Taliban": "against"}
    assert "Zabihullah Mujahid (Taliban) rebuts Sergei Shoigu (Russia)" in tracker.summary()


def test_adding_documents_later_scores_only_new_pairs(tracker, fake_nli):
    tracker.add_documents([RUSSIA])
    first = fake_nli.pairs_scored
    tracker.add_documents([TALIBAN])
    second = fake_nli.pairs_scored - first
    tracker.add_documents([RUSSIA, TALIBAN])  # already known: nothing new to score
    assert fake_nli.pairs_scored - first == second
    fresh = Tracker(fake_nli, target=TARGET, embedder=TfidfEmbedder(), min_similarity=0.1)
    before = fake_nli.pairs_scored
    fresh.add_documents([RUSSIA, TALIBAN])
    assert fake_nli.pairs_scored - before >= second  # the incremental run did no more than a fresh one
    with pytest.raises(ValueError, match="added before with different text"):
        tracker.add_documents([Document(id="ru", text="Other text.")])


def test_exports(tracker, tmp_path):
    tracker.add_documents([RUSSIA, TALIBAN])
    graph = tracker.graph()
    assert len(graph["nodes"]) == 3 and any(e["rebuttal"] for e in graph["edges"])
    json.dumps(graph)
    rows = [json.loads(line) for line in tracker.to_jsonl(tmp_path / "out.jsonl").read_text().splitlines()]
    assert {r["type"] for r in rows} == {"claim", "relation"}
    assert all(r["stance"] in ("favor", "against", "none") for r in rows if r["type"] == "claim")
    report = tracker.to_html(tmp_path / "report.html").read_text()
    assert "<svg" in report and "Zabihullah Mujahid" in report and "Rebuttals" in report
    frame = tracker.relations_frame(rebuttals_only=True)
    assert isinstance(frame, pd.DataFrame) and frame["rebuttal"].all() and frame.loc[0, "lag_days"] in (2, 3)
    assert "Tracker(2 documents, 3 claims" in repr(tracker) and "<table" in tracker._repr_html_()


def test_timeline_needs_a_target(fake_nli):
    tracker = Tracker(fake_nli, embedder=TfidfEmbedder())
    tracker.add_documents([RUSSIA])
    with pytest.raises(ValueError, match="no target"):
        tracker.stance_timeline()


def test_track_cli(tmp_path, tiny_model_dir, capsys):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "ru.txt").write_text(RUSSIA.text)
    (folder / "af.txt").write_text(TALIBAN.text)
    (folder / "metadata.jsonl").write_text(
        json.dumps({"file": "ru.txt", "published": "2024-02-27"})
        + "\n"
        + json.dumps({"file": "af.txt", "published": "2024-03-01"})
        + "\n"
    )
    out = tmp_path / "report.html"
    code = main(
        [
            "track",
            str(folder),
            "--target",
            TARGET,
            "--model",
            str(tiny_model_dir),
            "--out",
            str(out),
            "--jsonl",
            str(tmp_path / "t.jsonl"),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "2 documents, 3 claims" in printed and f"Stance toward: {TARGET}" in printed
    assert out.exists() and (tmp_path / "t.jsonl").exists()


def test_same_target_pairs_only_claims_that_take_a_stance(fake_nli):
    off_topic = Document(
        id="wx",
        published="2024-03-02",
        text="Tajik Foreign Minister Sirojiddin Muhriddin said that wheat prices will rise in Dushanbe.",
    )
    loose = Tracker(fake_nli, target=TARGET, embedder=TfidfEmbedder(), min_similarity=0.0, scope="all")
    strict = Tracker(fake_nli, target=TARGET, embedder=TfidfEmbedder(), min_similarity=0.0, same_target=True)
    for tracker in (loose, strict):
        tracker.add_documents([RUSSIA, TALIBAN, off_topic])
    mentions = lambda t: any("wheat" in r.a.text + r.b.text for r in t.relations)  # noqa: E731
    assert mentions(loose) and not mentions(strict)
    assert strict.stats.candidates < loose.stats.candidates


def test_claims_pairs_and_relations_show_themselves_as_tables(tracker):
    tracker.add_documents([RUSSIA, TALIBAN])
    claims = tracker.claims
    html = claims._repr_html_()
    assert html.startswith("<p><b>ClaimList</b>: 3 claims</p><table>") and "Zabihullah Mujahid" in html
    assert "2024-02-27" in repr(claims) and repr(claims).startswith("ClaimList(3 claims)")
    assert list(claims.to_pandas().columns) == ["date", "speaker", "actor", "kind", "claim", "doc"]
    relations = tracker.relations
    frame = relations.to_pandas()
    assert len(frame) == len(relations) and set(frame["relation"]) <= {"supports", "contradicts", "unrelated"}
    assert "<th>relation</th>" in relations._repr_html_()
    assert tracker.rebuttals.to_pandas()["rebuttal"].all()


def test_disputes_scope_pairs_and_denial_links(fake_nli):
    wheat = Document(
        id="wheat", published="2024-03-02", text="Kazakh officials said that wheat prices rose in spring."
    )
    tracker = Tracker(fake_nli, target=TARGET, embedder=TfidfEmbedder(), min_similarity=0.0)
    tracker.add_documents([RUSSIA, TALIBAN, wheat])
    disputes = tracker.disputes
    assert disputes["ru"] == disputes["af"] != disputes["wheat"]  # the wheat story is another dispute
    assert all("wheat" not in (p.a.text + p.b.text) for p in tracker.relations)
    assert "By dispute" in tracker.summary() and "dispute" in tracker.relations_frame().columns
    everything = Tracker(fake_nli, target=TARGET, embedder=TfidfEmbedder(), min_similarity=0.0, scope="all")
    assert any("wheat" in (r.a.text + r.b.text) for r in everything.add_documents([RUSSIA, TALIBAN, wheat]).relations)
    moved = Tracker(fake_nli, embedder=TfidfEmbedder(), disputes={"af": "elsewhere"}).add_documents([RUSSIA, TALIBAN])
    assert moved.disputes["af"] == "elsewhere" and not moved.rebuttals  # the override splits the story
    with pytest.raises(ValueError, match="scope must be"):
        Tracker(fake_nli, scope="world")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="pass target="):
        Tracker(fake_nli, scope="target")


def test_views_by_dispute_and_the_report_filter(fake_nli, tmp_path):
    wheat = Document(
        id="wheat", published="2024-03-02", text="Kazakh officials said that wheat prices rose in spring."
    )
    tracker = Tracker(fake_nli, target=TARGET, embedder=TfidfEmbedder(), min_similarity=0.0)
    tracker.add_documents([RUSSIA, TALIBAN, wheat])
    story, other = tracker.disputes["ru"], tracker.disputes["wheat"]
    assert tracker.dispute_order() == [story, other]  # the dispute with rebuttals first
    frame = tracker.disputes_frame()
    assert list(frame["dispute"]) == [story, other] and list(frame["claims"]) == [3, 1]
    assert list(frame["documents"]) == [2, 1] and frame.loc[0, "rebuttals"] == len(tracker.rebuttals) > 0
    assert frame.loc[1, "rebuttals"] == 0 and pd.isna(frame.loc[1, "strongest"])
    timeline = tracker.stance_timeline(dispute=other)
    assert list(timeline["actor"]) == ["Kazakhstan"] and set(tracker.stance_timeline()["dispute"]) == {story, other}
    by_dispute = tracker.stance_by_dispute()
    assert list(by_dispute) == [story, other]
    assert set(by_dispute[story]["actor"]) == {"Russia", "Taliban"} and list(by_dispute[other]["actor"]) == [
        "Kazakhstan"
    ]
    assert by_dispute[story].set_index("actor")["claims"].to_dict() == {"Russia": 2, "Taliban": 1}
    with pytest.raises(ValueError, match="unknown dispute 'nowhere'; this tracker's disputes are"):
        tracker.actor_stance(dispute="nowhere")
    summary = tracker.summary()
    assert summary.index(f"[{story}]") < summary.index(f"[{other}]")
    assert "stance: Russia" in summary and "Kazakhstan none (1)" in summary
    assert "… and 1 more disputes" in tracker.summary(disputes=1)
    report = tracker.to_html(tmp_path / "report.html").read_text()
    assert "id='dispute-filter'" in report and "<option value='1'>" in report
    assert report.count("<section data-dispute=") == 2 and "<tr data-dispute='1'>" in report
    assert "<script>" in report and "src=" not in report  # one self-contained file


def _claim(text: str, speaker: str, *, actor: str | None = None, start: int = 0, end: int | None = None, **more):
    """A claim of document "d" on one fixed day, its actor the speaker unless given: the records these tests build."""
    from datetime import datetime, timezone

    from stancekit.claims import Claim

    fields = {"kind": "reported_speech", "date": datetime(2024, 3, 1, tzinfo=timezone.utc), **more}
    end = start + len(text) if end is None else end
    return Claim(text=text, speaker=speaker, actor=actor or speaker, doc="d", start=start, end=end, **fields)


def test_a_denial_and_its_allegation_are_always_a_candidate(fake_nli):
    sentence = "Mujahid rejected Shoigu's claims that Afghanistan poses a threat to Central Asia."
    denial = _claim(
        "Afghanistan does not pose a threat to Central Asia.",
        "Zabihullah Mujahid",
        actor="Taliban",
        start=9,
        end=len(sentence),
    )
    alleged = _claim(
        "Afghanistan poses a threat to Central Asia.",
        "Sergei Shoigu",
        actor="Russia",
        kind="embedded",
        start=38,
        end=len(sentence) - 1,
        reported_by="Zabihullah Mujahid",
    )
    tracker = Tracker(fake_nli, embedder=TfidfEmbedder(), min_similarity=0.999).add_claims([denial, alleged])
    (relation,) = tracker.relations
    assert relation.reason == "denial of an allegation" and relation.is_rebuttal


def test_a_denial_of_the_allegations_answers_the_last_allegation_given_with_that_noun(fake_nli):
    first = "Regulators are investigating a pilot's allegations that the airline skipped safety checks."
    alleged = _claim(
        "the airline skipped safety checks",
        "Ana Ruiz",
        kind="embedded",
        start=first.index("the airline"),
        end=len(first) - 1,
        sentence=first,
    )
    other = _claim("the planes were old", "Ana Ruiz", start=len(first) + 1, sentence="Ruiz said the planes were old.")
    second = "Northwind strongly denied the allegations and published its maintenance logs."
    denial = _claim(second, "Northwind", start=200, sentence=second)
    tracker = Tracker(fake_nli, embedder=TfidfEmbedder(), min_similarity=0.999).add_claims([alleged, other, denial])
    linked = {(r.a.text, r.b.text) for r in tracker.relations if r.link == "denial of an allegation"}
    assert linked == {("the airline skipped safety checks", second)}  # not the claim given without "allegations"


def test_the_models_rebuttal_threshold_is_the_trackers_default(tiny_model_dir, tmp_path):
    import shutil

    from stancekit import NLIModel

    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    config = folder / "stancekit.json"
    record = json.loads(config.read_text()) if config.exists() else {}
    config.write_text(json.dumps({**record, "rebuttal_threshold": 0.65}))
    model = NLIModel.from_pretrained(folder, device="cpu", precision="fp32")
    assert model.rebuttal_threshold == 0.65
    assert Tracker(model, embedder=TfidfEmbedder()).threshold == 0.65
    assert Tracker(model, embedder=TfidfEmbedder(), threshold=0.5).threshold == 0.5  # an explicit one wins
    model.save_pretrained(tmp_path / "saved")
    assert json.loads((tmp_path / "saved" / "stancekit.json").read_text())["rebuttal_threshold"] == 0.65
    config.write_text(json.dumps({**record, "rebuttal_threshold": 1.5}))
    with pytest.raises(ValueError, match="rebuttal_threshold must be in"):
        NLIModel.from_pretrained(folder, device="cpu", precision="fp32")


def test_a_change_of_position_is_reported_apart_from_rebuttals(fake_nli):
    later = Document(
        id="ru2",
        published="2024-06-01",
        text="Russian Foreign Minister Sergey Lavrov said that Afghanistan poses no threat to Central Asia now.",
    )
    tracker = Tracker(fake_nli, target=TARGET, embedder=TfidfEmbedder(), min_similarity=0.0, scope="all")
    tracker.add_documents([RUSSIA, later])
    assert not tracker.rebuttals  # one actor: no rebuttal
    changes = tracker.position_changes()
    assert changes and all("no threat" in r.b.text and r.b.speaker == "Sergey Lavrov" for r in changes)
    assert all(r.a.actor == r.b.actor == "Russia" and r.kind == "contradicts" for r in changes)
    assert all(r.a.date < r.b.date for r in changes)  # earlier claim first


def test_an_interrupted_add_leaves_the_tracker_as_it_was(fake_nli):
    class Flaky:
        """The fake NLI model, interrupted (as by Ctrl-C) on its first call."""

        two_way = False
        name = "flaky"
        schema = stance_calibration = rebuttal_threshold = rebuttal_combiner = None

        def __init__(self):
            self.calls = 0

        def score(self, pairs, **kwargs):
            self.calls += 1
            if self.calls == 1:
                raise KeyboardInterrupt
            return fake_nli.score(pairs, **kwargs)

    tracker = Tracker(Flaky(), target=TARGET, embedder=TfidfEmbedder(), min_similarity=0.1)
    with pytest.raises(KeyboardInterrupt):
        tracker.add_documents([RUSSIA, TALIBAN])
    assert tracker.documents == [] and len(tracker.claims) == 0 and not tracker.relations
    tracker.add_documents([RUSSIA, TALIBAN])  # the same call again completes it, nothing doubled
    assert len(tracker.documents) == 2 and len(tracker.claims) == 3 and tracker.rebuttals
    reference = Tracker(fake_nli, target=TARGET, embedder=TfidfEmbedder(), min_similarity=0.1)
    reference.add_documents([RUSSIA, TALIBAN])
    assert [(r.a.id, r.b.id, r.kind) for r in tracker.relations] == [
        (r.a.id, r.b.id, r.kind) for r in reference.relations
    ]


def test_inside_a_dispute_pairs_are_not_cut_by_similarity(fake_nli):
    # a denial worded unlike the claim it answers: no similarity floor inside a story, 0.3 across everything
    claim = Document(
        id="c", published="2024-03-01", text="Officials in Dushanbe said that militants crossed the border."
    )
    reply = Document(id="r", published="2024-03-02", text="The Kabul ministry said that such talk was baseless.")
    scoped = Tracker(fake_nli, embedder=TfidfEmbedder(), disputes={"c": "x", "r": "x"}).add_documents([claim, reply])
    assert scoped.min_similarity < 0 and len(scoped.relations) == 1
    loose = Tracker(fake_nli, embedder=TfidfEmbedder(), scope="all").add_documents([claim, reply])
    assert loose.min_similarity == 0.3 and len(loose.relations) == 0


def test_a_one_day_timeline_is_drawn_mid_plot():
    import re

    from stancekit.report import timeline_svg

    day = pd.Timestamp("2026-01-21", tz="UTC")
    frame = pd.DataFrame(
        {
            "date": [day, day],
            "actor": ["Russia", "Taliban"],
            "speaker": ["a", "b"],
            "claim": ["x", "y"],
            "stance": ["favor", "against"],
            "favor": [0.8, 0.1],
            "against": [0.1, 0.8],
        }
    )
    svg = timeline_svg(frame, width=900)
    xs = [float(v) for v in re.findall(r"<circle cx='([\d.]+)' cy='[\d.]+' r='5' fill='[^']+' fill-opacity", svg)]
    assert xs and all(300 < v < 500 for v in xs)  # the middle of the 60..720 plot, not its left edge
    assert svg.count(">2026-01-21</text>") == 1  # one date label, not the same day twice
