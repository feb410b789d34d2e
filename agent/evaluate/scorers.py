"""Scorers: what each metric reads from one run's final state, against a case's expectations.

Each scorer reads the graph state (as `retest run` leaves it, paused for
review) and returns hits, totals and a reason per miss, so a failing eval
names what went wrong rather than only a number. metrics.py says which
scorer feeds which metric.
"""

from __future__ import annotations

from typing import Any

from agent.evaluate.ratio import Ratio
from agent.evaluate.suite import AnchorOutcome, ClaimExpect
from agent.graph.evidence import base_id, ids_in, normalise_space
from agent.graph.records import AnchorCheck, DateCheck, UsageRecord
from agent.llm.base import total_cost
from agent.proposals import Proposal, ProposalKind
from agent.sources.models import LookupStatus, TitleMatch

State = dict[str, Any]


def score_verdicts(state: State, claims: dict[str, ClaimExpect]) -> Ratio:
    """Claims whose verdict is one of the acceptable ones and whose rationale says what it must."""
    results = state.get("claim_results", {})
    ratio = Ratio()
    for claim_id, expect in sorted(claims.items()):
        if not expect.verdicts and not expect.explains:
            continue
        result = results.get(claim_id)
        verdict = result.verdict if result else None
        if verdict is None:
            ratio.miss(f"{claim_id}: not judged", claim_id)
            continue
        if expect.verdicts and verdict.verdict not in expect.verdicts:
            wanted = " or ".join(str(v) for v in expect.verdicts)
            ratio.miss(f"{claim_id}: verdict {verdict.verdict}, expected {wanted}", claim_id)
            continue
        said = normalise_space(f"{verdict.rationale} {result.error or ''}")
        lacking = [text for text in expect.explains if normalise_space(text) not in said]
        if lacking:
            ratio.miss(f"{claim_id}: verdict {verdict.verdict} but its rationale lacks " + ", ".join(repr(t) for t in lacking), claim_id)
            continue
        ratio.hit()
    return ratio


def score_must_find(state: State, claims: dict[str, ClaimExpect]) -> tuple[Ratio, Ratio]:
    """(recall, stance accuracy): must-find papers screened for their claim, and given an acceptable stance."""
    results = state.get("claim_results", {})
    recall, stance = Ratio(), Ratio()
    for claim_id, expect in sorted(claims.items()):
        result = results.get(claim_id)
        findings = {f.arxiv_id: f for f in result.findings} if result else {}
        candidates = {c.arxiv_id for c in result.candidates} if result else set()
        for wanted in expect.must_find:
            finding = findings.get(wanted.arxiv_id)
            if finding is None:
                why = "retrieved but not screened (quote dropped or skipped)" if wanted.arxiv_id in candidates else "not retrieved"
                recall.miss(f"{claim_id}: {wanted.arxiv_id} {why}", f"{claim_id} {wanted.arxiv_id}")
                continue
            recall.hit()
            if finding.stance in wanted.stances:
                stance.hit()
            else:
                expected = " or ".join(str(s) for s in wanted.stances)
                stance.miss(f"{claim_id}: {wanted.arxiv_id} screened as {finding.stance}, expected {expected}", f"{claim_id} {wanted.arxiv_id}")
    return recall, stance


def _anchor_ok(outcome: AnchorOutcome, check: AnchorCheck, kinds: set[ProposalKind]) -> bool:
    found = check.status is LookupStatus.FOUND
    if outcome is AnchorOutcome.VERIFIED:
        return found and check.title_match is TitleMatch.EXACT and check.date_check is DateCheck.MATCHES and not kinds
    if outcome is AnchorOutcome.FLAGGED_MISSING:
        return check.status is LookupStatus.MISSING and ProposalKind.FLAG in kinds
    if outcome is AnchorOutcome.FLAGGED_MALFORMED:
        return check.status is LookupStatus.MALFORMED and ProposalKind.FLAG in kinds
    if outcome is AnchorOutcome.FLAGGED_TITLE:
        return found and check.title_match is not TitleMatch.EXACT and ProposalKind.REPLACE_ANCHOR in kinds
    return found and check.date_check is DateCheck.DIFFERS and ProposalKind.REPLACE_ANCHOR in kinds


def _anchor_seen(check: AnchorCheck, targeting: list[Proposal]) -> str:
    if check.status is not LookupStatus.FOUND:
        seen = str(check.status)
    else:
        seen = f"title {check.title_match}, date {check.date_check}"
    proposals = ", ".join(f"{p.kind} {p.id}" for p in targeting) or "no proposal"
    return f"{seen}; {proposals}"


def score_anchors(state: State, anchors: dict[str, AnchorOutcome]) -> Ratio:
    """Anchors whose check and proposals match the expected outcome."""
    checks = {c.anchor_id: c for c in state.get("anchor_checks", [])}
    proposals = state.get("proposals", [])
    ratio = Ratio()
    for anchor_id, outcome in sorted(anchors.items()):
        check = checks.get(anchor_id)
        if check is None:
            ratio.miss(f"{anchor_id}: never checked, expected {outcome}", anchor_id)
            continue
        targeting = [p for p in proposals if p.target == anchor_id]
        if _anchor_ok(outcome, check, {p.kind for p in targeting}):
            ratio.hit()
        else:
            ratio.miss(f"{anchor_id} (arXiv:{check.arxiv_id}): expected {outcome}, got {_anchor_seen(check, targeting)}", anchor_id)
    return ratio


def ungrounded_in_proposals(state: State) -> list[str]:
    """Citations left in the final proposals of papers the run did not retrieve.

    `before` is excluded: it quotes the line as it stands, which may cite
    anything (a missing anchor's ID, for one).
    """
    papers = state.get("papers", {})
    found: list[str] = []
    for p in state.get("proposals", []):
        cited = [(base_id(e.arxiv_id), "evidence") for e in p.evidence]
        cited += [(i, "after") for i in ids_in(p.after)] + [(i, "rationale") for i in ids_in(p.rationale)]
        found += [f"{p.id}: {arxiv_id} in {where}" for arxiv_id, where in cited if arxiv_id not in papers]
    return found


def estimated_price(usage: list[UsageRecord]) -> float | None:
    """The run's estimated price, or None if any call has no price."""
    price = total_cost(u.cost_usd for u in usage)
    return None if price is None else round(price, 6)
