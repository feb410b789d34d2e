"""A killed `--since-last` run resumes with the plan it started with (issue 20): no full re-test, the same "what changed"."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from agent.events import NodeFinished, RunEvent
from agent.graph.since_last_changes import what_changed_lines
from agent.incremental import since_last_request
from agent.runner import RunOutcome, cassette_run_date, resume_run, start_run
from agent.runs import RunStatus, get_run, list_runs, run_usage, stored_since_last
from agent.services import RunRequest
from agent.store import MIGRATIONS, Store

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"
JUNE = REPO / "cassettes" / "since-last" / "bargaining-power-june.yaml"
JULY = REPO / "cassettes" / "since-last" / "bargaining-power-july.yaml"


def _stop_after_anchors(event: RunEvent) -> None:
    if isinstance(event, NodeFinished) and event.node == "verify_anchors":
        raise KeyboardInterrupt


def _calls(store: Store, outcome: RunOutcome) -> list[tuple[str, str, int]]:
    return sorted((u.node, u.claim_id or "", u.calls) for u in run_usage(store, outcome.run.id))


def test_a_killed_since_last_run_resumes_with_its_plan_and_ends_as_an_unbroken_one() -> None:
    store = Store.open()
    june = start_run(LINE, RunRequest(mode="replay", cassette=JUNE, run_date=cassette_run_date(JUNE)), store)
    # One plan for both July runs: built after the second, it would build on that one.
    request = since_last_request(RunRequest(mode="replay", cassette=JULY, run_date=cassette_run_date(JULY)), store, LINE)
    assert request.since_last is not None and request.since_last.previous_run_id == june.run.id
    whole = start_run(LINE, request, store)
    with pytest.raises(KeyboardInterrupt):
        start_run(LINE, request, store, progress=_stop_after_anchors)
    stopped = next(r for r in list_runs(store) if r.id not in {june.run.id, whole.run.id})
    assert get_run(store, stopped.id).status is RunStatus.INTERRUPTED
    assert stored_since_last(store, stopped.id) == request.since_last  # kept in the run's record, as it started
    resumed = resume_run(stopped.id, store)
    # The same model calls as the unbroken run (screening and judging only the two claims with new work), not a full re-test.
    assert _calls(store, resumed) == _calls(store, whole)
    assert len(_calls(store, whole)) == 6
    assert resumed.run.status is whole.run.status
    summary, unbroken = resumed.state.get("since_last"), whole.state["since_last"]
    assert summary is not None and summary.previous_run_id == june.run.id
    assert what_changed_lines(summary) == what_changed_lines(unbroken)


def test_a_full_run_keeps_no_plan() -> None:
    store = Store.open()
    june = start_run(LINE, RunRequest(mode="replay", cassette=JUNE, run_date=cassette_run_date(JUNE)), store)
    assert stored_since_last(store, june.run.id) is None


def test_a_store_from_before_0013_gets_the_column_and_its_runs_read_as_full_ones(tmp_path) -> None:
    path = tmp_path / "retest.db"
    before = [m for m in MIGRATIONS if m.name < "0013"]
    with Store.open(path, migrations=before) as old:
        now = dt.datetime(2026, 11, 29, tzinfo=dt.UTC).isoformat()
        with old.transaction() as conn:
            conn.execute(
                "INSERT INTO runs (id, line_path, line_sha256, mode, run_date, models, prompts, version, started_at, status)"
                " VALUES ('r1', 'x.txt', 'abc', 'replay', '2026-11-29', '{}', '{}', '0', ?, 'completed')",
                (now,),
            )
    with Store.open(path) as store:
        assert "0013_run_since_last" in store.applied_migrations()
        assert get_run(store, "r1").status is RunStatus.COMPLETED
        assert stored_since_last(store, "r1") is None
