"""stancekit: claims, rebuttals and stance in news, scored with NLI models."""

from __future__ import annotations

from stancekit.results import PairScore, ScoreResults
from stancekit.scoring import NLIModel, TextPair, make_pairs
from stancekit.types import NLILabel

__version__ = "0.1.0"

__all__ = ["NLILabel", "NLIModel", "PairScore", "ScoreResults", "TextPair", "__version__", "make_pairs"]
