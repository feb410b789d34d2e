"""Which claim each anchor paper supports.

The export lists anchors apart from claims, so the link is inferred: word
overlap between the anchor's cited title and the claim, plus a bonus when the
cited date falls in the claim's period. Greedy assignment, best pair first,
one anchor per claim while claims remain; a claim left over rests on no anchor.
Deterministic, so the same line always links the same way. An anchor the
curator linked in review (its `claims`, kept in the Markdown line) keeps that
link and takes no part in the assignment, so it moves no other anchor.
"""

from __future__ import annotations

import re

from agent.line.models import AnchorPaper, Claim, FuzzyDate

_WORD = re.compile(r"[a-z]{3,}")
_STOP = frozenset(
    ["the", "and", "for", "from", "with", "over", "under", "into", "that", "this", "are", "was", "were", "not", "its", "their", "human", "humans"]
)
DATE_BONUS = 0.2  # below any real word overlap: the date only breaks ties


def _stems(text: str) -> set[str]:
    # A crude stem (first 5 letters) lets "learn"/"learned" and "prefer"/"preferred" meet.
    return {w[:5] for w in _WORD.findall(text.lower()) if w not in _STOP}


def _same_period(cited: FuzzyDate, claim: FuzzyDate) -> bool:
    return cited.value.year == claim.value.year


def link_score(anchor: AnchorPaper, claim: Claim) -> float:
    a, c = _stems(anchor.cited_title), _stems(claim.text)
    overlap = len(a & c) / max(1, len(a))
    return overlap + (DATE_BONUS if _same_period(anchor.cited_date, claim.date) else 0.0)


def link_anchors(claims: list[Claim], anchors: list[AnchorPaper]) -> dict[str, list[str]]:
    """Map claim ID -> anchor IDs supporting it (possibly empty), in the anchors' order."""
    links = _by_overlap(claims, [a for a in anchors if not a.claims])
    for anchor in anchors:
        for claim_id in anchor.claims:
            links.setdefault(claim_id, []).append(anchor.id)
    order = {a.id: i for i, a in enumerate(anchors)}
    return {claim_id: sorted(ids, key=order.__getitem__) for claim_id, ids in links.items()}


def _by_overlap(claims: list[Claim], anchors: list[AnchorPaper]) -> dict[str, list[str]]:
    links: dict[str, list[str]] = {c.id: [] for c in claims}
    pairs = sorted(
        ((link_score(a, c), ai, ci) for ai, a in enumerate(anchors) for ci, c in enumerate(claims)),
        key=lambda p: (-p[0], p[1], p[2]),
    )
    placed: set[int] = set()
    for score, ai, ci in pairs:
        if ai in placed or score <= 0:
            continue
        claim_id = claims[ci].id
        if links[claim_id] and any(not links[c.id] for c in claims):
            continue  # spread anchors while some claim has none
        links[claim_id].append(anchors[ai].id)
        placed.add(ai)
    return links


def link_basis(anchor: AnchorPaper, claim: Claim) -> str:
    """Why `anchor` is linked to `claim`, for people: the claim's words it shares with the cited title, and the year."""
    shared = _stems(anchor.cited_title) & _stems(claim.text)
    words = sorted({w for w in _WORD.findall(claim.text.lower()) if w[:5] in shared})
    basis = [f"shares {', '.join(words)} with the cited title"] if words else ["shares no word with the cited title"]
    if _same_period(anchor.cited_date, claim.date):
        basis.append("cited in the claim's year")
    return "; ".join(basis)
