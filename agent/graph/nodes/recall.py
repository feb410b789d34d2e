"""recall: an unchanged claim of a since-last run starts from what the last run found (agent.graph.since_last).

No model call: its last run's queries are sent again, windowed from that run's date (less the overlap) to
this run's date, and its findings and their papers are carried, so that the judge weighs old and new work
together and a claim with nothing new is not judged again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from agent.events import ClaimStage
from agent.graph.context import RunContext, run_line, services
from agent.graph.records import SearchedQuery
from agent.graph.since_last import ClaimPrior, SinceLast, SinceLastSummary
from agent.graph.since_last_changes import summarise
from agent.graph.state import ClaimState


def prior_for(runtime: Runtime[RunContext] | None, claim_id: str) -> ClaimPrior | None:
    """The claim's carried result in a since-last run; None in any other run (or for a claim re-tested in full)."""
    ctx = runtime.context if runtime is not None else None
    plan = ctx.since_last if ctx is not None else None
    return plan.claims.get(claim_id) if plan is not None else None


def recall(state: ClaimState, runtime: Runtime[RunContext]) -> dict:
    claim, result, run_date = state["claim"], state["result"], state["run_date"]
    plan = services(runtime).since_last
    assert plan is not None  # routed here only with a plan (agent.graph.build)
    prior = plan.claims[claim.id]
    get_stream_writer()(ClaimStage(claim=claim.id, stage="recalling the last run"))
    since = max(claim.date.value, plan.since)
    queries = [SearchedQuery(query=q.query, aim=q.aim, since=since, until=run_date) for q in prior.result.queries if q.error is None]
    return {
        "result": result.model_copy(update={"queries": queries, "findings": prior.result.findings}),
        "papers": {p.arxiv_id: p for p in prior.papers},
    }


def plan_of(runtime: Runtime[RunContext] | None) -> SinceLast | None:
    """The run's since-last plan; None in any other run."""
    ctx = runtime.context if runtime is not None else None
    return ctx.since_last if ctx is not None else None


def summary_of(state: Mapping[str, Any], runtime: Runtime[RunContext] | None) -> SinceLastSummary | None:
    """What this since-last run has changed so far; None in any other run."""
    plan = plan_of(runtime)
    if plan is None or runtime is None:
        return None
    return summarise(plan, run_line(state, runtime), state, state["run_date"])


def nothing_moved(state: Mapping[str, Any], runtime: Runtime[RunContext] | None) -> bool:
    """True in a since-last run where no verdict moved, no claim was re-tested in full, no new work was found and no anchor changed."""
    summary = summary_of(state, runtime)
    return summary is not None and not summary.changed and not any(c.moved_by for c in summary.claims)
