"""plan_queries: 2 to 4 arXiv queries per claim, for and against it.

An unusable plan (truncated, refused, invalid twice) leaves the claim
unresolved with the reason; the other claims go on. With no queries, search
sends nothing and the judge records the reason.
"""

from __future__ import annotations

from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from agent.events import ClaimStage
from agent.graph.context import RunContext, run_line, services
from agent.graph.records import ClaimResult, SearchedQuery
from agent.graph.state import ClaimState
from agent.graph.tasks import PLAN_QUERIES
from agent.llm.base import AnswerError


def plan_queries(state: ClaimState, runtime: Runtime[RunContext]) -> dict:
    """Every query's window starts at the claim's date and ends at the run date; the model picks no dates."""
    claim, line, run_date = state["claim"], run_line(state, runtime), state["run_date"]
    get_stream_writer()(ClaimStage(claim=claim.id, stage="planning queries"))
    result = state.get("result") or ClaimResult(claim_id=claim.id)
    try:
        plan, usage = services(runtime).ask(
            PLAN_QUERIES,
            claim_id=claim.id,
            values={
                "role": line.prompt.role,
                "claim_id": claim.id,
                "claim": claim.text,
                "claim_date": claim.date.text,
                "run_date": run_date.isoformat(),
                "line_question": line.question,
            },
        )
    except AnswerError as exc:
        return {"result": result.model_copy(update={"queries": [], "error": f"planning queries failed: {exc.reason}"}), "usage": exc.accounted}
    queries = [SearchedQuery(query=q.query, aim=q.aim, since=claim.date.value, until=run_date) for q in plan.queries]
    return {"result": result.model_copy(update={"queries": queries}), "usage": [usage]}
