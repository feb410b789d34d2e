"""ground_check: no proposal may cite a paper this run did not retrieve and verify.

Anything else is removed and reported as an ungrounded citation, never silently.
"""

from __future__ import annotations

from agent.graph.evidence import base_id, quote_in, scrub
from agent.graph.records import UngroundedCitation
from agent.graph.state import RunState
from agent.proposals import Proposal, ProposalKind
from agent.sources.models import Paper


def check_proposal(proposal: Proposal, papers: dict[str, Paper]) -> tuple[Proposal, list[UngroundedCitation]]:
    verified = set(papers)
    report: list[UngroundedCitation] = []
    evidence = []
    for item in proposal.evidence:
        arxiv_id = base_id(item.arxiv_id)
        paper = papers.get(arxiv_id)
        if paper is None:
            report.append(UngroundedCitation(proposal_id=proposal.id, arxiv_id=arxiv_id, where="evidence", reason="not retrieved in this run"))
            continue
        if item.quote and not quote_in(item.quote, paper.summary):
            report.append(UngroundedCitation(proposal_id=proposal.id, arxiv_id=arxiv_id, where="evidence", reason="quote not found in the abstract"))
            continue
        # A retrieved abstract can itself name other IDs (an injected one, say): those are not grounded either.
        quote, in_quote = scrub(item.quote, verified)
        report += [
            UngroundedCitation(proposal_id=proposal.id, arxiv_id=i, where="evidence quote", reason="named inside a quote, not retrieved") for i in in_quote
        ]
        evidence.append(item.model_copy(update={"arxiv_id": arxiv_id, "quote": quote, "title": paper.title, "published": paper.published}))
    after, in_after = scrub(proposal.after, verified)
    rationale, in_rationale = scrub(proposal.rationale, verified)
    report += [UngroundedCitation(proposal_id=proposal.id, arxiv_id=i, where="after", reason="not retrieved in this run") for i in in_after]
    report += [UngroundedCitation(proposal_id=proposal.id, arxiv_id=i, where="rationale", reason="not retrieved in this run") for i in in_rationale]
    needs_evidence = proposal.kind in (ProposalKind.REVISE_CLAIM, ProposalKind.ADD_NOTE, ProposalKind.ADD_ANCHOR, ProposalKind.REPLACE_ANCHOR)
    grounded = not report and (bool(evidence) or not needs_evidence)
    checked = proposal.model_copy(
        update={
            "evidence": evidence,
            "after": after,
            "rationale": rationale,
            "grounded": grounded,
            "removed_ids": list(dict.fromkeys(r.arxiv_id for r in report)),
        }
    )
    return checked, report


def ground_check(state: RunState) -> dict:
    papers = state.get("papers", {})
    proposals, report = [], []
    for proposal in state.get("proposals", []):
        checked, found = check_proposal(proposal, papers)
        proposals.append(checked)
        report.extend(found)
    return {"proposals": proposals, "ungrounded": report}
