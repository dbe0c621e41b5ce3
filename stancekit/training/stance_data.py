"""Stance data in NLI form, news claim/denial pairs and negation/antonym pairs for multi-task NLI training.

``build_stance_data(stance_dir, data_dir, out_dir)`` writes three folders that :func:`stancekit.training.train_nli`
reads beside the NLI data:

- ``out_dir/train/<set>/train.jsonl.gz``: NLI pairs built from the stance sets' training rows (text as premise,
  hypotheses from the target through :func:`stancekit.stance.stance_hypotheses`; favor -> entailment of the favor
  hypothesis and contradiction of the against one, against the reverse, none -> neutral; two-way sets are marked
  ``two_way`` and trained with the two-way loss), plus ``news_patterns`` (X said P / X denied P / X rejected claims
  that P / X called claims that P baseless ...) and ``negation`` (antonym swaps and inserted negations of sentences
  from the NLI training files).
- ``out_dir/nli_dev/<set>/dev.jsonl.gz``: the same NLI form of the dev carve-outs, for model selection.
- ``out_dir/stance_dev/<set>.jsonl``: the dev carve-outs and the held-out sets in stance form (text, target, label,
  kind) for :func:`stancekit.evaluation.evaluate_stance` and for fitting the stance calibration.

Dev data is held out before anything else: 15% of each stance training set, stratified by (target, label) where
a set has few targets and by label otherwise; VAST dev, Perspectrum dev, IBM-ArgQ dev, Touché validation and
RumourEval dev are held out whole. Texts are de-duplicated across sets first, and any training row whose text
appears in a held-out row is dropped, so shared arguments (IBM-ArgQ, ArgKP, Touché) cannot leak.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from stancekit.io import iter_jsonl, read_nli_dir
from stancekit.stance import TargetKind, stance_hypotheses, target_kind

logger = logging.getLogger(__name__)

__all__ = [
    "STANCE_SETS",
    "StanceRow",
    "StanceSet",
    "build_stance_data",
    "negation_pairs",
    "news_pattern_pairs",
    "subject_mentions",
]

FAVOR, AGAINST, NONE = "favor", "against", "none"


@dataclass(frozen=True, slots=True, kw_only=True)
class StanceRow:
    """One stance example: a text, a target, a label (favor/against/none) and how the target reads.

    Example:
        >>> StanceRow(text="Guns kill.", target="gun control", label="favor", kind="topic", source="x").label
        'favor'
    """

    text: str
    target: str
    label: str
    kind: TargetKind
    source: str
    two_way: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The stance-form record written to ``stance_dev``."""
        return {"text": self.text, "target": self.target, "label": self.label, "kind": self.kind, "set": self.source}


@dataclass(frozen=True, slots=True, kw_only=True)
class StanceSet:
    """How to read one stance data set of ``shared/stance`` into :class:`StanceRow` s.

    Example:
        >>> STANCE_SETS["perspectrum"].two_way
        True
    """

    name: str
    train: str | None
    held_out: tuple[str, ...]
    text: str
    target: str
    labels: dict[str, str]
    two_way: bool
    licence: str
    max_train: int | None = None
    extra: Callable[[dict[str, Any]], list[tuple[str, str, str]]] | None = None


def _ibm_topic_rows(record: dict[str, Any]) -> list[tuple[str, str, str]]:
    """IBM claim stance also names the topic's target ("open primaries") and its sentiment: a topic-form row."""
    topic_target = str(record.get("topic_target") or "").strip()
    sentiment = str(record.get("topic_sentiment") or "")
    label = {"PRO": FAVOR, "CON": AGAINST}.get(str(record.get("label")))
    if not topic_target or label is None or sentiment not in ("1", "-1"):
        return []
    if sentiment == "-1":
        label = AGAINST if label == FAVOR else FAVOR
    return [(str(record["claim"]), topic_target, label)]


STANCE_SETS: dict[str, StanceSet] = {
    s.name: s
    for s in (
        StanceSet(
            name="perspectrum",
            train="train",
            held_out=("dev",),
            text="perspective",
            target="claim",
            labels={"SUPPORT": FAVOR, "UNDERMINE": AGAINST},
            two_way=True,
            licence="CC BY-SA 4.0",
        ),
        StanceSet(
            name="ibm_claim_stance",
            train="train",
            held_out=(),
            text="claim",
            target="topic",
            labels={"PRO": FAVOR, "CON": AGAINST},
            two_way=True,
            licence="CC BY-SA 3.0",
            extra=_ibm_topic_rows,
        ),
        StanceSet(
            name="semeval2016_task6",
            train="train",
            held_out=(),
            text="text",
            target="target",
            labels={"FAVOR": FAVOR, "AGAINST": AGAINST, "NONE": NONE},
            two_way=False,
            licence="research use (SemEval-2016 Task 6 terms)",
        ),
        StanceSet(
            name="emergent",
            train="train",
            held_out=(),
            text="text",
            target="claim",
            labels={"for": FAVOR, "against": AGAINST, "observing": NONE},
            two_way=False,
            licence="research use (Emergent, Ferreira & Vlachos 2016)",
        ),
        StanceSet(
            name="ibm_argq_30k",
            train="train",
            held_out=("dev",),
            text="argument",
            target="topic",
            labels={"1": FAVOR, "-1": AGAINST},
            two_way=True,
            licence="CC BY-SA 3.0",
            max_train=6000,
        ),
        StanceSet(
            name="touche23_valueeval",
            train="training",
            held_out=("validation",),
            text="premise",
            target="conclusion",
            labels={"in favor of": FAVOR, "against": AGAINST},
            two_way=True,
            licence="CC BY-SA 4.0",
        ),
        StanceSet(
            name="iac_evidence_stance",
            train="train",
            held_out=(),
            text="evidence",
            target="claim",
            labels={"1": FAVOR, "2": AGAINST},
            two_way=True,
            licence="MIT",
        ),
        StanceSet(
            name="rumoureval2017",
            train="train",
            held_out=("dev",),
            text="text",
            target="target",
            labels={"support": FAVOR, "deny": AGAINST, "query": NONE, "comment": NONE},
            two_way=False,
            licence="CC BY (annotations); tweets remain Twitter's",
        ),
        StanceSet(
            name="vast",
            train=None,
            held_out=("dev",),
            text="text",
            target="target",
            labels={"FAVOR": FAVOR, "AGAINST": AGAINST, "NONE": NONE},
            two_way=False,
            licence="no licence stated: evaluation only",
        ),
    )
}
"""The stance sets used, with their fields, label meanings and licences. Left out of training: ukp_sentential and
arg_microtexts (non-commercial), iam_stance and arc (no licence stated), ibm_argkp (repeats IBM-ArgQ arguments)."""


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def _read_set(stance_dir: Path, spec: StanceSet, split: str) -> list[StanceRow]:
    path = stance_dir / spec.name / f"{split}.jsonl.gz"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: the stance set {spec.name!r} needs its {split!r} split there.")
    rows: list[StanceRow] = []
    for number, record in iter_jsonl(path):
        text, goal = str(record.get(spec.text) or "").strip(), str(record.get(spec.target) or "").strip()
        label = spec.labels.get(str(record.get("label")))
        if not text or not goal or label is None:
            logger.debug(
                "%s line %d skipped (empty text/target or unknown label %r)", path, number, record.get("label")
            )
            continue
        found = [(text, goal, label), *(spec.extra(record) if spec.extra is not None else ())]
        rows.extend(
            StanceRow(text=t, target=g, label=y, kind=target_kind(g), source=spec.name, two_way=spec.two_way)
            for t, g, y in found
        )
    return rows


def _stratified_split(rows: list[StanceRow], fraction: float, seed: int) -> tuple[list[StanceRow], list[StanceRow]]:
    """(train, dev): ``fraction`` of each stratum to dev; strata are (target, label) for sets with few targets."""
    targets = {r.target for r in rows}
    key: Callable[[StanceRow], tuple[str, ...]] = (
        (lambda r: (r.target, r.label)) if len(targets) <= 20 else (lambda r: (r.label,))
    )
    strata: dict[tuple[str, ...], list[int]] = {}
    for i, row in enumerate(rows):
        strata.setdefault(key(row), []).append(i)
    rng = random.Random(seed)
    dev_index: set[int] = set()
    for members in strata.values():
        rng.shuffle(members)
        dev_index.update(members[: round(fraction * len(members))])
    return [r for i, r in enumerate(rows) if i not in dev_index], [r for i, r in enumerate(rows) if i in dev_index]


def vary_final_stop(text: str, rng: random.Random, probability: float) -> str:
    """With ``probability``, drop a text's final full stop or add one where it ends in a word.

    Headlines, tweets and titles come without a final stop, edited sentences with one; a model that learns stance
    from one kind only reads the stop as evidence. Texts ending in other punctuation are left alone.

    Example:
        >>> rng = random.Random(0)
        >>> vary_final_stop("The talks failed.", rng, 1.0), vary_final_stop("Talks fail", rng, 1.0)
        ('The talks failed', 'Talks fail.')
        >>> vary_final_stop("Is it safe?", rng, 1.0)
        'Is it safe?'
    """
    stripped = text.rstrip()
    if not stripped or rng.random() >= probability:
        return text
    if stripped.endswith(".") and not stripped.endswith(".."):
        return stripped[:-1].rstrip()
    if stripped[-1].isalnum():
        return stripped + "."
    return text


def _nli_records(
    row: StanceRow, rng: random.Random, *, both: float, stop_variation: float = 0.0
) -> list[dict[str, Any]]:
    """The NLI pairs of one stance row: the favor hypothesis always, the against one with probability ``both``.

    The premise's final stop is toggled with probability ``stop_variation`` (see :func:`vary_final_stop`).
    """
    favor_hyp, against_hyp = stance_hypotheses(row.target, kind=row.kind)[0]
    premise = vary_final_stop(row.text, rng, stop_variation)
    if row.label == FAVOR:
        labels = ("entailment", "contradiction")
    elif row.label == AGAINST:
        labels = ("contradiction", "entailment")
    else:
        labels = ("neutral", "neutral")
    out: list[dict[str, Any]] = [{"premise": premise, "hypothesis": favor_hyp, "label": labels[0]}]
    if rng.random() < both:
        out.append({"premise": premise, "hypothesis": against_hyp, "label": labels[1]})
    if row.two_way and row.label != NONE:
        for record in out:
            record["two_way"] = True
    return out


def _unrelated(rows: Sequence[StanceRow], fraction: float, rng: random.Random) -> list[StanceRow]:
    """Texts paired with another row's target of a different topic: no stance (teaches ``none`` for off-topic)."""
    targets = sorted({r.target for r in rows})
    if len(targets) < 3:
        return []
    out = []
    for row in rng.sample(list(rows), k=int(fraction * len(rows))):
        other = rng.choice(targets)
        if other == row.target or set(_norm(other).split()) & set(_norm(row.target).split()):
            continue
        out.append(
            StanceRow(
                text=row.text, target=other, label=NONE, kind=target_kind(other), source=row.source + "/unrelated"
            )
        )
    return out


_STOP = frozenset(
    """about after again against also because been before being between both could does doing down during each
    from further have having here into itself just more most must only other over same should some such than that
    their them then there these they this those through under until very were what when where which while will
    with would your""".split()
)


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 3 and w not in _STOP}


def _same_topic(rows: Sequence[StanceRow], fraction: float, rng: random.Random) -> list[StanceRow]:
    """Texts paired with another target of their set that shares a content word with them: no stance.

    "A new gym was opened at the school" says nothing of "Schools should ban phones", but NLI models trained on
    captions call such same-subject pairs contradiction. These rows (labelled none) teach that sharing a subject is
    not taking a side; the other target must differ from the text's own target in its other content words.
    """
    # only proposition targets of sets with many of them: a tweet that names another of five topic targets
    # ("Feminist Movement") mostly takes a side on it
    rows = [r for r in rows if r.kind == "proposition"]
    targets = sorted({r.target for r in rows})
    if len(targets) < 20 or fraction <= 0:
        return []
    by_word: dict[str, list[str]] = {}
    for target in targets:
        for word in _content_words(target):
            by_word.setdefault(word, []).append(target)
    out = []
    for row in rng.sample(list(rows), k=int(fraction * len(rows))):
        own = _content_words(row.target)
        shared = sorted({t for w in _content_words(row.text) for t in by_word.get(w, ()) if t != row.target})
        # not a paraphrase of its own target: at most half of the other target's words are the own target's
        shared = [t for t in shared if len(_content_words(t) & own) * 2 < len(_content_words(t))]
        if not shared:
            continue
        other = rng.choice(shared)
        out.append(
            StanceRow(
                text=row.text, target=other, label=NONE, kind=target_kind(other), source=row.source + "/same_topic"
            )
        )
    return out


_MENTION_TEMPLATES: tuple[str, ...] = (
    "Officials will meet on Tuesday to discuss {np}.",
    "A conference on {np} was held in the capital last week.",
    "{NP} was the subject of a parliamentary hearing on Monday.",
    "Reporters asked about {np} at a press briefing on Thursday.",
    "A survey of opinions on {np} will be published next month.",
    "The debate about {np} has gone on for years.",
    "{NP} came up twice in the minister's speech.",
    "Local media reported on {np} on Friday.",
    "A new book about {np} came out in 2019.",
    "The committee received 300 letters about {np}.",
    "Students wrote essays about {np} for a national competition.",
    "A documentary about {np} was filmed over two years.",
    "An exhibition on the history of {np} opened on Saturday.",
    "The council will vote on several matters, including {np}, in March.",
    "Both candidates were asked about {np} during the televised debate.",
    "A study of {np} by two universities is expected next year.",
    "The radio programme devoted an hour to {np}.",
    "Delegates from twelve countries discussed {np} behind closed doors.",
    "The newspaper has covered {np} since 2015.",
    "A petition about {np} was handed to the mayor's office.",
)
"""News sentences that mention a subject and take no side on it (what articles are full of)."""

_GENERIC = frozenset(
    """thing things part way ways lot kind form forms number fact issue matter case time times basics order
    orders""".split()
)
_POSSESSIVE = frozenset("my our your his her its their whose".split())
_PRONOUNS = frozenset("i we you he she it they us them me one this that these those there everyone people".split())


def _subject_phrases(target: str, nlp: Any | None) -> list[str]:
    """The noun phrases of a target that a neutral sentence can mention ("Schools", "mobile phones")."""
    phrases: list[tuple[str, bool]] = []  # (phrase, whether its first letter may be lowered)
    if nlp is not None:
        for chunk in nlp(target).noun_chunks:
            first = chunk[0]
            root = chunk.root.lower_
            if (
                chunk.root.pos_ not in ("NOUN", "PROPN")
                or root in _PRONOUNS
                or root in _GENERIC
                or first.lower_ in _POSSESSIVE
            ):
                continue
            phrases.append((chunk.text, first.i == 0 and first.pos_ != "PROPN"))
    elif target_kind(target) == "topic":  # without a parser: the target itself when it is a topic-like phrase
        phrases.append((target, not target[:2].isupper()))
    out = []
    for phrase, lower in phrases:
        phrase = phrase.strip(" .,;:!?\"'“”‘’")
        words = phrase.split()
        if not words or len(words) > 6 or not _content_words(phrase):
            continue
        if words[0].lower() in ("a", "an"):
            phrase = " ".join(words[1:])
        out.append(phrase[:1].lower() + phrase[1:] if lower else phrase)
    return list(dict.fromkeys(out))


def subject_mentions(
    rows: Sequence[StanceRow], per_target: float, rng: random.Random, nlp: Any | None
) -> list[StanceRow]:
    """Neutral news sentences that mention a noun phrase of a target, labelled none toward that target.

    "Officials will meet on Tuesday to discuss mobile phones" says nothing of "Schools should ban mobile phones in
    class"; a model that learnt stance only from argued texts reads any mention of the subject as a side (the
    against hypothesis, a negation, is the one it then tends to entail). ``per_target`` rows per target on average,
    from :data:`_MENTION_TEMPLATES`; tweets and forum posts used as targets (RumourEval, IAC) are left out by the
    caller. ``nlp`` is a spaCy pipeline for the noun phrases (without one, only topic targets get rows).

    Example:
        >>> row = StanceRow(text="t", target="the death penalty", label="favor", kind="topic", source="x")
        >>> [r.text for r in subject_mentions([row], 1, random.Random(3), None)]
        ['Delegates from twelve countries discussed the death penalty behind closed doors.']
    """
    if per_target <= 0:
        return []
    targets = sorted({(r.target, r.kind, r.source) for r in rows if len(r.target.split()) <= 25})
    out = []
    for target, kind, source in targets:
        phrases = _subject_phrases(target, nlp)
        if not phrases:
            continue
        count = int(per_target) + (1 if rng.random() < per_target - int(per_target) else 0)
        for template in rng.sample(_MENTION_TEMPLATES, k=min(count, len(_MENTION_TEMPLATES))):
            phrase = rng.choice(phrases)
            text = template.format(np=phrase, NP=phrase[:1].upper() + phrase[1:])
            out.append(StanceRow(text=text, target=target, label=NONE, kind=kind, source=source + "/mentions"))
    return out


_SPEAKERS = (
    "the minister",
    "a government spokesman",
    "the foreign ministry",
    "the company",
    "opposition leaders",
    "the prime minister",
    "a senior official",
    "the army",
    "the president's office",
    "Maria Alvarez",
    "John Carter",
    "Amina Yusuf",
    "Chen Wei",
    "Olga Petrova",
    "the union",
    "the coast guard",
    "the embassy",
    "the court",
    "local residents",
    "the group",
)

_PATTERNS: tuple[tuple[str, str], ...] = (
    ("{S} said that {p}.", "entailment"),
    ("{S} said {p}.", "entailment"),
    ("“{P},” {S} said.", "entailment"),
    ("{S} insisted that {p}.", "entailment"),
    ("{S} warned that {p}.", "entailment"),
    ("According to {S}, {p}.", "entailment"),
    ("{S} confirmed that {p}.", "entailment"),
    ("{S} told reporters that {p}.", "entailment"),
    ("{S} wrote on X that {p}.", "entailment"),
    ("{S} stressed in a statement that {p}.", "entailment"),
    ("{S} denied that {p}.", "contradiction"),
    ("{S} rejected claims that {p}.", "contradiction"),
    ("{S} rejected {S2}'s claims that {p}.", "contradiction"),
    ("{S} dismissed reports that {p}.", "contradiction"),
    ("{S} called claims that {p} baseless.", "contradiction"),
    ("{S} said it is not true that {p}.", "contradiction"),
    ("{S} said there is no evidence that {p}.", "contradiction"),
    ("{S} refuted allegations by {S2} that {p}.", "contradiction"),
    ("“It is false that {p},” {S} said.", "contradiction"),
    ("{S} denied accusations that {p}, calling them propaganda.", "contradiction"),
    ("{S} asked whether {p}.", "neutral"),
    ("{S} said it was too early to say whether {p}.", "neutral"),
    ("{S} said an inquiry would establish whether {p}.", "neutral"),
    ("Reporters asked {S} whether {p}.", "neutral"),
    ("{S} declined to comment on whether {p}.", "neutral"),
)


def news_pattern_pairs(
    propositions: Iterable[str], *, seed: int = 13, per_proposition: int = 1, stop_variation: float = 0.0
) -> list[dict[str, Any]]:
    """Claim/denial pairs in news form, with the proposition P itself as hypothesis.

    "X said P" entails P, "X denied P" contradicts it, "X asked whether P" is neutral. The premise's final stop is
    dropped with probability ``stop_variation`` (headline style).

    Example:
        >>> pairs = news_pattern_pairs(["The bridge is unsafe"], per_proposition=3)
        >>> sorted({p["hypothesis"] for p in pairs})
        ['The bridge is unsafe.']
    """
    rng = random.Random(seed)
    out = []
    for proposition in propositions:
        body = proposition.strip().rstrip(".")
        if len(body.split()) < 3:
            continue
        lower = body if body[:2].isupper() else body[:1].lower() + body[1:]
        for _ in range(per_proposition):
            template, label = rng.choice(_PATTERNS)
            speaker, other = rng.sample(_SPEAKERS, 2)
            premise = template.format(S=speaker, S2=other, p=lower, P=body)
            premise = vary_final_stop(premise[:1].upper() + premise[1:], rng, stop_variation)
            out.append({"premise": premise, "hypothesis": body + ".", "label": label})
    return out


def _antonyms() -> list[tuple[str, str]]:
    text = resources.files("stancekit.training").joinpath("antonyms.tsv").read_text(encoding="utf-8")
    pairs = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            a, b = line.split("\t")
            pairs.append((a.strip(), b.strip()))
    return pairs


_AUX = re.compile(r"\b(is|are|was|were|will|can|could|should|would|has|have|had)\b(?! not)")


def negation_pairs(sentences: Iterable[str], *, seed: int = 13, limit: int = 6000) -> list[dict[str, Any]]:
    """Contradiction pairs from antonym swaps and inserted negations, both directions.

    Antonyms ("failed" / "succeeded", "with" / "without") come from ``antonyms.tsv``; negations insert "not"
    after an auxiliary ("is" / "is not"). A few unchanged copies are added as entailment.

    Example:
        >>> [p["hypothesis"] for p in negation_pairs(["The talks failed in the end."], limit=10)][:1]
        ['The talks succeeded in the end.']
    """
    rng = random.Random(seed)
    swaps: dict[str, str] = {}
    for a, b in _antonyms():
        swaps.setdefault(a, b)
        swaps.setdefault(b, a)
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(swaps, key=len, reverse=True)) + r")\b")
    out: list[dict[str, Any]] = []
    for sentence in sentences:
        if len(out) >= limit:
            break
        sentence = sentence.strip()
        if not 4 <= len(sentence.split()) <= 30:
            continue
        match = pattern.search(sentence)
        if match:
            changed = sentence[: match.start()] + swaps[match.group(1)] + sentence[match.end() :]
            a, b = (sentence, changed) if rng.random() < 0.5 else (changed, sentence)
            out.append({"premise": a, "hypothesis": b, "label": "contradiction"})
            continue
        aux = _AUX.search(sentence)
        if aux:
            changed = sentence[: aux.end()] + " not" + sentence[aux.end() :]
            a, b = (sentence, changed) if rng.random() < 0.5 else (changed, sentence)
            out.append({"premise": a, "hypothesis": b, "label": "contradiction"})
            if rng.random() < 0.15:
                out.append({"premise": sentence, "hypothesis": sentence, "label": "entailment"})
    return out


def _write(path: Path, records: Iterable[dict[str, Any]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += 1
    return n


def build_stance_data(
    stance_dir: str | Path,
    data_dir: str | Path,
    out_dir: str | Path,
    *,
    dev_fraction: float = 0.15,
    unrelated_fraction: float = 0.08,
    same_topic_fraction: float = 0.0,
    mentions_per_target: float = 0.0,
    both_hypotheses: float = 0.5,
    stop_variation: float = 0.0,
    negation_limit: int = 6000,
    exclude: Sequence[str] = (),
    sets: Sequence[str] | None = None,
    seed: int = 13,
) -> dict[str, dict[str, int]]:
    """Write the stance-in-NLI-form training data, its dev carve-outs and the held-out sets (see the module doc).

    Args:
        stance_dir: The stance sets, ``<set>/<split>.jsonl.gz`` in native labels (see :data:`STANCE_SETS`).
        data_dir: The NLI data directory; its training files give sentences for the negation pairs.
        out_dir: Where to write ``train/``, ``nli_dev/`` and ``stance_dev/``.
        dev_fraction: Share of each stance training set held out as dev.
        unrelated_fraction: Share of training rows added again with an unrelated target, labelled none.
        same_topic_fraction: Share of training rows added again with another target of their set that shares a
            content word with the text, labelled none (see :func:`_same_topic`).
        mentions_per_target: Neutral news sentences that mention a noun phrase of each target, labelled none, per
            target on average (see :func:`subject_mentions`; noun phrases from the spaCy parse when installed).
        both_hypotheses: Probability that a row also gets its against hypothesis as a training pair.
        stop_variation: Probability that a training premise's final stop is toggled (dev pairs are left as written),
            so that the stop of a headline or a sentence is not read as evidence.
        negation_limit: How many negation/antonym pairs to build.
        exclude: NLI splits never read (the evaluation splits).
        sets: Names of :data:`STANCE_SETS` to use (default: all).
        seed: Seed of every random choice.

    Returns:
        Counts per set: training rows, dev rows, held-out rows and NLI training pairs.

    Example:
        >>> build_stance_data("shared/stance", "shared/data", "runs/stance-data")  # doctest: +SKIP
    """
    from stancekit.training.nli import EVALUATION_SPLITS

    root, out = Path(stance_dir), Path(out_dir)
    rng = random.Random(seed)
    held: dict[str, list[StanceRow]] = {}
    trains: dict[str, list[StanceRow]] = {}
    unknown = sorted(set(sets or ()) - set(STANCE_SETS))
    if unknown:
        raise ValueError(f"unknown stance set(s) {unknown}; the sets are {sorted(STANCE_SETS)}.")
    for spec in STANCE_SETS.values():
        if sets is not None and spec.name not in sets:
            continue
        for split in spec.held_out:
            held[f"{spec.name}_{split}"] = _read_set(root, spec, split)
        if spec.train is not None:
            trains[spec.name] = _read_set(root, spec, spec.train)
    # De-duplicate texts across sets, carve dev splits, then drop any training text seen in a held-out row.
    seen: set[str] = set()
    for name, rows in trains.items():
        kept = []
        for row in rows:
            key = _norm(row.text) + "\x00" + _norm(row.target)
            if key not in seen:
                seen.add(key)
                kept.append(row)
        train, dev = _stratified_split(kept, dev_fraction, seed)
        trains[name] = train
        held[f"{name}_dev15"] = dev
    held_texts = {_norm(r.text) for rows in held.values() for r in rows}
    counts: dict[str, dict[str, int]] = {}
    for name, rows in trains.items():
        before = len(rows)
        rows = [r for r in rows if _norm(r.text) not in held_texts]
        spec = STANCE_SETS[name]
        if spec.max_train is not None and len(rows) > spec.max_train:
            rows = random.Random(seed).sample(rows, spec.max_train)
        trains[name] = rows
        counts[name] = {"train_rows": len(rows), "dropped_as_held_out": before - len(rows)}
    for name, rows in held.items():
        dev_path = out / "stance_dev" / f"{name}.jsonl"
        dev_path.parent.mkdir(parents=True, exist_ok=True)
        with dev_path.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row.to_dict(), ensure_ascii=False) + "\n")
        counts.setdefault(name, {})["held_out_rows"] = len(rows)
        if name.endswith("_dev15"):
            nli = [rec for row in rows for rec in _nli_records(row, rng, both=0.0)]
            _write(out / "nli_dev" / name / "dev.jsonl.gz", nli)
    nlp = _parser() if mentions_per_target > 0 else None
    for name, rows in trains.items():
        rows = rows + _unrelated(rows, unrelated_fraction, rng) + _same_topic(rows, same_topic_fraction, rng)
        if name not in _POST_TARGETS:
            rows += subject_mentions(rows, mentions_per_target, rng, nlp)
        records = [
            rec for row in rows for rec in _nli_records(row, rng, both=both_hypotheses, stop_variation=stop_variation)
        ]
        counts[name]["nli_pairs"] = _write(out / "train" / name / "train.jsonl.gz", records)
    propositions = sorted(
        {r.target for name in ("perspectrum", "emergent") for r in trains.get(name, []) if r.kind == "proposition"}
        | {r.text for r in trains.get("perspectrum", []) if len(r.text.split()) <= 20}
    )
    news = news_pattern_pairs(propositions, seed=seed, per_proposition=2, stop_variation=stop_variation)
    counts["news_patterns"] = {"nli_pairs": _write(out / "train" / "news_patterns" / "train.jsonl.gz", news)}
    sentences = sorted(
        {e.premise for e in read_nli_dir(data_dir, exclude=[*EVALUATION_SPLITS, *exclude])}, key=_stable_hash
    )
    negations = negation_pairs(sentences, seed=seed, limit=negation_limit)
    counts["negation"] = {"nli_pairs": _write(out / "train" / "negation" / "train.jsonl.gz", negations)}
    (out / "counts.json").write_text(json.dumps(counts, indent=2) + "\n", encoding="utf-8")
    return counts


_POST_TARGETS = frozenset({"rumoureval2017", "iac_evidence_stance"})
"""Sets whose targets are tweets or forum sentences, not claims or topics: no mention rows for them."""


def _parser() -> Any | None:
    try:
        from stancekit.claims.attribution import load_pipeline

        return load_pipeline()
    except ImportError:
        logger.warning("no spaCy pipeline: mention rows only for topic targets (pip install 'stancekit[parse]')")
        return None


def _stable_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m stancekit.training.stance_data STANCE_DIR DATA_DIR OUT_DIR``."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stance_dir")
    parser.add_argument("data_dir")
    parser.add_argument("out_dir")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--stop-variation", type=float, default=0.0, help="probability of toggling a training premise's final stop"
    )
    parser.add_argument(
        "--same-topic", type=float, default=0.0, help="share of rows added with a same-subject other target (none)"
    )
    parser.add_argument(
        "--mentions", type=float, default=0.0, help="neutral news sentences mentioning each target's subject (none)"
    )
    args = parser.parse_args(argv)
    counts = build_stance_data(
        args.stance_dir,
        args.data_dir,
        args.out_dir,
        seed=args.seed,
        stop_variation=args.stop_variation,
        same_topic_fraction=args.same_topic,
        mentions_per_target=args.mentions,
    )
    print(json.dumps(counts, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
