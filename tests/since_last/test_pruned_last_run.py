"""A pruned last run (`retest runs --prune`: checkpoints gone, report kept) is still the last run of `--since-last` (issue 20)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from agent.cli import run as cli
from agent.errors import ExitCode
from agent.prune import prune
from agent.runner import load_state
from agent.runs import RunStatus, list_runs, run_usage
from agent.store import Store

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"
FULL = REPO / "cassettes" / "demo" / "bargaining-power.yaml"
LATER = REPO / "cassettes" / "since-last" / "bargaining-power-month-later.yaml"


@pytest.fixture
def pruned_full_run(capsys) -> str:
    """The demo's full run, reviewed (so completed), then pruned: its checkpoints removed, its report kept."""
    assert cli(["run", str(LINE), "--replay", str(FULL)]) == 0
    run = list_runs(Store.open())[0]
    assert cli(["review", run.id, "--accept-grounded"]) == 0
    assert list_runs(Store.open())[0].status is RunStatus.COMPLETED
    done = prune(Store.open(), dt.timedelta(0), now=dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    assert [p.run.id for p in done.runs] == [run.id]
    assert load_state(run.id, Store.open())[1] == {}  # no checkpoint left
    capsys.readouterr()
    return run.id


def test_a_pruned_last_run_is_built_on_from_its_kept_report(pruned_full_run, capsys) -> None:
    code = cli(["run", str(LINE), "--replay", str(LATER), "--since-last", "--quiet"])
    captured = capsys.readouterr()
    assert code == ExitCode.OK, captured.err
    second = list_runs(Store.open())[0]
    assert captured.out.strip() == f"bargaining-power: nothing changed (run {second.id})"
    assert "pruned" not in captured.err
    assert sum(u.calls for u in run_usage(Store.open(), second.id)) == 0
    assert cli(["report", second.id]) == 0
    report = capsys.readouterr().out
    assert f"## What changed since run {pruned_full_run} (2026-11-29)" in report
    assert "- C4: no change (strengthened); no new paper; searched 2026-11-22..2026-12-29: [support] abs:LLM AND abs:sycophancy" in report
    # And the line's history still lists it.
    assert cli(["runs", "--line", "bargaining-power", "--json"]) == 0
    history = json.loads(capsys.readouterr().out)
    assert [(h["run_id"], h["calls"]) for h in history] == [(pruned_full_run, 14), (second.id, 0)]


def _strip_kept_report(run_id: str, key: str) -> None:
    """As a report kept by a version whose results lacked `key`."""
    store = Store.open()
    with store.transaction() as conn:
        data = json.loads(conn.execute("SELECT json FROM run_reports WHERE run_id = ?", (run_id,)).fetchone()["json"])
        for result in data["results"]:
            del result[key]
        conn.execute("UPDATE run_reports SET json = ? WHERE run_id = ?", (json.dumps(data), run_id))


@pytest.mark.parametrize("key", ["queries", "findings"])
def test_a_pruned_run_whose_report_lacks_what_a_plan_needs_is_said_and_the_run_is_full(pruned_full_run, key, capsys) -> None:
    _strip_kept_report(pruned_full_run, key)
    code = cli(["run", str(LINE), "--replay", str(FULL), "--since-last", "--quiet"])
    captured = capsys.readouterr()
    assert code == ExitCode.CHANGES_TO_REVIEW, captured.err
    assert f"bargaining-power: the last run, {pruned_full_run}, was pruned: re-testing in full" in captured.err
    second = list_runs(Store.open())[0]
    assert sum(u.calls for u in run_usage(Store.open(), second.id)) == 14  # a full run


def test_a_pruned_run_whose_record_lacks_the_line_is_said_too(pruned_full_run, capsys) -> None:
    store = Store.open()
    with store.transaction() as conn:
        conn.execute("UPDATE runs SET line = NULL WHERE id = ?", (pruned_full_run,))  # as a run from before migration 0012
    code = cli(["run", str(LINE), "--replay", str(FULL), "--since-last", "--quiet"])
    assert code == ExitCode.CHANGES_TO_REVIEW
    assert f"the last run, {pruned_full_run}, was pruned: re-testing in full" in capsys.readouterr().err
