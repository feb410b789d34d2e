"""plan_claims (issue 12 point 5): one planning call for the line's claims, and the per-claim fallback when it falls short."""

from __future__ import annotations

# ruff: noqa: F811  (the `line` fixture comes from test_graph_logic; tests take it by name)
import datetime as dt

import pytest

from agent.estimate import calls_per_task
from agent.graph.records import VerdictKind
from agent.line.models import Claim, Line
from tests.graph.fakes import FakeSource, Refusal, ScriptedModel
from tests.graph.test_graph_logic import RUN_DATE, SEARCHED, line, papers, run, script, versions, year  # noqa: F401 - `line` is a fixture

C1_PLAN = {"claim_id": "C1", "queries": [{"query": "all:wages", "aim": "support"}, {"query": "all:labor share", "aim": "contradict"}]}
C2_PLAN = {"claim_id": "C2", "queries": [{"query": "all:partner", "aim": "support"}, {"query": "all:empathy", "aim": "contradict"}]}


def _planned(line: Line, line_plan, planning: str = "line"):
    model = ScriptedModel(script({"plan_claims": line_plan} if line_plan is not None else {}))
    source = FakeSource(papers(), SEARCHED, versions=versions())
    state = run(line, model, source, planning=planning).values
    return state, [t for t, _ in model.calls], model


def test_one_call_plans_every_claim_each_in_its_own_window(line):
    state, sent, model = _planned(line, {"claims": [C2_PLAN, C1_PLAN]})
    assert [t for t in sent if t.startswith("plan")] == ["plan_claims"]
    data = next(d for t, d in model.calls if t == "plan_claims")
    assert '<untrusted_data label="claim C1">' in data and '<untrusted_data label="claim C2">' in data, "each claim in its own data block"
    c1, c2 = state["claim_results"]["C1"], state["claim_results"]["C2"]
    assert [q.query for q in c1.queries] == ["all:wages", "all:labor share"] and [q.query for q in c2.queries] == ["all:partner", "all:empathy"]
    assert all(q.since == dt.date(2025, 1, 1) and q.until == RUN_DATE for q in c1.queries + c2.queries)
    assert c1.verdict.verdict is VerdictKind.QUALIFIED and c2.verdict.verdict is VerdictKind.HOLDS
    assert "plan_claims" not in state.get("failed_steps", {})
    assert [u.calls for u in state["usage"] if u.node == "plan_claims"] == [1] and not [u for u in state["usage"] if u.node == "plan_queries"]


def test_a_claim_the_plan_leaves_out_is_planned_on_its_own_and_one_it_was_not_asked_for_is_dropped(line):
    stray = {"claim_id": "C9", "queries": [{"query": "all:stray", "aim": "support"}, {"query": "all:other", "aim": "contradict"}]}
    twice = {"claim_id": "C1", "queries": [{"query": "all:second", "aim": "support"}, {"query": "all:plan", "aim": "contradict"}]}
    state, sent, _ = _planned(line, {"claims": [C1_PLAN, stray, twice]})
    assert [t for t in sent if t.startswith("plan")] == ["plan_claims", "plan_queries C2"]
    assert [q.query for q in state["claim_results"]["C1"].queries] == ["all:wages", "all:labor share"], "the first plan of a claim counts"
    assert "C9" not in state["claim_results"]
    assert state["failed_steps"]["plan_claims"] == "planning every claim in one call left out C2, planned on its own"
    assert state["claim_results"]["C2"].verdict.verdict is VerdictKind.HOLDS


@pytest.mark.parametrize("answer", [Refusal("I can't help with that."), {"claims": []}])
def test_an_unusable_or_empty_plan_costs_calls_never_a_claim(line, answer):
    state, sent, _ = _planned(line, answer)
    assert sorted(t for t in sent if t.startswith("plan_queries")) == ["plan_queries C1", "plan_queries C2"]
    assert all(r.verdict.verdict is not VerdictKind.UNRESOLVED for r in state["claim_results"].values())
    why = state["failed_steps"]["plan_claims"]
    assert ("refused" in why) if isinstance(answer, Refusal) else why.endswith("left out C1, C2, planned on its own")


def test_planning_claim_by_claim_makes_no_line_call(line):
    state, sent, _ = _planned(line, {"claims": [C1_PLAN, C2_PLAN]}, planning="claim")
    assert sorted(t for t in sent if t.startswith("plan")) == ["plan_queries C1", "plan_queries C2"]
    assert "failed_steps" not in state or "plan_claims" not in state["failed_steps"]


def test_a_claim_dated_after_the_run_is_not_planned(line):
    later = line.model_copy(
        update={"prompt": line.prompt.model_copy(update={"claims": [*line.prompt.claims, Claim(id="C3", text="Agents hold power", date=year(2027))]})}
    )
    state, sent, model = _planned(later, {"claims": [C1_PLAN, C2_PLAN]})
    data = next(d for t, d in model.calls if t == "plan_claims")
    assert "claim C3" not in data and not any(t.endswith("C3") for t in sent)
    assert state["claim_results"]["C3"].retestable is False


def test_the_estimate_counts_one_plan_per_line_or_one_per_claim():
    assert calls_per_task(5) == {"read_anchors": 1, "plan_claims": 1, "plan_queries": 0, "screen": 5, "judge": 5, "propose_questions": 1, "draft_proposals": 1}
    assert calls_per_task(5, planning="claim")["plan_queries"] == 5 and calls_per_task(5, planning="claim")["plan_claims"] == 0
    assert calls_per_task(3, carried=3)["plan_claims"] == 0, "a since-last run that carries every claim plans none"
