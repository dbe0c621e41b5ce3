"""Sentence splitting with character spans, robust to abbreviations, initials and quotes."""

from __future__ import annotations

import re

__all__ = ["split_sentences"]

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
