"""The machine-wide limiter: spacing with an injected clock, one request at a time, state in a lock file."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from agent.errors import ConfigError
from agent.events import ArxivWait, emitting_to
from agent.sources import RateLimiter, default_limiter
from agent.sources.ratelimit import ARXIV_MIN_INTERVAL, default_lock_path

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
    assert default_limiter().measure_from == "end", "a slow response never shortens the pause before the next request"


def test_limiters_on_one_lock_file_share_the_spacing(clock: FakeClock, tmp_path) -> None:
    # Two processes are two limiters on the same file: the second waits for the first's request.
    lock = tmp_path / "arxiv.lock"
    first, second = (RateLimiter(3.0, clock=clock, sleep=clock.sleep, lock_file=lock) for _ in range(2))
    with first.slot():
        clock.now += 1.0  # a one-second response
    with second.slot():
        pass
    assert clock.sleeps == [3.0], "three seconds after the first response ended"


def test_a_hold_reaches_every_limiter_on_the_lock_file(clock: FakeClock, tmp_path) -> None:
    lock = tmp_path / "arxiv.lock"
    told, other = (RateLimiter(0.0, clock=clock, sleep=clock.sleep, lock_file=lock) for _ in range(2))
    told.hold_off(60.0, "arXiv asked to wait 60 s (HTTP 429)")
    events: list = []
    with emitting_to(events.append), other.slot():
        pass
    assert clock.sleeps == [60.0]
    assert events == [ArxivWait(seconds=60.0, reason="arXiv asked to wait 60 s (HTTP 429)")]


def test_a_clock_set_back_never_waits_longer_than_the_spacing(clock: FakeClock, tmp_path) -> None:
    limiter = RateLimiter(3.0, clock=clock, sleep=clock.sleep, lock_file=tmp_path / "arxiv.lock")
    with limiter.slot():
        pass
    clock.now -= 3600.0
    with limiter.slot():
        pass
    assert clock.sleeps == [3.0]


def test_an_unreadable_state_counts_as_a_request_just_made(clock: FakeClock, tmp_path) -> None:
    lock = tmp_path / "arxiv.lock"
    lock.write_text('{"start": 1', encoding="utf-8")  # torn by a crash mid-write
    with RateLimiter(3.0, clock=clock, sleep=clock.sleep, lock_file=lock).slot():
        pass
    assert clock.sleeps == [3.0]


def test_a_lock_file_that_cannot_be_made_is_a_config_error(tmp_path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match="RETEST_ARXIV_LOCK_FILE"), RateLimiter(0.0, lock_file=blocker / "arxiv.lock").slot():
        pass


def test_the_default_lock_file_is_in_the_users_cache(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_lock_path() == tmp_path / "retest" / "arxiv.lock"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # the XDG spec: ignore a relative path
    assert default_lock_path() == Path.home() / ".cache" / "retest" / "arxiv.lock"
    assert default_limiter().lock_file is default_lock_path, "resolved at each request, so the environment of the moment counts"


def test_a_request_is_on_disk_before_it_is_sent(clock: FakeClock, tmp_path) -> None:
    # A process killed mid-request must still count it for the others.
    lock = tmp_path / "arxiv.lock"
    with RateLimiter(3.0, clock=clock, sleep=clock.sleep, lock_file=lock).slot():
        assert json.loads(lock.read_text(encoding="utf-8"))["start"] == clock.now
