"""When a claim was said: explicit dates and weekdays in its sentence, resolved against the document date."""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from stancekit.claims.attribution import DATELINE as _DATELINE
from stancekit.documents import Document

if TYPE_CHECKING:
    pass


_MONTHS = ("january february march april may june july august september october november december").split()
_DATE = re.compile(
    r"(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday),?\s+)?"
    r"(?:(?P<month>" + "|".join(_MONTHS) + r")\s+(?P<day>\d{1,2})(?!\d)(?:,?\s+(?P<year>\d{4}))?"
    r"|(?P<day2>\d{1,2})\s+(?P<month2>" + "|".join(_MONTHS) + r")(?:\s+(?P<year2>\d{4}))?)",
    re.IGNORECASE,
)


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RELATIVE_DAY = re.compile(
    r"\b(?:(?:on|late|early)\s+)?(?P<weekday>" + "|".join(_WEEKDAYS) + r")\b|\b(?P<rel>yesterday|today|last night)\b",
    re.IGNORECASE,
)


_SAME_DAY = re.compile(r"\b(?:(?:earlier|later) (?:that|the same) day|(?:on )?the same day|that same day)\b", re.I)
_DAY_MENTION = re.compile(r"\b(?:" + "|".join(_WEEKDAYS) + "|yesterday|" + "|".join(_MONTHS) + r")\b", re.IGNORECASE)


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """(start, end) of the sentence, or line, that holds ``text[start:end]``: a cheap bound, no parse.

    Example:
        >>> text = "He left. She said on Monday the talks failed. Then rain."
        >>> begin, finish = sentence_around(text, 13, 20)
        >>> text[begin:finish]
        ' She said on Monday the talks failed'
    """
    begin = max(text.rfind("\n", 0, start), *(text.rfind(p, 0, start) for p in (". ", "? ", "! "))) + 1
    stops = [i for i in (text.find("\n", end), *(text.find(p, end) for p in (". ", "? ", "! "))) if i >= 0]
    return begin, min(stops) if stops else len(text)


def frame_date(document: Document, start: int, end: int) -> datetime | None:
    """The day a claim was made, when its sentence names it outside the claim itself.

    "said on Tuesday", "on May 7, X said": resolved against the document's date, a weekday being the latest such
    day on or before it. A day inside the claim dates its content, not the statement, and does not count.
    """
    text = document.text
    begin, finish = sentence_around(text, start, end)
    dateline = _DATELINE.match(text[begin:start])  # "SANTIAGO, March 5 (Wire) –" dates the filing, not the claim
    if dateline:
        begin += dateline.end()
    frame = text[begin:start] + " \n " + text[end:finish]
    base = document.published
    if _SAME_DAY.search(frame):  # "earlier that day": the day the article named last before this sentence
        for earlier in reversed(list(_DAY_MENTION.finditer(text, max(0, begin - 1500), begin))):
            if not _DATELINE.match(text[text.rfind("\n", 0, earlier.start()) + 1 : earlier.end() + 1]):
                return frame_date(document, earlier.start(), earlier.start())
        return None
    explicit = _DATE.search(frame)
    if explicit:
        return explicit_date(explicit.group(0), document)
    if base is None:
        return None
    relative = _RELATIVE_DAY.search(frame)
    if relative is None:
        return None
    if relative.group("weekday"):
        back = (base.weekday() - _WEEKDAYS.index(relative.group("weekday").lower())) % 7
        return base - timedelta(days=back)
    return base - timedelta(days=1) if relative.group("rel").lower() in ("yesterday", "last night") else base


def explicit_date(sentence: str, document: Document, paragraph: str = "") -> datetime | None:
    """An explicit date in the sentence, else in its paragraph, resolved against the document's date.

    With no date written, the document's date (``None`` when it has none); a date without its year takes the
    document's year, or the year before when that would put it after the document.

    Example:
        >>> explicit_date("He said on February 20 that talks had failed.", Document(id="d", text="x",
        ...               published="2018-03-01")).date().isoformat()
        '2018-02-20'
    """
    base = document.published
    for match in itertools.chain(_DATE.finditer(sentence), _DATE.finditer(paragraph)):
        month = (match.group("month") or match.group("month2")).lower()
        day = int(match.group("day") or match.group("day2"))
        year_text = match.group("year") or match.group("year2")
        if year_text:
            year = int(year_text)
        elif base is not None:
            year = base.year
        else:
            continue
        try:
            found = datetime(year, _MONTHS.index(month) + 1, day, tzinfo=timezone.utc)
        except ValueError:
            continue
        if not year_text and base is not None and found > base + timedelta(days=2):
            found = found.replace(year=year - 1)  # "on February 20" in a March article is this year's
        return found
    return base
