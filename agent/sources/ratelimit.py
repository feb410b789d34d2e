"""The arXiv rate limiter, shared by every thread and every Retest process on the machine.

arXiv's API terms ask for at most one request every three seconds and one
connection at a time, counted over everything a user runs together: two
terminals, or `retest run --all` beside a manual run, must share one budget.
`RateLimiter.slot()` enforces both. With a lock file (the default limiter
keeps one in the user's cache directory) the limiter's state lives in that
file and an exclusive `flock` on it is held for the whole request, so requests
never overlap on this machine, whichever process sends them; without one
(replay, tests) a lock and the state in memory do the same within a process.

The state is when the previous request started and ended, and a hold: a time
before which nobody may ask (set by `hold_off` after a 429 or 503, so every
process honours arXiv's Retry-After, not only the one that got it). Spacing is
measured from the previous response's end by default (a slow response never
shortens the pause), or from its start (arXiv's stated rate, `measure_from`).

Times are wall-clock seconds, the one clock processes share; a wait is never
longer than the spacing or the hold that asked for it, so a clock set back
cannot freeze the limiter.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Literal

from agent.errors import ConfigError
from agent.events import ArxivWait, emit

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock; the limiter is then per process only
    fcntl = None  # type: ignore[assignment]

ARXIV_MIN_INTERVAL = 3.0
_WORTH_SAYING_S = 1.0  # shorter waits would only make the progress display flicker
MeasureFrom = Literal["end", "start"]
LockFile = Path | Callable[[], Path] | None


def default_lock_path() -> Path:
    """Where the machine-wide limiter keeps its state: $XDG_CACHE_HOME/retest, else ~/.cache/retest."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG spec says to ignore a relative path.
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "retest" / "arxiv.lock"


@dataclass
class _State:
    start: float | None = None
    end: float | None = None
    hold_until: float = 0.0
    hold_s: float = 0.0
    hold_reason: str = ""


class RateLimiter:
    """At most one request per `min_interval` seconds, one at a time, honouring holds."""

    def __init__(
        self,
        min_interval: float = ARXIV_MIN_INTERVAL,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        measure_from: MeasureFrom = "end",
        lock_file: LockFile = None,
    ) -> None:
        if min_interval < 0:
            raise ValueError("min_interval must be >= 0")
        self.min_interval = min_interval
        self.measure_from = measure_from
        self.lock_file = lock_file
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._memory = _State()

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Wait for this request's turn, then hold the line until it finishes."""
        with self._lock:
            waited_for = None
            while True:
                with self._state() as (state, save):
                    # Once waited out, the same state never asks again: a clock set back cannot hold a request forever.
                    seen = (state.start, state.end, state.hold_until)
                    wait, reason = self._wait(state) if seen != waited_for else (0.0, "")
                    if wait <= 0:
                        state.start, state.end = self._clock(), None
                        # On disk before the request goes out: a process killed mid-request still counts it.
                        save()
                        try:
                            yield
                        finally:
                            state.end = self._clock()
                        return
                    waited_for = seen
                # Sleep without the machine lock: another process may go first, and this one then waits its turn again.
                if wait >= _WORTH_SAYING_S:
                    emit(ArxivWait(seconds=round(wait, 1), reason=reason))
                self._sleep(wait)

    def hold_off(self, seconds: float, reason: str) -> None:
        """Ask no one on this machine to send before `seconds` from now (arXiv said to wait); `reason` is shown while waiting."""
        if seconds <= 0:
            return
        with self._lock, self._state() as (state, _):
            until = self._clock() + seconds
            if until > state.hold_until:
                state.hold_until, state.hold_s, state.hold_reason = until, seconds, reason

    def _wait(self, state: _State) -> tuple[float, str]:
        now = self._clock()
        hold = min(state.hold_until - now, state.hold_s)
        previous = state.start if self.measure_from == "start" or state.end is None else state.end
        spacing = min(previous + self.min_interval - now, self.min_interval) if previous is not None else 0.0
        if hold > 0 and hold >= spacing:
            return hold, state.hold_reason
        return spacing, f"arXiv's rate limit: one request every {self.min_interval:g} s"

    @contextmanager
    def _state(self) -> Iterator[tuple[_State, Callable[[], None]]]:
        """The shared state, held exclusively for the block and saved when it ends; the callable saves it sooner."""
        path = self.lock_file() if callable(self.lock_file) else self.lock_file
        if path is None or fcntl is None:
            yield self._memory, lambda: None
            return
        with _locked(path) as handle:
            state = _read(handle, self._clock())
            try:
                yield state, lambda: _write(handle, state)
            finally:
                _write(handle, state)


@contextmanager
def _locked(path: Path) -> Iterator[IO[str]]:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT, 0o644), "r+", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"cannot open the arXiv limiter's lock file {path}: {exc.strerror or exc}",
            hint="Set RETEST_ARXIV_LOCK_FILE to a writable path (the same for every Retest process on this machine).",
        ) from exc
    with handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield handle
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _read(handle: IO[str], now: float) -> _State:
    handle.seek(0)
    text = handle.read()
    if not text.strip():
        return _State()
    try:
        return _State(**json.loads(text))
    except (ValueError, TypeError):
        # A torn write: assume a request just ended rather than none ever did.
        return _State(start=now, end=now)


def _write(handle: IO[str], state: _State) -> None:
    handle.seek(0)
    handle.truncate()
    handle.write(json.dumps(asdict(state)))
    handle.flush()


_DEFAULT = RateLimiter(lock_file=default_lock_path)


def default_limiter() -> RateLimiter:
    """The limiter shared by every ArxivSource in this process and, through its lock file, the machine."""
    return _DEFAULT


def set_default_interval(seconds: float, measure_from: MeasureFrom = "end", lock_file: Path | None = None) -> RateLimiter:
    """Space the shared limiter's requests `seconds` apart from now on; returns it.

    agent.services calls this with Settings.arxiv_spacing_s, arxiv_spacing_from
    and arxiv_lock_file, so the settings take effect while every source in the
    process still shares one limiter. No `lock_file` keeps the default path.
    """
    if seconds < 0:
        raise ValueError("min_interval must be >= 0")
    _DEFAULT.min_interval, _DEFAULT.measure_from = seconds, measure_from
    _DEFAULT.lock_file = lock_file or default_lock_path
    return _DEFAULT
