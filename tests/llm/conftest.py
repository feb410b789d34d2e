"""Fixtures for the model room: replay a scenario's cassette through a real client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from agent.config import Settings
from agent.llm import Completion, make_client, pool
from agent.recording import CassetteHandle, cassette
from tests.llm.scenarios import SCENARIOS, Screening
from tests.llm.support import FakeClock


@dataclass
class Replayed:
    """What a replayed call gave: its completion or error, and the cassette handle."""

    completion: Completion[Screening] | None
    error: BaseException | None
    cassette: CassetteHandle


@pytest.fixture
def replay_scenario() -> Callable[..., Replayed]:
    """Run a scenario's call against its cassette; `data`, `replay` and `max_retries` may be changed."""

    def run(name: str, *, data: str | None = None, replay: bool = True, max_retries: int | None = None) -> Replayed:
        scenario = SCENARIOS[name]
        client = make_client(
            scenario.model_string,
            settings=Settings(),
            replay=replay,
            max_retries=scenario.max_retries if max_retries is None else max_retries,
            clock=FakeClock(),
        )
        completion, error = None, None
        with cassette("replay", scenario.cassette) as handle:
            try:
                completion = client.complete(
                    task=scenario.task,
                    instructions=scenario.instructions,
                    data=scenario.data if data is None else data,
                    schema=Screening,
                    max_tokens=scenario.max_tokens,
                )
            except Exception as exc:  # the test asserts on it
                error = exc
        return Replayed(completion, error, handle)

    return run


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The delays the SDKs ask for before retrying, recorded instead of slept."""
    asked: list[float] = []
    monkeypatch.setattr("time.sleep", lambda seconds: asked.append(seconds))
    return asked


@pytest.fixture(autouse=True)
def _restore_pool_size() -> Iterator[None]:
    before = pool.pool_size()
    yield
    pool.set_pool_size(before)
