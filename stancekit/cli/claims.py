"""``stancekit claims``: attributed claims of articles as JSON Lines."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from stancekit.cli.common import CommandError


def run_claims(args: argparse.Namespace) -> int:
    """Run ``stancekit claims``; returns the exit status."""
    import json

    from stancekit.claims import ClaimExtractor
    from stancekit.documents import read_documents
    from stancekit.io import write_jsonl

    actor_map: dict[str, str] = {}
    if args.actor_map:
        try:
            loaded = json.loads(Path(args.actor_map).read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise CommandError(
                f"{args.actor_map}, line {error.lineno}, column {error.colno}: not valid JSON ({error.msg}); "
                'expected an object such as {"Mujahid": "Taliban"}.'
            ) from None
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"--actor-map {args.actor_map}: cannot read it ({error}).") from None
        if not isinstance(loaded, dict):
            raise CommandError(f"{args.actor_map}: expected a JSON object of speaker -> actor.")
        actor_map = {str(k): str(v) for k, v in loaded.items()}
    try:
        documents = read_documents(args.paths, metadata=args.metadata)
    except (OSError, ValueError) as error:
        raise CommandError(str(error)) from None
    extractor = ClaimExtractor(
        actor_map=actor_map,
        include_narration=args.narration,
        parse=False if args.no_parse else "auto",
        n_process=args.n_process,
    )
    write_jsonl((claim.to_dict() for claim in extractor.extract(documents)), sys.stdout)
    return 0


def add_claims(sub: Any) -> None:
    """Add ``stancekit claims`` to the subcommands."""
    claims = sub.add_parser("claims", help="extract attributed claims from articles as JSON Lines")
    claims.add_argument("paths", nargs="+", help="files or folders of .txt/.md/.jsonl/.csv articles")
    claims.add_argument("--metadata", default=None, help="sidecar .jsonl/.csv with file, published, source, ...")
    claims.add_argument("--actor-map", default=None, help="JSON file mapping speaker names to actors")
    claims.add_argument("--narration", action="store_true", help="also output unattributed sentences")
    claims.add_argument("--no-parse", action="store_true", help="the rules alone, without the spaCy parse")
    claims.add_argument(
        "--n-process", type=int, default=min(2, os.cpu_count() or 1), help="processes that parse (default: up to 2)"
    )
    claims.set_defaults(func=run_claims)
