"""`retest run --all`: every line runs, one failing line never stops the others, the summary names each."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agent.cli import run as cli
from agent.runner import load_state
from agent.runs import RunStatus, list_runs
from agent.store import Store

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"
CASSETTE = REPO / "cassettes" / "demo" / "bargaining-power.yaml"


@pytest.fixture
def library(tmp_path: Path) -> tuple[Path, Path]:
    """Three lines, each with a copy of the demo cassette: one whose claim was edited
    (its replay misses mid-run), one that is not a line at all, and the demo line."""
    lines, cassettes = tmp_path / "lines", tmp_path / "cassettes"
    lines.mkdir()
    cassettes.mkdir()
    text = LINE.read_text(encoding="utf-8")
    edited = text.replace("In partner-selection experiments", "In partner-choice experiments")
    assert edited != text
    (lines / "a-edited.txt").write_text(edited, encoding="utf-8")
    (lines / "b-broken.txt").write_text("this is not an inquiring line\n", encoding="utf-8")
    shutil.copy(LINE, lines / "c-demo.txt")
    (lines / "notes.yaml").write_text("not a line file: ignored\n", encoding="utf-8")
    for name in ("a-edited", "b-broken", "c-demo"):
        shutil.copy(CASSETTE, cassettes / f"{name}.yaml")
    return lines, cassettes


def test_one_failing_line_does_not_stop_the_others(library: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    lines, cassettes = library
    code = cli(["run", "--all", str(lines), "--replay", str(cassettes)])
    out = capsys.readouterr().out
    assert code == 1, "a library with a failed line exits non-zero"
    runs = {Path(r.line_path).stem: r for r in list_runs(Store.open())}
    assert set(runs) == {"a-edited", "c-demo"}, "the broken file never became a run"
    assert runs["a-edited"].status is RunStatus.FAILED and "cassette miss" in (runs["a-edited"].error or "")
    assert runs["c-demo"].status is RunStatus.AWAITING_REVIEW, "the line after two failures still ran to review"
    _, state, waiting = load_state(runs["c-demo"].id, Store.open())
    assert waiting == ("review",) and len(state["proposals"]) == 15
    rows = {row.split()[0]: row for row in out.splitlines() if row.strip().startswith(("a-edited", "b-broken", "c-demo"))}
    assert "FAILED" in rows["a-edited"] and runs["a-edited"].id in out, "a failed run's ID is shown, to resume it"
    assert "FAILED" in rows["b-broken"] and "to review" in rows["c-demo"]
    assert "notes" not in rows, "only *.txt and *.md are lines"
    assert "b-broken.txt:" in out and "cassette miss" in out, "each failure is named with its reason"
    assert f"retest review {runs['c-demo'].id}" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["run"], "either a LINE file or --all DIR"),
        (["run", str(LINE), "--all", str(REPO / "examples")], "either a LINE file or --all DIR"),
        (["run", "--all", str(REPO / "examples"), "--replay", str(CASSETTE)], "takes a folder of cassettes"),
        (["run", "--all", str(REPO / "examples"), "--report"], "--report prints one run"),
        (["run", "--all", str(REPO / "no-such-folder")], "is not a folder"),
    ],
)
def test_bad_library_invocations_are_input_errors(args: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(args) == 2
    assert needle in capsys.readouterr().err
    assert list_runs(Store.open()) == []


def test_a_folder_without_lines_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "readme.rst").write_text("nothing here", encoding="utf-8")
    assert cli(["run", "--all", str(tmp_path)]) == 2
    assert "holds no line files" in capsys.readouterr().err


def test_help_shows_the_library_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["run", "--help"]) == 0
    assert "retest run --all examples/" in capsys.readouterr().out


def test_a_missing_key_is_reported_once_before_any_line_starts(library: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    lines, _ = library
    assert cli(["run", "--all", str(lines)]) == 3, "live, with no OPENAI_API_KEY in the environment"
    err = capsys.readouterr().err
    assert err.count("OPENAI_API_KEY is not set") == 1
    assert list_runs(Store.open()) == []
