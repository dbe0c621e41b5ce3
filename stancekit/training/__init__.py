"""Training recipes: the shipped NLI model (:func:`train_nli`)."""

from __future__ import annotations

from stancekit.training.nli import EVALUATION_SPLITS, NLITrainingConfig, base_encoder_path, train_nli

__all__ = ["EVALUATION_SPLITS", "NLITrainingConfig", "base_encoder_path", "train_nli"]
