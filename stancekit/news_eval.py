"""Scoring claims, rebuttals and per-actor stance on a folder of hand-annotated news articles.

The folder holds ``articles/<id>.txt`` (first line the headline), ``metadata.jsonl`` (``file``, ``id``,
``published``, ``source``, ``url``, ``title``), ``gold_claims.jsonl``, ``gold_rebuttals.jsonl`` and
``gold_stance.jsonl``, in the format of the project's development set; the figures are computed as that set's
README defines them: span match by character overlap (or shared content words), speaker match by name, surname or
alias, actor match through an alias table, recall@k over the ranked rebuttal list, and stance per (article, actor).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stancekit.claims import Claim
    from stancekit.documents import Document
    from stancekit.pairing import Relation
    from stancekit.rebuttals import RebuttalCombiner
    from stancekit.scoring import Scorer

__all__ = [
    "ClaimEvalReport",
    "GoldClaim",
    "NewsGold",
    "RebuttalEvalReport",
    "StanceCellReport",
    "canonical_actor",
    "evaluate_actor_stance",
    "evaluate_claims",
    "evaluate_rebuttals",
    "fit_rebuttal_combiner",
    "fit_rebuttal_threshold",
    "gold_claims_check",
    "load_news_gold",
    "normalise",
    "per_actor_stance",
    "read_actor_aliases",
]


def read_actor_aliases(folder: str | Path) -> dict[str, tuple[str, ...]]:
    """The folder's table of canonical actors and the other names accepted for them.

    Read from ``actor_aliases.json`` (``{"Russia": ["Kremlin", "Moscow"], ...}``) when present, else from the
    Markdown table with an ``actor`` and an ``also accepted`` column in the folder's ``README.md``; empty if neither.
    The table belongs to the annotation, so it is read from the folder rather than kept in the package.

    Example:
        >>> read_actor_aliases("tests/fixtures/news_mini")["Ruritania"]
        ('Transport Ministry', 'Ruritanian government')
    """
    root = Path(folder)
    if (root / "actor_aliases.json").is_file():
        data = json.loads((root / "actor_aliases.json").read_text(encoding="utf-8"))
        return {str(k): tuple(str(x) for x in v) for k, v in data.items()}
    readme = root / "README.md"
    out: dict[str, tuple[str, ...]] = {}
    if not readme.is_file():
        return out
    in_table = False
    for line in readme.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and [c.lower() for c in cells[:2]] == ["actor", "also accepted"]:
            in_table = True
            continue
        if in_table:
            if not line.startswith("|"):
                break
            if set(cells[0]) <= set("-: "):
                continue
            out[cells[0]] = tuple(a.strip() for a in cells[1].split(",") if a.strip())
    return out


_STOP = frozenset(
    """a an the of to in on at by for and or but with from as is are was were be been has have had it its this that
    these those their there they them he she his her we our us i you your not no so if than then which who whom what
    when also said says say told""".split()
)


def normalise(text: str) -> str:
    """ASCII-folded, lower-cased, possessive 's dropped, non-alphanumerics as one space, leading "the" dropped.

    Example:
        >>> normalise("The Kremlin’s  spokesman")
        'kremlin spokesman'
    """
    text = text.replace("’", "'").replace("‘", "'")
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    folded = re.sub(r"'s\b", "", folded)
    folded = re.sub(r"[^a-z0-9]+", " ", folded).strip()
    return folded[4:] if folded.startswith("the ") else folded


def _content(text: str) -> set[str]:
    return {w for w in normalise(text).split() if w not in _STOP}


def canonical_actor(name: str | None, aliases: Mapping[str, Sequence[str]]) -> str | None:
    """The canonical actor a name stands for through ``aliases``, else the name itself (normalised compare).

    Example:
        >>> canonical_actor("Kremlin", {"Russia": ["Kremlin"]}), canonical_actor("Boeing", {})
        ('Russia', 'Boeing')
    """
    if not name:
        return None
    key = normalise(name)
    for actor, names in aliases.items():
        if key in {normalise(n) for n in (actor, *names)}:
            return actor
    return name


@dataclass(frozen=True, slots=True, kw_only=True)
class GoldClaim:
    """One annotated claim.

    Example:
        >>> GoldClaim(id="d:c1", doc="d", speaker="X", actor="Y", text="t", kind="direct_quote",
        ...           speaker_kind="person").kind
        'direct_quote'
    """

    id: str
    doc: str
    speaker: str
    actor: str
    text: str
    kind: str
    speaker_kind: str
    aliases: tuple[str, ...] = ()
    said_on: str | None = None
    start: int | None = None

    @property
    def end(self) -> int | None:
        """End offset of the span in the body, when found."""
        return None if self.start is None else self.start + len(self.text)


@dataclass(frozen=True, slots=True, kw_only=True)
class NewsGold:
    """An annotated folder: its documents (headline as title), claims, rebuttal pairs and stance cells.

    Example:
        >>> gold = load_news_gold("tests/fixtures/news_mini")
        >>> len(gold.documents), len(gold.claims), len(gold.rebuttals)
        (1, 5, 2)
    """

    documents: tuple[Document, ...]
    claims: tuple[GoldClaim, ...]
    rebuttals: tuple[dict[str, Any], ...]
    stance: tuple[dict[str, Any], ...]
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def targets(self) -> dict[str, str]:
        """Each article's stance target."""
        return {cell["doc_id"]: cell["target"] for cell in self.stance}


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: an annotated folder needs it (see stancekit.news_eval).")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}, line {number}: not valid JSON ({error.msg}).") from None
    return rows


def load_news_gold(folder: str | Path) -> NewsGold:
    """Read an annotated folder, its articles read as a folder normally is (headline as title, not body).

    Raises:
        FileNotFoundError: If a file of the format is missing.

    Example:
        >>> load_news_gold("tests/fixtures/news_mini").targets
        {'nm01_bridge': "The contractor's work caused the cracks in the bridge"}
    """
    from stancekit.documents import read_documents, with_metadata

    root = Path(folder)
    meta = {row["id"]: row for row in _read_jsonl(root / "metadata.jsonl")}
    documents = []
    for document in read_documents(root / "articles"):
        row = meta.get(document.id, {})
        documents.append(
            with_metadata(document, published=row.get("published"), source=row.get("source"), url=row.get("url"))
        )
    bodies = {d.id: d.text for d in documents}
    claims = []
    for row in _read_jsonl(root / "gold_claims.jsonl"):
        body = bodies.get(row["doc_id"], "")
        start = body.find(row["text"])
        claims.append(
            GoldClaim(
                id=row["id"],
                doc=row["doc_id"],
                speaker=row["speaker"],
                actor=row["actor"],
                text=row["text"],
                kind=row["kind"],
                speaker_kind=row["speaker_kind"],
                aliases=tuple(row.get("speaker_aliases") or ()),
                said_on=row.get("said_on"),
                start=start if start >= 0 else None,
            )
        )
    return NewsGold(
        documents=tuple(documents),
        claims=tuple(claims),
        rebuttals=tuple(_read_jsonl(root / "gold_rebuttals.jsonl")),
        stance=tuple(_read_jsonl(root / "gold_stance.jsonl")),
        aliases=read_actor_aliases(root),
    )


def _span_match(claim: Claim, gold: GoldClaim) -> bool:
    if claim.doc != gold.doc:
        return False
    if gold.start is not None and claim.end > claim.start:
        overlap = min(claim.end, gold.end or 0) - max(claim.start, gold.start)
        if overlap <= 0:
            return False
        return overlap >= 0.5 * len(gold.text) and overlap >= 0.2 * (claim.end - claim.start)
    ours, theirs = _content(claim.sentence or claim.text), _content(gold.text)
    shared = len(ours & theirs)
    return bool(theirs) and shared >= 0.7 * len(theirs) and shared >= 0.5 * max(1, len(ours))


def _speaker_match(speaker: str | None, gold: GoldClaim) -> bool:
    if not speaker or not normalise(speaker):
        return False
    mine = normalise(speaker)
    names = [normalise(n) for n in (gold.speaker, *gold.aliases) if normalise(n)]
    if mine in names:
        return True
    if gold.speaker_kind == "person":
        words = set(mine.split())
        for name in names:
            if mine.split()[-1] == name.split()[-1] or words <= set(name.split()):
                return True
    return False


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimEvalReport:
    """Claim extraction figures on an annotated folder.

    Attributes:
        recall: Share of named gold claims found with a matching speaker.
        recall_by_kind: The same per gold kind, and ``without_embedded``.
        span_recall: Share of named gold claims span-matched, whatever the speaker.
        speaker_precision: Share of extracted claims that span-match a gold claim whose speaker they match.
        actor_accuracy: Share of extracted claims (span-matching some gold claim) with the reference actor.
        date_accuracy: Share of found gold claims with ``said_on`` whose extracted date is that day.
        n_extracted: Extracted claims counted for precision.
        n_gold: Named gold claims.
        missing: Ids of the named gold claims not found.

    Example:
        >>> from stancekit.claims import extract_claims
        >>> print(evaluate_claims(extract_claims(gold.documents), gold))  # doctest: +NORMALIZE_WHITESPACE
        claims: recall 1.000 of 5 named gold claims (direct_quote 1.000, reported_speech 1.000, embedded 1.000,
        without_embedded 1.000); span-only recall 1.000
        speaker precision 1.000 of 5 extracted; actor accuracy 0.800; date accuracy 1.000
    """

    recall: float
    recall_by_kind: dict[str, float]
    span_recall: float
    speaker_precision: float
    actor_accuracy: float
    date_accuracy: float
    n_extracted: int
    n_gold: int
    missing: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {f: getattr(self, f) for f in ClaimEvalReport.__dataclass_fields__} | {"missing": list(self.missing)}

    def __str__(self) -> str:
        """The figures in a few lines."""
        kinds = ", ".join(f"{k} {v:.3f}" for k, v in self.recall_by_kind.items())
        return (
            f"claims: recall {self.recall:.3f} of {self.n_gold} named gold claims ({kinds}); span-only recall "
            f"{self.span_recall:.3f}\n        speaker precision {self.speaker_precision:.3f} of {self.n_extracted} "
            f"extracted; actor accuracy {self.actor_accuracy:.3f}; date accuracy {self.date_accuracy:.3f}"
        )


def _ratio(a: int, b: int) -> float:
    return a / b if b else float("nan")


def evaluate_claims(claims: Sequence[Claim], gold: NewsGold) -> ClaimEvalReport:
    """Score extracted claims against the gold claims (see the module doc for the rules).

    Example:
        >>> from stancekit.claims import extract_claims
        >>> report = evaluate_claims(extract_claims(gold.documents), gold)
        >>> report.recall, report.n_gold
        (1.0, 5)
    """
    by_doc: dict[str, list[GoldClaim]] = {}
    for g in gold.claims:
        by_doc.setdefault(g.doc, []).append(g)
    named = [g for g in gold.claims if g.speaker_kind != "unnamed"]
    extracted = [c for c in claims if c.kind != "narration"]
    found: dict[str, Claim] = {}
    span_found: set[str] = set()
    for g in named:
        for c in extracted:
            if _span_match(c, g):
                span_found.add(g.id)
                if _speaker_match(c.speaker, g):
                    found.setdefault(g.id, c)
                    break
    kinds: dict[str, float] = {}
    for kind in ("direct_quote", "reported_speech", "embedded"):
        members = [g for g in named if g.kind == kind]
        kinds[kind] = _ratio(sum(g.id in found for g in members), len(members))
    plain = [g for g in named if g.kind != "embedded"]
    kinds["without_embedded"] = _ratio(sum(g.id in found for g in plain), len(plain))
    right = counted = actor_right = actor_counted = 0
    for c in extracted:
        matches = [g for g in by_doc.get(c.doc, []) if _span_match(c, g)]
        if matches and all(g.speaker_kind == "unnamed" for g in matches):
            continue
        counted += 1
        speaker_ok = [g for g in matches if _speaker_match(c.speaker, g)]
        right += bool(speaker_ok)
        if matches:
            reference = speaker_ok[0] if speaker_ok else max(matches, key=lambda g: _coverage(c, g))
            actor_counted += 1
            actor_right += canonical_actor(c.actor, gold.aliases) == canonical_actor(reference.actor, gold.aliases)
    dated = [g for g in named if g.id in found and g.said_on]
    date_right = sum(
        found[g.id].date is not None and found[g.id].date.isoformat()[:10] == g.said_on  # type: ignore[union-attr]
        for g in dated
    )
    return ClaimEvalReport(
        recall=_ratio(len(found), len(named)),
        recall_by_kind=kinds,
        span_recall=_ratio(len(span_found), len(named)),
        speaker_precision=_ratio(right, counted),
        actor_accuracy=_ratio(actor_right, actor_counted),
        date_accuracy=_ratio(date_right, len(dated)),
        n_extracted=counted,
        n_gold=len(named),
        missing=tuple(g.id for g in named if g.id not in found),
    )


def _coverage(claim: Claim, gold: GoldClaim) -> float:
    if gold.start is None:
        return len(_content(claim.text) & _content(gold.text)) / max(1, len(_content(gold.text)))
    overlap = max(0, min(claim.end, gold.end or 0) - max(claim.start, gold.start))
    return overlap / max(1, len(gold.text)) + overlap / max(1, claim.end - claim.start)


@dataclass(frozen=True, slots=True, kw_only=True)
class RebuttalEvalReport:
    """Rebuttal figures: recall of gold pairs (at any rank and at k), precision within annotated articles.

    Example:
        >>> from stancekit.tracking import Tracker
        >>> from stancekit.pairing import TfidfEmbedder
        >>> tracker = Tracker(model, embedder=TfidfEmbedder()).add_documents(gold.documents)
        >>> print(evaluate_rebuttals(tracker.rebuttals, gold))  # doctest: +ELLIPSIS
        rebuttals: found 0.500 of 2 gold pairs (@1 0.500, ...
                   precision 1.000 of 1 listed pairs inside one annotated article (1 listed in all)
    """

    n_gold: int
    n_listed: int
    found: float
    recall_at: dict[int, float]
    recall_at_in_article: dict[int, float]
    first_reading_found: float
    precision: float
    n_listed_in_articles: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {f: getattr(self, f) for f in RebuttalEvalReport.__dataclass_fields__}

    def __str__(self) -> str:
        """The figures in a few lines."""
        at = ", ".join(f"@{k} {v:.3f}" for k, v in self.recall_at.items())
        inside = ", ".join(f"@{k} {v:.3f}" for k, v in self.recall_at_in_article.items())
        return (
            f"rebuttals: found {self.found:.3f} of {self.n_gold} gold pairs ({at}; within the article {inside}); "
            f"first-reading pairs found {self.first_reading_found:.3f}\n"
            f"           precision {self.precision:.3f} of {self.n_listed_in_articles} listed pairs inside one "
            f"annotated article ({self.n_listed} listed in all)"
        )


def evaluate_rebuttals(
    rebuttals: Sequence[tuple[Claim, Claim]] | Iterable[Any],
    gold: NewsGold,
    *,
    ks: Sequence[int] = (1, 5, 10, 20, 50),
) -> RebuttalEvalReport:
    """Score a ranked list of rebuttals (pairs of claims, or records with ``a`` and ``b``), best first.

    Example:
        >>> from stancekit.tracking import Tracker
        >>> from stancekit.pairing import TfidfEmbedder
        >>> tracker = Tracker(model, embedder=TfidfEmbedder()).add_documents(gold.documents)
        >>> report = evaluate_rebuttals(tracker.rebuttals, gold)
        >>> report.found, report.precision
        (0.5, 1.0)
    """
    pairs: list[tuple[Claim, Claim]] = []
    for r in rebuttals:
        item: Any = r
        pairs.append((item.a, item.b) if hasattr(item, "a") else (item[0], item[1]))
    claims_by_id = {g.id: g for g in gold.claims}
    docs = {d.id for d in gold.documents}
    best: dict[int, int] = {}
    best_in_article: dict[int, int] = {}
    matched_listed: set[int] = set()
    article_rank: dict[str, int] = {}
    for rank, (a, b) in enumerate(pairs, start=1):
        inside = a.doc == b.doc
        if inside:
            article_rank[a.doc] = article_rank.get(a.doc, 0) + 1
        for index, pair in enumerate(gold.rebuttals):
            g1, g2 = claims_by_id[pair["claim_id"]], claims_by_id[pair["reply_id"]]
            hit = (_span_match(a, g1) and _span_match(b, g2)) or (_span_match(a, g2) and _span_match(b, g1))
            if hit and a.id != b.id:
                matched_listed.add(rank)
                best.setdefault(index, rank)
                if inside:
                    best_in_article.setdefault(index, article_rank[a.doc])
    n = len(gold.rebuttals)
    first = [i for i, p in enumerate(gold.rebuttals) if p.get("annotated") == "first reading"]
    listed_inside = [r for r, (a, b) in enumerate(pairs, start=1) if a.doc == b.doc and a.doc in docs]
    return RebuttalEvalReport(
        n_gold=n,
        n_listed=len(pairs),
        found=_ratio(len(best), n),
        recall_at={k: _ratio(sum(r <= k for r in best.values()), n) for k in ks},
        recall_at_in_article={k: _ratio(sum(r <= k for r in best_in_article.values()), n) for k in (1, 3, 5)},
        first_reading_found=_ratio(sum(i in best for i in first), len(first)),
        precision=_ratio(sum(r in matched_listed for r in listed_inside), len(listed_inside)),
        n_listed_in_articles=len(listed_inside),
    )


def fit_rebuttal_threshold(
    relations: Iterable[Any], gold: NewsGold, *, grid: Sequence[float] | None = None
) -> tuple[float, list[dict[str, float]]]:
    """The contradiction threshold that makes the best rebuttals on an annotated folder, and the table behind it.

    ``relations`` are a tracker's rebuttals scored with a low threshold (each has ``score``, its contradiction
    probability); each threshold of the grid keeps those at or above it and is scored for recall of the gold pairs
    and precision inside the annotated articles; the threshold with the best F1 of the two wins (the lower one on
    a tie, to keep recall).

    Example:
        >>> from stancekit.tracking import Tracker
        >>> from stancekit.pairing import TfidfEmbedder
        >>> tracker = Tracker(model, embedder=TfidfEmbedder(), threshold=0.3).add_documents(gold.documents)
        >>> threshold, table = fit_rebuttal_threshold(tracker.rebuttals, gold)
        >>> 0.3 <= threshold <= 0.95, len(table)
        (True, 14)
    """
    ranked = sorted(relations, key=lambda r: -float(r.score))
    steps = list(grid) if grid is not None else [round(0.30 + 0.05 * i, 2) for i in range(14)]
    table = []
    for threshold in steps:
        report = evaluate_rebuttals([r for r in ranked if r.score >= threshold], gold)
        p, r = report.precision, report.found
        p = 0.0 if p != p else p  # nothing listed: no precision
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        table.append({"threshold": threshold, "precision": p, "recall": r, "f1": f1, "listed": report.n_listed})
    best = max(table, key=lambda row: (round(row["f1"], 6), -row["threshold"]))
    return float(best["threshold"]), table


def _matches_gold_pair(a: Claim, b: Claim, gold: NewsGold) -> bool:
    """Whether two extracted claims span-match the two sides of one gold rebuttal pair, in either order."""
    by_id = {g.id: g for g in gold.claims}
    for pair in gold.rebuttals:
        g1, g2 = by_id[pair["claim_id"]], by_id[pair["reply_id"]]
        if g1.doc != a.doc and g2.doc != a.doc:
            continue
        if (_span_match(a, g1) and _span_match(b, g2)) or (_span_match(a, g2) and _span_match(b, g1)):
            return True
    return False


def fit_rebuttal_combiner(
    relations: Iterable[Relation],
    gold: NewsGold,
    *,
    features: Sequence[str] | None = None,
    grid: Sequence[float] | None = None,
    c: float = 1.0,
) -> tuple[RebuttalCombiner, list[dict[str, float]]]:
    """Fit a rebuttal combiner on a tracker's scored pairs and an annotated folder, and choose its threshold.

    ``relations`` are every scored candidate pair (``tracker.relations``, built without a combiner). The pairs of
    different actors are the training rows; a row is positive when its two claims span-match a gold rebuttal pair.
    The threshold is chosen honestly: each article's pairs get the probability of a combiner fitted on the other
    articles (leave one article out), each threshold of the grid lists the pairs at or above it, and the one with
    the best F1 of gold-pair recall and in-article precision wins. The returned combiner is then fitted on all
    articles with that threshold; the table holds the held-out figures per threshold, which are the ones to quote.

    Example:
        >>> from stancekit.tracking import Tracker
        >>> from stancekit.pairing import TfidfEmbedder
        >>> tracker = Tracker(model, embedder=TfidfEmbedder()).add_documents(gold.documents)
        >>> combiner, table = fit_rebuttal_combiner(tracker.relations, gold)
        >>> 0 < combiner.threshold < 1
        True
    """
    from stancekit.rebuttals import FEATURES, RebuttalCombiner, fit_weights, pair_features

    names = tuple(features) if features is not None else FEATURES
    kept, rows, labels = [], [], []
    for r in relations:
        if r.forward is None or r.backward is None or (r.a.actor or r.a.speaker) == (r.b.actor or r.b.speaker):
            continue
        kept.append(r)
        rows.append(pair_features(r.a, r.b, r.forward, r.backward, similarity=r.similarity, link=r.link))
        labels.append(_matches_gold_pair(r.a, r.b, gold))
    if not any(labels):
        raise ValueError(
            f"none of the {len(kept)} scored pairs of different actors matches a gold rebuttal pair: "
            "check that the folder's gold_rebuttals.jsonl belongs to these articles."
        )
    held_out = [0.0] * len(kept)
    for doc in dict.fromkeys(r.a.doc for r in kept):
        train = [i for i, r in enumerate(kept) if r.a.doc != doc]
        test = [i for i, r in enumerate(kept) if r.a.doc == doc]
        train_labels = [labels[i] for i in train]
        if not any(train_labels) or all(train_labels):
            continue  # nothing to learn from without this article: its pairs stay at 0
        weights, bias = fit_weights([rows[i] for i in train], train_labels, features=names, c=c)
        probe = RebuttalCombiner(features=names, weights=weights, bias=bias, threshold=0.5)
        for i in test:
            held_out[i] = probe.probability(rows[i])
    ranked = sorted(zip(held_out, range(len(kept)), strict=True), key=lambda t: -t[0])
    steps = list(grid) if grid is not None else [round(0.10 + 0.05 * i, 2) for i in range(15)]
    table: list[dict[str, float]] = []
    for threshold in steps:
        report = evaluate_rebuttals([kept[i] for p, i in ranked if p >= threshold], gold)
        precision, recall = report.precision, report.found
        precision = 0.0 if precision != precision else precision  # nothing listed: no precision
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        table.append(
            {"threshold": threshold, "precision": precision, "recall": recall, "f1": f1, "listed": report.n_listed}
        )
    best = max(table, key=lambda row: (round(row["f1"], 6), -row["threshold"]))
    weights, bias = fit_weights(rows, labels, features=names, c=c)
    combiner = RebuttalCombiner(
        features=names,
        weights=weights,
        bias=bias,
        threshold=float(best["threshold"]),
        fitted_on={
            "pairs": len(kept),
            "rebuttals": int(sum(labels)),
            "gold_pairs": len(gold.rebuttals),
            "articles": len(gold.documents),
            "held_out": {k: round(float(v), 4) for k, v in best.items()},
        },
    )
    return combiner, table


@dataclass(frozen=True, slots=True, kw_only=True)
class StanceCellReport:
    """Per-(article, actor) stance figures.

    Example:
        >>> evaluate_actor_stance({("nm01_bridge", "Ruritania"): ("favor", 3)}, gold).accuracy
        0.5
    """

    accuracy: float
    accuracy_where_present: float
    n_cells: int
    n_present: int
    cells: tuple[tuple[str, str, str, str | None], ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {f: getattr(self, f) for f in StanceCellReport.__dataclass_fields__} | {
            "cells": [list(c) for c in self.cells]
        }

    def __str__(self) -> str:
        """One line."""
        return (
            f"stance: {self.accuracy:.3f} of {self.n_cells} (article, actor) cells right; "
            f"{self.accuracy_where_present:.3f} of the {self.n_present} where the actor has claims"
        )


def evaluate_actor_stance(predicted: Mapping[tuple[str, str], tuple[str, int]], gold: NewsGold) -> StanceCellReport:
    """Compare per-(article, actor) stances, each with its claim count, with the gold cells.

    Actor names are mapped through :data:`ACTOR_ALIASES`; where several predicted actors map to one, the one with
    most claims counts; a cell with no predicted actor is wrong.

    Example:
        >>> evaluate_actor_stance({("nm01_bridge", "Transport Ministry"): ("favor", 2)}, gold).n_cells
        2
    """
    chosen: dict[tuple[str, str | None], tuple[str, int]] = {}
    for (doc, actor), (label, count) in predicted.items():
        key = (doc, canonical_actor(actor, gold.aliases))
        if key not in chosen or count > chosen[key][1]:
            chosen[key] = (label, count)
    cells = []
    for cell in gold.stance:
        mine = chosen.get((cell["doc_id"], cell["actor"]))
        cells.append((cell["doc_id"], cell["actor"], cell["stance"], mine[0] if mine else None))
    right = sum(g == p for _, _, g, p in cells)
    present = [c for c in cells if c[3] is not None]
    return StanceCellReport(
        accuracy=_ratio(right, len(cells)),
        accuracy_where_present=_ratio(sum(g == p for _, _, g, p in present), len(present)),
        n_cells=len(cells),
        n_present=len(present),
        cells=tuple(cells),
    )


def per_actor_stance(
    model: Scorer,
    claims: Sequence[Any],
    targets: Mapping[str, str],
    *,
    text_of: Callable[[Any], str] = lambda c: c.text,
    doc_of: Callable[[Any], str] = lambda c: c.doc,
    actor_of: Callable[[Any], str | None] = lambda c: c.actor,
    batch_size: int = 32,
) -> dict[tuple[str, str], tuple[str, int]]:
    """Each article's per-actor stance toward its target, from that article's claims only.

    Per actor, :func:`stancekit.stance.collective_stance` of its claims: none when every claim is none, else the
    sign of their mean favor - against.

    Example:
        >>> from stancekit.claims import extract_claims
        >>> cells = per_actor_stance(model, extract_claims(gold.documents), gold.targets)
        >>> cells[("nm01_bridge", "Transport Ministry")], cells[("nm01_bridge", "Brightway Construction")]
        (('favor', 2), ('against', 2))
    """
    from stancekit.stance import collective_stance, stance

    chosen = [c for c in claims if doc_of(c) in targets and actor_of(c)]
    results = stance(model, [text_of(c) for c in chosen], [targets[doc_of(c)] for c in chosen], batch_size=batch_size)
    groups: dict[tuple[str, str], list[Any]] = {}
    for claim, result in zip(chosen, results, strict=True):
        groups.setdefault((doc_of(claim), str(actor_of(claim))), []).append(result)
    out: dict[tuple[str, str], tuple[str, int]] = {}
    for key, members in groups.items():
        label = collective_stance([(r.favor, r.against, r.none) for r in members])
        out[key] = (label.value, len(members))
    return out


def gold_claims_check(model: Scorer, gold: NewsGold, *, batch_size: int = 32) -> dict[str, float]:
    """The model apart from the extractor, on the gold claims themselves.

    Returns the share of gold rebuttal pairs classed as contradiction (either direction) and the per-actor stance
    accuracy computed from the gold claims of each actor.

    Example:
        >>> gold_claims_check(model, gold)
        {'gold_pairs_classed_contradiction': 0.5, 'stance_accuracy_from_gold_claims': 0.5}
    """
    by_id = {g.id: g for g in gold.claims}
    pairs = [(by_id[p["claim_id"]].text, by_id[p["reply_id"]].text) for p in gold.rebuttals]
    scored = model.score(pairs, both_directions=True, batch_size=batch_size)
    contradictions = sum(r.label.value == "contradiction" for r in scored)
    predicted = per_actor_stance(
        model, list(gold.claims), gold.targets, actor_of=lambda g: g.actor, batch_size=batch_size
    )
    report = evaluate_actor_stance(predicted, gold)
    return {
        "gold_pairs_classed_contradiction": _ratio(contradictions, len(pairs)),
        "stance_accuracy_from_gold_claims": report.accuracy,
    }
