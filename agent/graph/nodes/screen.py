"""screen: stance, quote and confidence per candidate, in one batch per claim.

An unusable screening (truncated, refused, invalid twice) leaves the claim
unresolved with the reason; the other claims go on.
"""

from __future__ import annotations

from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from agent.events import ClaimStage
from agent.graph.context import RunContext, services
from agent.graph.evidence import base_id, normalise_space, paper_blocks, quote_problem
from agent.graph.nodes.recall import prior_for
from agent.graph.records import DroppedQuote, Finding
from agent.graph.state import ClaimState
from agent.graph.tasks import SCREEN
from agent.llm.base import AnswerError


def screen(state: ClaimState, runtime: Runtime[RunContext]) -> dict:
    claim, result = state["claim"], state["result"]
    papers = [p for p in state.get("candidates_papers", []) if any(c.arxiv_id == p.arxiv_id and c.newer for c in result.candidates)]
    prior = prior_for(runtime, claim.id)
    if prior is not None:
        # A since-last run screens only papers the claim never had screened; their findings are carried (agent.graph.nodes.recall).
        papers = [p for p in papers if p.arxiv_id not in prior.screened]
    if not papers:
        return {}
    get_stream_writer()(ClaimStage(claim=claim.id, stage=f"screening {len(papers)} papers"))
    try:
        batch, usage = services(runtime).ask(
            SCREEN,
            claim_id=claim.id,
            values={"claim_id": claim.id, "claim": claim.text, "claim_date": claim.date.text, "papers": paper_blocks(papers)},
        )
    except AnswerError as exc:
        return {"result": result.model_copy(update={"error": f"screening failed: {exc.reason}"}), "usage": exc.accounted}
    by_id = {p.arxiv_id: p for p in papers}
    findings: list[Finding] = list(result.findings)  # empty, but in a since-last run: the last run's, carried
    dropped: list[DroppedQuote] = []
    strays: list[str] = []
    for item in batch.findings:
        paper = by_id.get(base_id(item.arxiv_id))
        if paper is None:
            strays.append(item.arxiv_id)
            continue
        problem = quote_problem(item.quote, paper.summary)
        if problem is not None:
            dropped.append(DroppedQuote(arxiv_id=paper.arxiv_id, quote=normalise_space(item.quote), reason=problem))
            continue
        findings.append(Finding(claim_id=claim.id, arxiv_id=paper.arxiv_id, stance=item.stance, quote=normalise_space(item.quote), confidence=item.confidence))
    update = {
        "findings": findings,
        "dropped_quotes": len(dropped),
        "dropped_quote_reasons": dropped,
        "dropped_citations": list(dict.fromkeys(result.dropped_citations + strays)),
    }
    return {"result": result.model_copy(update=update), "usage": [usage]}
