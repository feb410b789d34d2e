"""A small line run twice through the real graph (scripted model, fake source): a full run, then one since the last.

Papers are real arXiv metadata (IDs, titles, first-submission dates from evals/data/arxiv-papers.json);
their summaries are one sentence of ours, which the scripted quotes copy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from agent.graph.build import build_graph
from agent.graph.context import RunContext
from agent.graph.serde import serializer
from agent.graph.since_last import SinceLast, build_plan
from agent.line.models import AnchorPaper, Claim, DatePrecision, FuzzyDate, Line, ResearchPrompt, Task
from agent.proposals import Decision, DecisionKind
from tests.graph.fakes import FakeSource, ScriptedModel, paper

FIRST, LATER = dt.date(2026, 2, 1), dt.date(2026, 7, 1)
ROLES = ("planner", "screener", "judge", "writer")

PAPERS = {
    p.arxiv_id: p
    for p in [
        paper("2507.13524", "Humans learn to prefer trustworthy AI over human partners", "2025-07-17", "People came to prefer AI partners."),
        paper("2505.18687", "An AI Capability Threshold for Rent-Funded Universal Basic Income in an AI-Automated Economy", "2025-05-24",
              "AI capital rents could fund a basic income as wages fall toward compute cost."),
        paper("2511.16769", "Trust in AI emerges from distrust in humans: A machine learning study", "2025-11-20",
              "Trust in AI partners grows where trust in humans is low."),
        paper("2605.03210", "Human-Provenance Verification should be Treated as Labor Infrastructure", "2026-05-04",
              "Verifiably human work earns premiums that do not converge to compute cost."),
        paper("2602.17293", "Human attribution of empathic behaviour to AI systems", "2026-02-19",
              "People rated AI text as more empathic and AI labels carried little penalty."),
    ]
}  # fmt: skip

QUOTES = {
    "2505.18687": ("supports", "wages fall toward compute cost"),
    "2511.16769": ("supports", "Trust in AI partners grows where trust in humans is low"),
    "2605.03210": ("contradicts", "Verifiably human work earns premiums that do not converge to compute cost"),
    "2602.17293": ("supports", "AI labels carried little penalty"),
}


def year(y: int) -> FuzzyDate:
    return FuzzyDate(text=f"~{y}", value=dt.date(y, 1, 1), precision=DatePrecision.YEAR, approximate=True)


def make_line(c2: str = "Humans learn to prefer AI partners") -> Line:
    return Line(
        slug="warmth-and-wages",
        question="Does warmth keep bargaining power?",
        framing="A test line.",
        synthesis=["One paragraph."],
        notes=[],
        prompt=ResearchPrompt(
            role="You are a test analyst.",
            open_question="Does it?",
            claims=[Claim(id="C1", text="Wages converge to compute cost", date=year(2025)), Claim(id="C2", text=c2, date=year(2025))],
            anchors=[
                AnchorPaper(
                    id="A1",
                    arxiv_id="2507.13524",
                    cited_date=FuzzyDate(text="2025-07", value=dt.date(2025, 7, 1), precision=DatePrecision.MONTH),
                    cited_title="Humans learn to prefer trustworthy AI over human partners",
                )
            ],
            tasks=[Task(number=1, text="Re-test each claim."), Task(number=2, text="Propose a research question.")],
        ),
    )


def _ids_in(data: str) -> list[str]:
    return [i for i in PAPERS if i in data]


def script(revise_with: tuple[str, ...] = ("2505.18687",), verdicts: dict[str, str] | None = None) -> Callable[[str, str, str], dict[str, Any]]:
    """Answers for every task; the judge's verdict is 'qualified' once a contradicting finding is among its findings."""

    def answer(task: str, instructions: str, data: str) -> dict[str, Any]:
        node, _, claim = task.partition(" ")
        if node == "plan_queries":
            topic = "compute" if claim == "C1" else "partners"
            return {"queries": [{"aim": "support", "query": f"abs:{topic}"}, {"aim": "contradict", "query": f"abs:{topic} AND abs:premium"}]}
        if node == "screen":
            found = []
            for i in _ids_in(data):
                stance, quote = QUOTES.get(i, ("unrelated", PAPERS[i].summary))
                found.append({"arxiv_id": i, "stance": stance, "quote": quote, "confidence": 0.7})
            return {"findings": found}
        if node == "judge":
            against = [i for i in _ids_in(data) if QUOTES.get(i, ("",))[0] == "contradicts"]
            verdict = (verdicts or {}).get(claim) or ("qualified" if against else "holds")
            cited = _ids_in(data)
            return {"verdict": verdict, "rationale": f"Judged on {', '.join(cited)}.", "cited_ids": cited, "suggested_text": None, "suggested_date": None}
        if node == "propose_questions":
            return {"questions": [{"text": "Does provenance pay?", "motivated_by": ["C1"], "task": 2}]}
        if node == "draft_proposals":
            evidence = [{"arxiv_id": i, "quote": QUOTES[i][1]} for i in revise_with if i in data]
            return {
                "changes": [
                    {
                        "kind": "revise_claim",
                        "target": "C1",
                        "after": "Wages fall toward compute cost",
                        "new_date": "~2026",
                        "rationale": "The newer work.",
                        "evidence": evidence,
                    }
                ]
            }
        raise KeyError(task)

    return answer


def source(run_date: dt.date, *, new: dict[str, list[str]] | None = None) -> FakeSource:
    """What arXiv holds by `run_date`: the old papers, and `new` ones by query topic."""
    searches = {"compute": ["2505.18687"], "partners": ["2511.16769"]}
    for key, ids in (new or {}).items():
        searches[key] = searches.get(key, []) + ids
    held = {i: p for i, p in PAPERS.items() if p.published <= run_date}
    return FakeSource(held, {k: [i for i in v if i in held] for k, v in searches.items()})


def run(line: Line, run_date: dt.date, model: ScriptedModel, src: FakeSource, plan: SinceLast | None = None, thread: str = "t") -> dict[str, Any]:
    graph = build_graph().compile(checkpointer=InMemorySaver(serde=serializer()))
    ctx = RunContext(models=dict.fromkeys(ROLES, model), source=src, since_last=plan, line=line)
    config = {"configurable": {"thread_id": thread}}
    graph.invoke({"run_id": thread, "run_date": run_date}, config, context=ctx)
    return {**graph.get_state(config).values, "line": line}


def rejected(proposal_id: str, reason: str = "not convinced") -> dict[str, Decision]:
    at = dt.datetime(2026, 2, 3, 9, 0, tzinfo=dt.UTC)
    return {proposal_id: Decision(proposal_id=proposal_id, kind=DecisionKind.REJECT, reason=reason, reviewer="curator", at=at)}


def first_run(line: Line | None = None, decisions: dict[str, Decision] | None = None) -> tuple[dict[str, Any], SinceLast]:
    """The full first run, and the plan a run on LATER builds from it (with the curator's `decisions`)."""
    line = line or make_line()
    state = run(line, FIRST, ScriptedModel(script()), source(FIRST), thread="first")
    return state, build_plan(line, "first", FIRST, {**state, "decisions": decisions or {}})
