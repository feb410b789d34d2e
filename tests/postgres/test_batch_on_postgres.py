"""A batch library on the Postgres store: the queue, the batches and the waiting runs live in the shared database."""

from __future__ import annotations

from pathlib import Path

from agent.llm.keys import REPLAY_KEY
from tests.batch.test_batch_service import test_each_session_goes_on_from_the_store_alone_and_no_request_is_sent_twice as durable


def test_batch_runs_wait_and_go_on_from_postgres(database_url: str, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("OPENAI_API_KEY", REPLAY_KEY)
    monkeypatch.setenv("ANTHROPIC_API_KEY", REPLAY_KEY)
    assert database_url.startswith("postgresql://")
    durable(tmp_path, None)
