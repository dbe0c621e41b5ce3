"""``stancekit.json``: what stancekit keeps beside a checkpoint's weights, read and written here only.

A model folder holds the transformers files (``config.json``, ``model.safetensors``, tokenizer files) and, when
stancekit made or calibrated it, ``stancekit.json``: the softmax temperature, the label schema or label map needed
to read its logits, the stance combiner, the rebuttal threshold and combiner, and the record of how it was trained.
Every reader and writer of that file (loading, saving, training, fine-tuning, the calibration commands) goes
through :class:`ModelConfig`, so the file has one shape and one set of checks.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from dataclasses import replace as dataclass_replace
from pathlib import Path
from typing import Any

from stancekit.schema import LabelSchema

__all__ = ["STANCEKIT_CONFIG", "ModelConfig", "update_model_config"]

STANCEKIT_CONFIG = "stancekit.json"
"""The file name, in a model folder."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelConfig:
    """The contents of a model folder's ``stancekit.json``, checked on reading.

    Attributes:
        temperature: Softmax temperature fitted on held-out NLI data (1 when absent).
        label_map: Meaning of checkpoint label names that are not NLI names (``LABEL_0`` style heads).
        schema: The label schema of a head with labels of its own (a fine-tuned model).
        stance_calibration: The stance combiner's record (:class:`stancekit.stance.StanceCalibration`).
        rebuttal_threshold: The probability from which a pair is a rebuttal.
        rebuttal_combiner: The rebuttal combiner's record (:class:`stancekit.rebuttals.RebuttalCombiner`).
        base: The model a fine-tuned model started from.
        training: How ``train_nli`` trained it (settings, data, steps, dev history, earlier stages).
        finetune: How ``fit`` fine-tuned it.
        extra: Keys this version does not know, kept as they are so that saving never drops them.

    Example:
        >>> config = ModelConfig(temperature=1.3, rebuttal_threshold=0.6)
        >>> ModelConfig.from_record(config.to_record()) == config
        True
        >>> ModelConfig.from_record({"rebuttal_threshold": 2})
        Traceback (most recent call last):
        ValueError: stancekit.json rebuttal_threshold must be in (0, 1), got 2.
    """

    temperature: float = 1.0
    label_map: Mapping[str, str] | None = None
    schema: LabelSchema | None = None
    stance_calibration: Mapping[str, Any] | None = None
    rebuttal_threshold: float | None = None
    rebuttal_combiner: Mapping[str, Any] | None = None
    base: str | None = None
    training: Mapping[str, Any] | None = None
    finetune: Mapping[str, Any] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def read(cls, folder: str | Path) -> ModelConfig:
        """The folder's ``stancekit.json``, or the defaults when it has none (a hub name reads as none).

        Raises:
            ValueError: If the file is not UTF-8 JSON holding an object, or a field is malformed; the message
                names the file, the field and the value.
        """
        path = Path(folder) / STANCEKIT_CONFIG
        if not path.is_file():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ValueError(
                f"{path}, line {error.lineno}, column {error.colno}: not valid JSON ({error.msg}). It holds the "
                "model's calibration; restore it from the model's source, or delete it to load the bare checkpoint."
            ) from None
        except UnicodeDecodeError as error:
            raise ValueError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start}).") from None
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a JSON object, got {type(data).__name__}.")
        return cls.from_record(data, source=str(folder))

    @classmethod
    def from_record(cls, record: Mapping[str, Any], *, source: str = "") -> ModelConfig:
        """Check and read a parsed ``stancekit.json`` object; ``source`` (the folder) prefixes error messages."""
        where = f"{source}: {STANCEKIT_CONFIG}" if source else STANCEKIT_CONFIG
        temperature = record.get("temperature", 1.0)
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not temperature > 0:
            raise ValueError(f"{where} temperature must be a positive number, got {temperature!r}.")
        label_map = record.get("label_map")
        if label_map is not None and (
            not isinstance(label_map, dict)
            or not all(isinstance(k, str) and isinstance(v, str) for k, v in label_map.items())
        ):
            raise ValueError(
                f"{where} label_map must map label names to names, got {label_map!r}; "
                "fix it or pass label_map= when loading."
            )
        schema = record.get("schema")
        if schema is not None:
            if not isinstance(schema, dict):
                raise ValueError(f"{where} schema must be an object with 'labels', got {schema!r}.")
            schema = LabelSchema.from_dict(schema)
        threshold = record.get("rebuttal_threshold")
        if threshold is not None and (
            isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold < 1
        ):
            raise ValueError(f"{where} rebuttal_threshold must be in (0, 1), got {threshold!r}.")
        records: dict[str, Mapping[str, Any] | None] = {}
        for key in ("stance_calibration", "rebuttal_combiner", "training", "finetune"):
            value = record.get(key)
            if value is not None and not isinstance(value, dict):
                raise ValueError(f"{where} {key} must be an object, got {value!r}.")
            records[key] = value
        base = record.get("base")
        known = {f.name for f in fields(cls)}
        return cls(
            temperature=float(temperature),
            label_map=None if label_map is None else dict(label_map),
            schema=schema,
            rebuttal_threshold=None if threshold is None else float(threshold),
            base=None if base is None else str(base),
            extra={k: v for k, v in record.items() if k not in known},
            **records,
        )

    def to_record(self) -> dict[str, Any]:
        """The JSON object written to ``stancekit.json`` (fields left at their empty default are left out)."""
        record: dict[str, Any] = dict(self.extra)
        record["temperature"] = self.temperature
        if self.label_map is not None:
            record["label_map"] = dict(self.label_map)
        if self.schema is not None:
            record["schema"] = self.schema.to_dict()
        for key in ("stance_calibration", "rebuttal_threshold", "rebuttal_combiner", "base", "training", "finetune"):
            value = getattr(self, key)
            if value is not None:
                record[key] = value
        return record

    def write(self, folder: str | Path) -> Path:
        """Write ``stancekit.json`` into ``folder`` (created if needed); returns the file."""
        path = Path(folder) / STANCEKIT_CONFIG
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_record(), indent=2, default=str) + "\n", encoding="utf-8")
        return path

    def replace(self, **changes: Any) -> ModelConfig:
        """A copy with ``changes`` (field names as keys), checked as a read file is."""
        return ModelConfig.from_record(dataclass_replace(self, **changes).to_record())


def update_model_config(folder: str | Path, **changes: Any) -> Path:
    """Set fields of ``folder``'s ``stancekit.json``, keeping the rest; returns the file.

    Example:
        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> _ = update_model_config(folder, rebuttal_threshold=0.7)
        >>> ModelConfig.read(folder).rebuttal_threshold
        0.7
    """
    return ModelConfig.read(folder).replace(**changes).write(folder)
