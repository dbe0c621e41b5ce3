"""What a tracker shows a person: the text summary and the self-contained HTML report, grouped by dispute.

:class:`~stancekit.tracking.Tracker` keeps the state and answers questions (claims, rebuttals, stance); this module
only renders its public answers, so a new view needs nothing private of the tracker.
"""

from __future__ import annotations

import html
import math
import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from stancekit.claims import Claim
from stancekit.pairing import Relation, RelationList
from stancekit.results import html_table
from stancekit.text import clip

if TYPE_CHECKING:
    import pandas as pd

    from stancekit.tracking import Tracker

__all__ = ["COLOURS", "html_report", "rebuttal_table", "summary_text", "timeline_points", "timeline_svg"]

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"]
"""The actors' colours, in order, shared by every chart of one report."""


def summary_text(tracker: Tracker, *, top: int = 5, disputes: int = 10) -> str:
    """A readable summary: stance per actor, then each dispute's actors' stances and strongest rebuttals.

    Disputes come strongest rebuttal first (then by size), at most ``disputes`` of them, each with its ``top``
    strongest rebuttals.

    Example:
        >>> print(summary_text(tracker).splitlines()[2])
        Stance toward: Afghanistan poses a security threat to Central Asia
    """
    lines = [
        f"{len(tracker.documents)} documents, {len(tracker.claims)} claims in {len(set(tracker.disputes.values()))} "
        f"disputes; {tracker.stats.candidates} candidate pairs of {tracker.stats.all_pairs} "
        f"({tracker.stats.pruned_fraction:.0%} pruned), {len(tracker.rebuttals)} rebuttals"
    ]
    if tracker.target:
        lines.append(f"\nStance toward: {tracker.target}")
        table = tracker.actor_stance()
        for row in table.itertuples():
            lines.append(
                f"  {row.actor:<22} {row.claims:>3} claims  {row.stance:<8} "
                f"(favor {row.favor:.2f}, against {row.against:.2f}, none {row.none:.2f})"
            )
    order = tracker.dispute_order()
    if order:
        lines.append("\nBy dispute, strongest rebuttal first (later reply ← earlier claim):")
    rebuttals = tracker.rebuttals_by_dispute()
    sizes = Counter(tracker.dispute_of(c) for c in tracker.claims)
    for dispute in order[:disputes]:
        group = rebuttals.get(dispute, RelationList())
        lines.append(f"  [{dispute}] {sizes[dispute]} claims, {len(group)} rebuttals")
        if tracker.target and sizes[dispute]:
            cells = tracker.actor_stance(dispute=dispute)
            shown = ", ".join(f"{r.actor} {r.stance} ({r.claims})" for r in cells.itertuples())
            lines.append(f"    stance: {shown}")
        for r in group[:top]:
            lag = f", {r.lag.days} days later" if r.lag is not None else ""
            why = f" [{r.reason}]" if r.reason and r.reason != "contradiction" else ""
            lines.append(
                f"    {r.score:.2f}  {r.b.speaker} ({r.b.actor}) rebuts {r.a.speaker} ({r.a.actor}){lag}{why}\n"
                f"          claim: {clip(r.a.text, 108)}\n          reply: {clip(r.b.text, 108)}"
            )
    if len(order) > disputes:
        lines.append(f"  … and {len(order) - disputes} more disputes (tracker.disputes_frame() lists them all)")
    return "\n".join(lines)


def html_report(tracker: Tracker, *, title: str = "stancekit report") -> str:
    """A self-contained HTML report: stance per actor, the timeline, and each dispute's own.

    Each dispute has its actors' stance, its timeline and its rebuttals; a filter at the top shows one dispute
    (inline script and styles: the document needs nothing beside it).

    Example:
        >>> document = html_report(tracker, title="seeds")
        >>> document.startswith("<!DOCTYPE html>"), "<svg" in document, "<script>" in document
        (True, True, True)
    """
    order = tracker.dispute_order()
    number = {d: str(i) for i, d in enumerate(order)}
    sections = [f"<h1>{html.escape(title)}</h1>", f"<p>{html.escape(repr(tracker))}</p>"]
    options = "".join(f"<option value='{number[d]}'>{html.escape(clip(d, 90))}</option>" for d in order)
    sections.append(
        "<p><label>Show <select id='dispute-filter'><option value='all'>all disputes</option>"
        f"{options}</select></label></p>"
    )
    frame = tracker.disputes_frame()
    records = [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]
    rows = [
        [html.escape(r["dispute"]), r["documents"], r["claims"], html.escape(r["actors"]), r["rebuttals"],
         "" if not r["rebuttals"] else format(r["strongest"], ".2f"), _day(r["first"]), _day(r["last"])]
        for r in records
    ]  # fmt: skip
    sections += [
        "<h2>Disputes</h2>",
        "<p>Articles grouped into stories by shared subject and time; claims are paired within one.</p>",
        html_table(
            ["dispute", "documents", "claims", "actors", "rebuttals", "strongest", "from", "to"],
            rows,
            row_attributes=[f"data-dispute='{number[r['dispute']]}'" for r in records],
        ),
    ]
    colours: dict[str, str] = {}
    if tracker.target:
        everyone = sorted({c.actor or "unknown" for c in tracker.claims})
        colours = {a: COLOURS[i % len(COLOURS)] for i, a in enumerate(everyone)}
        sections += [
            "<section class='overall'>",
            f"<h2>Stance toward “{html.escape(tracker.target)}”, all disputes</h2>",
            tracker.actor_stance().to_html(index=False, float_format=lambda v: f"{v:.2f}"),
            "<h3>Timeline</h3>",
            timeline_svg(tracker.stance_timeline(), colours=colours),
            "<p>Each point is a claim: favor - against (from -1, against, to +1, favor), coloured by actor.</p>",
            "</section>",
        ]
    sections.append("<h2>By dispute</h2>")
    rebuttals = tracker.rebuttals_by_dispute()
    for dispute in order:
        part = [f"<section data-dispute='{number[dispute]}'><h3>{html.escape(dispute)}</h3>"]
        if tracker.target:
            part += [
                f"<h4>Stance toward “{html.escape(tracker.target)}”</h4>",
                tracker.actor_stance(dispute=dispute).to_html(index=False, float_format=lambda v: f"{v:.2f}"),
                timeline_svg(tracker.stance_timeline(dispute=dispute), height=220, colours=colours),
            ]
        group = rebuttals.get(dispute)
        part.append("<h4>Rebuttals, strongest first</h4>")
        part.append(rebuttal_table(group) if group else "<p>None found.</p>")
        sections.append("".join(part) + "</section>")
    claims_rows = [
        [_day(c.date), html.escape(c.speaker or ""), html.escape(c.actor or ""), c.kind, html.escape(c.text)]
        for c in tracker.claims
    ]
    attributes = [f"data-dispute='{number.get(tracker.dispute_of(c), '')}'" for c in tracker.claims]
    sections += [
        "<h2>Claims</h2>",
        html_table(["date", "speaker", "actor", "kind", "claim"], claims_rows, row_attributes=attributes),
    ]
    style = (
        "body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse;"
        "margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;font-size:14px}"
        "section{border-top:2px solid #ddd;margin-top:1.5em}select{max-width:700px}"
    )
    script = (  # the filter: one dispute's rows and section, or everything; #dispute=N in the address opens one
        "var f=document.getElementById('dispute-filter');function show(v){f.value=v;"
        "document.querySelectorAll('[data-dispute]').forEach(function(n){"
        "n.style.display=(v==='all'||n.getAttribute('data-dispute')===v)?'':'none';});"
        "document.querySelectorAll('.overall').forEach(function(n){n.style.display=v==='all'?'':'none';});}"
        "f.addEventListener('change',function(e){show(e.target.value);});"
        "var m=location.hash.match(/dispute=(\\d+)/);"
        "if(m&&f.querySelector('option[value=\"'+m[1]+'\"]'))show(m[1]);"
    )
    document = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body>{''.join(sections)}<script>{script}</script></body></html>"
    )
    return document


def _day(value: Any) -> str:
    """A date as YYYY-MM-DD, or empty for none (or NaT)."""
    if value is None or value != value:
        return ""
    return str(value.date()) if hasattr(value, "date") else str(value)


def rebuttal_table(rebuttals: Sequence[Relation]) -> str:
    """An HTML table of rebuttals: score, claim and reply with their speakers and dates, lag and reason.

    Example:
        >>> rebuttal_table(tracker.rebuttals[:1]).count("<tr>")
        2
    """

    def who(claim: Claim) -> str:
        day = claim.date.date() if claim.date else ""
        return f"{html.escape(claim.speaker or '')} ({html.escape(claim.actor or '')})<br>{day}"

    rows = [
        [f"{r.score:.2f}", who(r.a), html.escape(r.a.text), who(r.b), html.escape(r.b.text),
         r.lag.days if r.lag is not None else "", html.escape(r.reason)]
        for r in rebuttals
    ]  # fmt: skip
    score = "P(rebuttal)" if any(r.rebuttal_probability is not None for r in rebuttals) else "P(contradiction)"
    return html_table([score, "claim by", "claim", "rebuttal by", "rebuttal", "lag (days)", "why"], rows)


def timeline_points(timeline: pd.DataFrame) -> pd.DataFrame:
    """The dated claims of a stance timeline as the points every chart draws.

    Adds ``net`` (P(favor) - P(against), in [-1, 1]) and ``day``, and names a claim without an actor "unknown".

    Example:
        >>> points = timeline_points(tracker.stance_timeline())
        >>> bool(points["net"].between(-1, 1).all()), bool(points["date"].isna().any())
        (True, False)
    """
    import pandas as pd

    points = timeline[timeline["date"].notna()].copy()
    points["actor"] = points["actor"].where(points["actor"].map(lambda a: isinstance(a, str)), "unknown")
    points["net"] = points["favor"].astype("float64") - points["against"].astype("float64")
    points["day"] = pd.to_datetime(points["date"]).dt.normalize()
    out: pd.DataFrame = points
    return out


def timeline_svg(
    timeline: pd.DataFrame, *, width: int = 900, height: int = 320, colours: Mapping[str, str] | None = None
) -> str:
    """An inline SVG scatter of favor - against per claim over time, one colour per actor.

    Pass ``colours`` (actor -> colour) so that the charts of one report agree.

    Example:
        >>> timeline_svg(tracker.stance_timeline()).count("<circle") > len(tracker.claims)  # claims + legend
        True
    """
    dated = timeline_points(timeline)
    if dated.empty:
        return "<p>No dated claims.</p>"
    times = [d.timestamp() for d in dated["date"]]
    low, high = min(times), max(times)
    marks = [(low, dated["date"].min()), (high, dated["date"].max())] if high > low else [(low, dated["date"].min())]
    if high == low:  # one day: put it in the middle, not against the axis
        low, high = low - 86400.0, high + 86400.0
    span = high - low
    left, right, top, bottom = 60, width - 180, 20, height - 40

    def x(t: float) -> float:
        return float(left + (t - low) / span * (right - left))

    def y(v: float) -> float:
        return top + (1 - (v + 1) / 2) * (bottom - top)

    actors = sorted(dated["actor"].unique())
    colour = dict(colours) if colours else {}
    for a in actors:
        colour.setdefault(a, COLOURS[len(colour) % len(COLOURS)])
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' font-size='12'>",
        f"<line x1='{left}' y1='{y(0)}' x2='{right}' y2='{y(0)}' stroke='#999' stroke-dasharray='4'/>",
        f"<line x1='{left}' y1='{top}' x2='{left}' y2='{bottom}' stroke='#333'/>",
        f"<text x='5' y='{y(1) + 4}'>favor</text><text x='5' y='{y(-1) + 4}'>against</text>",
    ]
    for t, label in marks:
        parts.append(f"<text x='{x(t) - 30}' y='{height - 10}'>{label.date().isoformat()}</text>")
    for row in dated.to_dict("records"):
        actor, value, day = str(row["actor"]), float(row["net"]), row["date"]
        tooltip = html.escape(f"{row['speaker']} ({actor}), {day.date()}: {row['claim']} [{row['stance']}]")
        jitter = (zlib.crc32(str(row["claim"]).encode()) % 11 - 5) * 1.5 if not math.isnan(value) else 0
        parts.append(
            f"<circle cx='{x(day.timestamp()) + jitter:.1f}' cy='{y(value):.1f}' r='5' fill='{colour[actor]}' "
            f"fill-opacity='0.75'><title>{tooltip}</title></circle>"
        )
    for i, actor in enumerate(actors):
        parts.append(
            f"<circle cx='{right + 20}' cy='{top + 10 + 18 * i}' r='5' fill='{colour[actor]}'/>"
            f"<text x='{right + 30}' y='{top + 14 + 18 * i}'>{html.escape(actor)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
