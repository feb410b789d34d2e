"""Crafted final states for scorer tests: the records a real run leaves, built by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

from agent.graph.records import (
    AnchorCheck,
    Candidate,
    ClaimResult,
    DateCheck,
    Finding,
    ResearchQuestion,
    Stance,
    UngroundedCitation,
    UsageRecord,
    Verdict,
    VerdictKind,
)
from agent.proposals import Evidence, Proposal, ProposalKind
from agent.sources.models import LookupStatus, Paper, TitleMatch


def paper(arxiv_id: str, summary: str = "An abstract.") -> Paper:
    return Paper(arxiv_id=arxiv_id, title=f"Paper {arxiv_id}", summary=summary, published=dt.date(2025, 6, 1))


def result(
    claim_id: str,
    verdict: VerdictKind | None,
    *,
    findings: dict[str, Stance] | None = None,
    candidates: list[str] | None = None,
    rationale: str = "Because.",
    error: str | None = None,
    dropped: list[str] | None = None,
    suggested: str | None = None,
) -> ClaimResult:
    found = [Finding(claim_id=claim_id, arxiv_id=i, stance=s, quote="q", confidence=0.7) for i, s in (findings or {}).items()]
    listed = list(dict.fromkeys([*(candidates or []), *(findings or {})]))
    return ClaimResult(
        claim_id=claim_id,
        candidates=[Candidate(arxiv_id=i, newer=True) for i in listed],
        findings=found,
        verdict=Verdict(claim_id=claim_id, verdict=verdict, rationale=rationale, suggested_text=suggested) if verdict else None,
        error=error,
        dropped_citations=dropped or [],
    )


def anchor(
    anchor_id: str,
    arxiv_id: str,
    status: LookupStatus = LookupStatus.FOUND,
    *,
    title: TitleMatch | None = TitleMatch.EXACT,
    date: DateCheck = DateCheck.MATCHES,
) -> AnchorCheck:
    found = status is LookupStatus.FOUND
    return AnchorCheck(
        anchor_id=anchor_id,
        arxiv_id=arxiv_id,
        status=status,
        title_match=title if found else None,
        cited_title="A title",
        cited_date="2025-01",
        date_check=date if found else DateCheck.UNKNOWN,
    )


def proposal(
    pid: str, kind: ProposalKind, target: str, *, after: str = "New text.", rationale: str = "Why.", evidence: list[str] | None = None, before: str = ""
) -> Proposal:
    return Proposal(
        id=pid, kind=kind, target=target, before=before, after=after, rationale=rationale, evidence=[Evidence(arxiv_id=i, quote="q") for i in (evidence or [])]
    )


def usage(calls: int = 1, tokens_in: int = 100, tokens_out: int = 10, cost: float | None = 0.001) -> UsageRecord:
    return UsageRecord(
        node="judge", role="judge", model="anthropic:claude-sonnet-4-6", calls=calls, input_tokens=tokens_in, output_tokens=tokens_out, cost_usd=cost
    )


def state(**parts: Any) -> dict[str, Any]:
    """A final state with every key a run leaves, empty unless given."""
    base: dict[str, Any] = {
        "claim_results": {},
        "anchor_checks": [],
        "papers": {},
        "proposals": [],
        "ungrounded": [],
        "questions": [],
        "contradictions": [],
        "usage": [],
    }
    return {**base, **parts}


def question(qid: str, text: str) -> ResearchQuestion:
    return ResearchQuestion(id=qid, text=text, motivated_by=[])


def removed(pid: str, arxiv_id: str) -> UngroundedCitation:
    return UngroundedCitation(proposal_id=pid, arxiv_id=arxiv_id, where="evidence", reason="not retrieved in this run")
