"""The rules' lexicon: actors by keyword, groups, organisations, media, titles and speech verbs."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


# ----------------------------------------------------------------------------- lexicon

ACTOR_KEYWORDS: dict[str, tuple[str, ...]] = {
    "Taliban": ("taliban", "islamic emirate", "kabul administration", "afghan government"),
    "CSTO": ("csto", "collective security treaty organization", "collective security treaty organisation"),
    "Russia": ("russian", "russia", "moscow", "kremlin"),
    "Pakistan": ("pakistani", "pakistan", "islamabad"),
    "Tajikistan": ("tajikistan", "tajik", "dushanbe"),
    "Uzbekistan": ("uzbekistan", "uzbek"),
    "Kazakhstan": ("kazakhstan", "kazakh"),
    "Kyrgyzstan": ("kyrgyzstan", "kyrgyz"),
    "United States": ("united states", "american", "u.s.", "washington"),
    "NATO": ("nato",),
    "China": ("chinese", "china", "beijing"),
    "India": ("indian", "india", "new delhi"),
    "Iran": ("iranian", "iran", "tehran"),
    "United Nations": ("united nations", "un security council"),
    "Germany": ("german", "germany", "berlin"),
    "France": ("french", "france", "paris"),
    "United Kingdom": ("british", "united kingdom", "u.k.", "london"),
    "Ukraine": ("ukrainian", "ukraine", "kyiv"),
    "Turkey": ("turkish", "turkey", "ankara"),
    "European Union": ("european union", "european commission", "eu"),
    "analysts": ("analyst", "analysts", "expert", "experts", "observers", "researcher"),
}
"""Actor -> lower-case keywords that, in a speaker's title or affiliation, mark them as speaking for it.

Order matters: the first actor whose keyword appears wins, so organisations come before the countries that
belong to them ("CSTO Secretary General" is CSTO, not Russia). Pass ``actor_map=`` to override per speaker.
"""

ADJECTIVE = {
    "Russia": "Russian",
    "Pakistan": "Pakistani",
    "Tajikistan": "Tajik",
    "China": "Chinese",
    "India": "Indian",
}

GROUPS: dict[str, tuple[str, str]] = {  # mention (lower case) -> (speaker, actor)
    "the taliban": ("Taliban", "Taliban"),
    "taliban": ("Taliban", "Taliban"),
    "the islamic emirate": ("Islamic Emirate", "Taliban"),
    "islamic emirate": ("Islamic Emirate", "Taliban"),
    "analysts": ("Analysts", "analysts"),
    "experts": ("Experts", "analysts"),
    "russian authorities": ("Russian authorities", "Russia"),
    "the kremlin": ("Kremlin", "Russia"),
    "moscow": ("Russia", "Russia"),
    "russia": ("Russia", "Russia"),
    "the csto": ("CSTO", "CSTO"),
    "csto": ("CSTO", "CSTO"),
    "nato": ("NATO", "NATO"),
}
ORGS = {  # mention -> canonical organisation, for "the organization" / "its"
    "collective security treaty organization": "CSTO",
    "csto": "CSTO",
    "taliban": "Taliban",
    "islamic emirate": "Islamic Emirate",
    "nato": "NATO",
    "russia": "Russia",
    "pakistan": "Pakistan",
    "tajikistan": "Tajikistan",
}
MEDIA = re.compile(
    r"\b(?:tass|tolonews|ria novosti|interfax|reuters|associated press|afp|news agency|media|outlets?|"
    r"newspaper|report(?:ed|s)? by|a report|website|magazine|channel|the agency)\b",
    re.IGNORECASE,
)

TITLE_NOUNS = (
    "minister|president|secretary[- ]general|secretary|spokesperson|spokesman|spokeswoman|analyst|counterpart|"
    "ambassador|chief|director|envoy|commander|chairman|governor|premier|chancellor|expert|head|deputy|official|"
    "representative|adviser|advisor|general"
)
STOP_NAME_TOKENS = (
    frozenset(
        """russian russia pakistani pakistan tajikistan tajik afghan afghanistan american chinese indian iranian uzbek
    kazakh kyrgyz foreign defense defence minister ministry deputy secretary general secretary-general president
    prime council security national collective treaty organization organisation state affairs interior spokesperson
    spokesman political analyst counterpart ambassador head chief director envoy commander chairman vice the of
    islamic emirate taliban central asia asian united nations states news agency tass january february march april
    may june july august september october november december monday tuesday wednesday thursday friday saturday
    sunday according however earlier additionally meanwhile in on at""".split()
    )
    | frozenset(TITLE_NOUNS.replace("[- ]", "|").split("|"))
    | frozenset(word for words in ACTOR_KEYWORDS.values() for keyword in words for word in keyword.split())
)
NAME_TOKEN = r"[A-Z][a-z’'\-]+"
SEQUENCE = re.compile(rf"(?:(?:[A-Z][\w’'\-]*|of|the|for|(?i:{TITLE_NOUNS}))\s+)*{NAME_TOKEN}(?:\s+{NAME_TOKEN})*")

VERBS = (
    r"said|says|say|saying|stated|stating|added|adds|noted|notes|stressed|stresses|emphasized|emphasised|"
    r"highlighted|underscored|believes|believed|warned|warns|told|claimed|claims|asserted|asserting|argued|argues|"
    r"insisted|rejected|rejects|reject|denied|denies|dismissed|dismisses|reminded|mentioned|reiterated|assured|"
    r"explained|announced|accused|urged|acknowledged|confirmed|suggested|described|called on|called for|"
    r"expressed (?:concerns?|fears?|hope)|issued a warning|has warned|note"
)
SPEECH = re.compile(rf"(?<![\w’'])(?:{VERBS})\b")
# Verbs whose clause complement may come without "that" ("Lavrov says the US …"); others need "that" to take
# the complement alone, and otherwise the whole sentence is the claim ("Lavrov stressed the need to …").
BARE_COMPLEMENT = re.compile(r"^(?:said|says|say|stated|believes|believed|claimed|claims|added)$")
LEADING_CHUNK = re.compile(
    r"^(?:in|after|during|at|on|earlier|however|additionally|meanwhile|although|while|when|despite|following|"
    r"also|previously|last|this|from|with|by|for|or|and|as|speaking|later|then|but|yet)\b",
    re.IGNORECASE,
)
PRONOUN = re.compile(r"^(?:he|she|they)$", re.IGNORECASE)
DENIAL = re.compile(r"^(?:rejected|rejects|reject|denied|denies|dismissed|dismisses)$")
REFERENCE = re.compile(r"^(?:this|that|these|those|such|they|the latter)\b", re.IGNORECASE)
