"""Batch runs (`--batch`): submit what the runs queued, wait for the batches, collect, and go on.

A batch run's steps queue their model requests instead of sending them
(agent.llm.batch) and the run stops as `waiting`. `settle` then does, until
nothing is left to wait for (or once, without `wait`):

1. check every open batch; collect the results of those that ended;
2. resume each waiting run whose requests all have answers, so that its next
   step queues the next requests (every run resumed here queues together);
3. submit what is queued, one batch per provider and model.

Everything a run needs is in the store between these steps, so the process may
exit while batches are processing and any later `retest resume` goes on.
Record and replay: the batch endpoints' traffic goes to one cassette, which
stays open while the runs resume inside it under their own cassettes (vcrpy
nests them), so that a batch checked twice replays as it was recorded.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from agent.config import Mode, Settings
from agent.errors import InputError, RetestError
from agent.llm.batch.apis import BatchApi, Progress
from agent.llm.batch.queue import Batch, Queued, note_progress, open_batches, record_batch, store_results, unsubmitted, waiting_on
from agent.llm.factory import make_client
from agent.recording import cassette
from agent.runner import RunOutcome, resume_run
from agent.runs import RunStatus, list_runs
from agent.store import Store

if TYPE_CHECKING:
    import httpx2

DEFAULT_POLL_S = 60.0


@dataclass
class Session:
    """What one `settle` left: the runs it resumed (their latest outcomes), those that failed, and the batches still open."""

    outcomes: dict[str, RunOutcome] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    open: list[Batch] = field(default_factory=list)

    @property
    def waiting(self) -> bool:
        """Whether batches are still processing when the session ends."""
        return bool(self.open)


BatchEvent = Callable[[str], None]


class BatchClients:
    """The batch API of each provider and model, built once, with the settings' keys (a dummy one in replay)."""

    def __init__(self, settings: Settings, mode: Mode, http_client: httpx2.Client | None = None) -> None:
        self._settings, self._mode, self._http = settings, mode, http_client
        self._apis: dict[tuple[str, str], BatchApi] = {}

    def api(self, provider: str, model: str) -> BatchApi:
        key = (provider, model)
        if key not in self._apis:
            client = make_client(f"{provider}:{model}", settings=self._settings, replay=self._mode == "replay", http_client=self._http)
            batch_api = getattr(client, "batch_api", None)
            if batch_api is None:
                raise InputError(f"{provider} has no batch API", hint="Run this model without --batch.")
            self._apis[key] = batch_api()
        return self._apis[key]


@contextmanager
def batch_traffic(mode: Mode, path: Path | None) -> Iterator[None]:
    """The cassette of the batch endpoints' requests (record and replay), open for the whole session; nothing live."""
    if mode == "live":
        yield
        return
    if path is None:
        raise InputError(f"--{mode} with --batch needs a cassette for the batch requests")
    with cassette(mode, path):
        yield


def waiting_runs(store: Store, run_ids: Sequence[str] | None = None) -> list[str]:
    """The runs waiting for batch results (of `run_ids`, or all), oldest first."""
    wanted = set(run_ids) if run_ids is not None else None
    runs = [r for r in list_runs(store, status=RunStatus.WAITING) if wanted is None or r.id in wanted]
    return [r.id for r in sorted(runs, key=lambda r: r.started_at)]


def settle(
    store: Store,
    clients: BatchClients,
    run_ids: Sequence[str],
    *,
    wait: bool,
    poll_s: float = DEFAULT_POLL_S,
    sleep: Callable[[float], None] = time.sleep,
    say: BatchEvent | None = None,
) -> Session:
    """Collect, resume and submit for `run_ids` until no batch of theirs is open (`wait`), or once."""
    session = Session()
    tell = say or (lambda _: None)
    while True:
        _collect(store, clients, run_ids, tell)
        _resume_ready(store, run_ids, session, tell)
        _submit(store, clients, run_ids, tell)
        session.open = open_batches(store, run_ids)
        if not session.open or not wait:
            return session
        sleep(poll_s)


def _collect(store: Store, clients: BatchClients, run_ids: Sequence[str], tell: BatchEvent) -> None:
    for batch in open_batches(store, run_ids):
        api = clients.api(batch.provider, batch.model)
        progress = api.check(batch.id)
        note_progress(store, batch.id, progress.status, progress.done)
        requeued = 0
        if progress.status == "ended":
            results = api.results(batch.id)
            requeued = store_results(store, batch.id, results.answers, results.errors)
        elif progress.status == "failed":
            requeued = store_results(store, batch.id, {}, {}, failed=progress.note)
        tell(_checked_line(batch, progress, requeued))


def _checked_line(batch: Batch, progress: Progress, requeued: int) -> str:
    where = f"{batch.provider} batch {batch.id} ({batch.model})"
    if progress.status == "processing":
        return f"{where}: {progress.done} of {progress.total} requests done" + (f" ({progress.note})" if progress.note else "")
    if progress.status == "failed":
        return f"{where} failed: {progress.note}"
    again = f"; {requeued} not answered (expired or cancelled) are queued again" if requeued else ""
    return f"{where}: ended, results collected{again}"


def _resume_ready(store: Store, run_ids: Sequence[str], session: Session, tell: BatchEvent) -> None:
    for run_id in waiting_runs(store, run_ids):
        pending, _ = waiting_on(store, run_id)
        if pending:
            continue
        tell(f"run {run_id}: answers in, going on")
        try:
            session.outcomes[run_id] = resume_run(run_id, store)
        except RetestError as exc:
            session.failures[run_id] = exc.message
            tell(f"run {run_id} failed: {exc.message}")


def _submit(store: Store, clients: BatchClients, run_ids: Sequence[str], tell: BatchEvent) -> None:
    groups: dict[tuple[str, str, str], list[Queued]] = defaultdict(list)
    for request in unsubmitted(store, run_ids):
        groups[(request.provider, request.model, request.endpoint)].append(request)
    for (provider, model, _), requests in sorted(groups.items()):
        batch_id = clients.api(provider, model).submit(requests)
        record_batch(store, batch_id, requests, run_ids)
        tell(f"submitted {provider} batch {batch_id}: {len(requests)} request{'s' if len(requests) != 1 else ''} to {model}")
