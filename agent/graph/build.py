"""The re-test graph. `build_graph()` returns the uncompiled builder; callers compile it
with their own checkpointer (SQLite in the CLI, memory in tests).

    START -> verify_anchors -> read_anchors -> plan_claims -> [claim x N, in parallel via Send:
                                search -> find_source -> screen -> judge, the claim's queries
                                planned by plan_claims (or by plan_queries first, for a claim
                                it left out or with planning=claim),
                                or judge alone for a claim dated after the run date]
          -> find_contradictions -> propose_questions -> draft_proposals
          -> ground_check -> review (interrupt) -> END

With --since-last (agent.graph.since_last) an unchanged claim starts at `recall` instead of
plan_queries, and a run in which nothing moved skips propose_questions.
"""

from __future__ import annotations

from typing import Literal

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime, get_runtime
from langgraph.types import Send

from agent.graph.context import RunContext, run_line
from agent.graph.nodes.draft_proposals import draft_proposals
from agent.graph.nodes.find_contradictions import find_contradictions
from agent.graph.nodes.find_source import find_source
from agent.graph.nodes.judge import judge
from agent.graph.nodes.plan_claims import plan_claims
from agent.graph.nodes.plan_queries import plan_queries
from agent.graph.nodes.propose_questions import propose_questions
from agent.graph.nodes.read_anchors import read_anchors
from agent.graph.nodes.recall import nothing_moved, prior_for, recall
from agent.graph.nodes.review import review
from agent.graph.nodes.screen import screen
from agent.graph.nodes.search import search
from agent.graph.nodes.verify_anchors import verify_anchors
from agent.graph.retractions import ground_and_check
from agent.graph.state import ClaimOutput, ClaimState, RunState
from agent.line.checks import not_retestable

CLAIM_NODE, REVIEW_NODE = "claim", "review"


def _entry(state: ClaimState, runtime: Runtime[RunContext]) -> Literal["plan_queries", "recall", "search", "judge"]:
    # A claim fan_out skipped goes straight to the judge, which records why without a model call.
    if not state["result"].retestable:
        return "judge"
    # With --since-last an unchanged claim starts from its last run's queries and findings (agent.graph.since_last).
    if prior_for(runtime, state["claim"].id) is not None:
        return "recall"
    # plan_claims planned it with the line's other claims; one it left out (or every claim with planning=claim) plans alone.
    return "search" if state["result"].queries else "plan_queries"


def _after_contradictions(state: RunState, runtime: Runtime[RunContext]) -> Literal["propose_questions", "draft_proposals"]:
    # A since-last run in which nothing moved asks no model for questions: the last run's still stand.
    return "draft_proposals" if nothing_moved(state, runtime) else "propose_questions"


def _after_search(state: ClaimState) -> Literal["screen", "judge"]:
    return "judge" if state["result"].error else "screen"


def build_claim_graph() -> StateGraph[ClaimState, RunContext, ClaimState, ClaimOutput]:
    """One claim's branch; its output holds only reducer keys, so parallel branches merge."""
    g = StateGraph(ClaimState, context_schema=RunContext, output_schema=ClaimOutput)
    g.add_node("plan_queries", plan_queries)
    g.add_node("recall", recall)
    g.add_node("search", search)
    g.add_node("find_source", find_source)
    g.add_node("screen", screen)
    g.add_node("judge", judge)
    g.add_conditional_edges(START, _entry)
    g.add_edge("plan_queries", "search")
    g.add_edge("recall", "search")
    g.add_edge("search", "find_source")  # a no-op unless citation sources are on and the claim has no anchor
    g.add_conditional_edges("find_source", _after_search)
    g.add_edge("screen", "judge")
    g.add_edge("judge", END)
    return g


def fan_out(state: RunState) -> list[Send]:
    """One Send per claim, so the checkpointer sees each branch as its own task.

    A claim the run cannot re-test (agent.line.checks) is sent marked as such,
    with the reason as its error, so it ends unresolved without a request.
    """
    results = state.get("claim_results", {})
    line = run_line(state, get_runtime(RunContext))
    skipped = not_retestable(line, state["run_date"])
    # The line goes with a branch only where the state holds it (a served run): the CLI's is in the context, kept once per run.
    shared = {"line": state["line"]} if "line" in state else {}
    sends = []
    for c in line.prompt.claims:
        result = results[c.id]
        if c.id in skipped:
            result = result.model_copy(update={"retestable": False, "error": skipped[c.id]})
        sends.append(Send("claim", {**shared, "run_date": state["run_date"], "claim": c, "result": result}))
    return sends


def line_steps() -> list[str]:
    """The line-level steps a run finishes, in order: every top-level node but the per-claim branch and the review wait."""
    return [name for name in build_graph().nodes if name not in (CLAIM_NODE, REVIEW_NODE)]


def build_graph(context_schema: type[RunContext] = RunContext) -> StateGraph[RunState, RunContext, RunState, RunState]:
    """The run's graph, uncompiled; `context_schema` is what LangGraph coerces a run's context dict into (agent.server)."""
    g = StateGraph(RunState, context_schema=context_schema)
    g.add_node("verify_anchors", verify_anchors)
    g.add_node("read_anchors", read_anchors)  # one call: links and fits of every verified anchor (agent.graph.anchor_fit)
    g.add_node("plan_claims", plan_claims)  # one call: the queries of every claim it will search for
    g.add_node(CLAIM_NODE, build_claim_graph().compile())
    g.add_node("find_contradictions", find_contradictions)
    g.add_node("propose_questions", propose_questions)
    g.add_node("draft_proposals", draft_proposals)
    g.add_node("ground_check", ground_and_check)  # and, with citation sources on, the retraction check (agent.graph.retractions)
    g.add_node(REVIEW_NODE, review)
    g.add_edge(START, "verify_anchors")
    g.add_edge("verify_anchors", "read_anchors")
    g.add_edge("read_anchors", "plan_claims")
    g.add_conditional_edges("plan_claims", fan_out, ["claim"])
    g.add_edge("claim", "find_contradictions")
    g.add_conditional_edges("find_contradictions", _after_contradictions)
    g.add_edge("propose_questions", "draft_proposals")
    g.add_edge("draft_proposals", "ground_check")
    g.add_edge("ground_check", "review")
    return g
