"""`retest parse`: summary, --json, --md, -o, --format, exit codes."""

from __future__ import annotations

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
