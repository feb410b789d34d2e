"""What a since-last run changed (agent.graph.since_last): per claim, per anchor, and which proposals are not repeated.

Computed from the plan and the run's state by code, never by a model: the report opens with it, the
run's exit code says whether there is anything to review, and the next plan builds on it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from agent.graph.anchor_fit import placed
from agent.graph.records import AnchorCheck, ClaimResult, Stance
from agent.graph.since_last import AnchorChange, ClaimChange, KnownProposal, SinceLast, SinceLastSummary, new_relevant
from agent.line.arxiv_id import base_id
from agent.line.doi import cite_key
from agent.line.models import Line
from agent.proposals import Proposal, ProposalKind
from agent.sources.models import Paper


def _searched(result: ClaimResult | None) -> list[str]:
    """Each query sent, with its window when the claim's queries do not share one."""
    sent = [q for q in (result.queries if result else []) if q.error is None]
    windows = {(q.since, q.until) for q in sent}
    if len(windows) == 1:
        since, until = windows.pop()
        return [f"{since.isoformat()}..{until.isoformat()}: " + "; ".join(f"[{q.aim}] {q.query}" for q in sent)]
    return [f"[{q.aim}] {q.query} ({q.since.isoformat()}..{q.until.isoformat()})" for q in sent]


def _claim_change(plan: SinceLast, claim_id: str, result: ClaimResult | None) -> ClaimChange:
    after = result.verdict.verdict if result and result.verdict else None
    before = plan.previous_verdicts.get(claim_id)
    prior = plan.claims.get(claim_id)
    if prior is None:
        if result is not None and not result.retestable:
            return ClaimChange(claim_id=claim_id, mode="full", before=before, after=after, why_full=result.error or "", retested=False)
        why = plan.full.get(claim_id, "it has no result in the last run")
        return ClaimChange(claim_id=claim_id, mode="full", before=before, after=after, why_full=why, searched=_searched(result))
    findings = result.findings if result else []
    moved_by = [f.arxiv_id for f in new_relevant(prior, findings)]
    against = [f.arxiv_id for f in new_relevant(prior, findings) if f.stance is Stance.CONTRADICTS]
    fresh = [c.arxiv_id for c in (result.candidates if result else []) if c.newer and c.arxiv_id not in prior.screened]
    return ClaimChange(
        claim_id=claim_id,
        mode="re-judged" if moved_by else "carried",
        before=before,
        after=after,
        new_papers=fresh,
        moved_by=moved_by,
        contradicting=against,
        searched=_searched(result),
    )


def _anchor_changes(plan: SinceLast, checks: list[AnchorCheck], papers: Mapping[str, Paper]) -> list[AnchorChange]:
    out = []
    for check in checks:
        before = plan.previous_anchors.get(check.arxiv_id)
        paper = papers.get(check.arxiv_id)
        now = (paper.version or 1) if paper is not None and check.status == "found" else None
        was = plan.anchor_versions.get(check.arxiv_id)
        if before is None:
            out.append(AnchorChange(anchor_id=check.anchor_id, arxiv_id=check.arxiv_id, what="new anchor since the last run"))
        elif "unchecked" in (before.status, check.status):
            continue  # nobody could ask arXiv one of the two times: nothing is known to have changed
        elif before.status != check.status:
            what = "withdrawn from arXiv" if check.status == "missing" else f"was {before.status}, now {check.status}"
            out.append(AnchorChange(anchor_id=check.anchor_id, arxiv_id=check.arxiv_id, what=what))
        elif now is not None and was is not None and now != was:
            out.append(AnchorChange(anchor_id=check.anchor_id, arxiv_id=check.arxiv_id, what=f"new version v{now} (was v{was})"))
    return out


def summarise(plan: SinceLast, line: Line, state: Mapping[str, Any], run_date: dt.date) -> SinceLastSummary:
    """What this run changed since the one its plan was built from."""
    results: dict[str, ClaimResult] = state.get("claim_results", {})
    claims = [_claim_change(plan, c.id, results.get(c.id)) for c in line.prompt.claims]
    screened: dict[str, list[str]] = {}
    for c in line.prompt.claims:
        result = results.get(c.id)
        earlier = plan.claims[c.id].screened if c.id in plan.claims else []
        screened[c.id] = sorted({*earlier, *(x.arxiv_id for x in (result.candidates if result else []) if x.newer)})
    return SinceLastSummary(
        previous_run_id=plan.previous_run_id,
        previous_run_date=plan.previous_run_date,
        since=plan.since,
        until=run_date,
        claims=claims,
        anchors=_anchor_changes(plan, state.get("anchor_checks", []), state.get("papers", {})),
        screened=screened,
        known=plan.known,
    )


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _same(known: Proposal, drafted: Proposal) -> bool:
    """The same change: kind, target and the text it changes (`before`); for an addition to the line, the same text added;
    for an anchor, the same paper put in its place (correcting its title is not replacing it with another paper)."""
    if known.kind != drafted.kind or known.target != drafted.target or _norm(known.before) != _norm(drafted.before):
        return False
    if drafted.kind == ProposalKind.REPLACE_ANCHOR:
        return placed(known.after) == placed(drafted.after)
    return drafted.target != "line" or _norm(known.after) == _norm(drafted.after)


def _head(text: str, words: int = 8) -> str:
    said = text.split()
    return " ".join(said[:words]) + ("…" if len(said) > words else "")


def _when(k: KnownProposal) -> str:
    return f" on {k.decided_at:%Y-%m-%d}" if k.decided_at else ""


def not_repeated(proposals: list[Proposal], summary: SinceLastSummary) -> tuple[list[Proposal], list[str]]:
    """The proposals to review, renumbered, and why each other one is left out.

    An accepted one is never proposed again; a rejected one (or one still awaiting review in an earlier run)
    only when its evidence holds a paper that is new in this run, and then it says so.
    """
    new_ids = {i for c in summary.claims for i in (c.moved_by if c.mode != "full" else [])} | {a.arxiv_id for a in summary.anchors}
    kept: list[Proposal] = []
    left_out: list[str] = []
    for p in proposals:
        match = next((k for k in reversed(summary.known) if _same(k.proposal, p)), None)
        label = f"{p.kind} {p.target}" + (f" ({_head(p.after)})" if p.target == "line" else "")
        if match is None:
            kept.append(p)
            continue
        where = f"{match.proposal.id} of run {match.run_id}"
        if match.standing == "accepted":
            left_out.append(f"{label}: accepted as {where}{_when(match)}")
            continue
        fresh = sorted({base_id(e.arxiv_id) for e in p.evidence} & new_ids)
        said = "rejected" if match.standing == "rejected" else "still awaiting review"
        if not fresh:
            left_out.append(f"{label}: {said} as {where}{_when(match)}" + (f" ({match.reason})" if match.reason else "") + "; no new evidence since")
            continue
        note = f" New since {where} was {said}{_when(match)}: {', '.join(cite_key(i) for i in fresh)}."
        kept.append(p.model_copy(update={"rationale": p.rationale.rstrip() + note}))
    return [p.model_copy(update={"id": f"P{i}"}) for i, p in enumerate(kept, start=1)], left_out


def _claim_line(c: ClaimChange, since: dt.date, prior_date: dt.date) -> str:
    searched = "; ".join(c.searched) or "nothing"
    if not c.retested:
        return f"- {c.claim_id}: not re-tested ({c.why_full})"
    if c.mode == "full":
        was = f"was {c.before}, now {c.after or 'not judged'}" if c.before else f"now {c.after or 'not judged'}"
        return f"- {c.claim_id}: re-tested in full ({c.why_full}): {was}"
    because = ", ".join(cite_key(i) for i in c.moved_by)
    if c.moved:
        return f"- {c.claim_id}: {c.before} -> {c.after} since {prior_date.isoformat()}, because of {because}"
    if c.mode == "re-judged":
        return f"- {c.claim_id}: no change ({c.after}), judged again with new work {because}"
    fresh = f"{len(c.new_papers)} new paper(s) screened, none relevant" if c.new_papers else "no new paper"
    return f"- {c.claim_id}: no change ({c.after}); {fresh}; searched {searched}"


def what_changed_lines(summary: SinceLastSummary) -> list[str]:
    """The report's opening section: what changed since the last run, claim by claim."""
    out = [
        f"## What changed since run {summary.previous_run_id} ({summary.previous_run_date.isoformat()})",
        "",
        f"Unchanged claims were searched from {summary.since.isoformat()} to {summary.until.isoformat()} only, and judged again only on new work.",
        "",
        *(_claim_line(c, summary.since, summary.previous_run_date) for c in summary.claims),
    ]
    against = [(i, c.claim_id) for c in summary.claims for i in c.contradicting]
    out.append("- new contradicting work: " + (", ".join(f"{cite_key(i)} against {cid}" for i, cid in against) if against else "none"))
    anchors = [f"{a.anchor_id} arXiv:{a.arxiv_id} {a.what}" for a in summary.anchors]
    out.append("- anchors: " + ("; ".join(anchors) if anchors else "no new or withdrawn version"))
    out += [f"- not proposed again: {why}" for why in summary.not_repeated]
    return [*out, ""]
