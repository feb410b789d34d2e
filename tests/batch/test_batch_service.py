"""Batch runs against the batch endpoints' stand-in (real SDKs, real requests): durable between processes, one failure kept to its line."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import httpx2
import pytest

from agent.batches import BatchClients, settle, waiting_runs
from agent.config import load_settings
from agent.library import run_library
from agent.llm.batch.queue import unsubmitted
from agent.llm.keys import REPLAY_KEY
from agent.runner import cassette_run_date
from agent.runs import RunStatus, get_run
from agent.services import RunRequest
from agent.store import Store
from evals.authoring.batch_service import BatchService, answers_from_cassette

REPO = Path(__file__).resolve().parents[2]
LINES = [REPO / "examples" / "bargaining-power.txt", REPO / "examples" / "ai-software-testing.txt"]
SYNC = [REPO / "cassettes" / "demo" / "bargaining-power.yaml", REPO / "cassettes" / "evals" / "ai-software-testing.yaml"]


class CountingService(BatchService):
    """The stand-in, counting each custom_id it is asked to answer."""

    def __init__(self, **options: object) -> None:
        super().__init__(answers_from_cassette(*SYNC), created=dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC), **options)  # type: ignore[arg-type]
        self.submitted: Counter[str] = Counter()

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        response = super().__call__(request)
        if request.method == "POST" and request.url.path in ("/v1/batches", "/v1/messages/batches"):
            held = self.batches[response.json()["id"]]
            self.submitted.update(line["custom_id"] for line in held.get("lines", held.get("requests", [])))
        return response


def _model_calls(*cassettes: Path) -> int:
    from agent.recording import serializer

    return sum("arxiv.org" not in i["request"]["uri"] for path in cassettes for i in serializer.deserialize(path.read_text(encoding="utf-8"))["interactions"])


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    # The stand-in takes any key; one that is plainly not a key.
    monkeypatch.setenv("OPENAI_API_KEY", REPLAY_KEY)
    monkeypatch.setenv("ANTHROPIC_API_KEY", REPLAY_KEY)


def _open(home: Path) -> Store:
    """The run store: $RETEST_DATABASE_URL's Postgres when set (tests/postgres), else SQLite under `home`."""
    from agent.store import database_url

    return Store.open() if database_url() else Store.open(home / "retest.db")


def _start(home: Path) -> tuple[Store, list[str]]:
    store = _open(home)
    settings = load_settings()

    def request_for(path: Path) -> RunRequest:
        cassette = REPO / "cassettes" / "batch" / f"{path.stem}.yaml"
        return RunRequest(mode="replay", cassette=cassette, run_date=cassette_run_date(cassette), use_cache=False, settings=settings, batch=True)

    outcome = run_library(LINES, request_for, store)
    return store, [r.run_id for r in outcome.results if r.run_id]


def _clients(service: BatchService) -> BatchClients:
    return BatchClients(load_settings(), "live", http_client=httpx2.Client(transport=httpx2.MockTransport(service)))


def test_each_session_goes_on_from_the_store_alone_and_no_request_is_sent_twice(tmp_path: Path, keys: None) -> None:
    service = CountingService(checks_before_done=2)
    store, run_ids = _start(tmp_path)
    assert [get_run(store, r).status for r in run_ids] == [RunStatus.WAITING] * 2
    sessions = 0
    while waiting_runs(store, run_ids):
        sessions += 1
        assert sessions < 30, "the runs never finished"
        store.close()
        store = _open(tmp_path)  # each session as a new process would see it: nothing but the store
        settle(store, _clients(service), run_ids, wait=False)
    assert [get_run(store, r).status for r in run_ids] == [RunStatus.AWAITING_REVIEW] * 2
    assert set(service.submitted.values()) == {1}, "every request went into exactly one batch"
    assert sum(service.submitted.values()) == _model_calls(*SYNC), "every model call of both lines (as their synchronous runs make them), batched"
    assert len(service.batches) == 6, "one batch per step and model, each shared by both lines (the anchors are read while the claims are planned)"


def test_a_request_answered_with_an_error_fails_its_line_and_the_other_goes_on(tmp_path: Path, keys: None) -> None:
    store, run_ids = _start(tmp_path)
    testing = next(q for q in unsubmitted(store) if "software testing" in json.dumps(q.body))
    error = {"error": {"message": "Invalid 'messages[1].content': string too long.", "type": "invalid_request_error", "param": None, "code": None}}
    service = CountingService(failing={testing.custom_id: error})
    session = settle(store, _clients(service), run_ids, wait=True, poll_s=0)
    by_line = {Path(get_run(store, r).line_path).stem: get_run(store, r) for r in run_ids}
    assert by_line["bargaining-power"].status is RunStatus.AWAITING_REVIEW
    failed = by_line["ai-software-testing"]
    assert failed.status is RunStatus.FAILED and "string too long" in (failed.error or "")
    assert failed.id in session.failures
