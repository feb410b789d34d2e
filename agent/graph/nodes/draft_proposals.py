"""draft_proposals: every change a separate, reviewable proposal with evidence.

Anchor corrections, anchors that do not carry their claims (agent.graph.anchor_fit)
and research questions are drafted by code from what the run verified; claim revisions, new notes and flags by the writer model. A draft
truncated at its budget is asked for once more with twice the budget
(`agent.graph.line_tasks`); truncated again, or otherwise unusable, it leaves no
model-drafted proposal, the reason in `failed_steps`, and the code-drafted ones
(anchor corrections, questions) still go to review.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.graph.anchor_fit import all_fits, anchor_text, fit_changes, replacement_changes
from agent.graph.answers import DraftSet
from agent.graph.claim_dates import DateFit, as_claim_date, date_checks
from agent.graph.context import RunContext, run_line, services
from agent.graph.evidence import paper_blocks
from agent.graph.line_tasks import ask_line_task, failed_step
from agent.graph.nodes.propose_questions import verdict_lines
from agent.graph.nodes.recall import nothing_moved, summary_of
from agent.graph.records import AnchorCheck, DateCheck, Stance, UsageRecord
from agent.graph.since_last_changes import not_repeated
from agent.graph.state import RunState
from agent.graph.tasks import DRAFT_PROPOSALS
from agent.line.arxiv_id import base_id
from agent.line.doi import cite_key
from agent.line.models import Line
from agent.llm.base import AnswerError
from agent.proposals import Evidence, Proposal, ProposalKind
from agent.sources.models import LookupStatus, Paper, TitleMatch


def anchor_changes(checks: list[AnchorCheck], papers: dict[str, Paper]) -> list[dict]:
    changes = []
    for check in checks:
        before = anchor_text(check.arxiv_id, check.cited_date, check.cited_title)
        if check.status is LookupStatus.UNCHECKED:
            # arXiv did not answer: nothing is known against the anchor, so nothing is proposed.
            continue
        if check.status is not LookupStatus.FOUND:
            reason = "malformed arXiv ID" if check.status is LookupStatus.MALFORMED else "arXiv has no paper with this ID"
            changes.append(
                dict(
                    kind=ProposalKind.FLAG,
                    target=check.anchor_id,
                    before=before,
                    after=f"Anchor cannot be grounded: {reason}.",
                    rationale=check.error or reason,
                    evidence=[],
                )
            )
            continue
        title_off = check.title_match is not TitleMatch.EXACT
        date_off = check.date_check is DateCheck.DIFFERS
        if not (title_off or date_off):
            continue
        paper = papers[check.arxiv_id]
        date = check.cited_date if not date_off else paper.published.strftime("%Y-%m")
        why = []
        if title_off:
            why.append(check.title_note or f"arXiv's current title differs from the cited one ({check.title_match}).")
        if date_off:
            why.append(f"first submitted {paper.published.isoformat()}, not {check.cited_date}.")
        replacement: dict[str, Any] = {
            "kind": ProposalKind.REPLACE_ANCHOR,
            "target": check.anchor_id,
            "before": before,
            "after": anchor_text(check.arxiv_id, date, paper.title),
            "rationale": " ".join(why),
            "evidence": [Evidence(arxiv_id=paper.arxiv_id, title=paper.title, published=paper.published)],
        }
        changes.append(replacement)
    return changes


def _claims_text(line: Line, state: RunState) -> str:
    results = state.get("claim_results", {})
    out = []
    for c in line.prompt.claims:
        anchors = results[c.id].anchored_by if c.id in results else []
        out.append(f"- {c.id} ({c.date.text}; anchors: {', '.join(anchors) or 'none'}): {c.text}")
    return "\n".join(out)


def _citable(state: RunState) -> list[Paper]:
    """Papers with a relevant finding: what the writer may cite."""
    papers = state.get("papers", {})
    ids = {f.arxiv_id for r in state.get("claim_results", {}).values() for f in r.findings if f.stance is not Stance.UNRELATED}
    return sorted((papers[i] for i in ids if i in papers), key=lambda p: p.arxiv_id)


def _evidence(items, papers: dict[str, Paper]) -> list[Evidence]:
    out = []
    for e in items:
        paper = papers.get(base_id(e.arxiv_id))
        out.append(Evidence(arxiv_id=e.arxiv_id, quote=e.quote, title=paper.title if paper else "", published=paper.published if paper else None))
    return out


def date_changes(line: Line, state: RunState, drafted: list[dict]) -> list[dict]:
    """A date-only revision for each claim dated before its anchor existed or after all its evidence (agent.graph.claim_dates).

    Not where the writer already revises the claim's date: its proposal answers the same question with more context.
    """
    dated_by_writer = {c["target"] for c in drafted if c["kind"] is ProposalKind.REVISE_CLAIM and c.get("new_date")}
    papers = state.get("papers", {})
    claims = {c.id: c for c in line.prompt.claims}
    changes = []
    for check in date_checks(line, state.get("anchor_checks", []), state.get("claim_results", {}), papers):
        if check.fit not in (DateFit.BEFORE_ANCHOR, DateFit.AFTER_EVIDENCE) or check.claim_id in dated_by_writer:
            continue
        paper = papers.get(check.dated_by or "")
        if paper is None or check.suggested_date is None:
            continue
        claim = claims[check.claim_id]
        changes.append(
            dict(
                kind=ProposalKind.REVISE_CLAIM,
                target=claim.id,
                before=f"{claim.text} ({claim.date.text})",
                after=claim.text,  # the wording stays: only the date moves to where the evidence is
                new_date=as_claim_date(check.suggested_date, claim.date),
                rationale=f"{check.message}: {cite_key(paper.arxiv_id)} was first submitted {paper.published.isoformat()}.",
                evidence=[Evidence(arxiv_id=paper.arxiv_id, title=paper.title, published=paper.published)],
            )
        )
    return changes


def draft_proposals(state: RunState, runtime: Runtime[RunContext]) -> dict:
    line, papers = run_line(state, runtime), state.get("papers", {})
    changes = anchor_changes(state.get("anchor_checks", []), papers)
    values = {"claims": _claims_text(line, state), "verdicts": verdict_lines(line, state), "papers": paper_blocks(_citable(state))}
    failed: dict = {}
    summary = summary_of(state, runtime)  # None unless --since-last
    try:
        if nothing_moved(state, runtime):
            # Since the last run no verdict moved and no new work came: the writer would draft what was proposed then.
            draft, usage = DraftSet(changes=[]), list[UsageRecord]()
        else:
            draft, usage = ask_line_task(services(runtime), DRAFT_PROPOSALS, values)
    except AnswerError as exc:
        draft, failed = DraftSet(changes=[]), failed_step("draft_proposals", "drafting the writer's proposals", exc)
        usage = failed.pop("usage")
    claims = {c.id: c for c in line.prompt.claims}
    for ch in draft.changes:
        before = f"{claims[ch.target].text} ({claims[ch.target].date.text})" if ch.target in claims else ""
        changes.append(
            dict(
                kind=ch.kind,
                target=ch.target,
                before=before,
                after=ch.after,
                new_date=ch.new_date,
                rationale=ch.rationale,
                evidence=_evidence(ch.evidence, papers),
            )
        )
    changes += date_changes(line, state, changes)
    for q in state.get("questions", []):
        asked = f" (task {q.task}" + (f" ({q.part})" if q.part else "") + ")" if q.task else ""
        why = f"Motivated by the verdicts on {', '.join(q.motivated_by) or 'the line as a whole'}{asked}."
        changes.append(dict(kind=ProposalKind.ADD_QUESTION, target="line", before="", after=q.text, rationale=why, evidence=[]))
    # Last, so that the numbering of the proposals drafted before anchors were read stays as it was.
    changes += fit_changes(all_fits(state.get("anchor_checks", [])), line, papers)  # anchors that do not carry their claims (read_anchors)
    changes += replacement_changes(state.get("anchor_checks", []), state.get("claim_results", {}), papers)  # ... and a paper of this run that does
    proposals = [Proposal(id=f"P{i}", **change) for i, change in enumerate(changes, start=1)]
    if summary is not None:
        # A proposal accepted before, or rejected before with no new evidence, is not proposed again.
        proposals, left_out = not_repeated(proposals, summary)
        failed["since_last"] = summary.model_copy(update={"not_repeated": left_out})
    return {"proposals": proposals, "usage": usage, **failed}
