"""A full or read-only state directory ends in one line and exit 3 (issue 17 point 7, review D10 and D11).

Injected failures run everywhere: SQLite's own `max_page_count` makes a
database full for real (the error is SQLite's "database or disk is full", as on
a full disk), and `agent.store.sqlite.writable` answering False is a directory that
cannot be written. The tmpfs variants do the same on a real full or read-only
file system, and skip where the test may not mount one.
"""

from __future__ import annotations

import errno
import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

import agent.runner
import agent.store.sqlite
from agent.cli import run as cli
from agent.errors import ExitCode, StorageError, storage_error
from agent.runs import RunStatus, list_runs
from agent.store import Store
from tests.safety.conftest import CASSETTE, LINE, remount, retest

READING = (["runs"], ["runs", "--json"], ["report", "{run}"], ["report", "{run}", "--format", "json"], ["review", "--list"], ["export", "{run}", "--json"])


def _one_line_error(stderr: str, problem: str) -> None:
    """What a user sees: `error: the state directory ... is PROBLEM`, a hint, and no traceback (a run's progress table may come first)."""
    assert "Traceback" not in stderr and "unexpected error" not in stderr, stderr[-2000:]
    lines = stderr.strip().splitlines()
    first = next((i for i, line in enumerate(lines) if line.startswith("error: ")), None)
    assert first is not None and problem in lines[first], stderr
    assert "Report this" not in stderr
    assert len(lines) - first <= 3, stderr


def _limit_pages(connect, pages: int):
    """`connect_state_db` whose databases hold at most `pages` pages: SQLite then fails exactly as on a full disk."""

    def limited(path: Path, **options):
        conn = connect(path, **options)
        conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn

    return limited


def _demo(home: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("RETEST_HOME", str(home))
    assert cli(["run", str(LINE), "--replay", str(CASSETTE)]) == 0
    (run,) = list_runs(Store.open(home / "retest.db"))
    return run.id


def _digests(home: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(home.iterdir()) if p.is_file()}


# ---- injected ------------------------------------------------------------------------------------------------------


def test_checkpoints_filling_up_mid_run_fail_the_run_in_one_line_and_resume_continues(tmp_path, monkeypatch, capsys) -> None:
    home = tmp_path / "state"
    monkeypatch.setenv("RETEST_HOME", str(home))
    monkeypatch.setattr(agent.runner, "connect_state_db", _limit_pages(agent.store.sqlite.connect_state_db, 12))
    assert cli(["run", str(LINE), "--replay", str(CASSETTE)]) == ExitCode.CONFIG
    _one_line_error(capsys.readouterr().err, "is full")
    (run,) = list_runs(Store.open(home / "retest.db"))
    assert run.status is RunStatus.FAILED and "full" in (run.error or ""), "the run says it failed, and why"

    monkeypatch.undo()  # room again
    monkeypatch.setenv("RETEST_HOME", str(home))
    assert cli(["resume", run.id]) == 0
    assert list_runs(Store.open(home / "retest.db"))[0].status is RunStatus.AWAITING_REVIEW


def test_a_full_disk_during_a_migration_says_full_not_report_this(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("RETEST_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(agent.store.sqlite, "connect_state_db", _limit_pages(agent.store.sqlite.connect_state_db, 2))
    assert cli(["runs"]) == ExitCode.CONFIG
    err = capsys.readouterr().err
    _one_line_error(err, "is full")
    assert str(tmp_path / "state") in err and "Free some space" in err


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_an_os_error_anywhere_in_a_command_is_one_line_exit_3(code, tmp_path, monkeypatch, capsys) -> None:
    home = tmp_path / "state"
    monkeypatch.setenv("RETEST_HOME", str(home))

    def failing_open(*args, **kwargs):
        raise OSError(code, "injected", str(home / "retest.db"))

    monkeypatch.setattr(agent.store.sqlite, "connect_state_db", failing_open)
    assert cli(["runs"]) == ExitCode.CONFIG
    err = capsys.readouterr().err
    _one_line_error(err, "is full" if code == errno.ENOSPC else "is read-only")
    assert str(home) in err


def test_the_mapping_names_a_file_outside_the_state_directory(tmp_path) -> None:
    failed = storage_error(OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "elsewhere" / "rec.yaml")), tmp_path / "state")
    assert isinstance(failed, StorageError) and failed.exit_code == ExitCode.CONFIG
    assert failed.message.startswith(f"the disk holding {tmp_path / 'elsewhere' / 'rec.yaml'} is full")
    assert storage_error(OSError(errno.ECONNREFUSED, "refused"), tmp_path) is None, "not every OSError is a disk"
    busy = sqlite3.OperationalError("database is locked")
    busy.sqlite_errorcode = 5  # type: ignore[attr-defined]
    assert storage_error(busy, tmp_path) is None, "a locked database is no full disk"


def test_reading_commands_work_on_a_directory_that_cannot_be_written(tmp_path, monkeypatch, capsys) -> None:
    home = tmp_path / "state"
    run_id = _demo(home, monkeypatch)
    Store.open(home / "retest.db").close()
    before = _digests(home)
    monkeypatch.setattr(agent.store.sqlite, "writable", lambda path: False)
    capsys.readouterr()
    for args in READING:
        assert cli([a.format(run=run_id) for a in args]) == 0, args
    out = capsys.readouterr().out
    assert run_id in out
    assert _digests(home) == before, "nothing was written: no migration, no WAL switch, no checkpoint setup"
    assert cli(["review", run_id, "--accept-grounded"]) == ExitCode.CONFIG
    _one_line_error(capsys.readouterr().err, "is read-only")


def test_writing_to_a_store_opened_read_only_is_refused_before_anything_is_sent(tmp_path, monkeypatch) -> None:
    Store.open(tmp_path / "retest.db").close()
    monkeypatch.setattr(agent.store.sqlite, "writable", lambda path: False)
    with Store.open(tmp_path / "retest.db") as store:
        assert store.read_only and "0001_arxiv_cache" in store.applied_migrations()
        with pytest.raises(StorageError, match="read-only"), store.transaction():
            pass


# ---- a real tmpfs, where the test may mount one ---------------------------------------------------------------------


def test_a_real_read_only_state_directory(tmpfs) -> None:
    point = tmpfs("64m")
    home = point / "state"
    done = retest("run", str(LINE), "--replay", str(CASSETTE), home=home)
    assert done.returncode == 0, done.stderr
    run_id = json.loads(retest("runs", "--json", home=home).stdout)[0]["id"]
    remount(point, "ro")
    # A child process per command costs seconds: one of each kind (the injected test above runs them all).
    for args in (["runs", "--json"], ["report", run_id], ["review", "--list"], ["export", run_id, "--json"]):
        done = retest(*args, home=home)
        assert done.returncode == 0, (args, done.stderr)
    done = retest("review", run_id, "--accept-grounded", home=home)
    assert done.returncode == ExitCode.CONFIG, done.stderr
    _one_line_error(done.stderr, "is read-only")


# 64k fills during the first migrations, 512k mid-run (in the checkpoints).
@pytest.mark.parametrize("size", ["64k", "512k"])
def test_a_real_full_state_directory(tmpfs, size) -> None:
    point = tmpfs(size)
    home = point / "state"
    done = retest("run", str(LINE), "--replay", str(CASSETTE), home=home)
    if done.returncode == 0:
        pytest.skip(f"the demo run fits in {size}")
    assert done.returncode == ExitCode.CONFIG, done.stderr[-3000:]
    _one_line_error(done.stderr, "is full")
    remount(point, "size=64m")
    listed = retest("runs", "--json", home=home)
    assert listed.returncode == 0, listed.stderr
    runs = json.loads(listed.stdout)
    if runs:  # the full disk came after the run was recorded: resumable once there is room
        (run,) = runs
        # Failed when that could still be written; on a disk with no byte left the record keeps "running" (see
        # the injected test, where the run's own database still has room, for the failed status).
        assert run["status"] in ("failed", "running")
        resumed = retest("resume", run["id"], home=home)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
