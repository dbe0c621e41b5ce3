from __future__ import annotations

from stancekit.text import split_sentences


def _split(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_abbreviations_and_initials_do_not_split():
    text = "Dr. Smith met Sergey V. Lavrov in the U.S. on Monday. They spoke for an hour."
    assert _split(text) == ["Dr. Smith met Sergey V. Lavrov in the U.S. on Monday.", "They spoke for an hour."]


def test_quotes_and_paragraphs():
    text = "“We are worried,” he said. “It is dangerous.”\n\nThe talks ended! Did they?"
    assert _split(text) == ["“We are worried,” he said.", "“It is dangerous.”", "The talks ended!", "Did they?"]


def test_spans_point_into_the_text():
    text = "  One sentence here.   Two here.  "
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == ["One sentence here.", "Two here."]


def test_lower_case_after_period_is_not_a_boundary():
    assert _split("It rose 3.5 per cent. e.g. prices went up.") == ["It rose 3.5 per cent. e.g. prices went up."]
