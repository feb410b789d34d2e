"""Which output of a run answers each numbered task of the line's prompt (issue 12 point 4).

A line's prompt ends with numbered tasks ("(1) RE-TEST EACH CONSTRAINT ...",
"(2) Surface the strongest work ... that CONTRADICTS ...", "(3) Propose 2
research questions ..."). A run produces three kinds of output: a verdict per
claim, the strongest contradicting work, and research questions. Each task is
tied to the output its words ask for, and a task that asks for none of them is
listed as not addressed, with why, instead of being passed over in silence.
Deterministic: the task's own words decide, and a research question the writer
tied to a task number counts for that task.

A task can also say how it wants to be answered: a question task can name its
questions' premises as sub-items ("(a) If AI now masters ..., (b) What
conditions ..."), and a contradiction task the kinds of work it wants
"especially". Both are read from the task's words here (`sub_questions`,
`framings`), asked of the writer as such (propose_questions), and each is
listed with what answers it: the question written for that sub-item, the
contradicting papers the writer found to show that kind, or that nothing does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from agent.graph.records import ClaimResult, Contradiction, FramingRead, ResearchQuestion
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


# "(a) ... (b) ...": a sub-item's letter in parentheses, then its text up to the next one.
_SUB_ITEM = re.compile(r"\(([a-h])\)\s*")
# "especially any showing X or that Y.": what follows "especially", to the end of its sentence.
_ESPECIALLY = re.compile(r"\bespecially\s+(?:any\s+)?(?:(?:work\s+)?(?:showing|that shows?|on)\s+)?(.+?)(?:[.;](?:\s|$)|$)", re.I | re.S)
_ALTERNATIVES = re.compile(r",?\s+or\s+that\s+|;\s*", re.I)


class PartAnswer(BaseModel):
    """One sub-question or kind of work a task names, and what answers it."""

    model_config = ConfigDict(frozen=True)

    label: str
    """"(a)" for a sub-question, "especially 1" for a kind of contradicting work."""
    text: str
    answered_by: str


class TaskAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int
    task: str
    output: Output
    answered_by: str
    """What answers it, for people: "verdicts on C1-C5", "2 contradicting papers", "Q1, Q2", or why nothing does."""
    parts: list[PartAnswer] = []
    """Its sub-questions or kinds of work, each with what answers it as asked."""


def sub_questions(task: Task) -> list[tuple[str, str]]:
    """A question task's sub-items as (letter, text), in order; none unless it lists two or more from (a) on."""
    pieces = _SUB_ITEM.split(task.text)
    items = [(pieces[i], pieces[i + 1].strip()) for i in range(1, len(pieces) - 1, 2)]
    letters = [letter for letter, _ in items]
    if asks_for(task) is not Output.QUESTIONS or len(items) < 2 or letters != [chr(ord("a") + i) for i in range(len(items))]:
        return []
    return items


def framings(task: Task) -> list[str]:
    """The kinds of work a contradiction task asks for "especially", in its words; none when it names none."""
    found = _ESPECIALLY.search(task.text) if asks_for(task) is Output.CONTRADICTIONS else None
    if found is None:
        return []
    return [kind.strip(" ,") for kind in _ALTERNATIVES.split(found.group(1)) if kind.strip(" ,")]


def asked_as(tasks: Sequence[Task]) -> str:
    """How the tasks ask to be answered, for the writer (propose_questions): each sub-question and kind of work, numbered as they are answered."""
    lines = []
    for task in tasks:
        if items := sub_questions(task):
            lines.append(
                f"Task {task.number} names its questions' premises; write one question for each, built on that premise as given, its letter in `part`:"
            )
            lines += [f"  ({letter}) {text}" for letter, text in items]
        if kinds := framings(task):
            lines.append(f"Task {task.number} asks especially for contradicting work of these kinds; for each, the listed contradicting papers that show it:")
            lines += [f"  {i}. {kind}" for i, kind in enumerate(kinds, start=1)]
    return "\n".join(lines) or "No task names sub-questions or kinds of contradicting work."


def asks_for(task: Task) -> Output:
    """The output a task's words ask for; NONE when they ask for none Retest makes."""
    return next((output for output, pattern in _ASKS if pattern.search(task.text)), Output.NONE)


def _first_sentence(text: str) -> str:
    sentence = re.split(r"(?<=[.?!])\s", text.strip(), maxsplit=1)[0]
    return sentence if len(sentence) <= 120 else sentence[:117] + "..."


def _part_answers(task: Task, questions: Sequence[ResearchQuestion], read: Sequence[FramingRead], contradicted: int) -> list[PartAnswer]:
    parts = []
    for letter, text in sub_questions(task):
        mine = [q.id for q in questions if q.task == task.number and q.part == letter]
        parts.append(PartAnswer(label=f"({letter})", text=_first_sentence(text), answered_by=", ".join(mine) or "no question answers it as asked"))
    for i, kind in enumerate(framings(task), start=1):
        reading = next((r for r in read if r.task == task.number and r.framing == kind), None)
        if not contradicted:
            answered = "no contradicting work inside the window to show it"
        elif reading is None:
            answered = "not read in this run (see the steps that failed)"
        elif reading.arxiv_ids:
            answered = f"{', '.join(reading.arxiv_ids)}: {reading.why}"
        else:
            answered = f"none of the {contradicted} contradicting paper(s) shows it: {reading.why}"
        parts.append(PartAnswer(label=f"especially {i}", text=kind, answered_by=answered))
    return parts


def task_answers(
    tasks: Sequence[Task],
    results: Sequence[ClaimResult],
    contradictions: Sequence[Contradiction],
    questions: Sequence[ResearchQuestion],
    framings_read: Sequence[FramingRead] = (),
) -> list[TaskAnswer]:
    """Each task with the output that answers it, and each of its sub-questions or kinds of work with what answers that, in the prompt's order."""
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
        parts = _part_answers(task, questions, framings_read, len(contradictions))
        answers.append(TaskAnswer(number=task.number, task=_first_sentence(task.text), output=output, answered_by=answered, parts=parts))
    return answers
