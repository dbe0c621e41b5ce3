"""Stance toward a target proposition, from NLI over an ensemble of hypotheses (the target and its negation)."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from stancekit.results import RecordSequence, html_table
from stancekit.scoring import Scorer, check_text, require_scorer
from stancekit.text import KNOWN_VERBS, base_form, negate

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_TEMPLATES",
    "STANCE_LABEL_SYNONYMS",
    "STANCE_RESULT_COLUMNS",
    "TOPIC_TEMPLATES",
    "StanceCalibration",
    "StanceLabel",
    "StanceResult",
    "StanceResults",
    "Target",
    "TargetKind",
    "choose_stance_l2",
    "choose_stance_l2_by_kind",
    "collective_stance",
    "fit_stance_calibration",
    "most_probable_stance",
    "negate",
    "stance",
    "stance_evidence",
    "stance_features",
    "stance_hypotheses",
    "stance_label",
    "target_kind",
]


DEFAULT_TEMPLATES: tuple[str, ...] = ("{target}",)
"""Hypothesis templates for a proposition target, applied to the target and to its negation; ``{target_lc}`` is the
target with a lower-case first letter."""

TOPIC_TEMPLATES: tuple[str, ...] = ("The author is in favor of {topic}", "The author is against {topic}")
"""Hypotheses for a topic or entity target ("Hillary Clinton", "the death penalty"): a favor wording and an against
wording. A topic is not a proposition: it cannot be negated or be "true", so, as in the NLI formulation of stance
detection (does the text entail "I am in favor of X"?), each hypothesis states a position toward the topic, and the
second is read reversed (its entailment is evidence against)."""

TargetKind = Literal["proposition", "topic"]
"""What a stance target is: a statement that can be true or false, or a topic/entity one can be for or against."""

_CLAUSE_WORDS = frozenset(
    """is are was were be been being am isn't aren't wasn't weren't should would will shall can could must may might
    cannot can't won't shouldn't wouldn't does do did doesn't don't didn't has have had hasn't haven't hadn't ought
    not""".split()
)


class StanceLabel(str, Enum):
    """Stance of a text toward a target.

    Example:
        >>> StanceLabel("against").value
        'against'
    """

    FAVOR = "favor"
    AGAINST = "against"
    NONE = "none"

    def __str__(self) -> str:
        """The plain label name."""
        return self.value


@dataclass(frozen=True, slots=True, kw_only=True)
class StanceResult:
    """The stance of one text toward one target.

    Attributes:
        text: The text as given.
        target: The target proposition.
        label: The most probable stance.
        favor: P(the text supports the target).
        against: P(the text opposes the target).
        none: P(the text takes no stance).

    Example:
        >>> StanceResult(text="t", target="x", label=StanceLabel.NONE, favor=0.1, against=0.1, none=0.8).scores
        {'favor': 0.1, 'against': 0.1, 'none': 0.8}
    """

    text: str
    target: str
    label: StanceLabel
    favor: float
    against: float
    none: float

    @property
    def scores(self) -> dict[str, float]:
        """The three probabilities as a dictionary."""
        return {"favor": self.favor, "against": self.against, "none": self.none}


STANCE_RESULT_COLUMNS: tuple[str, ...] = ("text", "target", "stance", "favor", "against", "none")
"""The columns of :meth:`StanceResults.to_pandas`, in order, and of its HTML view."""


class StanceResults(RecordSequence[StanceResult]):
    """Stance of a batch of texts; iterate for :class:`StanceResult`, convert with ``to_pandas``/``to_numpy``.

    Example:
        >>> results = stance(model, ["Afghan soil poses no threat."], "Afghanistan is a threat")
        >>> results[0].label, results.to_pandas().shape
        (<StanceLabel.AGAINST: 'against'>, (1, 6))
    """

    __slots__ = ("_kinds", "_probs", "_targets", "_texts")

    def __init__(
        self,
        texts: Sequence[str],
        targets: Sequence[str],
        probabilities: npt.NDArray[np.float32],
        *,
        kinds: Sequence[str] | None = None,
    ) -> None:
        """Columns: texts, targets, ``(n, 3)`` probabilities in (favor, against, none) order, and target kinds."""
        n = len(texts)
        probabilities = np.asarray(probabilities, np.float32).reshape(n, 3)
        if len(targets) != n:
            raise ValueError(f"got {n} texts but {len(targets)} targets.")
        if kinds is not None and len(kinds) != n:
            raise ValueError(f"got {n} texts but {len(kinds)} target kinds.")
        self._texts = list(texts)
        self._targets = list(targets)
        self._probs = probabilities
        self._kinds = list(kinds) if kinds is not None else [""] * n

    @property
    def target_kinds(self) -> list[str]:
        """How each target was read: ``proposition`` or ``topic`` (empty for a schema model's direct reading)."""
        return list(self._kinds)

    def __len__(self) -> int:
        """Number of texts."""
        return len(self._texts)

    def _record(self, i: int) -> StanceResult:
        favor, against, none = (float(x) for x in self._probs[i])
        order = (StanceLabel.FAVOR, StanceLabel.AGAINST, StanceLabel.NONE)
        return StanceResult(
            text=self._texts[i],
            target=self._targets[i],
            label=order[int(np.argmax(self._probs[i]))],
            favor=favor,
            against=against,
            none=none,
        )

    @property
    def labels(self) -> list[StanceLabel]:
        """The most probable stance of each text."""
        return [r.label for r in self]

    def to_numpy(self) -> npt.NDArray[np.float32]:
        """``(n, 3)`` probabilities in (favor, against, none) order."""
        copy: npt.NDArray[np.float32] = self._probs.copy()
        return copy

    def to_pandas(self) -> pd.DataFrame:
        """One row per text: text, target, stance, favor, against, none."""
        import pandas as pd

        columns = {
            "text": self._texts,
            "target": self._targets,
            "stance": [r.label.value for r in self],
            "favor": self._probs[:, 0],
            "against": self._probs[:, 1],
            "none": self._probs[:, 2],
        }
        frame: pd.DataFrame = pd.DataFrame({name: columns[name] for name in STANCE_RESULT_COLUMNS})
        return frame

    def __repr__(self) -> str:
        """A short text table."""
        lines = [f"StanceResults({len(self)} texts)"]
        for r in self[:10]:
            lines.append(f"  {r.label.value:<8} f={r.favor:.2f} a={r.against:.2f} n={r.none:.2f}  {r.text[:60]}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """An HTML table for Jupyter."""
        rows = [
            [html.escape(r.text[:120]), html.escape(r.target[:60]), f"<b>{r.label.value}</b>", f"{r.favor:.3f}",
             f"{r.against:.3f}", f"{r.none:.3f}"]
            for r in self[:50]
        ]  # fmt: skip
        return html_table(STANCE_RESULT_COLUMNS, rows)


def most_probable_stance(favor: float, against: float, none: float) -> StanceLabel:
    """The most probable stance, the first of favor, against, none on a tie (as :class:`StanceResults` picks it).

    Example:
        >>> most_probable_stance(0.4, 0.4, 0.2)
        <StanceLabel.FAVOR: 'favor'>
    """
    if favor >= against and favor >= none:
        return StanceLabel.FAVOR
    return StanceLabel.AGAINST if against >= none else StanceLabel.NONE


def collective_stance(scores: Sequence[tuple[float, float, float]]) -> StanceLabel:
    """The stance of a group of statements (an actor's claims).

    ``none`` when every one is most probably none, else the sign of their mean favor - against. Every statement's
    lean counts, also that of one whose own label is none: across the annotated news articles the
    actors who make claims about a dispute almost always take a side in it, and a weak lean still points to it
    (per-actor stance right for 32 of 47 cells, against 30 when the none-labelled claims were left out). The one
    rule behind :meth:`stancekit.tracking.Tracker.actor_stance` and :func:`stancekit.news_eval.per_actor_stance`.

    Args:
        scores: (favor, against, none) probabilities of each statement.

    Example:
        >>> collective_stance([(0.2, 0.1, 0.7), (0.3, 0.25, 0.45)])  # both none: no side, whatever the lean
        <StanceLabel.NONE: 'none'>
        >>> collective_stance([(0.6, 0.3, 0.1), (0.05, 0.25, 0.7)])
        <StanceLabel.FAVOR: 'favor'>
    """
    if not scores or all(most_probable_stance(*s) is StanceLabel.NONE for s in scores):
        return StanceLabel.NONE
    net = sum(float(f) - float(a) for f, a, _ in scores) / len(scores)
    return StanceLabel.FAVOR if net >= 0 else StanceLabel.AGAINST


def target_kind(target: str) -> TargetKind:
    """Whether ``target`` is a proposition (it has a verb: it can be true or false) or a topic/entity.

    A rule on the words alone: an auxiliary, modal, copula or negation, or a known verb after the first word,
    makes a proposition ("Afghanistan poses a security threat", "Climate change is a real concern", "We should
    ban guns"); anything else ("Hillary Clinton", "the death penalty", "Legalization of Abortion") is a topic.
    Pass ``target_kind=`` to :func:`stance` where it guesses wrong.

    Example:
        >>> target_kind("Afghanistan poses a security threat to Central Asia"), target_kind("the death penalty")
        ('proposition', 'topic')
    """
    words = [w.strip(".,;:!?\"'()“”‘’").lower() for w in target.split()]
    words = [w for w in words if w]
    if any(w in _CLAUSE_WORDS or w.endswith("n't") for w in words):
        return "proposition"
    if len(words) >= 6 or (words and (words[0] in _TARGET_VERBS or words[0] in _IRREGULAR_PAST)):
        return "proposition"  # long phrases are statements; a leading bare verb is an imperative ("Ban guns")
    determiners = {"the", "a", "an", "of", "in", "on", "for", "to", "and", "or", "with", "by", "at", "from", "its"}
    for index, word in enumerate(words[1:], start=1):
        if words[index - 1] in determiners:
            continue
        if (
            word in _IRREGULAR_PAST
            or word in _TARGET_VERBS
            or (word.endswith("s") and base_form(word) in _TARGET_VERBS)
        ):
            return "proposition"
        if word.endswith("ed") and (word[:-2] in _TARGET_VERBS or word[:-1] in _TARGET_VERBS):
            return "proposition"
    return "topic"


_TARGET_VERBS = KNOWN_VERBS | frozenset(
    """bring make lead kill save protect reduce improve create destroy violate outweigh cost deter promote encourage
    damage hurt threat infringe discriminate exploit lower raise boost weaken strengthen ensure provide deny attack
    sell keep carry find show say claim ban abolish legalize legalise end stop introduce adopt unleash build cut
    abandon limit subsidize subsidise prohibit criminalize criminalise harm""".split()
)
_IRREGULAR_PAST = frozenset(
    """gave took made told went came got began became left brought bought caught fought held kept led lost met paid
    ran sent sold spent stood struck thought won wrote said found saw knew grew rose fell shot hit""".split()
)


def stance_hypotheses(
    target: str,
    *,
    kind: TargetKind | None = None,
    templates: Sequence[str] | None = None,
    negation: str | None = None,
) -> list[tuple[str, str]]:
    """The (favor, against) hypothesis pairs that :func:`stance` scores a text against.

    A proposition gives each template over the target (favor) and over its negation (against); a topic gives
    :data:`TOPIC_TEMPLATES` (or ``templates`` with ``{topic}``) in their favor and against wordings. Training data
    for stance (:mod:`stancekit.training.stance_data`) is built from the same pairs, so the model sees at training
    time what it is asked at inference.

    Args:
        target: The target text.
        kind: ``"proposition"`` or ``"topic"``; default: :func:`target_kind`.
        templates: Proposition templates with ``{target}``/``{target_lc}``, or, for a topic, pairs flattened as
            (favor, against, favor, against, ...) with ``{topic}``.
        negation: The target's negation (propositions); default: :func:`negate`.

    Example:
        >>> stance_hypotheses("the death penalty")
        [('The author is in favor of the death penalty.', 'The author is against the death penalty.')]
        >>> stance_hypotheses("Afghanistan poses a threat")
        [('Afghanistan poses a threat.', 'Afghanistan does not pose a threat.')]
    """
    kind = kind or target_kind(target)
    body = target.strip().rstrip(".")
    if kind == "topic":
        chosen = list(templates) if templates is not None else list(TOPIC_TEMPLATES)
        if len(chosen) % 2 or any("{topic}" not in t for t in chosen):
            raise ValueError(
                f"topic templates come in (favor, against) pairs, each with a {{topic}} placeholder; got {chosen!r}."
            )
        return [
            (_sentence(chosen[i].format(topic=body)), _sentence(chosen[i + 1].format(topic=body)))
            for i in range(0, len(chosen), 2)
        ]
    negated = (negation or negate(body)).strip().rstrip(".")
    out = []
    for template in templates if templates is not None else DEFAULT_TEMPLATES:
        pair = []
        for text in (body, negated):
            pair.append(_sentence(template.format(target=text, target_lc=text[:1].lower() + text[1:])))
        out.append((pair[0], pair[1]))
    return out


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def stance_features(probabilities: npt.NDArray[np.float32], *, two_way: bool = False) -> npt.NDArray[np.float32]:
    """Evidence features of one text from its NLI probabilities over the hypothesis pairs.

    ``probabilities`` has shape ``(n_templates, 2, 3)``: for each template the (entailment, neutral, contradiction)
    probabilities of the favor and of the against hypothesis. The features are, averaged over templates,
    favor-evidence (P(e | favor hyp.), P(c | against hyp.)), against-evidence (P(c | favor hyp.), P(e | against
    hyp.)) and the two neutral probabilities, as logs: six numbers a calibrated combiner turns into stance.

    Example:
        >>> p = np.array([[[0.8, 0.1, 0.1], [0.1, 0.1, 0.8]]], dtype=np.float32)
        >>> [round(float(x), 2) for x in stance_features(p)]
        [-0.22, -0.22, -2.3, -2.3, -2.3, -2.3]
    """
    mean = probabilities.mean(axis=0)
    favor_hyp, against_hyp = mean[0], mean[1]
    if two_way:  # no contradiction class: only entailment of either hypothesis is evidence
        raw = [favor_hyp[0], favor_hyp[0], against_hyp[0], against_hyp[0], 1 - favor_hyp[0], 1 - against_hyp[0]]
    else:
        raw = [favor_hyp[0], against_hyp[2], favor_hyp[2], against_hyp[0], favor_hyp[1], against_hyp[1]]
    return np.log(np.clip(np.asarray(raw, dtype=np.float32), 1e-6, 1.0)).astype(np.float32)


def _uncalibrated(features: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """The rule used without a fitted combiner, on rows of features.

    The stronger evidence each way and the smaller neutral, normalised.
    """
    p = np.exp(np.atleast_2d(features))
    vote = np.stack([np.maximum(p[:, 0], p[:, 1]), np.maximum(p[:, 2], p[:, 3]), np.minimum(p[:, 4], p[:, 5])], 1)
    out: npt.NDArray[np.float32] = (vote / np.maximum(vote.sum(axis=1, keepdims=True), 1e-9)).astype(np.float32)
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class StanceCalibration:
    """A fitted combiner from :func:`stance_features` to calibrated (favor, against, none) probabilities.

    ``softmax(features @ weight + bias)``, one (weight, bias) per target kind, fitted on held-out stance data
    with the default templates; stored in a model's ``stancekit.json`` under ``stance_calibration``.

    Example:
        >>> cal = StanceCalibration(weights={"topic": [[1.0, 0, 0]] * 6}, biases={"topic": [0.0, 0.0, 0.0]})
        >>> cal.kinds
        ['topic']
    """

    weights: dict[str, list[list[float]]]
    biases: dict[str, list[float]]
    fitted_on: tuple[str, ...] = ()
    ece: dict[str, float] | None = None
    l2: float | dict[str, float] | None = None

    def __post_init__(self) -> None:
        """Check shapes: six features in, three stances out, for each kind."""
        for kind, weight in self.weights.items():
            if kind not in ("proposition", "topic"):
                raise ValueError(f"StanceCalibration.weights: unknown target kind {kind!r}.")
            if np.asarray(weight).shape != (6, 3) or np.asarray(self.biases.get(kind, [])).shape != (3,):
                raise ValueError(f"StanceCalibration for {kind!r}: weight must be 6x3 and bias 3 numbers.")

    @property
    def kinds(self) -> list[str]:
        """The target kinds it has a combiner for."""
        return sorted(self.weights)

    def apply(self, features: npt.NDArray[np.float32], kind: str) -> npt.NDArray[np.float32]:
        """Calibrated (favor, against, none) for rows of features; rows of a kind without a combiner use the rule."""
        features = np.atleast_2d(features)
        if kind not in self.weights:
            return _uncalibrated(features)
        logits = features @ np.asarray(self.weights[kind], np.float32) + np.asarray(self.biases[kind], np.float32)
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        out: npt.NDArray[np.float32] = (p / p.sum(axis=1, keepdims=True)).astype(np.float32)
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record."""
        return {
            "weights": self.weights,
            "biases": self.biases,
            "fitted_on": list(self.fitted_on),
            "ece": self.ece,
            "l2": self.l2,
        }

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> StanceCalibration:
        """Read a record written by :meth:`to_dict`."""
        try:
            return cls(
                weights={str(k): [list(map(float, r)) for r in v] for k, v in record["weights"].items()},
                biases={str(k): list(map(float, v)) for k, v in record["biases"].items()},
                fitted_on=tuple(record.get("fitted_on", ())),
                ece=record.get("ece"),
                l2=_read_l2(record.get("l2")),
            )
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"stance_calibration in stancekit.json is malformed ({error!r}): {record!r}") from None


def _read_l2(value: Any) -> float | dict[str, float] | None:
    """The stored penalty: one number for every kind, or one per kind."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return {str(k): float(v) for k, v in value.items()}
    return float(value)


@dataclass(frozen=True, slots=True)
class Target:
    """A stance target together with what belongs to it: its text, its negation and its kind.

    Pass it wherever a target string goes (:func:`stance`, ``Tracker(target=...)``): the negation then travels with
    the target it negates instead of being a separate option.

    Attributes:
        text: The target, a proposition ("Afghanistan poses a security threat to Central Asia") or a topic.
        negation: The proposition's negation, when :func:`negate` would word it badly; ``None``: :func:`negate`.
        kind: ``"proposition"``, ``"topic"`` or ``"auto"`` (:func:`target_kind`).

    Example:
        >>> goal = Target("Kabul is safe", negation="Kabul is dangerous")
        >>> goal.resolved_kind, stance_hypotheses(goal.text, negation=goal.negation)
        ('proposition', [('Kabul is safe.', 'Kabul is dangerous.')])
        >>> Target("the death penalty", negation="no death penalty")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ValueError: Target 'the death penalty' is a topic: a topic has no negation ...
    """

    text: str
    negation: str | None = None
    kind: TargetKind | Literal["auto"] = "auto"

    def __post_init__(self) -> None:
        """Check the text, negation and kind, naming the field."""
        check_text(self.text, "Target.text")
        if self.negation is not None:
            check_text(self.negation, "Target.negation")
        if self.kind not in ("auto", "proposition", "topic"):
            raise ValueError(f"Target.kind must be 'auto', 'proposition' or 'topic', got {self.kind!r}.")
        if self.negation is not None and self.resolved_kind == "topic":
            raise ValueError(
                f"Target {self.text!r} is a topic: a topic has no negation (its hypotheses are 'in favor of' and "
                "'against')."
            )

    @property
    def resolved_kind(self) -> TargetKind:
        """The kind, detected by :func:`target_kind` when it is ``"auto"``."""
        return target_kind(self.text) if self.kind == "auto" else self.kind


def stance_evidence(
    model: Scorer,
    texts: Sequence[str],
    targets: Sequence[str],
    kinds: Sequence[TargetKind],
    *,
    templates: Sequence[str] | None = None,
    negation: str | None = None,
    negations: Sequence[str | None] | None = None,
    batch_size: int = 32,
    show_progress_bar: bool | None = None,
) -> npt.NDArray[np.float32]:
    """``(n, 6)`` :func:`stance_features` of each (text, target) pair; what the calibrated combiner reads.

    ``negations`` gives each row's target its own negation (``None``: :func:`negate`); else ``negation`` serves
    every row.

    Example:
        >>> stance_evidence(model, ["Guns kill."], ["gun control"], ["topic"]).shape
        (1, 6)
    """
    nots = list(negations) if negations is not None else [negation] * len(targets)
    if len(nots) != len(targets):
        raise ValueError(f"got {len(targets)} targets but {len(nots)} negations; give one per target.")
    keys = list(zip(targets, kinds, nots, strict=True))
    plans: dict[tuple[str, str, str | None], list[tuple[str, str]]] = {}
    for goal, kind, neg in keys:
        if (goal, kind, neg) not in plans:
            plans[(goal, kind, neg)] = stance_hypotheses(goal, kind=kind, templates=templates, negation=neg)
    pairs: list[tuple[str, str]] = []
    for text, key in zip(texts, keys, strict=True):
        for favor, against in plans[key]:
            pairs.extend(((text, favor), (text, against)))
    scored = model.score(pairs, batch_size=batch_size, show_progress_bar=show_progress_bar).to_numpy()
    scored = np.nan_to_num(scored, nan=0.0)
    out = np.zeros((len(texts), 6), dtype=np.float32)
    row = 0
    for i, key in enumerate(keys):
        n = len(plans[key])
        out[i] = stance_features(scored[row : row + 2 * n].reshape(n, 2, 3), two_way=model.two_way)
        row += 2 * n
    return out


def stance(
    model: Scorer,
    texts: Sequence[str],
    target: str | Target | Sequence[str | Target],
    *,
    target_kind: TargetKind | Literal["auto"] = "auto",
    templates: Sequence[str] | None = None,
    negation: str | None = None,
    calibrated: bool = True,
    batch_size: int = 32,
    show_progress_bar: bool | None = None,
) -> StanceResults:
    """Stance of each text toward ``target``: favor, against or none, with probabilities.

    The target's kind decides the hypotheses (:func:`stance_hypotheses`): a proposition is scored with the target
    and its negation, a topic or entity with "The author is in favor of / against X". Each text is the premise of
    each hypothesis; entailment of the favor hypothesis or contradiction of the against one is evidence of favor,
    and the reverse of against. A denial in the text ("rejected claims that P") contradicts P and so counts against
    it. The evidence goes through the model's calibrated combiner (fitted on held-out stance data and stored with
    the model; see :class:`StanceCalibration`), under which weak evidence leaves ``none`` most probable. A model
    without one (a hub checkpoint), or custom ``templates``, uses the plain rule: the stronger evidence each way
    and the smaller neutral, normalised. A two-way model (no contradiction class) reads against from entailment
    of the against hypothesis only.

    A model fine-tuned in its own label schema (e.g. FAVOR/AGAINST/NONE on (text, target) pairs) is asked about
    (text, target) directly, as it was trained, and its labels are read through the schema's NLI meaning:
    entailment -> favor, contradiction -> against, the rest -> none. Templates and negation are not used then.

    Args:
        model: The NLI model.
        texts: The texts (claims) whose stance is wanted.
        target: One target for all texts, or one per text: a string, or a :class:`Target` that carries its own
            negation and kind.
        target_kind: ``"proposition"``, ``"topic"`` or ``"auto"`` (:func:`target_kind` per target).
        templates: Hypothesis templates (see :func:`stance_hypotheses`); custom ones turn calibration off.
        negation: The target's negation; default: :func:`negate` (only with a single proposition target).
        calibrated: Use the model's stance calibration when it has one.
        batch_size: Pairs per forward pass.
        show_progress_bar: As in :meth:`NLIModel.score`.

    Returns:
        One :class:`StanceResult` per text.

    Raises:
        ValueError: If a text or target is empty, there are not as many targets as texts, a template lacks its
            placeholder, or ``target_kind`` is unknown.
        TypeError: If a text or target is not a string.

    Example:
        >>> stance(model, ["Afghan soil poses no threat to any nation."],
        ...        "Afghanistan poses a security threat to Central Asia")[0].label
        <StanceLabel.AGAINST: 'against'>
    """
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of strings, got a single string; wrap it in a list.")
    if target is None or (not isinstance(target, (str, Target)) and not isinstance(target, Sequence)):
        raise TypeError(f"target must be a string or Target, or one per text, got {target!r}.")
    single = isinstance(target, (str, Target))
    items: list[str | Target] = [target] * len(texts) if isinstance(target, (str, Target)) else list(target)
    if len(items) != len(texts):
        raise ValueError(f"got {len(texts)} texts but {len(items)} targets; give one target, or one per text.")
    if negation is not None and not isinstance(target, str):
        raise ValueError(
            "negation= applies to a single target string; give each target its own with Target(text, negation=...)."
        )
    if target_kind not in ("auto", "proposition", "topic"):
        raise ValueError(f"target_kind must be 'auto', 'proposition' or 'topic', got {target_kind!r}.")
    require_scorer(model, "stance(model, ...)")
    goals: list[Target] = []
    for i, (text, item) in enumerate(zip(texts, items, strict=True)):
        check_text(text, f"texts[{i}]")
        if isinstance(item, Target):
            goals.append(item)
        else:
            check_text(item, "target" if single else f"targets[{i}]")
            goals.append(Target(item, negation=negation, kind=target_kind))
    targets = [g.text for g in goals]
    negations = [g.negation for g in goals]
    kinds: list[TargetKind] = [g.resolved_kind for g in goals]
    if templates is not None:
        if not templates:
            raise ValueError("templates is empty; pass None for the defaults.")
        for goal, kind, neg in dict.fromkeys(zip(targets, kinds, negations, strict=True)):
            placeholder = "{topic}" if kind == "topic" else "{target"
            bad = [t for t in templates if placeholder not in t]
            if bad:
                raise ValueError(
                    f"every {kind} template needs a {placeholder}{'' if kind == 'topic' else '}'} placeholder, "
                    f"got {bad!r} (target {goal!r}); check the spelling of the placeholder."
                )
            try:
                stance_hypotheses(goal, kind=kind, templates=templates, negation=neg)
            except (KeyError, IndexError) as error:
                name = error.args[0] if error.args else error
                raise ValueError(
                    f"template placeholder {{{name}}} is unknown: use {{target}} or {{target_lc}} for "
                    f"propositions, {{topic}} for topics; got {list(templates)!r}."
                ) from None
    if model.schema is not None:
        return _stance_from_schema(model, texts, targets, batch_size, show_progress_bar)
    features = stance_evidence(
        model,
        texts,
        targets,
        kinds,
        templates=templates,
        negations=negations,
        batch_size=batch_size,
        show_progress_bar=show_progress_bar,
    )
    calibration: StanceCalibration | None = model.stance_calibration
    if not calibrated or templates is not None or model.two_way:
        calibration = None
    out = np.zeros((len(texts), 3), dtype=np.float32)
    for kind in set(kinds):
        rows = [i for i, k in enumerate(kinds) if k == kind]
        if calibration is not None:
            out[rows] = calibration.apply(features[rows], kind)
        else:
            out[rows] = _uncalibrated(features[rows])
    return StanceResults(list(texts), targets, out, kinds=kinds)


def _stance_from_schema(
    model: Scorer, texts: Sequence[str], targets: Sequence[str], batch_size: int, show_progress_bar: bool | None
) -> StanceResults:
    schema = model.schema
    if schema is None or not schema.has_nli_meaning:
        labels = list(schema.labels) if schema is not None else []
        raise ValueError(
            f"this model's labels {labels} have no stance meaning; fine-tune it with a label_map that says which "
            "label means favor (entailment) and which against (contradiction)."
        )
    scored = model.score(
        list(zip(texts, targets, strict=True)), batch_size=batch_size, show_progress_bar=show_progress_bar
    ).to_numpy()
    out = np.stack([scored[:, 0], scored[:, 2], scored[:, 1]], axis=1).astype(np.float32)
    return StanceResults(list(texts), list(targets), out)


STANCE_LABEL_SYNONYMS: dict[str, StanceLabel] = {
    **dict.fromkeys(
        "favor favour pro support supports supported for agree agrees in_favor_of in_favour_of 1 positive".split(),
        StanceLabel.FAVOR,
    ),
    **dict.fromkeys(
        "against con undermine undermines deny denies refute refutes contest disagree disagrees oppose -1 negative "
        "rebut reb".split(),
        StanceLabel.AGAINST,
    ),
    **dict.fromkeys(
        "none neutral observing discuss comment query unrelated noargument no_argument 0 neither".split(),
        StanceLabel.NONE,
    ),
}
"""Native stance label names of public sets (lower case, spaces as ``_``) and the stance each means."""


def stance_label(name: object, label_map: Mapping[str, str] | None = None) -> StanceLabel:
    """The :class:`StanceLabel` a native label means: through ``label_map`` first, then the usual names.

    Raises:
        ValueError: For a label neither knows, naming it and how to map it.

    Example:
        >>> stance_label("UNDERMINE"), stance_label("sup", {"sup": "favor"})
        (<StanceLabel.AGAINST: 'against'>, <StanceLabel.FAVOR: 'favor'>)
    """
    raw = str(name).strip()
    if label_map and raw in label_map:
        mapped = str(label_map[raw]).strip().lower()
        if mapped not in ("favor", "against", "none"):
            raise ValueError(f"label_map maps {raw!r} to {label_map[raw]!r}; use favor, against or none.")
        return StanceLabel(mapped)
    key = raw.lower().replace(" ", "_")
    if key in STANCE_LABEL_SYNONYMS:
        return STANCE_LABEL_SYNONYMS[key]
    raise ValueError(
        f"unknown stance label {raw!r}; map it with label_map (command line: --label-map {raw}=favor,...) onto "
        "favor, against or none."
    )


def fit_stance_calibration(
    features: npt.NDArray[np.float32],
    labels: Sequence[StanceLabel],
    kinds: Sequence[str],
    two_way: Sequence[bool],
    *,
    fitted_on: Sequence[str] = (),
    weights: Sequence[float] | None = None,
    l2: float | Mapping[str, float] = 1e-3,
    structure: Literal["evidence", "full"] = "full",
) -> StanceCalibration:
    """Fit the combiner of :class:`StanceCalibration` by maximum likelihood, one per target kind.

    ``l2`` is the penalty on the weights' departure from the plain rule: one number, or one per kind (as
    :func:`choose_stance_l2_by_kind` gives it).

    ``structure="full"`` (the default) fits all 18 weights freely. ``"evidence"`` lets favor read only the two
    favor features and against only the two against features, with non-negative weights, and none all six, so
    that the absence of favor evidence cannot count as evidence against (which a free combiner learns from
    two-way sets); on the stance dev sets it measured no better than the free one.

    A two-way row (its set has only favor/against) is scored between favor and against only, as in training.
    A kind with fewer than 50 rows gets no combiner (the plain rule is used for it). ``weights`` (one per row)
    weigh the likelihood, e.g. so that each dev set counts the same whatever its size and label mix.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> x = np.log(rng.uniform(0.05, 1, size=(200, 6))).astype(np.float32)
        >>> y = [StanceLabel.FAVOR if a > b else StanceLabel.AGAINST for a, b in zip(x[:, 0], x[:, 2])]
        >>> cal = fit_stance_calibration(x, y, ["topic"] * 200, [True] * 200)
        >>> cal.kinds
        ['topic']
    """
    import torch

    from stancekit.calibration import top_label_ece

    order = (StanceLabel.FAVOR, StanceLabel.AGAINST, StanceLabel.NONE)
    gold_all = np.array([order.index(label) for label in labels])
    flags_all = np.asarray(two_way, dtype=bool)
    row_weights = np.ones(len(gold_all), np.float32) if weights is None else np.asarray(weights, np.float32)
    if row_weights.shape != gold_all.shape:
        raise ValueError(f"got {len(gold_all)} rows but {row_weights.size} weights.")
    fitted_weights: dict[str, list[list[float]]] = {}
    biases: dict[str, list[float]] = {}
    eces: dict[str, float] = {}
    if isinstance(l2, Mapping):
        missing = sorted(set(kinds) - set(l2))
        if missing:
            raise ValueError(f"l2 gives a penalty for {sorted(l2)} but not for the target kind(s) {missing}.")
    for kind in sorted(set(kinds)):
        rows = np.array([i for i, k in enumerate(kinds) if k == kind])
        if len(rows) < 50:
            continue
        penalty = float(l2[kind]) if isinstance(l2, Mapping) else float(l2)
        x = torch.from_numpy(np.asarray(features[rows], np.float32))
        gold = torch.from_numpy(gold_all[rows])
        flags = torch.from_numpy(flags_all[rows])
        w = torch.from_numpy(row_weights[rows] / row_weights[rows].mean())
        mask = torch.zeros(6, 3)
        mask[0, 0] = mask[1, 0] = mask[2, 1] = mask[3, 1] = mask[4, 2] = mask[5, 2] = 1.0
        init = 0.5 * mask
        if structure == "evidence":  # favor/against: mask * softplus(raw), starting at 0.5; none: free
            raw = torch.where(mask > 0, float(np.log(np.expm1(0.5))), 0.0)
            raw[4:, 2] = 0.5
            raw = raw.clone().requires_grad_(True)
        elif structure == "full":
            raw = init.clone().requires_grad_(True)
        else:
            raise ValueError(f"structure must be 'evidence' or 'full', got {structure!r}.")
        bias = torch.zeros(3, requires_grad=True)
        optimizer = torch.optim.LBFGS([raw, bias], max_iter=300, line_search_fn="strong_wolfe")

        def matrix(raw: torch.Tensor = raw, mask: torch.Tensor = mask) -> torch.Tensor:
            if structure != "evidence":
                return raw
            sides = (mask * torch.nn.functional.softplus(raw))[:, :2]
            return torch.cat([sides, raw[:, 2:]], dim=1)

        def closure(
            penalty: float = penalty,
            x: torch.Tensor = x,
            gold: torch.Tensor = gold,
            flags: torch.Tensor = flags,
            bias: torch.Tensor = bias,
            init: torch.Tensor = init,
            w: torch.Tensor = w,
            optimizer: torch.optim.Optimizer = optimizer,
            matrix: Callable[[], torch.Tensor] = matrix,
        ) -> torch.Tensor:
            optimizer.zero_grad()
            weight = matrix()
            logp = torch.log_softmax(x @ weight + bias, dim=-1)
            full = -logp.gather(1, gold.unsqueeze(1)).squeeze(1)
            pair = torch.logsumexp(logp[:, :2], dim=-1)
            loss = (w * torch.where(flags, full + pair, full)).mean() + penalty * (weight - init).pow(2).sum()
            loss.backward()  # type: ignore[no-untyped-call]  # torch stubs leave backward untyped
            return loss

        optimizer.step(closure)  # type: ignore[no-untyped-call]  # LBFGS.step is untyped in torch's stubs
        fitted_weights[kind] = matrix().detach().tolist()
        biases[kind] = bias.detach().tolist()
        cal = StanceCalibration(weights={kind: fitted_weights[kind]}, biases={kind: biases[kind]})
        probs = cal.apply(np.asarray(features[rows], np.float32), kind)
        three = ~flags_all[rows]
        if three.any():
            eces[kind] = top_label_ece(probs[three], gold_all[rows][three])
    return StanceCalibration(
        weights=fitted_weights,
        biases=biases,
        fitted_on=tuple(fitted_on),
        ece=eces or None,
        l2=dict(l2) if isinstance(l2, Mapping) else l2,
    )


L2_GRID: tuple[float, ...] = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
"""The penalties :func:`choose_stance_l2` tries, from nearly free weights to nearly the fixed starting rule."""


def stance_log_loss(
    calibration: StanceCalibration,
    features: npt.NDArray[np.float32],
    labels: Sequence[StanceLabel],
    kinds: Sequence[str],
    two_way: Sequence[bool],
) -> float:
    """Mean negative log-likelihood of gold stances under a combiner (two-way rows between favor and against).

    Example:
        >>> cal = StanceCalibration(weights={"topic": [[0.0] * 3] * 6}, biases={"topic": [0.0, 0.0, 0.0]})
        >>> round(stance_log_loss(cal, np.zeros((1, 6), np.float32), [StanceLabel.NONE], ["topic"], [False]), 4)
        1.0986
    """
    losses = _row_log_losses(calibration, features, labels, kinds, two_way)
    return float(np.mean(losses)) if len(losses) else float("nan")


def _row_log_losses(
    calibration: StanceCalibration,
    features: npt.NDArray[np.float32],
    labels: Sequence[StanceLabel],
    kinds: Sequence[str],
    two_way: Sequence[bool],
) -> npt.NDArray[np.float64]:
    """Each row's negative log-likelihood of its gold stance (two-way rows between favor and against)."""
    order = (StanceLabel.FAVOR, StanceLabel.AGAINST, StanceLabel.NONE)
    losses = np.zeros(len(labels))
    for i, (label, kind, pair) in enumerate(zip(labels, kinds, two_way, strict=True)):
        p = calibration.apply(features[i : i + 1], kind)[0].astype(np.float64)
        if pair:
            p = np.array([p[0], p[1], 0.0]) / max(p[0] + p[1], 1e-12)
        losses[i] = -np.log(max(float(p[order.index(label)]), 1e-12))
    return losses


def _held_out_losses(
    features: npt.NDArray[np.float32],
    labels: Sequence[StanceLabel],
    kinds: Sequence[str],
    two_way: Sequence[bool],
    groups: Sequence[str],
    weights: Sequence[float] | None,
    grid: Sequence[float],
    structure: Literal["evidence", "full"],
) -> dict[float, npt.NDArray[np.float64]]:
    """For each penalty, each row's negative log-likelihood under a combiner fitted without the row's group."""
    names = list(dict.fromkeys(groups))
    if len(names) < 2:
        raise ValueError(f"choosing the penalty needs at least two dev files to hold out in turn, got {names}.")
    row_weights = list(weights) if weights is not None else [1.0] * len(labels)
    out = {}
    for l2 in grid:
        losses = np.zeros(len(labels))
        for held in names:
            train = [i for i, g in enumerate(groups) if g != held]
            calibration = fit_stance_calibration(
                features[train],
                [labels[i] for i in train],
                [kinds[i] for i in train],
                [two_way[i] for i in train],
                weights=[row_weights[i] for i in train],
                l2=l2,
                structure=structure,
            )
            test = [i for i, g in enumerate(groups) if g == held]
            losses[test] = _row_log_losses(
                calibration,
                features[test],
                [labels[i] for i in test],
                [kinds[i] for i in test],
                [two_way[i] for i in test],
            )
        out[float(l2)] = losses
    return out


def _smallest_near_best(table: Sequence[Mapping[str, float]]) -> float:
    """The smallest penalty whose held-out loss is within 1e-3 of the best."""
    best = min(row["held_out_nll"] for row in table)
    return float(min(row["l2"] for row in table if row["held_out_nll"] <= best + 1e-3))


def choose_stance_l2(
    features: npt.NDArray[np.float32],
    labels: Sequence[StanceLabel],
    kinds: Sequence[str],
    two_way: Sequence[bool],
    groups: Sequence[str],
    *,
    weights: Sequence[float] | None = None,
    grid: Sequence[float] = L2_GRID,
    structure: Literal["evidence", "full"] = "full",
) -> tuple[float, list[dict[str, float]]]:
    """The penalty of :func:`fit_stance_calibration` that predicts an unseen data set best, and the table behind it.

    Each group (a dev file) in turn is held out: the combiner is fitted on the others with each penalty of ``grid``
    and scored by the mean negative log-likelihood of the held-out group's stances; the penalty with the lowest
    mean over the groups wins (the smaller on a tie within 1e-3). A combiner that must serve texts and targets
    unlike any it was fitted on is chosen for that, not for its fit to the sets it has seen.
    :func:`choose_stance_l2_by_kind` chooses one per target kind.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> x = np.log(rng.uniform(0.05, 1, size=(400, 6))).astype(np.float32)
        >>> y = [StanceLabel.FAVOR if a > b else StanceLabel.AGAINST for a, b in zip(x[:, 0], x[:, 2])]
        >>> l2, table = choose_stance_l2(x, y, ["topic"] * 400, [True] * 400, ["a", "b"] * 200, grid=(0.01, 1.0))
        >>> l2 in (0.01, 1.0), len(table)
        (True, 2)
    """
    losses = _held_out_losses(features, labels, kinds, two_way, groups, weights, grid, structure)
    names = list(dict.fromkeys(groups))
    table = []
    for l2, rows in losses.items():
        scores = {g: float(np.mean([rows[i] for i, h in enumerate(groups) if h == g])) for g in names}
        table.append({"l2": l2, "held_out_nll": float(np.mean(list(scores.values()))), **scores})
    return _smallest_near_best(table), table


def choose_stance_l2_by_kind(
    features: npt.NDArray[np.float32],
    labels: Sequence[StanceLabel],
    kinds: Sequence[str],
    two_way: Sequence[bool],
    groups: Sequence[str],
    *,
    weights: Sequence[float] | None = None,
    grid: Sequence[float] = L2_GRID,
    structure: Literal["evidence", "full"] = "full",
) -> tuple[dict[str, float], dict[str, list[dict[str, float]]]]:
    """One penalty per target kind, each the one that predicts that kind's rows of an unseen data set best.

    As :func:`choose_stance_l2`, but each kind's combiner (fitted apart anyway) is judged on that kind's rows of
    each held-out group alone (groups without rows of the kind are skipped): topics and propositions come from
    different sets and need not want the same penalty.

    Returns:
        The penalty per kind, and per kind the table of held-out losses per penalty.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> x = np.log(rng.uniform(0.05, 1, size=(400, 6))).astype(np.float32)
        >>> y = [StanceLabel.FAVOR if a > b else StanceLabel.AGAINST for a, b in zip(x[:, 0], x[:, 2])]
        >>> kinds = ["topic", "proposition"] * 200
        >>> chosen, tables = choose_stance_l2_by_kind(x, y, kinds, [True] * 400, ["a"] * 200 + ["b"] * 200,
        ...                                           grid=(0.01, 1.0))
        >>> sorted(chosen), len(tables["topic"])
        (['proposition', 'topic'], 2)
    """
    losses = _held_out_losses(features, labels, kinds, two_way, groups, weights, grid, structure)
    names = list(dict.fromkeys(groups))
    chosen: dict[str, float] = {}
    tables: dict[str, list[dict[str, float]]] = {}
    for kind in sorted(set(kinds)):
        table = []
        for l2, rows in losses.items():
            scores = {}
            for g in names:
                mine = [rows[i] for i, (h, k) in enumerate(zip(groups, kinds, strict=True)) if h == g and k == kind]
                if mine:
                    scores[g] = float(np.mean(mine))
            table.append({"l2": l2, "held_out_nll": float(np.mean(list(scores.values()))), **scores})
        tables[kind] = table
        chosen[kind] = _smallest_near_best(table)
    return chosen, tables
