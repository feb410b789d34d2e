"""`retest run --all` refuses a bad cassette folder once, up front, and leaves nothing behind."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import agent.cli.run_all as run_all
from agent.cli import run as cli
from agent.runs import list_runs
from agent.store import Store

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"


@pytest.fixture
def lines(tmp_path: Path) -> Path:
    folder = tmp_path / "lines"
    folder.mkdir()
    shutil.copy(LINE, folder / "a.txt")
    shutil.copy(LINE, folder / "b.txt")
    return folder


def test_a_missing_replay_folder_is_one_input_error(lines: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no-cassettes"
    assert cli(["run", "--all", str(lines), "--replay", str(missing)]) == 2, "not one failed line per cassette (exit 1)"
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and f"--replay {missing}: no such folder of cassettes" in err
    assert list_runs(Store.open()) == []


def test_a_refused_recording_creates_no_folder(lines: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "new-cassettes"
    assert cli(["run", "--all", str(lines), "--record", str(target)]) == 3, "no keys in the test environment"
    assert "OPENAI_API_KEY is not set" in capsys.readouterr().err
    assert not target.exists(), "nothing half-made is left behind"


def test_a_record_folder_under_a_file_is_an_input_error(lines: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(run_all, "build_services", lambda *args, **kwargs: None)  # as if the keys were set
    blocked = lines / "a.txt" / "cassettes"
    assert cli(["run", "--all", str(lines), "--record", str(blocked)]) == 2
    err = capsys.readouterr().err
    assert f"--record {blocked}: cannot create this folder" in err and "Traceback" not in err


def test_ctrl_c_says_what_was_kept(lines: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(run_all, "build_services", lambda *args, **kwargs: None)
    monkeypatch.setattr(run_all, "run_library", interrupted)
    assert cli(["run", "--all", str(lines)]) == 130
    assert "interrupted: lines not yet started were skipped" in " ".join(capsys.readouterr().err.split())
