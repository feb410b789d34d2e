"""The README's commands stay true: the first two are the set-up targets, the rest exist as written."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from agent.cli import run as cli

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```sh\n(.*?)```", README, re.S)


def _commands() -> list[list[str]]:
    out = []
    for block in BLOCKS:
        for raw in block.splitlines():
            line = raw.split("#")[0].strip()
            if "retest " in line and not line.startswith("export"):
                out.append(shlex.split(line[line.index("retest ") :])[1:])
    return out


def test_first_two_commands_are_demo_and_tests():
    first = [c.split("#")[0].strip() for c in BLOCKS[0].splitlines() if c.strip()][:2]
    assert first == ["make demo", "make test"]
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^demo: .*\n(\t.*\n)*\t\$\(BIN\)/retest run examples/bargaining-power.txt --replay cassettes/demo/bargaining-power.yaml", makefile, re.M)
    assert "make test" in (REPO / ".ci" / "run").read_text()


@pytest.mark.parametrize("argv", _commands(), ids=lambda a: " ".join(a[:2]))
def test_every_readme_command_exists_with_its_options(argv, capsys):
    words = [w for w in argv if not w.startswith("-")]
    command = words[:2] if words[0] in ("arxiv",) else words[:1]
    assert cli([*command, "--help"]) == 0
    help_text = capsys.readouterr().out
    for option in (w.split("=")[0] for w in argv if w.startswith("--")):
        assert option in help_text, f"README uses {option} but `retest {' '.join(command)} --help` does not offer it"


def test_the_library_api_names_resolve():
    import agent

    for name in agent.__all__:
        assert getattr(agent, name) is not None, name
    with pytest.raises(AttributeError):
        agent.not_a_name  # noqa: B018
