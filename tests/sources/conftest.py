"""Fixtures of the sources room: the arXiv cassette directory, a store, a fake clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.sources import ArxivSource, RateLimiter
from agent.store import Store

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes" / "tests" / "arxiv"
TODAY = dt.date(2026, 11, 20)  # the date tests/sources/build_cassettes.py built the search URLs with


@pytest.fixture
def vcr_cassette_dir() -> str:
    """pytest-recording: `@pytest.mark.default_cassette("x.yaml")` names a file here."""
    return str(CASSETTES)


class FakeClock:
    """A monotonic clock that moves only when someone sleeps on it (or a test advances it)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "retest.db") as opened:
        yield opened


@pytest.fixture
def backoffs(clock: FakeClock) -> list[float]:
    """Waits of a source built with `make_source` (its limiter never sleeps for real, nor spaces requests)."""
    return clock.sleeps


@pytest.fixture
def make_source(store: Store, clock: FakeClock):
    """Build an ArxivSource on the test store that never sleeps for real."""

    def build(**overrides) -> ArxivSource:
        options = {"limiter": RateLimiter(0.0, clock=clock, sleep=clock.sleep), "today": TODAY}
        options.update(overrides)
        return ArxivSource(options.pop("store", store), **options)

    return build
