"""Fine-tune a cross-encoder on a user's annotated pairs, in the user's label schema.

A thin :class:`transformers.Trainer` subclass does the training (seeds, bf16 where the hardware runs it natively,
a GPU when present, early stopping on a dev split, resumable checkpoints, progress bars); stancekit adds the label
schema, the warm start of a new schema from an NLI head, validation of the data before any training, temperature
calibration on the dev split, and a model card.
"""

from __future__ import annotations

import json
import logging
import math
import time
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import InitVar, asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from transformers import Trainer, TrainingArguments

from stancekit._compat import renamed
from stancekit._device import resolve_device, resolve_precision
from stancekit.calibration import fit_temperature_to_targets, top_label_ece
from stancekit.data import LabeledPair, PairSource, as_pairs, check_splits, split_dev
from stancekit.model_config import ModelConfig
from stancekit.schema import LabelSchema, LabelSpec
from stancekit.scoring import NLIModel, default_model_path, load_classifier, model_window, no_loading_bar
from stancekit.scoring.loading import resolve_shipped
from stancekit.training._encoding import encode_pairs
from stancekit.training.checkpoints import claim_run_folder
from stancekit.training.options import option
from stancekit.types import NLILabel, Precision

logger = logging.getLogger(__name__)

__all__ = ["FinetuneConfig", "FitResult", "SchemaTrainer", "build_model", "fit"]


@dataclass(frozen=True, slots=True, kw_only=True)
class FinetuneConfig:
    """Settings of one fine-tuning run; validated on creation.

    Attributes:
        output_dir: Where the best model (safetensors), its card and ``checkpoints/`` go. Rerun to resume.
        base_model: Hub name or local path of the starting model; ``None``: the model shipped with stancekit
            (``base=`` is its old name).
        label_map: Meaning of each of the user's labels in NLI terms, e.g. ``{"SUPPORT": "entailment",
            "UNDERMINE": "contradiction"}``; with an NLI base it warm-starts the new head. Default: the labels' names
            when they are NLI names or synonyms (entailment, SUPPORTS, refutes …), else none.
        labels: Label order of the new head; default: the sorted labels of the training data.
        warm_start: Start the new head from the base's NLI head (rows copied through ``label_map``; unmapped labels
            from neutral). ``False``, or a base without an NLI head, gives a fresh head.
        epochs: Passes over the training data (the most; early stopping may end sooner).
        max_steps: Stop after this many optimizer steps (overrides ``epochs``).
        batch_size: Pairs per step.
        learning_rate: Peak learning rate (linear warm-up and decay).
        weight_decay: AdamW weight decay.
        warmup_ratio: Fraction of steps spent warming up.
        max_length: Tokens per pair; default: the base's window. Longer pairs are truncated with a warning that counts
            them.
        dev_fraction: Share of the training data carved out (stratified) as the dev split when none is given.
        eval_every: Evaluate (and checkpoint) every this many steps; ``None``: once per epoch.
        patience: Stop after this many evaluations without a better dev macro-F1.
        class_weighting: Weight the loss by inverse class frequency (for skewed label counts).
        seed: Seed of Python, NumPy, torch and the data order.
        precision: ``auto`` uses bf16 only where the hardware runs it natively.
        device: ``None`` picks cuda, then mps, then cpu.
        calibrate: Fit a softmax temperature on the dev split and store it with the model.
        show_progress: Show progress bars.
        resume: Resume from the newest checkpoint in ``output_dir/checkpoints`` when there is one.
        trainer_options: Any further :class:`transformers.TrainingArguments` (e.g.
            ``{"gradient_accumulation_steps": 4}``), applied over those these settings give.

    Example:
        >>> FinetuneConfig(output_dir="runs/perspectrum", label_map={"SUPPORT": "entailment"}).epochs
        3.0
    """

    output_dir: str | Path = option(
        flag="--out", required=True, help="model folder (checkpoints inside; rerun to resume)"
    )
    base_model: str | Path | None = option(
        None, flag="--base", help="starting model, hub name or path (default: the shipped model)"
    )
    label_map: Mapping[str, str] | None = option(
        None, parse=str, help="NLI meaning, e.g. SUPPORT=entailment,UNDERMINE=contradiction"
    )
    labels: tuple[str, ...] | None = option(
        None, parse=str, help="label order, e.g. FAVOR,AGAINST,NONE (default: sorted)"
    )
    warm_start: bool = option(True, off="--fresh-head", help="do not warm-start the head from the NLI head")
    epochs: float = option(3.0)
    max_steps: int | None = option(None)
    batch_size: int = option(16)
    learning_rate: float = option(3e-5, flag="--lr", help="peak learning rate (linear warm-up and decay)")
    weight_decay: float = option(0.01, help="AdamW weight decay")
    warmup_ratio: float = option(0.1, help="fraction of the steps spent warming up")
    max_length: int | None = option(None, help="tokens per pair (default: the base's window)")
    dev_fraction: float = option(0.1, help="share carved out (stratified) as dev when --dev is not given")
    eval_every: int | None = option(None, help="steps between evaluations (default: each epoch)")
    patience: int = option(3, help="stop after this many evaluations without a better dev macro-F1")
    class_weighting: bool = option(False, flag="--class-weights", help="weight the loss by inverse class frequency")
    seed: int = option(42)
    precision: Precision = option("auto")
    device: str | None = option(None)
    calibrate: bool = option(True, off="--no-calibrate", help="do not fit a temperature on the dev split")
    show_progress: bool = option(True, off="--quiet", help="no progress bars")
    resume: bool = option(True, off="--no-resume", help="start over: clear OUT's checkpoints instead of resuming them")
    trainer_options: Mapping[str, Any] = option({}, hidden=True)

    base: InitVar[str | Path | None] = None

    def __post_init__(self, base: str | Path | None) -> None:
        """Check every setting, naming the field and value."""
        if base is not None:
            value = renamed(self.base_model, base, new="base_model", old="base", where="FinetuneConfig")
            object.__setattr__(self, "base_model", value)
        checks: list[tuple[str, bool]] = [
            ("epochs", self.epochs > 0),
            ("max_steps", self.max_steps is None or self.max_steps > 0),
            ("batch_size", self.batch_size > 0),
            ("learning_rate", 0 < self.learning_rate < 1),
            ("weight_decay", self.weight_decay >= 0),
            ("warmup_ratio", 0 <= self.warmup_ratio < 1),
            ("max_length", self.max_length is None or self.max_length >= 8),
            ("dev_fraction", 0 < self.dev_fraction <= 0.5),
            ("eval_every", self.eval_every is None or self.eval_every > 0),
            ("patience", self.patience >= 1),
            ("precision", self.precision in ("auto", "bf16", "fp32")),
        ]
        for name, ok in checks:
            if not ok:
                raise ValueError(f"FinetuneConfig.{name} has an invalid value: {getattr(self, name)!r}.")
        if self.labels is not None:
            object.__setattr__(self, "labels", tuple(self.labels))
        object.__setattr__(self, "trainer_options", dict(self.trainer_options))

    def training_arguments(
        self,
        output_dir: str | Path,
        *,
        train_pairs: int,
        dtype: torch.dtype | None = None,
        device: torch.device | None = None,
    ) -> TrainingArguments:
        """The :class:`transformers.TrainingArguments` these settings give, for ``train_pairs`` training pairs.

        The one place where a setting becomes a Trainer argument; ``trainer_options`` are applied last.

        Raises:
            ValueError: If ``trainer_options`` names an argument TrainingArguments does not have.

        Example:
            >>> more = {"gradient_accumulation_steps": 4}
            >>> config = FinetuneConfig(output_dir=tmp, eval_every=50, trainer_options=more)
            >>> args = config.training_arguments(tmp / "checkpoints", train_pairs=800)
            >>> args.eval_steps, args.warmup_steps, args.gradient_accumulation_steps
            (50, 15, 4)
        """
        from transformers import TrainingArguments

        steps_per_epoch = math.ceil(train_pairs / self.batch_size)
        total_steps = self.max_steps or math.ceil(self.epochs * steps_per_epoch)
        strategy = "steps" if self.eval_every else "epoch"
        settings: dict[str, Any] = {
            "output_dir": str(output_dir),
            "num_train_epochs": self.epochs,
            "max_steps": self.max_steps or -1,
            "per_device_train_batch_size": self.batch_size,
            "per_device_eval_batch_size": max(32, self.batch_size),
            "learning_rate": self.learning_rate,
            "weight_decay": self.weight_decay,
            # a count, not a ratio: transformers 5 dropped warmup_ratio and reads a float warmup_steps < 1 as a
            # ratio, transformers 4 would read it as zero steps
            "warmup_steps": math.ceil(self.warmup_ratio * total_steps),
            "eval_strategy": strategy,
            "save_strategy": strategy,
            "eval_steps": self.eval_every,
            "save_steps": self.eval_every or 500,
            "save_total_limit": 2,
            "load_best_model_at_end": True,
            "metric_for_best_model": "macro_f1",
            "greater_is_better": True,
            "logging_steps": max(1, min(50, steps_per_epoch // 4)),
            "seed": self.seed,
            "data_seed": self.seed,
            "bf16": dtype == torch.bfloat16,
            "fp16": dtype == torch.float16,
            "use_cpu": device is None or device.type == "cpu",
            "report_to": "none",
            "disable_tqdm": not self.show_progress,
            "dataloader_num_workers": 0,
        }
        try:
            return TrainingArguments(**{**settings, **self.trainer_options})
        except TypeError as error:
            raise ValueError(
                f"FinetuneConfig.trainer_options {dict(self.trainer_options)!r}: {error}; give only arguments of "
                "transformers.TrainingArguments."
            ) from None


@dataclass(frozen=True, slots=True, kw_only=True)
class FitResult:
    """What a fine-tuning run produced.

    Attributes:
        model_dir: The saved model (load it with :meth:`load` or :meth:`NLIModel.from_pretrained`).
        schema: Its label schema.
        base: The model it started from.
        warm_started: Whether the head started from the base's NLI head.
        train_pairs: Training pairs used.
        dev_pairs: Dev pairs used for early stopping and calibration.
        steps: Optimizer steps taken.
        seconds: Wall-clock training time (without tokenisation, calibration and saving).
        best_dev_macro_f1: Dev macro-F1 of the saved model.
        temperature: The fitted softmax temperature (1.0 when not calibrated).
        dev_ece_before: Dev ECE before calibration.
        dev_ece_after: Dev ECE after calibration.

    Example:
        >>> config = FinetuneConfig(output_dir=tmp / "mine", label_map={"PRO": "entailment", "CON": "contradiction"},
        ...                         base_model="stancekit-nli-minilm-l6",  # the small shipped model: quick on a CPU
        ...                         max_steps=2, batch_size=4, dev_fraction=0.25, show_progress=False)
        >>> result = fit(train_file, config)
        >>> result.steps, result.load().schema.labels
        (2, ('CON', 'PRO'))
    """

    model_dir: Path
    schema: LabelSchema
    base: str
    warm_started: bool
    train_pairs: int
    dev_pairs: int
    steps: int
    seconds: float
    best_dev_macro_f1: float
    temperature: float
    dev_ece_before: float
    dev_ece_after: float
    history: list[dict[str, float]] = field(default_factory=list)

    def load(self, **kwargs: Any) -> NLIModel:
        """Load the fine-tuned model (arguments as :meth:`NLIModel.from_pretrained`)."""
        return NLIModel.from_pretrained(self.model_dir, local_files_only=True, **kwargs)


class SchemaTrainer(Trainer):
    """A :class:`transformers.Trainer` whose loss can weight classes; everything else is the Trainer's own.

    Example:
        >>> from transformers import TrainingArguments
        >>> args = TrainingArguments(output_dir=str(tmp), report_to=[], use_cpu=True)
        >>> trainer = SchemaTrainer(model=model.model, args=args, class_weights=torch.tensor([1.0, 3.0, 1.0]))
        >>> trainer.class_weights.tolist()
        [1.0, 3.0, 1.0]
    """

    def __init__(self, *args: Any, class_weights: torch.Tensor | None = None, **kwargs: Any) -> None:
        """Arguments of :class:`transformers.Trainer`, plus optional per-class loss weights."""
        super().__init__(*args, **kwargs)
        self.class_weights = class_weights

    def compute_loss(
        self,
        model: torch.nn.Module,
        inputs: dict[str, Any],
        return_outputs: bool = False,
        num_items_in_batch: Any = None,
    ) -> Any:
        """Cross-entropy, weighted by ``class_weights`` when given."""
        if self.class_weights is None:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        labels = inputs.pop("labels")
        outputs = model(**inputs)
        weight = self.class_weights.to(outputs.logits.device)
        loss = torch.nn.functional.cross_entropy(outputs.logits.float(), labels, weight=weight)
        return (loss, outputs) if return_outputs else loss


def _head(model: torch.nn.Module, n_labels: int) -> tuple[torch.nn.Module, str, torch.nn.Linear]:
    """The classifier's output layer: the last ``nn.Linear`` with ``n_labels`` outputs, with its parent and name."""
    found: tuple[torch.nn.Module, str, torch.nn.Linear] | None = None
    for parent in model.modules():
        for name, child in parent.named_children():
            if isinstance(child, torch.nn.Linear) and child.out_features == n_labels:
                found = (parent, name, child)
    if found is None:
        raise ValueError(f"cannot find the classification layer (a Linear with {n_labels} outputs) of this model.")
    return found


def _nli_rows(config: Any, stored: ModelConfig) -> dict[NLILabel, int] | None:
    """The base head's logit index of each NLI label, or ``None`` when the base has no NLI head."""
    id2label = {int(k): str(v) for k, v in (config.id2label or {}).items()}
    try:
        spec = LabelSpec.resolve(id2label, label_map=stored.label_map, stored_schema=stored.schema)
    except ValueError:
        return None
    return spec.nli_rows()


def build_model(
    base: str | Path | None, schema: LabelSchema, *, warm_start: bool = True, seed: int = 42
) -> tuple[Any, Any, bool]:
    """Load ``base`` (safetensors only, no remote code) and give it a head for ``schema``.

    With ``warm_start`` and a base whose labels have NLI meaning, each new label's classifier row (and bias) is
    copied from the NLI label it maps to, divided by the base's temperature: before any training the new model
    predicts exactly what the base predicts through the mapping (its zero-shot). Otherwise the head is fresh.

    Returns:
        ``(model, tokenizer, warm_started)``.

    Example:
        >>> net, tokenizer, warm = build_model(None, LabelSchema.create(["PRO", "CON"],
        ...     {"PRO": "entailment", "CON": "contradiction"}))
        >>> net.config.id2label, warm
        ({0: 'PRO', 1: 'CON'}, True)
    """
    from transformers import AutoConfig, AutoTokenizer

    source = str(base if base is not None else default_model_path())
    source = resolve_shipped(source) or source  # a shipped model's name: its installed folder
    common: dict[str, Any] = {"trust_remote_code": False}
    config = AutoConfig.from_pretrained(source, **common)
    stored = ModelConfig.read(source)
    model = load_classifier(source, config, **common)
    tokenizer = AutoTokenizer.from_pretrained(source, **common)
    rows = _nli_rows(config, stored) if warm_start else None
    parent, name, old = _head(model, int(config.num_labels))
    torch.manual_seed(seed)
    new = torch.nn.Linear(old.in_features, len(schema.labels))
    warm = rows is not None
    with torch.no_grad():
        if rows is not None:
            temperature = stored.temperature
            index = [rows.get(schema.nli_label(label), rows.get(NLILabel.NEUTRAL)) for label in schema.labels]
            if any(i is None for i in index):
                warm = False
            else:
                picked = torch.tensor([int(i) for i in index if i is not None])
                new.weight.copy_(old.weight[picked] / temperature)
                new.bias.copy_((old.bias[picked] if old.bias is not None else 0.0) / temperature)
        if not warm:
            std = float(getattr(config, "initializer_range", 0.02))
            new.weight.normal_(0.0, std)
            new.bias.zero_()
    setattr(parent, name, new)
    model.num_labels = len(schema.labels)
    model.config.num_labels = len(schema.labels)
    model.config.id2label = dict(enumerate(schema.labels))
    model.config.label2id = {label: i for i, label in enumerate(schema.labels)}
    model.config.problem_type = "single_label_classification"
    return model, tokenizer, warm


def _encode(
    tokenizer: Any, pairs: Sequence[LabeledPair], schema: LabelSchema, max_length: int, name: str
) -> dict[str, list[Any]]:
    columns, over = encode_pairs(tokenizer, [p.premise for p in pairs], [p.hypothesis for p in pairs], max_length)
    if over:
        warnings.warn(
            f"{len(over)} of {len(pairs)} {name} pairs are longer than {max_length} tokens (first: "
            f"{pairs[over[0]].where}) and were truncated to fit; pass max_length= (at most the model window) or "
            "shorten those texts.",
            UserWarning,
            stacklevel=3,
        )
    return {**columns, "labels": [schema.index(p.label) for p in pairs]}


def _logits_of(predictions: Any) -> npt.NDArray[np.float32]:
    """The classification logits from ``Trainer.predict``: encoder-decoder models (BART) add their encoder states."""
    if isinstance(predictions, (tuple, list)):
        predictions = predictions[0]
    return np.asarray(predictions, dtype=np.float32)


def _metrics(prediction: Any) -> dict[str, float]:
    from sklearn.metrics import f1_score

    logits = _logits_of(prediction.predictions)
    gold = prediction.label_ids
    pred = np.asarray(logits).argmax(axis=1)
    return {
        "accuracy": float((pred == gold).mean()),
        "macro_f1": float(f1_score(gold, pred, average="macro", labels=sorted(set(gold.tolist())), zero_division=0)),
    }


def fit(
    train: PairSource,
    config: FinetuneConfig,
    *,
    dev: PairSource | None = None,
    column_mapping: Mapping[str, str] | None = None,
) -> FitResult:
    """Fine-tune ``config.base_model`` on annotated pairs; save the best model, calibrated, in ``config.output_dir``.

    Every check on the data runs before any model is loaded: missing texts, unknown labels, a split with one class,
    pairs shared by train and dev, one pair with two labels.

    Args:
        train: Training pairs (path, DataFrame, Dataset, dictionaries or :class:`LabeledPair` records).
        config: The run's settings.
        dev: Dev pairs for early stopping and calibration; default: a stratified ``config.dev_fraction`` of
            ``train``.
        column_mapping: Source column -> ``premise``/``hypothesis``/``label``, for both ``train`` and ``dev``.

    Returns:
        A :class:`FitResult` with the model's directory and the run's figures.

    Raises:
        ValueError: For bad data or settings, naming the split, row, field and value.

    Example:
        >>> result = fit(train_file, FinetuneConfig(output_dir=tmp / "p", max_steps=2, batch_size=4, dev_fraction=0.25,
        ...     label_map={"PRO": "entailment", "CON": "contradiction"}, base_model="stancekit-nli-minilm-l6",
        ...     show_progress=False))
        >>> result.load().score([("Taxes fund schools.", "Raise taxes.")])[0].schema_label
        'PRO'
    """
    from datasets import Dataset
    from transformers import DataCollatorWithPadding, EarlyStoppingCallback, set_seed

    train_pairs = as_pairs(train, "train", column_mapping)
    dev_pairs = as_pairs(dev, "dev", column_mapping) if dev is not None else None
    counts = Counter(p.label for p in train_pairs)
    if len(counts) < 2:
        raise ValueError(f"the train split has a single class ({dict(counts)}); training needs at least two labels.")
    if config.labels is not None:
        schema = LabelSchema.create(config.labels, config.label_map)
    else:
        _check_label_map_keys(config.label_map, counts)
        schema = LabelSchema.infer(sorted(set(counts) | set(config.label_map or {})), config.label_map)
    if dev_pairs is None:
        train_pairs, dev_pairs = split_dev(train_pairs, config.dev_fraction, seed=config.seed)
    check_splits({"train": train_pairs, "dev": dev_pairs}, labels=schema.labels)

    out = Path(config.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    set_seed(config.seed)
    device = resolve_device(config.device)
    dtype = resolve_precision(config.precision, device)
    base_name = str(config.base_model) if config.base_model is not None else "stancekit default"
    model, tokenizer, warm = build_model(config.base_model, schema, warm_start=config.warm_start, seed=config.seed)
    max_length = model_window(model, tokenizer, config.max_length)
    logger.info(
        "fine-tuning %s on %d pairs (dev %d), labels %s, %s head, device %s, autocast %s",
        base_name,
        len(train_pairs),
        len(dev_pairs),
        list(schema.labels),
        "warm-started" if warm else "fresh",
        device,
        dtype,
    )
    train_ds = Dataset.from_dict(_encode(tokenizer, train_pairs, schema, max_length, "train"))
    dev_ds = Dataset.from_dict(_encode(tokenizer, dev_pairs, schema, max_length, "dev"))

    args = config.training_arguments(out / "checkpoints", train_pairs=len(train_pairs), dtype=dtype, device=device)
    weights = None
    if config.class_weighting:
        counts = Counter(p.label for p in train_pairs)
        weights = torch.tensor(
            [len(train_pairs) / (len(schema.labels) * max(1, counts[label])) for label in schema.labels],
            dtype=torch.float32,
        )
    _align_special_tokens(model, tokenizer)
    trainer = SchemaTrainer(
        model=model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=dev_ds,
        processing_class=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer, pad_to_multiple_of=8),
        compute_metrics=_metrics,
        callbacks=[EarlyStoppingCallback(early_stopping_patience=config.patience)],
        class_weights=weights,
    )
    if not config.show_progress:
        from transformers.trainer_callback import PrinterCallback

        trainer.remove_callback(PrinterCallback)  # it prints every log dict when progress bars are off
    last = _resume_point(out / "checkpoints", _fingerprint(config, train_pairs, dev_pairs, schema), config.resume)
    if last:
        logger.info("resuming from %s", last)
    started = time.perf_counter()
    with no_loading_bar(not config.show_progress):  # checkpoint saves draw "Writing model shards" bars
        state = trainer.train(resume_from_checkpoint=last)
        logits = _logits_of(trainer.predict(dev_ds).predictions)
    seconds = time.perf_counter() - started

    gold = np.asarray(dev_ds["labels"], dtype=np.int64)
    before = top_label_ece(_softmax(logits), gold)
    temperature = fit_temperature_to_targets(logits, gold) if config.calibrate else 1.0
    after = top_label_ece(_softmax(logits / temperature), gold)
    best = _metrics(_Prediction(logits, gold))["macro_f1"]
    history = [
        {k: float(v) for k, v in entry.items() if isinstance(v, (int, float))}
        for entry in trainer.state.log_history
        if "eval_macro_f1" in entry
    ]
    saved: Any = trainer.model  # the best checkpoint's weights (load_best_model_at_end)
    with no_loading_bar(not config.show_progress):
        saved.save_pretrained(str(out), safe_serialization=True)
    tokenizer.save_pretrained(str(out))
    result = FitResult(
        model_dir=out,
        schema=schema,
        base=base_name,
        warm_started=warm,
        train_pairs=len(train_pairs),
        dev_pairs=len(dev_pairs),
        steps=int(state.global_step),
        seconds=seconds,
        best_dev_macro_f1=best,
        temperature=temperature,
        dev_ece_before=before,
        dev_ece_after=after,
        history=history,
    )
    record = {
        "temperature": temperature,
        "schema": schema.to_dict(),
        "base": None if config.base_model is None else str(config.base_model),
        "finetune": {
            "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(config).items()},
            "warm_started": warm,
            "train_pairs": len(train_pairs),
            "dev_pairs": len(dev_pairs),
            "label_counts": dict(Counter(p.label for p in train_pairs)),
            "steps": result.steps,
            "seconds": round(seconds, 1),
            "device": device.type,
            "best_dev_macro_f1": best,
            "dev_ece_before": before,
            "dev_ece_after": after,
            "history": history,
        },
    }
    ModelConfig.from_record(json.loads(json.dumps(record, default=str))).write(out)
    (out / "README.md").write_text(render_finetune_card(result, record), encoding="utf-8")
    logger.info(
        "saved %s: dev macro-F1 %.4f, %d steps in %.0fs, T=%.3f", out, best, result.steps, seconds, temperature
    )
    return result


def _align_special_tokens(model: Any, tokenizer: Any) -> None:
    """Give the model config the tokenizer's pad/bos/eos ids, as Trainer would, without its warning.

    A classifier never generates, so the ids only matter for padding; DeBERTa and BART checkpoints often disagree
    with their tokenizers here, and Trainer warns about it on every fit.
    """
    config = model.config
    for name in ("pad_token_id", "bos_token_id", "eos_token_id"):
        wanted = getattr(tokenizer, name, None)
        current = getattr(config, name, None)
        if wanted is None or current == wanted or (isinstance(current, list) and wanted in current):
            continue
        setattr(config, name, wanted)
        generation = getattr(model, "generation_config", None)
        if generation is not None and getattr(generation, name, None) is not None:
            setattr(generation, name, wanted)


def _check_label_map_keys(label_map: Mapping[str, str] | None, counts: Mapping[str, int]) -> None:
    """A label_map key that no training pair carries would become a class with no examples (a typo, usually)."""
    import difflib

    for key in label_map or {}:
        if key not in counts:
            close = difflib.get_close_matches(key, list(counts), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"label_map key {key!r} is not a label of the train split (its labels: {sorted(counts)});"
                f" it would train a class with no examples.{hint} To keep a class the data lacks, list it in "
                "labels= explicitly."
            )


def _fingerprint(
    config: FinetuneConfig, train: Sequence[LabeledPair], dev: Sequence[LabeledPair], schema: LabelSchema
) -> str:
    """A digest of what a run learns from: its settings and data.

    Not part of it: where it writes, how it shows progress, and how long it runs (``epochs``, ``max_steps``,
    ``patience``), so a rerun with more steps resumes.
    """
    import hashlib

    settings = {
        k: (str(v) if isinstance(v, Path) else v)
        for k, v in asdict(config).items()
        if k not in ("output_dir", "resume", "show_progress", "patience", "device", "epochs", "max_steps")
    }
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode())
    digest.update(json.dumps(schema.to_dict(), sort_keys=True, default=str).encode())
    for name, pairs in (("train", train), ("dev", dev)):
        digest.update(name.encode())
        for p in pairs:
            digest.update(json.dumps([p.premise, p.hypothesis, p.label]).encode())
    return digest.hexdigest()


def _resume_point(folder: Path, fingerprint: str, resume: bool) -> str | None:
    """The checkpoint to resume from, after checking that ``folder`` holds this run's checkpoints.

    Checkpoints of another run (other data or settings) are never resumed: that is an error with ``resume=True``
    and they are cleared with ``resume=False`` (see :func:`~stancekit.training.checkpoints.claim_run_folder`). A
    broken newest checkpoint falls back to the newest intact one.
    """
    has = folder.is_dir() and any(folder.glob("checkpoint-*"))
    claim_run_folder(folder, fingerprint, has_checkpoints=has, resume=resume, clear=[folder])
    return _last_checkpoint(folder) if resume else None


def _last_checkpoint(folder: Path) -> str | None:
    """The newest complete ``checkpoint-N`` in ``folder`` (one with its trainer state written), or ``None``."""
    if not folder.is_dir():
        return None
    from stancekit.scoring import broken_safetensors

    done = [p for p in folder.glob("checkpoint-*") if (p / "trainer_state.json").is_file() and p.name[11:].isdigit()]
    for checkpoint in sorted(done, key=lambda p: int(p.name[11:]), reverse=True):
        broken = broken_safetensors(checkpoint)
        if not broken and any(checkpoint.glob("*.safetensors")):
            return str(checkpoint)
        logger.warning("skipping checkpoint %s: %s", checkpoint, broken[0] if broken else "no safetensors weights")
    return None


@dataclass(frozen=True, slots=True)
class _Prediction:
    predictions: npt.NDArray[np.float32]
    label_ids: npt.NDArray[np.int64]


def _softmax(logits: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    out: npt.NDArray[np.float32] = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
    return out


def render_finetune_card(result: FitResult, record: Mapping[str, Any]) -> str:
    """A model card for a fine-tuned model: base, schema, data counts, settings and dev figures."""
    run = record["finetune"]
    mapping = ", ".join(f"{k} → {v}" for k, v in result.schema.to_dict()["nli_map"].items()) or "none"
    settings = ", ".join(f"{k}={v}" for k, v in run["config"].items() if k not in ("output_dir", "show_progress"))
    lines = [
        f"# {result.model_dir.name}",
        "",
        "A cross-encoder fine-tuned with `stancekit.training.fit` (or `stancekit finetune`).",
        "",
        f"- Base: {result.base}; head {'warm-started from its NLI head' if result.warm_started else 'fresh'}.",
        f"- Labels: {', '.join(result.schema.labels)}; NLI meaning: {mapping}.",
        f"- Data: {result.train_pairs:,} training pairs ({run['label_counts']}), {result.dev_pairs:,} dev pairs.",
        f"- Training: {result.steps} steps in {result.seconds:.0f} s on {run['device']}.",
        f"- Dev macro-F1 {result.best_dev_macro_f1:.4f}; ECE {result.dev_ece_before:.4f} before, "
        f"{result.dev_ece_after:.4f} after temperature scaling (T = {result.temperature:.3f}).",
        f"- Settings: {settings}.",
        "",
        "The dev split chose the checkpoint and fitted the temperature: evaluate on data it has not seen "
        "(`stancekit evaluate`).",
        "",
    ]
    return "\n".join(lines)
