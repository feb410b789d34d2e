"""The process-wide arXiv rate limiter.

arXiv's API terms ask for at most one request every three seconds and one
connection at a time. `RateLimiter.slot()` enforces both: it holds a lock for
the whole request (so requests never overlap, whichever thread sends them) and
waits until `min_interval` seconds have passed since the previous request
ended. Every ArxivSource in the process shares `default_limiter()` unless a
caller injects another (replay passes `RateLimiter(min_interval=0)`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

ARXIV_MIN_INTERVAL = 3.0


class RateLimiter:
    """At most one request per `min_interval` seconds, one at a time."""

    def __init__(
        self,
        min_interval: float = ARXIV_MIN_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if min_interval < 0:
            raise ValueError("min_interval must be >= 0")
        self.min_interval = min_interval
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._last_end: float | None = None

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Wait for this request's turn, then hold the line until it finishes."""
        with self._lock:
            if self._last_end is not None:
                wait = self._last_end + self.min_interval - self._clock()
                if wait > 0:
                    self._sleep(wait)
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
