from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from stancekit.claims import Claim
from stancekit.pairing import TfidfEmbedder, candidate_pairs, relate


def _claim(text, actor, day, speaker=None, doc="d"):
    return Claim(
        text=text,
        speaker=speaker or f"{actor} speaker",
        actor=actor,
        kind="reported_speech",
        doc=f"{doc}{day}",
        start=0,
        end=len(text),
        date=datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(days=day),
    )


CLAIMS = [
    _claim("Afghanistan poses a threat to Central Asia.", "Russia", 0),
    _claim("Afghanistan poses no threat to Central Asia.", "Taliban", 10),
    _claim("The threat to Central Asia comes from Afghanistan.", "Russia", 3, speaker="Shoigu"),
    _claim("Wheat prices rose in Kazakhstan this spring.", "Kazakhstan", 40),
]


def test_candidates_respect_actor_filter_and_similarity():
    pairs, stats = candidate_pairs(CLAIMS, embedder=TfidfEmbedder(), top_k=5, min_similarity=0.2)
    found = {(p.a.text, p.b.text) for p in pairs}
    assert ("Afghanistan poses a threat to Central Asia.", "Afghanistan poses no threat to Central Asia.") in found
    assert all(p.a.actor != p.b.actor for p in pairs)  # the two Russian claims are never paired
    assert all(p.a.date <= p.b.date for p in pairs)  # earlier claim first
    assert not any("Wheat" in p.a.text or "Wheat" in p.b.text for p in pairs)  # too dissimilar
    assert stats.all_pairs == 6 and stats.allowed_pairs == 5 and stats.candidates == len(pairs)
    assert stats.pruned_fraction == pytest.approx(1 - len(pairs) / 6)


def test_time_window_and_top_k():
    pairs, _ = candidate_pairs(CLAIMS, embedder=TfidfEmbedder(), min_similarity=-1.0, time_window=timedelta(days=8))
    assert all(abs((p.b.date - p.a.date).days) <= 8 for p in pairs)
    pairs, _ = candidate_pairs(CLAIMS, embedder=TfidfEmbedder(), min_similarity=-1.0, top_k=1, different_actors=False)
    assert len(pairs) <= len(CLAIMS)


def test_block_size_does_not_change_results():
    rng = np.random.default_rng(0)
    claims = [_claim(f"claim {i}", f"actor{i % 3}", i) for i in range(60)]
    vectors = rng.normal(size=(60, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    small, s1 = candidate_pairs(claims, embeddings=vectors, top_k=4, min_similarity=0.0, block_size=7)
    large, s2 = candidate_pairs(claims, embeddings=vectors, top_k=4, min_similarity=0.0, block_size=512)
    assert [(p.a.doc, p.b.doc) for p in small] == [(p.a.doc, p.b.doc) for p in large] and s1 == s2
    tiny, s3 = candidate_pairs(claims, embeddings=vectors, top_k=4, min_similarity=0.0, max_block_cells=60)
    assert [(p.a.doc, p.b.doc) for p in tiny] == [(p.a.doc, p.b.doc) for p in large] and s3 == s2
    with pytest.raises(ValueError, match="embeddings has 3 rows for 60 claims"):
        candidate_pairs(claims, embeddings=vectors[:3])


def test_relate_classes_pairs_and_reuses_the_cache(fake_nli):
    pairs, _ = candidate_pairs(CLAIMS[:3], embedder=TfidfEmbedder(), min_similarity=0.0, different_actors=False)
    cache = {}
    relations = relate(fake_nli, pairs, cache=cache)
    by_texts = {(r.a.text, r.b.text): r for r in relations}
    denial = by_texts[("Afghanistan poses a threat to Central Asia.", "Afghanistan poses no threat to Central Asia.")]
    assert denial.kind == "contradicts" and denial.is_rebuttal and denial.lag == timedelta(days=10)
    assert denial.score == pytest.approx(0.9, abs=1e-5)
    same_side = by_texts[
        ("Afghanistan poses a threat to Central Asia.", "The threat to Central Asia comes from Afghanistan.")
    ]
    assert same_side.kind in ("supports", "unrelated") and not same_side.is_rebuttal
    calls = fake_nli.pairs_scored
    relate(fake_nli, pairs, cache=cache)
    assert fake_nli.pairs_scored == calls  # everything came from the cache
    with pytest.raises(ValueError, match="threshold"):
        relate(fake_nli, pairs, threshold=1.5)


def test_groups_keep_pairs_inside_a_story_and_links_always_pair():
    grouped, _ = candidate_pairs(CLAIMS, embedder=TfidfEmbedder(), min_similarity=-1.0, groups=["a", "b", "a", "a"])
    found = {frozenset((p.a.text, p.b.text)) for p in grouped}
    assert all("no threat" not in p.a.text and "no threat" not in p.b.text for p in grouped)  # alone in story b
    assert frozenset((CLAIMS[0].text, CLAIMS[3].text)) in found  # same story, any similarity
    linked, _ = candidate_pairs(
        CLAIMS, embedder=TfidfEmbedder(), min_similarity=0.99, links=[(3, 1, "denial of an allegation")]
    )
    assert [(p.a.text, p.b.text, p.link) for p in linked] == [
        (CLAIMS[1].text, CLAIMS[3].text, "denial of an allegation")  # below every threshold, still a candidate
    ]
    with pytest.raises(ValueError, match="groups has 2 labels for 4 claims"):
        candidate_pairs(CLAIMS, embedder=TfidfEmbedder(), groups=["a", "b"])
    with pytest.raises(ValueError, match=r"link \(0, 9\)"):
        candidate_pairs(CLAIMS, embedder=TfidfEmbedder(), links=[(0, 9, "x")])
