"""A persistent store for a tracker on SQLite: documents, claims, scores, disputes and relations across runs.

A researcher who follows a dispute for months adds articles every day. :class:`TrackStore` keeps what a
:class:`~stancekit.tracking.Tracker` computed, so that the next run extracts and scores only what is new:

- ``documents`` by id with their content hash, metadata and text, and the fingerprint of the extractor settings
  their claims were extracted with (the extractor's memory of names is kept too, so that a later run reads new
  articles as a single run over all of them would);
- ``claims`` of each document;
- ``nli`` scores per (premise, hypothesis) and model fingerprint (weights, labels, precision, window);
- ``stance`` per claim text and stance setting (model fingerprint, target, its kind, templates, negation,
  calibration);
- ``embeddings`` per text and embedder fingerprint;
- ``disputes`` and ``relations`` of the last completed run, for readers.

Each document's claims are committed in one transaction, and so is each scored batch: a run killed at any point
(even with SIGKILL) leaves a store that opens, and running again completes it with nothing lost or doubled.
The store is in WAL mode, so readers (a report, a notebook) can open it while a run writes; a second writer is
refused with a message, not let in to corrupt it. A schema version is stored and checked.

The views (:meth:`TrackStore.claims`, :meth:`~TrackStore.relations`, :meth:`~TrackStore.stance_timeline`,
:meth:`~TrackStore.actor_stance`) are SQL queries: they answer from a store of any size without loading it.

Example:
    >>> import tempfile
    >>> with TrackStore(Path(tempfile.mkdtemp()) / "tracks.db") as store:
    ...     store.info()["documents"]
    0
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from stancekit.claims import Claim
from stancekit.documents import Document
from stancekit.results import PairScore
from stancekit.stance import most_probable_stance
from stancekit.types import NLILabel

if TYPE_CHECKING:
    import numpy.typing as npt
    import pandas as pd

    from stancekit.pairing import Relation
    from stancekit.stance import StanceResult

logger = logging.getLogger(__name__)

__all__ = [
    "RELATION_COLUMNS",
    "SCHEMA_VERSION",
    "TIMELINE_COLUMNS",
    "StoreError",
    "StoreLockedError",
    "TrackStore",
    "fingerprint",
    "text_key",
]

SCHEMA_VERSION = 1
"""The layout this stancekit writes; a store of a newer layout is refused, an older one would be migrated."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS settings (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, fingerprint TEXT NOT NULL UNIQUE, record TEXT NOT NULL,
    used REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, hash TEXT NOT NULL, title TEXT NOT NULL, source TEXT NOT NULL,
    author TEXT NOT NULL, published TEXT, url TEXT NOT NULL, language TEXT NOT NULL, metadata TEXT NOT NULL,
    text TEXT NOT NULL, extractor TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_hash ON documents (hash);
CREATE TABLE IF NOT EXISTS claims (
    id TEXT PRIMARY KEY, doc TEXT NOT NULL, seq INTEGER NOT NULL, text TEXT NOT NULL, speaker TEXT, actor TEXT,
    kind TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL, date TEXT, ts REAL, sentence TEXT NOT NULL,
    context TEXT, reported_by TEXT, date_stated INTEGER NOT NULL, text_key BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS claims_doc ON claims (doc, seq);
CREATE INDEX IF NOT EXISTS claims_actor ON claims (actor);
CREATE INDEX IF NOT EXISTS claims_order ON claims (ts, doc, start);
CREATE TABLE IF NOT EXISTS embeddings (
    embedder INTEGER NOT NULL, key BLOB NOT NULL, vector BLOB NOT NULL, UNIQUE (embedder, key)
);
CREATE TABLE IF NOT EXISTS nli (
    model INTEGER NOT NULL, key BLOB NOT NULL, label TEXT NOT NULL, entailment REAL NOT NULL, neutral REAL,
    contradiction REAL, not_entailment REAL NOT NULL, window INTEGER NOT NULL, windows INTEGER NOT NULL,
    window_start INTEGER NOT NULL, window_end INTEGER NOT NULL, truncated INTEGER NOT NULL, schema_label TEXT,
    schema_scores TEXT, PRIMARY KEY (model, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stance (
    setting INTEGER NOT NULL, key BLOB NOT NULL, favor REAL NOT NULL, against REAL NOT NULL, none REAL NOT NULL,
    PRIMARY KEY (setting, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS disputes (doc TEXT PRIMARY KEY, dispute TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS disputes_dispute ON disputes (dispute);
CREATE TABLE IF NOT EXISTS relations (
    seq INTEGER PRIMARY KEY, a TEXT NOT NULL, b TEXT NOT NULL, kind TEXT NOT NULL, score REAL NOT NULL,
    rebuttal INTEGER NOT NULL, entailment REAL NOT NULL, neutral REAL, contradiction REAL, direction TEXT NOT NULL,
    similarity REAL NOT NULL, evidence TEXT NOT NULL, reason TEXT NOT NULL, link TEXT NOT NULL,
    rebuttal_probability REAL
);
CREATE INDEX IF NOT EXISTS relations_rebuttal ON relations (rebuttal, score);
CREATE INDEX IF NOT EXISTS relations_a ON relations (a);
"""

_CLAIM_COLUMNS = (
    "id, doc, seq, text, speaker, actor, kind, start, end, date, ts, sentence, context, reported_by, date_stated, "
    "text_key"
)
_NLI_COLUMNS = (
    "label, entailment, neutral, contradiction, not_entailment, window, windows, window_start, window_end, "
    "truncated, schema_label, schema_scores"
)
_IN_DISPUTE = (
    "{doc} IN (SELECT doc FROM disputes WHERE dispute = ? UNION ALL "
    "SELECT ? WHERE NOT EXISTS (SELECT 1 FROM disputes WHERE doc = ?))"
)
"""The documents of a dispute (an ungrouped document is its own dispute, named by its id), by index."""
_UNDATED = 1e300
"""The ``ts`` (sort key) of an undated claim: after every dated one, as the tracker orders them."""
_CHUNK = 500  # keys per IN (...) query: well under SQLite's limit on bound variables


class StoreError(RuntimeError):
    """A store that cannot be used as asked: not a stancekit store, of a newer layout, or missing."""


class StoreLockedError(StoreError):
    """Another process is writing the store."""


def text_key(*texts: str) -> bytes:
    """The 20-byte key of one text, or of a (premise, hypothesis) pair.

    Example:
        >>> len(text_key("a claim")), text_key("a", "bc") == text_key("ab", "c")
        (20, False)
    """
    digest = hashlib.sha1(usedforsecurity=False)
    for text in texts:
        data = text.encode("utf-8")
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.digest()


def fingerprint(record: Mapping[str, Any]) -> str:
    """A short stable hash of a JSON-ready record of settings.

    Example:
        >>> fingerprint({"a": 1, "b": [2]}) == fingerprint({"b": [2], "a": 1})
        True
    """
    text = json.dumps(record, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _date(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class _WriterLock:
    """An exclusive advisory lock on ``<store>.lock``: the system drops it when its process ends, even on SIGKILL."""

    def __init__(self, path: Path) -> None:
        self.path = path.with_name(path.name + ".lock")
        self._handle: IO[str] | None = None

    def acquire(self, store: Path) -> None:
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115  # held open for the writer's lifetime
        try:
            _lock(handle)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise StoreLockedError(
                f"{store} is being written by {holder}; only one run may write a store at a time. Wait for it to "
                "finish, or open the store read-only (TrackStore(path, readonly=True), Tracker.open(path, "
                "readonly=True), `stancekit report --store`) to read it meanwhile."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()} (since {time.strftime('%Y-%m-%d %H:%M:%S')})")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.seek(0)
                self._handle.truncate()
            _unlock(self._handle)
            self._handle.close()
            self._handle = None


def _lock(handle: IO[str]) -> None:
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined,unused-ignore]
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlock(handle: IO[str]) -> None:
    with contextlib.suppress(OSError):
        if os.name == "nt":  # pragma: no cover - exercised on Windows only
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined,unused-ignore]
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class TrackStore:
    """A tracker's documents, claims, scores and results in one SQLite file.

    Args:
        path: The store's file; created (with its folder) when missing, unless ``readonly``.
        readonly: Open for reading only: never locks out a writer, never writes.

    Raises:
        StoreLockedError: If another process is writing the store (writers only).
        StoreError: If the file is not a stancekit store, is of a newer layout, or (read-only) does not exist.

    Example:
        >>> import tempfile
        >>> store = TrackStore(Path(tempfile.mkdtemp()) / "tracks.db")
        >>> store.schema_version
        1
        >>> TrackStore(store.path)
        Traceback (most recent call last):
        ...
        stancekit.store.StoreLockedError: ... is being written by process ...
        >>> store.close()
    """

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        """Open (or create) the store; see the class docstring."""
        self.path = Path(path)
        self.readonly = readonly
        self._lock: _WriterLock | None = None
        if readonly:
            if not self.path.is_file():
                raise StoreError(f"no store at {self.path}: run `stancekit track FOLDER --store {self.path}` first.")
            uri = f"{self.path.resolve().as_uri()}?mode=ro"
            self.db = sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)
        else:
            if self.path.is_dir():
                raise StoreError(
                    f"{self.path} is a folder; give the store a file name, e.g. {self.path / 'tracks.db'}."
                )
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock = _WriterLock(self.path)
            self._lock.acquire(self.path)
            try:
                self.db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            except sqlite3.Error:
                self._lock.release()
                raise
        try:
            self._prepare()
        except BaseException:
            self.close()
            raise

    def _prepare(self) -> None:
        db = self.db
        try:
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path} is not a stancekit store (SQLite says: {error}).") from None
        if tables and "meta" not in tables:
            raise StoreError(f"{self.path} is an SQLite file but not a stancekit store (it has no meta table).")
        if not tables:
            if self.readonly:
                raise StoreError(f"{self.path} is empty: it is not a stancekit store yet.")
            db.execute("PRAGMA journal_mode=WAL")
            with db:
                db.executescript(_SCHEMA)
                db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                db.execute("INSERT INTO meta VALUES ('created', ?)", (time.strftime("%Y-%m-%dT%H:%M:%S%z"),))
        version = self.meta("schema_version")
        if version is None or not version.isdigit():
            raise StoreError(f"{self.path} has no schema version: it is not a stancekit store.")
        if int(version) > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has schema version {version}, newer than this stancekit's {SCHEMA_VERSION}: "
                "upgrade stancekit to read it."
            )
        if not self.readonly:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL: a commit survives a killed process; only power loss
            # can take back the last commits, never corrupt the file

    @property
    def schema_version(self) -> int:
        """The layout version stored in the file."""
        return int(self.meta("schema_version") or 0)

    def close(self) -> None:
        """Close the connection and release the writer's lock."""
        with contextlib.suppress(sqlite3.Error, AttributeError):
            self.db.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> TrackStore:
        """Use as a context manager: closed on exit."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the store."""
        self.close()

    def __repr__(self) -> str:
        """The path and the counts."""
        info = self.info()
        return (
            f"TrackStore({str(self.path)!r}, {info['documents']} documents, {info['claims']} claims, "
            f"{info['rebuttals']} rebuttals{', read-only' if self.readonly else ''})"
        )

    # ------------------------------------------------------------------ low level

    def _writable(self) -> sqlite3.Connection:
        if self.readonly:
            raise StoreError(f"{self.path} was opened read-only.")
        return self.db

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """Read several tables as of one moment, whatever a writer commits meanwhile (one read transaction)."""
        if self.db.in_transaction:
            yield
            return
        self.db.execute("BEGIN")
        try:
            yield
        finally:
            self.db.execute("COMMIT" if not self.readonly else "ROLLBACK")

    def meta(self, key: str) -> str | None:
        """A value of the ``meta`` table, or ``None``."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, values: Mapping[str, str]) -> None:
        """Set ``meta`` values in one transaction."""
        db = self._writable()
        with db:
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(values.items()))

    def setting_id(self, kind: str, record: Mapping[str, Any]) -> int:
        """The id of a settings record (a model, an embedder, a stance setting), registered on first use.

        A read-only store answers -1 for settings it has never seen (nothing is stored under them).
        """
        key = fingerprint(record)
        row = self.db.execute("SELECT id FROM settings WHERE fingerprint = ?", (key,)).fetchone()
        if self.readonly:
            return int(row[0]) if row is not None else -1
        db = self.db
        with db:
            if row is None:
                cursor = db.execute(
                    "INSERT INTO settings (kind, fingerprint, record, used) VALUES (?, ?, ?, ?)",
                    (kind, key, json.dumps(record, sort_keys=True, default=str), time.time()),
                )
                return int(cursor.lastrowid or 0)
            db.execute("UPDATE settings SET used = ? WHERE id = ?", (time.time(), row[0]))
        return int(row[0])

    def _select_keys(self, sql: str, setting: int, keys: Sequence[bytes]) -> Iterator[tuple[Any, ...]]:
        for start in range(0, len(keys), _CHUNK):
            part = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(part))
            yield from self.db.execute(sql.format(marks=marks), (setting, *part))

    def info(self) -> dict[str, Any]:
        """Counts of what the store holds, its schema version and its last completed run."""
        counts = {
            table: int(self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])  # fixed names
            for table in ("documents", "claims", "nli", "stance", "embeddings", "relations")
        }
        rebuttals = int(self.db.execute("SELECT COUNT(*) FROM relations WHERE rebuttal = 1").fetchone()[0])
        disputes = int(self.db.execute("SELECT COUNT(DISTINCT dispute) FROM disputes").fetchone()[0])
        return {
            **counts,
            "rebuttals": rebuttals,
            "disputes": disputes,
            "schema_version": self.schema_version,
            "last_run": self.meta("last_run"),
            "path": str(self.path),
        }

    # ------------------------------------------------------------------ documents and claims

    def documents(self) -> list[Document]:
        """Every stored document, in the order they were added."""
        rows = self.db.execute(
            "SELECT id, text, title, source, author, published, url, language, metadata FROM documents ORDER BY seq"
        )
        return [
            Document(
                id=r[0],
                text=r[1],
                title=r[2],
                source=r[3],
                author=r[4],
                published=_date(r[5]),
                url=r[6],
                language=r[7],
                metadata=json.loads(r[8]),
            )
            for r in rows
        ]

    def document_extractors(self) -> dict[str, str]:
        """Document id -> the fingerprint of the extractor settings its claims were extracted with."""
        return {str(r[0]): str(r[1]) for r in self.db.execute("SELECT id, extractor FROM documents")}

    def add_documents(
        self,
        documents: Sequence[Document],
        claims: Sequence[Claim],
        *,
        extractor: str,
        extractor_state: Mapping[str, Any] | None = None,
        replace: bool = False,
    ) -> None:
        """Store documents with their claims (and the extractor's memory of names) in one transaction.

        With ``replace``, documents already stored (re-extracted under new settings) get the new claims instead.
        """
        db = self._writable()
        ids = {d.id for d in documents}
        stray = sorted({c.doc for c in claims} - ids)
        if stray:
            raise ValueError(f"claims of documents not being stored: {stray[:3]}.")
        with db:
            for document in documents:
                if replace:
                    db.execute("DELETE FROM claims WHERE doc = ?", (document.id,))
                    db.execute("DELETE FROM documents WHERE id = ?", (document.id,))
                db.execute(
                    "INSERT INTO documents (id, hash, title, source, author, published, url, language, metadata, text,"
                    " extractor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        document.id,
                        hashlib.sha256(document.text.encode("utf-8")).hexdigest(),
                        document.title,
                        document.source,
                        document.author,
                        _iso(document.published),
                        document.url,
                        document.language,
                        json.dumps(dict(document.metadata), ensure_ascii=False, default=str),
                        document.text,
                        extractor,
                    ),
                )
            db.executemany(
                f"INSERT INTO claims ({_CLAIM_COLUMNS}) VALUES ({','.join('?' * 16)})",
                [
                    (
                        c.id,
                        c.doc,
                        i,
                        c.text,
                        c.speaker,
                        c.actor,
                        c.kind,
                        c.start,
                        c.end,
                        _iso(c.date),
                        c.date.timestamp() if c.date else _UNDATED,
                        c.sentence,
                        c.context,
                        c.reported_by,
                        int(c.date_stated),
                        text_key(c.text),
                    )
                    for i, c in enumerate(claims)
                ],
            )
            if extractor_state is not None:
                db.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('extractor_state', ?)",
                    (json.dumps(extractor_state, ensure_ascii=False),),
                )
                db.execute("INSERT OR REPLACE INTO meta VALUES ('extractor', ?)", (extractor,))

    def extractor_state(self) -> dict[str, Any] | None:
        """The extractor's memory of names after the last stored document, if any."""
        value = self.meta("extractor_state")
        return json.loads(value) if value else None

    def load_claims(self) -> list[Claim]:
        """Every stored claim, in the order of their documents and then of the text."""
        rows = self.db.execute(
            "SELECT c.text, c.speaker, c.actor, c.kind, c.doc, c.start, c.end, c.date, c.sentence, c.context, "
            "c.reported_by, c.date_stated FROM claims c JOIN documents d ON d.id = c.doc ORDER BY d.seq, c.seq"
        )
        return [
            Claim(
                text=r[0],
                speaker=r[1],
                actor=r[2],
                kind=r[3],
                doc=r[4],
                start=r[5],
                end=r[6],
                date=_date(r[7]),
                sentence=r[8],
                context=r[9],
                reported_by=r[10],
                date_stated=bool(r[11]),
            )
            for r in rows
        ]

    # ------------------------------------------------------------------ scores

    def get_nli(self, model: int, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], PairScore]:
        """The stored scores of (premise, hypothesis) pairs under a model's settings id; missing pairs are left out."""
        keys = {text_key(p, h): (p, h) for p, h in dict.fromkeys(pairs)}
        found: dict[tuple[str, str], PairScore] = {}
        sql = f"SELECT key, {_NLI_COLUMNS} FROM nli WHERE model = ? AND key IN ({{marks}})"
        for row in self._select_keys(sql, model, list(keys)):
            premise, hypothesis = keys[row[0]]
            found[(premise, hypothesis)] = PairScore(
                premise=premise,
                hypothesis=hypothesis,
                label=NLILabel(row[1]),
                entailment=row[2],
                neutral=row[3],
                contradiction=row[4],
                not_entailment=row[5],
                window=row[6],
                windows=row[7],
                window_start=row[8],
                window_end=row[9],
                truncated=bool(row[10]),
                schema_label=row[11],
                schema_scores=json.loads(row[12]) if row[12] else None,
            )
        return found

    def put_nli(self, model: int, scores: Iterable[PairScore]) -> None:
        """Store scores under a model's settings id, in one transaction."""
        db = self._writable()
        rows = [
            (
                model,
                text_key(s.premise, s.hypothesis),
                s.label.value,
                s.entailment,
                s.neutral,
                s.contradiction,
                s.not_entailment,
                s.window,
                s.windows,
                s.window_start,
                s.window_end,
                int(s.truncated),
                s.schema_label,
                json.dumps(s.schema_scores) if s.schema_scores is not None else None,
            )
            for s in scores
        ]
        with db:
            db.executemany(
                f"INSERT OR REPLACE INTO nli (model, key, {_NLI_COLUMNS}) VALUES ({','.join('?' * 14)})", rows
            )

    def get_stance(self, setting: int, texts: Sequence[str]) -> dict[str, tuple[float, float, float]]:
        """Stored (favor, against, none) of texts under a stance setting id; missing texts are left out."""
        keys = {text_key(t): t for t in dict.fromkeys(texts)}
        sql = "SELECT key, favor, against, none FROM stance WHERE setting = ? AND key IN ({marks})"
        return {keys[r[0]]: (r[1], r[2], r[3]) for r in self._select_keys(sql, setting, list(keys))}

    def put_stance(self, setting: int, results: Iterable[StanceResult]) -> None:
        """Store stance results under a stance setting id, in one transaction."""
        db = self._writable()
        rows = [(setting, text_key(r.text), r.favor, r.against, r.none) for r in results]
        with db:
            db.executemany("INSERT OR REPLACE INTO stance VALUES (?, ?, ?, ?, ?)", rows)

    def get_vectors(self, embedder: int, texts: Sequence[str]) -> dict[str, npt.NDArray[np.float32]]:
        """Stored embeddings of texts under an embedder's settings id; missing texts are left out."""
        keys = {text_key(t): t for t in dict.fromkeys(texts)}
        sql = "SELECT key, vector FROM embeddings WHERE embedder = ? AND key IN ({marks})"
        return {
            keys[r[0]]: np.frombuffer(r[1], dtype=np.float32).copy()
            for r in self._select_keys(sql, embedder, list(keys))
        }

    def put_vectors(self, embedder: int, vectors: Mapping[str, npt.NDArray[np.float32]]) -> None:
        """Store embeddings under an embedder's settings id, in one transaction."""
        db = self._writable()
        rows = [(embedder, text_key(t), np.asarray(v, dtype=np.float32).tobytes()) for t, v in vectors.items()]
        with db:
            db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)", rows)

    # ------------------------------------------------------------------ results of a run

    def save_results(self, disputes: Mapping[str, str], relations: Sequence[Relation], run: Mapping[str, Any]) -> None:
        """Replace the disputes and relations with those of a completed run, in one transaction."""
        db = self._writable()
        with db:
            db.execute("DELETE FROM disputes")
            db.executemany("INSERT INTO disputes VALUES (?, ?)", list(disputes.items()))
            db.execute("DELETE FROM relations")
            db.executemany(
                "INSERT INTO relations (seq, a, b, kind, score, rebuttal, entailment, neutral, contradiction, "
                "direction, similarity, evidence, reason, link, rebuttal_probability) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        i,
                        r.a.id,
                        r.b.id,
                        r.kind,
                        r.score,
                        int(r.is_rebuttal),
                        r.entailment,
                        r.neutral,
                        r.contradiction,
                        r.direction,
                        r.similarity,
                        r.evidence,
                        r.reason,
                        r.link,
                        r.rebuttal_probability,
                    )
                    for i, r in enumerate(relations)
                ],
            )
            db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('last_run', ?)",
                (json.dumps(dict(run), sort_keys=True, default=str),),
            )

    # ------------------------------------------------------------------ views

    def _stance_setting(self, target: str, setting: int | None) -> int:
        if setting is not None:
            return setting
        rows = self.db.execute("SELECT id, record FROM settings WHERE kind = 'stance' ORDER BY used DESC").fetchall()
        for row in rows:
            if json.loads(row[1]).get("target") == target:
                return int(row[0])
        known = sorted({json.loads(r[1]).get("target") for r in rows} - {None})
        raise StoreError(
            f"the store has no stance toward {target!r}; it has stance toward {known or 'no target'}. Run "
            f"`stancekit track FOLDER --store {self.path} --target ...` (or Tracker.open(...).stance_timeline(target))"
            " to score it."
        )

    def claims(
        self, *, dispute: str | None = None, actor: str | None = None, doc: str | None = None, limit: int | None = None
    ) -> pd.DataFrame:
        """Claims in time order (undated last), then document order: date, speaker, actor, kind, claim, doc.

        ``dispute``, ``actor`` and ``doc`` filter; ``limit`` caps the rows. Answered by SQL, without loading the store.
        """
        import pandas as pd

        where, params = self._filters(dispute=dispute, actor=actor, doc=doc)
        sql = (
            "SELECT c.date, c.speaker, c.actor, c.kind, c.text, c.doc FROM claims c "
            f"LEFT JOIN disputes g ON g.doc = c.doc {where} "
            "ORDER BY c.ts, c.doc, c.start" + (f" LIMIT {int(limit)}" if limit else "")
        )
        rows = [
            {"date": _date(r[0]), "speaker": r[1], "actor": r[2], "kind": r[3], "claim": r[4], "doc": r[5]}
            for r in self.db.execute(sql, params)
        ]
        frame: pd.DataFrame = pd.DataFrame(rows, columns=["date", "speaker", "actor", "kind", "claim", "doc"])
        return frame

    @staticmethod
    def _filters(
        *, dispute: str | None = None, actor: str | None = None, doc: str | None = None, alias: str = "c"
    ) -> tuple[str, list[Any]]:
        """A WHERE clause (or nothing) and its parameters for the claims of ``alias``."""
        clauses: list[str] = []
        params: list[Any] = []
        if dispute is not None:
            clauses.append(_IN_DISPUTE.format(doc=f"{alias}.doc"))
            params += [dispute, dispute, dispute]
        for column, value in ((f"{alias}.actor", actor), (f"{alias}.doc", doc)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", params

    def relations(
        self, *, rebuttals_only: bool = False, dispute: str | None = None, limit: int | None = None
    ) -> pd.DataFrame:
        """The last run's relations as :meth:`Tracker.relations_frame` gives them (rebuttals strongest first)."""
        import pandas as pd

        where, params = self._filters(dispute=dispute, alias="a")
        if rebuttals_only:
            where = (where + " AND" if where else "WHERE") + " r.rebuttal = 1"
        order = "r.score DESC, r.seq" if rebuttals_only else "r.seq"
        sql = (
            "SELECT a.text, a.speaker, a.actor, a.date, b.text, b.speaker, b.actor, b.date, r.kind, r.score, "
            "r.rebuttal, r.similarity, r.reason, COALESCE(g.dispute, a.doc) FROM relations r "
            "JOIN claims a ON a.id = r.a JOIN claims b ON b.id = r.b LEFT JOIN disputes g ON g.doc = a.doc "
            f"{where} ORDER BY {order}" + (f" LIMIT {int(limit)}" if limit else "")
        )
        rows = []
        for r in self.db.execute(sql, params):
            a_date, b_date = _date(r[3]), _date(r[7])
            lag = (b_date - a_date).days if a_date and b_date else None
            rows.append(
                {
                    "claim": r[0],
                    "speaker": r[1],
                    "actor": r[2],
                    "date": a_date,
                    "reply": r[4],
                    "reply_speaker": r[5],
                    "reply_actor": r[6],
                    "reply_date": b_date,
                    "relation": r[8],
                    "score": r[9],
                    "rebuttal": bool(r[10]),
                    "lag_days": lag,
                    "similarity": r[11],
                    "reason": r[12],
                    "dispute": r[13],
                }
            )
        frame: pd.DataFrame = pd.DataFrame(rows, columns=list(RELATION_COLUMNS))
        return frame

    def stance_timeline(
        self, target: str, *, dispute: str | None = None, actor: str | None = None, setting: int | None = None
    ) -> pd.DataFrame:
        """Per claim, its stance toward ``target`` as :meth:`Tracker.stance_timeline` gives it, from stored scores.

        The stance setting is the one last used for ``target`` (or ``setting``, an id of :meth:`setting_id`).

        Raises:
            StoreError: If the store holds no stance toward ``target``.
        """
        import pandas as pd

        chosen = self._stance_setting(target, setting)
        where, params = self._filters(dispute=dispute, actor=actor)
        sql = (
            "SELECT c.actor, c.speaker, c.date, c.text, s.favor, s.against, s.none, c.doc, c.kind, "
            "COALESCE(g.dispute, c.doc) FROM claims c JOIN stance s ON s.setting = ? AND s.key = c.text_key "
            f"LEFT JOIN disputes g ON g.doc = c.doc {where} ORDER BY c.ts, c.doc, c.start"
        )
        rows = []
        for r in self.db.execute(sql, [chosen, *params]):
            scores = {"favor": r[4], "against": r[5], "none": r[6]}
            label = most_probable_stance(r[4], r[5], r[6]).value
            rows.append(
                {
                    "actor": r[0],
                    "speaker": r[1],
                    "date": _date(r[2]),
                    "claim": r[3],
                    "stance": label,
                    "probability": scores[label],
                    "favor": r[4],
                    "against": r[5],
                    "none": r[6],
                    "doc": r[7],
                    "kind": r[8],
                    "dispute": r[9],
                }
            )
        frame: pd.DataFrame = pd.DataFrame(rows, columns=list(TIMELINE_COLUMNS))
        return frame

    def actor_stance(
        self,
        target: str,
        *,
        dispute: str | None = None,
        min_confidence: float = 0.0,
        setting: int | None = None,
    ) -> pd.DataFrame:
        """Per actor: claims, mean favor/against/none and a stance, as :meth:`Tracker.actor_stance`, in SQL.

        The stance is :func:`~stancekit.stance.collective_stance` of the actor's claims whose top probability is
        at least ``min_confidence``: none when every one is none, else the sign of their mean favor - against.
        """
        import pandas as pd

        chosen = self._stance_setting(target, setting)
        label = (
            "CASE WHEN s.favor >= s.against AND s.favor >= s.none THEN 'favor' "
            "WHEN s.against >= s.none THEN 'against' ELSE 'none' END"
        )
        top = "MAX(s.favor, s.against, s.none)"
        sql = (
            f"SELECT COALESCE(c.actor, 'unknown') AS who, COUNT(*), AVG(s.favor), AVG(s.against), AVG(s.none), "
            f"SUM({label} = 'favor'), SUM({label} = 'against'), SUM({label} != 'none' AND {top} >= ?), "
            f"AVG(CASE WHEN {top} >= ? THEN s.favor - s.against END) "
            "FROM claims c JOIN stance s ON s.setting = ? AND s.key = c.text_key "
            + self._filters(dispute=dispute)[0]
            + " GROUP BY who ORDER BY who"
        )
        params: list[Any] = [min_confidence, min_confidence, chosen]
        params += self._filters(dispute=dispute)[1]
        rows = []
        for r in self.db.execute(sql, params):
            stance = ("favor" if r[8] >= 0 else "against") if r[7] else "none"  # as collective_stance
            rows.append(
                {
                    "actor": r[0],
                    "claims": r[1],
                    "stance": stance,
                    "favor": r[2],
                    "against": r[3],
                    "none": r[4],
                    "favor_claims": int(r[5]),
                    "against_claims": int(r[6]),
                }
            )
        frame: pd.DataFrame = pd.DataFrame(rows)
        return frame

    # ------------------------------------------------------------------ export

    def export(self, folder: str | Path, *, batch_rows: int = 50_000) -> dict[str, Path]:
        """Write documents, claims, relations, stance (with its target and setting) and NLI scores as Parquet.

        Tables are streamed ``batch_rows`` at a time, so a store larger than memory exports too.

        Returns:
            Table name -> the Parquet file written.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        queries = {
            "documents": "SELECT seq, id, hash, title, source, author, published, url, language, metadata, text, "
            "extractor FROM documents ORDER BY seq",
            "claims": "SELECT c.id, c.doc, c.seq, c.text, c.speaker, c.actor, c.kind, c.start, c.end, c.date, "
            "c.sentence, c.context, c.reported_by, c.date_stated, g.dispute FROM claims c "
            "LEFT JOIN disputes g ON g.doc = c.doc ORDER BY c.doc, c.seq",
            "relations": "SELECT seq, a, b, kind, score, rebuttal, entailment, neutral, contradiction, direction, "
            "similarity, evidence, reason, link, rebuttal_probability FROM relations ORDER BY seq",
            "stance": "SELECT c.id AS claim, json_extract(t.record, '$.target') AS target, t.fingerprint AS setting, "
            "s.favor, s.against, s.none FROM stance s JOIN settings t ON t.id = s.setting "
            "JOIN claims c ON c.text_key = s.key ORDER BY t.id, c.doc, c.seq",
            "nli": f"SELECT t.fingerprint AS model, hex(n.key) AS pair_key, {_NLI_COLUMNS} FROM nli n "
            "JOIN settings t ON t.id = n.model",
            "settings": "SELECT id, kind, fingerprint, record, used FROM settings ORDER BY id",
        }
        written = {}
        for name, sql in queries.items():
            cursor = self.db.execute(sql)
            columns = [d[0] for d in cursor.description]
            path = out / f"{name}.parquet"
            writer = None
            try:
                while True:
                    rows = cursor.fetchmany(batch_rows)
                    if not rows and writer is not None:
                        break
                    table = pa.Table.from_pylist([dict(zip(columns, r, strict=True)) for r in rows])
                    if not rows:
                        table = pa.table({c: pa.array([], pa.null()) for c in columns})
                    if writer is None:
                        writer = pq.ParquetWriter(path, table.schema)
                    writer.write_table(table.cast(writer.schema))
                    if not rows:
                        break
            finally:
                if writer is not None:
                    writer.close()
            written[name] = path
        return written


RELATION_COLUMNS = (
    "claim",
    "speaker",
    "actor",
    "date",
    "reply",
    "reply_speaker",
    "reply_actor",
    "reply_date",
    "relation",
    "score",
    "rebuttal",
    "lag_days",
    "similarity",
    "reason",
    "dispute",
)
"""The columns of a tracker's relations table (:meth:`Tracker.relations_frame`, :meth:`TrackStore.relations`)."""
TIMELINE_COLUMNS = (
    "actor",
    "speaker",
    "date",
    "claim",
    "stance",
    "probability",
    "favor",
    "against",
    "none",
    "doc",
    "kind",
    "dispute",
)
"""The columns of a stance timeline (:meth:`Tracker.stance_timeline`, :meth:`TrackStore.stance_timeline`)."""


def module_digest(module: Any) -> str:
    """A digest of a torch module's parameters and buffers (names, dtypes, shapes and bytes).

    Example:
        >>> import torch
        >>> module_digest(torch.nn.Linear(2, 2)) == module_digest(torch.nn.Linear(2, 2))
        False
    """
    import torch

    digest = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        flat = tensor.detach().cpu().contiguous().reshape(-1)
        digest.update(f"{name}:{flat.dtype}:{tuple(tensor.shape)}".encode())
        digest.update(flat.view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()[:32]


def model_settings(model: Any) -> dict[str, Any]:
    """What decides a scorer's NLI scores: its weights, labels, precision, window and temperature.

    A scorer without torch weights (a remote or test scorer) is known by its class and name.
    """
    net = getattr(model, "model", None)
    weights = module_digest(net) if net is not None and hasattr(net, "state_dict") else None
    schema = getattr(model, "schema", None)
    return {
        "class": type(model).__qualname__,
        "weights": weights,
        "name": None if weights else str(getattr(model, "name", "")),
        "labels": {str(k.value if hasattr(k, "value") else k): v for k, v in getattr(model, "index_of", {}).items()},
        "schema": schema.to_dict() if schema is not None and hasattr(schema, "to_dict") else None,
        "temperature": getattr(model, "temperature", None),
        "precision": str(getattr(model, "autocast_dtype", None)),
        "max_length": getattr(model, "max_length", None),
    }


def embedder_settings(embedder: Any) -> dict[str, Any]:
    """What decides an embedder's vectors: its weights (or its class and name when it has none)."""
    net = getattr(embedder, "model", None)
    weights = module_digest(net) if net is not None and hasattr(net, "state_dict") else None
    return {
        "class": type(embedder).__qualname__,
        "weights": weights,
        "name": None if weights else str(getattr(embedder, "name", "")),
        "precision": str(getattr(embedder, "dtype", None)),
    }
