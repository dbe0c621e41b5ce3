"""Training recipes: the shipped NLI model (:func:`train_nli`) and fine-tuning on a user's pairs (:func:`fit`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stancekit.training.nli import EVALUATION_SPLITS, NLITrainingConfig, base_encoder_path, train_nli

if TYPE_CHECKING:
    from stancekit.training.finetune import FinetuneConfig, FitResult, SchemaTrainer, fit

__all__ = [
    "EVALUATION_SPLITS",
    "FinetuneConfig",
    "FitResult",
    "NLITrainingConfig",
    "SchemaTrainer",
    "base_encoder_path",
    "fit",
    "train_nli",
]

_LAZY = frozenset({"FinetuneConfig", "FitResult", "SchemaTrainer", "fit"})


def __getattr__(name: str) -> Any:
    """Import the fine-tuning names on first use (they pull in ``transformers.Trainer``, which takes seconds)."""
    if name in _LAZY:
        from stancekit.training import finetune

        return getattr(finetune, name)
    raise AttributeError(f"module 'stancekit.training' has no attribute {name!r}")
