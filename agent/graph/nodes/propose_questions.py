"""propose_questions: the research questions the prompt's tasks ask for, tied to verdicts."""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent.graph.context import RunContext, services
from agent.graph.records import ResearchQuestion
from agent.graph.state import RunState
from agent.graph.tasks import PROPOSE_QUESTIONS


def verdict_lines(state: RunState) -> str:
    lines = []
    for claim in state["line"].prompt.claims:
        result = state.get("claim_results", {}).get(claim.id)
        verdict = result.verdict if result else None
        label = verdict.verdict if verdict else "not judged"
        lines.append(f"- {claim.id} ({claim.date.text}) {label}: {claim.text}" + (f"\n  Rationale: {verdict.rationale}" if verdict else ""))
    return "\n".join(lines)


def propose_questions(state: RunState, runtime: Runtime[RunContext]) -> dict:
    line = state["line"]
    answer, usage = services(runtime).ask(
        PROPOSE_QUESTIONS,
        claim_id=None,
        values={
            "role": line.prompt.role,
            "open_question": line.prompt.open_question,
            "tasks": "\n".join(f"({t.number}) {t.text}" for t in line.prompt.tasks),
            "verdicts": verdict_lines(state),
        },
    )
    claim_ids = {c.id for c in line.prompt.claims}
    task_numbers = {t.number for t in line.prompt.tasks}
    questions = [
        ResearchQuestion(
            id=f"Q{i}",
            text=q.text,
            motivated_by=[c for c in q.motivated_by if c in claim_ids],
            task=q.task if q.task in task_numbers else None,
        )
        for i, q in enumerate(answer.questions, start=1)
    ]
    return {"questions": questions, "usage": [usage]}
