from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stancekit.claims import ClaimExtractor
from stancekit.cli import main
from stancekit.documents import Document
from stancekit.store import StoreError, StoreLockedError, TrackStore
from stancekit.tracking import Tracker

TARGET = "Afghanistan poses a threat to Central Asia"
DOCS = [
    Document(
        id="ru",
        published="2024-02-27",
        text="Russian Defense Minister Sergei Shoigu said that Afghanistan poses a threat to Central Asia.\n\n"
        "“The main threat to Central Asia comes from Afghanistan,” Shoigu said.",
    ),
    Document(
        id="af",
        published="2024-03-01",
        text="Zabihullah Mujahid, the spokesperson for the Taliban, said that "
        "Afghanistan poses no threat to Central Asia.\n\nMujahid said that Shoigu's claims are not true.",
    ),
    Document(
        id="tj",
        published="2024-03-04",
        text="Tajik President Emomali Rahmon said that the threat from Afghanistan to Central Asia is growing.\n\n"
        "Shoigu said the Taliban do not control the north.",
    ),
]


class HashEmbedder:
    """Deterministic unit vectors from word hashes: not fitted on the corpus, so a store may keep them."""

    name = "hash-embedder"

    def __init__(self) -> None:
        self.encoded = 0

    def encode(self, texts):
        self.encoded += len(texts)
        out = np.zeros((len(texts), 64), np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


class CountingExtractor(ClaimExtractor):
    def __init__(self, **options) -> None:
        super().__init__(parse=False, **options)
        self.documents_read: list[str] = []

    def extract(self, documents):
        documents = list(documents)
        self.documents_read += [d.id for d in documents]
        return super().extract(documents)


def _settings(**more):
    return {"target": TARGET, "embedder": HashEmbedder(), "extractor": CountingExtractor(), **more}


def _frames(tracker):
    return {
        "claims": tracker.claims.to_pandas(),
        "relations": tracker.relations_frame(),
        "rebuttals": tracker.relations_frame(rebuttals_only=True),
        "timeline": tracker.stance_timeline(),
        "actors": tracker.actor_stance(),
    }


def _assert_same(left, right):
    for name in left:
        pd.testing.assert_frame_equal(left[name], right[name], obj=name)


def test_a_second_run_does_only_what_is_new_and_equals_one_run_in_memory(tmp_path, fake_nli):
    from conftest import FakeNLI

    path = tmp_path / "tracks.db"
    with Tracker.open(path, fake_nli, **_settings()) as first:
        first.add_documents(DOCS[:2])
        first_pairs = fake_nli.pairs_scored
    assert first_pairs > 0

    later = FakeNLI()  # a new process: nothing in memory
    settings = _settings()
    with Tracker.open(path, later, **settings) as second:
        assert [d.id for d in second.documents] == ["ru", "af"] and later.pairs_scored == 0
        second.add_documents(DOCS)  # the same folder plus a new article
        assert settings["extractor"].documents_read == ["tj"]
        assert settings["embedder"].encoded == len({c.text for c in second.claims if c.doc == "tj"})
        stored = _frames(second)
        summary = second.summary()
        assert f"store {str(path)!r}" in repr(second)  # the report says where it was read from
    in_memory = Tracker(FakeNLI(), **_settings())
    in_memory.add_documents(DOCS[:2]).add_documents(DOCS)
    _assert_same(stored, _frames(in_memory))
    assert summary == in_memory.summary()
    fresh = FakeNLI()
    Tracker(fresh, **_settings()).add_documents(DOCS)
    assert 0 < later.pairs_scored < fresh.pairs_scored  # only the pairs that involve the new claims

    # the views answered by SQL from the store equal the in-memory ones too
    with TrackStore(path, readonly=True) as store:
        pd.testing.assert_frame_equal(store.claims(), stored["claims"])
        pd.testing.assert_frame_equal(store.relations(), stored["relations"])
        pd.testing.assert_frame_equal(store.relations(rebuttals_only=True), stored["rebuttals"])
        pd.testing.assert_frame_equal(store.stance_timeline(TARGET), stored["timeline"])
        pd.testing.assert_frame_equal(store.actor_stance(TARGET), stored["actors"])
        assert set(store.claims(actor="Taliban")["actor"]) == {"Taliban"}
        assert len(store.relations(rebuttals_only=True, limit=1)) == 1
        dispute = stored["timeline"]["dispute"].iloc[0]
        pd.testing.assert_frame_equal(
            store.actor_stance(TARGET, dispute=dispute), in_memory.actor_stance(dispute=dispute)
        )
        with pytest.raises(StoreError, match="no stance toward 'Kabul is safe'"):
            store.stance_timeline("Kabul is safe")

    with Tracker.open(path, FakeNLI(), **_settings()) as third:  # nothing new at all
        copy = Document(id="ru-copy", text=DOCS[0].text, published="2024-03-09")  # one article saved twice
        third.add_documents([*DOCS, copy])
        assert third.scored_pairs == 0 and third.extractor.documents_read == []
        assert [d.id for d in third.documents] == ["ru", "af", "tj"]


def test_a_changed_model_or_setting_rescores_what_it_affects(tmp_path, fake_nli):
    from conftest import FakeNLI

    path = tmp_path / "tracks.db"
    with Tracker.open(path, fake_nli, **_settings()) as tracker:
        tracker.add_documents(DOCS)
        pairs = fake_nli.pairs_scored

    other_target = FakeNLI()
    with Tracker.open(path, other_target, **_settings(target="The Taliban control the north")) as tracker:
        pairs_for_stance = other_target.pairs_scored
        assert pairs_for_stance > 0  # the new target's stance, nothing else
        assert tracker.scored_pairs == 0

    class OtherModel(FakeNLI):
        name = "another-model"

    other = OtherModel()
    with Tracker.open(path, other, **_settings()) as tracker:
        assert tracker.scored_pairs == len(tracker.relations) * 2  # every pair, both directions, scored anew
        assert other.pairs_scored > pairs - len(tracker.claims)

    settings = _settings(extractor=CountingExtractor(min_quote_words=12))
    with Tracker.open(path, FakeNLI(), **settings) as tracker:
        assert sorted(settings["extractor"].documents_read) == ["af", "ru", "tj"]  # re-extracted, once
        assert "The main threat to Central Asia comes from Afghanistan" not in {c.text for c in tracker.claims}
        tracker.add_documents(DOCS)
        assert sorted(settings["extractor"].documents_read) == ["af", "ru", "tj"]


def test_two_writers_are_refused_and_a_reader_is_not(tmp_path, fake_nli, capsys, seeds_dir):
    path = tmp_path / "tracks.db"
    with Tracker.open(path, fake_nli, **_settings()) as tracker:
        tracker.add_documents(DOCS[:1])
        with pytest.raises(StoreLockedError, match=r"being written by process \d+"):
            Tracker.open(path, fake_nli, **_settings())
        assert main(["track", str(seeds_dir), "--store", str(path), "--model", "no-such-model"]) == 2
        assert "only one run may write a store at a time" in capsys.readouterr().err
        with TrackStore(path, readonly=True) as reader:
            assert reader.info()["documents"] == 1
            with pytest.raises(StoreError, match="read-only"):
                Tracker(fake_nli, store=reader, **_settings()).add_documents(DOCS)
    with Tracker.open(path, fake_nli, **_settings()):  # released on close
        pass


def test_the_schema_version_and_the_file_kind_are_checked(tmp_path):
    path = tmp_path / "tracks.db"
    TrackStore(path).close()
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.close()
    with pytest.raises(StoreError, match="schema version 99, newer than this stancekit's 1"):
        TrackStore(path)
    other = tmp_path / "other.db"
    db = sqlite3.connect(other)
    with db:
        db.execute("CREATE TABLE t (x)")
    db.close()
    with pytest.raises(StoreError, match="not a stancekit store"):
        TrackStore(other)
    text = tmp_path / "notes.db"
    text.write_text("not a database at all, just some text that is long enough " * 20)
    with pytest.raises(StoreError, match="not a stancekit store"):
        TrackStore(text)
    with pytest.raises(StoreError, match="no store at"):
        TrackStore(tmp_path / "missing.db", readonly=True)
    with pytest.raises(StoreError, match="is a folder"):
        TrackStore(tmp_path)


_RUN = """
import sys, time
sys.path.insert(0, {tests!r})
import stancekit.tracking as tracking
from conftest import FakeNLI
from test_store import DOCS, TARGET, HashEmbedder, CountingExtractor
tracking._DOCUMENT_CHUNK = 1
tracking._SCORE_CHUNK = 3
tracking._STANCE_CHUNK = 2

class Slow(FakeNLI):
    def score(self, pairs, **options):
        time.sleep({pause})
        return super().score(pairs, **options)

extractor = CountingExtractor()
extract = extractor.extract
def slow_extract(documents):
    time.sleep({pause})
    return extract(documents)
extractor.extract = slow_extract
with tracking.Tracker.open({path!r}, Slow(), target=TARGET, embedder=HashEmbedder(), extractor=extractor) as tracker:
    tracker.add_documents(DOCS)
print("done")
"""


def _script(path, pause):
    return textwrap.dedent(_RUN).format(tests=str(Path(__file__).parent), path=str(path), pause=pause)


def _count(path, table):
    with TrackStore(path, readonly=True) as store:
        return store.info()[table]


def _env():
    return {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}


@pytest.fixture(scope="module")
def clean_store(tmp_path_factory):
    """The store of one uninterrupted run of the script."""
    folder = tmp_path_factory.mktemp("clean")
    path = folder / "clean.db"
    done = subprocess.run(
        [sys.executable, "-c", _script(path, 0.0)], env=_env(), cwd=folder, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return path


@pytest.mark.parametrize("kill_when", ["documents", "nli", "stance"])
def test_a_run_killed_with_sigkill_leaves_a_store_that_a_rerun_completes(tmp_path, kill_when, clean_store):
    path = tmp_path / "tracks.db"
    env = _env()
    process = subprocess.Popen([sys.executable, "-c", _script(path, 0.3)], env=env, cwd=tmp_path)
    deadline = time.monotonic() + 60
    seen = 0
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if path.exists():
                try:
                    with TrackStore(path, readonly=True) as reader:  # a reader while the run writes
                        seen = reader.info()[kill_when]
                        reader.claims()
                except StoreError:
                    seen = 0  # the writer has not created the schema yet
            if seen:
                break
            time.sleep(0.02)
        assert process.poll() is None, "the run ended before it could be killed"
        if kill_when == "nli":  # a whole tracker (what `stancekit report --store` opens) reads it meanwhile too
            from conftest import FakeNLI

            with Tracker.open(path, FakeNLI(), readonly=True, target=TARGET, embedder=HashEmbedder()) as reader:
                assert reader.claims and reader.summary()
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert seen > 0
    with TrackStore(path, readonly=True) as store:  # the killed store opens
        partial = store.info()
    assert partial["relations"] == 0  # the run never completed

    rerun = subprocess.run(
        [sys.executable, "-c", _script(path, 0.0)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert rerun.returncode == 0, rerun.stderr
    with TrackStore(path, readonly=True) as resumed, TrackStore(clean_store, readonly=True) as whole:
        got, want = resumed.info(), whole.info()
        for table in ("documents", "claims", "nli", "stance", "embeddings", "relations", "rebuttals", "disputes"):
            assert got[table] == want[table], table  # nothing lost, nothing doubled
        pd.testing.assert_frame_equal(resumed.claims(), whole.claims())
        pd.testing.assert_frame_equal(resumed.relations(), whole.relations())
        pd.testing.assert_frame_equal(resumed.actor_stance(TARGET), whole.actor_stance(TARGET))


def test_track_report_and_export_on_the_command_line(tmp_path, tiny_model_dir, seeds_dir, capsys):
    store = tmp_path / "tracks.db"
    args = ["track", str(seeds_dir), "--store", str(store), "--model", str(tiny_model_dir), "--target", TARGET]
    assert main([*args, "--n-process", "1"]) == 0
    first = capsys.readouterr().out
    assert "5 documents (5 new)" in first
    assert main([*args, "--n-process", "1"]) == 0
    assert "5 documents (0 new), 0 pairs scored in this run" in capsys.readouterr().out
    report = tmp_path / "report.html"
    assert main(["report", "--store", str(store), "--model", str(tiny_model_dir), "--out", str(report)]) == 0
    out = capsys.readouterr().out
    assert f"Stance toward: {TARGET}" in out and report.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert first.split("\nstore ")[0].strip() == out.split("\n\nreport: ")[0].strip()  # the summary, from the store
    assert main(["export", "--store", str(store), "--out", str(tmp_path / "parquet")]) == 0
    claims = pd.read_parquet(tmp_path / "parquet" / "claims.parquet")
    with TrackStore(store, readonly=True) as reader:
        assert len(claims) == reader.info()["claims"] > 0
        relations = pd.read_parquet(tmp_path / "parquet" / "relations.parquet")
        assert len(relations) == reader.info()["relations"]
        assert json.loads(reader.meta("last_run") or "{}")["target"] == TARGET
    assert main(["report", "--store", str(tmp_path / "nothing.db")]) == 2
    assert "no store at" in capsys.readouterr().err
