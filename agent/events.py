"""Progress events: what a run reports while it works, as typed values.

The graph's nodes and the runner emit them; the terminal display, `run --all`
and any other front end consume them by type, never by parsing dict keys.
Code below the graph (the arXiv source, its rate limiter) emits through
`emit()`, which reaches whoever the enclosing `emitting_to()` block names, so
those modules need not know LangGraph exists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RunStarted(_Event):
    """The run is recorded and the graph is about to start."""

    kind: Literal["run_started"] = "run_started"
    run_id: str
    claims: list[str]
    steps: list[str] = Field(description="The line-level steps that will finish, in order, besides the claims.")


class ClaimStage(_Event):
    """One claim's branch entered a stage; `verdict` is set when it is done."""

    kind: Literal["claim_stage"] = "claim_stage"
    claim: str
    stage: str
    verdict: str | None = None

    @property
    def done(self) -> bool:
        return self.verdict is not None


class NodeFinished(_Event):
    """A line-level step of the graph finished."""

    kind: Literal["node_finished"] = "node_finished"
    node: str


class CallFinished(_Event):
    """One model task finished, with what it used (cost None: price unknown)."""

    kind: Literal["call_finished"] = "call_finished"
    node: str
    claim: str | None = None
    model: str
    input_tokens: int
    output_tokens: int
    cost_usd: float | None = None


class ArxivWait(_Event):
    """Retest is waiting before an arXiv request, and why (the rate limit, or a back-off after an error)."""

    kind: Literal["arxiv_wait"] = "arxiv_wait"
    seconds: float
    reason: str


class LineWarning(_Event):
    """Something about the line, found when it was read and before anything was paid for."""

    kind: Literal["line_warning"] = "line_warning"
    message: str = Field(description="Names the file and line, and what a run does about it.")


RunEvent = Annotated[RunStarted | ClaimStage | NodeFinished | CallFinished | ArxivWait | LineWarning, Field(discriminator="kind")]
EVENT_ADAPTER: TypeAdapter[RunEvent] = TypeAdapter(RunEvent)
Listener = Callable[[RunEvent], None]

_SINK: ContextVar[Listener | None] = ContextVar("retest_event_sink", default=None)


@contextmanager
def emitting_to(listener: Listener | None) -> Iterator[None]:
    """Send the events emitted inside the block (in this thread or context) to `listener`."""
    token = _SINK.set(listener)
    try:
        yield
    finally:
        _SINK.reset(token)


def emit(event: RunEvent) -> None:
    """Report `event` to the enclosing `emitting_to` listener; nothing happens outside one."""
    listener = _SINK.get()
    if listener is not None:
        listener(event)
