"""``stancekit evaluate``, ``evaluate-nli``, ``evaluate-news`` and ``calibrate-rebuttals``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from stancekit.cli import common
from stancekit.cli.common import CommandError
from stancekit.model_config import update_model_config


def run_evaluate_nli(args: argparse.Namespace) -> int:
    """Run ``stancekit evaluate-nli``; returns the exit status."""
    import json

    from stancekit.evaluation import evaluate_nli_sets

    model = common.load_model(args.model, args.precision)
    reports = evaluate_nli_sets(model, args.data_dir, limit=args.limit, batch_size=args.batch_size)
    if not reports:
        raise CommandError(f"none of the evaluation sets was found under {args.data_dir}.")
    print(f"model: {model!r}")
    for report in reports:
        print(report, end="\n\n")
    if args.json:
        Path(args.json).write_text(json.dumps([r.to_dict() for r in reports], indent=2) + "\n")
    return 0


def run_evaluate_news(args: argparse.Namespace) -> int:
    """Run ``stancekit evaluate-news``; returns the exit status."""
    import json
    import time

    from stancekit.news_eval import (
        evaluate_actor_stance,
        evaluate_claims,
        evaluate_rebuttals,
        gold_claims_check,
        load_news_gold,
        per_actor_stance,
    )

    try:
        gold = load_news_gold(args.folder)
    except (OSError, ValueError) as error:
        raise CommandError(str(error)) from None
    from stancekit.claims import ClaimExtractor

    started = time.perf_counter()
    claims = list(ClaimExtractor(parse=False if args.no_parse else "auto").extract(list(gold.documents)))
    seconds = time.perf_counter() - started
    claim_figures = evaluate_claims(claims, gold)
    report: dict[str, Any] = {"claims": claim_figures.to_dict()}
    words = sum(len(d.text.split()) for d in gold.documents)
    print(f"{len(gold.documents)} articles, {words:,} words: {len(claims)} claims extracted in {seconds:.1f}s")
    print(claim_figures)
    if not args.claims_only:
        model = common.load_model(args.model, args.precision)
        stance_cells = evaluate_actor_stance(per_actor_stance(model, claims, gold.targets), gold)
        print(stance_cells)
        report["stance"] = stance_cells.to_dict()
        if args.rebuttals:
            from stancekit.tracking import Tracker

            started = time.perf_counter()
            tracker = Tracker(model, batch_size=args.batch_size, scope=args.scope).add_documents(gold.documents)
            stories = len(set(tracker.disputes.values()))
            print(f"{stories} disputes among {len(gold.documents)} articles (scope {args.scope})")
            rebuttals = evaluate_rebuttals(tracker.rebuttals, gold)
            print(rebuttals)
            print(f"track over the folder: {time.perf_counter() - started:.0f}s")
            report["rebuttals"] = rebuttals.to_dict()
        check = gold_claims_check(model, gold, batch_size=args.batch_size)
        print("with the gold claims: " + ", ".join(f"{k.replace('_', ' ')} {v:.3f}" for k, v in check.items()))
        report["gold_claims"] = check
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


def run_calibrate_rebuttals(args: argparse.Namespace) -> int:
    """Run ``stancekit calibrate-rebuttals``; returns the exit status."""
    from stancekit.news_eval import fit_rebuttal_combiner, fit_rebuttal_threshold, load_news_gold
    from stancekit.scoring import NLIModel
    from stancekit.tracking import Tracker

    folder = common.model_folder(args.model, "calibrate-rebuttals")
    try:
        gold = load_news_gold(args.folder)
    except (OSError, ValueError) as error:
        raise CommandError(str(error)) from None
    model = NLIModel.from_pretrained(folder, precision=args.precision, local_files_only=True)
    # Every candidate pair is scored with the plain rule and a low threshold, so that both fits see them all.
    tracker = Tracker(
        model, threshold=0.3, batch_size=args.batch_size, scope=args.scope, rebuttal_combiner=None
    ).add_documents(gold.documents)

    def show(title: str, table: list[dict[str, float]], chosen: float) -> None:
        print(title)
        for row in table:
            mark = "  <-" if row["threshold"] == chosen else ""
            print(
                f"  threshold {row['threshold']:.2f}: recall {row['recall']:.3f}  precision {row['precision']:.3f}  "
                f"F1 {row['f1']:.3f}  ({row['listed']:.0f} listed){mark}"
            )

    threshold, table = fit_rebuttal_threshold(tracker.rebuttals, gold)
    show("contradiction threshold alone (fitted and scored on the same articles):", table, threshold)
    path = update_model_config(folder, rebuttal_threshold=threshold)
    print(f"rebuttal threshold {threshold:.2f} written to {path}")
    if args.method == "threshold":
        return 0
    try:
        combiner, table = fit_rebuttal_combiner(tracker.relations, gold, c=args.c)
    except ValueError as error:
        raise CommandError(str(error)) from None
    show("rebuttal combiner (each article scored by a combiner fitted on the others):", table, combiner.threshold)
    for name, weight in sorted(zip(combiner.features, combiner.weights, strict=True), key=lambda t: -abs(t[1])):
        print(f"  weight {name:<16} {weight:+.3f}")
    path = update_model_config(folder, rebuttal_combiner=combiner.to_record())
    print(f"rebuttal combiner (threshold {combiner.threshold:.2f}) written to {path}")
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    """Run ``stancekit evaluate``; returns the exit status."""
    import json

    from stancekit.evaluation import evaluate
    from stancekit.model_config import ModelConfig

    columns = common.mapping_option(args.columns, "--columns")
    model = common.load_model(args.model, args.precision)
    base = None
    if args.base != "none":
        stored = ModelConfig.read(args.model) if args.model else ModelConfig()
        name = args.base if args.base != "auto" else stored.base
        if args.base != "auto" or stored.finetune is not None:
            base = common.load_model(name, args.precision)
    try:
        from stancekit.data import load_pairs

        data = load_pairs(args.data, column_mapping=columns, name=Path(args.data).name, limit=args.limit)
        report = evaluate(
            model,
            data,
            base=base,
            label_map=common.mapping_option(args.label_map, "--label-map"),
            name=Path(args.data).name,
            batch_size=args.batch_size,
        )
    except (OSError, ValueError, TypeError) as error:
        raise CommandError(str(error)) from None
    print(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    return 0


def add_evaluate_nli(sub: Any) -> None:
    """Add ``stancekit evaluate-nli`` to the subcommands."""
    evaluate = sub.add_parser("evaluate-nli", help="accuracy, macro-F1, confusion and ECE on the NLI benchmarks")
    evaluate.add_argument("--data-dir", required=True, help="folder of <dataset>/<split>.jsonl[.gz] files")
    evaluate.add_argument("--limit", type=int, default=None, help="at most this many pairs per set (quick check)")
    common.add_model_options(evaluate, batch_size=64)
    evaluate.add_argument("--json", default=None, help="also write the reports to this JSON file")
    evaluate.set_defaults(func=run_evaluate_nli)


def add_evaluate_news(sub: Any) -> None:
    """Add ``stancekit evaluate-news`` to the subcommands."""
    news = sub.add_parser(
        "evaluate-news", help="claims, stance per actor and rebuttals against an annotated folder of articles"
    )
    news.add_argument("folder", help="articles/, metadata.jsonl and gold_*.jsonl in the development-set format")
    news.add_argument("--claims-only", action="store_true", help="only the claim figures (no model)")
    news.add_argument("--no-parse", action="store_true", help="the rules alone, without the spaCy parse")
    news.add_argument("--rebuttals", action="store_true", help="also run the tracker and score its rebuttals")
    news.add_argument("--scope", choices=["story", "all"], default="story", help="which claims may rebut each other")
    news.add_argument("--json", default=None, help="also write the figures to this JSON file")
    common.add_model_options(news)
    news.set_defaults(func=run_evaluate_news)


def add_calibrate_rebuttals(sub: Any) -> None:
    """Add ``stancekit calibrate-rebuttals`` to the subcommands."""
    calr = sub.add_parser(
        "calibrate-rebuttals",
        help="fit a model's rebuttal decision (combiner, threshold) on an annotated folder (news_dev format)",
    )
    calr.add_argument("folder", help="annotated folder: articles/, metadata.jsonl, gold_claims.jsonl, ...")
    calr.add_argument(
        "--model", required=True, help="local model folder; the threshold is written to its stancekit.json"
    )
    calr.add_argument("--scope", choices=["story", "all"], default="story")
    calr.add_argument(
        "--method",
        choices=["combiner", "threshold"],
        default="combiner",
        help="combiner (default): fit a rebuttal combiner over the pair's features and a threshold on it, "
        "besides the plain contradiction threshold; threshold: the plain threshold only",
    )
    calr.add_argument("--c", type=float, default=1.0, help="inverse regularisation of the combiner (default 1.0)")
    calr.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto")
    calr.add_argument("--batch-size", type=int, default=32)
    calr.set_defaults(func=run_calibrate_rebuttals)


def add_evaluate(sub: Any) -> None:
    """Add ``stancekit evaluate`` to the subcommands."""
    ev = sub.add_parser("evaluate", help="accuracy, macro-F1, per-class figures, confusion and ECE on your pairs")
    ev.add_argument("data", help="labelled pairs: .jsonl[.gz], .csv or .tsv")
    ev.add_argument("--columns", default=None, help="column mapping, e.g. perspective=premise,claim=hypothesis")
    ev.add_argument("--label-map", default=None, help="NLI meaning of the labels (for a plain NLI model or base)")
    ev.add_argument(
        "--base",
        default="auto",
        help="model to compare with: a name or path, 'none', or 'auto' (the base a fine-tuned model started from)",
    )
    ev.add_argument("--limit", type=int, default=None, help="at most this many pairs (the first ones)")
    ev.add_argument("--json", default=None, help="also write the report to this JSON file")
    common.add_model_options(ev, batch_size=64)
    ev.set_defaults(func=run_evaluate)
