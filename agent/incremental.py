"""`--since-last`: find a line's last run through its identity, build the plan from it, and keep scheduled runs apart.

A line is the same line across runs by its slug, or by its changelog naming the run (applying proposals
changes the file, so its hash alone would lose it). Its last run is the newest one that finished its
re-test (awaiting review or completed) on or before this run's date. The plan (agent.graph.since_last)
goes to the graph in the run's context; everything else about the run is as without --since-last.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from agent.errors import RunLocked
from agent.graph.since_last import DEFAULT_OVERLAP_DAYS, KnownProposal, SinceLast, SinceLastSummary, build_plan, known_proposals
from agent.line.models import Line
from agent.line.read import load_line
from agent.proposals import Decision
from agent.runner import RunOutcome, load_state
from agent.runs import RunRecord, RunStatus, list_runs, stored_line
from agent.services import RunRequest
from agent.store import Store

FINISHED = (RunStatus.AWAITING_REVIEW, RunStatus.COMPLETED)
LOCK_FILE = "since-last.lock"


def _is_same_line(line: Line, saved: Line | None, run: RunRecord) -> bool:
    if saved is None:
        return False
    return saved.slug == line.slug or run.id in {entry.run_id for entry in line.changelog}


def line_runs(store: Store, line: Line, *, until: dt.date | None = None) -> Iterator[tuple[RunRecord, dict[str, Any]]]:
    """The line's finished runs, newest first, each with its graph state (and its line)."""
    for run in list_runs(store):
        if run.status not in FINISHED or (until is not None and run.run_date > until):
            continue
        kept = stored_line(store, run.id)
        if kept is not None and not _is_same_line(line, kept, run):
            continue  # another line's run, known from its record alone: its checkpoints are not opened
        _, state, _ = load_state(run.id, store)
        if _is_same_line(line, state.get("line"), run):
            yield run, state


def _recorded_decisions(store: Store, run_id: str) -> dict[str, Decision]:
    """The decisions in force for a run, from the append-only table (a review not yet handed to the graph counts too)."""
    with store.lock:  # a read: no write transaction, so a read-only state directory still answers
        rows = store.conn.execute("SELECT * FROM decisions WHERE run_id = ? ORDER BY seq", (run_id,)).fetchall()
    found: dict[str, Decision] = {}
    for row in rows:
        data = {key: row[key] for key in ("proposal_id", "kind", "reason", "edited_after", "reviewer", "at")}
        found[data["proposal_id"]] = Decision.model_validate(data)
    return found


def since_last_plan(store: Store, line: Line, run_date: dt.date, *, overlap_days: int = DEFAULT_OVERLAP_DAYS) -> SinceLast | None:
    """The plan for re-testing `line` on `run_date` since its last run; None when it has no finished run yet."""
    runs = [
        (run, {**state, "decisions": {**state.get("decisions", {}), **_recorded_decisions(store, run.id)}})
        for run, state in line_runs(store, line, until=run_date)
    ]
    if not runs:
        return None
    (run, state), older = runs[0], runs[1:]
    # Every older run's proposals, as their curators decided them since: a rejection two runs back still counts.
    earlier: list[KnownProposal] = []
    for old_run, old_state in reversed(older):
        earlier = known_proposals(old_run.id, old_state, earlier)
    return build_plan(line, run.id, run.run_date, state, overlap_days=overlap_days, earlier=earlier)


def since_last_request(request: RunRequest, store: Store, line_path: Path, *, overlap_days: int = DEFAULT_OVERLAP_DAYS) -> RunRequest:
    """`request` with the plan of `line_path`'s last run; unchanged (a full re-test) when the line has none."""
    line = load_line(line_path).line
    run_date = request.run_date or dt.datetime.now(dt.UTC).date()
    return replace(request, since_last=since_last_plan(store, line, run_date, overlap_days=overlap_days))


def changes_to_review(outcome: RunOutcome) -> bool:
    """True when a run left proposals to review or moved a verdict: what a scheduled run reports with its exit code."""
    summary: SinceLastSummary | None = outcome.state.get("since_last")
    moved = summary is not None and any(c.moved for c in summary.claims)
    return outcome.run.status is RunStatus.AWAITING_REVIEW or moved


class HistoryEntry(BaseModel):
    """One run of a line, with its verdict per claim."""

    run_id: str
    run_date: dt.date
    status: RunStatus
    since_last: str | None = Field(default=None, description="The run a since-last run built on; None for a full run.")
    verdicts: dict[str, str] = Field(default_factory=dict)
    calls: int = 0


def history(store: Store, slug: str) -> list[HistoryEntry]:
    """Every finished run of the line with this slug (or naming it in its changelog), oldest first."""
    found: list[HistoryEntry] = []
    for run in list_runs(store):
        if run.status not in FINISHED:
            continue
        kept = stored_line(store, run.id)
        if kept is not None and kept.slug != slug:
            continue
        _, state, _ = load_state(run.id, store)
        line: Line | None = state.get("line")
        if line is None or line.slug != slug:
            continue
        summary: SinceLastSummary | None = state.get("since_last")
        results = state.get("claim_results", {})
        verdicts = {cid: str(r.verdict.verdict) if r.verdict else "not judged" for cid, r in sorted(results.items())}
        calls = sum(u.calls for u in state.get("usage", []))
        found.append(
            HistoryEntry(
                run_id=run.id,
                run_date=run.run_date,
                status=run.status,
                since_last=summary.previous_run_id if summary else None,
                verdicts=verdicts,
                calls=calls,
            )
        )
    return sorted(found, key=lambda e: (e.run_date, e.run_id))


@contextmanager
def scheduled_lock(directory: Path) -> Iterator[None]:
    """Hold the state directory's since-last lock for the block; RunLocked at once when another process holds it.

    An advisory lock: the kernel drops it when its process dies, so a killed run never leaves it held.
    """
    folder = directory / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_FILE, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise RunLocked(
                f"another `retest run --since-last` ({holder}) is running in {directory}; this one did not start",
                hint="Nothing was run or changed. The next scheduled run goes ahead once that one has finished.",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
