"""propose_questions: the research questions the prompt's tasks ask for, tied to verdicts.

An unusable answer (truncated again after its retry with twice the budget, cut by the
server's context, refused, invalid twice) leaves the run without questions, the reason
in `failed_steps`; the writer still drafts and the run still reaches review.
"""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent.graph.context import RunContext, run_line, services
from agent.graph.line_tasks import ask_line_task, failed_step
from agent.graph.records import ResearchQuestion
from agent.graph.state import RunState
from agent.graph.tasks import PROPOSE_QUESTIONS
from agent.line.models import Line
from agent.llm.base import AnswerError


def verdict_lines(line: Line, state: RunState) -> str:
    lines = []
    for claim in line.prompt.claims:
        result = state.get("claim_results", {}).get(claim.id)
        verdict = result.verdict if result else None
        label = verdict.verdict if verdict else "not judged"
        lines.append(f"- {claim.id} ({claim.date.text}) {label}: {claim.text}" + (f"\n  Rationale: {verdict.rationale}" if verdict else ""))
    return "\n".join(lines)


def propose_questions(state: RunState, runtime: Runtime[RunContext]) -> dict:
    line = run_line(state, runtime)
    values = {
        "role": line.prompt.role,
        "open_question": line.prompt.open_question,
        "tasks": "\n".join(f"({t.number}) {t.text}" for t in line.prompt.tasks),
        "verdicts": verdict_lines(line, state),
    }
    try:
        answer, usage = ask_line_task(services(runtime), PROPOSE_QUESTIONS, values)
    except AnswerError as exc:
        return {"questions": [], **failed_step("propose_questions", "proposing research questions", exc)}
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
    return {"questions": questions, "usage": usage}
