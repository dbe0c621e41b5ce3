"""Reading and writing JSON Lines (plain or gzip) and NLI data directories."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from stancekit.text import TextPair
from stancekit.types import NLILabel, canonical_label

__all__ = [
    "NLIExample",
    "atomic_writer",
    "check_output_file",
    "iter_jsonl",
    "open_text",
    "read_nli_dir",
    "read_nli_file",
    "replace_folder",
    "write_jsonl",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class NLIExample(TextPair):
    """One labelled NLI pair.

    Attributes:
        premise: The premise text.
        hypothesis: The hypothesis text.
        label: The gold label; ``not_entailment`` means neutral-or-contradiction.
        source: Where it came from, e.g. ``"snli/dev"``.
        two_way: The label was chosen between entailment and contradiction only (a two-way stance set such as
            favor/against): training compares those two classes and leaves neutral alone.

    Example:
        >>> NLIExample(premise="A man sleeps.", hypothesis="A man is awake.", label=NLILabel.CONTRADICTION).label
        <NLILabel.CONTRADICTION: 'contradiction'>
    """

    label: NLILabel
    source: str = ""
    two_way: bool = False


@contextlib.contextmanager
def open_text(path: str | Path) -> Iterator[Iterator[str]]:
    """The lines of a UTF-8 text file, gzip or plain whatever its name says (``-`` = stdin).

    A line that is not UTF-8 (a latin-1 or binary file) is a ValueError naming the file, the line and the byte.

    Example:
        >>> with open_text("seeds/metadata.jsonl") as lines:
        ...     next(lines).startswith("{")
        True
    """
    if str(path) == "-":
        yield _decoded(sys.stdin.buffer, "<stdin>")
        return
    with open(path, "rb") as raw:
        magic = raw.read(2)
        raw.seek(0)
        if magic == b"\x1f\x8b":  # gzip, with or without .gz
            with gzip.open(raw, "rb") as unzipped:
                yield _decoded(unzipped, str(path))
        else:
            yield _decoded(raw, str(path))


def _decoded(lines: Iterable[bytes], name: str) -> Iterator[str]:
    for number, line in enumerate(lines, start=1):
        try:
            yield line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            raise ValueError(
                f"{name}, line {number}: not UTF-8 text (byte {line[error.start]:#04x} at column {error.start + 1}); "
                "re-save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8), or check that it is a text file."
            ) from None


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, object)`` for each non-blank line of a JSON Lines file (``.gz`` or plain, ``-`` = stdin).

    Raises:
        ValueError: On a line that is not a JSON object, naming the file and the line number.

    Example:
        >>> for number, record in iter_jsonl("seeds/pairs.jsonl"):
        ...     print(number, record["premise"][:40])
        ...     break
        1 TASS reports Shoigu saying, “The situati
    """
    with open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}, line {number}: not valid JSON ({error.msg}): {line[:80]!r}") from None
            if not isinstance(record, dict):
                raise ValueError(f"{path}, line {number}: expected a JSON object, got {type(record).__name__}.")
            yield number, record


def check_output_file(path: str | Path, what: str = "output") -> Path:
    """The file ``path`` as a place to write to, or a ValueError that says why not (checked before any work).

    Example:
        >>> check_output_file("report.html")
        PosixPath('report.html')
    """
    target = Path(path)
    folder = target.parent
    if target.is_dir():
        raise ValueError(f"{what} {path} is a folder; name a file in it, e.g. {target / 'out.jsonl'}.")
    if not folder.is_dir():
        raise ValueError(f"{what} {path}: the folder {folder} does not exist; create it first.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"{what} {path}: the folder {folder} is not writable.")
    if target.exists() and not os.access(target, os.W_OK):
        raise ValueError(f"{what} {path} exists and is read-only.")
    return target


@contextlib.contextmanager
def atomic_writer(path: str | Path, what: str = "output") -> Iterator[IO[str]]:
    """A text handle to a hidden file beside ``path``, moved into place only when the block ends without error.

    An exception, Ctrl-C or (in the CLI) SIGTERM removes the partial file and leaves an earlier ``path`` untouched.
    The file gets the permissions a plain ``open()`` would (the umask), not the temporary file's 0600.

    Example:
        >>> with atomic_writer(tmp / "out.jsonl") as handle:
        ...     _ = handle.write("{}")
        >>> (tmp / "out.jsonl").read_text()
        '{}'
    """
    target = check_output_file(path, what)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            yield handle
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def replace_folder(staging: Path, folder: Path) -> None:
    """Put the complete ``staging`` folder in place of ``folder``; the old version stays as ``folder.old`` until then.

    An interruption leaves either the old folder (or ``folder.old``) or the new one, never a mix of both.

    Example:
        >>> (tmp / "checkpoint.partial").mkdir()
        >>> _ = (tmp / "checkpoint.partial" / "state.json").write_text("{}")
        >>> replace_folder(tmp / "checkpoint.partial", tmp / "checkpoint")
        >>> sorted(p.name for p in tmp.iterdir())
        ['checkpoint']
    """
    old = folder.with_name(folder.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    staging.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def write_jsonl(records: Iterable[dict[str, Any]], handle: IO[str]) -> None:
    """Write dictionaries as JSON Lines (UTF-8 kept readable).

    Example:
        >>> import sys
        >>> write_jsonl([{"claim": "Kabul – no threat"}], sys.stdout)
        {"claim": "Kabul – no threat"}
    """
    for record in records:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def read_nli_file(path: str | Path, *, source: str = "") -> list[NLIExample]:
    """Read an NLI JSON Lines file with ``premise``, ``hypothesis`` and ``label`` fields.

    Raises:
        ValueError: Naming the line for a missing field, an empty text or an unknown label.

    Example:
        >>> path = tmp / "test.jsonl"
        >>> _ = path.write_text('{"premise": "A man sleeps.", "hypothesis": "He is awake.", "label": "contradiction"}')
        >>> read_nli_file(path, source="snli/test")[0].label
        <NLILabel.CONTRADICTION: 'contradiction'>
    """
    examples = []
    for number, record in iter_jsonl(path):
        for field in ("premise", "hypothesis", "label"):
            value = record.get(field)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{path}, line {number}: field {field!r} must be a non-empty string, got {value!r}.")
        label = canonical_label(record["label"])
        if label is None:
            raise ValueError(
                f"{path}, line {number}: unknown label {record['label']!r}; expected entailment, neutral, "
                "contradiction or not_entailment."
            )
        two_way = record.get("two_way", False)
        if not isinstance(two_way, bool) or (two_way and label not in (NLILabel.ENTAILMENT, NLILabel.CONTRADICTION)):
            raise ValueError(
                f"{path}, line {number}: two_way must be true or false, and true only with an entailment or "
                f"contradiction label; got two_way={two_way!r}, label={record['label']!r}."
            )
        examples.append(
            NLIExample(
                premise=record["premise"],
                hypothesis=record["hypothesis"],
                label=label,
                source=source,
                two_way=two_way,
            )
        )
    return examples


def read_nli_dir(
    data_dir: str | Path, *, exclude: Sequence[str] = (), include: Sequence[str] | None = None
) -> list[NLIExample]:
    """Read every ``<dataset>/<split>.jsonl[.gz]`` under ``data_dir``.

    Args:
        data_dir: A directory of data sets, one folder each.
        exclude: Names ``dataset`` or ``dataset/split`` to leave out (evaluation splits).
        include: If given, only these ``dataset`` or ``dataset/split`` names are read.

    Returns:
        The examples, each with ``source`` set to ``dataset/split``, in a stable (sorted) order.

    Raises:
        FileNotFoundError: If ``data_dir`` has no such files.

    Example:
        >>> for name in ("snli", "anli"):
        ...     (tmp / name).mkdir()
        ...     _ = (tmp / name / "test.jsonl").write_text(
        ...         '{"premise": "A man sleeps.", "hypothesis": "A man rests.", "label": "entailment"}')
        >>> [e.source for e in read_nli_dir(tmp, exclude=["anli"])]
        ['snli/test']
    """
    root = Path(data_dir)
    files = sorted(p for p in root.glob("*/*.jsonl*") if p.suffix in (".jsonl", ".gz"))
    if not files:
        raise FileNotFoundError(f"no <dataset>/<split>.jsonl or .jsonl.gz files under {root}.")
    examples: list[NLIExample] = []
    for path in files:
        split = path.name.split(".jsonl")[0]
        name = f"{path.parent.name}/{split}"
        if path.parent.name in exclude or name in exclude:
            continue
        if include is not None and path.parent.name not in include and name not in include:
            continue
        examples.extend(read_nli_file(path, source=name))
    return examples
