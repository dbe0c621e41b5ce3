"""Loading a checkpoint safely: safetensors only, no remote code, tokenizer and vocabulary checked, labels read."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from stancekit.model_config import ModelConfig
from stancekit.schema import LabelSchema, LabelSpec
from stancekit.types import NLILabel

DEFAULT_MODEL_NAME = "stancekit-nli-minilm-l6"
SHIPPED_MODEL_NAMES: tuple[str, ...] = ("stancekit-nli-minilm-l6", "stancekit-nli-mpnet-base")
"""The models that ship with stancekit; each name loads offline through :meth:`NLIModel.from_pretrained`."""


def _shipped_folders(name: str) -> list[Path]:
    here = Path(__file__).resolve().parent.parent  # the stancekit package
    return [here / "_models" / name, here.parent / "models" / name]


def shipped_model_path(name: str = DEFAULT_MODEL_NAME) -> Path:
    """Where a shipped model lives: inside the installed package, or ``models/`` of a source checkout.

    Args:
        name: One of :data:`SHIPPED_MODEL_NAMES`.

    Raises:
        ValueError: If ``name`` is not a shipped model.
        FileNotFoundError: If neither place holds it.

    Example:
        >>> shipped_model_path("stancekit-nli-minilm-l6").name
        'stancekit-nli-minilm-l6'
    """
    if name not in SHIPPED_MODEL_NAMES:
        raise ValueError(f"{name!r} is not a shipped model; the shipped models are {list(SHIPPED_MODEL_NAMES)}.")
    candidates = _shipped_folders(name)
    for candidate in candidates:
        if (candidate / "config.json").exists():
            return candidate
    raise FileNotFoundError(
        f"the shipped model {name!r} is not installed (looked in {[str(c) for c in candidates]}). "
        "Reinstall stancekit, or pass a hub name or local path to NLIModel.from_pretrained()."
    )


def default_model_path() -> Path:
    """Where the shipped default model lives: inside the installed package, or ``models/`` of a source checkout.

    Raises:
        FileNotFoundError: If neither holds the model.

    Example:
        >>> default_model_path().name == DEFAULT_MODEL_NAME
        True
    """
    return shipped_model_path(DEFAULT_MODEL_NAME)


def resolve_shipped(source: str) -> str | None:
    """The folder of a shipped model named ``source``, unless a local folder of that name shadows it.

    Example:
        >>> resolve_shipped("cross-encoder/nli-deberta-v3-base") is None
        True
    """
    if source not in SHIPPED_MODEL_NAMES or Path(source).exists():
        return None
    return str(shipped_model_path(source))


def model_window(model: Any, tokenizer: Any, max_length: int | None = None) -> int:
    """Tokens per input: the smallest of ``max_length``, the tokenizer's and the model's limits (512 if none is set).

    Example:
        >>> model_window(model.model, tokenizer)
        512
    """
    positions = getattr(model.config, "max_position_embeddings", None)
    if isinstance(positions, int) and getattr(model.config, "model_type", "") in _OFFSET_POSITIONS:
        # RoBERTa-style embeddings number positions from pad_token_id + 1: 514 positions hold 512 tokens
        positions -= int(getattr(model.config, "pad_token_id", 1) or 0) + 1
    limits = [
        n
        for n in (max_length, getattr(tokenizer, "model_max_length", None), positions)
        if isinstance(n, int) and 0 < n < 100_000
    ]
    return min(limits) if limits else 512


_OFFSET_POSITIONS = frozenset(
    {
        "roberta",
        "roberta-prelayernorm",
        "xlm-roberta",
        "xlm-roberta-xl",
        "camembert",
        "mpnet",
        "data2vec-text",
        "longformer",
        "luke",
        "xmod",
        "ibert",
        "markuplm",
        "mluke",
    }
)


def load_classifier(source: str, config: Any, **options: Any) -> Any:
    """A sequence-classification model from safetensors only (never pickled weights), in fp32.

    Raises:
        ValueError: If the checkpoint has no safetensors weights.

    Example:
        >>> from transformers import AutoConfig
        >>> config = AutoConfig.from_pretrained("models/stancekit-nli-minilm-l6")
        >>> load_classifier("models/stancekit-nli-minilm-l6", config).dtype
        torch.float32
    """
    from transformers import AutoModelForSequenceClassification

    if Path(source).is_dir():
        broken = broken_safetensors(source)
        if broken:
            raise ValueError(broken[0])
    try:
        with no_loading_bar(Path(source).is_dir()):
            model = AutoModelForSequenceClassification.from_pretrained(
                source, config=config, use_safetensors=True, **options
            )
    except OSError as error:
        if "safetensors" in str(error).lower():
            raise ValueError(
                f"{source} has no safetensors weights; stancekit never loads pickled (.bin) weights. "
                "Convert the checkpoint with safetensors first, or use a checkpoint that ships model.safetensors."
            ) from error
        raise
    return model.float()  # weights may be stored in half precision; compute stays fp32 or autocast


def broken_safetensors(folder: str | Path) -> list[str]:
    """One line per ``*.safetensors`` file in ``folder`` that cannot be read (truncated or corrupted); empty if none.

    Example:
        >>> broken_safetensors("models/stancekit-nli-minilm-l6")
        []
    """
    from safetensors import safe_open

    problems = []
    for path in sorted(Path(folder).glob("*.safetensors")):
        try:
            with safe_open(str(path), framework="pt") as handle:
                handle.keys()
        except Exception as error:  # SafetensorError is neither OSError nor ValueError
            problems.append(
                f"{path}: not a readable safetensors file ({error}); it is truncated or corrupted: "
                "download or save the model again."
            )
    return problems


@contextlib.contextmanager
def no_loading_bar(local: bool) -> Iterator[None]:
    """Hide transformers' "Loading weights" bar for a local folder (it is noise there); hub downloads keep theirs.

    Example:
        >>> from transformers.utils import logging as hf_logging
        >>> with no_loading_bar(True):
        ...     hf_logging.is_progress_bar_enabled()
        False
    """
    from transformers.utils import logging as hf_logging

    was_on = hf_logging.is_progress_bar_enabled()
    if local and was_on:
        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        if local and was_on:
            hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]


def read_labels(
    source: str | Path, *, label_map: Mapping[str, str | NLILabel] | None = None
) -> tuple[LabelSchema | None, bool]:
    """A checkpoint's label schema (``None`` for an NLI head) and whether it is two-way, from its config alone.

    Raises:
        ValueError: If the labels cannot be mapped (as :meth:`NLIModel.from_pretrained`).

    Example:
        >>> read_labels("models/stancekit-nli-minilm-l6")
        (None, False)
        >>> read_labels("stancekit-nli-mpnet-base")  # a shipped model, by name
        (None, False)
    """
    from transformers import AutoConfig

    source = resolve_shipped(str(source)) or source  # a shipped model's name: its installed folder
    config = AutoConfig.from_pretrained(str(source), trust_remote_code=False)
    id2label = {int(k): str(v) for k, v in (config.id2label or {}).items()}
    stored = ModelConfig.read(source)
    spec = LabelSpec.resolve(
        id2label, label_map=label_map if label_map is not None else stored.label_map, stored_schema=stored.schema
    )
    schema, two_way = spec.schema, spec.two_way
    return schema, two_way


def check_local_path(source: str) -> None:
    """Refuse a name that can only be a local path when nothing is there.

    Absolute, ``./``, ``~`` or deeper than ``namespace/name``: the hub client would call it a malformed repo id.
    """
    path = Path(source).expanduser()
    looks_local = path.is_absolute() or source.startswith((".", "~")) or source.count("/") > 1 or "\\" in source
    if not looks_local:
        return
    try:
        path.resolve(strict=True)
    except (OSError, RuntimeError) as error:  # missing, or a symlink loop
        reason = "a symlink loop" if "loop" in str(error).lower() or isinstance(error, RuntimeError) else "missing"
        raise FileNotFoundError(
            f"no model at {source} ({reason}): give a local folder with config.json and model.safetensors, or a "
            "hub id such as 'cross-encoder/nli-deberta-v3-base'."
        ) from None
    if path.is_dir() and not (path / "config.json").is_file():
        raise FileNotFoundError(f"{source} has no config.json: it is not a saved model folder.")


TOKENIZER_FILES = (
    "tokenizer.json",
    "vocab.txt",
    "vocab.json",
    "spm.model",
    "sentencepiece.bpe.model",
    "tokenizer.model",
    "sentencepiece.model",
)


def check_tokenizer_files(source: str) -> None:
    """Refuse a local folder with no tokenizer files: transformers would build a near-empty vocabulary from nothing."""
    folder = Path(source)
    if folder.is_dir() and not any((folder / name).is_file() for name in TOKENIZER_FILES):
        raise ValueError(
            f"{source} has no tokenizer files (none of {', '.join(TOKENIZER_FILES)}): every word would be "
            "unknown to the model. Save the tokenizer beside the weights (tokenizer.save_pretrained(folder))."
        )


def check_vocabulary(tokenizer: Any, config: Any, source: str) -> None:
    """Refuse a tokenizer far smaller than the model's vocabulary (its files are missing: every word is unknown)."""
    vocab_size = int(getattr(config, "vocab_size", 0) or 0)
    if vocab_size and len(tokenizer) < vocab_size // 2:
        raise ValueError(
            f"{source}: the tokenizer has {len(tokenizer)} tokens but the model's vocabulary has {vocab_size}: the "
            "checkpoint's tokenizer files (tokenizer.json, vocab.txt, spm.model, vocab.json + merges.txt) are missing "
            "or incomplete, and every word would be read as unknown. Copy them from the base model's folder."
        )
