"""A bad RETEST_* value is one message and exit 3 from every command that reads settings, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.cli import run as cli

REPO = Path(__file__).resolve().parents[1]
DEMO = ["examples/bargaining-power.txt", "--replay", "cassettes/demo/bargaining-power.yaml"]


@pytest.mark.parametrize(
    "argv",
    [
        ["run", *DEMO],
        ["run", "--all", "examples", "--replay", "cassettes/demo"],
        ["models"],
        ["arxiv", "search", "agents", "--replay", "cassettes/demo/bargaining-power.yaml"],
    ],
    ids=["run", "run --all", "models", "arxiv search"],
)
def test_a_bad_setting_is_one_message_and_exit_3(argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("RETEST_MAX_CONCURRENT_CALLS", "lots")
    assert cli(argv) == 3
    err = capsys.readouterr().err
    assert "bad setting: max_concurrent_calls (env RETEST_MAX_CONCURRENT_CALLS)" in " ".join(err.split())
    assert "Traceback" not in err
