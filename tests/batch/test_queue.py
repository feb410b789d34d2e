"""The store's queue of batched requests: one answer per request, errors kept, unanswered requests queued again."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.errors import ProviderError
from agent.llm.batch import BatchDesk, QueuedForBatch
from agent.llm.batch.apis import Results, _read_openai_line
from agent.llm.batch.queue import custom_id_for, open_batches, record_batch, store_results, unsubmitted, waiting_on
from agent.runs import RunRecord, RunStatus, insert_run
from agent.store import Store

BODY = {"model": "gpt-5.4-mini", "messages": [{"role": "user", "content": "plan C1"}]}


def _store(tmp_path: Path, *run_ids: str) -> Store:
    import datetime as dt

    store = Store.open(tmp_path / "retest.db")
    for run_id in run_ids:
        now = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)
        record = RunRecord(
            id=run_id, line_path="x.txt", line_sha256="0", mode="live", run_date=now.date(), models={}, version="t", started_at=now,
            status=RunStatus.RUNNING, batch=True,
        )  # fmt: skip
        insert_run(store, record)
    return store


def _ask(desk: BatchDesk, body: dict = BODY) -> dict:  # noqa: B006 - never mutated
    return desk.answer(
        provider="openai", base_url="https://api.openai.com/v1", model="gpt-5.4-mini", endpoint="/v1/chat/completions", body=body, task="plan C1"
    )


def test_a_request_is_queued_once_then_answered_from_its_batch(tmp_path: Path) -> None:
    store = _store(tmp_path, "run-a", "run-b")
    a, b = BatchDesk(store, "run-a"), BatchDesk(store, "run-b")
    for desk in (a, a, b):
        with pytest.raises(QueuedForBatch):
            _ask(desk)
    queued = unsubmitted(store)
    assert len(queued) == 1, "two runs asking the same thing are one request of the batch (custom_ids must be unique in one)"
    assert queued[0].custom_id == custom_id_for("openai", "https://api.openai.com/v1", "/v1/chat/completions", BODY)
    record_batch(store, "batch_1", queued)
    assert unsubmitted(store) == [] and waiting_on(store, "run-a") == (1, 0)
    with pytest.raises(QueuedForBatch):
        _ask(a)  # submitted, not yet answered: still waiting, not queued again
    assert unsubmitted(store) == []
    store_results(store, "batch_1", {queued[0].custom_id: {"id": "chatcmpl-1"}}, {})
    assert _ask(a) == _ask(b) == {"id": "chatcmpl-1"}
    assert open_batches(store) == [] and waiting_on(store, "run-b") == (0, 0)


def test_an_expired_request_is_queued_again_and_an_errored_one_fails_with_the_providers_words(tmp_path: Path) -> None:
    store = _store(tmp_path, "run-a")
    desk = BatchDesk(store, "run-a")
    other = {**BODY, "messages": [{"role": "user", "content": "plan C2"}]}
    for body in (BODY, other):
        with pytest.raises(QueuedForBatch):
            _ask(desk, body)
    queued = unsubmitted(store)
    record_batch(store, "batch_1", queued)
    results = Results()
    bad, expired = queued[0].custom_id, queued[1].custom_id
    _read_openai_line(
        {"custom_id": bad, "response": {"status_code": 400, "body": {"error": {"message": "Invalid schema for response_format", "code": None}}}, "error": None},
        results,
    )
    _read_openai_line(
        {
            "custom_id": expired,
            "response": None,
            "error": {"code": "batch_expired", "message": "This request could not be executed before the completion window expired."},
        },
        results,
    )
    assert store_results(store, "batch_1", results.answers, results.errors) == 1, "the expired request is queued again"
    assert [q.custom_id for q in unsubmitted(store)] == [expired]
    with pytest.raises(ProviderError, match="Invalid schema for response_format"):
        _ask(desk, BODY if bad == custom_id_for("openai", "https://api.openai.com/v1", "/v1/chat/completions", BODY) else other)


def test_a_batch_that_failed_as_a_whole_fails_each_request_with_its_reason(tmp_path: Path) -> None:
    store = _store(tmp_path, "run-a")
    desk = BatchDesk(store, "run-a")
    with pytest.raises(QueuedForBatch):
        _ask(desk)
    record_batch(store, "batch_1", unsubmitted(store))
    store_results(store, "batch_1", {}, {}, failed="Line 1: model 'gpt-5.4-mini' is not supported by the Batch API")
    with pytest.raises(ProviderError, match="the batch failed: Line 1"):
        _ask(desk)
