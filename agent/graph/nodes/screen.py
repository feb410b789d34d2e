"""screen: stance, quote and confidence per candidate, in one batch per claim."""

from __future__ import annotations

from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from agent.events import ClaimStage
from agent.graph.answers import ScreeningBatch
from agent.graph.context import RunContext, services
from agent.graph.evidence import base_id, normalise_space, paper_blocks, quote_in
from agent.graph.records import Finding
from agent.graph.state import ClaimState


def screen(state: ClaimState, runtime: Runtime[RunContext]) -> dict:
    claim, result = state["claim"], state["result"]
    papers = [p for p in state.get("candidates_papers", []) if any(c.arxiv_id == p.arxiv_id and c.newer for c in result.candidates)]
    if not papers:
        return {}
    get_stream_writer()(ClaimStage(claim=claim.id, stage=f"screening {len(papers)} papers"))
    batch, usage = services(runtime).ask(
        role="screener",
        node="screen",
        claim_id=claim.id,
        prompt="screen",
        schema=ScreeningBatch,
        values={"claim_id": claim.id, "claim": claim.text, "claim_date": claim.date.text, "papers": paper_blocks(papers)},
    )
    by_id = {p.arxiv_id: p for p in papers}
    findings: list[Finding] = []
    dropped_quotes, strays = 0, []
    for item in batch.findings:
        paper = by_id.get(base_id(item.arxiv_id))
        if paper is None:
            strays.append(item.arxiv_id)
            continue
        if not quote_in(item.quote, paper.summary):
            dropped_quotes += 1
            continue
        findings.append(Finding(claim_id=claim.id, arxiv_id=paper.arxiv_id, stance=item.stance, quote=normalise_space(item.quote), confidence=item.confidence))
    update = {"findings": findings, "dropped_quotes": dropped_quotes, "dropped_citations": list(dict.fromkeys(result.dropped_citations + strays))}
    return {"result": result.model_copy(update=update), "usage": [usage]}
