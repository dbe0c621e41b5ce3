"""Documents: the typed record and readers for folders, JSON Lines, CSV, pandas and ``datasets``."""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from stancekit.io import iter_jsonl
from stancekit.text import is_missing

logger = logging.getLogger(__name__)

__all__ = [
    "Document",
    "clean_text",
    "documents_from_dataset",
    "documents_from_pandas",
    "documents_from_records",
    "html_to_text",
    "looks_like_html",
    "parse_date",
    "read_documents",
    "read_text_file",
    "with_metadata",
]

_FIELDS = ("id", "title", "text", "source", "author", "published", "url", "language")


@dataclass(frozen=True, slots=True, kw_only=True)
class Document:
    """A news article or any other text whose claims are to be extracted.

    Attributes:
        id: A stable identifier (a file's stem, a row's ``id``).
        text: The body, with boilerplate removed by the readers (see :func:`clean_text`).
        title: The headline, if known.
        source: The outlet or collection.
        author: The byline, if known.
        published: Publication time, timezone-aware (UTC when only a date was given).
        url: Where it came from.
        language: ISO 639-1 code.
        metadata: Any further fields from the input, kept as they came.

    Example:
        >>> Document(id="a1", text="Lavrov said that talks failed.").published is None
        True
    """

    id: str
    text: str
    title: str = ""
    source: str = ""
    author: str = ""
    published: datetime | None = None
    url: str = ""
    language: str = "en"
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Validate the id and text, and normalise ``published`` to an aware datetime."""
        if not isinstance(self.id, str) or not self.id.strip():
            raise ValueError(f"Document.id must be a non-empty string, got {self.id!r}.")
        if not isinstance(self.text, str):
            raise TypeError(f"Document.text of {self.id!r} must be a str, got {type(self.text).__name__}.")
        if self.published is not None:
            object.__setattr__(self, "published", parse_date(self.published, where=f"Document {self.id!r} published"))


def parse_date(value: object, *, where: str = "date") -> datetime | None:
    """Parse an ISO date or datetime (or pass a ``date``/``datetime`` through) into an aware datetime.

    Raises:
        ValueError: For a string that is not ISO 8601, naming ``where``.

    Example:
        >>> parse_date("2024-02-27").isoformat()
        '2024-02-27T00:00:00+00:00'
    """
    if is_missing(value) or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{where}: {value!r} is not an ISO 8601 date such as 2024-02-27.") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    raise TypeError(f"{where}: expected an ISO date string, date or datetime, got {type(value).__name__}.")


# ----------------------------------------------------------------------------- boilerplate

_DROP_LINE = re.compile(
    r"^\s*(?:photo|image|picture|credit|photograph|file photo)s?\s*(?:credit)?\s*[:|]|"  # photo credits
    r"^\s*(?:divider|advertisement|share this|read more|related:?)\s*$|"
    r"^\s*[-_*=~•·]{3,}\s*$",  # dividers
    re.IGNORECASE,
)
_END_MARKERS = re.compile(r"^\s*(?:view (?:more|all) articles|more articles from|about the author)", re.IGNORECASE)
_NAME_LINE = re.compile(r"^\s*((?:[A-Z][a-z'’-]+)(?:\s+[A-Z][a-z'’-]+){1,2})\s*$")


def _is_bio(line: str, name: str) -> bool:
    surname = name.split()[-1]
    return bool(
        re.match(
            rf"^\s*(?:{re.escape(name)}|{re.escape(surname)}|He|She)\b.*\b(?:has|had|is|was|studied|worked|joined|writes)\b",
            line,
        )
    )


def clean_text(text: str) -> tuple[str, str]:
    r"""Strip boilerplate from an article body; returns ``(text, author)``.

    Removed: photo credits, dividers, "View more articles from …" and everything after it, and a closing author
    block (a line that is only a name, followed by lines about that person, e.g. "Sergey Kwan has worked for …").
    The name of such a block is returned as the author.

    Example:
        >>> clean_text("Body text.\n\nJane Roe\n\nJane Roe has worked for the paper since 1999.")
        ('Body text.', 'Jane Roe')
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for line in lines:
        if _END_MARKERS.match(line):
            break
        if _DROP_LINE.match(line):
            continue
        kept.append(line)
    author = ""
    # A closing author block: a name line followed (after blanks and short outlet lines) by a biography.
    for i in range(len(kept) - 1, -1, -1):
        match = _NAME_LINE.match(kept[i])
        if not match or i < len(kept) // 3:
            continue
        after = [line for line in kept[i + 1 :] if line.strip()]
        if after and any(_is_bio(line, match.group(1)) for line in after):
            author = match.group(1)
            kept = kept[:i]
            break
    body = "\n".join(kept)
    body = re.sub(r"[ \t]+\n", "\n", body)
    body = re.sub(r"\n{3,}", "\n\n", body).strip()
    return body, author


def _split_title(text: str) -> tuple[str, str]:
    """The first non-empty line is the title when it is short and does not end a sentence."""
    stripped = text.lstrip("\n")
    first, _, rest = stripped.partition("\n")
    if (
        first.strip()
        and len(first.split()) <= 25
        and not first.rstrip().endswith((".", "”", '"', ":"))
        and rest.strip()
    ):
        return first.strip(), rest.lstrip("\n")
    return "", stripped


_SUFFIXES = (".txt", ".md", ".html", ".htm", ".jsonl", ".csv")


def _same_heading(line: str, title: str) -> bool:
    """A line and a title with mostly the same words (a headline, give or take an edit)."""
    a, b = (set(re.findall(r"\w+", x.lower())) for x in (line, title))
    return bool(a and b) and len(a & b) >= 0.6 * min(len(a), len(b))


_MARKUP = re.compile(r"<(?:p|div|br|span|a|html|body|head|article|h[1-6]|li|ul|script|meta|!doctype)\b[^>]*>", re.I)


def looks_like_html(text: str) -> bool:
    """Whether a text is HTML markup (several tags of the kinds pages use), not prose with a stray "<".

    Example:
        >>> looks_like_html("<html><body><p>Hello</p></body></html>"), looks_like_html("x < y and y > z")
        (True, False)
    """
    return len(_MARKUP.findall(text[:20000])) >= 2


_SKIPPED_TAGS = frozenset({"script", "style", "noscript", "nav", "header", "footer", "aside", "figure", "form", "svg"})
_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "article",
        "section",
        "tr",
        "table",
        "title",
        "main",
        "pre",
        "hr",
    }
)


class _TextOf(HTMLParser):
    """Text of a page by paragraphs, without scripts, navigation, captions and the like."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.title = ""
        self.in_title = False
        self.published: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self.skip += 1
        if tag == "title":
            self.in_title = True
        if tag == "meta":
            values = dict(attrs)
            key = (values.get("property") or values.get("name") or "").lower()
            if key in ("article:published_time", "date", "pubdate", "og:published_time") and values.get("content"):
                self.published = self.published or values["content"]
        if tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS and self.skip:
            self.skip -= 1
        if tag == "title":
            self.in_title = False
        if tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
        elif not self.skip:
            self.parts.append(data)


def html_to_text(markup: str) -> tuple[str, str, str | None]:
    """(title, text, published) of an HTML page: paragraphs separated by blank lines, markup and scripts gone.

    The title is the page's ``<h1>`` when it has one (the headline), else its ``<title>``.

    Example:
        >>> html_to_text("<html><head><title>T</title></head><body><h1>Talks fail</h1><p>He said&nbsp;no.</p>"
        ...              "<script>x()</script></body></html>")
        ('Talks fail', 'He said no.', None)
    """
    parser = _TextOf()
    parser.feed(markup)
    parser.close()
    raw = "".join(parser.parts).replace("\xa0", " ")
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", raw)]
    paragraphs = [p for p in paragraphs if p]
    h1 = re.search(r"<h1\b[^>]*>(.*?)</h1>", markup, re.I | re.S)
    title = " ".join(re.sub(r"<[^>]+>", " ", h1.group(1)).split()) if h1 else " ".join(parser.title.split())
    title = unescape(title)
    if paragraphs and title and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    return title, "\n\n".join(paragraphs), parser.published


def read_text_file(path: str | Path) -> str:
    """A text file's contents: UTF-8 (with or without a byte-order mark), else Windows-1252/Latin-1 with a warning.

    Raises:
        ValueError: If the file is binary (NUL bytes), naming the file.

    Example:
        >>> read_text_file("seeds/000_ca7ca155d3bb2b6d.txt")[:8]
        'The main'
    """
    path = Path(path)
    data = path.read_bytes()
    head = data[:8192]
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    if b"\x00" in head or (head and control > 0.05 * len(head)):
        raise ValueError(
            f"{path}: not a text file (it holds NUL or control bytes); pass .txt, .md, .html, .jsonl or .csv files."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        logger.warning(
            "%s is not UTF-8 (byte %d); read as Windows-1252. Re-save it as UTF-8 if characters look wrong.",
            path,
            error.start,
        )
        return data.decode("cp1252", errors="replace")


# ----------------------------------------------------------------------------- readers


def _load_metadata(path: str | Path | None) -> dict[str, dict[str, Any]]:
    if path is None:
        return {}
    path = Path(path)
    rows: list[dict[str, Any]]
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    else:
        rows = [record for _, record in iter_jsonl(path)]
    table: dict[str, dict[str, Any]] = {}
    for number, row in enumerate(rows, start=1):
        key = row.get("file") or row.get("id")
        if not key:
            raise ValueError(f"{path}, row {number}: every metadata row needs a 'file' or 'id' field, got {row!r}.")
        table[Path(str(key)).stem] = row
        table[str(key)] = row
    return table


def _from_fields(fields: Mapping[str, Any], *, where: str, title_from_text: bool) -> Document:
    text = fields.get("text")
    if is_missing(text) or not isinstance(text, str) or not text.strip():
        raise ValueError(f"{where}: 'text' must be a non-empty string, got {text!r}.")
    if looks_like_html(text):  # markup in a text field or a .txt file: its text, never its tags
        markup_title, text, _ = html_to_text(text)
        if markup_title and (fields.get("title") is None or is_missing(fields.get("title"))):
            fields = {**fields, "title": markup_title}
    body, author = clean_text(text)
    title = fields.get("title")
    if (title is None or is_missing(title)) and title_from_text:
        title, body = _split_title(body)
        body, _ = clean_text(body)  # a photo credit may have stood above the title
    elif title_from_text and not is_missing(title):
        first, rest = _split_title(body)  # the headline the metadata gives is not also the body's first claim
        if first and _same_heading(first, str(title)):
            body, _ = clean_text(rest)
    extra = {k: v for k, v in fields.items() if k not in _FIELDS and k != "file"}
    raw_id = fields.get("id")
    return Document(
        id=str(raw_id) if not is_missing(raw_id) else where,
        text=body,
        title="" if is_missing(title) or title is None else str(title),
        source=_str(fields.get("source")),
        author=_str(fields.get("author")) or author,
        published=parse_date(fields.get("published", fields.get("date")), where=f"{where} published"),
        url=_str(fields.get("url")),
        language=_str(fields.get("language")) or "en",
        metadata=extra,
    )


def _str(value: object) -> str:
    return "" if value is None or is_missing(value) else str(value)


def read_documents(
    paths: str | Path | Sequence[str | Path],
    *,
    metadata: str | Path | None = None,
    title_from_first_line: bool = True,
) -> list[Document]:
    """Read articles from files or folders: ``.txt``/``.md`` (one article each), ``.jsonl`` and ``.csv`` (one per row).

    Args:
        paths: Files or folders (folders are read for ``.txt``, ``.md``, ``.jsonl``, ``.csv``, sorted by name).
        metadata: A sidecar ``.jsonl`` or ``.csv`` with a ``file`` (or ``id``) field and any of ``published``,
            ``source``, ``author``, ``url``, ``title``, ``language`` for the matching text files. Default: the
            ``metadata.jsonl`` of the one folder given, if it has one.
        title_from_first_line: For text files, take the first non-empty line as the title.

    Returns:
        The documents, with boilerplate stripped.

    Raises:
        FileNotFoundError: If a path does not exist or a folder holds no readable files.
        ValueError: For rows without text or with bad dates, naming the file and row.

    Example:
        >>> docs = read_documents("seeds", metadata="seeds/metadata.jsonl")
        >>> len(docs), docs[0].published.year
        (5, 2017)
    """
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    if metadata is None:  # a folder's own sidecar
        sidecars = [Path(i) / "metadata.jsonl" for i in items if (Path(i) / "metadata.jsonl").is_file()]
        metadata = sidecars[0] if len(sidecars) == 1 else None
    files: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in _SUFFIXES)
            if metadata is not None:
                found = [p for p in found if p.resolve() != Path(metadata).resolve()]
            found = [p for p in found if not p.name.startswith(("metadata.", "gold", "pairs"))]
            if not found:
                raise FileNotFoundError(f"{path} holds no .txt, .md, .html, .jsonl or .csv files.")
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
    meta = _load_metadata(metadata)
    documents: list[Document] = []
    for path in files:
        suffix = path.suffix.lower()
        if suffix in (".txt", ".md", ".html", ".htm"):
            fields: dict[str, Any] = {"id": path.stem, "text": read_text_file(path)}
            if suffix in (".html", ".htm") or looks_like_html(fields["text"]):
                title, fields["text"], published = html_to_text(fields["text"])
                fields.update({"title": title or None, "published": published})
                if not fields["text"].strip():
                    raise ValueError(f"{path}: the page has no text outside its markup.")
            fields.update({k: v for k, v in meta.get(path.stem, meta.get(path.name, {})).items() if k != "file"})
            if fields.get("title") is None:
                fields.pop("title", None)
            documents.append(_from_fields(fields, where=str(path), title_from_text=title_from_first_line))
        elif suffix == ".jsonl":
            rows = [(f"{path}, line {n}", row) for n, row in iter_jsonl(path)]
            documents.extend(documents_from_records([r for _, r in rows], where=str(path)))
        elif suffix == ".csv":
            records = list(csv.DictReader(io.StringIO(read_text_file(path), newline="")))
            documents.extend(documents_from_records(records, where=str(path)))
        else:
            raise ValueError(f"{path}: unsupported file type {path.suffix!r}; use .txt, .md, .html, .jsonl or .csv.")
    return documents


def documents_from_records(
    records: Iterable[Mapping[str, Any]],
    *,
    column_mapping: Mapping[str, str] | None = None,
    where: str = "records",
    title_from_text: bool = False,
) -> list[Document]:
    """Build documents from dictionaries (JSON Lines rows, CSV rows, ``datasets`` rows).

    Args:
        records: One mapping per document; it needs ``text`` (after ``column_mapping``), optionally ``id``,
            ``title``, ``published`` (or ``date``), ``source``, ``author``, ``url``, ``language``.
        column_mapping: Input column name -> stancekit field, e.g. ``{"body": "text", "headline": "title"}``.
        where: Name of the input, for error messages.
        title_from_text: Take the text's first line as the title when no title is given.

    Raises:
        ValueError: If a record lacks text, naming the record and the columns it has.

    Example:
        >>> documents_from_records([{"body": "Lavrov said talks failed."}], column_mapping={"body": "text"})[0].id
        'records[0]'
    """
    mapping = dict(column_mapping or {})
    documents = []
    for index, record in enumerate(records):
        fields = {mapping.get(k, k): v for k, v in record.items()}
        if "text" not in fields:
            raise ValueError(
                f"{where}[{index}]: expected a 'text' column, but only {sorted(record)} were found; rename one or "
                "pass column_mapping={'your_column': 'text'}."
            )
        fields.setdefault("id", f"{where}[{index}]")
        documents.append(_from_fields(fields, where=f"{where}[{index}]", title_from_text=title_from_text))
    return documents


def documents_from_pandas(frame: Any, *, column_mapping: Mapping[str, str] | None = None) -> list[Document]:
    """Build documents from a pandas DataFrame, one per row (see :func:`documents_from_records`).

    Example:
        >>> import pandas as pd
        >>> documents_from_pandas(pd.DataFrame({"id": ["a"], "text": ["Lavrov said talks failed."]}))[0].id
        'a'
    """
    missing = {"text"} - {(column_mapping or {}).get(c, c) for c in frame.columns}
    if missing:
        raise ValueError(
            f"expected the DataFrame to have a 'text' column, but only {list(frame.columns)} were found; "
            "pass column_mapping={'your_column': 'text'}."
        )
    return documents_from_records(frame.to_dict(orient="records"), column_mapping=column_mapping, where="DataFrame")


def documents_from_dataset(dataset: Any, *, column_mapping: Mapping[str, str] | None = None) -> list[Document]:
    """Build documents from a Hugging Face ``datasets.Dataset``, one per row.

    Example:
        >>> from datasets import Dataset
        >>> documents_from_dataset(Dataset.from_dict({"body": ["Lavrov said talks failed."]}),
        ...                        column_mapping={"body": "text"})[0].text
        'Lavrov said talks failed.'
    """
    names = list(dataset.column_names)
    if "text" not in {(column_mapping or {}).get(c, c) for c in names}:
        raise ValueError(
            f"expected the dataset to have a 'text' column, but only {names} were found; "
            "pass column_mapping={'your_column': 'text'}."
        )
    return documents_from_records(iter(dataset), column_mapping=column_mapping, where="Dataset")


def with_metadata(document: Document, **fields: Any) -> Document:
    """A copy of ``document`` with fields replaced (dates parsed).

    Example:
        >>> with_metadata(Document(id="a", text="Text."), published="2024-03-01").published.year
        2024
    """
    if "published" in fields:
        fields["published"] = parse_date(fields["published"], where=f"Document {document.id!r} published")
    return replace(document, **fields)
