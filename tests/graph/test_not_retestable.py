"""A claim dated after the run date is skipped by fan_out: no request for it, a result that says why, the run goes on."""

from __future__ import annotations

import datetime as dt

from langgraph.checkpoint.memory import InMemorySaver

from agent.graph.build import build_graph
from agent.graph.context import RunContext
from agent.graph.records import VerdictKind
from agent.graph.serde import serializer
from agent.line.models import Claim, DatePrecision, FuzzyDate, Line, ResearchPrompt, Task
from tests.graph.fakes import FakeSource, ScriptedModel, paper

RUN_DATE = dt.date(2026, 11, 29)


def _date(text: str, value: dt.date, precision: DatePrecision) -> FuzzyDate:
    return FuzzyDate(text=text, value=value, precision=precision)


def _line() -> Line:
    return Line(
        slug="future-claims",
        question="Does warmth keep bargaining power?",
        framing="A test line.",
        synthesis=[],
        notes=[],
        prompt=ResearchPrompt(
            role="You are a test analyst.",
            open_question="Does it?",
            claims=[
                Claim(id="C1", text="Wages converge to compute cost", date=_date("~2025", dt.date(2025, 1, 1), DatePrecision.YEAR)),
                Claim(id="C2", text="Robots unionise", date=_date("2027-01", dt.date(2027, 1, 1), DatePrecision.MONTH)),
                # The run date's own month: the window is short but not empty, so it is re-tested.
                Claim(id="C3", text="Humans prefer AI partners", date=_date("2026-11", dt.date(2026, 11, 1), DatePrecision.MONTH)),
            ],
            tasks=[Task(number=1, text="Re-test each claim.")],
        ),
    )


def _script(task: str, instructions: str, data: str) -> dict:
    answers = {
        "plan_queries C1": {"queries": [{"query": "all:wages", "aim": "support"}, {"query": "all:labor share", "aim": "contradict"}]},
        "plan_queries C3": {"queries": [{"query": "all:partner", "aim": "support"}, {"query": "all:empathy", "aim": "contradict"}]},
        "screen C1": {"findings": [{"arxiv_id": "2606.10127", "stance": "qualifies", "quote": "Labor's share of tasks decays slowly", "confidence": 0.8}]},
        "judge C1": {
            "verdict": "qualified",
            "rationale": "2606.10127 shows a slow decay.",
            "cited_ids": ["2606.10127"],
            "suggested_text": None,
            "suggested_date": None,
        },
        "propose_questions": {"questions": [{"text": "When do robots unionise?", "motivated_by": ["C2"], "task": 1}]},
        "draft_proposals": {"changes": []},
    }
    # A KeyError here is a model call the run should not have made.
    return answers[task]


def _run(model: ScriptedModel, source: FakeSource, run_date: dt.date = RUN_DATE) -> dict:
    graph = build_graph().compile(checkpointer=InMemorySaver(serde=serializer()))
    ctx = RunContext(models={r: model for r in ("planner", "screener", "judge", "writer")}, source=source)
    config = {"configurable": {"thread_id": "t1"}}
    graph.invoke({"run_id": "t1", "line": _line(), "run_date": run_date}, config, context=ctx)
    return graph.get_state(config).values


def _source() -> FakeSource:
    papers = {"2606.10127": paper("2606.10127", "Data-Driven Automation", "2026-06-08", "Labor's share of tasks decays slowly as a power law.")}
    return FakeSource(papers, {"wages": ["2606.10127"]})


def test_a_claim_after_the_run_date_costs_nothing_and_says_why() -> None:
    model, source = ScriptedModel(_script), _source()
    state = _run(model, source)

    c2 = state["claim_results"]["C2"]
    assert c2.retestable is False
    assert c2.error is not None and "after the run date 2026-11-29" in c2.error
    assert c2.verdict is not None and c2.verdict.verdict is VerdictKind.UNRESOLVED and c2.error in c2.verdict.rationale
    assert c2.queries == [] and c2.candidates == [] and c2.findings == []
    assert not [task for task, _ in model.calls if task.endswith(" C2")], "no model call for the skipped claim"
    assert {since for _, since, _ in source.queries} == {dt.date(2025, 1, 1), dt.date(2026, 11, 1)}, "no arXiv search for it either"


def test_the_run_goes_on_for_the_other_claims_and_the_line_steps() -> None:
    model = ScriptedModel(_script)
    state = _run(model, _source())

    results = state["claim_results"]
    assert results["C1"].retestable and results["C1"].verdict.verdict is VerdictKind.QUALIFIED
    assert results["C3"].retestable and results["C3"].error is None, "a claim of the run date's month is re-tested"
    assert "proposals" in state and "questions" in state and "contradictions" in state
    drafted = next(data for task, data in model.calls if task == "draft_proposals")
    assert "C2 (2027-01) unresolved" in drafted and "the run skips it" in drafted, "the writer is told why C2 has no verdict"


def test_the_same_claim_is_skipped_before_its_date_and_re_tested_after_it() -> None:
    later = {
        "plan_queries C2": {"queries": [{"query": "all:union", "aim": "support"}, {"query": "all:strike", "aim": "contradict"}]},
    }
    model = ScriptedModel(lambda task, instructions, data: later[task] if task in later else _script(task, instructions, data))

    assert _run(model, _source())["claim_results"]["C2"].retestable is False
    c2 = _run(model, _source(), run_date=dt.date(2027, 2, 1))["claim_results"]["C2"]
    assert c2.retestable and c2.error is None
    assert [q.since for q in c2.queries] == [dt.date(2027, 1, 1)] * 2
    plans = [data for task, data in model.calls if task == "plan_claims"]
    assert len(plans) == 2 and ['label="claim C2"' in plan for plan in plans] == [False, True], "planned in the later run only"
