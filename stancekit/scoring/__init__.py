"""The NLI scoring engine: any sequence-classification NLI checkpoint behind one typed API.

:mod:`.inputs` checks the pairs, :mod:`.loading` loads a checkpoint safely, :mod:`.windows` splits long premises
into windows of whole sentences, and :mod:`.model` holds :class:`NLIModel`, the :class:`Scorer` protocol and the
stored calibrations. Everything is importable from ``stancekit.scoring``.
"""

from __future__ import annotations

from stancekit.model_config import STANCEKIT_CONFIG
from stancekit.scoring.inputs import PairLike, iter_pairs, make_pairs
from stancekit.scoring.loading import (
    DEFAULT_MODEL_NAME,
    SHIPPED_MODEL_NAMES,
    broken_safetensors,
    default_model_path,
    load_classifier,
    model_window,
    no_loading_bar,
    read_labels,
    shipped_model_path,
)
from stancekit.scoring.model import Combine, NLIModel, Scorer, StoredCalibration, require_scorer
from stancekit.scoring.windows import WindowPlanner
from stancekit.text import TextPair, check_text

__all__ = [
    "DEFAULT_MODEL_NAME",
    "SHIPPED_MODEL_NAMES",
    "STANCEKIT_CONFIG",
    "Combine",
    "NLIModel",
    "PairLike",
    "Scorer",
    "StoredCalibration",
    "TextPair",
    "WindowPlanner",
    "broken_safetensors",
    "check_text",
    "default_model_path",
    "iter_pairs",
    "load_classifier",
    "make_pairs",
    "model_window",
    "no_loading_bar",
    "read_labels",
    "require_scorer",
    "shipped_model_path",
]
