"""One settings path: presets apply whole, runs save their settings, resume uses them, the server builds its own."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

import agent.runner as runner
from agent.cli import run as cli
from agent.errors import ConfigError
from agent.graph.build import build_graph
from agent.line.read import load_line
from agent.runner import load_state
from agent.runs import RunStatus, list_runs
from agent.services import RunRequest
from agent.store import Store
from tests.graph.test_run_cli import _raise_after_start

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"
CASSETTE = REPO / "cassettes" / "demo" / "bargaining-power.yaml"
DEFAULT_MODELS = ["--planner", "openai:gpt-5.4-mini", "--screener", "openai:gpt-5.4-mini"]
DEFAULT_MODELS += ["--judge", "anthropic:claude-sonnet-4-6", "--writer", "anthropic:claude-sonnet-4-6"]


def test_a_preset_applies_all_its_settings_not_only_its_models(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[RunRequest] = []

    def capture(line: Path, request: RunRequest, store: Store, *, progress: Any = None) -> Any:
        seen.append(request)
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "start_run", capture)
    monkeypatch.setenv("RETEST_MAX_CONCURRENT_CALLS", "3")
    cli(["run", str(LINE), "--replay", str(CASSETTE), "--preset", "thorough", "--judge", "openai:gpt-5.4"])
    (request,) = seen
    # thorough.toml sets 12 months and 2 calls; the environment beats the preset, the flag beats both.
    assert request.settings.contradiction_window_months == 12
    assert request.settings.max_concurrent_calls == 3
    assert request.models == {"planner": "openai:gpt-5.4", "screener": "openai:gpt-5.4-mini", "judge": "openai:gpt-5.4", "writer": "anthropic:claude-opus-4-6"}


def test_a_run_saves_its_effective_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "start_run", _raise_after_start)
    assert cli(["run", str(LINE), "--replay", str(CASSETTE), "--preset", "thorough", *DEFAULT_MODELS]) == 130
    (run,) = list_runs(Store.open())
    assert run.settings is not None
    assert (run.settings["contradiction_window_months"], run.settings["max_concurrent_calls"]) == (12, 2)
    assert run.settings["judge"] == "anthropic:claude-sonnet-4-6" == run.models["judge"]
    assert not any("key" in name for name in run.settings), "keys are never settings"


def test_resume_uses_the_saved_settings_not_todays_environment(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(runner, "start_run", _raise_after_start)
    assert cli(["run", str(LINE), "--replay", str(CASSETTE)]) == 130
    (run,) = list_runs(Store.open())
    # Read at resume time, these would ask the cassette for another judge and another window, and miss.
    monkeypatch.setenv("RETEST_JUDGE", "openai:gpt-5.4")
    monkeypatch.setenv("RETEST_CONTRADICTION_WINDOW_MONTHS", "24")
    capsys.readouterr()
    assert cli(["resume", run.id]) == 0, capsys.readouterr().err
    record, state, _ = load_state(run.id, Store.open())
    assert record.status is RunStatus.AWAITING_REVIEW and len(state["proposals"]) == 15


def test_the_graph_has_no_default_services() -> None:
    graph = build_graph().compile()
    line = load_line(LINE).line
    with pytest.raises(ConfigError, match="without its run services"):
        graph.invoke({"run_id": "r", "line": line, "run_date": dt.date(2026, 11, 29)})


def test_the_server_builds_a_runs_services_from_its_context(monkeypatch: pytest.MonkeyPatch) -> None:
    from agent.server import ServedContext, graph

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-key")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-not-a-key")
    # What LangGraph does with the `context` dict a run is created with.
    ctx = ServedContext(**{"preset": "thorough", "judge": "openai:gpt-5.4"})
    assert ctx.contradiction_months == 12
    assert {role: client.model_string for role, client in ctx.models.items()}["judge"] == "openai:gpt-5.4"
    assert graph.context_schema is ServedContext
    with pytest.raises(ConfigError, match="contradiction_window_months"):
        ServedContext(contradiction_window_months=0)
