"""``stancekit score``: NLI scores of premise/hypothesis pairs, locally or on Ray Data."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import Any

from stancekit.cli import common
from stancekit.cli.common import CommandError


def score_records(model: Any, records: list[dict[str, Any]], args: argparse.Namespace) -> Iterator[dict[str, Any]]:
    """Each input record with its scores added, streamed in input order."""
    pairs = ((r["premise"], r["hypothesis"]) for r in records)
    position = 0
    for part in model.iter_score(
        pairs, batch_size=args.batch_size, both_directions=args.both_directions, chunk_size=4096
    ):
        for result in part:
            record = dict(records[position])
            record["label"] = result.label.value
            record["scores"] = result.scores
            if result.schema_label is not None:
                record["schema_label"] = result.schema_label
                record["schema_scores"] = result.schema_scores
            if args.both_directions:
                record["direction"] = result.direction
            if result.windows > 1:
                record["window"] = {"start": result.window_start, "end": result.window_end, "of": result.windows}
            if result.truncated:
                record["truncated"] = True
            position += 1
            yield record


def run_score(args: argparse.Namespace) -> int:
    """Run ``stancekit score``; returns the exit status."""
    if args.ray:
        return run_score_on_ray(args)
    common.check_out(("--out", args.out))
    records = common.read_pairs_file(args.file)
    model = common.load_model(args.model, args.precision, args.label_map)
    common.emit(score_records(model, records, args), args.out)
    return 0


def run_score_on_ray(args: argparse.Namespace) -> int:
    """Run ``stancekit score-on-ray``; returns the exit status."""
    try:
        import ray

        from stancekit.ray_data import score_files
    except ImportError as error:
        raise CommandError(f'--ray needs Ray Data: pip install "stancekit[ray]" ({error}).') from None
    if not args.out:
        raise CommandError("--ray writes a folder of results: pass --out FOLDER.")
    if args.label_map:
        raise CommandError("--label-map is not passed to Ray workers yet: save the model with its label_map first.")
    ray.init(address=args.ray_address, ignore_reinit_error=True, log_to_driver=args.verbose)
    try:
        scored = score_files(
            args.file,
            args.out,
            output_format=args.format,
            overwrite=args.overwrite,
            model_name_or_path=args.model,
            precision=args.precision,
            both_directions=args.both_directions,
            batch_size=args.batch_size,
            concurrency=args.concurrency,
            num_cpus=args.num_cpus,
            num_gpus=args.num_gpus,
        )
    except (OSError, ValueError) as error:
        raise CommandError(str(error)) from None
    finally:
        ray.shutdown()
    print(f"scored {scored.count()} pairs into {args.out} ({args.format})")
    return 0


def add_score(sub: Any) -> None:
    """Add ``stancekit score`` to the subcommands."""
    score = sub.add_parser("score", help="score premise/hypothesis pairs from JSON Lines")
    score.add_argument("file", help="JSON Lines with 'premise' and 'hypothesis' (other fields are kept); - = stdin")
    score.add_argument("--both-directions", action="store_true", help="also score hypothesis->premise")
    score.add_argument("--out", default=None, help="write here (atomically) instead of standard output")
    common.add_model_options(score, label_map=True)
    scale = score.add_argument_group("scale out on Ray Data (pip install 'stancekit[ray]')")
    scale.add_argument(
        "--ray", action="store_true", help="FILE is a file or folder of .jsonl/.parquet; --out a folder"
    )
    scale.add_argument("--ray-address", default=None, help="cluster address (default: start a local one)")
    scale.add_argument("--format", choices=["parquet", "jsonl"], default="parquet", help="output format with --ray")
    scale.add_argument("--overwrite", action="store_true", help="replace a non-empty --out folder (with --ray)")
    scale.add_argument("--concurrency", type=int, default=None, help="workers (default: CPUs / --num-cpus)")
    scale.add_argument("--num-cpus", type=float, default=1, help="CPUs per worker")
    scale.add_argument("--num-gpus", type=float, default=None, help="GPUs per worker")
    score.set_defaults(func=run_score)
