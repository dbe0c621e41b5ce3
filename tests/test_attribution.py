from __future__ import annotations

import pytest

from stancekit.claims.attribution import attributions, gazetteer, load_pipeline, speech_lexicon

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


@needs_pipeline
def test_sides_from_titles_and_organisations():
    from stancekit.claims.attribution import person_sides

    places = gazetteer()
    assert places.side_of_organisation("the Chilean Foreign Ministry") == "Chile"
    assert (
        places.side_of_organisation("Acme Mining Corp") == "Acme Mining"
    )  # a company speaks for itself, without its legal form
    assert places.side_of_organisation("the Kremlin") == "Russia"
    doc = NLP(
        "Chilean President Ana Rivas met Carlos Mendez, a lawyer for the miners, and Ben Ortiz, the Acme Mining "
        "Corp chief. Rivas said the deal was fair."
    )
    sides = person_sides(doc)
    assert sides["rivas"] == "Chile"  # the surname keys the side whatever span the tagger gives the name
    assert sides["ortiz"] == "Acme Mining"  # the organisation named in the title
    assert "carlos mendez" not in sides  # an advocate speaks for a client the title does not name


@needs_pipeline
def test_claims_on_the_parse_resolve_sides_pronouns_datelines_and_dates():
    from stancekit.claims import ClaimExtractor
    from stancekit.documents import Document

    text = (
        "Acme Mining plans a new pit\n\n"
        "SANTIAGO, March 5 (Wire) – Chilean Energy Minister Ana Rivas said on Tuesday that the mine had no permit.\n\n"
        "Acme Mining rejected claims by Rivas that it had started digging without a permit. "
        "The pit, it added, will create 2,000 jobs.\n\n"
        "Rivas later said the inspection on Friday had found waste in the river."
    )
    doc = Document(id="mine", text=text, published="2025-03-06")  # a Thursday
    claims = ClaimExtractor(parse=NLP).extract([doc])
    first = next(c for c in claims if text[c.start : c.end].startswith("the mine had no permit"))
    # the headline line is not run into the dateline paragraph; the dateline's place is not the speaker
    assert (first.speaker, first.actor) == ("Ana Rivas", "Chile")
    # "on Tuesday" in the attribution, not the dateline's March 5: the Tuesday before the Thursday article
    assert first.date is not None and first.date.date().isoformat() == "2025-03-04" and first.date_stated
    alleged = next(c for c in claims if c.kind == "embedded")
    assert text[alleged.start : alleged.end] == "it had started digging without a permit"
    assert (alleged.speaker, alleged.reported_by) == ("Ana Rivas", "Acme Mining")
    denial = next(c for c in claims if "rejected claims by Rivas" in text[c.start : c.end])
    assert (denial.speaker, denial.actor) == ("Acme Mining", "Acme Mining")  # an organisation speaks for itself
    split = next(c for c in claims if "will create 2,000 jobs" in text[c.start : c.end])
    assert split.speaker == "Acme Mining"  # "it added": the last speaker, not the last name mentioned
    assert text[split.start : split.end].startswith("The pit, it added,")
    later = next(c for c in claims if "inspection" in c.text)
    assert later.speaker == "Ana Rivas" and later.actor == "Chile"  # surname, side from the first mention
    assert not later.date_stated  # Friday dates the inspection, not the statement


@needs_pipeline
def test_an_unsourced_allegation_needs_a_matching_claim_of_another_side():
    from stancekit.claims import ClaimExtractor
    from stancekit.documents import Document

    text = (
        "Chilean Energy Minister Ana Rivas said Acme Mining had polluted the Loa river with copper waste.\n\n"
        "Acme Mining rejected claims that it had polluted the Loa river. "
        "Acme Mining also denied reports that it had fired its safety staff."
    )
    claims = ClaimExtractor(parse=NLP).extract([Document(id="loa", text=text)])
    embedded = {text[c.start : c.end]: c.speaker for c in claims if c.kind == "embedded"}
    assert embedded == {"it had polluted the Loa river": "Ana Rivas"}  # nobody said the staff were fired


@needs_pipeline
def test_appositive_names_statement_owners_and_quotes_of_several_sentences():
    text = (
        "The Peruvian Foreign Ministry summoned the ambassador.\n\n"
        "The Peruvian statement said the talks had broken down over the border fence.\n\n"
        "The ministry's spokesman, Jorge Salas, said the army had not crossed the river.\n\n"
        'Salas told reporters: "We will not accept this. The river is the border."'
    )
    found = {text[a.start : a.end]: a for a in attributions(text, doc=NLP(text))}
    statement = found["the talks had broken down over the border fence"]
    assert statement.speaker == "Peruvian Foreign Ministry"  # the statement of the side's organisation
    assert found["the army had not crossed the river"].speaker == "Jorge Salas"  # the person, not "spokesman"
    quote = found["We will not accept this. The river is the border."]  # one claim over both sentences
    assert (quote.speaker, quote.kind) == ("Jorge Salas", "direct_quote")


@needs_pipeline
def test_lawyers_speak_for_their_clients():
    from stancekit.claims.attribution import person_sides

    doc = NLP(
        "Acme engineer Lena Park wrote to regulators. Her attorney, Omar Reyes, said she had been ignored. "
        "Assistant US Attorney Ruth Kim said the fraud was plain."
    )
    sides = person_sides(doc)
    assert sides["omar reyes"] == "Lena Park"  # "her attorney": the person named before, in full
    assert sides["ruth kim"] == "United States"  # a state's attorney speaks for the state


@needs_pipeline
def test_an_agent_speaks_for_its_principal():
    from stancekit.claims import ClaimExtractor
    from stancekit.documents import Document

    text = "Marla Voss's legal team said the lawsuit was baseless and should be dismissed."
    (claim,) = ClaimExtractor(parse=NLP).extract([Document(id="suit", text=text)])
    assert (claim.speaker, claim.actor) == ("Marla Voss's legal team", "Marla Voss")


@needs_pipeline
def test_two_that_clauses_relative_speakers_and_sourced_statements():
    text = (
        "The army said on Monday the fire was set on purpose and that the suspects had fled north.\n\n"
        "It cited the watchdog group, which warned that the forest would not recover for decades.\n\n"
        "A statement from the Forestry Board said the damage was smaller than feared."
    )
    found = {text[a.start : a.end]: a.speaker for a in attributions(text, doc=NLP(text))}
    assert found["the fire was set on purpose"] == "army"  # one claim per "that" clause
    assert found["the suspects had fled north"] == "army"
    assert found["the forest would not recover for decades"] == "watchdog group"  # "which" -> its noun
    assert found["the damage was smaller than feared"] == "Forestry Board"  # "a statement from X" is X's


@needs_pipeline
def test_titles_name_people_and_spokespeople_their_organisation():
    text = (
        "Peruvian Defence Minister Ana Ruiz visited the border.\n\n"
        "The Peruvian Defence Minister said the fence would be finished in May.\n\n"
        "A spokesperson for the Andes Mining Company said the site was safe."
    )
    found = {text[a.start : a.end]: a.speaker for a in attributions(text, doc=NLP(text))}
    assert found["the fence would be finished in May"] == "Ana Ruiz"  # the title names the person given before
    assert found["the site was safe"] == "Andes Mining Company"  # a spokesperson of a named organisation


@needs_pipeline
def test_two_processes_give_the_same_claims():
    from stancekit.claims import ClaimExtractor
    from stancekit.documents import Document

    docs = [
        Document(id=f"d{i}", text=f"Headline {i}\n\nThe ministry said on Monday that talks number {i} had failed.")
        for i in range(8)
    ]
    one = ClaimExtractor(parse=NLP).extract(docs)
    two = ClaimExtractor(parse=NLP, n_process=2).extract(docs)
    assert [c.to_dict() for c in one] == [c.to_dict() for c in two] and len(one) >= 6
    with pytest.raises(ValueError, match="n_process must be a positive"):
        ClaimExtractor(n_process=0)


@needs_pipeline
def test_a_nested_report_stays_with_the_outer_speaker():
    from stancekit.claims import ClaimExtractor
    from stancekit.documents import Document

    text = (
        "Interior ministry spokesman Omar Haidari denied the report on Monday. "
        "He added that the government has assured its neighbours that no fighters were crossing the border."
    )
    claims = ClaimExtractor(parse=NLP).extract([Document(id="d", text=text, published="2025-03-06")])
    added = next(c for c in claims if "no fighters" in text[c.start : c.end])
    # the added clause whole, for the one who added it, not only the innermost "that" clause
    assert text[added.start : added.end].startswith("the government has assured its neighbours that no fighters")
    assert added.speaker == "Omar Haidari"


def test_acronyms_match_only_in_capitals_and_state_organs_speak_for_their_state():
    places = gazetteer()
    assert places.actor_in("her former dancers, who sued") is None  # "who" is not the WHO
    assert places.actor_in("which is why") is None and places.actor_in("told us") is None
    assert places.actor_in("WHO officials") == "WHO" and places.actor_in("IS fighters") == "Islamic State"
    assert places.actor_in("Russia’s army") == "Russia"
    assert places.side_of_organisation("Russia’s Investigative Committee") == "Russia"
    assert places.side_of_organisation("the Chilean National Security Council") == "Chile"
    assert places.side_of_organisation("Acme Mining") == "Acme Mining"


@needs_pipeline
def test_a_family_name_written_first_names_the_person():
    from stancekit.claims import ClaimExtractor
    from stancekit.documents import Document

    text = (
        "Chile's foreign ministry criticised the plan on Thursday.\n\n"
        "Li Wenhao, a spokesperson for the ministry, said the talks had been useful.\n\n"
        "The other side has ignored every proposal, Li added."
    )
    claims = ClaimExtractor(parse=NLP).extract([Document(id="d", text=text, published="2025-03-06")])
    added = next(c for c in claims if "ignored every proposal" in c.text)
    assert (added.speaker, added.actor) == ("Li Wenhao", "Chile")


@needs_pipeline
def test_a_counterpart_is_the_same_office_of_the_other_side_and_a_day_is_not_in_its_name():
    text = (
        "The Chilean Foreign Ministry said the border talks had failed. "
        "It was responding to a statement by its Peruvian counterpart on Monday that said Lima had offered new talks."
    )
    items = attributions(text, nlp=NLP)
    reply = next(a for a in items if "Lima had offered" in text[a.start : a.end])
    assert (reply.speaker, reply.actor) == ("Peruvian Foreign Ministry", "Peru")


@needs_pipeline
def test_statements_through_frames_and_purpose_clauses():
    text = (
        "The Chilean president pointed to the fact that the suspects had been driving towards the border, and that "
        "the attack served the ends of the government in Lima. "
        "The air force also cited radio intercepts to underline that the enemy lost a jet. "
        "Prosecutor Ana Ruiz painted a picture of a greedy businessman who stole billions of dollars. "
        "She painted the fence green. "
        "It is important to note that the region hosts ten armed groups."
    )
    spans = {text[a.start : a.end]: a.speaker for a in attributions(text, nlp=NLP)}
    assert "the suspects had been driving towards the border" in spans  # one claim per "that" clause
    assert "the attack served the ends of the government in Lima" in spans
    assert spans.get("the enemy lost a jet") == "air force"
    assert "a greedy businessman who stole billions of dollars" in spans
    assert not [s for s in spans if "fence" in s or "ten armed groups" in s]  # no picture; the writer's own note


@needs_pipeline
def test_mixed_quote_marks_close_and_a_name_after_the_verb_is_not_its_subject():
    from stancekit.claims import ClaimExtractor
    from stancekit.documents import Document

    text = (
        "Acme Mining denied the report on Monday.\n\n"
        '“We are saddened by the accident and will help the families," Acme Mining said. '
        "The company said that the Chilean inspectors took samples and the results are awaited."
    )
    claims = ClaimExtractor(parse=NLP).extract([Document(id="d", text=text, published="2025-03-06")])
    quote = next(c for c in claims if c.kind == "direct_quote")
    assert text[quote.start : quote.end].endswith("will help the families,") and quote.speaker == "Acme Mining"
    samples = next(c for c in claims if "took samples" in c.text)
    assert samples.speaker == "Acme Mining"  # "the company", not the inspectors named after the verb


@needs_pipeline
def test_the_report_said_is_the_report_named_before():
    text = (
        "The row follows a report from the Daily Planet which revealed how nine cyclists were cleared to race. "
        "The report said that the riders had tested positive for a banned drug."
    )
    items = attributions(text, nlp=NLP)
    said = next(a for a in items if "tested positive" in text[a.start : a.end])
    assert said.speaker == "the Daily Planet" or said.speaker == "Daily Planet"


@needs_pipeline
def test_a_name_the_gazetteer_holds_whole_is_the_speaker_however_the_tagger_cuts_it():
    text = (
        "Contrary to some media reports which allege the commander's death in the recent air strikes, the "
        "Tehreek-e-Taliban Pakistan released a video denying his presence in Afghanistan."
    )
    denial = next(a for a in attributions(text, nlp=NLP) if text[a.start : a.end].startswith("denying"))
    assert (denial.speaker, denial.actor) == ("Tehreek-e-Taliban Pakistan", "Tehreek-e-Taliban Pakistan")


@needs_pipeline
def test_he_is_the_person_the_last_sentence_was_about_not_only_the_last_speaker():
    from stancekit.claims import ClaimExtractor
    from stancekit.documents import Document

    text = (
        "Defense lawyer Mark Cole sat beside his client.\n\n"
        "Prosecutor Ana Ruiz said the defendant stole billions.\n\n"
        "Cole laid out a starkly different view of his client.\n\n"
        "“Sam did not defraud anyone,” he told jurors, arguing that his client acted in good faith."
    )
    claims = ClaimExtractor(parse=NLP).extract([Document(id="d", text=text, published="2025-03-06")])
    quote = next(c for c in claims if "defraud" in c.text)
    assert quote.speaker == "Mark Cole"
    assert next(c for c in claims if "good faith" in c.text).speaker == "Mark Cole"


@needs_pipeline
def test_what_it_called_false_claims_by_x_is_an_embedded_claim_of_x_and_never_negated():
    from stancekit.claims import ClaimExtractor
    from stancekit.documents import Document

    text = (
        'Chile rejected the plan on Monday. The Chilean Foreign Ministry also disputed what it called "false '
        'claims" by Peru that Lima and Quito had agreed on the border during past talks.'
    )
    claims = ClaimExtractor(parse=NLP).extract([Document(id="d", text=text, published="2025-03-06")])
    alleged = next(c for c in claims if c.kind == "embedded")
    assert text[alleged.start : alleged.end] == "Lima and Quito had agreed on the border during past talks"
    assert (alleged.speaker, alleged.reported_by) == ("Peru", "Chilean Foreign Ministry")
    denial = next(c for c in claims if c.speaker == "Chilean Foreign Ministry")
    assert "does not" not in denial.text and denial.text.startswith("disputed what it called")


@needs_pipeline
def test_statements_without_content_of_their_own_and_joint_ones_are_not_claims():
    from stancekit.claims import ClaimExtractor
    from stancekit.documents import Document

    text = (
        "Chile and Peru blamed each other for the flood. Both sides accused the other of plotting to destroy the dam. "
        "Spokespeople for the navy and the army said the same. The minister spoke briefly and did not elaborate. "
        "Prosecutors charged the mayor with fraud. The mayor heads a group which he called the river clan. "
        "The Chilean minister said the dam served the regard for each other's interests."
    )
    claims = ClaimExtractor(parse=NLP).extract([Document(id="d", text=text, published="2025-03-06")])
    spans = [text[c.start : c.end] for c in claims]
    assert not [s for s in spans if "blamed each other" in s or "accused the other" in s]
    assert not [s for s in spans if "said the same" in s or "elaborate" in s]
    assert not [s for s in spans if "charged the mayor" in s or "river clan" in s]
    assert any("each other's interests" in s for s in spans)  # "each other" inside the content is content


def test_a_company_is_itself_whatever_its_legal_form():
    places = gazetteer()
    assert places.side_of_organisation("Acme Mining Limited") == "Acme Mining"
    assert places.side_of_organisation("Acme Mining Inc.") == "Acme Mining"


@needs_pipeline
def test_a_short_name_of_an_organisation_named_before_is_that_organisation():
    text = (
        "Acme Research said on Monday that the miner had inflated its reserves. "
        "Acme also said that its two-year investigation found forged records."
    )
    items = attributions(text, nlp=NLP)
    second = next(a for a in items if "forged records" in text[a.start : a.end])
    assert (second.speaker, second.actor) == ("Acme Research", "Acme Research")


@needs_pipeline
def test_a_spokesperson_for_an_organisation_gives_the_organisation_for_each_of_its_quotes():
    from stancekit.claims import ClaimExtractor
    from stancekit.documents import Document

    text = (
        '"This is the first step of a legal process we will win," a spokesperson for Acme\'s legal team said in a '
        'statement. "Any and all claims to the contrary are ridiculous, and we look forward to the trial."\n\n'
        'In response, the workers\' lawyer Dana Ruiz said the reply "merely consists of boilerplate objections."'
    )
    claims = ClaimExtractor(parse=NLP).extract([Document(id="d", text=text, published="2025-03-06")])
    quotes = [c for c in claims if c.kind == "direct_quote" and "Ruiz" not in (c.speaker or "")]
    assert len(quotes) == 2 and {c.speaker for c in quotes} == {"Acme's legal team"}
    assert {c.actor for c in quotes} == {"Acme"}  # a legal team speaks for its principal


@needs_pipeline
def test_a_person_named_inside_a_quote_is_not_the_next_she():
    from stancekit.claims import ClaimExtractor
    from stancekit.documents import Document

    text = (
        "“The rebels bear the sole responsibility,” Chilean spokeswoman Ana Ruiz insisted. “Peruvian President Luis "
        "Vargas understands that. We shared that with his government.”\n\n"
        "Ruiz referred to the March advisory. She said this was communicated to the Peruvian government as well."
    )
    claims = ClaimExtractor(parse=NLP).extract([Document(id="d", text=text, published="2025-03-06")])
    told = next(c for c in claims if "communicated" in c.text)
    assert told.speaker == "Ana Ruiz"


@needs_pipeline
def test_an_outlet_that_relays_a_named_speaker_is_not_the_speaker():
    from stancekit.claims import ClaimExtractor
    from stancekit.documents import Document

    text = (
        'Dana Ruiz, an engineer at Acme, said "she saw shortcuts taken by the company" during the build, '
        '"leaving debris in the joints," Planet News reported.'
    )
    claims = ClaimExtractor(parse=NLP).extract([Document(id="d", text=text, published="2025-03-06")])
    assert [c.speaker for c in claims if "shortcuts" in text[c.start : c.end]] == ["Dana Ruiz"]


@needs_pipeline
def test_an_inverted_speaker_the_parse_hangs_inside_the_content_is_found():
    from stancekit.claims import ClaimExtractor
    from stancekit.documents import Document

    text = (
        "Chile's police said on Sunday the deaths were linked to the syrups.\n\n"
        "Meanwhile, Chile has not yet confirmed that the syrup was the cause of the deaths of 70 children, a "
        "representative of the country's Medicines Control Agency said on Monday."
    )
    claims = ClaimExtractor(parse=NLP).extract([Document(id="d", text=text, published="2025-03-06")])
    agency = next(c for c in claims if "not yet confirmed" in text[c.start : c.end])
    assert text[agency.start : agency.end].startswith("Chile has not yet confirmed")  # not "Meanwhile, …"
    assert (agency.speaker, agency.actor) == ("Medicines Control Agency", "Chile")


@needs_pipeline
def test_a_second_speaker_the_parse_made_a_conjunct_of_the_first_claim():
    text = (
        "Peru has denied any role in the attack and the Defense Ministry in Lima immediately rejected Ruiz's claims, "
        'calling them "blatant lies."'
    )
    items = attributions(text, nlp=NLP)
    rejected = next(a for a in items if text[a.start : a.end].startswith("rejected"))
    assert "Defense Ministry" in (rejected.speaker or "") and rejected.actor == "Peru"
    denied = next(a for a in items if text[a.start : a.end].startswith("denied"))
    assert denied.speaker == "Peru" and "Defense Ministry" not in text[denied.start : denied.end]


@needs_pipeline
def test_another_speakers_statement_hung_on_a_noun_ends_the_first_claim():
    text = (
        "Prime Minister Ana Ruiz has accused a criminal gang from northern Peru of being behind a deadly attack at a "
        'monastery in Chile in remarks Lima quickly rejected as "blatant lies."'
    )
    items = attributions(text, nlp=NLP)
    accused = next(a for a in items if text[a.start : a.end].startswith("accused"))
    assert text[accused.start : accused.end].endswith("at a monastery in Chile")
    rejected = next(a for a in items if text[a.start : a.end].startswith("rejected"))
    assert rejected.speaker == "Lima"


@needs_pipeline
def test_claiming_responsibility_is_a_statement_of_the_name_a_group_goes_by():
    text = "A militant group calling itself Islamic State Khorasan (ISIS-K) has claimed responsibility."
    claimed = next(a for a in attributions(text, nlp=NLP))
    assert text[claimed.start : claimed.end] == "has claimed responsibility"
    assert (claimed.speaker, claimed.actor) == ("Islamic State Khorasan", "Islamic State")


@needs_pipeline
def test_a_clause_the_parse_splits_in_two_stays_one_claim():
    text = (
        "Chile's estimate shows that around 2,000 IS fighters are in the north of Peru and they pose threats to Lima."
    )
    shown = next(a for a in attributions(text, nlp=NLP))
    assert text[shown.start : shown.end] == (
        "around 2,000 IS fighters are in the north of Peru and they pose threats to Lima"
    )
    assert shown.speaker == "Chile"


def _claims(text, title=""):
    from stancekit.claims import ClaimExtractor
    from stancekit.documents import Document

    document = Document(id="d", text=text, title=title, published="2024-03-08")
    return [c for c in ClaimExtractor().extract([document]) if c.kind != "narration"]


@needs_pipeline
def test_journalists_and_whistleblowers_speak_for_themselves():
    text = (
        "The ministry dismissed a report by British investigative journalist Tom Ashby. "
        "Ashby said that the navy had hidden the accident. "
        "Lena Ortiz, a welding engineer at Norvik Shipyards, said the hull had cracked during trials. "
        "A Norvik Shipyards spokesman said the hull was sound."
    )
    actors = {c.speaker: c.actor for c in _claims(text)}
    assert actors["Ashby"] == "Tom Ashby"  # not the United Kingdom
    assert actors["Lena Ortiz"] == "Lena Ortiz"  # not the shipyard she alleges against
    assert gazetteer().speaks_for_self(["former", "Deputy", "Minister"])
    assert not gazetteer().speaks_for_self(["chief", "engineer"])


@needs_pipeline
def test_headline_gives_a_bare_title_its_side():
    body = "Prime Minister Elena Marsh said the strike was planned abroad. Marsh added that talks were over."
    claims = _claims(body, title="Moldovan PM Says Strike Was Planned Abroad")
    assert {c.actor for c in claims if c.speaker == "Elena Marsh"} == {"Moldova"}
    # a headline title that belongs to someone else gives nothing
    other = _claims(body, title="Moldovan PM Ion Popa Visits Brussels")
    assert {c.actor for c in other if c.speaker == "Elena Marsh"} == {None}


@needs_pipeline
def test_a_lawyer_does_not_speak_for_the_other_sides_lawyer():
    text = (
        "Assistant US Attorney Dana Cole told jurors that Victor Hale stole the money. "
        "Hale sat quietly beside his attorneys as Cole finished. "
        "But as his own lawyer, Sam Pruitt, rose to speak, the room fell silent. "
        "Pruitt said his client had acted in good faith."
    )
    actors = {c.speaker.split()[-1]: c.actor for c in _claims(text)}
    assert actors["Pruitt"] == "Victor Hale"  # not the prosecutor, the last person named before "his"
    assert actors["Cole"] == "United States"


@needs_pipeline
def test_an_allegation_characterised_by_the_other_side_is_its_sources_claim():
    text = "The Egyptian Foreign Ministry said Ethiopia's assertion that the dam harms nobody was a desperate attempt."
    claims = _claims(text)
    embedded = [c for c in claims if c.kind == "embedded"]
    assert [(c.speaker, c.actor, c.text) for c in embedded] == [("Ethiopia", "Ethiopia", "the dam harms nobody")]
    assert any(c.actor == "Egypt" and c.kind != "embedded" for c in claims)


@needs_pipeline
def test_acronyms_bare_organs_and_the_same_day():
    from stancekit.claims.attribution import acronym_forms

    assert acronym_forms("the US Anti-Doping Agency (USADA) and the National Institute of Health (NIH)") == {
        "USADA": "US Anti-Doping Agency",
        "NIH": "National Institute of Health",
    }
    text = (
        "The World Skating Agency (WSA) rejected the findings on Tuesday. "
        "WSA said the tests were flawed. "
        "The Canadian Skating Agency (CSA) chief Mark Bell accused it of a cover-up. "
        "In another statement earlier that day, the agency said that it had reviewed the case carefully."
    )
    claims = _claims(text)
    last = max(claims, key=lambda c: c.start)
    assert last.speaker == "WSA"  # the agency that spoke, not the one named last
    assert last.date.date().isoformat() == "2024-03-05" and last.date_stated


@needs_pipeline
def test_criticised_for_saying_gives_the_criticised_party_a_claim():
    text = "Chile rebuked Peru on Monday for calling the border treaty a dead letter."
    embedded = [c for c in _claims(text) if c.kind == "embedded"]
    assert [(c.speaker, c.actor, c.text) for c in embedded] == [
        ("Peru", "Peru", "calling the border treaty a dead letter")
    ]
    # criticised for an act, not a statement: no claim of the criticised
    assert not [
        c for c in _claims("Chile rebuked Peru on Monday for closing the border crossing.") if c.kind == "embedded"
    ]


@needs_pipeline
def test_an_outlet_quoting_someone_as_saying_gives_the_one_quoted():
    text = (
        "Interfax quoted Chilean Defence Minister Ana Ruiz as saying that the border would stay closed. "
        "State media quoted the minister as saying the talks had stalled. "
        "The newspaper cited a Peruvian diplomat as saying the fence was illegal."
    )
    spans = {text[a.start : a.end]: a.speaker for a in attributions(text, nlp=NLP)}
    assert spans.get("the border would stay closed") == "Ana Ruiz"
    assert spans.get("the talks had stalled") == "Ana Ruiz"  # "the minister": the one named before
    assert spans.get("the fence was illegal") == "Peruvian diplomat"
    assert not [s for s, speaker in spans.items() if speaker in ("Interfax", "State media", "newspaper")]

    claims = _claims(text, "Border")
    actors = {c.text: c.actor for c in claims}
    assert actors.get("the border would stay closed") == "Chile"  # her title names her country


@needs_pipeline
def test_a_well_known_person_named_without_a_title_takes_the_side_the_gazetteer_gives():

    text = (
        "Volodymyr Zelensky said Russian troops blew up the dam. Zelensky added that the flooding was a war crime. "
        "Former President Donald Trump said the war would never have happened."
    )
    claims = _claims(text, "The dam")
    actors = {c.text: c.actor for c in claims}
    assert actors["Russian troops blew up the dam"] == "Ukraine"
    assert actors["the flooding was a war crime"] == "Ukraine"  # the surname, after the full name
    assert actors["the war would never have happened"] == "Donald Trump"  # "former": his own voice
    namesake = "Anna Zelensky, a local farmer, said her fields were flooded. Zelensky added that help came late."
    claims = _claims(namesake, "Floods")
    assert claims and all(c.actor != "Ukraine" for c in claims)  # not the listed person
    assert gazetteer().side_of_person("Zelensky") is None  # a bare surname alone names no one for sure


@needs_pipeline
def test_phrasal_stance_verbs_deny_what_they_take_but_only_a_statement():
    text = (
        "The Peruvian ministry brushed aside reports that its troops had crossed the river. "
        "Lima also pushed back against claims that the fence was illegal. "
        "The army pushed back the rebels. The council shut down the factory."
    )
    found = {text[a.start : a.end]: (a.kind, a.polarity) for a in attributions(text, nlp=NLP)}
    assert found.get("brushed aside reports that its troops had crossed the river") == ("reported_speech", "deny")
    assert found.get("its troops had crossed the river", ("?",))[0] == "embedded"
    assert found.get("pushed back against claims that the fence was illegal") == ("reported_speech", "deny")
    assert not [s for s in found if "rebels" in s or "factory" in s]  # no statement as their object
    from stancekit.rebuttals import opening_polarity

    assert opening_polarity("shut down claims that the plaintiffs were hurt") == "deny"


@needs_pipeline
def test_a_participle_of_any_speech_verb_completes_the_statement():
    text = (
        "The Peruvian ministry blamed the collapse of the bridge on Chilean saboteurs, describing it as a "
        "deliberate attack that could cut the region off for months."
    )
    found = {text[a.start : a.end]: a.polarity for a in attributions(text, nlp=NLP)}
    whole = (
        "blamed the collapse of the bridge on Chilean saboteurs, describing it as a deliberate attack that could "
        "cut the region off for months"
    )
    assert found.get(whole) == "accuse", found
    forms = speech_lexicon()["forms"]
    lemmas = set(forms.values()) - {lemma for form, lemma in forms.items() if form.endswith("ing")}
    missing = {lemma for lemma in lemmas if " " not in lemma}
    assert missing <= {"find", "show", "believe", "promise", "threaten", "assure"}  # adjectives as -ing


@needs_pipeline
def test_a_writing_speaks_for_its_author_and_a_passive_subject_does_not_speak():
    text = (
        "The Courier on Sunday has been criticised for using a misleading chart in an article about river pollution. "
        "The Courier on Sunday said it stood by its reporting. Greenpeace published a study of the river last year. "
        "The study found that nitrate levels had fallen. It was claimed by the union that the mill had closed. "
        "Mayor Ana Lopez on Monday said the river was clean."
    )
    found = {text[a.start : a.end]: (a.speaker, a.actor) for a in attributions(text, nlp=NLP)}
    assert found.get("nitrate levels had fallen") == ("study", "Greenpeace")  # the study, for who published it
    assert found.get("it stood by its reporting", ("?",))[0] == "Courier on Sunday"  # the name repeats whole
    assert found.get("the river was clean", ("?",))[0] == "Ana Lopez"  # a day said of a statement is no name
    assert found.get("the mill had closed", ("?",))[0] == "union"  # the agent of a passive speech verb
    assert not [s for s in found if s.startswith("criticised")]  # the one criticised did not speak


@needs_pipeline
def test_a_story_relaying_an_act_of_speech_gives_the_one_who_spoke_and_a_news_piece_its_outlet():
    text = (
        "Peruvian officials also expressed concern about the new fence, saying it would cut farmers off from "
        "their fields, the Lima Herald story said.\n\n"
        "The Daily Courier ran an article about the border last week. A Chilean minister contradicted the "
        "story's central claim that the army had closed the crossing."
    )
    found = {text[a.start : a.end]: (a.speaker, a.actor, a.kind) for a in attributions(text, nlp=NLP)}
    relayed = [v for s, v in found.items() if "expressed concern" in s or s.startswith("it would cut")]
    assert relayed and all(speaker == "Peruvian officials" for speaker, _, _ in relayed), found
    assert found.get("the army had closed the crossing") == ("Daily Courier", "Daily Courier", "embedded"), found


def test_negate_reads_an_auxiliary_before_a_quoted_participle():
    from stancekit.text import negate

    assert negate("The clerks had “altered” the records") == "The clerks had not “altered” the records"


@needs_pipeline
def test_what_investigators_found_is_their_claim_and_who_in_capitals_is_an_organisation():
    text = (
        "The World Health Organization (WHO) investigators have found unacceptable levels of lead in the toys, "
        "which were made abroad. WHO said the toys should be recalled. Police found the body of a man near the "
        "river. The man, who said he was a fisherman, left."
    )
    found = {text[a.start : a.end]: (a.speaker, a.actor) for a in attributions(text, nlp=NLP)}
    assert found.get("unacceptable levels of lead in the toys", ("?",))[0] == "World Health Organization", found
    assert found.get("the toys should be recalled", ("?",))[0] == "WHO"
    assert not [s for s in found if "body of a man" in s]  # police finding a body is an act, not a statement
    assert found.get("he was a fisherman", ("?",))[0] == "man"  # a relative "who" still hangs on its noun


@needs_pipeline
def test_a_sourced_allegation_is_its_sources_claim_and_a_role_names_the_one_person_with_it():

    text = (
        "Regulators are investigating a Northwind pilot's allegations that the airline skipped safety checks.\n\n"
        "Ana Ruiz, a senior pilot at Northwind, said she had seen shortcuts in maintenance. "
        "Spokesman Tom Hale reiterated the company's claims that every check had been done. "
        "The airline stood by last week's report that its planes were safe."
    )
    found = {text[a.start : a.end]: (a.speaker, a.kind) for a in attributions(text, nlp=NLP)}
    assert found.get("the airline skipped safety checks") == ("Northwind pilot", "embedded"), found
    assert "every check had been done" not in found  # under "reiterated": the spokesman's own statement
    assert "its planes were safe" not in found  # "last week's report": a time, not a source
    claims = _claims(text, "Checks")
    speakers = {c.text: c.speaker for c in claims}
    assert speakers.get("the airline skipped safety checks") == "Ana Ruiz"  # the one pilot the article names


@needs_pipeline
def test_a_quote_that_carries_on_an_attributed_quote_is_the_same_speakers():
    text = (
        "“The bridge was closed for safety reasons,” Ana Ruiz insisted. “Nobody was put at risk. We said so "
        "at the time.”\n\n"
        '"The inspection found no cracks in the main span," the Transport Ministry said in a statement.\n\n'
        '"This shows that the closure was a precaution and nothing more."\n\n'
        "Residents gathered near the river on Sunday.\n\n"
        '"We were never told anything about the closure," a sign read.'
    )
    found = {text[a.start : a.end]: (a.speaker, a.kind) for a in attributions(text, nlp=NLP)}
    assert found.get("Nobody was put at risk. We said so at the time.") == ("Ana Ruiz", "direct_quote"), found
    assert found.get("This shows that the closure was a precaution and nothing more.", ("?",))[0] in (
        "Transport Ministry",
        "the Transport Ministry",
    )
    assert not [s for s in found if s.startswith("We were never told") and found[s][0] == "Transport Ministry"]


@needs_pipeline
def test_a_denial_keeps_its_gerund_and_a_fragment_of_the_rules_gives_way_to_the_parse():

    text = (
        "The Peruvian spokesperson refuted claims of Juan Ortiz, a commander of the rebel group, being in Peru "
        "and warned that further raids would have serious consequences."
    )
    claims = _claims(text, "Raids")
    texts = [c.text for c in claims]
    assert not [t for t in texts if t.startswith("of ")], texts
    assert "further raids would have serious consequences" in texts
    assert any(t.startswith("refuted claims of Juan Ortiz") and t.endswith("being in Peru") for t in texts), texts


@needs_pipeline
def test_a_described_firm_is_the_organisation_that_spoke_or_is_named_next_never_its_country():
    text = (
        "The US-based equity research firm said the Norland Group had misled its shareholders.\n\n"
        "Kestrel Research on Monday hit back at Norland, saying fraud cannot be hidden by flag-waving.\n\n"
        "The Norwegian shipping company said the report was false."
    )
    found = {text[a.start : a.end]: (a.speaker, a.actor) for a in attributions(text, nlp=NLP)}
    speaker, actor = found.get("the Norland Group had misled its shareholders", (None, None))
    assert speaker == "Kestrel Research" and actor != "United States", found
    assert found.get("the report was false", ("?",))[0] != "Kestrel Research"  # "Norwegian": no firm of Norway spoke


@needs_pipeline
def test_a_purpose_clause_parsed_as_the_root_keeps_the_speaker_of_the_verb_before_it():
    text = (
        "The Chilean Navy also cited sonar logs, coast guard sightings and statements by the Peruvian Navy to "
        "underline that the submarine had entered its waters."
    )
    found = {text[a.start : a.end]: a.speaker for a in attributions(text, nlp=NLP)}
    assert found.get("the submarine had entered its waters") == "Chilean Navy", found
    assert "coast guard sightings" not in found.values()


@needs_pipeline
def test_a_clause_the_parse_made_the_subject_gives_way_to_the_noun_before_the_verb():
    from spacy.tokens import Doc

    # the parse the small English pipeline gives such a sentence: "allege" tagged a noun, the subject of
    # "released", with its own "which"
    words = (
        "Contrary to reports which allege his death , the Rojo Movement released a video denying his presence ."
    ).split()
    heads = [0, 0, 1, 4, 11, 6, 4, 4, 10, 10, 6, 2, 13, 11, 13, 16, 14, 0]
    deps = "ROOT prep pobj nsubj nsubj poss dobj punct det compound appos relcl det dobj acl poss dobj punct".split()
    pos = "ADJ ADP NOUN PRON NOUN PRON NOUN PUNCT DET PROPN PROPN VERB DET NOUN VERB PRON NOUN PUNCT".split()
    tags = "JJ IN NNS WDT NN PRP$ NN , DT NNP NNP VBD DT NN VBG PRP$ NN .".split()
    spaces = [True] * len(words)
    spaces[6] = spaces[-2] = spaces[-1] = False
    ents = ["O"] * 8 + ["B-ORG", "I-ORG", "I-ORG"] + ["O"] * 7
    doc = Doc(NLP.vocab, words=words, spaces=spaces, heads=heads, deps=deps, pos=pos, tags=tags, ents=ents)
    found = {doc.text[a.start : a.end]: a.speaker for a in attributions(doc.text, doc=doc)}
    assert found == {"denying his presence": "Rojo Movement"}


@needs_pipeline
def test_a_second_allegation_hung_deep_in_the_first_is_still_an_embedded_claim_of_the_same_source():
    text = (
        "The Bolivian ministry has rejected Chile’s warning on the country’s water rights over the Lauca River and "
        "the accusation that the ministry is limiting the flow of water into Chile."
    )
    found = {text[a.start : a.end]: (a.speaker, a.kind) for a in attributions(text, nlp=NLP)}
    assert found.get("the ministry is limiting the flow of water into Chile") == ("Chile", "embedded"), found


@needs_pipeline
def test_what_an_agent_alleges_of_a_noun_is_its_claim_and_sources_a_denied_allegation():

    text = (
        "Luis Vega, the rebel spokesperson, refuted claims of Juan Ortiz, the guerrilla leader, being in "
        "Peru.\n\n"
        'Vega said, "Juan Ortiz, the guerrilla leader alleged by Chile to have been hiding in the mine, now '
        'lives in Bolivia."'
    )
    found = {text[a.start : a.end]: (a.speaker, a.kind) for a in attributions(text, nlp=NLP)}
    alleged = "the guerrilla leader alleged by Chile to have been hiding in the mine"
    assert found.get(alleged) == ("Chile", "embedded"), found
    claims = _claims(text, "Raid")
    sources = {c.text: c.speaker for c in claims if c.kind == "embedded"}
    assert sources.get("Juan Ortiz, the guerrilla leader, being in Peru") == "Chile", sources
    denial = next(c for c in claims if c.text.startswith("refuted claims"))
    assert "not the case" not in denial.text  # a gerund phrase is no clause to negate


@needs_pipeline
def test_it_after_an_organisation_subject_and_a_quote_closed_with_another_mark():
    text = (
        "Kestrel Research on Monday hit back at the Norland group. "
        '"We reject this charge and will answer it in court," it said.\n\n'
        "Ana Ruiz, an officer at the port authority, has said, “We have not finished the tests. Some samples "
        'were lost in transit. Others are still at the laboratory."'
    )
    found = {text[a.start : a.end]: (a.speaker, a.kind) for a in attributions(text, nlp=NLP)}
    quote = "We reject this charge and will answer it in court"
    assert found.get(quote, ("?",))[0] == "Kestrel Research", found  # the last sentence's subject, not its object
    whole = "We have not finished the tests. Some samples were lost in transit. Others are still at the laboratory."
    assert found.get(whole) == ("Ana Ruiz", "direct_quote"), found


@needs_pipeline
def test_the_lawyers_of_a_described_principal_speak_for_the_principal_named_before():

    text = (
        "Ana Ruiz's legal team has responded to a lawsuit filed by her former staff. In court documents filed on "
        "Monday, the Oscar winner's lawyers said the suit should be thrown out of court."
    )
    claims = _claims(text, "Suit")
    actors = {c.text: c.actor for c in claims}
    assert actors.get("the suit should be thrown out of court") == "Ana Ruiz", actors


@needs_pipeline
def test_the_report_said_takes_the_side_of_the_body_that_names_it():
    text = (
        "Peru rejected on Thursday a recent UN Security Council report claiming that new camps were built on its "
        "soil.\n\n"
        "The report said the camps held about forty fighters."
    )
    found = {text[a.start : a.end]: (a.speaker, a.actor) for a in attributions(text, nlp=NLP)}
    assert found.get("the camps held about forty fighters") == ("report", "United Nations"), found


@needs_pipeline
def test_the_parse_subject_right_before_the_verb_beats_a_name_the_rules_took_from_a_clause_before_it():

    text = (
        "Kestrel Research on Monday hit back at the Norland Group, saying fraud cannot be hidden by flag-waving.\n\n"
        "Commenting on the long reply Norland Group, Kestrel said it believed Norway was a healthy market "
        "and it was Norland Group which kept it down.\n\n"
        "Norland also claimed Kestrel had broken trading laws.\n\n"
        '"We have broken no law of any kind," it said.'
    )
    claims = _claims(text, "Fraud")
    speakers = {c.text[:30]: c.speaker for c in claims}
    assert speakers.get("it believed Norway was a healt") == "Kestrel Research", speakers


@needs_pipeline
def test_a_last_conjunct_hung_on_the_first_verb_takes_the_nearer_speaker():
    from spacy.tokens import Doc

    # the small pipeline's parse of such sentences: "appealed" a conjunct of "denied", "ministry" of "raid"
    words = "Peru denied the raid and the ministry rejected the claims and appealed to the court .".split()
    heads = [1, 1, 3, 1, 3, 6, 3, 1, 9, 7, 1, 1, 11, 14, 12, 1]
    deps = "nsubj ROOT det dobj cc det conj ccomp det dobj cc conj prep det pobj punct".split()
    pos = "PROPN VERB DET NOUN CCONJ DET NOUN VERB DET NOUN CCONJ VERB ADP DET NOUN PUNCT".split()
    tags = "NNP VBD DT NN CC DT NN VBD DT NNS CC VBD IN DT NN .".split()
    spaces = [True] * len(words)
    spaces[-2] = spaces[-1] = False
    doc = Doc(NLP.vocab, words=words, spaces=spaces, heads=heads, deps=deps, pos=pos, tags=tags)
    found = {doc.text[a.start : a.end]: a.speaker for a in attributions(doc.text, doc=doc)}
    assert found.get("appealed to the court") == "ministry", found


@needs_pipeline
def test_material_put_forward_as_evidence_of_p_is_a_claim_of_who_put_it_forward():
    text = (
        "Two days after Chile released sonar recordings as “conclusive evidence” of a submarine incursion near Arica, "
        "the Peruvian Navy rejected the proof. The lawyer kept the letter as evidence."
    )
    found = {text[a.start : a.end]: (a.speaker, a.kind) for a in attributions(text, nlp=NLP)}
    claim = "released sonar recordings as “conclusive evidence” of a submarine incursion near Arica"
    assert found.get(claim) == ("Chile", "reported_speech"), found
    assert not [s for s in found if "kept the letter" in s]  # evidence of nothing said: no claim
