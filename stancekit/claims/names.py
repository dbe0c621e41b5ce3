"""Names and coreference: spelling-insensitive keys, the people of a document, speakers and their roles."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from stancekit.claims.lexicon import _ORGS, ACTOR_KEYWORDS

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


def _actor_of(phrase: str) -> str | None:
    lowered = phrase.lower()
    for actor, keywords in ACTOR_KEYWORDS.items():
        if any(re.search(rf"(?<![a-z]){re.escape(k)}", lowered) for k in keywords):
            return actor
    return None


def _role_tokens(role: str) -> frozenset[str]:
    words = re.findall(r"[a-z]+", role.lower().replace("’s", "").replace("'s", ""))
    normal = {"russian": "russia", "pakistani": "pakistan", "tajik": "tajikistan", "defence": "defense"}
    return frozenset(
        normal.get(w, w) for w in words if w not in ("the", "of", "for", "his", "her", "its", "their", "s")
    )


# ----------------------------------------------------------------------------- entities


@dataclass(slots=True)
class _Person:
    name: str
    first_seen: int
    roles: list[str] = field(default_factory=list)
    actor: str | None = None

    @property
    def surname(self) -> str:
        return self.name.split()[-1]

    def role_tokens(self) -> frozenset[str]:
        tokens: set[str] = set()
        for role in self.roles:
            tokens |= _role_tokens(role)
        if self.actor:
            tokens |= _role_tokens(self.actor)
        return frozenset(tokens)


@dataclass(slots=True)
class _Speaker:
    name: str
    actor: str | None
    person: _Person | None = None


class _DocState:
    """Per-document memory: people introduced, the last speaker, the last organisation mentioned."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.people: list[_Person] = []
        self.last_person: _Speaker | None = None
        self.last_group: _Speaker | None = None

    def person_by_surname(self, token: str) -> _Person | None:
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
        best: tuple[int, str] | None = None
        lowered = self.text[:position].lower()
        for mention, org in _ORGS.items():
            index = lowered.rfind(mention)
            if index >= 0 and (best is None or index > best[0]):
                best = (index, org)
        return best[1] if best else None
