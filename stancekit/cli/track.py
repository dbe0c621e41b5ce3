"""``stancekit track`` (the main job), ``report`` and ``export``."""

from __future__ import annotations

import argparse
import os
from typing import Any

from stancekit.cli import common
from stancekit.cli.common import CommandError


def run_track(args: argparse.Namespace) -> int:
    """Run ``stancekit track``; returns the exit status."""
    from stancekit.documents import read_documents
    from stancekit.tracking import Tracker

    common.check_out(("--out", args.out), ("--jsonl", args.jsonl))
    try:
        documents = read_documents(args.paths, metadata=args.metadata)
    except (OSError, ValueError) as error:
        raise CommandError(str(error)) from None
    if args.scope == "target" and not args.target:
        raise CommandError("--scope target pairs the claims that take a stance toward --target: give --target.")
    store = None
    if args.store:  # before the model loads: a store another run is writing is refused at once
        from stancekit.store import StoreError, TrackStore

        try:
            store = TrackStore(args.store)
        except StoreError as error:
            raise CommandError(str(error)) from None
    from stancekit.claims import ClaimExtractor

    try:  # the store is closed (its lock released) if the model or the tracker fails to load
        model = common.load_model(args.model, args.precision, args.label_map)
        tracker = Tracker(
            model,
            extractor=ClaimExtractor(n_process=args.n_process),
            target=args.target,
            top_k=args.top_k,
            target_kind=args.target_kind,
            batch_size=args.batch_size,
            scope=args.scope,
            store=store,
        )
    except BaseException:
        if store is not None:
            store.close()
        raise
    known = len(tracker.documents)
    with tracker:
        tracker.add_documents(documents)
        print(tracker.summary(top=args.top))
        if args.store:
            print(
                f"\nstore {args.store}: {len(tracker.documents)} documents ({len(tracker.documents) - known} new), "
                f"{tracker.scored_pairs} pairs scored in this run"
            )
        write_reports(tracker, args)
    return 0


def write_reports(tracker: Any, args: argparse.Namespace) -> None:
    """The HTML report and the JSON Lines a command was asked for."""
    if args.out:
        print(f"\nreport: {tracker.to_html(args.out)}")
    if args.jsonl:
        print(f"claims and relations: {tracker.to_jsonl(args.jsonl)}")


def run_report(args: argparse.Namespace) -> int:
    """Run ``stancekit report``; returns the exit status."""
    import json

    from stancekit.store import StoreError, TrackStore
    from stancekit.tracking import Tracker

    common.check_out(("--out", args.out), ("--jsonl", args.jsonl))
    try:
        with TrackStore(args.store, readonly=True) as store:
            last = json.loads(store.meta("last_run") or "{}")
    except StoreError as error:
        raise CommandError(str(error)) from None
    model = common.load_model(args.model, args.precision, args.label_map)
    try:
        tracker = Tracker.open(
            args.store,
            model,
            readonly=True,
            target=args.target or last.get("target"),
            scope=args.scope or last.get("scope") or "story",
            top_k=args.top_k or last.get("top_k") or 10,
            target_kind=args.target_kind,
            batch_size=args.batch_size,
        )
    except StoreError as error:
        raise CommandError(str(error)) from None
    with tracker:
        print(tracker.summary(top=args.top))
        write_reports(tracker, args)
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Run ``stancekit export``; returns the exit status."""
    from stancekit.store import StoreError, TrackStore

    try:
        with TrackStore(args.store, readonly=True) as store:
            written = store.export(args.out)
    except StoreError as error:
        raise CommandError(str(error)) from None
    for name, path in written.items():
        print(f"{name}: {path}")
    return 0


def add_track(sub: Any) -> None:
    """Add ``stancekit track`` to the subcommands."""
    track = sub.add_parser("track", help="claims, rebuttals and stance over time for articles (the main job)")
    track.add_argument("paths", nargs="+", help="files or folders of articles")
    track.add_argument("--target", default=None, help="the proposition whose stance is tracked")
    track.add_argument("--metadata", default=None, help="sidecar .jsonl/.csv (default: metadata.jsonl in a folder)")
    track.add_argument("--out", default=None, help="write a self-contained HTML report here")
    track.add_argument("--jsonl", default=None, help="write claims and relations as JSON Lines here")
    track.add_argument("--top", type=int, default=5, help="rebuttals to print")
    track.add_argument("--top-k", type=int, default=10, help="candidate partners retrieved per claim")
    track.add_argument(
        "--scope", choices=["story", "target", "all"], default="story", help="which claims may rebut each other"
    )
    track.add_argument(
        "--n-process", type=int, default=min(2, os.cpu_count() or 1), help="processes that parse (default: up to 2)"
    )
    track.add_argument(
        "--store",
        default=None,
        help="keep documents, claims and scores in this SQLite file; a rerun does only what is new",
    )
    common.add_target_kind(track)
    common.add_model_options(track, label_map=True)
    track.set_defaults(func=run_track)


def add_report(sub: Any) -> None:
    """Add ``stancekit report`` to the subcommands."""
    report = sub.add_parser("report", help="the summary and HTML report of a store written by `track --store`")
    report.add_argument("--store", required=True, help="the SQLite store (read only; a run may be writing it)")
    report.add_argument("--target", default=None, help="the target (default: the last run's)")
    report.add_argument("--out", default=None, help="write a self-contained HTML report here")
    report.add_argument("--jsonl", default=None, help="write claims and relations as JSON Lines here")
    report.add_argument("--top", type=int, default=5, help="rebuttals to print")
    report.add_argument(
        "--top-k", type=int, default=None, help="candidate partners per claim (default: the last run's)"
    )
    report.add_argument("--scope", choices=["story", "target", "all"], default=None, help="default: the last run's")
    common.add_target_kind(report)
    common.add_model_options(report, label_map=True)
    report.set_defaults(func=run_report)


def add_export(sub: Any) -> None:
    """Add ``stancekit export`` to the subcommands."""
    export = sub.add_parser("export", help="write a store's tables as Parquet files for other tools")
    export.add_argument("--store", required=True, help="the SQLite store (read only)")
    export.add_argument("--out", required=True, help="folder for the .parquet files")
    export.set_defaults(func=run_export)
