"""`retest eval --json PATH` where PATH cannot hold the report: one message, exit 2, no traceback, no temp file."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.cli import run as cli

REPO = Path(__file__).resolve().parents[2]
STARTER = REPO / "evals" / "suites" / "starter_v1.yaml"
FAST_CASE = "no-newer-work"  # the smallest starter case: seconds to replay


def test_json_path_that_is_a_folder_is_refused_before_the_suite_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["eval", str(STARTER), "--case", FAST_CASE, "--json", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert f"--json {tmp_path} is a directory" in captured.err and "Traceback" not in captured.err
    assert f"case {FAST_CASE}" not in captured.err, "refused before any case ran"
    assert list(tmp_path.iterdir()) == []


def test_json_path_under_a_file_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "report.txt"
    blocker.write_text("a file, not a folder", encoding="utf-8")
    assert cli(["eval", str(STARTER), "--case", FAST_CASE, "--json", str(blocker / "r.json")]) == 2
    err = capsys.readouterr().err
    assert f"--json {blocker / 'r.json'}: cannot write the report there" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.txt"]
