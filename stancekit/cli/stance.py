"""``stancekit stance``, ``evaluate-stance`` and ``calibrate-stance``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stancekit.cli import common
from stancekit.cli.common import CommandError
from stancekit.model_config import update_model_config

if TYPE_CHECKING:
    from stancekit.stance import TargetKind


def run_stance(args: argparse.Namespace) -> int:
    """Run ``stancekit stance``; returns the exit status."""
    from stancekit.io import iter_jsonl
    from stancekit.stance import stance

    common.check_out(("--out", args.out))
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
    model = common.load_model(args.model, args.precision, args.label_map)
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
    common.emit(rows, args.out)
    return 0


def run_evaluate_stance(args: argparse.Namespace) -> int:
    """Run ``stancekit evaluate-stance``; returns the exit status."""
    import json

    from stancekit.evaluation import evaluate_stance

    label_map = common.mapping_option(args.label_map, "--label-map")
    columns = common.mapping_option(args.columns, "--columns")
    sets = common.stance_files(args.files, label_map, columns, limit=args.limit)  # a seeded random sample
    model = common.load_model(args.model, args.precision)
    base = None if args.no_base else common.load_model(args.base, args.precision)
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


def _cached_features(
    cache: str | None,
    model: Any,
    texts: Sequence[str],
    targets: Sequence[str],
    kinds: Sequence[TargetKind],
    batch_size: int,
) -> Any:
    """The rows' stance evidence; rows ``cache`` holds for this scorer are read, not scored again.

    The cache keeps one entry per (text, target, kind), so a run over other files reuses the rows they share. It
    is stamped with what decides the scores (:func:`stancekit.store.model_settings`: weights, labels, precision,
    window, temperature), as the store stamps its scores.
    """
    import hashlib

    import numpy as np

    from stancekit.stance import stance_evidence
    from stancekit.store import fingerprint, model_settings

    stamp = fingerprint(model_settings(model))
    keys = [
        hashlib.sha256("\x00".join((text, target, kind)).encode("utf-8")).hexdigest()
        for text, target, kind in zip(texts, targets, kinds, strict=True)
    ]
    known: dict[str, Any] = {}
    if cache and Path(cache).exists():
        with np.load(cache, allow_pickle=False) as stored:
            if "stamp" in stored.files and str(stored["stamp"]) == stamp:
                known = dict(zip(stored["keys"].tolist(), stored["features"], strict=True))
            else:
                print(f"{cache} holds the evidence of another model or other settings; scoring the rows again")
    missing = [i for i, key in enumerate(keys) if key not in known]
    if missing:
        fresh = stance_evidence(
            model,
            [texts[i] for i in missing],
            [targets[i] for i in missing],
            [kinds[i] for i in missing],
            batch_size=batch_size,
        )
        known.update(zip([keys[i] for i in missing], fresh, strict=True))
        if cache:
            with Path(cache).open("wb") as handle:
                np.savez(
                    handle,
                    keys=np.array(list(known)),
                    features=np.stack(list(known.values())).astype(np.float32),
                    stamp=np.array(stamp),
                )
    return np.stack([known[key] for key in keys]).astype(np.float32)


def run_calibrate_stance(args: argparse.Namespace) -> int:
    """Run ``stancekit calibrate-stance``; returns the exit status."""
    from stancekit.evaluation import off_target_records
    from stancekit.scoring import NLIModel
    from stancekit.stance import choose_stance_l2_by_kind, fit_stance_calibration, target_kind

    folder = common.model_folder(args.model, "calibrate-stance")
    sets = common.stance_files(args.files, common.mapping_option(args.label_map, "--label-map"), None)
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
    features = _cached_features(args.cache, model, texts, targets, kinds, args.batch_size)
    if args.l2 == "auto":
        held_out = "each file"
        if len(sets) < 2:  # one file: five folds of it take the files' place
            groups = [f"fold {i % 5}" for i in range(len(groups))]
            held_out = "each fifth of the file"
        chosen, tables = choose_stance_l2_by_kind(
            features, labels, kinds, flags, groups, weights=weights, structure=args.structure
        )
        print(f"penalty per target kind, chosen by leaving {held_out} out in turn (mean held-out log-loss):")
        for kind, table in tables.items():
            for row in table:
                mark = "  <-" if row["l2"] == chosen[kind] else ""
                print(f"  {kind:<12} l2 {row['l2']:<6g} {row['held_out_nll']:.4f}{mark}")
        l2: float | dict[str, float] = chosen
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
    path = update_model_config(folder, stance_calibration=calibration.to_dict())
    penalties = ", ".join(f"{k} {v:g}" for k, v in l2.items()) if isinstance(l2, dict) else f"{l2:g}"
    print(f"stance calibration for {calibration.kinds} from {len(texts)} rows (l2 {penalties}) written to {path}")
    if calibration.ece:
        print("three-way dev ECE after calibration: " + ", ".join(f"{k} {v:.4f}" for k, v in calibration.ece.items()))
    return 0


def add_stance(sub: Any) -> None:
    """Add ``stancekit stance`` to the subcommands."""
    stance_cmd = sub.add_parser("stance", help="stance (favor/against/none) of texts toward a target")
    stance_cmd.add_argument("file", help="JSON Lines with 'text' and (unless --target) 'target'; - = stdin")
    stance_cmd.add_argument("--target", default=None, help="one target for every line")
    stance_cmd.add_argument("--out", default=None, help="write here (atomically) instead of standard output")
    common.add_target_kind(stance_cmd)
    common.add_model_options(stance_cmd, label_map=True)
    stance_cmd.set_defaults(func=run_stance)


def add_evaluate_stance(sub: Any) -> None:
    """Add ``stancekit evaluate-stance`` to the subcommands."""
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
    common.add_target_kind(ev_stance)
    common.add_model_options(ev_stance)
    ev_stance.set_defaults(func=run_evaluate_stance)


def add_calibrate_stance(sub: Any) -> None:
    """Add ``stancekit calibrate-stance`` to the subcommands."""
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
        help="penalty on the combiner's departure from the plain rule; auto (default): per target kind, the one "
        "that predicts each file best when that file is left out",
    )
    cal.add_argument(
        "--cache", default=None, help="a .npz file that keeps the rows' evidence, to refit without scoring again"
    )
    cal.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto")
    cal.set_defaults(func=run_calibrate_stance)
