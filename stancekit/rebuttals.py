"""Which scored claim pairs are rebuttals: the features of a pair and a small calibrated combiner over them.

NLI alone is a weak judge of a rebuttal in news: a model trained on SNLI calls two unrelated statements on one
subject a contradiction, and misses a denial ("rejected the claims as baseless") whose words share little with the
claim it answers. The combiner is a logistic regression over what the pair shows: contradiction and entailment in
both directions, how alike the two claims are, whether one opens with a denial or an accusation (the speech-verb
lexicon), whether exactly one is negated, whether one calls something false or a lie, whether the extractor linked
them (a denial and the allegation it reports), and whether the two come from one article. It is fitted on an
annotated folder by ``stancekit calibrate-rebuttals`` and stored with the model in ``stancekit.json``, with its
threshold; :class:`stancekit.tracking.Tracker` uses it when the model has one.

Example:
    >>> combiner = RebuttalCombiner(features=("contradiction",), weights=(4.0,), bias=-2.0, threshold=0.5)
    >>> round(combiner.probability({"contradiction": 0.9}), 3)
    0.832
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stancekit.claims import Claim
from stancekit.results import PairScore

__all__ = ["FEATURES", "RebuttalCombiner", "discredits", "negated", "opening_polarity", "pair_features"]

FEATURES = (
    "contradiction",
    "entailment",
    "neutral",
    "similarity",
    "denial",
    "accusation",
    "negation_differs",
    "negation",
    "discredit",
    "linked",
    "embedded",
    "same_document",
)
"""The pair features the combiner may weigh, in the order :func:`pair_features` gives them."""

_WORD = re.compile(r"[A-Za-z]+n['’]t|[A-Za-z]+")


def _lexicon() -> dict[str, Any]:
    from stancekit.claims.attribution import speech_lexicon

    return speech_lexicon()


def opening_polarity(text: str) -> str:
    """The stance of the verb a claim opens with: ``deny``, ``accuse``, ``demand``, or ``assert`` for any other.

    Claims of a stance verb keep the verb ("denied any role in the attack"), so the first word tells a denial
    from an assertion.

    Example:
        >>> opening_polarity("denied any role in the attack"), opening_polarity("the attack was planned abroad")
        ('deny', 'assert')
    """
    lexicon = _lexicon()
    words = _WORD.findall(text)[:4]
    for i, word in enumerate(words[:3]):  # "strongly denied", "also rejected"
        lemma = lexicon["forms"].get(word.lower())
        if lemma is None and i + 1 < len(words):  # "shut down claims that P"
            lemma = lexicon["phrasal"].get((word.lower(), words[i + 1].lower()))
        if lemma is not None:
            return str(lexicon["stance"].get(lemma, "assert"))
        if not word.lower().endswith("ly") and word.lower() not in ("also", "again", "then"):
            break
    return "assert"


def negated(text: str) -> bool:
    """Whether a text carries a negation or discrediting cue ("not", "never", "baseless", "lies").

    Example:
        >>> negated("Kabul does not pose a threat"), negated("Kabul poses a threat")
        (True, False)
    """
    cues = _lexicon()["negation_cues"]
    return any(w.lower() in cues or w.lower().endswith(("n't", "n’t")) for w in _WORD.findall(text))


def discredits(text: str) -> bool:
    """Whether a text calls something untrue or dishonest: "baseless", "lies", "propaganda" (``discredit_cues``).

    In news such a word marks a rebuttal even when the reply shares no words with the claim it answers ("This is
    utterly false and complete fiction"); a plain negation ("does not pose a threat") is not one.

    Example:
        >>> discredits("rejected the reports as baseless propaganda"), discredits("Kabul does not pose a threat")
        (True, False)
    """
    cues = _lexicon()["discredit_cues"]
    return any(w.lower() in cues for w in _WORD.findall(text))


def _three_way(score: PairScore, name: str) -> tuple[float, float, float]:
    if score.contradiction is None or score.neutral is None:
        raise ValueError(
            f"the rebuttal combiner needs a three-way NLI model, but the {name} score of "
            f"({score.premise[:40]!r}, {score.hypothesis[:40]!r}) has no contradiction: use a three-way model "
            "or decide with the contradiction threshold alone (no combiner)."
        )
    return score.entailment, score.neutral, score.contradiction


def pair_features(
    a: Claim, b: Claim, forward: PairScore, backward: PairScore, *, similarity: float, link: str = ""
) -> dict[str, float]:
    """The features of a scored pair, by name (see :data:`FEATURES`).

    ``forward`` is ``a`` as premise, ``backward`` is ``b`` as premise; contradiction and entailment are each
    the stronger direction's, neutral the weaker's.

    Raises:
        ValueError: If the scores are of a two-way model (no contradiction).
    """
    ef, nf, cf = _three_way(forward, "forward")
    eb, nb, cb = _three_way(backward, "backward")
    polarities = (opening_polarity(a.text), opening_polarity(b.text))
    negations = (negated(a.text), negated(b.text))
    return {
        "contradiction": max(cf, cb),
        "entailment": max(ef, eb),
        "neutral": min(nf, nb),
        "similarity": float(similarity),
        "denial": float("deny" in polarities),
        "accusation": float("accuse" in polarities),
        "negation_differs": float(negations[0] != negations[1]),
        "negation": float(any(negations)),
        "discredit": float(discredits(a.text) or discredits(b.text)),
        "linked": float(bool(link)),
        # an allegation reported inside another speaker's statement (one named with its source on its own, "an
        # engineer's allegations that P", reads like reported speech)
        "embedded": float(any(c.kind == "embedded" and c.reported_by is not None for c in (a, b))),
        "same_document": float(a.doc == b.doc),
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class RebuttalCombiner:
    """A logistic regression over pair features that gives P(rebuttal), and the threshold from which a pair is one.

    Attributes:
        features: Feature names (a subset of :data:`FEATURES`).
        weights: One weight per feature, on the raw feature scale.
        bias: The intercept.
        threshold: The probability from which a pair is a rebuttal.
        fitted_on: What it was fitted on, for the record (e.g. the folder's name and its figures).

    Example:
        >>> RebuttalCombiner.from_record({"features": ["linked"], "weights": [3.0], "bias": -1.0,
        ...                               "threshold": 0.5}).probability({"linked": 1.0}) > 0.5
        True
    """

    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float
    fitted_on: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = [f for f in self.features if f not in FEATURES]
        if unknown:
            raise ValueError(f"unknown rebuttal feature(s) {unknown}; known: {', '.join(FEATURES)}.")
        if len(self.weights) != len(self.features):
            raise ValueError(
                f"the rebuttal combiner has {len(self.features)} features but {len(self.weights)} weights."
            )
        if not all(math.isfinite(w) for w in (*self.weights, self.bias)):
            raise ValueError(f"the rebuttal combiner's weights must be finite, got {self.weights!r}, {self.bias!r}.")
        if not 0 < self.threshold < 1:
            raise ValueError(f"the rebuttal combiner's threshold must be in (0, 1), got {self.threshold!r}.")

    def probability(self, values: Mapping[str, float]) -> float:
        """P(rebuttal) of a pair from its features (a mapping that has every feature of the combiner)."""
        missing = [f for f in self.features if f not in values]
        if missing:
            raise ValueError(f"pair features are missing {missing}; compute them with pair_features().")
        z = self.bias + sum(w * float(values[f]) for f, w in zip(self.features, self.weights, strict=True))
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    def to_record(self) -> dict[str, Any]:
        """The JSON record kept in ``stancekit.json`` (``rebuttal_combiner``)."""
        return {
            "features": list(self.features),
            "weights": [round(w, 6) for w in self.weights],
            "bias": round(self.bias, 6),
            "threshold": self.threshold,
            "fitted_on": self.fitted_on,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any], *, source: str = "rebuttal_combiner") -> RebuttalCombiner:
        """Read a record written by :meth:`to_record`, naming ``source`` in any error."""
        try:
            return cls(
                features=tuple(str(f) for f in record["features"]),
                weights=tuple(float(w) for w in record["weights"]),
                bias=float(record["bias"]),
                threshold=float(record["threshold"]),
                fitted_on=dict(record.get("fitted_on") or {}),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(
                f"{source}: a rebuttal_combiner needs features, weights, bias and threshold ({error}); "
                "refit it with `stancekit calibrate-rebuttals`."
            ) from None


def fit_weights(
    rows: Sequence[Mapping[str, float]], labels: Sequence[bool], *, features: Sequence[str] = FEATURES, c: float = 1.0
) -> tuple[tuple[float, ...], float]:
    """Logistic-regression weights (on the raw scale) and bias for pair feature rows and their labels.

    Features are standardised for the fit (so that the L2 penalty treats them alike) and the weights folded back.

    Raises:
        ValueError: If there are no rows, the lengths differ, or only one class is present.
    """
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    if len(rows) != len(labels):
        raise ValueError(f"{len(rows)} feature rows but {len(labels)} labels.")
    y = np.asarray(labels, dtype=bool)
    if not len(y) or y.all() or not y.any():
        raise ValueError(
            f"fitting a rebuttal combiner needs both rebuttals and other pairs; got {int(y.sum())} of {len(y)}."
        )
    x = np.array([[float(r[f]) for f in features] for r in rows], dtype=np.float64)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=2000).fit((x - mean) / scale, y)
    weights = model.coef_[0] / scale
    bias = float(model.intercept_[0] - (weights * mean).sum())
    return tuple(float(w) for w in weights), bias
