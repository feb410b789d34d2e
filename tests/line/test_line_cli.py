"""`retest parse`: summary, --json, --md, -o, --format, exit codes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from agent.cli import run
from agent.line import load_line, parse_markdown, render_markdown
from agent.line.models import Line

from .conftest import EXAMPLE


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "parse", str(EXAMPLE))
    assert code == 0, err
    assert err == ""
    flat = " ".join(out.split())  # Rich wraps long cells
    assert "What happens to human bargaining power when interpersonal skills become the only remaining labor?" in flat
    assert "Notes (6;" in out and "Claims (5)" in out and "Anchor papers (4)" in out and "Tasks (3)" in out
    assert "Does incremental AI replacement erode human influence over society?" in flat
    assert "~2023 (year, approximate, from 2023-01-01)" in flat
    assert "arXiv:2602.11865" in out and "2026-02 (month, from 2026-02-01)" in flat
    assert "You are a labor economics and AI capability analyst." in flat
    assert "Warnings" not in out


def test_summary_shows_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "seven.txt"
    path.write_text(EXAMPLE.read_text(encoding="utf-8").replace("Sources 6 notes", "Sources 7 notes"), encoding="utf-8")
    code, out, err = _run(capsys, "parse", str(path))
    assert code == 0
    assert "Warnings (1)" in out
    assert "warning:" in err and "announces 7 notes but 6 were found" in " ".join(err.split())


def test_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "parse", str(EXAMPLE), "--json")
    assert code == 0, err
    assert Line.model_validate_json(out) == load_line(EXAMPLE).line
    assert json.loads(out)["prompt"]["anchors"][0]["arxiv_id"] == "2507.13524"
    assert out.startswith('{\n  "slug": "bargaining-power"')


def test_md(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "parse", str(EXAMPLE), "--md")
    assert code == 0, err
    line = load_line(EXAMPLE).line
    assert out == render_markdown(line)
    assert parse_markdown(out, source="stdout")[0] == line


def test_output_markdown_then_read_it_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    md = tmp_path / "bargaining-power.md"
    code, out, err = _run(capsys, "parse", str(EXAMPLE), "-o", str(md))
    assert code == 0, err
    assert out == ""
    assert f"wrote {md} (md)" in err
    assert md.read_text(encoding="utf-8") == render_markdown(load_line(EXAMPLE).line)
    code, out, _ = _run(capsys, "parse", str(md), "--json")
    assert code == 0
    assert Line.model_validate_json(out) == load_line(EXAMPLE).line
    assert [p.name for p in tmp_path.iterdir()] == ["bargaining-power.md"]  # no temporary file left


@pytest.mark.parametrize(("name", "flags", "kind"), [("line.json", (), "json"), ("line.txt", ("--json",), "json"), ("line.json", ("--md",), "md")])
def test_output_kind(name: str, flags: tuple[str, ...], kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / name
    code, _, err = _run(capsys, "parse", str(EXAMPLE), *flags, "--output", str(target))
    assert code == 0, err
    written = target.read_text(encoding="utf-8")
    line = load_line(EXAMPLE).line
    assert (Line.model_validate_json(written) if kind == "json" else parse_markdown(written, source=name)[0]) == line


def test_output_overwrites_atomically_and_keeps_the_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "line.md"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    assert _run(capsys, "parse", str(EXAMPLE), "-o", str(target))[0] == 0
    assert target.read_text(encoding="utf-8").startswith("---\nformat: retest-line/1\n")
    assert target.stat().st_mode & 0o777 == 0o640


def test_output_into_a_missing_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "nowhere" / "line.md"
    code, out, err = _run(capsys, "parse", str(EXAMPLE), "-o", str(target))
    assert code == 2
    assert out == "" and "Traceback" not in err
    assert f"error: {target}: cannot write here" in err


def test_json_and_md_together_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "parse", str(EXAMPLE), "--json", "--md")
    assert code == 2
    assert out == ""
    assert "give --json or --md, not both" in err


def test_format_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    md = tmp_path / "line.md"
    md.write_text(render_markdown(load_line(EXAMPLE).line), encoding="utf-8")
    assert _run(capsys, "parse", str(md), "--format", "md", "--json")[0] == 0
    assert _run(capsys, "parse", str(EXAMPLE), "--format", "TEXT", "--json")[0] == 0
    code, _, err = _run(capsys, "parse", str(EXAMPLE), "--format", "yaml")
    assert code == 2 and "yaml" in err


def test_help_has_a_runnable_example(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "parse", "--help")
    assert code == 0
    assert "Example: retest parse examples/bargaining-power.txt" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--version")
    assert code == 0
    assert out.startswith("retest ")


@pytest.mark.parametrize("flags", [(), ("--json",), ("--md",)])
def test_output_onto_the_plain_text_line_being_read_is_refused(flags: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = tmp_path / "line.txt"
    original = EXAMPLE.read_bytes()
    line.write_bytes(original)
    code, out, err = _run(capsys, "parse", str(line), *flags, "-o", str(line))
    assert code == 2 and out == ""
    other = tmp_path / ("line.json" if "--json" in flags else "line.md")
    assert f"{line} is the line being read" in err and f"-o {other}" in " ".join(err.split())
    assert line.read_bytes() == original, "the user's export must survive"
    assert [p.name for p in tmp_path.iterdir()] == ["line.txt"]


def test_output_onto_a_markdown_line_rewrites_it_canonically(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    md = tmp_path / "line.md"
    md.write_text(render_markdown(load_line(EXAMPLE).line), encoding="utf-8")
    assert _run(capsys, "parse", str(md), "-o", str(md))[0] == 0, "canonical Markdown over Markdown loses nothing"
    code, _, err = _run(capsys, "parse", str(md), "--json", "-o", str(md))
    assert code == 2 and "is the line being read" in err
    assert parse_markdown(md.read_text(encoding="utf-8"), source="md")[0] == load_line(EXAMPLE).line


def test_output_through_a_symlink_writes_the_file_it_points_to(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real = tmp_path / "library" / "line.md"
    real.parent.mkdir()
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "line.md"
    link.symlink_to(real)
    assert _run(capsys, "parse", str(EXAMPLE), "-o", str(link))[0] == 0
    assert link.is_symlink(), "the link is kept, not replaced by a copy"
    assert parse_markdown(real.read_text(encoding="utf-8"), source="real")[0] == load_line(EXAMPLE).line
    assert sorted(p.name for p in real.parent.iterdir()) == ["line.md"], "no temporary file left"


def test_parse_names_the_claims_a_run_on_that_date_would_skip(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "parse", str(EXAMPLE), "--run-date", "2025-06-01")
    assert code == 0, err
    flat_err = " ".join(err.split())
    # C2 and C5 are ~2026; the others are older than the run date.
    assert f"warning: {EXAMPLE}:54: not re-testable: claim C2 is dated ~2026" in flat_err
    assert f"warning: {EXAMPLE}:57: not re-testable: claim C5 is dated ~2026" in flat_err
    assert "claim C1 " not in flat_err and "claim C3 " not in flat_err
    assert "Warnings (2)" in out


def test_parse_checks_against_today_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    next_year = dt.date.today().year + 1
    path = tmp_path / "future.txt"
    path.write_text(EXAMPLE.read_text(encoding="utf-8").replace("human preference (~2025).", f"human preference (~{next_year}).", 1), encoding="utf-8")
    code, _, err = _run(capsys, "parse", str(path), "--json")
    flat_err = " ".join(err.split())
    assert code == 0
    assert f"not re-testable: claim C1 is dated ~{next_year}" in flat_err and f"after the run date {dt.date.today().isoformat()}" in flat_err
    assert flat_err.count("warning:") == 1, "the example's own claims are all older than today"


def test_a_bad_run_date_is_an_input_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "parse", str(EXAMPLE), "--run-date", "June 2025")
    assert code == 2
    assert "--run-date 'June 2025' is not a date" in err
