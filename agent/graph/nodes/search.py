"""search: one arXiv request per aim (support, contradict), windowed from the claim's date."""

from __future__ import annotations

from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from agent.errors import ProviderError
from agent.events import ClaimStage
from agent.graph.context import RunContext, services
from agent.graph.records import Candidate, SearchedQuery
from agent.graph.state import ClaimState
from agent.sources.models import Paper


def combine(queries: list[SearchedQuery]) -> str:
    """OR the queries of one aim into a single arXiv expression (fewer requests under the 3 s limit)."""
    return " OR ".join(f"({q.query})" for q in queries) if len(queries) > 1 else queries[0].query


def _interleave(groups: list[list[Paper]]) -> list[Paper]:
    """Round-robin over result lists so each aim keeps its best hits in the screening cap."""
    out: list[Paper] = []
    for rank in range(max((len(g) for g in groups), default=0)):
        out.extend(g[rank] for g in groups if rank < len(g))
    return out


def search(state: ClaimState, runtime: Runtime[RunContext]) -> dict:
    claim, result = state["claim"], state["result"]
    ctx = services(runtime)
    get_stream_writer()(ClaimStage(claim=claim.id, stage="searching arXiv"))
    by_aim: dict[str, list[SearchedQuery]] = {}
    for q in result.queries:
        by_aim.setdefault(q.aim, []).append(q)
    groups: list[list[Paper]] = []
    try:
        with ctx.sending(node="search", claim_id=claim.id) as source:
            for queries in by_aim.values():
                groups.append(
                    source.search(
                        combine(queries),
                        since=queries[0].since,
                        until=queries[0].until,
                        max_results=ctx.max_results_per_query,
                    )
                )
    except ProviderError as exc:
        # One claim's search failing must not sink the others: the claim ends unresolved, with the reason.
        return {"result": result.model_copy(update={"error": f"arXiv search failed: {exc.message}"}), "candidates_papers": []}
    seen: dict[str, Paper] = {}
    for paper in _interleave(groups):
        seen.setdefault(paper.arxiv_id, paper)
    papers = list(seen.values())[: ctx.max_candidates]
    candidates = [Candidate(arxiv_id=p.arxiv_id, newer=p.published >= claim.date.value) for p in papers]
    return {
        "result": result.model_copy(update={"candidates": candidates}),
        "candidates_papers": papers,
        "papers": {p.arxiv_id: p for p in papers},
    }
