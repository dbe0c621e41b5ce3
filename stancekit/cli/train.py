"""``stancekit train-nli`` and ``finetune``."""

from __future__ import annotations

import argparse
from typing import Any

from stancekit.cli import common
from stancekit.cli.common import CommandError


def run_train_nli(args: argparse.Namespace) -> int:
    """Run ``stancekit train-nli``; returns the exit status."""
    from stancekit.training import EVALUATION_SPLITS, NLITrainingConfig, train_nli
    from stancekit.training.options import config_from_options

    try:
        config = config_from_options(
            NLITrainingConfig, args, exclude=tuple(EVALUATION_SPLITS) + tuple(args.exclude_more)
        )
    except ValueError as error:
        raise CommandError(str(error)) from None
    path = train_nli(config)
    print(path)
    return 0


def run_finetune(args: argparse.Namespace) -> int:
    """Run ``stancekit finetune``; returns the exit status."""
    from stancekit.training.finetune import FinetuneConfig, fit
    from stancekit.training.options import config_from_options

    columns = common.mapping_option(args.columns, "--columns")
    try:
        from stancekit.data import load_pairs

        train = load_pairs(args.data, column_mapping=columns, name="train", limit=args.max_train, seed=args.seed)
        dev = load_pairs(args.dev, column_mapping=columns, name="dev") if args.dev else None
        config = config_from_options(
            FinetuneConfig,
            args,
            label_map=common.mapping_option(args.label_map, "--label-map"),
            labels=tuple(x.strip() for x in args.labels.split(",")) if args.labels else None,
        )
        result = fit(train, config, dev=dev)
    except (OSError, ValueError, TypeError) as error:
        raise CommandError(str(error)) from None
    print(
        f"saved {result.model_dir}: labels {list(result.schema.labels)}, {result.train_pairs} training pairs, "
        f"{result.steps} steps in {result.seconds:.0f} s, dev macro-F1 {result.best_dev_macro_f1:.4f}, "
        f"temperature {result.temperature:.3f} (dev ECE {result.dev_ece_before:.4f} -> {result.dev_ece_after:.4f})"
    )
    return 0


def add_train_nli(sub: Any) -> None:
    """Add ``stancekit train-nli`` to the subcommands."""
    from stancekit.training.nli import NLITrainingConfig
    from stancekit.training.options import add_options

    train = sub.add_parser("train-nli", help="train a three-way NLI cross-encoder on a data directory")
    add_options(train, NLITrainingConfig)
    train.add_argument(
        "--exclude",
        dest="exclude_more",
        nargs="*",
        default=[],
        help="more dataset or dataset/split names to leave out",
    )
    train.set_defaults(func=run_train_nli)


def add_finetune(sub: Any) -> None:
    """Add ``stancekit finetune`` to the subcommands."""
    from stancekit.training.finetune import FinetuneConfig
    from stancekit.training.options import add_options

    tune = sub.add_parser("finetune", help="fine-tune a model on annotated pairs in your own labels")
    tune.add_argument("data", help="training pairs: .jsonl[.gz], .csv or .tsv with premise, hypothesis, label")
    tune.add_argument("--dev", default=None, help="dev pairs (default: a stratified part of DATA)")
    tune.add_argument("--columns", default=None, help="column mapping, e.g. perspective=premise,claim=hypothesis")
    tune.add_argument("--max-train", type=int, default=None, help="a random sample of at most this many pairs")
    add_options(tune, FinetuneConfig)
    tune.set_defaults(func=run_finetune)
