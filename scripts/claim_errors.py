"""List what claim extraction gets wrong on an annotated folder (the news_dev format), for error analysis.

Usage: python scripts/claim_errors.py FOLDER [--doc ID]
Prints the named gold claims not found (and what was extracted over their span), then the extracted claims whose
speaker or actor differs from the gold claim they cover, then extracted claims that cover no gold claim.
"""

from __future__ import annotations

import argparse

from stancekit.claims import ClaimExtractor
from stancekit.news_eval import _coverage, _span_match, _speaker_match, canonical_actor, load_news_gold


def main() -> None:
    """Print the three lists for FOLDER."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--doc", default=None, help="only this article")
    parser.add_argument("--only", choices=["missed", "wrong", "spurious"], default=None)
    args = parser.parse_args()
    gold = load_news_gold(args.folder)
    documents = [d for d in gold.documents if args.doc in (None, d.id)]
    claims = [c for c in ClaimExtractor().extract(documents) if c.kind != "narration"]
    golds = [g for g in gold.claims if args.doc in (None, g.doc)]
    if args.only in (None, "missed"):
        print("== missed (named gold claims without a span and speaker match)")
        for g in golds:
            if g.speaker_kind == "unnamed":
                continue
            over = [c for c in claims if _span_match(c, g)]
            if any(_speaker_match(c.speaker, g) for c in over):
                continue
            print(f"- {g.id} [{g.kind}] {g.speaker!r} ({g.actor}): {g.text[:150]!r}")
            for c in over:
                print(f"    got speaker {c.speaker!r} actor {c.actor!r} kind {c.kind}: {c.text[:90]!r}")
    if args.only in (None, "wrong"):
        print("== extracted with a wrong speaker or actor")
        for c in claims:
            matches = [g for g in golds if _span_match(c, g)]
            if not matches or all(g.speaker_kind == "unnamed" for g in matches):
                continue
            ok = [g for g in matches if _speaker_match(c.speaker, g)]
            ref = ok[0] if ok else max(matches, key=lambda g: _coverage(c, g))
            actor_ok = canonical_actor(c.actor, gold.aliases) == canonical_actor(ref.actor, gold.aliases)
            if ok and actor_ok:
                continue
            print(
                f"- {ref.id}: speaker {c.speaker!r} (gold {ref.speaker!r}{'' if ok else ' WRONG'}), actor {c.actor!r} "
                f"(gold {ref.actor!r}{'' if actor_ok else ' WRONG'}) kind {c.kind}: {c.text[:90]!r}"
            )
    if args.only in (None, "spurious"):
        print("== extracted over no gold claim")
        for c in claims:
            if not any(_span_match(c, g) for g in golds):
                print(f"- {c.doc} {c.speaker!r} ({c.actor}) {c.kind}: {c.text[:120]!r}")


if __name__ == "__main__":
    main()
