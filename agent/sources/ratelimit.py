"""The process-wide arXiv rate limiter.

arXiv's API terms ask for at most one request every three seconds and one
connection at a time. `RateLimiter.slot()` enforces both: it holds a lock for
the whole request (so requests never overlap, whichever thread sends them) and
waits until `min_interval` seconds have passed since the previous request
started (arXiv's stated rate: a slow response does not slow the next request
further, and requests still never overlap), or, with `measure_from="end"`,
since it ended (more conservative, and about 27% slower with 0.8 s responses).
Every ArxivSource in the process shares `default_limiter()` unless a
caller injects another (replay passes `RateLimiter(min_interval=0)`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal

from agent.events import ArxivWait, emit

ARXIV_MIN_INTERVAL = 3.0
_WORTH_SAYING_S = 1.0  # shorter waits would only make the progress display flicker
MeasureFrom = Literal["end", "start"]


class RateLimiter:
    """At most one request per `min_interval` seconds, one at a time."""

    def __init__(
        self,
        min_interval: float = ARXIV_MIN_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        measure_from: MeasureFrom = "start",
    ) -> None:
        if min_interval < 0:
            raise ValueError("min_interval must be >= 0")
        self.min_interval = min_interval
        self.measure_from = measure_from
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._last_end: float | None = None
        self._last_start: float | None = None

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Wait for this request's turn, then hold the line until it finishes."""
        with self._lock:
            previous = self._last_start if self.measure_from == "start" else self._last_end
            if previous is not None:
                wait = previous + self.min_interval - self._clock()
                if wait > 0:
                    if wait >= _WORTH_SAYING_S:
                        emit(ArxivWait(seconds=round(wait, 1), reason=f"arXiv's rate limit: one request every {self.min_interval:g} s"))
                    self._sleep(wait)
            self._last_start = self._clock()
            try:
                yield
            finally:
                # Measured from the end of a request: a slow response does not
                # shorten the pause before the next one.
                self._last_end = self._clock()


_DEFAULT = RateLimiter()


def default_limiter() -> RateLimiter:
    """The limiter shared by every ArxivSource in this process."""
    return _DEFAULT


def set_default_interval(seconds: float, measure_from: MeasureFrom = "start") -> RateLimiter:
    """Space the shared limiter's requests `seconds` apart from now on; returns it.

    The runner calls this with Settings.arxiv_spacing_s and arxiv_spacing_from,
    so the settings take effect while every source in the process still shares
    one limiter.
    """
    if seconds < 0:
        raise ValueError("min_interval must be >= 0")
    _DEFAULT.min_interval, _DEFAULT.measure_from = seconds, measure_from
    return _DEFAULT
