"""Attributed claims from news text: direct quotes, reported speech, embedded allegations, speakers, actors, dates.

Two mechanisms work together. Rules (:mod:`~stancekit.claims.extractor`, lexicon in
:mod:`~stancekit.claims.lexicon`) read the constructions news English marks attribution with (``“…,” X said``,
``X said that …``, ``X said:`` and a quote, ``according to X, …``) and resolve pronouns and roles to people named
earlier (:mod:`~stancekit.claims.names`). Attribution on a dependency parse (:mod:`~stancekit.claims.attribution`,
spaCy's ``en_core_web_sm``; its speech verbs and gazetteer are data in ``stancekit/lexicons/``) adds the claims the
rules miss, the allegations reported inside denials, the side each speaker speaks for, and the speakers of
pronouns; :mod:`~stancekit.claims.dates` dates each claim. Names are normalised across transliterations (Sergei/
Sergey Shoigu, Shoygu) and across documents.
"""

from __future__ import annotations

from stancekit.claims.extractor import AttributionReport, ClaimExtractor, evaluate_attribution, extract_claims
from stancekit.claims.lexicon import ACTOR_KEYWORDS
from stancekit.claims.names import name_key
from stancekit.claims.records import Claim, ClaimKind, ClaimList, claims_html, claims_to_pandas

__all__ = [
    "ACTOR_KEYWORDS",
    "AttributionReport",
    "Claim",
    "ClaimExtractor",
    "ClaimKind",
    "ClaimList",
    "claims_html",
    "claims_to_pandas",
    "evaluate_attribution",
    "extract_claims",
    "name_key",
]
