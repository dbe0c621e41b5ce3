from __future__ import annotations

import pytest

from stancekit.attribution import attributions, gazetteer, load_pipeline, speech_lexicon

spacy = pytest.importorskip("spacy")

try:
    NLP = load_pipeline()
except ImportError:  # pragma: no cover - the dev extra installs the pipeline
    NLP = None
needs_pipeline = pytest.mark.skipif(NLP is None, reason="no spaCy English pipeline installed")

TEXT = (
    "Maria Lopez, a spokeswoman for the Chilean Foreign Ministry, said on Monday that the border would stay closed. "
    "She added that talks had stalled. "
    "The Peruvian government rejected Chile's claims that its troops had crossed the river. "
    "Officials in Lima dismissed the report as propaganda. "
    "According to the ministry, the fence will be finished in May."
)


def _spans(items):
    return [(TEXT[a.start : a.end], a.speaker, a.actor, a.kind, a.polarity) for a in items]


def test_lexicon_and_gazetteer_are_data():
    assert speech_lexicon()["forms"]["insisted"] == "insist"
    assert speech_lexicon()["stance"]["reject"] == "deny"
    places = gazetteer()
    assert places.actor_in("a spokesman for the China Coast Guard") == "China"
    assert places.actor_in("the Philippine Coast Guard") == "Philippines"
    assert places.actor_in("the Kremlin") == "Russia"
    assert places.actor_in("the Islamic Emirate") == "Taliban"
    assert places.actor_in("a local farmer") is None


@needs_pipeline
def test_reported_speech_pronoun_denial_and_embedded_allegation():
    found = _spans(attributions(TEXT, nlp=NLP))
    assert ("the border would stay closed", "Maria Lopez", "Chile", "reported_speech", "assert") in found
    assert ("talks had stalled", "Maria Lopez", "Chile", "reported_speech", "assert") in found  # "She" resolved
    denial = next(f for f in found if f[0].startswith("rejected"))
    assert denial[1:3] == ("Peruvian government", "Peru") and denial[4] == "deny"
    assert denial[0] == "rejected Chile's claims that its troops had crossed the river"
    embedded = next(f for f in found if f[3] == "embedded")
    assert embedded[:3] == ("its troops had crossed the river", "Chile", "Chile")  # the allegation's source
    according = next(f for f in found if "fence" in f[0])
    assert according[0] == "the fence will be finished in May"


@needs_pipeline
def test_denial_content_is_what_is_denied():
    items = attributions("The company denied that it had hidden the defects.", nlp=NLP)
    assert items[0].polarity == "deny" and items[0].content == "it had hidden the defects"
    assert "The company denied that it had hidden the defects."[items[0].start : items[0].end].startswith("denied")


@needs_pipeline
def test_inverted_attribution_and_quote():
    text = "“We will not allow attacks from our soil,” said Ahmad Karimi, the Afghan defence spokesman."
    items = attributions(text, nlp=NLP)
    assert items and items[0].kind == "direct_quote"
    assert text[items[0].start : items[0].end] == "We will not allow attacks from our soil"
    assert items[0].speaker == "Ahmad Karimi" and items[0].actor == "Afghanistan"
