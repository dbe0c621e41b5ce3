"""Claim records: the typed claim, the list that shows itself as a table, pandas and HTML views."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from stancekit.results import RecordList, html_table

if TYPE_CHECKING:
    import pandas as pd


ClaimKind = Literal["direct_quote", "reported_speech", "embedded", "narration"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Claim:
    """One attributed assertion.

    Attributes:
        text: The claim, decontextualised where cheap (a leading pronoun replaced by the speaker's name; for
            ``X said that P`` the proposition ``P``; for a quote the quoted words).
        speaker: Canonical name of who asserted it (``None`` for narration).
        actor: The party the speaker speaks for (Russia, Taliban, CSTO, analysts …), if known.
        kind: ``direct_quote``, ``reported_speech``, ``embedded`` or ``narration``.
        doc: The document's id.
        start: Start of the claim's evidence in the document text (characters).
        end: End of the claim's evidence.
        date: When it was said: an explicit date in its sentence resolved against the document's date, else the
            document's date; ``None`` when neither is known.
        sentence: The full sentence(s) the claim comes from, as written.
        context: The sentence this claim depends on, when it opens with a reference ("This increases …").
        date_stated: Whether the article names the day it was said ("said on Tuesday", "on May 7"); else the
            date is the publication date.
        reported_by: For an ``embedded`` claim (an allegation the article gives only inside another speaker's
            statement, "Y rejected X's claims that P" -> P for X), the speaker who reported it (Y).

    Example:
        >>> Claim(text="The main threat comes from Afghanistan.", speaker="Sergei Shoigu", actor="Russia",
        ...       kind="direct_quote", doc="d1", start=0, end=40).actor
        'Russia'
    """

    text: str
    speaker: str | None
    actor: str | None
    kind: ClaimKind
    doc: str
    start: int
    end: int
    date: datetime | None = None
    sentence: str = ""
    context: str | None = None
    reported_by: str | None = None
    date_stated: bool = False

    @property
    def id(self) -> str:
        """A stable identifier: ``doc:start-end``."""
        return f"{self.doc}:{self.start}-{self.end}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dictionary (the date as ISO 8601)."""
        record = asdict(self)
        record["date"] = self.date.date().isoformat() if self.date else None
        record["id"] = self.id
        return record


class ClaimList(RecordList[Claim]):
    """Claims as a list that shows itself as a table: date, speaker, actor, kind and text.

    Example:
        >>> ClaimList().to_pandas().empty
        True
    """

    title = "claims"

    def _row(self, record: Claim) -> dict[str, Any]:
        return {
            "date": record.date,
            "speaker": record.speaker,
            "actor": record.actor,
            "kind": record.kind,
            "claim": record.text,
            "doc": record.doc,
        }


def claims_to_pandas(claims: Sequence[Claim]) -> pd.DataFrame:
    """One row per claim.

    Example:
        >>> claims_to_pandas(claims)[["speaker", "actor"]].head(2)
                 speaker   actor
        0  Sergey Lavrov  Russia
        1  Sergey Lavrov  Russia
    """
    import pandas as pd

    frame: pd.DataFrame = pd.DataFrame([c.to_dict() for c in claims])
    return frame


def claims_html(claims: Sequence[Claim], *, limit: int = 50) -> str:
    """A compact HTML table of claims, for Jupyter.

    Example:
        >>> claims_html(claims)[:52]
        '<table><thead><tr><th>speaker</th><th>actor</th><th>'
    """
    rows = [
        [html.escape(c.speaker or ""), html.escape(c.actor or ""), c.kind, c.date.date() if c.date else "",
         html.escape(c.text[:160])]
        for c in claims[:limit]
    ]  # fmt: skip
    return html_table(["speaker", "actor", "kind", "date", "claim"], rows)
