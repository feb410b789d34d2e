"""What arXiv's operators ask of a client: who is asking, backing off when told, and what a 400 says.

Against the stand-in on 127.0.0.1 (tests/sources/standin.py), so the real
transport sends real HTTP and reads real headers; the limiter's clock is fake,
so a minute's back-off takes no time.
"""

from __future__ import annotations

import datetime as dt

import pytest

from agent._version import VERSION
from agent.errors import ProviderError
from agent.events import ArxivWait, emitting_to
from agent.sources import ArxivSource, LookupStatus, QueryRejected, RateLimiter
from agent.sources.transport import arxiv_message, retry_after

from .conftest import FakeClock
from .standin import BAD_ID, BAD_QUERY, Standin, serving, wire

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
UNAVAILABLE = "Service Unavailable\n"


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")


def _source(standin: Standin, clock: FakeClock, **options) -> ArxivSource:
    return ArxivSource(None, limiter=RateLimiter(0.0, clock=clock, sleep=clock.sleep), api_url=standin.url, **options)


@pytest.mark.parametrize(("contact", "agent"), [("mailto:lab@example.org", f"retest/{VERSION} (+mailto:lab@example.org)"), (None, f"retest/{VERSION}")])
def test_every_request_says_who_is_asking(clock: FakeClock, contact: str | None, agent: str) -> None:
    with serving() as standin:
        source = _source(standin, clock, contact=contact)
        source.lookup(["2104.12255v1"])
        source.search("all:testing", max_results=1)
    assert [hit.user_agent for hit in standin.hits] == [agent, agent]


def test_a_429_waits_as_long_as_retry_after_says_and_the_display_is_told(clock: FakeClock) -> None:
    events: list = []
    with serving(Standin(script=[(429, {"Retry-After": "60"}, UNAVAILABLE)])) as standin, emitting_to(events.append):
        found = _source(standin, clock).lookup(["2104.12255v1"])["2104.12255v1"]
    assert found.status is LookupStatus.FOUND and len(standin.hits) == 2
    assert clock.sleeps == [60.0]
    assert events == [ArxivWait(seconds=60.0, reason="arXiv asked to wait 60 s (HTTP 429)")]


def test_a_503_without_retry_after_backs_off_on_a_minute_scale(clock: FakeClock) -> None:
    script = [(503, {}, UNAVAILABLE), (503, {}, UNAVAILABLE)]
    with serving(Standin(script=script)) as standin:
        _source(standin, clock).lookup(["2104.12255v1"])
    assert clock.sleeps == [60.0, 120.0] and len(standin.hits) == 3


def test_a_wait_beyond_the_bound_fails_at_once_naming_the_setting(clock: FakeClock) -> None:
    with serving(Standin(script=[(429, {"Retry-After": "3600"}, UNAVAILABLE)])) as standin:
        with pytest.raises(ProviderError) as caught:
            _source(standin, clock, max_wait=600).lookup(["2104.12255v1"])
    assert "arXiv asked to wait 3600 s (HTTP 429), beyond the 600 s a request may wait (arxiv_max_wait_s)" in caught.value.message
    assert clock.sleeps == [] and len(standin.hits) == 1


def test_the_bound_counts_every_wait_of_one_request(clock: FakeClock) -> None:
    script = [(503, {}, UNAVAILABLE)] * 3
    with serving(Standin(script=script)) as standin:
        with pytest.raises(ProviderError, match="backing off 120 s, beyond the 100 s"):
            _source(standin, clock, max_wait=100).lookup(["2104.12255v1"])
    assert clock.sleeps == [60.0] and len(standin.hits) == 2


def test_replay_never_waits_even_when_told_to(clock: FakeClock) -> None:
    with serving(Standin(script=[(429, {"Retry-After": "60"}, UNAVAILABLE)])) as standin:
        _source(standin, clock, retry_wait=0.0).lookup(["2104.12255v1"])
    assert clock.sleeps == [] and len(standin.hits) == 2


def test_a_rejected_query_carries_arxivs_message(clock: FakeClock) -> None:
    with serving(Standin(script=[(400, {}, BAD_QUERY)])) as standin:
        with pytest.raises(QueryRejected) as caught:
            _source(standin, clock).search("ti:(agents AND governance", since=dt.date(2025, 1, 1), until=dt.date(2025, 12, 31))
    assert caught.value.reason == "Invalid query string"
    assert "Invalid query string" in caught.value.message and "parenthesise" in (caught.value.hint or "")
    assert len(standin.hits) == 1, "a 400 is never retried"


def test_an_empty_query_is_rejected_without_asking_arxiv(clock: FakeClock) -> None:
    with serving() as standin:
        with pytest.raises(QueryRejected) as caught:
            _source(standin, clock).search("   ")
    assert caught.value.reason == "the query is empty" and standin.hits == []


def test_arxivs_messages_are_read_from_its_real_answers() -> None:
    assert arxiv_message(BAD_ID.encode()) == "incorrect id format for abc"
    assert arxiv_message(wire("id_2104.12255v1_s0_m100_6ae69987ffe1.json")["body"].encode()) is not None  # a summary, read the same way
    assert arxiv_message(b"Rate exceeded.\n") == "Rate exceeded."
    assert arxiv_message(b"<html><body>Bad gateway</body></html>") is None


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = dt.datetime(2026, 4, 12, 22, 0, 0, tzinfo=dt.UTC)
    assert retry_after("120", now) == 120.0
    assert retry_after("Sun, 12 Apr 2026 22:01:30 GMT", now) == 90.0
    assert retry_after("soon", now) is None and retry_after(None, now) is None
