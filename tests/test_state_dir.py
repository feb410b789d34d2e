"""Where state lives: the user's state directory by the platform's convention, RETEST_HOME over it, and an old ./.retest found and explained."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from agent.cli import run as cli
from agent.store import Store, legacy_state_note, state_dir, user_state_dir, where_read


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No RETEST_HOME and no XDG_STATE_HOME; HOME and the current directory in tmp_path."""
    monkeypatch.delenv("RETEST_HOME", raising=False)
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "project").mkdir()
    monkeypatch.chdir(tmp_path / "project")
    return tmp_path / "home"


def test_linux_follows_xdg_state_home(home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    assert state_dir() == home / ".local" / "state" / "retest"
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert state_dir() == tmp_path / "xdg" / "retest"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/state")  # the spec says to ignore a relative one
    assert state_dir() == home / ".local" / "state" / "retest"


def test_other_platforms_follow_theirs(home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert user_state_dir() == home / "Library" / "Application Support" / "retest"
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert user_state_dir() == tmp_path / "local" / "retest"


def test_the_current_directory_does_not_matter_and_retest_home_wins(home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    here = state_dir()
    (tmp_path / "other").mkdir()
    monkeypatch.chdir(tmp_path / "other")
    assert state_dir() == here and tmp_path / "project" not in here.parents
    monkeypatch.setenv("RETEST_HOME", str(tmp_path / "mine"))
    assert state_dir() == tmp_path / "mine"


def _old_state(project: Path, *, runs: int) -> Path:
    old = project / ".retest"
    with Store.open(old / "retest.db") as store:
        for i in range(runs):
            store.conn.execute(
                "INSERT INTO runs (id, line_path, line_sha256, mode, run_date, models, prompts, version, started_at, status)"
                " VALUES (?, 'l.txt', 'x', 'replay', '2026-11-29', '{}', '{}', '0', '2026-11-29T00:00:00', 'completed')",
                (f"old-{i}",),
            )
        store.conn.commit()
    return old


def test_an_old_dot_retest_is_found_and_the_printed_move_works(home: Path) -> None:
    old = _old_state(Path.cwd(), runs=1)
    note = legacy_state_note()
    assert note is not None and str(old) in note and f"RETEST_HOME={old}" in note
    move = note.split("`")[1]
    subprocess.run(move, shell=True, check=True)
    assert not old.exists() and legacy_state_note() is None
    with sqlite3.connect(state_dir() / "retest.db") as conn:
        assert conn.execute("SELECT id FROM runs").fetchall() == [("old-0",)], "the runs moved with it"


def test_a_state_directory_the_user_named_gets_no_note_about_an_old_one(home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _old_state(Path.cwd(), runs=1)
    assert legacy_state_note() is not None
    monkeypatch.setenv("RETEST_HOME", str(tmp_path / "chosen"))
    assert legacy_state_note() is None


def test_a_fresh_state_directory_is_set_aside_not_merged(home: Path) -> None:
    old = _old_state(Path.cwd(), runs=2)
    Store.open().close()  # any command opens (creates) the new one first
    move = (legacy_state_note() or "").split("`")[1]
    subprocess.run(move, shell=True, check=True)
    with sqlite3.connect(state_dir() / "retest.db") as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone() == (2,)
    assert (state_dir().parent / "retest.unused" / "retest.db").is_file() and not old.exists()


def test_with_runs_in_both_the_note_only_says_how_to_keep_the_old(home: Path) -> None:
    _old_state(Path.cwd(), runs=1)
    new = state_dir()
    _old_state(new.parent, runs=1)
    (new.parent / ".retest").rename(new)
    note = legacy_state_note() or ""
    assert "RETEST_HOME=" in note and " mv " not in note


def test_runs_and_no_run_found_name_the_directory_read(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _old_state(Path.cwd(), runs=1)
    assert cli(["runs"]) == 0
    said = capsys.readouterr().out
    assert str(state_dir()) in said and ".retest" in said
    assert cli(["runs", "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == "[]" and str(state_dir()) in captured.err
    assert cli(["review", "nope"]) == 2
    assert where_read() in capsys.readouterr().err.replace("\n", " ")
    assert cli(["review"]) == 2
    assert str(state_dir()) in capsys.readouterr().err
