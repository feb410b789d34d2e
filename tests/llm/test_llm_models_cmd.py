"""`retest models`: roles, sources, prices and which keys are present."""

from __future__ import annotations

import datetime as dt

import pytest

from agent.cli import run
from agent.errors import ExitCode


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run(["models", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_defaults_with_prices_and_keys(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys)

    assert code == ExitCode.OK
    assert "openai:gpt-5.4-mini" in out and "default" in out
    assert "0.750" in out and "4.500" in out  # gpt-5.4-mini in/out per million
    assert "15.000" in out  # claude-sonnet-4-6 out
    assert "OPENAI_API_KEY: not set (needed by planner, screener)" in out
    assert "ANTHROPIC_API_KEY: not set (needed by judge, writer)" in out
    assert "RETEST_COMPAT_API_KEY: not set (not needed)" in out


def test_key_presence_is_shown_never_its_value(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-retest-0123456789abcdef")
    code, out, err = _run(capsys)

    assert code == ExitCode.OK
    assert "OPENAI_API_KEY: set" in out
    assert "0123456789abcdef" not in out + err


def test_flag_env_and_preset_sources(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("RETEST_PLANNER", "openai:gpt-5.4")
    code, out, _ = _run(capsys, "--preset", "fast", "--writer", "openai-compatible:http://localhost:11434/v1#llama3.1")

    assert code == ExitCode.OK
    assert "env RETEST_PLANNER" in out
    assert "preset fast" in out  # screener and judge
    assert "flag --writer" in out
    assert "unknown" in out  # the local model's price
    assert "RETEST_COMPAT_API_KEY: not set (used by writer; optional" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--preset", "turbo"), "unknown preset 'turbo'"),
        (("--judge", "claude-sonnet-4-6"), "judge (flag --judge): bad model string"),
    ],
)
def test_bad_configuration_exits_with_config_code(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str) -> None:
    code, _, err = _run(capsys, *argv)

    assert code == ExitCode.CONFIG
    assert message in " ".join(err.split())


def test_help_has_a_runnable_example(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--help")

    assert code == ExitCode.OK
    assert "Example: retest models --preset fast --judge anthropic:claude-sonnet-4-6" in " ".join(out.split())


@pytest.fixture
def on_day(monkeypatch: pytest.MonkeyPatch):
    """Pin the date `retest models` checks shutdowns against."""

    def pin(day: dt.date) -> None:
        monkeypatch.setattr("agent.cli.models_cmd._today", lambda: day)

    return pin


def test_the_defaults_draw_no_status_warning(capsys: pytest.CaptureFixture[str], on_day) -> None:
    on_day(dt.date(2026, 12, 1))
    code, out, err = _run(capsys)

    assert code == ExitCode.OK
    assert err == ""
    assert "current" in out  # the status column


def test_a_model_near_its_shutdown_is_warned_about_naming_roles_date_and_source(capsys: pytest.CaptureFixture[str], on_day) -> None:
    on_day(dt.date(2026, 12, 1))
    code, out, err = _run(capsys, "--planner", "openai:gpt-5-mini", "--screener", "openai:gpt-5-mini")
    flat = " ".join(err.split())

    assert code == ExitCode.OK
    assert "warning: planner, screener: gpt-5-mini shuts down on 2026-12-11, in 10 days (openai 3.57.0 SDK source" in flat
    assert "checked 2026-12-01" in flat
    assert flat.count("warning:") == 1, "one warning per model, not per role"


def test_a_model_past_its_shutdown_is_warned_about(capsys: pytest.CaptureFixture[str], on_day) -> None:
    on_day(dt.date(2026, 12, 1))
    code, _, err = _run(capsys, "--judge", "anthropic:claude-sonnet-4-5-20250929")

    assert code == ExitCode.OK
    assert "warning: judge: claude-sonnet-4-5-20250929 was shut down on 2026-11-30" in " ".join(err.split())


def test_a_shutdown_more_than_30_days_away_is_shown_but_not_warned_about(capsys: pytest.CaptureFixture[str], on_day) -> None:
    on_day(dt.date(2026, 12, 1))  # gpt-4o: 2027-01-14, 44 days on
    code, out, err = _run(capsys, "--planner", "openai:gpt-4o")

    assert code == ExitCode.OK
    assert err == ""
    assert "2027-01-14" in out
