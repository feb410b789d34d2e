"""A library run above the threshold asks in a terminal, and never blocks without one: --yes, or a clear refusal."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from agent.cli import run as cli
from agent.cli._cost import confirm_library
from agent.config import Settings
from agent.errors import InputError
from agent.estimate import LineEstimate, estimate_line, library_total
from agent.line.read import load_line
from agent.runs import list_runs
from agent.store import Store

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"


@pytest.fixture
def total() -> LineEstimate:
    import datetime as dt

    return library_total([estimate_line(load_line(LINE).line, Settings(), dt.date(2026, 11, 29))] * 20)  # 100 claims


def _never(question: str) -> bool:
    raise AssertionError(f"asked {question!r}")


def test_a_terminal_is_asked_and_a_no_runs_nothing(total: LineEstimate) -> None:
    asked: list[str] = []
    with pytest.raises(typer.Exit) as stopped:
        confirm_library(total, mode="live", max_cost=None, yes=False, threshold=1.0, is_terminal=lambda: True, ask=lambda q: asked.append(q) or False)
    assert stopped.value.exit_code == 8
    assert "100 claims" in asked[0] and "Go on?" in asked[0]
    confirm_library(total, mode="live", max_cost=None, yes=False, threshold=1.0, is_terminal=lambda: True, ask=lambda q: True)


def test_without_a_terminal_it_refuses_instead_of_waiting(total: LineEstimate) -> None:
    with pytest.raises(InputError, match="no terminal to ask") as refused:
        confirm_library(total, mode="live", max_cost=None, yes=False, threshold=1.0, is_terminal=lambda: False, ask=_never)
    assert "--yes" in (refused.value.hint or "")
    confirm_library(total, mode="live", max_cost=None, yes=True, threshold=1.0, is_terminal=lambda: False, ask=_never)


def test_nothing_is_asked_below_the_threshold_under_a_lower_max_cost_or_in_replay(total: LineEstimate) -> None:
    assert total.cost_high is not None and total.cost_high > 1.0
    for mode, max_cost, threshold in (("live", None, total.cost_high + 1), ("live", 0.5, 1.0), ("replay", None, 0.0)):
        confirm_library(total, mode=mode, max_cost=max_cost, yes=False, threshold=threshold, is_terminal=lambda: True, ask=_never)  # type: ignore[arg-type]


def test_a_live_library_run_without_a_terminal_refuses_before_any_call(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # Keys that reach nothing: the network is blocked, and the refusal comes before any request.
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-key")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-not-a-key")
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code = cli(["run", "--all", str(REPO / "examples"), "--confirm-above", "0.01"])
    err = capsys.readouterr().err
    assert code == 2 and "no terminal to ask" in err and "--yes" in err
    assert list_runs(Store.open()) == []
