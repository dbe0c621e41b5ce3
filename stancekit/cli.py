"""The ``stancekit`` command line; every subcommand calls the public API only."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = ["main"]


class CommandError(Exception):
    """A user-facing error: printed as ``stancekit: error: ...`` with exit status 2."""


def _read_pairs_file(path: str) -> list[dict[str, Any]]:
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


def _load_model(name: str | None, precision: str, label_map: str | None = None) -> Any:
    from stancekit import NLIModel

    mapping = _mapping_option(label_map, "--label-map")
    try:
        if name is None:
            if mapping:
                raise CommandError("--label-map describes the labels of a --model checkpoint; give --model too.")
            return NLIModel.default(precision=precision)  # type: ignore[arg-type]  # argparse choices enforce it
        return NLIModel.from_pretrained(name, precision=precision, label_map=mapping)  # type: ignore[arg-type]
    except (OSError, ValueError) as error:
        raise CommandError(str(error)) from None


def _score_records(model: Any, records: list[dict[str, Any]], args: argparse.Namespace) -> Iterator[dict[str, Any]]:
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


def _write_atomically(path: str, lines: Iterator[dict[str, Any]]) -> None:
    """Write to a temporary file beside ``path`` and move it into place only when everything succeeded."""
    from stancekit.io import atomic_writer, write_jsonl

    with atomic_writer(path, "--out") as handle:
        write_jsonl(lines, handle)


def _check_out(*options: tuple[str, str | None]) -> None:
    """Refuse an output file that cannot be written before loading a model or reading any input."""
    from stancekit.io import check_output_file

    for option, path in options:
        if path:
            try:
                check_output_file(path, option)
            except ValueError as error:
                raise CommandError(str(error)) from None


def _emit(rows: Iterator[dict[str, Any]], out: str | None) -> None:
    """Write JSON Lines to ``out`` atomically, or to standard output."""
    from stancekit.io import write_jsonl

    if out:
        _write_atomically(out, rows)
    else:
        write_jsonl(rows, sys.stdout)


def _score(args: argparse.Namespace) -> int:
    if args.ray:
        return _score_on_ray(args)
    _check_out(("--out", args.out))
    records = _read_pairs_file(args.file)
    model = _load_model(args.model, args.precision, args.label_map)
    _emit(_score_records(model, records, args), args.out)
    return 0


def _score_on_ray(args: argparse.Namespace) -> int:
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
            model=args.model,
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


def _train_nli(args: argparse.Namespace) -> int:
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


def _evaluate_nli(args: argparse.Namespace) -> int:
    import json

    from stancekit.evaluation import evaluate_nli_sets

    model = _load_model(args.model, args.precision)
    reports = evaluate_nli_sets(model, args.data_dir, limit=args.limit, batch_size=args.batch_size)
    if not reports:
        raise CommandError(f"none of the evaluation sets was found under {args.data_dir}.")
    print(f"model: {model!r}")
    for report in reports:
        print(report, end="\n\n")
    if args.json:
        Path(args.json).write_text(json.dumps([r.to_dict() for r in reports], indent=2) + "\n")
    return 0


def _add_target_kind(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target-kind",
        choices=["auto", "proposition", "topic"],
        default="auto",
        help="read the target as a statement or as a topic/entity (default: detected)",
    )


def _stance_files(
    files: Sequence[str],
    label_map: dict[str, str] | None,
    columns: dict[str, str] | None,
    limit: int | None = None,
) -> Any:
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


def _evaluate_stance(args: argparse.Namespace) -> int:
    import json

    from stancekit.evaluation import evaluate_stance

    label_map = _mapping_option(args.label_map, "--label-map")
    columns = _mapping_option(args.columns, "--columns")
    sets = _stance_files(args.files, label_map, columns, limit=args.limit)  # a seeded random sample
    model = _load_model(args.model, args.precision)
    base = None if args.no_base else _load_model(args.base, args.precision)
    reports = []
    for path, rows in sets.items():
        report = evaluate_stance(
            model, rows, base=base, target_kind=args.target_kind, name=Path(path).name, batch_size=args.batch_size
        )
        print(report, end="\n\n")
        reports.append(report)
    if args.json:
        Path(args.json).write_text(json.dumps([r.to_dict() for r in reports], indent=2) + "\n")
    return 0


def _model_folder(path: str, command: str) -> Path:
    """A local model folder a calibration command writes into, or a clear error."""
    folder = Path(path)
    if not (folder / "config.json").is_file():
        raise CommandError(f"{folder}: not a local model folder (no config.json); {command} writes into it.")
    return folder


def _store_in_model(folder: Path, key: str, value: Any) -> Path:
    """Set ``key`` in the model folder's stancekit.json, keeping the rest; returns the file."""
    from stancekit.model_config import update_model_config

    return update_model_config(folder, **{key: value})


def _calibrate_stance(args: argparse.Namespace) -> int:
    from stancekit.evaluation import off_target_records
    from stancekit.scoring import NLIModel
    from stancekit.stance import choose_stance_l2, fit_stance_calibration, stance_evidence, target_kind

    folder = _model_folder(args.model, "calibrate-stance")
    sets = _stance_files(args.files, _mapping_option(args.label_map, "--label-map"), None)
    model = NLIModel.from_pretrained(folder, precision=args.precision, local_files_only=True)
    texts, targets, labels, flags, kinds, weights, groups = [], [], [], [], [], [], []
    if args.off_target > 0:  # one more file: texts of each file paired with its other targets, none
        off = [r for rows in sets.values() for r in off_target_records(rows, args.off_target)]
        if off:
            sets = {**sets, "off-target": off}
    for name, rows in sets.items():
        two_way = all(r.label.value != "none" for r in rows)
        counts = {label: sum(r.label is label for r in rows) for label in {r.label for r in rows}}
        for r in rows:
            # each file counts the same whatever its size and, within it, each stance the same (a prior-shift
            # correction: a set that is 70% none must not teach every reader that most texts take no side)
            weights.append(1.0 / (len(counts) * counts[r.label]) if args.balance else 1.0 / len(rows))
            texts.append(r.text)
            targets.append(r.target)
            labels.append(r.label)
            flags.append(two_way)
            kinds.append(target_kind(r.target))
            groups.append(name)
    features = stance_evidence(model, texts, targets, kinds, batch_size=args.batch_size)
    if args.l2 == "auto":
        held_out = "each file"
        if len(sets) < 2:  # one file: five folds of it take the files' place
            groups = [f"fold {i % 5}" for i in range(len(groups))]
            held_out = "each fifth of the file"
        l2, table = choose_stance_l2(features, labels, kinds, flags, groups, weights=weights, structure=args.structure)
        print(f"penalty chosen by leaving {held_out} out in turn (mean held-out negative log-likelihood):")
        for row in table:
            mark = "  <-" if row["l2"] == l2 else ""
            print(f"  l2 {row['l2']:<6g} {row['held_out_nll']:.4f}{mark}")
    else:
        try:
            l2 = float(args.l2)
        except ValueError:
            raise CommandError(f"--l2 must be 'auto' or a number, got {args.l2!r}.") from None
        if not l2 >= 0:
            raise CommandError(f"--l2 must not be negative, got {args.l2!r}.")
    calibration = fit_stance_calibration(
        features,
        labels,
        kinds,
        flags,
        fitted_on=[Path(p).name for p in sets],
        weights=weights,
        structure=args.structure,
        l2=l2,
    )
    path = _store_in_model(folder, "stance_calibration", calibration.to_dict())
    print(f"stance calibration for {calibration.kinds} from {len(texts)} rows (l2 {l2:g}) written to {path}")
    if calibration.ece:
        print("three-way dev ECE after calibration: " + ", ".join(f"{k} {v:.4f}" for k, v in calibration.ece.items()))
    return 0


def _evaluate_news(args: argparse.Namespace) -> int:
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
        model = _load_model(args.model, args.precision)
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


def _calibrate_rebuttals(args: argparse.Namespace) -> int:
    from stancekit.news_eval import fit_rebuttal_combiner, fit_rebuttal_threshold, load_news_gold
    from stancekit.scoring import NLIModel
    from stancekit.tracking import Tracker

    folder = _model_folder(args.model, "calibrate-rebuttals")
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
    path = _store_in_model(folder, "rebuttal_threshold", threshold)
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
    path = _store_in_model(folder, "rebuttal_combiner", combiner.to_record())
    print(f"rebuttal combiner (threshold {combiner.threshold:.2f}) written to {path}")
    return 0


def _mapping_option(text: str | None, option: str) -> dict[str, str] | None:
    from stancekit.schema import parse_label_map

    if not text:
        return None
    try:
        return parse_label_map(text)
    except ValueError as error:
        raise CommandError(str(error).replace("--label-map", option)) from None


def _finetune(args: argparse.Namespace) -> int:
    from stancekit.training.finetune import FinetuneConfig, fit
    from stancekit.training.options import config_from_options

    columns = _mapping_option(args.columns, "--columns")
    try:
        from stancekit.data import load_pairs

        train = load_pairs(args.data, column_mapping=columns, name="train", limit=args.max_train, seed=args.seed)
        dev = load_pairs(args.dev, column_mapping=columns, name="dev") if args.dev else None
        config = config_from_options(
            FinetuneConfig,
            args,
            label_map=_mapping_option(args.label_map, "--label-map"),
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


def _evaluate(args: argparse.Namespace) -> int:
    import json

    from stancekit.evaluation import evaluate
    from stancekit.model_config import ModelConfig

    columns = _mapping_option(args.columns, "--columns")
    model = _load_model(args.model, args.precision)
    base = None
    if args.base != "none":
        stored = ModelConfig.read(args.model) if args.model else ModelConfig()
        name = args.base if args.base != "auto" else stored.base
        if args.base != "auto" or stored.finetune is not None:
            base = _load_model(name, args.precision)
    try:
        from stancekit.data import load_pairs

        data = load_pairs(args.data, column_mapping=columns, name=Path(args.data).name, limit=args.limit)
        report = evaluate(
            model,
            data,
            base=base,
            label_map=_mapping_option(args.label_map, "--label-map"),
            name=Path(args.data).name,
            batch_size=args.batch_size,
        )
    except (OSError, ValueError, TypeError) as error:
        raise CommandError(str(error)) from None
    print(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    return 0


def _claims(args: argparse.Namespace) -> int:
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


def _stance(args: argparse.Namespace) -> int:
    from stancekit.io import iter_jsonl
    from stancekit.stance import stance

    _check_out(("--out", args.out))
    if args.target is not None and not args.target.strip():
        raise CommandError("--target is empty: give the statement or topic to take a stance toward.")
    records = []
    try:
        for number, record in iter_jsonl(args.file):
            target = args.target or record.get("target")
            for field, value in (("text", record.get("text")), ("target", target)):
                if not isinstance(value, str) or not value.strip():
                    hint = " (or pass --target)" if field == "target" else ""
                    raise CommandError(
                        f"{args.file}, line {number}: {field!r} must be a non-empty string{hint}, got {value!r}."
                    )
            records.append({**record, "target": target})
    except ValueError as error:
        raise CommandError(str(error)) from None
    model = _load_model(args.model, args.precision, args.label_map)
    results = stance(
        model,
        [r["text"] for r in records],
        [r["target"] for r in records],
        target_kind=args.target_kind,
        batch_size=args.batch_size,
    )
    rows = (
        {**record, "stance": result.label.value, "scores": result.scores}
        for record, result in zip(records, results, strict=True)
    )
    _emit(rows, args.out)
    return 0


def _track(args: argparse.Namespace) -> int:
    from stancekit.documents import read_documents
    from stancekit.tracking import Tracker

    _check_out(("--out", args.out), ("--jsonl", args.jsonl))
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
        model = _load_model(args.model, args.precision, args.label_map)
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
        _write_reports(tracker, args)
    return 0


def _write_reports(tracker: Any, args: argparse.Namespace) -> None:
    """The HTML report and the JSON Lines a command was asked for."""
    if args.out:
        print(f"\nreport: {tracker.to_html(args.out)}")
    if args.jsonl:
        print(f"claims and relations: {tracker.to_jsonl(args.jsonl)}")


def _report(args: argparse.Namespace) -> int:
    import json

    from stancekit.store import StoreError, TrackStore
    from stancekit.tracking import Tracker

    _check_out(("--out", args.out), ("--jsonl", args.jsonl))
    try:
        with TrackStore(args.store, readonly=True) as store:
            last = json.loads(store.meta("last_run") or "{}")
    except StoreError as error:
        raise CommandError(str(error)) from None
    model = _load_model(args.model, args.precision, args.label_map)
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
        _write_reports(tracker, args)
    return 0


def _export(args: argparse.Namespace) -> int:
    from stancekit.store import StoreError, TrackStore

    try:
        with TrackStore(args.store, readonly=True) as store:
            written = store.export(args.out)
    except StoreError as error:
        raise CommandError(str(error)) from None
    for name, path in written.items():
        print(f"{name}: {path}")
    return 0


def _add_model_options(parser: argparse.ArgumentParser, *, batch_size: int = 32, label_map: bool = False) -> None:
    """--model, --precision and --batch-size, the same for every subcommand that runs the NLI model."""
    parser.add_argument("--model", default=None, help="hub name or local path (default: the shipped model)")
    parser.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto")
    parser.add_argument("--batch-size", type=int, default=batch_size)
    if label_map:
        parser.add_argument(
            "--label-map",
            default=None,
            help="NLI meaning of --model's labels when they are not named (read its model card), "
            "e.g. LABEL_0=contradiction,LABEL_1=neutral,LABEL_2=entailment",
        )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``stancekit`` command."""
    from stancekit.training.finetune import FinetuneConfig
    from stancekit.training.nli import NLITrainingConfig
    from stancekit.training.options import add_options

    parser = argparse.ArgumentParser(prog="stancekit", description="Claims, rebuttals and stance in news.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress (INFO level)")
    sub = parser.add_subparsers(dest="command", required=True)

    score = sub.add_parser("score", help="score premise/hypothesis pairs from JSON Lines")
    score.add_argument("file", help="JSON Lines with 'premise' and 'hypothesis' (other fields are kept); - = stdin")
    score.add_argument("--both-directions", action="store_true", help="also score hypothesis->premise")
    score.add_argument("--out", default=None, help="write here (atomically) instead of standard output")
    _add_model_options(score, label_map=True)
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
    score.set_defaults(func=_score)

    claims = sub.add_parser("claims", help="extract attributed claims from articles as JSON Lines")
    claims.add_argument("paths", nargs="+", help="files or folders of .txt/.md/.jsonl/.csv articles")
    claims.add_argument("--metadata", default=None, help="sidecar .jsonl/.csv with file, published, source, ...")
    claims.add_argument("--actor-map", default=None, help="JSON file mapping speaker names to actors")
    claims.add_argument("--narration", action="store_true", help="also output unattributed sentences")
    claims.add_argument("--no-parse", action="store_true", help="the rules alone, without the spaCy parse")
    claims.add_argument(
        "--n-process", type=int, default=min(2, os.cpu_count() or 1), help="processes that parse (default: up to 2)"
    )
    claims.set_defaults(func=_claims)

    stance_cmd = sub.add_parser("stance", help="stance (favor/against/none) of texts toward a target")
    stance_cmd.add_argument("file", help="JSON Lines with 'text' and (unless --target) 'target'; - = stdin")
    stance_cmd.add_argument("--target", default=None, help="one target for every line")
    stance_cmd.add_argument("--out", default=None, help="write here (atomically) instead of standard output")
    _add_target_kind(stance_cmd)
    _add_model_options(stance_cmd, label_map=True)
    stance_cmd.set_defaults(func=_stance)

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
    _add_target_kind(track)
    _add_model_options(track, label_map=True)
    track.set_defaults(func=_track)

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
    _add_target_kind(report)
    _add_model_options(report, label_map=True)
    report.set_defaults(func=_report)

    export = sub.add_parser("export", help="write a store's tables as Parquet files for other tools")
    export.add_argument("--store", required=True, help="the SQLite store (read only)")
    export.add_argument("--out", required=True, help="folder for the .parquet files")
    export.set_defaults(func=_export)

    evaluate = sub.add_parser("evaluate-nli", help="accuracy, macro-F1, confusion and ECE on the NLI benchmarks")
    evaluate.add_argument("--data-dir", required=True, help="folder of <dataset>/<split>.jsonl[.gz] files")
    evaluate.add_argument("--limit", type=int, default=None, help="at most this many pairs per set (quick check)")
    _add_model_options(evaluate, batch_size=64)
    evaluate.add_argument("--json", default=None, help="also write the reports to this JSON file")
    evaluate.set_defaults(func=_evaluate_nli)

    ev_stance = sub.add_parser(
        "evaluate-stance", help="macro-F1, F_avg, accuracy, confusion and ECE of stance on annotated files"
    )
    ev_stance.add_argument("files", nargs="+", help="JSON Lines/CSV/TSV with text, target and label columns")
    ev_stance.add_argument("--label-map", default=None, help="native labels, e.g. PRO=favor,CON=against,NEUTRAL=none")
    ev_stance.add_argument("--columns", default=None, help="column mapping, e.g. perspective=text,claim=target")
    ev_stance.add_argument("--base", default=None, help="model to show beside it (default: the shipped model)")
    ev_stance.add_argument("--no-base", action="store_true", help="do not evaluate a second model")
    ev_stance.add_argument("--limit", type=int, default=None, help="a random sample of at most this many rows")
    ev_stance.add_argument("--json", default=None, help="also write the reports to this JSON file")
    _add_target_kind(ev_stance)
    _add_model_options(ev_stance)
    ev_stance.set_defaults(func=_evaluate_stance)

    news = sub.add_parser(
        "evaluate-news", help="claims, stance per actor and rebuttals against an annotated folder of articles"
    )
    news.add_argument("folder", help="articles/, metadata.jsonl and gold_*.jsonl in the development-set format")
    news.add_argument("--claims-only", action="store_true", help="only the claim figures (no model)")
    news.add_argument("--no-parse", action="store_true", help="the rules alone, without the spaCy parse")
    news.add_argument("--rebuttals", action="store_true", help="also run the tracker and score its rebuttals")
    news.add_argument("--scope", choices=["story", "all"], default="story", help="which claims may rebut each other")
    news.add_argument("--json", default=None, help="also write the figures to this JSON file")
    _add_model_options(news)
    news.set_defaults(func=_evaluate_news)

    cal = sub.add_parser(
        "calibrate-stance", help="fit a model's stance combiner on held-out stance files and store it with the model"
    )
    cal.add_argument("files", nargs="+", help="dev files with text, target and label (not a test set)")
    cal.add_argument("--model", required=True, help="local model folder; its stancekit.json gets the combiner")
    cal.add_argument("--label-map", default=None, help="native labels, e.g. PRO=favor,CON=against")
    cal.add_argument("--batch-size", type=int, default=32)
    cal.add_argument(
        "--no-balance", dest="balance", action="store_false", help="weigh stances by their frequency in each file"
    )
    cal.add_argument(
        "--off-target",
        type=int,
        default=0,
        help="per file, N texts paired with an unrelated target of the file as none rows, as one more file",
    )
    cal.add_argument(
        "--structure",
        choices=["evidence", "full"],
        default="full",
        help="full: 6x3 free weights (default); evidence: favor and against read only their own evidence",
    )
    cal.add_argument(
        "--l2",
        default="auto",
        help="penalty on the combiner's departure from the plain rule; auto (default): the one that predicts each "
        "file best when that file is left out",
    )
    cal.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto")
    cal.set_defaults(func=_calibrate_stance)

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
    calr.set_defaults(func=_calibrate_rebuttals)

    train = sub.add_parser("train-nli", help="train a three-way NLI cross-encoder on a data directory")
    add_options(train, NLITrainingConfig)
    train.add_argument(
        "--exclude",
        dest="exclude_more",
        nargs="*",
        default=[],
        help="more dataset or dataset/split names to leave out",
    )
    train.set_defaults(func=_train_nli)

    tune = sub.add_parser("finetune", help="fine-tune a model on annotated pairs in your own labels")
    tune.add_argument("data", help="training pairs: .jsonl[.gz], .csv or .tsv with premise, hypothesis, label")
    tune.add_argument("--dev", default=None, help="dev pairs (default: a stratified part of DATA)")
    tune.add_argument("--columns", default=None, help="column mapping, e.g. perspective=premise,claim=hypothesis")
    tune.add_argument("--max-train", type=int, default=None, help="a random sample of at most this many pairs")
    add_options(tune, FinetuneConfig)
    tune.set_defaults(func=_finetune)

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
    _add_model_options(ev, batch_size=64)
    ev.set_defaults(func=_evaluate)
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


if __name__ == "__main__":
    sys.exit(main())
