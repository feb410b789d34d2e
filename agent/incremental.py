"""`--since-last`: find a line's last run through its identity, build the plan from it, and keep scheduled runs apart.

A line is the same line across runs by its slug, or by its changelog naming the run (applying proposals
changes the file, so its hash alone would lose it). Its last run is the newest one that finished its
re-test (awaiting review or completed) on or before this run's date. The plan (agent.graph.since_last)
goes to the graph in the run's context; everything else about the run is as without --since-last.
A pruned last run is built on from the report `retest runs --prune` kept (it holds each claim's findings,
queries and verdict) and the line in its record; when either lacks them, the run says so and is a full one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from agent.errors import RunLocked
from agent.graph.records import AnchorCheck, ClaimResult
from agent.graph.since_last import DEFAULT_OVERLAP_DAYS, KnownProposal, SinceLast, SinceLastSummary, build_plan, known_proposals
from agent.line.models import Line
from agent.line.read import load_line
from agent.proposals import Decision, Proposal
from agent.runner import RunOutcome, load_state
from agent.runs import RunRecord, RunStatus, list_runs, run_usage, stored_line
from agent.services import RunRequest
from agent.sources.models import Paper
from agent.store import Store

FINISHED = (RunStatus.AWAITING_REVIEW, RunStatus.COMPLETED)
LOCK_NAME = "since-last"  # the lock of scheduled runs: <state dir>/locks/since-last.lock, or a Postgres advisory lock


def _is_same_line(line: Line, saved: Line | None, run: RunRecord) -> bool:
    if saved is None:
        return False
    return saved.slug == line.slug or run.id in {entry.run_id for entry in line.changelog}


def line_runs(store: Store, line: Line, *, until: dt.date | None = None) -> Iterator[tuple[RunRecord, dict[str, Any] | None]]:
    """The line's finished runs, newest first, each with its graph state (and its line).

    A pruned run (`retest runs --prune`) has no checkpoint: its state is rebuilt from its kept report (`kept_state`),
    and is None when that report lacks what a plan needs.
    """
    for run in list_runs(store):
        if run.status not in FINISHED or (until is not None and run.run_date > until):
            continue
        kept = stored_line(store, run.id)
        if kept is not None and not _is_same_line(line, kept, run):
            continue  # another line's run, known from its record alone: its checkpoints are not opened
        _, state, _ = load_state(run.id, store)
        if state:
            if _is_same_line(line, state.get("line"), run):
                yield run, state
            continue
        report = _kept_report(store, run.id)
        if report is None:
            continue  # no checkpoint and no kept report: nothing of it is left to build on
        rebuilt = kept_state(store, run.id, report)
        if rebuilt is not None:
            yield run, rebuilt
        elif kept is not None or report.get("question") == line.question:
            # Its record or its report says it was this line's: a run it cannot build on is said, not skipped in silence.
            yield run, None


def _kept_report(store: Store, run_id: str) -> dict[str, Any] | None:
    """The JSON report `retest runs --prune` kept for a run (agent.report.Report, read as plain JSON); None for a run never pruned."""
    with store.lock:
        row = store.conn.execute("SELECT json FROM run_reports WHERE run_id = ?", (run_id,)).fetchone()
    if row is None:
        return None
    try:
        data = json.loads(row["json"])
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


# What a plan takes from each claim's kept result: without them a claim cannot be carried, so the run is re-tested in full.
_RESULT_KEYS = ("claim_id", "findings", "queries", "candidates", "verdict")


def kept_state(store: Store, run_id: str, report: dict[str, Any]) -> dict[str, Any] | None:
    """The part of a pruned run's graph state a since-last plan needs, from its kept report and its record; None when either lacks it.

    The report keeps each claim's result whole (findings, queries, candidates, verdict), the papers, the anchor checks,
    the proposals and decisions, and a since-last run's summary; the line is the run's record's (NULL before migration 0012).
    """
    line = stored_line(store, run_id)
    results = report.get("results")
    if line is None or not isinstance(results, list) or not all(isinstance(r, dict) and all(k in r for k in _RESULT_KEYS) for r in results):
        return None
    try:
        claim_results = [ClaimResult.model_validate(r) for r in results]
        papers = {key: Paper.model_validate(p) for key, p in report["papers"].items()}
        anchors = [AnchorCheck.model_validate(a) for a in report["anchors"]]
        proposals = [Proposal.model_validate(p) for p in report["proposals"]]
        decisions = [Decision.model_validate(d) for d in report.get("decisions", [])]
        summary = None if report.get("since_last") is None else SinceLastSummary.model_validate(report["since_last"])
    except (KeyError, TypeError, AttributeError, ValueError):  # pydantic's ValidationError is a ValueError
        return None
    state: dict[str, Any] = {
        "line": line,
        "claim_results": {r.claim_id: r for r in claim_results},
        "papers": papers,
        "anchor_checks": anchors,
        "proposals": proposals,
        "decisions": {d.proposal_id: d for d in decisions},
        "usage": run_usage(store, run_id),
    }
    if summary is not None:
        state["since_last"] = summary
    return state


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
    """The plan for re-testing `line` on `run_date` since its last run; None when it has none to build on (`planned` says why)."""
    return planned(store, line, run_date, overlap_days=overlap_days)[0]


def planned(store: Store, line: Line, run_date: dt.date, *, overlap_days: int = DEFAULT_OVERLAP_DAYS) -> tuple[SinceLast | None, str | None]:
    """The plan, or None with what the run's output should say instead (None too when the line simply has no finished run yet)."""
    found = list(line_runs(store, line, until=run_date))
    if not found:
        return None, None
    last, last_state = found[0]
    if last_state is None:
        return None, (
            f"the last run, {last.id}, was pruned: re-testing in full "
            "(its kept report lacks the findings, queries or verdicts per claim a since-last run builds on, or its record the line)"
        )
    runs = [(run, {**state, "decisions": {**state.get("decisions", {}), **_recorded_decisions(store, run.id)}}) for run, state in found if state is not None]
    (run, state), older = runs[0], runs[1:]
    # Every older run's proposals, as their curators decided them since: a rejection two runs back still counts.
    earlier: list[KnownProposal] = []
    for old_run, old_state in reversed(older):
        earlier = known_proposals(old_run.id, old_state, earlier)
    return build_plan(line, run.id, run.run_date, state, overlap_days=overlap_days, earlier=earlier), None


def since_last_request(request: RunRequest, store: Store, line_path: Path, *, overlap_days: int = DEFAULT_OVERLAP_DAYS) -> RunRequest:
    """`request` with the plan of `line_path`'s last run; unchanged (a full re-test) when the line has none."""
    return planned_request(request, store, line_path, overlap_days=overlap_days)[0]


def planned_request(request: RunRequest, store: Store, line_path: Path, *, overlap_days: int = DEFAULT_OVERLAP_DAYS) -> tuple[RunRequest, str | None]:
    """`since_last_request`, with what the run's output should say when the last run cannot be built on (`planned`)."""
    line = load_line(line_path).line
    run_date = request.run_date or dt.datetime.now(dt.UTC).date()
    plan, note = planned(store, line, run_date, overlap_days=overlap_days)
    return replace(request, since_last=plan), note


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
        if not state:  # pruned: its kept report, when it holds the results
            report = _kept_report(store, run.id)
            state = (kept_state(store, run.id, report) if report is not None else None) or {}
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
def scheduled_lock(store: Store) -> Iterator[None]:
    """Hold the store's since-last lock for the block; RunLocked at once when another process holds it.

    `Store.try_exclusive`: a file lock in the state directory for SQLite (one machine's runs), a Postgres advisory lock
    with $RETEST_DATABASE_URL (every machine's runs on that database). Either is dropped when its process dies, so a
    killed run never leaves it held.
    """
    with store.try_exclusive(LOCK_NAME) as taken:
        if not taken:
            raise RunLocked(
                f"another `retest run --since-last` ({_holder(store)}) is running on {store.where}; this one did not start",
                hint="Nothing was run or changed. The next scheduled run goes ahead once that one has finished.",
            )
        yield


def _holder(store: Store) -> str:
    """Who holds the since-last lock, as far as this machine can tell."""
    if store.kind != "sqlite":
        return "on this or another machine using the database"
    try:
        said = (store.path.parent / "locks" / f"{LOCK_NAME}.lock").read_text(encoding="utf-8").strip()
    except OSError:
        said = ""
    return said or "another process"
