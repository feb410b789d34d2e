"""Every command's --help carries a runnable example: `retest <command> ...` using only options it offers."""

from __future__ import annotations

import re
import shlex

import pytest
import typer

from agent.cli import app
from agent.cli import run as cli


def _command_paths() -> list[list[str]]:
    """['run'], ['arxiv', 'get'], ...: every leaf command of the app."""
    paths: list[list[str]] = []

    def walk(command: object, prefix: list[str]) -> None:
        children = getattr(command, "commands", None)
        if not children:
            paths.append(prefix)
            return
        for name, child in children.items():
            walk(child, [*prefix, name])

    walk(typer.main.get_command(app), [])
    return paths


@pytest.mark.parametrize("path", _command_paths(), ids=" ".join)
def test_help_has_a_runnable_example(path: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # wide enough that no example wraps
    assert cli([*path, "--help"]) == 0
    help_text = capsys.readouterr().out
    assert "Example" in help_text, f"`retest {' '.join(path)} --help` has no example"
    examples = [line.strip().strip("│").strip() for line in help_text.split("Example", 1)[1].splitlines()]
    prefix = "retest " + " ".join(path)
    runnable = [line[line.index(prefix) :] for line in examples if prefix + " " in line + " "]
    assert runnable, f"no example starts with {prefix!r}"
    # The options, not the examples themselves.
    offered = "\n".join(line for line in help_text.splitlines() if not line.strip().startswith(("retest ", "Example")))
    for example in runnable:
        for option in (w.split("=")[0] for w in shlex.split(example) if w.startswith("-")):
            assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", offered), f"{example!r} uses {option}, which the command does not offer"


def test_every_command_is_checked() -> None:
    names = {" ".join(p) for p in _command_paths()}
    assert {
        "run",
        "resume",
        "runs",
        "report",
        "review",
        "apply",
        "export",
        "parse",
        "models",
        "eval",
        "arxiv get",
        "arxiv search",
        "index build",
        "index update",
        "index info",
    } <= names
