"""run_library's scheduling and failure handling, with a fake line runner (no graph, no network)."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest

from agent.errors import InputError, ProviderError
from agent.events import RunStarted
from agent.library import discover_lines, run_library
from agent.runner import RunOutcome
from agent.runs import RunRecord, RunStatus
from agent.services import RunRequest
from agent.store import Store


def _record(path: Path, status: RunStatus = RunStatus.AWAITING_REVIEW) -> RunRecord:
    return RunRecord(
        id=f"run-{path.stem}", line_path=str(path), line_sha256="0" * 64, mode="live", run_date=dt.date(2026, 11, 29),
        models={}, version="0", started_at=dt.datetime(2026, 11, 29, tzinfo=dt.UTC), status=status,
    )  # fmt: skip


def _outcome(path: Path) -> RunOutcome:
    return RunOutcome.from_state(_record(path), {"proposals": [], "usage": []}, requests_sent=3)


def _lines(tmp_path: Path, count: int) -> list[Path]:
    paths = [tmp_path / f"line-{i}.txt" for i in range(count)]
    for p in paths:
        p.write_text("x", encoding="utf-8")
    return paths


def _live(_: Path) -> RunRequest:
    return RunRequest(mode="live")


def test_live_lines_overlap_but_never_beyond_the_bound(tmp_path: Path) -> None:
    lock, active, peak = threading.Lock(), [0], [0]
    # Two lines must be in flight together to pass the barrier: a serial runner would break it.
    barrier = threading.Barrier(2, timeout=10)

    def run_line(path: Path, request: RunRequest, store: Store, *, progress: Any = None) -> RunOutcome:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        barrier.wait()
        with lock:
            active[0] -= 1
        return _outcome(path)

    outcome = run_library(_lines(tmp_path, 4), _live, Store.open(tmp_path / "db"), lines_in_flight=2, run_line=run_line)
    assert [r.status for r in outcome.results] == [RunStatus.AWAITING_REVIEW] * 4
    assert peak[0] == 2


def test_recorded_and_replayed_lines_run_one_at_a_time(tmp_path: Path) -> None:
    # vcrpy patches HTTP for the whole process: two cassettes at once would cross their traffic.
    threads: set[int] = set()

    def run_line(path: Path, request: RunRequest, store: Store, *, progress: Any = None) -> RunOutcome:
        threads.add(threading.get_ident())
        return _outcome(path)

    replay = lambda p: RunRequest(mode="replay", cassette=tmp_path / f"{p.stem}.yaml")  # noqa: E731
    run_library(_lines(tmp_path, 3), replay, Store.open(tmp_path / "db"), lines_in_flight=4, run_line=run_line)
    assert len(threads) == 1


def test_failures_of_any_kind_become_results_in_the_given_order(tmp_path: Path) -> None:
    paths = _lines(tmp_path, 4)
    done: list[str] = []

    def run_line(path: Path, request: RunRequest, store: Store, *, progress: Any = None) -> RunOutcome:
        progress(RunStarted(run_id=f"run-{path.stem}", claims=["C1", "C2"], steps=[]))
        if path == paths[0]:
            raise ProviderError("arXiv search failed after 4 tries: HTTP 503")
        if path == paths[2]:
            raise KeyError("a bug in one line")
        return _outcome(path)

    outcome = run_library(paths, _live, Store.open(tmp_path / "db"), run_line=run_line, on_done=lambda r: done.append(r.path.stem))
    assert [r.path for r in outcome.results] == paths
    assert [r.ok for r in outcome.results] == [False, True, False, True]
    first, _, third, _ = outcome.results
    assert first.error == "arXiv search failed after 4 tries: HTTP 503" and first.run_id == "run-line-0" and first.claims == 2
    assert third.error is not None and third.error.startswith("unexpected KeyError") and third.status is RunStatus.FAILED
    assert sorted(done) == [p.stem for p in paths]
    assert [r.path for r in outcome.failed] == [paths[0], paths[2]]


def test_discover_lines_takes_line_files_in_name_order(tmp_path: Path) -> None:
    for name in ("b.md", "a.txt", ".hidden.txt", "c.yaml", "notes.json"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "sub.txt").mkdir()
    assert [p.name for p in discover_lines(tmp_path)] == ["a.txt", "b.md"]


def test_lines_in_flight_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        run_library(_lines(tmp_path, 1), _live, Store.open(tmp_path / "db"), lines_in_flight=0)
