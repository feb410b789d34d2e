"""Where a batch run's clients get their answers: the store, filled by collected batches.

`retest run --batch` holds a desk for the run while its graph runs (`batch_desk`).
A client with a desk does not send its request: it asks the desk, which returns
the collected answer, raises the provider's error for a request the batch
answered with one, or queues the request and raises `QueuedForBatch`, so that
the step stops until the next batch brings the answer. The graph stops the
other parallel steps only once they too have queued or finished, so one batch
gathers every claim's request of a step.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from agent.errors import ProviderError
from agent.llm.batch.queue import Queued, custom_id_for, enqueue, stored
from agent.store import Store


class QueuedForBatch(Exception):  # noqa: N818 - not a failure: the answer is on its way
    """The request is queued for a batch (or in one not yet collected): its step goes on when the answer is in."""

    def __init__(self, task: str, custom_id: str) -> None:
        super().__init__(f"task {task!r} waits for its batch (request {custom_id})")
        self.task = task
        self.custom_id = custom_id


@dataclass(frozen=True)
class BatchDesk:
    """The answers of one run's batched requests."""

    store: Store
    run_id: str

    def answer(self, *, provider: str, base_url: str, model: str, endpoint: str, body: dict[str, Any], task: str) -> dict[str, Any]:
        """The response body the batch returned for this request; raises QueuedForBatch (after queuing it) when there is none yet."""
        custom_id = custom_id_for(provider, base_url, endpoint, body)
        row = stored(self.store, self.run_id, custom_id)
        if row is not None and row.answer is not None:
            return row.answer
        if row is not None and row.error is not None:
            raise ProviderError(
                f"{provider} model {model} (task {task!r}): the batch answered this request with an error: {row.error}",
                hint="Fix what the error names (a prompt, a model, a setting), then run the line again; a resume would meet the same answer.",
            )
        if row is None:
            enqueue(self.store, self.run_id, Queued(custom_id, provider, base_url, model, endpoint, body))
        raise QueuedForBatch(task, custom_id)


_DESK: ContextVar[BatchDesk | None] = ContextVar("retest_batch_desk", default=None)


@contextmanager
def batch_desk(store: Store, run_id: str) -> Iterator[BatchDesk]:
    """Make the run's model calls batched for the block (LangGraph's workers copy the context, so its steps see it)."""
    desk = BatchDesk(store, run_id)
    token = _DESK.set(desk)
    try:
        yield desk
    finally:
        _DESK.reset(token)


def current_desk() -> BatchDesk | None:
    """The desk of the batch run in progress, or None (calls are sent at once)."""
    return _DESK.get()
