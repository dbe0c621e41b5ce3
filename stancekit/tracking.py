"""The tracker: claims, rebuttals and each actor's stance toward a target, over time and incrementally."""

from __future__ import annotations

import dataclasses
import html
import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from stancekit.claims import Claim, ClaimExtractor, ClaimList
from stancekit.documents import Document
from stancekit.io import atomic_writer
from stancekit.pairing import (
    Embedder,
    PairingStats,
    Relation,
    RelationList,
    candidate_pairs,
    default_embedder,
    relate,
)
from stancekit.rebuttals import RebuttalCombiner
from stancekit.results import PairScore
from stancekit.scoring import NLIModel, Scorer, require_scorer
from stancekit.stance import (
    StanceResult,
    Target,
    TargetKind,
    collective_stance,
    most_probable_stance,
    stance,
)
from stancekit.store import (
    RELATION_COLUMNS,
    TIMELINE_COLUMNS,
    StoreError,
    TrackStore,
    embedder_settings,
    fingerprint,
    model_settings,
)

if TYPE_CHECKING:
    import networkx as nx
    import numpy.typing as npt
    import pandas as pd

__all__ = ["Tracker", "TrackerSettings"]

logger = logging.getLogger(__name__)

_DOCUMENT_CHUNK = 64
"""Documents extracted and committed to a store together (each document's claims in one transaction)."""
_SCORE_CHUNK = 2048
"""NLI pairs scored, and committed to a store, at a time."""
_STANCE_CHUNK = 2048
"""Texts whose stance is scored, and committed to a store, at a time."""
_EXTERNAL = "external"
"""The extractor fingerprint of a stored document whose claims were added directly (``add_claims``)."""


def _denial_links(claims: Sequence[Claim]) -> list[tuple[int, int, str]]:
    """(allegation, denial, why) index pairs: each embedded claim and the statement of the one who reported it."""
    links = []
    for i, claim in enumerate(claims):
        if claim.kind != "embedded" or not claim.reported_by:
            continue
        holders = [
            j
            for j, c in enumerate(claims)
            if c.doc == claim.doc
            and c.kind != "embedded"
            and c.speaker == claim.reported_by
            and c.start <= claim.start
            and claim.end <= c.end
        ]
        if holders:
            j = min(holders, key=lambda k: claims[k].end - claims[k].start)
            links.append((i, j, "denial of an allegation"))
    # "X's allegations that P ... Boeing denied the allegations": a denial of "the allegations" answers the last
    # allegation the article gave with that noun and its source
    for j, denial in enumerate(claims):
        match = _ANAPHORIC_DENIAL.search(denial.text) if denial.kind != "embedded" else None
        if match is None:
            continue
        noun = match.group(1).lower().rstrip("s")
        earlier = [
            i
            for i, c in enumerate(claims)
            if c.doc == denial.doc
            and c.kind == "embedded"
            and c.reported_by is None
            and c.end <= denial.start
            and (c.actor or c.speaker) != (denial.actor or denial.speaker)
            and re.search(rf"\b{noun}s?\s+that\s*$", c.sentence[: max(0, c.sentence.find(c.text))], re.IGNORECASE)
        ]
        if earlier:
            links.append((max(earlier, key=lambda i: claims[i].start), j, "denial of an allegation"))
    return links


_ANAPHORIC_DENIAL = re.compile(
    r"\b(?:den(?:y|ies|ied|ying)|reject(?:s|ed|ing)?|dismiss(?:es|ed|ing)?|refut(?:e|es|ed|ing)|"
    r"disput(?:e|es|ed|ing)|rubbish(?:es|ed|ing)?)\s+(?:the|these|those|such|all)\s+(?:\w+\s+)?"
    r"(allegations?|claims?|accusations?|charges?)\b(?!\s+(?:that|of|by|about|from))",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackerSettings:
    """How a :class:`Tracker` reads, pairs and scores.

    Every option but its parts (model, extractor, embedder, rebuttal combiner, store). Checked on creation; a
    tracker keeps its own as ``tracker.settings``, and ``Tracker(settings=..., **options)`` starts from one and
    changes some. The store keys its cached results by what these decide.

    Attributes:
        target: The proposition whose stance is tracked, e.g. "Afghanistan poses a security threat to Central
            Asia".
        top_k: Partners retrieved per claim.
        min_similarity: Minimum cosine similarity of a candidate pair; default none inside a scoped dispute
            (``scope="story"`` or ``"target"``, where a denial and the claim it denies are often worded far apart:
            on the annotated news folder the 0.3 floor cut the gold pairs among the candidates from 0.72 to 0.55),
            0.3 with ``scope="all"``.
        different_actors: Pair only claims of different actors.
        same_target: Pair only claims that take a stance (favor or against) toward the target (as
            ``scope="target"``).
        time_window: Pair only claims at most this far apart.
        threshold: Minimum probability of the argmax label for a pair to support or contradict (the
            contradiction threshold applies when there is no rebuttal combiner; default: the model's stored
            ``rebuttal_threshold``, else 0.4).
        templates: Stance hypothesis templates (default: those of the target's kind; custom ones turn the model's
            stance calibration off).
        negation: The target's negation (default: rule-based).
        target_kind: ``"proposition"``, ``"topic"`` or ``"auto"`` (see :func:`stancekit.stance.target_kind`).
        batch_size: NLI batch size.
        scope: Which claims may rebut each other: ``"story"`` (the default: claims of one dispute, documents
            grouped by :attr:`Tracker.disputes`), ``"target"`` (claims that take a stance toward the target) or
            ``"all"``. A denial and the allegation it reports are always paired.
        story_similarity: Cosine similarity of two documents' mean claim embeddings from which they are one story.
        story_window: Documents further apart in time are not one story (``None``: no limit).
        disputes: Document id -> dispute label, overriding the grouping for the documents it names.

    Example:
        >>> settings = TrackerSettings(target="Afghanistan poses a threat", scope="target")
        >>> settings.pair_floor, dataclasses.replace(settings, scope="all").pair_floor
        (-1.0, 0.3)
        >>> TrackerSettings(scope="target")
        Traceback (most recent call last):
        ValueError: scope='target' pairs the claims that take a stance toward the target: pass target=.
    """

    target: str | None = None
    top_k: int = 10
    min_similarity: float | None = None
    different_actors: bool = True
    same_target: bool = False
    time_window: timedelta | None = None
    threshold: float | None = None
    templates: tuple[str, ...] | None = None
    negation: str | None = None
    target_kind: TargetKind | Literal["auto"] = "auto"
    batch_size: int = 32
    scope: Literal["story", "target", "all"] = "story"
    story_similarity: float = 0.55
    story_window: timedelta | None = timedelta(days=60)
    disputes: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        """Check the options, naming the one that is wrong."""
        if self.scope not in ("story", "target", "all"):
            raise ValueError(f"scope must be 'story', 'target' or 'all', got {self.scope!r}.")
        if self.scope == "target" and not self.target:
            raise ValueError("scope='target' pairs the claims that take a stance toward the target: pass target=.")
        if not 0 < self.story_similarity <= 1:
            raise ValueError(f"story_similarity must be in (0, 1], got {self.story_similarity!r}.")
        if self.templates is not None:
            object.__setattr__(self, "templates", tuple(self.templates))
        object.__setattr__(self, "disputes", dict(self.disputes or {}))

    @property
    def pair_floor(self) -> float:
        """The minimum similarity of a candidate pair in effect (see ``min_similarity``)."""
        if self.min_similarity is not None:
            return self.min_similarity
        return 0.3 if self.scope == "all" else -1.0


_SETTINGS = frozenset(f.name for f in dataclasses.fields(TrackerSettings))


class Tracker:
    """Follows who said what about a target, which statements rebut which, and how stances change over time.

    Add documents (or claims) at any time; claims are extracted, candidate pairs retrieved by embedding
    similarity and classed with the NLI model, and each claim's stance toward the target is scored. Scores are
    cached by model and texts, so adding documents later only scores what is new.

    Args:
        model: The NLI model (default: the shipped one).
        settings: How it reads, pairs and scores (:class:`TrackerSettings`); ``options`` change some of them.
        extractor: Claim extractor (default: a new :class:`ClaimExtractor`).
        embedder: Sentence embedder for retrieval (default: MiniLM if installed, else TF-IDF).
        rebuttal_combiner: ``"model"`` (the default) decides rebuttals with the model's fitted
            :class:`~stancekit.rebuttals.RebuttalCombiner` when it has one; pass a combiner of your own, or
            ``None`` for the contradiction threshold alone.
        store: A :class:`~stancekit.store.TrackStore` that keeps documents, claims, scores and results across
            runs (prefer :meth:`open`); what it holds is loaded, and only what is new is extracted and scored.
        options: Fields of :class:`TrackerSettings` (``target=``, ``scope=``, ``top_k=`` …); each is also readable
            as an attribute of the tracker (``tracker.target``). ``target`` may be a
            :class:`~stancekit.stance.Target`, whose negation and kind then become the settings'.

    Example:
        >>> from stancekit.documents import read_documents
        >>> tracker = Tracker(model, target="Afghanistan poses a security threat to Central Asia")
        >>> tracker.add_documents(read_documents("seeds")).rebuttals[0].b.speaker
        'Zabihullah Mujahid'
    """

    def __init__(
        self,
        model: Scorer | None = None,
        *,
        settings: TrackerSettings | None = None,
        extractor: ClaimExtractor | None = None,
        embedder: Embedder | None = None,
        rebuttal_combiner: RebuttalCombiner | Literal["model"] | None = "model",
        store: TrackStore | None = None,
        **options: Any,
    ) -> None:
        """Configure the tracker; nothing is scored until documents or claims are added (or a store is loaded)."""
        unknown = sorted(set(options) - _SETTINGS)
        if unknown:
            raise TypeError(f"Tracker got unknown options {unknown}; the options are those of TrackerSettings: "
                            f"{sorted(_SETTINGS)}.")  # fmt: skip
        goal = options.get("target")
        if isinstance(goal, Target):  # the target with its own negation and kind
            if goal.negation is not None and options.get("negation") is not None:
                raise ValueError("give the negation once: in Target(text, negation=...) or as negation=, not both.")
            options["target"] = goal.text
            if goal.negation is not None:
                options["negation"] = goal.negation
            if goal.kind != "auto":
                options["target_kind"] = goal.kind
        self.settings = dataclasses.replace(settings or TrackerSettings(), **options)
        """How this tracker reads, pairs and scores (see :class:`TrackerSettings`)."""
        self.model = require_scorer(model, "Tracker(model=...)") if model is not None else NLIModel.default()
        self.extractor = extractor or ClaimExtractor()
        self._embedder = embedder
        stored = self.model.rebuttal_threshold
        self.threshold = self.settings.threshold if self.settings.threshold is not None else (stored or 0.4)
        """The contradiction threshold in effect (the setting, else the model's stored one, else 0.4)."""
        if rebuttal_combiner == "model":
            rebuttal_combiner = self.model.rebuttal_combiner
        if rebuttal_combiner is not None and not isinstance(rebuttal_combiner, RebuttalCombiner):
            raise TypeError(
                f"rebuttal_combiner must be 'model', a RebuttalCombiner or None, got {rebuttal_combiner!r}."
            )
        self.rebuttal_combiner: RebuttalCombiner | None = rebuttal_combiner
        self._disputes: dict[str, str] = {}
        self.documents: list[Document] = []
        self._claims: dict[str, Claim] = {}
        self._vectors: dict[str, npt.NDArray[np.float32]] = {}
        self._nli_cache: dict[tuple[str, str], PairScore] = {}
        self._stance_cache: dict[tuple[str, str | None, str], StanceResult] = {}
        self._relations: list[Relation] = []
        self.stats = PairingStats(claims=0, all_pairs=0, allowed_pairs=0, candidates=0)
        self.scored_pairs = 0
        self.store = store
        self._setting_ids: dict[str, int] = {}
        self._records: dict[str, dict[str, Any]] = {}
        if store is not None:
            self._load_store(store)

    @property
    def min_similarity(self) -> float:
        """The minimum similarity of a candidate pair in effect (:attr:`TrackerSettings.pair_floor`)."""
        return self.settings.pair_floor

    def __getattr__(self, name: str) -> Any:
        """A setting read as an attribute (``tracker.target``, ``tracker.scope``): see :attr:`settings`."""
        if name in _SETTINGS and "settings" in self.__dict__:
            return getattr(self.__dict__["settings"], name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @classmethod
    def open(
        cls, path: str | Path, model: Scorer | None = None, *, readonly: bool = False, **settings: Any
    ) -> Tracker:
        """A tracker backed by a persistent store at ``path`` (SQLite; created when missing).

        What the store holds is loaded: its documents and claims, and the scores computed by earlier runs, so
        ``add_documents`` over the same folder plus new articles extracts and scores only the new ones. A changed
        model or setting rescores what it affects (scores are keyed by the model's weights and settings), and a
        changed extractor setting re-extracts the stored documents. Each document's claims and each scored batch
        are committed as they are made: a run that is killed can simply be run again. Close it (or use ``with``)
        to let another run write the store.

        Args:
            path: The store's file, e.g. ``tracks.db``.
            model: The NLI model (default: the shipped one).
            readonly: Read the store without writing it (what is missing is computed in memory only); a reader
                may open a store while a run writes it.
            **settings: The other options of :class:`Tracker` (target, scope, ...).

        Raises:
            StoreLockedError: If another process is writing the store (and ``readonly`` is not set).
            StoreError: If the file is not a stancekit store or is of a newer layout.

        Example:
            >>> from stancekit.documents import read_documents
            >>> with Tracker.open(tmp / "tracks.db", model, target="Afghanistan poses a threat") as tracker:
            ...     len(tracker.add_documents(read_documents("seeds")).claims)
            55
        """
        store = TrackStore(path, readonly=readonly)
        try:
            return cls(model, store=store, **settings)
        except BaseException:
            store.close()
            raise

    def close(self) -> None:
        """Close the store (if any), letting another run write it."""
        if self.store is not None:
            self.store.close()

    def __enter__(self) -> Tracker:
        """Use as a context manager: the store is closed on exit."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the store."""
        self.close()

    # ------------------------------------------------------------------ store

    def _writes(self) -> bool:
        return self.store is not None and not self.store.readonly

    def _setting(self, kind: str, record: Mapping[str, Any]) -> int:
        """The store's id of a settings record, registered once per tracker."""
        key = kind + fingerprint(record)
        if key not in self._setting_ids:
            assert self.store is not None
            self._setting_ids[key] = self.store.setting_id(kind, record)
        return self._setting_ids[key]

    def _model_record(self) -> dict[str, Any]:
        if "model" not in self._records:
            self._records["model"] = model_settings(self.model)
        return self._records["model"]

    def _embedder_record(self) -> dict[str, Any]:
        if "embedder" not in self._records:
            self._records["embedder"] = embedder_settings(self.embedder)
        return self._records["embedder"]

    def _load_store(self, store: TrackStore) -> None:
        """Take the store's documents, claims and the extractor's memory; re-extract if its settings changed."""
        with store.snapshot():  # documents and claims as of one commit, while a run may be writing
            documents = store.documents()
            claims = store.load_claims()
            kept = store.document_extractors()
            state = store.extractor_state()
        current = fingerprint(self.extractor.settings())
        stale = [d for d in documents if kept.get(d.id) not in (current, _EXTERNAL)]
        if stale and not store.readonly:
            logger.info("the extractor's settings changed: re-extracting the %d stored documents", len(stale))
            self.extractor.restore({"canonical": {}, "surnames": {}, "actors": {}})
            list(self._extract_into_store(stale, replace=True))  # each chunk is committed as it is made
            claims = store.load_claims()
        else:
            if stale:
                logger.warning(
                    "%d documents of %s were extracted with other extractor settings; read-only, they stay as stored",
                    len(stale),
                    store.path,
                )
            if state is not None:
                self.extractor.restore(state)
        self.documents = documents
        self._claims = {c.id: c for c in claims if c.kind != "narration"}
        if self._claims:
            self._update()

    def _prefetch_scores(self, keys: Sequence[tuple[str, str]]) -> int:
        """Bring the NLI scores of (premise, hypothesis) pairs into the cache.

        They come from the store when it has them; the rest are scored in batches, each committed to the store as
        soon as it is made.
        """
        missing = [k for k in dict.fromkeys(keys) if k not in self._nli_cache]
        if not missing:
            return 0
        if self.store is not None:
            model_id = self._setting("model", self._model_record())
            self._nli_cache.update(self.store.get_nli(model_id, missing))
            missing = [k for k in missing if k not in self._nli_cache]
        for start in range(0, len(missing), _SCORE_CHUNK):
            part = missing[start : start + _SCORE_CHUNK]
            scored = list(self.model.score(part, batch_size=self.settings.batch_size))
            self._nli_cache.update(zip(part, scored, strict=True))
            if self._writes():
                assert self.store is not None
                self.store.put_nli(self._setting("model", self._model_record()), scored)
        return len(missing)

    @property
    def embedder(self) -> Embedder:
        """The retrieval embedder, created on first use."""
        if self._embedder is None:
            self._embedder = default_embedder()
        return self._embedder

    # ------------------------------------------------------------------ input

    def add_documents(self, documents: Iterable[Document]) -> Tracker:
        """Extract the documents' claims and update pairs, relations and stances; returns the tracker.

        A document added before (the same id and text) is skipped, and so is one whose text is that of a document
        added before under another id (the same article saved twice): its claims would only repeat.

        Raises:
            ValueError: If a document id was added before with different text.
        """
        new = []
        known = {d.id: d for d in self.documents}
        texts = {d.text: d.id for d in self.documents if d.text}
        for document in documents:
            if document.id in known:
                if known[document.id].text != document.text:
                    raise ValueError(f"document {document.id!r} was added before with different text.")
                continue
            if document.text and document.text in texts:
                logger.info("document %r repeats the text of %r: skipped", document.id, texts[document.text])
                continue
            known[document.id] = document
            texts.setdefault(document.text, document.id)
            new.append(document)
        if self.store is not None:
            return self._add_documents_to_store(new)
        claims = list(self.extractor.extract(new))  # nothing is recorded until every claim is extracted
        kept = len(self.documents)
        self.documents.extend(new)
        try:
            return self.add_claims(claims)
        except BaseException:  # interrupted or failed: the documents are not marked added, so adding them again works
            del self.documents[kept:]
            raise

    def _add_documents_to_store(self, documents: Sequence[Document]) -> Tracker:
        """Extract and commit documents a chunk at a time, then update (each scored batch committed)."""
        store = self.store
        assert store is not None
        if store.readonly:
            raise StoreError(f"{store.path} was opened read-only: open it without readonly=True to add documents.")
        for part, claims in self._extract_into_store(documents):
            self.documents.extend(part)
            self._claims.update((c.id, c) for c in claims)
        self._update()
        return self

    def _extract_into_store(
        self, documents: Sequence[Document], *, replace: bool = False
    ) -> Iterator[tuple[Sequence[Document], list[Claim]]]:
        """Extract documents a chunk at a time, committing each chunk with its claims; yields what was committed."""
        assert self.store is not None
        extractor = fingerprint(self.extractor.settings())
        for start in range(0, len(documents), _DOCUMENT_CHUNK):
            part = documents[start : start + _DOCUMENT_CHUNK]
            claims = [c for c in self.extractor.extract(part) if c.kind != "narration"]
            self.store.add_documents(
                part, claims, extractor=extractor, extractor_state=self.extractor.state(), replace=replace
            )
            yield part, claims

    def add_claims(self, claims: Iterable[Claim]) -> Tracker:
        """Add claims directly (e.g. from your own extractor) and update; returns the tracker.

        The update is all or nothing: if it fails or is interrupted (Ctrl-C in a notebook), the tracker is left as it
        was before the call (scores already computed stay cached), and the same call can simply be made again.
        With a store, the claims are committed first (with a stand-in document for each document id the store does
        not know), so that a later run has them.
        """
        if self._writes():
            assert self.store is not None
            fresh = [c for c in claims if c.kind != "narration" and c.id not in self._claims]
            known = {d.id for d in self.documents}
            by_doc: dict[str, list[Claim]] = {}
            for claim in fresh:
                by_doc.setdefault(claim.doc, []).append(claim)
            stand_ins = [Document(id=doc, text="") for doc in by_doc if doc not in known]
            if any(doc in known for doc in by_doc):
                raise StoreError(
                    "a store keeps a document's claims together: add claims of documents it already holds with "
                    "add_documents, or give your claims new document ids."
                )
            self.store.add_documents(stand_ins, fresh, extractor=_EXTERNAL)
            self.documents.extend(stand_ins)
            claims = fresh
        added = []
        for claim in claims:
            if claim.kind != "narration" and claim.id not in self._claims:
                self._claims[claim.id] = claim
                added.append(claim.id)
        try:
            self._update()
        except BaseException:
            for claim_id in added:
                del self._claims[claim_id]
            raise
        return self

    def _update(self) -> None:
        claims: list[Claim] = self.claims
        if self.settings.target:
            stances = self._stances(self._goal(None))
            if self.settings.same_target or self.scope == "target":
                claims = [c for c, r in zip(claims, stances, strict=True) if r.label.value != "none"]
        if getattr(self.embedder, "corpus_dependent", False):
            self._vectors.clear()  # e.g. TF-IDF: vectors of different fits are not comparable
        matrix = self._matrix(claims)
        disputes = self._group_disputes(claims, matrix)
        pairs, stats = candidate_pairs(
            claims,
            embeddings=matrix,
            top_k=self.settings.top_k,
            min_similarity=self.settings.pair_floor,
            different_actors=self.settings.different_actors,
            time_window=self.settings.time_window,
            groups=[disputes.get(c.doc, c.doc) for c in claims] if self.scope == "story" else None,
            links=_denial_links(claims),
        )
        scored = self._prefetch_scores([(p.a.text, p.b.text) for p in pairs] + [(p.b.text, p.a.text) for p in pairs])
        relations = relate(
            self.model,
            pairs,
            threshold=self.threshold,
            batch_size=self.settings.batch_size,
            cache=self._nli_cache,
            combiner=self.rebuttal_combiner,
        )
        # Only now, with everything computed, does the tracker's visible state change.
        self._disputes, self.stats, self._relations = disputes, stats, relations
        self.scored_pairs += scored
        if self._writes():
            assert self.store is not None
            run = {
                "documents": len(self.documents),
                "claims": len(self._claims),
                "relations": len(relations),
                "model": self.model.name,
                "target": self.settings.target,
                "scope": self.settings.scope,
                "top_k": self.settings.top_k,
                "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            }
            self.store.save_results(disputes, relations, run)

    def _matrix(self, claims: Sequence[Claim]) -> npt.NDArray[np.float32]:
        """The claims' retrieval embeddings, one row each, encoding only texts not seen before."""
        missing = list(dict.fromkeys(c.text for c in claims if c.text not in self._vectors))
        keep = self.store is not None and not getattr(self.embedder, "corpus_dependent", False)
        if missing and keep:
            assert self.store is not None
            embedder = self._setting("embedder", self._embedder_record())
            self._vectors.update(self.store.get_vectors(embedder, missing))
            missing = [t for t in missing if t not in self._vectors]
        if missing:
            new = dict(zip(missing, self.embedder.encode(missing), strict=True))
            self._vectors.update(new)
            if keep and self._writes():
                assert self.store is not None
                self.store.put_vectors(self._setting("embedder", self._embedder_record()), new)
        return np.stack([self._vectors[c.text] for c in claims]) if claims else np.zeros((0, 1), np.float32)

    def _group_disputes(self, claims: Sequence[Claim], matrix: npt.NDArray[np.float32]) -> dict[str, str]:
        """Documents of one story, joined transitively.

        Two documents are one story when their mean claim embeddings are at least ``story_similarity`` alike in
        cosine and they lie within ``story_window``; each dispute is named by its first document and its actors.
        """
        docs = list(dict.fromkeys(c.doc for c in claims))
        index = {d: i for i, d in enumerate(docs)}
        parent = list(range(len(docs)))

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        if docs:
            sums = np.zeros((len(docs), matrix.shape[1]), np.float32)
            for claim, row in zip(claims, matrix, strict=True):
                sums[index[claim.doc]] += row
            vectors = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-9)
            dates = {d.id: d.published for d in self.documents}
            alike = np.argwhere(np.triu(vectors @ vectors.T >= self.settings.story_similarity, k=1))
            for i, j in alike.tolist():  # only the alike pairs are looked at one by one
                a, b = dates.get(docs[i]), dates.get(docs[j])
                if self.settings.story_window is not None and a and b and abs(a - b) > self.settings.story_window:
                    continue
                parent[root(j)] = root(i)
        members: dict[int, list[str]] = {}
        for d in docs:
            members.setdefault(root(index[d]), []).append(d)
        labels: dict[str, str] = {}
        titles = {d.id: d.title for d in self.documents}
        for group in members.values():
            actors = Counter(c.actor for c in claims if c.doc in group and c.actor)
            named = ", ".join(a for a, _ in actors.most_common(3))
            first = titles.get(group[0]) or group[0]
            first = first if len(first) <= 70 else first[:69] + "…"
            more = f" +{len(group) - 1} more" if len(group) > 1 else ""
            label = first + more + (f" ({named})" if named else "")
            labels.update({d: label for d in group})
        labels.update(self.settings.disputes)
        return labels

    @property
    def disputes(self) -> dict[str, str]:
        """Document id -> its dispute (the story its claims are paired within under ``scope="story"``)."""
        return dict(self._disputes)

    def _goal(self, target: str | Target | None) -> Target:
        """The target asked about, with its negation and kind.

        A :class:`Target` as given; the tracker's own target (``None`` or its text) with the settings' negation and
        kind; any other text with the settings' kind.

        Raises:
            ValueError: If no target was given here or to the tracker.
        """
        if isinstance(target, Target):
            return target
        text = target or self.settings.target
        if not text:
            raise ValueError("no target: pass target= here or to Tracker(target=...).")
        kind = self.settings.target_kind
        negation = self.settings.negation if text == self.settings.target else None
        if negation is not None and Target(text, kind=kind).resolved_kind == "topic":
            negation = None  # a topic has no negation; the setting never applied to one
        return Target(text, negation=negation, kind=kind)

    def _stance_record(self, goal: Target) -> dict[str, Any]:
        """What decides a claim's stance toward ``goal``: the model, the target and how it is read."""
        return {
            "model": fingerprint(self._model_record()),
            "target": goal.text,
            "target_kind": goal.kind,
            "templates": list(self.settings.templates) if self.settings.templates is not None else None,
            "negation": goal.negation,
            "calibration": calibration.to_dict() if (calibration := self.model.stance_calibration) else None,
        }

    def _stances(self, goal: Target) -> list[StanceResult]:
        claims = self.claims
        todo = [c.text for c in claims if (goal.text, goal.negation, c.text) not in self._stance_cache]
        todo = list(dict.fromkeys(todo))
        setting = None
        if todo and self.store is not None:
            setting = self._setting("stance", self._stance_record(goal))
            for text, (favor, against, none) in self.store.get_stance(setting, todo).items():
                label = most_probable_stance(favor, against, none)
                self._stance_cache[(goal.text, goal.negation, text)] = StanceResult(
                    text=text, target=goal.text, label=label, favor=favor, against=against, none=none
                )
            todo = [t for t in todo if (goal.text, goal.negation, t) not in self._stance_cache]
        for start in range(0, len(todo), _STANCE_CHUNK):
            results = stance(
                self.model,
                todo[start : start + _STANCE_CHUNK],
                goal,
                templates=self.settings.templates,
                batch_size=self.settings.batch_size,
            )
            for result in results:
                self._stance_cache[(goal.text, goal.negation, result.text)] = result
            if self._writes() and setting is not None:
                assert self.store is not None
                self.store.put_stance(setting, results)
        return [self._stance_cache[(goal.text, goal.negation, c.text)] for c in claims]

    # ------------------------------------------------------------------ results

    @property
    def claims(self) -> ClaimList:
        """All attributed claims, in time order (undated last), then document order."""
        return ClaimList(
            sorted(
                self._claims.values(),
                key=lambda c: (c.date is None, c.date.timestamp() if c.date else 0.0, c.doc, c.start),
            )
        )

    @property
    def relations(self) -> RelationList:
        """Every scored candidate pair with its relation."""
        return RelationList(self._relations)

    @property
    def rebuttals(self) -> RelationList:
        """Contradictions between different actors, strongest first."""
        return RelationList(sorted((r for r in self._relations if r.is_rebuttal), key=lambda r: -r.score))

    def position_changes(self) -> RelationList:
        """Contradictions between claims of the same actor within a dispute (a change of position), strongest first.

        Rebuttals pair different actors only, so these are retrieved and scored apart, on first call (scores
        are cached like the rebuttals').
        """
        claims: list[Claim] = [c for c in self.claims if c.actor]
        if len(claims) < 2:
            return RelationList()
        matrix = self._matrix(claims)
        pairs, _ = candidate_pairs(
            claims,
            embeddings=matrix,
            top_k=self.settings.top_k,
            min_similarity=self.settings.pair_floor,
            different_actors=False,
            time_window=self.settings.time_window,
            groups=[
                f"{self._disputes.get(c.doc, c.doc) if self.scope == 'story' else ''}\x00{c.actor}" for c in claims
            ],
        )
        same = [p for p in pairs if p.a.speaker != p.b.speaker or p.a.doc != p.b.doc]
        self._prefetch_scores([(p.a.text, p.b.text) for p in same] + [(p.b.text, p.a.text) for p in same])
        relations = relate(
            self.model, same, threshold=self.threshold, batch_size=self.settings.batch_size, cache=self._nli_cache
        )
        return RelationList(sorted((r for r in relations if r.kind == "contradicts"), key=lambda r: -r.score))

    def dispute_of(self, claim: Claim) -> str:
        """The dispute a claim belongs to (see :attr:`disputes`); its document id when it was never grouped."""
        return self._disputes.get(claim.doc, claim.doc)

    def _check_dispute(self, dispute: str | None) -> None:
        if dispute is not None and dispute not in set(self._disputes.values()):
            known = sorted(set(self._disputes.values()))
            shown = ", ".join(repr(k) for k in known[:5]) + (f" and {len(known) - 5} more" if len(known) > 5 else "")
            raise ValueError(f"unknown dispute {dispute!r}; this tracker's disputes are {shown or 'none'}.")

    def stance_timeline(self, target: str | Target | None = None, *, dispute: str | None = None) -> pd.DataFrame:
        """Per claim: actor, speaker, date, claim, stance, probability (of that stance), favor, against, none.

        Args:
            target: The target (default: the tracker's), a text or a :class:`~stancekit.stance.Target` with its own
                negation.
            dispute: Keep only the claims of this dispute (a value of :attr:`disputes`).

        Raises:
            ValueError: If no target was given here or to the tracker, or the dispute is unknown.
        """
        import pandas as pd

        goal = self._goal(target)
        self._check_dispute(dispute)
        rows = []
        for claim, result in zip(self.claims, self._stances(goal), strict=True):
            if dispute is not None and self.dispute_of(claim) != dispute:
                continue
            rows.append(
                {
                    "actor": claim.actor,
                    "speaker": claim.speaker,
                    "date": claim.date,
                    "claim": claim.text,
                    "stance": result.label.value,
                    "probability": result.scores[result.label.value],
                    "favor": result.favor,
                    "against": result.against,
                    "none": result.none,
                    "doc": claim.doc,
                    "kind": claim.kind,
                    "dispute": self.dispute_of(claim),
                }
            )
        frame: pd.DataFrame = pd.DataFrame(rows, columns=list(TIMELINE_COLUMNS))
        return frame

    def actor_stance(
        self, target: str | Target | None = None, *, min_confidence: float = 0.0, dispute: str | None = None
    ) -> pd.DataFrame:
        """Per actor: number of claims, mean favor/against/none, and a stance.

        The stance is :func:`~stancekit.stance.collective_stance` of the actor's claims whose top probability is at
        least ``min_confidence``: none when every one is none, else the sign of their mean favor - against.
        ``dispute`` keeps only that dispute's claims (see :meth:`stance_by_dispute`).
        """
        timeline = self.stance_timeline(target, dispute=dispute)
        rows = []
        for actor, group in timeline.groupby(timeline["actor"].fillna("unknown"), sort=True):
            kept = group[group["probability"] >= min_confidence]
            label = collective_stance(list(zip(kept["favor"], kept["against"], kept["none"], strict=True))).value
            rows.append(
                {
                    "actor": actor,
                    "claims": len(group),
                    "stance": label,
                    "favor": group["favor"].mean(),
                    "against": group["against"].mean(),
                    "none": group["none"].mean(),
                    "favor_claims": int((group["stance"] == "favor").sum()),
                    "against_claims": int((group["stance"] == "against").sum()),
                }
            )
        import pandas as pd

        frame: pd.DataFrame = pd.DataFrame(rows)
        return frame

    def relations_frame(self, *, rebuttals_only: bool = False) -> pd.DataFrame:
        """One row per relation: the two claims, their speakers, actors, dates, relation, score and lag in days."""
        import pandas as pd

        chosen = self.rebuttals if rebuttals_only else self.relations
        frame: pd.DataFrame = pd.DataFrame(
            [
                {
                    "claim": r.a.text,
                    "speaker": r.a.speaker,
                    "actor": r.a.actor,
                    "date": r.a.date,
                    "reply": r.b.text,
                    "reply_speaker": r.b.speaker,
                    "reply_actor": r.b.actor,
                    "reply_date": r.b.date,
                    "relation": r.kind,
                    "score": r.score,
                    "rebuttal": r.is_rebuttal,
                    "lag_days": r.lag.days if r.lag is not None else None,
                    "similarity": r.similarity,
                    "reason": r.reason,
                    "dispute": self._disputes.get(r.a.doc, r.a.doc),
                }
                for r in chosen
            ],
            columns=list(RELATION_COLUMNS),
        )
        return frame

    # ------------------------------------------------------------------ exports and reports

    def claim_stances(self, target: str | Target | None = None) -> list[StanceResult]:
        """Each claim's stance toward ``target`` (default: the tracker's), in the order of :attr:`claims`.

        Raises:
            ValueError: If there is no target.
        """
        return self._stances(self._goal(target))

    def graph(self) -> dict[str, list[dict[str, Any]]]:
        """Claims as nodes and supports/contradicts relations as edges (see :func:`stancekit.graph.tracker_graph`)."""
        from stancekit.graph import tracker_graph

        return tracker_graph(self)

    def to_networkx(self) -> nx.DiGraph:
        """The graph as a networkx ``DiGraph`` (needs networkx); see :func:`stancekit.graph.to_networkx`."""
        from stancekit.graph import to_networkx

        return to_networkx(self)

    def to_jsonl(self, path: str | Path) -> Path:
        """Write claims (with their stance) and relations as JSON Lines (see :func:`stancekit.graph.write_jsonl`)."""
        from stancekit.graph import write_jsonl

        return write_jsonl(self, path)

    def summary(self, *, top: int = 5, disputes: int = 10) -> str:
        """A readable summary: stance per actor, then each dispute's actors' stances and strongest rebuttals.

        Disputes come strongest rebuttal first (then by size), at most ``disputes`` of them, each with its ``top``
        strongest rebuttals (see :func:`stancekit.report.summary_text`).
        """
        from stancekit.report import summary_text

        return summary_text(self, top=top, disputes=disputes)

    def rebuttals_by_dispute(self) -> dict[str, RelationList]:
        """The rebuttals of each dispute (see :attr:`disputes`), strongest first; disputes by their strongest."""
        groups: dict[str, RelationList] = {}
        for r in self.rebuttals:
            groups.setdefault(self.dispute_of(r.a), RelationList()).append(r)
        return groups

    def dispute_order(self) -> list[str]:
        """Every dispute, those with the strongest rebuttals first, then the rest by their number of claims."""
        ranked = list(self.rebuttals_by_dispute())
        sizes = Counter(self.dispute_of(c) for c in self.claims)
        rest = sorted((d for d in set(self._disputes.values()) if d not in ranked), key=lambda d: (-sizes[d], d))
        return ranked + rest

    def disputes_frame(self) -> pd.DataFrame:
        """One row per dispute, strongest first: its documents, claims, actors, rebuttals, strongest score, dates."""
        import pandas as pd

        rebuttals = self.rebuttals_by_dispute()
        rows = []
        for dispute in self.dispute_order():
            docs = [d for d, label in self._disputes.items() if label == dispute]
            claims = [c for c in self.claims if self.dispute_of(c) == dispute]
            dates = [c.date for c in claims if c.date is not None]
            group = rebuttals.get(dispute, RelationList())
            rows.append(
                {
                    "dispute": dispute,
                    "documents": len(docs),
                    "claims": len(claims),
                    "actors": ", ".join(a for a, _ in Counter(c.actor for c in claims if c.actor).most_common()),
                    "rebuttals": len(group),
                    "strongest": group[0].score if group else None,
                    "first": min(dates) if dates else None,
                    "last": max(dates) if dates else None,
                }
            )
        columns = ["dispute", "documents", "claims", "actors", "rebuttals", "strongest", "first", "last"]
        frame: pd.DataFrame = pd.DataFrame(rows, columns=columns)
        return frame

    def stance_by_dispute(self, target: str | Target | None = None) -> dict[str, pd.DataFrame]:
        """:meth:`actor_stance` within each dispute that has claims, in :meth:`dispute_order`."""
        self.stance_timeline(target)  # checks the target once, and scores every claim in one go
        return {d: self.actor_stance(target, dispute=d) for d in self.dispute_order()}

    def __repr__(self) -> str:
        """Counts."""
        where = f", store {str(self.store.path)!r}" if self.store is not None else ""
        return (
            f"Tracker({len(self.documents)} documents, {len(self.claims)} claims, {len(self.rebuttals)} rebuttals"
            f"{where})"
        )

    def _repr_html_(self) -> str:
        """Summary tables for Jupyter."""
        from stancekit.report import rebuttal_table

        parts = [f"<p><b>{html.escape(repr(self))}</b></p>"]
        if self.settings.target:
            parts.append(self.actor_stance().to_html(index=False, float_format=lambda v: f"{v:.2f}"))
        if self.rebuttals:
            parts.append(rebuttal_table(self.rebuttals[:10]))
        return "".join(parts)

    def to_html(self, path: str | Path, *, title: str = "stancekit report") -> Path:
        """Write a self-contained HTML report: stance per actor, the timeline, and each dispute's own.

        Each dispute has its actors' stance, its timeline and its rebuttals; a filter at the top shows one dispute
        (inline script and styles: the file needs nothing beside it). See :func:`stancekit.report.html_report`.
        """
        from stancekit.report import html_report

        target = Path(path)
        document = html_report(self, title=title)
        with atomic_writer(target) as handle:
            handle.write(document)
        return target
