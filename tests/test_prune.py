"""`retest runs --prune`: old finished runs lose their checkpoints and keep their reports; nothing else is touched.

Two demo replays (one reviewed to completion, one left awaiting review) are
made once per module and copied for each test; a run's age is set by moving
its recorded end back, as a run that ended weeks ago would have it.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent.cli import run as cli
from agent.prune import file_bytes, parse_age
from agent.runs import RunStatus, list_runs, saved_proposals
from agent.store import Store

REPO = Path(__file__).resolve().parents[1]
LINE = REPO / "examples" / "bargaining-power.txt"
CASSETTE = REPO / "cassettes" / "demo" / "bargaining-power.yaml"


@dataclass(frozen=True)
class Home:
    path: Path
    completed: str  # reviewed to the end
    waiting: str  # awaiting review

    def checkpoints(self, run_id: str) -> int:
        with sqlite3.connect(self.path / "checkpoints.db") as conn:
            return int(conn.execute("SELECT COUNT(*) FROM checkpoints WHERE thread_id = ?", (run_id,)).fetchone()[0])

    def kept(self) -> list[str]:
        with Store.open(self.path / "retest.db") as store:
            return [r[0] for r in store.conn.execute("SELECT run_id FROM run_reports")]

    def age(self, run_id: str, days: int) -> None:
        ended = (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).isoformat()
        with Store.open(self.path / "retest.db") as store, store.transaction() as conn:
            conn.execute("UPDATE runs SET ended_at = ? WHERE id = ?", (ended, run_id))


def _replay() -> None:
    assert cli(["run", str(LINE), "--replay", str(CASSETTE)]) == 0, "the demo cassette must replay"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Home:
    home = tmp_path_factory.mktemp("prune") / ".retest"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RETEST_HOME", str(home))
        mp.setenv("RETEST_REVIEWER", "tester")
        _replay()
        _replay()
        with Store.open(home / "retest.db") as store:
            older, newer = sorted(r.id for r in list_runs(store))
            ids = ",".join(p.id for p in saved_proposals(store, older) or [])
        assert cli(["review", older, "--reject", ids, "--reason", "test"]) == 0
    with Store.open(home / "retest.db") as store:
        statuses = {r.id: r.status for r in list_runs(store)}
    assert statuses == {older: RunStatus.COMPLETED, newer: RunStatus.AWAITING_REVIEW}
    return Home(home, older, newer)


@pytest.fixture
def home(template: Home, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Home:
    path = tmp_path / "state"
    shutil.copytree(template.path, path)
    monkeypatch.setenv("RETEST_HOME", str(path))
    copy = Home(path, template.completed, template.waiting)
    copy.age(copy.completed, 40)
    copy.age(copy.waiting, 40)  # old too: it must stay because it waits for review, not because it is new
    return copy


def _report(run_id: str, capsys: pytest.CaptureFixture[str], fmt: str = "json") -> str:
    capsys.readouterr()
    assert cli(["report", run_id, "--format", fmt]) == 0
    return capsys.readouterr().out


def test_prune_removes_old_completed_checkpoints_keeps_the_report_and_frees_space(home: Home, capsys: pytest.CaptureFixture[str]) -> None:
    before_report = json.loads(_report(home.completed, capsys))
    before_md = _report(home.completed, capsys, "md")
    waiting_before = home.checkpoints(home.waiting)
    size_before = file_bytes(home.path / "checkpoints.db")
    assert home.checkpoints(home.completed) > 0 and waiting_before > 0

    assert cli(["runs", "--prune", "--older-than", "30d", "--status", "completed,failed", "--status", "interrupted"]) == 0
    said = capsys.readouterr().out
    assert home.completed in said and home.waiting not in said.split("never pruned")[0]
    assert "freed" in said

    assert home.checkpoints(home.completed) == 0
    assert home.checkpoints(home.waiting) == waiting_before  # awaiting review: never pruned
    assert home.kept() == [home.completed]
    assert file_bytes(home.path / "checkpoints.db") < size_before  # VACUUM gave the space back

    # The report still prints, from the kept JSON, and says so; the same report in both formats.
    assert json.loads(_report(home.completed, capsys)) == before_report
    assert _report(home.completed, capsys, "md") == before_md
    assert cli(["report", home.completed]) == 0
    assert "was pruned" in capsys.readouterr().err

    assert cli(["runs", "--json"]) == 0
    listed = {r["id"]: r["pruned"] for r in json.loads(capsys.readouterr().out)}
    assert listed == {home.completed: True, home.waiting: False}
    assert cli(["runs"]) == 0
    assert "(pruned)" in capsys.readouterr().out
    # The run still waiting can still be reviewed; the pruned one says why it cannot, and where its report is.
    assert cli(["review", home.waiting, "--list"]) == 0
    capsys.readouterr()
    assert cli(["apply", home.completed]) == 2
    assert f"run {home.completed} was pruned" in capsys.readouterr().err


def test_recent_runs_and_other_statuses_are_left_alone(home: Home, capsys: pytest.CaptureFixture[str]) -> None:
    home.age(home.completed, 3)
    assert cli(["runs", "--prune", "--older-than", "1w"]) == 0
    assert "Nothing to prune" in capsys.readouterr().out
    assert home.checkpoints(home.completed) > 0 and home.kept() == []
    home.age(home.completed, 10)
    assert cli(["runs", "--prune", "--older-than", "1w", "--status", "failed"]) == 0  # a completed run is not a failed one
    assert home.checkpoints(home.completed) > 0 and home.kept() == []
    assert cli(["runs", "--prune", "--older-than", "1w"]) == 0  # default: completed
    assert home.checkpoints(home.completed) == 0 and home.kept() == [home.completed]


def test_dry_run_removes_nothing(home: Home, capsys: pytest.CaptureFixture[str]) -> None:
    counts = (home.checkpoints(home.completed), home.checkpoints(home.waiting))
    size = file_bytes(home.path / "checkpoints.db")
    assert cli(["runs", "--prune", "--older-than", "30d", "--dry-run"]) == 0
    said = capsys.readouterr().out
    assert "Would remove" in said and home.completed in said and "nothing removed" in said
    assert (home.checkpoints(home.completed), home.checkpoints(home.waiting)) == counts
    assert home.kept() == []
    assert file_bytes(home.path / "checkpoints.db") == size


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (["--older-than", "30"], "is not an age"),
        (["--older-than", "30x"], "is not an age"),
        (["--older-than", "d"], "is not an age"),
        (["--older-than", "-1d"], "is not an age"),
        (["--older-than", "1.5d"], "is not an age"),
        (["--older-than", ""], "is not an age"),
        ([], "needs --older-than"),
        (["--older-than", "30d", "--status", "awaiting_review"], "never pruned"),
        (["--older-than", "30d", "--status", "running"], "never pruned"),
        (["--older-than", "30d", "--status", "done"], "not a run status"),
    ],
)
def test_bad_prune_arguments_exit_2_and_remove_nothing(home: Home, capsys: pytest.CaptureFixture[str], args: list[str], why: str) -> None:
    counts = home.checkpoints(home.completed)
    assert cli(["runs", "--prune", *args]) == 2
    said = capsys.readouterr().err
    assert why in said and "Traceback" not in said
    assert home.checkpoints(home.completed) == counts and home.kept() == []


def test_prune_flags_need_prune(home: Home) -> None:
    assert cli(["runs", "--older-than", "30d"]) == 2
    assert cli(["runs", "--dry-run"]) == 2
    assert home.kept() == []


@pytest.mark.parametrize(("text", "hours"), [("12h", 12), ("30d", 720), ("2w", 336), (" 0d ", 0), ("3D", 72)])
def test_ages(text: str, hours: int) -> None:
    assert parse_age(text) == dt.timedelta(hours=hours)
