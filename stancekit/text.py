"""Sentence splitting with character spans, robust to abbreviations, initials and quotes."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

__all__ = ["KNOWN_VERBS", "TextPair", "base_form", "check_text", "clip", "is_missing", "negate", "split_sentences"]

_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "mt",
        "gen",
        "col",
        "lt",
        "maj",
        "capt",
        "cmdr",
        "adm",
        "sgt",
        "gov",
        "sen",
        "rep",
        "rev",
        "hon",
        "pres",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "no",
        "nos",
        "vol",
        "fig",
        "al",
        "etc",
        "vs",
        "approx",
        "est",
        "dept",
        "univ",
        "inc",
        "ltd",
        "corp",
        "co",
        "u.s",
        "u.k",
        "u.n",
        "e.g",
        "i.e",
        "a.m",
        "p.m",
    ]
)
# A sentence ends at . ! or ? (optionally followed by closing quotes or brackets), then whitespace, then
# something that can start a sentence: an upper-case letter, a digit or an opening quote.
_BOUNDARY = re.compile(r"""([.!?]+)(["'”’»)\]]*)(\s+)(?=["“‘«(\[]?[A-Z0-9])""")
_PARAGRAPH = re.compile(r"\n\s*\n|\n(?=\s*[-*•])")


def _ends_with_abbreviation(text: str, end: int) -> bool:
    """Whether the word just before ``text[end]`` (a period) is an abbreviation or an initial."""
    start = end
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in '("“‘':
        start -= 1
    word = text[start:end].lower()
    if not word:
        return False
    if len(word) == 1 and word.isalpha():  # an initial: "J. Smith"
        return True
    return word in _ABBREVIATIONS or word.rstrip(".") in _ABBREVIATIONS


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Split ``text`` into sentences and return their ``(start, end)`` character spans.

    Paragraph breaks always end a sentence; within a paragraph a sentence ends at ``.``, ``!`` or ``?`` followed by
    space and a capital, digit or opening quote, except after abbreviations ("Dr.", "U.S.") and initials. Spans
    exclude surrounding whitespace, so ``text[start:end]`` is the sentence as written.

    Example:
        >>> text = "Dr. Smith met J. Doe. They spoke."
        >>> [text[s:e] for s, e in split_sentences(text)]
        ['Dr. Smith met J. Doe.', 'They spoke.']
    """
    spans: list[tuple[int, int]] = []

    def add(start: int, end: int) -> None:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            spans.append((start, end))

    paragraph_start = 0
    breaks = [(m.start(), m.end()) for m in _PARAGRAPH.finditer(text)] + [(len(text), len(text))]
    for paragraph_end, next_start in breaks:
        start = paragraph_start
        for match in _BOUNDARY.finditer(text, paragraph_start, paragraph_end):
            if match.group(1) == "." and _ends_with_abbreviation(text, match.start(1)):
                continue
            end = match.end(2)
            add(start, end)
            start = match.end(3)
        add(start, paragraph_end)
        paragraph_start = next_start
    return spans


def negate(target: str) -> str:
    """A rule-based negation of a simple declarative target; pass your own where it gets one wrong.

    Handles auxiliaries ("is" → "is not", "will" → "will not") and a main verb in the third person singular
    ("poses" → "does not pose", "comes" → "does not come") of the main clause, not of a clause after "that",
    "which" or a comma; otherwise the whole target is negated ("It is not the case that ..."). A target that
    already holds a negation is turned positive ("does not pose" → "poses").

    Example:
        >>> negate("Afghanistan poses a security threat to Central Asia")
        'Afghanistan does not pose a security threat to Central Asia'
        >>> negate("The talks will fail.")
        'The talks will not fail.'
    """
    text = target.strip()
    if re.search(r"\b(?:no|never)\b", text):  # "poses no threat" -> "poses a threat"
        return re.sub(r"\s+", " ", re.sub(r"\bno\b", "a", re.sub(r"\bnever\b", "", text, count=1), count=1)).strip()
    undo = re.search(r"\b(does|do|did) not (\w+)", text)
    if undo:
        verb = undo.group(2)
        inflected = {"does": _third_person(verb), "do": verb, "did": verb + "ed"}[undo.group(1)]
        return text[: undo.start()] + inflected + text[undo.end() :]
    if re.search(r"\b(?:is|are|was|were|will|would|can|could|should|must|may|might) not\b", text):
        return re.sub(r"\b(is|are|was|were|will|would|can|could|should|must|may|might) not\b", r"\1", text, count=1)
    # The main clause's verb comes before any subordinate clause: "X issued a directive that anyone must Y" is
    # negated on "issued" (here: as a whole), never on the "must" of the clause.
    clause = re.search(r"\b(?:that|which|who|whom|whose|because|if|when|while|although|unless|whether)\b|[,;:]", text)
    head = text[: clause.start()] if clause else text
    auxiliary = re.search(
        r"\b(is|are|was|were|will|would|can|could|should|must|may|might"
        r"|(?:has|have|had)(?= [“\"‘']?(?:been|\w+(?:ed|en|wn|ne))\b))\b",
        head,
    )
    if auxiliary:
        return text[: auxiliary.end()] + " not" + text[auxiliary.end() :]
    words = head.split()
    determiners = {"the", "a", "an", "this", "these", "those", "its", "their", "his", "her", "our", "some", "many"}
    not_before_verb = determiners | {"to", "of", "in", "on", "at", "by", "for", "with", "from", "during", "over"}
    for index, word in enumerate(words[1:], start=1):  # a known verb, in either number
        bare = re.sub(r"[^\w]", "", word)
        if words[index - 1].lower() in not_before_verb:  # "to help", "the use": not the clause's verb
            continue
        if bare in KNOWN_VERBS:
            words[index] = "do not " + word
            return " ".join(words) + text[len(head) :]
        base = base_form(bare) if bare.endswith("s") else ""
        if base in KNOWN_VERBS:
            words[index] = "does not " + base + word[len(bare) :]
            return " ".join(words) + text[len(head) :]
    for index, word in enumerate(words[1:-1], start=1):  # the first third-person -s verb after the subject
        bare = re.sub(r"[^\w]", "", word)
        previous = words[index - 1]
        if previous.lower() in not_before_verb or not word.isalpha() or "'" in previous or "’" in previous:
            continue
        if bare.islower() and len(bare) > 3 and bare.endswith("s") and not bare.endswith(("ss", "us", "is")):
            words[index] = "does not " + base_form(bare) + word[len(bare) :]
            return " ".join(words) + text[len(head) :]
    first = text.split(" ", 1)[0]
    if first.lower() in _LOWER_STARTS:
        text = text[:1].lower() + text[1:]
    return f"It is not the case that {text}"


_LOWER_STARTS = frozenset(
    """the a an this that these those it its there we you they he she our their his her some many most all any
    every each no people children most men women""".split()
)


KNOWN_VERBS = frozenset(
    """pose come remain threaten support oppose seek control increase decrease operate plan want need exist work
    represent constitute emanate present cause spread help hold have use stay grow fall rise win lose back fund
    harbour harbor host allow prevent endanger undermine destabilize destabilise affect benefit deserve face""".split()
)
"""Verbs the negation rule knows in either number; stance target detection reads them too."""


def base_form(verb: str) -> str:
    """The bare form of a third-person-singular verb ("poses" -> "pose", "carries" -> "carry").

    Example:
        >>> base_form("threatens"), base_form("carries"), base_form("pushes")
        ('threaten', 'carry', 'push')
    """
    if verb.endswith("ies"):
        return verb[:-3] + "y"
    if verb.endswith(("ches", "shes", "sses", "xes", "zes", "oes")):
        return verb[:-2]
    return verb[:-1]


def _third_person(verb: str) -> str:
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ies"
    if verb.endswith(("ch", "sh", "ss", "x", "z", "o")):
        return verb + "es"
    return verb + "s"


def clip(text: str, width: int = 40) -> str:
    """``text`` cut to ``width`` characters, ending in an ellipsis when cut (for tables and summaries).

    Example:
        >>> clip("Afghanistan poses a threat to Central Asia", 20)
        'Afghanistan poses a…'
    """
    return text if len(text) <= width else text[: width - 1] + "…"


def is_missing(value: object) -> bool:
    """Whether ``value`` is None or a float NaN (pandas' missing value).

    Example:
        >>> is_missing(float("nan")), is_missing("")
        (True, False)
    """
    return value is None or (isinstance(value, float) and math.isnan(value))


def check_text(value: object, where: str) -> str:
    """``value`` itself when it is a text with something to read; else an error naming ``where`` and the value.

    Example:
        >>> check_text("Kabul denies it.", "texts[0]")
        'Kabul denies it.'
        >>> check_text("  ", "texts[3]")
        Traceback (most recent call last):
        ...
        ValueError: texts[3] is empty or whitespace ('  '); every pair needs two non-empty texts.
    """
    if is_missing(value):
        raise ValueError(f"{where} is missing ({value!r}); every pair needs two non-empty texts.")
    if not isinstance(value, str):
        raise TypeError(f"{where} must be a str, got {type(value).__name__} ({value!r}).")
    if not value.strip():
        raise ValueError(f"{where} is empty or whitespace ({value!r}); every pair needs two non-empty texts.")
    if not _visible(value):
        raise ValueError(
            f"{where} has only invisible characters ({value!r}: zero-width, direction or byte-order marks); "
            "every pair needs two texts with something to read."
        )
    return value


def _visible(text: str) -> bool:
    """Whether a text has a character that is neither whitespace nor an invisible format character (Cf, Cc)."""
    import unicodedata

    return any(not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc") for ch in text)


@dataclass(frozen=True, slots=True, kw_only=True)
class TextPair:
    """A (premise, hypothesis) pair as a typed record; the base of every pair record of stancekit.

    :class:`~stancekit.data.LabeledPair` (a pair in a user's labels) and :class:`~stancekit.io.NLIExample` (an NLI
    pair) add their label to it, so each is a pair that :meth:`~stancekit.scoring.NLIModel.score` takes, with its
    texts checked on creation.

    Example:
        >>> TextPair(premise="Kabul said no threat comes from Afghanistan.", hypothesis="Afghanistan is a threat.")
        TextPair(premise='Kabul said no threat comes from Afghanistan.', hypothesis='Afghanistan is a threat.')
    """

    premise: str
    hypothesis: str

    def __post_init__(self) -> None:
        """Validate both texts."""
        check_text(self.premise, f"{type(self).__name__}.premise")
        check_text(self.hypothesis, f"{type(self).__name__}.hypothesis")
