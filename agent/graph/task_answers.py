"""Which output of a run answers each numbered task of the line's prompt (issue 12 point 4).

A line's prompt ends with numbered tasks ("(1) RE-TEST EACH CONSTRAINT ...",
"(2) Surface the strongest work ... that CONTRADICTS ...", "(3) Propose 2
research questions ..."). A run produces three kinds of output: a verdict per
claim, the strongest contradicting work, and research questions. Each task is
tied to the output its words ask for, and a task that asks for none of them is
listed as not addressed, with why, instead of being passed over in silence.
Deterministic: the task's own words decide, and a research question the writer
tied to a task number counts for that task.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from agent.graph.records import ClaimResult, Contradiction, ResearchQuestion
from agent.line.models import Task


class Output(StrEnum):
    VERDICTS = "verdicts"
    CONTRADICTIONS = "contradictions"
    QUESTIONS = "questions"
    NONE = "none"


# Checked in this order: "propose questions that assume the regime shifted" is about questions, not re-testing.
_ASKS = [
    (Output.QUESTIONS, re.compile(r"\bresearch questions?\b|\bpropose\b[^.]{0,40}\bquestions?\b", re.I)),
    (Output.CONTRADICTIONS, re.compile(r"\bcontradict\w*|\bcounter-?evidence\b|\bdisconfirm\w*", re.I)),
    (Output.VERDICTS, re.compile(r"\bre-?test\w*|\bre-?examine\w*|\bre-?check\w*|\bstill hold\w*|\bconfirm\w*", re.I)),
]


class TaskAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int
    task: str
    output: Output
    answered_by: str
    """What answers it, for people: "verdicts on C1-C5", "2 contradicting papers", "Q1, Q2", or why nothing does."""


def asks_for(task: Task) -> Output:
    """The output a task's words ask for; NONE when they ask for none Retest makes."""
    return next((output for output, pattern in _ASKS if pattern.search(task.text)), Output.NONE)


def _first_sentence(text: str) -> str:
    sentence = re.split(r"(?<=[.?!])\s", text.strip(), maxsplit=1)[0]
    return sentence if len(sentence) <= 120 else sentence[:117] + "..."


def task_answers(
    tasks: Sequence[Task], results: Sequence[ClaimResult], contradictions: Sequence[Contradiction], questions: Sequence[ResearchQuestion]
) -> list[TaskAnswer]:
    """Each task with the output that answers it, in the prompt's order."""
    judged = [r.claim_id for r in results if r.verdict is not None]
    unresolved = [r.claim_id for r in results if r.verdict is None]
    answers = []
    for task in tasks:
        output = asks_for(task)
        tied = [q.id for q in questions if q.task == task.number]
        if tied and output is Output.NONE:
            output = Output.QUESTIONS  # the writer answered it with questions
        if output is Output.VERDICTS:
            shown = f"the verdicts on {', '.join(judged)}" if judged else "no verdict: no claim could be judged"
            answered = shown + (f" ({', '.join(unresolved)} unresolved)" if judged and unresolved else "")
        elif output is Output.CONTRADICTIONS:
            answered = f"{len(contradictions)} contradicting paper(s) inside the window" if contradictions else "no contradicting work found inside the window"
        elif output is Output.QUESTIONS:
            mine = tied or [q.id for q in questions if q.task is None]
            answered = ", ".join(mine) if mine else "no question was proposed for it"
        else:
            answered = "not addressed: Retest answers with verdicts, contradicting work and research questions, and this task asks for none of them"
        answers.append(TaskAnswer(number=task.number, task=_first_sentence(task.text), output=output, answered_by=answered))
    return answers
