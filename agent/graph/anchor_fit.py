"""Anchor fit (issue 12 points 1 and 3): which claim each anchor is cited for, and how far its abstract carries it.

One model call per line reads every verified anchor's abstract against the
line's claims (agent.graph.nodes.read_anchors). Its answer is data: this module
keeps only readings of the line's own verified anchors and links to the line's
own claims, checks every quote against the anchor's abstract like every quote
in the run (agent.graph.evidence), and downgrades a fit whose quote fails the
check to cannot_tell. An anchor the model did not read usably keeps its word
overlap link (agent.graph.anchoring) and has no fit: nobody read it.

Proposals follow by code for each anchor that does not fully back its claim:
a revision to what the anchor backs where the model worded one and the anchor
backs part of it, otherwise a flag that the claim rests on an anchor that does
not carry it. Each cites the anchor with its checked quote, so the ground
check holds it to the same rule as every proposal. Where the run itself
retrieved and screened a paper that supports the claim, a third option
follows: replace the anchor with that paper (`replacement_changes`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from agent.graph.answers import AnchorReadings
from agent.graph.evidence import MIN_QUOTE_WORDS, normalise_space, quote_problem, quote_words
from agent.graph.records import FIT_LABELS, AnchorCheck, AnchorFit, ClaimResult, Finding, FitKind, Stance
from agent.line.doi import cite_key
from agent.line.models import Line
from agent.proposals import AnchorLink, Evidence, ProposalKind
from agent.sources.models import LookupStatus, Paper

# Fits that leave a claim resting on an anchor that does not carry it all: each gets a proposal.
NOT_CARRIED = (FitKind.BACKS_PART, FitKind.DOES_NOT_BACK, FitKind.SOMETHING_ELSE)
# Fits where the anchor carries none of the claim: only these are offered a replacement (one backing part keeps that part).
CARRIES_NOTHING = (FitKind.DOES_NOT_BACK, FitKind.SOMETHING_ELSE)


def readable(checks: Sequence[AnchorCheck], papers: Mapping[str, Paper]) -> list[AnchorCheck]:
    """The anchors whose abstract the run retrieved: found on arXiv, their paper among the run's verified ones."""
    return [c for c in checks if c.status is LookupStatus.FOUND and c.arxiv_id in papers]


def _quote_note(quote: str, abstract: str) -> str | None:
    """Why `quote` cannot show a fit, or None when it can: in the abstract, and long enough to carry something."""
    problem = quote_problem(quote, abstract)
    if problem is not None:
        return problem
    if quote_words(quote) < MIN_QUOTE_WORDS:
        return f"the quote is too short to show anything (fewer than {MIN_QUOTE_WORDS} words)"
    return None


def fits_from(answer: AnchorReadings, checks: Sequence[AnchorCheck], papers: Mapping[str, Paper], claim_ids: Sequence[str]) -> list[AnchorFit]:
    """The usable part of the model's answer, as checked fits in the anchors' order.

    A reading of an ID that is not one of `checks`, a link to a claim not in
    `claim_ids`, and a second reading of the same anchor and claim are dropped.
    """
    by_id = {c.anchor_id: c for c in checks}
    known = set(claim_ids)
    seen: set[tuple[str, str]] = set()
    fits: list[AnchorFit] = []
    for reading in answer.anchors:
        check = by_id.get(reading.anchor_id.strip())
        if check is None:
            continue
        abstract = papers[check.arxiv_id].summary
        for item in reading.claims:
            claim_id = item.claim_id.strip()
            if claim_id not in known or (check.anchor_id, claim_id) in seen:
                continue
            seen.add((check.anchor_id, claim_id))
            quote = normalise_space(item.quote)
            note = _quote_note(quote, abstract)
            fit = item.fit if note is None else FitKind.CANNOT_TELL
            fits.append(
                AnchorFit(
                    anchor_id=check.anchor_id,
                    arxiv_id=check.arxiv_id,
                    claim_id=claim_id,
                    fit=fit,
                    quote=quote if note is None else "",
                    not_backed=normalise_space(item.not_backed or "") if fit is FitKind.BACKS_PART else "",
                    revised=normalise_space(item.revised or "") if fit in NOT_CARRIED else "",
                    note=f"{FIT_LABELS[item.fit]} by the model's reading, but its quote {quote!r} failed the check: {note}" if note else "",
                )
            )
    order = {c.anchor_id: i for i, c in enumerate(checks)}
    return sorted(fits, key=lambda f: order[f.anchor_id])


def relinked(checks: Sequence[AnchorCheck], fits: Sequence[AnchorFit]) -> list[AnchorCheck]:
    """The anchor checks with the model's links and fits where it read the anchor; the others keep their word-overlap links.

    An anchor the curator linked keeps the curator's claims: the model's fits on other claims are dropped, and a
    linked claim it did not read the anchor against gets cannot_tell, saying so.
    """
    read: dict[str, list[AnchorFit]] = {}
    for f in fits:
        read.setdefault(f.anchor_id, []).append(f)
    out = []
    for c in checks:
        if c.link_basis == "curator":
            out.append(c.model_copy(update={"fits": _on_curator_claims(c, read.get(c.anchor_id, []))}))
        elif c.anchor_id in read:
            out.append(c.model_copy(update={"claims": [f.claim_id for f in read[c.anchor_id]], "link_basis": "model", "fits": read[c.anchor_id]}))
        else:
            out.append(c)
    return out


def _on_curator_claims(check: AnchorCheck, fits: Sequence[AnchorFit]) -> list[AnchorFit]:
    by_claim = {f.claim_id: f for f in fits}
    unread = f"the reading did not read {check.anchor_id} against this claim, the one the curator linked it to"
    return [
        by_claim.get(claim_id) or AnchorFit(anchor_id=check.anchor_id, arxiv_id=check.arxiv_id, claim_id=claim_id, fit=FitKind.CANNOT_TELL, note=unread)
        for claim_id in check.claims
    ]


def all_fits(checks: Sequence[AnchorCheck]) -> list[AnchorFit]:
    """Every anchor's fits, in the line's anchor order."""
    return [f for c in checks for f in c.fits]


def anchored_by(line: Line, checks: Sequence[AnchorCheck]) -> dict[str, list[str]]:
    """Claim ID -> the anchor IDs linked to it, in the line's anchor order."""
    return {c.id: [a.anchor_id for a in checks if c.id in a.claims] for c in line.prompt.claims}


def _label(fit: AnchorFit) -> str:
    return f"{fit.anchor_id} ({cite_key(fit.arxiv_id)})"


def fit_changes(fits: Sequence[AnchorFit], line: Line, papers: Mapping[str, Paper]) -> list[dict]:
    """A proposal for every anchor that does not fully back its claim: revise the claim to what it backs, or flag it."""
    claims = {c.id: c for c in line.prompt.claims}
    changes = []
    for fit in fits:
        claim, paper = claims.get(fit.claim_id), papers.get(fit.arxiv_id)
        if fit.fit not in NOT_CARRIED or claim is None or paper is None:
            continue
        evidence = [Evidence(arxiv_id=paper.arxiv_id, quote=fit.quote, title=paper.title, published=paper.published)]
        link = AnchorLink(anchor_id=fit.anchor_id, claim_id=fit.claim_id)
        before = f"{claim.text} ({claim.date.text})"
        missing = f" It does not back: {fit.not_backed}." if fit.not_backed else ""
        why = f"{claim.id} rests on anchor {_label(fit)}, whose abstract {FIT_LABELS[fit.fit]}.{missing}"
        if fit.fit is FitKind.BACKS_PART and fit.revised:
            changes.append(
                dict(
                    kind=ProposalKind.REVISE_CLAIM,
                    target=claim.id,
                    before=before,
                    after=fit.revised,
                    rationale=why + " The revision keeps what it backs.",
                    evidence=evidence,
                    anchor_link=link,
                )
            )
            continue
        carries = "carries only part of it" if fit.fit is FitKind.BACKS_PART else "does not carry it"
        after = f"{claim.id} rests on anchor {_label(fit)}, which {carries}: its abstract {FIT_LABELS[fit.fit]}.{missing}"
        said = f' Its abstract says: "{fit.quote}".' if fit.quote else ""
        changes.append(dict(kind=ProposalKind.FLAG, target=claim.id, before=before, after=after, rationale=why + said, evidence=evidence, anchor_link=link))
    return changes


def fit_line(fit: AnchorFit) -> str:
    """One fit as the report says it: the anchor, the claim, the fit, the quote, and why a fit was downgraded."""
    said = f"{fit.anchor_id} -> {fit.claim_id}: {FIT_LABELS[fit.fit]}"
    if fit.not_backed:
        said += f" (not: {fit.not_backed})"
    if fit.quote:
        said += f': "{fit.quote}"'
    if fit.note:
        said += f" ({fit.note})"
    return said


def anchor_text(arxiv_id: str, date: str, title: str) -> str:
    """An anchor as a line lists it, which is what an anchor proposal's before and after hold."""
    return f"arXiv:{arxiv_id} ({date}): {title}"


def placed(after: str) -> str:
    """The arXiv ID an anchor proposal's `after` (an `anchor_text`) puts in the anchor's place."""
    return after.split(" ", 1)[0].removeprefix("arXiv:")


def _best_support(result: ClaimResult | None, papers: Mapping[str, Paper], anchors: set[str]) -> Finding | None:
    """The claim's most confident supporting finding on a paper the run verified and the line does not already cite as an anchor."""
    if result is None:
        return None
    found = [f for f in result.findings if f.stance is Stance.SUPPORTS and f.arxiv_id in papers and f.arxiv_id not in anchors]
    return max(found, key=lambda f: f.confidence, default=None)


def replacement_changes(checks: Sequence[AnchorCheck], results: Mapping[str, ClaimResult], papers: Mapping[str, Paper]) -> list[dict]:
    """Replace an anchor that carries none of its claim with the paper this run found supporting the claim.

    Only for an anchor the model read against one claim (replacing one cited for two would take the other's
    support away) and found not to back it or to be about something else (one backing part keeps that part),
    and only with a paper the run retrieved, screened as supporting with a quote checked
    against its abstract, and not already an anchor of the line. The curator chooses between this, the
    revision and the flag.
    """
    anchors = {c.arxiv_id for c in checks}
    changes = []
    for check in checks:
        if len(check.fits) != 1 or check.fits[0].fit not in CARRIES_NOTHING:
            continue
        fit = check.fits[0]
        finding = _best_support(results.get(fit.claim_id), papers, anchors)
        if finding is None:
            continue
        paper = papers[finding.arxiv_id]
        why = (
            f"{fit.claim_id} rests on anchor {_label(fit)}, whose abstract {FIT_LABELS[fit.fit]}. "
            f"This run retrieved {cite_key(paper.arxiv_id)} and screened it as supporting {fit.claim_id} "
            f'(confidence {finding.confidence:.2f}): "{finding.quote}".'
        )
        changes.append(
            dict(
                kind=ProposalKind.REPLACE_ANCHOR,
                target=check.anchor_id,
                before=anchor_text(check.arxiv_id, check.cited_date, check.cited_title),
                after=anchor_text(paper.arxiv_id, paper.published.strftime("%Y-%m"), paper.title),
                rationale=why,
                evidence=[Evidence(arxiv_id=paper.arxiv_id, quote=finding.quote, title=paper.title, published=paper.published)],
                anchor_link=AnchorLink(anchor_id=fit.anchor_id, claim_id=fit.claim_id),
            )
        )
    return changes
