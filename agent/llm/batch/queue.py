"""The store's record of batched model requests: queued, submitted, answered.

A request is keyed by what it asks (provider, base URL, endpoint, body), so a
step that runs again after its batch returned asks the same request and finds
its answer. Two runs asking the same thing share one line of a batch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from agent.redact import redact_urls
from agent.store import Store

BatchStatus = Literal["processing", "ended", "failed"]


def canonical(body: dict[str, Any]) -> str:
    """The body as JSON with sorted keys and no spaces: the same request gives the same text."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def custom_id_for(provider: str, base_url: str, endpoint: str, body: dict[str, Any]) -> str:
    """The request's ID inside a batch: 'r' and 40 hex digits (both providers take up to 64 of [A-Za-z0-9_-])."""
    digest = hashlib.sha256("\n".join((provider, redact_urls(base_url), endpoint, canonical(body))).encode("utf-8")).hexdigest()
    return f"r{digest[:40]}"


@dataclass(frozen=True)
class Stored:
    """What the store holds for one request of a run: nothing yet (None is returned instead), queued, or answered."""

    batch_id: str | None
    answer: dict[str, Any] | None
    error: str | None


@dataclass(frozen=True)
class Queued:
    """One request to submit (several runs' rows with one custom_id are one request)."""

    custom_id: str
    provider: str
    base_url: str
    model: str
    endpoint: str
    body: dict[str, Any]


@dataclass(frozen=True)
class Batch:
    """A submitted batch, as last checked."""

    id: str
    provider: str
    base_url: str
    model: str
    requests: int
    status: BatchStatus
    done: int
    submitted_at: dt.datetime
    collected: bool


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def stored(store: Store, run_id: str, custom_id: str) -> Stored | None:
    """The run's row for this request, or None when it was never queued."""
    with store.lock:
        row = store.conn.execute("SELECT batch_id, answer, error FROM batch_requests WHERE run_id = ? AND custom_id = ?", (run_id, custom_id)).fetchone()
    if row is None:
        return None
    return Stored(batch_id=row["batch_id"], answer=json.loads(row["answer"]) if row["answer"] else None, error=row["error"])


def enqueue(store: Store, run_id: str, request: Queued) -> None:
    """Queue a request for the next batch (once: queuing it again changes nothing)."""
    with store.transaction() as conn:
        exists = conn.execute("SELECT 1 FROM batch_requests WHERE run_id = ? AND custom_id = ?", (run_id, request.custom_id)).fetchone()
        if exists is None:
            conn.execute(
                "INSERT INTO batch_requests (run_id, custom_id, provider, base_url, model, endpoint, body, queued_at) VALUES (?,?,?,?,?,?,?,?)",
                (run_id, request.custom_id, request.provider, redact_urls(request.base_url), request.model, request.endpoint, canonical(request.body), _now()),
            )


def unsubmitted(store: Store, run_ids: Sequence[str] | None = None) -> list[Queued]:
    """The queued requests no batch holds yet (of `run_ids`, or of every run), one per custom_id, in custom_id order."""
    where, args = _runs_clause(run_ids)
    with store.lock:
        rows = store.conn.execute(
            f"SELECT custom_id, provider, base_url, model, endpoint, MIN(body) AS body FROM batch_requests WHERE batch_id IS NULL{where}"  # noqa: S608 - fixed text
            " GROUP BY custom_id, provider, base_url, model, endpoint ORDER BY custom_id",
            args,
        ).fetchall()
    return [Queued(r["custom_id"], r["provider"], r["base_url"], r["model"], r["endpoint"], json.loads(r["body"])) for r in rows]


def _runs_clause(run_ids: Sequence[str] | None) -> tuple[str, tuple[str, ...]]:
    if run_ids is None:
        return "", ()
    return f" AND run_id IN ({','.join('?' * len(run_ids))})", tuple(run_ids)


def record_batch(store: Store, batch_id: str, requests: Sequence[Queued], run_ids: Sequence[str] | None = None) -> None:
    """Note a submitted batch and mark its requests as in it (every run's row with one of their custom_ids)."""
    first = requests[0]
    where, args = _runs_clause(run_ids)
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO batches (id, provider, base_url, model, requests, status, submitted_at) VALUES (?,?,?,?,?,?,?)",
            (batch_id, first.provider, redact_urls(first.base_url), first.model, len(requests), "processing", _now()),
        )
        for request in requests:
            conn.execute(f"UPDATE batch_requests SET batch_id = ? WHERE custom_id = ? AND batch_id IS NULL{where}", (batch_id, request.custom_id, *args))  # noqa: S608


def open_batches(store: Store, run_ids: Sequence[str] | None = None) -> list[Batch]:
    """The batches whose results are not yet collected (holding a request of `run_ids`, or any)."""
    where, args = _runs_clause(run_ids)
    with store.lock:
        rows = store.conn.execute(
            "SELECT * FROM batches WHERE collected_at IS NULL AND id IN"
            f" (SELECT batch_id FROM batch_requests WHERE batch_id IS NOT NULL{where}) ORDER BY submitted_at, id",  # noqa: S608 - fixed text
            args,
        ).fetchall()
    return [_batch(r) for r in rows]


def _batch(row: Any) -> Batch:
    return Batch(
        id=row["id"], provider=row["provider"], base_url=row["base_url"], model=row["model"], requests=row["requests"], status=row["status"],
        done=row["done"], submitted_at=dt.datetime.fromisoformat(row["submitted_at"]), collected=row["collected_at"] is not None,
    )  # fmt: skip


def note_progress(store: Store, batch_id: str, status: BatchStatus, done: int) -> None:
    """How the batch stood when checked."""
    with store.transaction() as conn:
        conn.execute("UPDATE batches SET status = ?, done = ?, checked_at = ? WHERE id = ?", (status, done, _now(), batch_id))


def store_results(store: Store, batch_id: str, answers: dict[str, dict[str, Any]], errors: dict[str, str], *, failed: str | None = None) -> int:
    """Keep a batch's answers and errors; a request it holds neither for (expired, cancelled) is queued again. Returns how many were queued again.

    `failed`: the provider's words for a batch that failed as a whole (it did not validate): each of its requests keeps them as its error.
    """
    with store.transaction() as conn:
        if failed is not None:
            conn.execute("UPDATE batch_requests SET error = ? WHERE batch_id = ? AND answer IS NULL", (redact_urls(f"the batch failed: {failed}"), batch_id))
        for custom_id, answer in answers.items():
            conn.execute("UPDATE batch_requests SET answer = ?, error = NULL WHERE batch_id = ? AND custom_id = ?", (canonical(answer), batch_id, custom_id))
        for custom_id, error in errors.items():
            conn.execute("UPDATE batch_requests SET error = ? WHERE batch_id = ? AND custom_id = ?", (redact_urls(error), batch_id, custom_id))
        requeued = conn.execute("UPDATE batch_requests SET batch_id = NULL WHERE batch_id = ? AND answer IS NULL AND error IS NULL", (batch_id,)).rowcount
        conn.execute("UPDATE batches SET collected_at = ? WHERE id = ?", (_now(), batch_id))
    return requeued or 0


def waiting_on(store: Store, run_id: str) -> tuple[int, int]:
    """(requests of the run without an answer or error, of which not yet submitted)."""
    with store.lock:
        row = store.conn.execute(
            "SELECT COUNT(*) AS open, SUM(CASE WHEN batch_id IS NULL THEN 1 ELSE 0 END) AS unsent FROM batch_requests"
            " WHERE run_id = ? AND answer IS NULL AND error IS NULL",
            (run_id,),
        ).fetchone()
    return int(row["open"] or 0), int(row["unsent"] or 0)
