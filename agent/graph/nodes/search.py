"""search: one arXiv request per aim (support, contradict), windowed from the claim's date.

The planner's queries are model-written and arXiv validates them: one it
rejects (HTTP 400) or an empty one fails alone, with arXiv's message, and the
claim goes on with the others; only when every query fails is the claim
unresolved for it. arXiv being unavailable still ends the claim's search.
A source that says where a window's search goes (the local index, or the index
and arXiv: agent.index.source) has that recorded on each query, for the report.
With a citation service (`--citations`), the papers citing the claim's anchors in
its window join the candidates after arXiv's (agent.graph.citations).
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable

from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from agent.callsite import call_context
from agent.errors import ProviderError
from agent.events import ClaimStage, emitting_to
from agent.graph.context import PaperSource, RunContext, run_line, services
from agent.graph.records import Candidate, SearchedQuery
from agent.graph.state import ClaimState
from agent.line.models import Line
from agent.sources.models import EMPTY_QUERY, Paper, QueryRejected


@runtime_checkable
class DescribesSearches(Protocol):
    """A source that can say where a window's search goes (agent.index.source: the local index, or it and arXiv)."""

    def describe_search(self, since: dt.date | None, until: dt.date | None) -> _Route: ...


class _Route(Protocol):
    source: str
    note: str


def _routed(source: PaperSource, queries: list[SearchedQuery]) -> list[SearchedQuery]:
    """The queries with the source that answers their window and what it leaves out; arXiv's API when the source does not say."""
    if not queries or not isinstance(source, DescribesSearches):
        return queries
    route = source.describe_search(queries[0].since, queries[0].until)
    return [q.model_copy(update={"source": route.source, "note": route.note}) for q in queries]


def combine(queries: list[SearchedQuery]) -> str:
    """OR the queries of one aim into a single arXiv expression (fewer requests under the 3 s limit)."""
    # arXiv's AND, OR and ANDNOT share one precedence and group from the right: only parentheses keep each query whole.
    return " OR ".join(f"({q.query})" for q in queries) if len(queries) > 1 else queries[0].query


def _interleave(groups: list[list[Paper]]) -> list[Paper]:
    """Round-robin over result lists so each aim keeps its best hits in the screening cap."""
    out: list[Paper] = []
    for rank in range(max((len(g) for g in groups), default=0)):
        out.extend(g[rank] for g in groups if rank < len(g))
    return out


def _search_aim(source: PaperSource, queries: list[SearchedQuery], max_results: int) -> tuple[list[Paper], list[SearchedQuery]]:
    """The aim's papers, and its queries (same order) with `error` set on those that failed."""
    marked = [q if q.query.strip() else q.model_copy(update={"error": EMPTY_QUERY}) for q in _routed(source, queries)]
    sendable = [i for i, q in enumerate(marked) if q.error is None]
    if not sendable:
        return [], marked
    since, until = queries[0].since, queries[0].until

    def ask(query: str) -> list[Paper]:
        return source.search(query, since=since, until=until, max_results=max_results)

    try:
        return ask(combine([marked[i] for i in sendable])), marked
    except QueryRejected as rejected:
        if len(sendable) == 1:
            marked[sendable[0]] = marked[sendable[0]].model_copy(update={"error": rejected.reason})
            return [], marked
    # One bad query makes arXiv refuse the whole OR: ask for each alone, to keep the good ones and name the bad.
    groups: list[list[Paper]] = []
    for i in sendable:
        try:
            groups.append(ask(marked[i].query))
        except QueryRejected as rejected:
            marked[i] = marked[i].model_copy(update={"error": rejected.reason})
    return _interleave(groups), marked


def _all_failed(queries: list[SearchedQuery]) -> str:
    return "arXiv answered none of the claim's queries: " + "; ".join(f"{q.query!r}: {q.error}" for q in queries)


def search(state: ClaimState, runtime: Runtime[RunContext]) -> dict:
    claim, result = state["claim"], state["result"]
    ctx = services(runtime)
    get_stream_writer()(ClaimStage(claim=claim.id, stage="searching arXiv"))
    by_aim: dict[str, list[int]] = {}
    for index, q in enumerate(result.queries):
        by_aim.setdefault(q.aim, []).append(index)
    groups: list[list[Paper]] = []
    queries = list(result.queries)
    try:
        with ctx.sending(node="search", claim_id=claim.id) as source:
            for indices in by_aim.values():
                papers, marked = _search_aim(source, [queries[i] for i in indices], ctx.max_results_per_query)
                groups.append(papers)
                for i, q in zip(indices, marked, strict=True):
                    queries[i] = q
    except ProviderError as exc:
        # One claim's search failing must not sink the others: the claim ends unresolved, with the reason.
        return {"result": result.model_copy(update={"error": f"arXiv search failed: {exc.message}"}), "candidates_papers": []}
    if queries and all(q.error for q in queries):
        return {"result": result.model_copy(update={"queries": queries, "error": _all_failed(queries)}), "candidates_papers": []}
    seen: dict[str, Paper] = {}
    for paper in _interleave(groups):
        seen.setdefault(paper.arxiv_id, paper)
    papers = list(seen.values())[: ctx.max_candidates]
    cited: dict[str, dict[str, str]] = {}
    if ctx.citations is not None and result.anchored_by:
        papers, cited = _with_citations(ctx, run_line(state, runtime), state, queries, papers)
    candidates = [Candidate(arxiv_id=p.arxiv_id, newer=p.published >= claim.date.value) for p in papers]
    return {
        "result": result.model_copy(update={"queries": queries, "candidates": candidates}),
        "candidates_papers": papers,
        "papers": {p.arxiv_id: p for p in papers},
        **cited,
    }


def _with_citations(
    ctx: RunContext, line: Line, state: ClaimState, queries: list[SearchedQuery], papers: list[Paper]
) -> tuple[list[Paper], dict[str, dict[str, str]]]:
    """The arXiv results and, next to them, the papers citing the claim's anchors in its window (agent.graph.citations)."""
    from agent.graph.citations import citing_papers

    assert ctx.citations is not None
    claim, result = state["claim"], state["result"]
    since = min((q.since for q in queries), default=claim.date.value)
    until = max((q.until for q in queries), default=state["run_date"])
    get_stream_writer()(ClaimStage(claim=claim.id, stage="following citations"))
    with call_context(node="search", claim=claim.id), emitting_to(get_stream_writer()):
        anchors = [a.arxiv_id for a in line.prompt.anchors if a.id in result.anchored_by]
        found = citing_papers(ctx.citations, claim.id, anchors, since, until)
    known = {p.arxiv_id for p in papers}
    extra = [p for p in found.papers if p.arxiv_id not in known][: ctx.max_candidates]
    return papers + extra, {
        "verified_dois": found.verified_dois,
        "citation_searches": found.searches,
        "sources_skipped": found.skipped,
        "anchor_notices": found.anchor_notices,
    }
