"""plan_claims: one call plans the queries of every claim the run will search for, before the fan-out (issue 12 point 5).

A line of N claims makes one planning call instead of N. Each claim's window
still starts at its own date and ends at the run date; the model picks no dates.
Not planned here: a claim the run cannot re-test (agent.line.checks), one a
since-last run carries (it is sent its last queries by recall), and every claim
when the run plans claim by claim (`planning = "claim"`). A claim the answer
leaves out, or every claim when the answer is unusable (truncated after its
retry, refused, invalid twice), is planned on its own in its branch
(plan_queries), the reason in `failed_steps`: the fallback costs calls, never
a claim.
"""

from __future__ import annotations

from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from agent.events import ClaimStage
from agent.graph.answers import LinePlan
from agent.graph.context import RunContext, run_line, services
from agent.graph.line_tasks import ask_line_task, failed_step
from agent.graph.nodes.recall import prior_for
from agent.graph.records import ClaimResult, SearchedQuery
from agent.graph.state import RunState
from agent.graph.tasks import PLAN_CLAIMS
from agent.line.checks import not_retestable
from agent.line.models import Claim
from agent.llm.base import AnswerError
from agent.prompts import data_block, join_blocks

FALLBACK = "planning every claim in one call (each left out is planned on its own)"


def to_plan(state: RunState, runtime: Runtime[RunContext]) -> list[Claim]:
    """The claims this run plans in one call: re-testable, not carried by a since-last run; none when planning claim by claim."""
    if services(runtime).planning != "line":
        return []
    line = run_line(state, runtime)
    skipped = not_retestable(line, state["run_date"])
    return [c for c in line.prompt.claims if c.id not in skipped and prior_for(runtime, c.id) is None]


def _claim_blocks(claims: list[Claim]) -> str:
    return join_blocks([data_block(f"claim {c.id}", f"{c.id} (dated {c.date.text}): {c.text}") for c in claims])


def _planned(answer: LinePlan, claims: list[Claim], state: RunState) -> dict[str, ClaimResult]:
    """Each asked-for claim's queries, the first plan of it that the answer gives; an ID not asked for is dropped."""
    run_date, results = state["run_date"], state.get("claim_results", {})
    asked = {c.id: c for c in claims}
    planned: dict[str, ClaimResult] = {}
    for plan in answer.claims:
        claim = asked.get(plan.claim_id)
        if claim is None or claim.id in planned:
            continue
        queries = [SearchedQuery(query=q.query, aim=q.aim, since=claim.date.value, until=run_date) for q in plan.queries]
        result = results.get(claim.id) or ClaimResult(claim_id=claim.id)
        planned[claim.id] = result.model_copy(update={"queries": queries})
    return planned


def plan_claims(state: RunState, runtime: Runtime[RunContext]) -> dict:
    claims = to_plan(state, runtime)
    if not claims:
        return {}
    line = run_line(state, runtime)
    write = get_stream_writer()
    for c in claims:
        write(ClaimStage(claim=c.id, stage="planning queries"))
    values = {"role": line.prompt.role, "run_date": state["run_date"].isoformat(), "line_question": line.question, "claims": _claim_blocks(claims)}
    try:
        answer, usage = ask_line_task(services(runtime), PLAN_CLAIMS, values)
    except AnswerError as exc:
        return failed_step("plan_claims", FALLBACK, exc)
    planned = _planned(answer, claims, state)
    left_out = [c.id for c in claims if c.id not in planned]
    update: dict = {"claim_results": planned, "usage": usage}
    if left_out:
        update["failed_steps"] = {"plan_claims": f"planning every claim in one call left out {', '.join(left_out)}, planned on its own"}
    return update
