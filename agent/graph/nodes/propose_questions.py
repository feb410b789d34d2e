"""propose_questions: the research questions the prompt's tasks ask for, tied to verdicts, and the kinds of contradicting work they ask for.

Where a task names its questions' premises ("(a) If AI now masters ...") each
question answers one as asked (its `part`); where a task asks "especially" for
kinds of contradicting work, the writer says which of the run's contradicting
papers show each (agent.graph.task_answers). Both are checked against the line
and the run: a part the task does not name is dropped, as is an ID the run did
not find contradicting.

An unusable answer (truncated again after its retry with twice the budget, cut by the
server's context, refused, invalid twice) leaves the run without questions, the reason
in `failed_steps`; the writer still drafts and the run still reaches review.
"""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent.graph.answers import FramingAnswer
from agent.graph.context import RunContext, run_line, services
from agent.graph.line_tasks import ask_line_task, failed_step
from agent.graph.records import Contradiction, FramingRead, ResearchQuestion
from agent.graph.state import RunState
from agent.graph.task_answers import asked_as, framings, sub_questions
from agent.graph.tasks import PROPOSE_QUESTIONS
from agent.line.doi import cite_key
from agent.line.models import Line, Task
from agent.llm.base import AnswerError
from agent.prompts import data_block, join_blocks


def verdict_lines(line: Line, state: RunState) -> str:
    lines = []
    for claim in line.prompt.claims:
        result = state.get("claim_results", {}).get(claim.id)
        verdict = result.verdict if result else None
        label = verdict.verdict if verdict else "not judged"
        lines.append(f"- {claim.id} ({claim.date.text}) {label}: {claim.text}" + (f"\n  Rationale: {verdict.rationale}" if verdict else ""))
    return "\n".join(lines)


def contradiction_blocks(contradictions: list[Contradiction]) -> str:
    if not contradictions:
        return "None inside the window."
    return join_blocks(
        [
            data_block(f"contradicting {c.arxiv_id}", f"{cite_key(c.arxiv_id)} (against {c.claim_id}, {c.published.isoformat()}): {c.title}\nQuote: {c.quote}")
            for c in contradictions
        ]
    )


def _framings_read(answers: list[FramingAnswer], tasks: list[Task], contradictions: list[Contradiction]) -> list[FramingRead]:
    """Each kind of work the tasks name, as the writer read it: its first answer, with only IDs the run found contradicting."""
    found = {c.arxiv_id for c in contradictions}
    read: dict[tuple[int, int], FramingRead] = {}
    for a in answers:
        task = next((t for t in tasks if t.number == a.task), None)
        kinds = framings(task) if task else []
        if not 1 <= a.framing <= len(kinds) or (a.task, a.framing) in read:
            continue
        ids = list(dict.fromkeys(i for i in a.arxiv_ids if i in found))
        read[(a.task, a.framing)] = FramingRead(task=a.task, framing=kinds[a.framing - 1], arxiv_ids=ids, why=a.why)
    return [read[k] for k in sorted(read)]


def propose_questions(state: RunState, runtime: Runtime[RunContext]) -> dict:
    line, contradictions = run_line(state, runtime), state.get("contradictions", [])
    tasks = line.prompt.tasks
    values = {
        "role": line.prompt.role,
        "open_question": line.prompt.open_question,
        "tasks": "\n".join(f"({t.number}) {t.text}" for t in tasks),
        "asked": asked_as(tasks),
        "verdicts": verdict_lines(line, state),
        "contradictions": contradiction_blocks(contradictions),
    }
    try:
        answer, usage = ask_line_task(services(runtime), PROPOSE_QUESTIONS, values)
    except AnswerError as exc:
        return {"questions": [], "framings": [], **failed_step("propose_questions", "proposing research questions", exc)}
    claim_ids = {c.id for c in line.prompt.claims}
    letters = {t.number: {letter for letter, _ in sub_questions(t)} for t in tasks}
    questions = []
    for i, q in enumerate(answer.questions, start=1):
        task = q.task if q.task in letters else None
        part = q.part if task is not None and q.part in letters[task] else None
        questions.append(ResearchQuestion(id=f"Q{i}", text=q.text, motivated_by=[c for c in q.motivated_by if c in claim_ids], task=task, part=part))
    return {"questions": questions, "framings": _framings_read(answer.framings, list(tasks), contradictions), "usage": usage}
