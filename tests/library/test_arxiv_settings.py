"""The settings `retest run --all` and the benchmark rely on: arXiv endpoint and spacing, one limiter per process."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from agent.config import Settings
from agent.services import RunRequest, build_services
from agent.sources import default_limiter
from agent.sources.query import ARXIV_API_URL, lookup_request, request_url
from agent.sources.ratelimit import RateLimiter

COMPAT = "openai-compatible:http://127.0.0.1:9/v1#stand-in"
MODELS = {role: COMPAT for role in ("planner", "screener", "judge", "writer")}


@pytest.fixture(autouse=True)
def _restore_default_limiter() -> Iterator[None]:
    limiter = default_limiter()
    before = (limiter.min_interval, limiter.measure_from)
    yield
    limiter.min_interval, limiter.measure_from = before


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def test_live_runs_share_the_process_limiter_spaced_as_configured() -> None:
    settings = Settings(**MODELS, arxiv_spacing_s=0.25, arxiv_spacing_from="start", arxiv_api_url="http://127.0.0.1:9/api/query")
    request = RunRequest(mode="live", run_date=dt.date(2026, 11, 29), settings=settings)
    first = build_services(request, None).source
    second = build_services(request, None).source
    assert first._transport.limiter is second._transport.limiter is default_limiter()
    assert (default_limiter().min_interval, default_limiter().measure_from) == (0.25, "start")
    assert first._transport.api_url == "http://127.0.0.1:9/api/query"


def test_replay_never_waits_and_leaves_the_shared_limiter_alone() -> None:
    request = RunRequest(mode="replay", run_date=dt.date(2026, 11, 29), settings=Settings(**MODELS, arxiv_spacing_s=9.0))
    source = build_services(request, None).source
    assert source._transport.limiter is not default_limiter() and source._transport.limiter.min_interval == 0
    assert default_limiter().min_interval != 9.0


def test_another_endpoint_keeps_the_query_exactly() -> None:
    search = lookup_request(["2501.16946", "2306.14694v1"])
    default = request_url(search, 2)
    local = request_url(search, 2, "http://127.0.0.1:8000/api/query")
    assert default.startswith(ARXIV_API_URL + "?")
    assert local == "http://127.0.0.1:8000/api/query" + default.removeprefix(ARXIV_API_URL)


def test_spacing_from_the_start_lets_a_slow_response_count_towards_the_pause() -> None:
    clock = _Clock()
    limiter = RateLimiter(3.0, clock=clock, sleep=clock.sleep, measure_from="start")
    starts = []
    for took in (0.8, 0.8, 3.5):
        with limiter.slot():
            starts.append(clock())
            clock.now += took  # the response time
    with limiter.slot():
        starts.append(clock())
    # Starts 3 s apart while responses are quicker; a response slower than the spacing delays only itself.
    assert [round(b - a, 6) for a, b in zip(starts, starts[1:], strict=False)] == [3.0, 3.0, 3.5]
    assert clock.sleeps == [2.2, 2.2]
