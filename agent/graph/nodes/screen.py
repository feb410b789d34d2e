"""screen: stance, quote and confidence per candidate, in one batch per claim."""

from __future__ import annotations

import re

from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from agent.graph.answers import ScreeningBatch
from agent.graph.context import RunContext, services
from agent.graph.records import Finding
from agent.graph.state import ClaimState
from agent.prompts import data_block, join_blocks
from agent.sources.models import Paper

_SPACE = re.compile(r"\s+")
_VERSION = re.compile(r"v\d+$")


def base_id(arxiv_id: str) -> str:
    """'arXiv:2501.16946v2' -> '2501.16946'."""
    return _VERSION.sub("", arxiv_id.strip().removeprefix("arXiv:").removeprefix("arxiv:"))


def normalise_space(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def quote_in(quote: str, abstract: str) -> bool:
    """A quote counts only if it is an exact substring of the abstract, whitespace aside."""
    q = normalise_space(quote)
    return bool(q) and q in normalise_space(abstract)


def paper_blocks(papers: list[Paper]) -> str:
    return join_blocks([data_block(f"arXiv:{p.arxiv_id}", f"Title: {p.title}\nSubmitted: {p.published.isoformat()}\nAbstract: {p.summary}") for p in papers])


def screen(state: ClaimState, runtime: Runtime[RunContext]) -> dict:
    claim, result = state["claim"], state["result"]
    papers = [p for p in state.get("candidates_papers", []) if any(c.arxiv_id == p.arxiv_id and c.newer for c in result.candidates)]
    if not papers:
        return {}
    get_stream_writer()({"claim": claim.id, "stage": f"screening {len(papers)} papers"})
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
