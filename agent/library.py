"""Re-test a whole library: every line file in a folder, one result per line.

Live runs of several lines overlap: they share the process-wide arXiv limiter
(one request at a time, spaced as configured) and the process-wide pool of
model calls, so while one line waits for arXiv another's model calls proceed
and the limiter is never idle. Record and replay run one line at a time,
because vcrpy patches HTTP for the whole process, one cassette at a time.
A live line goes through vcrpy too, for its response ledger (resume answers
from what a killed run already paid for): all live lines share one cassette,
and each request reaches its own run's ledger (agent.recording.cassette).

A line that fails (unreadable file, provider down, cassette miss, even an
unexpected bug) ends as a failed result with its message; the others go on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.errors import InputError, RetestError
from agent.events import RunEvent, RunStarted
from agent.runner import Progress, RunOutcome, start_run
from agent.runs import RunStatus
from agent.services import RunRequest
from agent.store import Store

LINE_SUFFIXES = (".txt", ".md")
# Enough lines in flight that one is always ready to use the arXiv limiter while
# others wait for models; few enough to keep memory and the final tail small.
DEFAULT_LINES_IN_FLIGHT = 4

RequestFor = Callable[[Path], RunRequest]
RunLine = Callable[..., RunOutcome]
LineProgress = Callable[[Path], Progress | None]


@dataclass
class LineResult:
    """How one line of the library ended."""

    path: Path
    status: RunStatus
    run_id: str | None = None
    error: str | None = None
    claims: int = 0
    proposals: int = 0
    arxiv_requests: int | None = None
    model_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None
    started: float = 0.0
    ended: float = 0.0
    outcome: RunOutcome | None = None

    @property
    def ok(self) -> bool:
        return self.status is not RunStatus.FAILED

    @property
    def wall_s(self) -> float:
        return self.ended - self.started


@dataclass
class LibraryOutcome:
    """Every line's result, in the order the lines were given, and the library's wall time."""

    results: list[LineResult]
    wall_s: float

    @property
    def failed(self) -> list[LineResult]:
        return [r for r in self.results if not r.ok]


def discover_lines(directory: Path) -> list[Path]:
    """The line files (*.txt, *.md) directly in `directory`, sorted by name.

    Raises InputError when `directory` is not a folder or holds no line file.
    """
    if not directory.is_dir():
        raise InputError(f"{directory} is not a folder", hint="Give --all the folder that holds the line files.")
    paths = sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in LINE_SUFFIXES and not p.name.startswith("."))
    if not paths:
        raise InputError(
            f"{directory} holds no line files (*.txt or *.md)",
            hint="Export lines from the library into that folder, e.g. examples/bargaining-power.txt.",
        )
    return paths


def cassette_for(line: Path, cassette_dir: Path) -> Path:
    """The cassette of `line` in a folder of cassettes: same name, .yaml."""
    return cassette_dir / f"{line.stem}.yaml"


def run_library(
    lines: Sequence[Path],
    request_for: RequestFor,
    store: Store,
    *,
    lines_in_flight: int = DEFAULT_LINES_IN_FLIGHT,
    progress_for: LineProgress | None = None,
    on_done: Callable[[LineResult], None] | None = None,
    run_line: RunLine = start_run,
) -> LibraryOutcome:
    """Run every line until it pauses for review (or fails); never stops at a failed line.

    `request_for(path)` gives each line its own RunRequest (start_run fills in
    its run date). Live lines run `lines_in_flight` at a time; record and replay
    lines one at a time. `progress_for(path)` gives a line's progress callback;
    `on_done` hears of each result as it ends.
    """
    if lines_in_flight < 1:
        raise InputError(f"lines in flight must be at least 1, not {lines_in_flight}")
    requests = [(path, request_for(path)) for path in lines]
    hermetic = any(request.mode != "live" for _, request in requests)
    workers = 1 if hermetic else min(lines_in_flight, max(1, len(requests)))
    started = time.perf_counter()

    def one(item: tuple[Path, RunRequest]) -> LineResult:
        path, request = item
        result = _run_one(path, request, store, progress_for(path) if progress_for else None, run_line)
        if on_done:
            on_done(result)
        return result

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="retest-line") as pool:
        futures = [pool.submit(one, item) for item in requests]
        try:
            results = [future.result() for future in futures]
        except BaseException:
            # Ctrl-C: start no further line; lines in flight finish their current run.
            for future in futures:
                future.cancel()
            raise
    return LibraryOutcome(results=results, wall_s=time.perf_counter() - started)


def _run_one(path: Path, request: RunRequest, store: Store, progress: Progress | None, run_line: RunLine) -> LineResult:
    """One line, with every failure turned into a failed result."""
    seen: dict[str, Any] = {}

    def listen(event: RunEvent) -> None:
        # The run ID is known before the graph starts; a failed line still reports it.
        if isinstance(event, RunStarted):
            seen["run_id"], seen["claims"] = event.run_id, len(event.claims)
        if progress:
            progress(event)

    started = time.perf_counter()
    try:
        outcome = run_line(path, request, store, progress=listen)
    except RetestError as exc:
        error = exc.message
    except Exception as exc:  # noqa: BLE001 - one line's bug must not stop the library; the message names it
        error = f"unexpected {type(exc).__name__}: {exc}"
    else:
        return line_result(path, outcome, started, time.perf_counter())
    return LineResult(
        path=path, status=RunStatus.FAILED, run_id=seen.get("run_id"), error=error,
        claims=seen.get("claims", 0), started=started, ended=time.perf_counter(),
    )  # fmt: skip


def line_result(path: Path, outcome: RunOutcome, started: float, ended: float) -> LineResult:
    """The library's result of a line from its run's outcome (a later sitting's too: a batch run's, once collected)."""
    usage = outcome.usage
    return LineResult(
        path=path,
        status=outcome.run.status,
        run_id=outcome.run.id,
        claims=len(outcome.line.prompt.claims) if outcome.line else 0,
        proposals=len(outcome.proposals),
        # Over all sittings: a batch run's searches were sent in its earlier ones.
        arxiv_requests=max(outcome.requests_sent, outcome.requests.arxiv),
        model_calls=sum(u.calls for u in usage),
        input_tokens=sum(u.input_tokens for u in usage),
        output_tokens=sum(u.output_tokens for u in usage),
        cost_usd=outcome.cost_usd,
        started=started,
        ended=ended,
        outcome=outcome,
    )
