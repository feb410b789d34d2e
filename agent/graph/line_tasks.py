"""Whole-line model tasks (questions, the writer's draft): retry, then degrade, never fail the run.

A claim's unusable answer leaves that claim unresolved (plan_queries, screen,
judge); a line-level task has no claim to leave unresolved, so its output is
empty instead, the reason is kept in `failed_steps` (state) and the report shows
it, and the run goes on to ground_check and review like any other. The retry:
an answer truncated at its budget is asked for once more with twice the budget
(one that validated badly was already asked again with the error, by the client);
an answer cut by the server's context window comes without a budget and is asked
for once more with the same one, since a larger budget would not fit either (a
second answer can still be shorter: in the real-local recordings, a draft that
filled llama-server's 8,192-token window came back in 621 tokens when asked again).
"""

from __future__ import annotations

from functools import partial
from typing import TypeVar

from pydantic import BaseModel

from agent.graph.context import RunContext
from agent.graph.records import UsageRecord
from agent.graph.tasks import ModelTask
from agent.llm.base import AnswerError, TruncatedAnswer

T = TypeVar("T", bound=BaseModel)


def ask_line_task(ctx: RunContext, task: ModelTask[T], values: dict[str, str]) -> tuple[T, list[UsageRecord]]:
    """The task's answer and the usage of every call it took.

    Raises the last AnswerError when the retry is unusable too (or there is none
    to make); its `accounted` holds every call's usage, the first attempt's too.
    """
    ask = partial(ctx.ask, task, claim_id=None, values=values)
    try:
        answer, usage = ask()
        return answer, [usage]
    except TruncatedAnswer as exc:
        spent, first = list(exc.accounted), exc.max_tokens
    retried = f"an answer truncated at max_tokens={first}" if first is not None else "an answer cut off by the server's context window"
    try:
        answer, usage = ask(max_tokens=2 * first if first is not None else None)
    except TruncatedAnswer as again:
        said = TruncatedAnswer(
            f"{again.message} It was the one retry of {retried}.",
            max_tokens=again.max_tokens,
            hint=again.hint,
            usage=again.usage,
        )
        said.accounted = [*spent, *again.accounted]
        raise said from again
    except AnswerError as again:
        again.accounted[:0] = spent
        raise
    return answer, [*spent, usage]


def failed_step(node: str, what: str, exc: AnswerError) -> dict:
    """The state update for a line-level step whose answer stayed unusable: why, and what its calls cost."""
    return {"failed_steps": {node: f"{what} failed: {exc.reason}"}, "usage": exc.accounted}
