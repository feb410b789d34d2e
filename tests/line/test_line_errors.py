"""Malformed lines through the CLI: exit code 2, one message naming the file and line, no traceback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent.cli import run
from agent.line import load_line, render_markdown

from .conftest import EXAMPLE, lineno_of

_EXAMPLE_TEXT = EXAMPLE.read_text(encoding="utf-8")
_MD_TEXT = render_markdown(load_line(EXAMPLE).line)
_CLAIM_1 = "- Wages in AGI scenarios converge to computational replication cost, not to scarcity or human preference (~2025)."


@dataclass(frozen=True)
class Case:
    """Bytes to write (or a way to make the path), the expected message part and line number."""

    name: str
    content: bytes | None
    problem: str
    lineno: int | None
    args: tuple[str, ...] = ()
    suffix: str = ".txt"


def _text(old: str, new: str) -> bytes:
    assert old in _EXAMPLE_TEXT, old
    return _EXAMPLE_TEXT.replace(old, new, 1).encode("utf-8")


def _md(old: str, new: str) -> bytes:
    assert old in _MD_TEXT, old
    return _MD_TEXT.replace(old, new, 1).encode("utf-8")


def _at(start: str, text: str = _EXAMPLE_TEXT) -> int:
    return lineno_of(text, start)


CASES = [
    Case("missing file", None, "no such file", None),
    Case("empty file", b"", "the file is empty", None),
    Case("blank file", b"  \n\n\t\n", "the file is empty", None),
    Case("only a BOM", b"\xef\xbb\xbf", "the file is empty", None),
    Case("binary", b"INQUIRING LINE\n\x89PNG\x00\x00\x01", "binary file", 2),
    Case("latin-1", _text("labor —", "labor \x00").replace(b"\x00", b"\xe9"), "not valid UTF-8", _at("This explores a near-future where AI has absorbed")),
    Case("UTF-16", "INQUIRING LINE\n".encode("utf-16"), "UTF-16", 1),
    Case("no heading", _text("INQUIRING LINE\n", "INQUIRY\n"), "expected the heading 'INQUIRING LINE'", 1),
    Case("no framing", _text(_EXAMPLE_TEXT[_EXAMPLE_TEXT.index("This explores") : _EXAMPLE_TEXT.index("Sources 6")], ""), "no framing paragraph", 3),
    Case("no Sources section", _text("Sources 6 notes", "Notes"), "missing section 'Sources N notes'", None),
    Case("no prompt section", _text("Research prompt for your LLMexpand ↓", "Prompt"), "missing section 'Research prompt for your LLM'", None),
    Case("no task section", _text("Your task:", "Tasks follow."), "missing section 'Your task:'", None),
    Case(
        "unpaired note",
        _text("Research prompt for your LLM", "An orphan title\n\nResearch prompt for your LLM"),
        "do not pair up",
        _at("Research prompt for your LLM"),
    ),
    Case("no role line", _text("You are a labor", "We are a labor"), "no role line", _at("Research prompt for your LLM")),
    Case("role without question", _text("capability analyst. The question", "capability analyst, the question"), "no open question", _at("You are a")),
    Case("claim without date", _text(_CLAIM_1, _CLAIM_1.replace(" (~2025)", "")), "claim C1 has no date", _at("- Wages")),
    Case("claim with a word for a date", _text("preference (~2025).", "preference (soon)."), "claim C1: 'soon' is not a date", _at("- Wages")),
    Case(
        "claim with month 13",
        _text("human judgment (~2025).", "human judgment (2025-13)."),
        "claim C3: '2025-13' is not a real date",
        _at("- Bargaining power erodes"),
    ),
    Case(
        "text among claims",
        _text("- Bargaining power erodes", "Meanwhile:\n- Bargaining power erodes"),
        "unexpected text among the claims",
        _at("- Bargaining power erodes"),
    ),
    Case("no claims", _text(_EXAMPLE_TEXT[_EXAMPLE_TEXT.index("- Wages") : _EXAMPLE_TEXT.index("Anchor papers")], "\n"), "no dated claims", _at("You are a")),
    # A malformed anchor ID is a warning in both formats, not an error: see test_impossible_ids.py.
    Case("anchor without date", _text("arXiv:2501.16946 (2025-01):", "arXiv:2501.16946:"), "anchor A2 is not '- arXiv:ID (date): Title'", _at("- arXiv:2501")),
    Case(
        "anchor with bad date", _text("arXiv:2306.14694 (2023-06)", "arXiv:2306.14694 (June 2023)"), "anchor A3: 'June 2023' is not a date", _at("- arXiv:2306")
    ),
    Case("no numbered tasks", _text("(1) RE-TEST", "RE-TEST"), "expected numbered tasks", _at("(1) RE-TEST")),
    Case("markdown asked of a text file", _EXAMPLE_TEXT.encode(), "no front matter", 1, ("--format", "md")),
    Case("text asked of a markdown file", _MD_TEXT.encode(), "expected the heading 'INQUIRING LINE'", 1, ("--format", "text"), ".md"),
    Case("unclosed front matter", _md("\n---\n\n# What", "\n\n# What"), "not closed", 1, (), ".md"),
    # YAML reports where it got stuck: the line after the unclosed '['.
    Case("front matter not YAML", _md("- id: C2\n", "- id: [C2\n"), "not valid YAML", _at("- id: C2", _MD_TEXT) + 1, (), ".md"),
    Case("unquoted arXiv ID", _md("arxiv_id: '2507.13524'", "arxiv_id: 2507.13524"), "anchors.0.arxiv_id", _at("- id: A1", _MD_TEXT), (), ".md"),
    Case("claim date missing", _md("- id: C2\n  date: ~2026\n", "- id: C2\n"), "claims.1.date", _at("- id: C2", _MD_TEXT), (), ".md"),
    Case("claim date not a date", _md("- id: C2\n  date: ~2026\n", "- id: C2\n  date: lately\n"), "claim C2: 'lately' is not a date", None, (), ".md"),
    Case("future format", _md("format: retest-line/1", "format: retest-line/9"), "front matter, format", 2, (), ".md"),
    Case("heading out of order", _md("#### C2 · ~2026", "#### C9 · ~2026"), "does not match claim 'C2'", _at("#### C2", _MD_TEXT), (), ".md"),
    Case(
        "missing claim heading",
        _md("#### C5 · ~2026", "C5 heading lost"),
        "the body has 4 claim heading(s)",
        _MD_TEXT.split("\n").index("### Claims") + 1,
        (),
        ".md",
    ),
    Case("unknown section", _md("## Framing", "## Framings"), "unknown section 'Framings'", _at("## Framing", _MD_TEXT), (), ".md"),
    Case("repeated section", _md("### Role", "### Closing"), "appears twice", _at("### Closing", _MD_TEXT), (), ".md"),
    Case(
        "missing role section",
        _md("### Role\n\nYou are a labor economics and AI capability analyst.\n\n", ""),
        "missing section 'Role'",
        _at("## Research prompt", _MD_TEXT),
        (),
        ".md",
    ),
    Case("not a heading", _md("## Synthesis\n", "##Synthesis\n"), "neither a heading nor text", _at("## Synthesis", _MD_TEXT), (), ".md"),
    # Quoted input must print literally, never as Rich markup.
    Case(
        "markup-like text",
        _text(_CLAIM_1, "- Wages [red]converge[/red] [/x] quickly."),
        "has no date: '- Wages [red]converge[/red] [/x] quickly.'",
        _at("- Wages"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_malformed_line(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / f"line{case.suffix}"
    if case.content is not None:
        path.write_bytes(case.content)
    code = run(["parse", str(path), *case.args])
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert captured.out == ""
    assert "Traceback" not in captured.err
    assert captured.err.count("error:") == 1, captured.err
    first = captured.err.splitlines()[0]
    where = f"{path}:{case.lineno}:" if case.lineno else f"{path}:"
    assert first.startswith(f"error: {where}"), first
    if case.lineno is None:
        assert not first.removeprefix(f"error: {path}:").split(":")[0].strip().isdigit(), first
    assert case.problem in captured.err


def test_a_directory_is_not_a_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["parse", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert "is a directory" in captured.err and "Traceback" not in captured.err


def test_errors_also_reach_library_callers(variant: Callable[..., Path]) -> None:
    from agent.errors import LineFormatError

    with pytest.raises(LineFormatError) as info:
        load_line(variant(_CLAIM_1, _CLAIM_1.replace(" (~2025)", "")))
    assert info.value.lineno == _at("- Wages")
    assert info.value.hint and "(~2025)" in info.value.hint
