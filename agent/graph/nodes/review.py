"""review: pause for a person. Calls no model, so resuming it sends nothing twice."""

from __future__ import annotations

from langgraph.types import Command, interrupt

from agent.graph.state import RunState
from agent.proposals import Decision
from agent.proposals import pending as pending_ids


def pending(state: RunState) -> list[str]:
    """The proposals of this state still waiting for a decision."""
    return pending_ids(state.get("proposals", []), state.get("decisions", {}))


def review(state: RunState) -> Command:
    """Interrupts with the pending proposal IDs; resumed with a list of Decision dicts.

    Loops back to itself until nothing is pending, so a run can be reviewed over
    several sittings.
    """
    waiting = pending(state)
    if not waiting:
        return Command(goto="__end__")
    answer = interrupt({"run_id": state.get("run_id"), "pending": waiting})
    decisions = {d.proposal_id: d for d in (Decision.model_validate(x) for x in (answer or []))}
    known = {p.id for p in state.get("proposals", [])}
    return Command(goto="review", update={"decisions": {k: v for k, v in decisions.items() if k in known}})
