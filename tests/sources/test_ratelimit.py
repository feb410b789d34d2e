"""The process-wide limiter: spacing with an injected clock, one request at a time."""

from __future__ import annotations

import threading

import pytest

from agent.sources import RateLimiter, default_limiter
from agent.sources.ratelimit import ARXIV_MIN_INTERVAL

from .conftest import FakeClock


def test_back_to_back_requests_are_spaced_by_min_interval(clock: FakeClock) -> None:
    limiter = RateLimiter(3.0, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(3):
        with limiter.slot():
            starts.append(clock())
    assert clock.sleeps == [3.0, 3.0]
    assert [b - a for a, b in zip(starts, starts[1:], strict=False)] == [3.0, 3.0]


def test_time_already_passed_counts_towards_the_interval(clock: FakeClock) -> None:
    limiter = RateLimiter(3.0, clock=clock, sleep=clock.sleep)
    with limiter.slot():
        pass
    clock.now += 1.0
    with limiter.slot():
        pass
    clock.now += 5.0
    with limiter.slot():
        pass
    assert clock.sleeps == [2.0]


def test_spacing_can_be_measured_from_the_end_of_a_slow_request(clock: FakeClock) -> None:
    limiter = RateLimiter(3.0, clock=clock, sleep=clock.sleep, measure_from="end")
    with limiter.slot():
        clock.now += 10.0  # a slow response
    with limiter.slot():
        pass
    assert clock.sleeps == [3.0]


def test_zero_interval_never_sleeps(clock: FakeClock) -> None:
    limiter = RateLimiter(0.0, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        with limiter.slot():
            pass
    assert clock.sleeps == []


@pytest.mark.parametrize("measure_from, slept", [("end", 3.0), ("start", 2.0)])
def test_a_second_thread_waits_until_the_first_request_ends(clock: FakeClock, measure_from, slept) -> None:
    limiter = RateLimiter(3.0, clock=clock, sleep=clock.sleep, measure_from=measure_from)
    a_inside, release_a, b_trying, b_inside = (threading.Event() for _ in range(4))
    b_start: list[float] = []

    def first() -> None:
        with limiter.slot():
            a_inside.set()
            release_a.wait(5)
            clock.now += 1.0  # the request takes a second

    def second() -> None:
        b_trying.set()
        with limiter.slot():
            b_start.append(clock())
            b_inside.set()

    a = threading.Thread(target=first)
    a.start()
    assert a_inside.wait(5)
    b = threading.Thread(target=second)
    b.start()
    assert b_trying.wait(5)
    assert not b_inside.wait(0.05), "a second request started while the first was in flight"
    release_a.set()
    assert b_inside.wait(5)
    a.join(5)
    b.join(5)
    assert clock.sleeps == [slept], "the pause counts from the first request's end or start"
    assert b_start == [1000.0 + 1.0 + slept], "never before the first request ended"


def test_one_default_limiter_per_process_at_arxivs_interval() -> None:
    assert default_limiter() is default_limiter()
    assert default_limiter().min_interval == ARXIV_MIN_INTERVAL == 3.0
    assert default_limiter().measure_from == "start", "arXiv's terms: one request every 3 s, one at a time"
