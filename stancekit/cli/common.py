"""What the commands share: loading a model, reading option values, writing output safely, user-facing errors."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any


class CommandError(Exception):
    """A user-facing error: printed as ``stancekit: error: ...`` with exit status 2."""


def read_pairs_file(path: str) -> list[dict[str, Any]]:
    """Read and validate every line before anything is scored or written."""
    from stancekit.io import iter_jsonl

    records = []
    try:
        for number, record in iter_jsonl(path):
            for field in ("premise", "hypothesis"):
                value = record.get(field)
                if not isinstance(value, str) or not value.strip():
                    raise CommandError(
                        f"{path}, line {number}: field {field!r} must be a non-empty string, got {value!r}."
                    )
            records.append(record)
    except (OSError, ValueError) as error:
        raise CommandError(str(error)) from None
    return records


def load_model(name: str | None, precision: str, label_map: str | None = None) -> Any:
    """The model a command names (``None``: the shipped one), with ``--label-map`` read; errors as CommandError."""
    from stancekit import NLIModel

    mapping = mapping_option(label_map, "--label-map")
    try:
        if name is None:
            if mapping:
                raise CommandError("--label-map describes the labels of a --model checkpoint; give --model too.")
            return NLIModel.default(precision=precision)  # type: ignore[arg-type]  # argparse choices enforce it
        return NLIModel.from_pretrained(name, precision=precision, label_map=mapping)  # type: ignore[arg-type]
    except (OSError, ValueError) as error:
        raise CommandError(str(error)) from None


def write_atomically(path: str, lines: Iterator[dict[str, Any]]) -> None:
    """Write to a temporary file beside ``path`` and move it into place only when everything succeeded."""
    from stancekit.io import atomic_writer, write_jsonl

    with atomic_writer(path, "--out") as handle:
        write_jsonl(lines, handle)


def check_out(*options: tuple[str, str | None]) -> None:
    """Refuse an output file that cannot be written before loading a model or reading any input."""
    from stancekit.io import check_output_file

    for option, path in options:
        if path:
            try:
                check_output_file(path, option)
            except ValueError as error:
                raise CommandError(str(error)) from None


def emit(rows: Iterator[dict[str, Any]], out: str | None) -> None:
    """Write JSON Lines to ``out`` atomically, or to standard output."""
    from stancekit.io import write_jsonl

    if out:
        write_atomically(out, rows)
    else:
        write_jsonl(rows, sys.stdout)


def add_target_kind(parser: argparse.ArgumentParser) -> None:
    """Add ``--target-kind`` (auto, proposition or topic)."""
    parser.add_argument(
        "--target-kind",
        choices=["auto", "proposition", "topic"],
        default="auto",
        help="read the target as a statement or as a topic/entity (default: detected)",
    )


def stance_files(
    files: Sequence[str],
    label_map: dict[str, str] | None,
    columns: dict[str, str] | None,
    limit: int | None = None,
) -> Any:
    """Read stance files (rows of text, target and label) by file name, through the label and column maps."""
    from stancekit.evaluation import load_stance

    out = {}
    for path in files:
        if not Path(path).is_file():
            raise CommandError(f"{path}: no such file.")
        try:
            out[path] = load_stance(
                path, label_map=label_map, column_mapping=columns, name=Path(path).name, limit=limit
            )
        except (ValueError, TypeError) as error:
            raise CommandError(str(error)) from None
    return out


def model_folder(path: str, command: str) -> Path:
    """A local model folder a calibration command writes into, or a clear error."""
    folder = Path(path)
    if not (folder / "config.json").is_file():
        raise CommandError(f"{folder}: not a local model folder (no config.json); {command} writes into it.")
    return folder


def mapping_option(text: str | None, option: str) -> dict[str, str] | None:
    """A ``KEY=value,...`` option as a dictionary; a malformed item is a CommandError naming ``option``."""
    from stancekit.schema import parse_label_map

    if not text:
        return None
    try:
        return parse_label_map(text)
    except ValueError as error:
        raise CommandError(str(error).replace("--label-map", option)) from None


def add_model_options(parser: argparse.ArgumentParser, *, batch_size: int = 32, label_map: bool = False) -> None:
    """--model, --precision and --batch-size, the same for every subcommand that runs the NLI model."""
    parser.add_argument(
        "--model",
        default=None,
        help="hub name, local path or shipped model name (default: the default shipped model)",
    )
    parser.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto")
    parser.add_argument("--batch-size", type=int, default=batch_size)
    if label_map:
        parser.add_argument(
            "--label-map",
            default=None,
            help="NLI meaning of --model's labels when they are not named (read its model card), "
            "e.g. LABEL_0=contradiction,LABEL_1=neutral,LABEL_2=entailment",
        )
