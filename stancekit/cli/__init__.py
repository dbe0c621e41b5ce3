"""The ``stancekit`` command line; every subcommand calls the public API only.

One module per group of commands (:mod:`.score`, :mod:`.claims`, :mod:`.stance`, :mod:`.track`, :mod:`.evaluate`,
:mod:`.train`), each adding its parsers with an ``add_<command>`` function and running them with ``run_<command>``;
:mod:`.common` holds what they share.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from stancekit.cli import claims, evaluate, score, stance, track, train
from stancekit.cli.common import CommandError

__all__ = ["CommandError", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``stancekit`` command."""
    parser = argparse.ArgumentParser(prog="stancekit", description="Claims, rebuttals and stance in news.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress (INFO level)")
    sub = parser.add_subparsers(dest="command", required=True)

    score.add_score(sub)
    claims.add_claims(sub)
    stance.add_stance(sub)
    track.add_track(sub)
    track.add_report(sub)
    track.add_export(sub)
    evaluate.add_evaluate_nli(sub)
    stance.add_evaluate_stance(sub)
    evaluate.add_evaluate_news(sub)
    stance.add_calibrate_stance(sub)
    evaluate.add_calibrate_rebuttals(sub)
    train.add_train_nli(sub)
    train.add_finetune(sub)
    evaluate.add_evaluate(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Example:
        >>> main(["score", "seeds/pairs.jsonl", "--out", str(tmp / "scored.jsonl")])
        0
        >>> len((tmp / "scored.jsonl").read_text().splitlines())
        6
    """
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    _exit_cleanly_on_sigterm()
    try:
        result: int = args.func(args)
    except CommandError as error:
        print(f"stancekit: error: {error}", file=sys.stderr)
        return 2
    except (ValueError, TypeError, OSError) as error:  # bad input or files: one line; -v shows the traceback
        if args.verbose:
            raise
        text = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"stancekit: error: {text} (run with -v for the traceback)", file=sys.stderr)
        return 2
    return result


def _exit_cleanly_on_sigterm() -> None:
    """Turn SIGTERM and SIGHUP into SystemExit, so that partial output files are removed as on Ctrl-C."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGHUP"):
            if hasattr(signal, name):  # no SIGHUP on Windows
                signal.signal(getattr(signal, name), lambda signum, frame: sys.exit(128 + signum))
