"""Names and coreference: spelling-insensitive keys, the people of a document, speakers and their roles."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from stancekit.claims.lexicon import ACTOR_KEYWORDS, ORGS

if TYPE_CHECKING:
    pass


def name_key(name: str) -> str:
    """A spelling-insensitive key for a person's name: transliteration variants compare equal.

    Example:
        >>> name_key("Sergey Shoygu") == name_key("Sergei Shoigu")
        True
    """
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z ]+", "", text)
    text = text.replace("y", "i").replace("kh", "h").replace("ou", "u").replace("ii", "i")
    return " ".join(text.split())


def actor_of_title(phrase: str) -> str | None:
    """The actor a title or organisation phrase names by its keywords ("Russian Defence Minister" -> Russia)."""
    lowered = phrase.lower()
    for actor, keywords in ACTOR_KEYWORDS.items():
        if any(re.search(rf"(?<![a-z]){re.escape(k)}", lowered) for k in keywords):
            return actor
    return None


def title_tokens(role: str) -> frozenset[str]:
    """The words of a role that identify it ("the Russian defence minister" -> russia, defense, minister)."""
    words = re.findall(r"[a-z]+", role.lower().replace("’s", "").replace("'s", ""))
    normal = {"russian": "russia", "pakistani": "pakistan", "tajik": "tajikistan", "defence": "defense"}
    return frozenset(
        normal.get(w, w) for w in words if w not in ("the", "of", "for", "his", "her", "its", "their", "s")
    )


# ----------------------------------------------------------------------------- entities


@dataclass(slots=True)
class Person:
    """A person named in a document: the full name, where first seen, the roles given and the actor."""

    name: str
    first_seen: int
    roles: list[str] = field(default_factory=list)
    actor: str | None = None

    @property
    def surname(self) -> str:
        """The last word of the name."""
        return self.name.split()[-1]

    def role_tokens(self) -> frozenset[str]:
        """The identifying words of all the person's roles and actor (see :func:`title_tokens`)."""
        tokens: set[str] = set()
        for role in self.roles:
            tokens |= title_tokens(role)
        if self.actor:
            tokens |= title_tokens(self.actor)
        return frozenset(tokens)


@dataclass(slots=True)
class Speaker:
    """Who speaks a claim: a name, its actor and the person it resolved to, if any."""

    name: str
    actor: str | None
    person: Person | None = None


class DocState:
    """Per-document memory: people introduced, the last speaker, the last organisation mentioned."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.people: list[Person] = []
        self.last_person: Speaker | None = None
        self.last_group: Speaker | None = None

    def person_by_surname(self, token: str) -> Person | None:
        """The person a bare surname (or a family name written first) refers to, if introduced."""
        key = name_key(token)
        for person in self.people:
            if name_key(person.surname) == key or name_key(person.name) == key:
                return person
        # a family name written first ("Wang Wenbin ... Wang added"): the first word of a full name
        for person in self.people:
            words = name_key(person.name).split()
            if len(words) > 1 and words[0] == key and len(key) > 1:
                return person
        return None

    def last_org_before(self, position: int) -> str | None:
        """The organisation mentioned last before ``position``, as its actor name."""
        best: tuple[int, str] | None = None
        lowered = self.text[:position].lower()
        for mention, org in ORGS.items():
            index = lowered.rfind(mention)
            if index >= 0 and (best is None or index > best[0]):
                best = (index, org)
        return best[1] if best else None
