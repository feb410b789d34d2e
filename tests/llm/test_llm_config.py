"""Settings precedence: CLI flag > environment > preset > defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.config import (
    ROLES,
    Settings,
    available_presets,
    load_settings,
    read_preset,
    resolve_roles,
)
from agent.errors import ConfigError, ExitCode
from agent.llm.model_string import parse_model_string

NO_FLAGS = {role: None for role in ROLES}


def test_defaults() -> None:
    models = load_settings().models()

    assert models == {
        "planner": "openai:gpt-5.4-mini",
        "screener": "openai:gpt-5.4-mini",
        "judge": "anthropic:claude-sonnet-4-6",
        "writer": "anthropic:claude-sonnet-4-6",
    }


def test_other_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RETEST_HOME")  # tests/conftest.py points it at a temporary directory
    settings = load_settings()

    assert (settings.max_concurrent_calls, settings.arxiv_spacing_s) == (4, 3.0)
    assert (settings.cache_ttl_hours, settings.contradiction_window_months) == (24.0, 6)


def test_preset_beats_default() -> None:
    roles = resolve_roles(NO_FLAGS, "fast")

    assert roles["judge"].model_string == "anthropic:claude-haiku-4-5"
    assert roles["judge"].source == "preset fast"
    assert load_settings(preset="fast").max_concurrent_calls == 8


def test_environment_beats_preset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETEST_JUDGE", "openai:gpt-5.4")
    monkeypatch.setenv("RETEST_MAX_CONCURRENT_CALLS", "3")
    roles = resolve_roles(NO_FLAGS, "fast")

    assert roles["judge"].model_string == "openai:gpt-5.4"
    assert roles["judge"].source == "env RETEST_JUDGE"
    assert roles["writer"].source == "preset fast"  # the environment set only the judge
    assert load_settings(preset="fast").max_concurrent_calls == 3


def test_flag_beats_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETEST_JUDGE", "openai:gpt-5.4")
    flags = {**NO_FLAGS, "judge": "anthropic:claude-opus-4-6"}
    roles = resolve_roles(flags, "fast")

    assert roles["judge"].model_string == "anthropic:claude-opus-4-6"
    assert roles["judge"].source == "flag --judge"
    assert load_settings(preset="fast", overrides={"max_concurrent_calls": 1}).max_concurrent_calls == 1


def test_unknown_preset_lists_the_available_ones() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(preset="fastest")

    assert "unknown preset 'fastest'" in raised.value.message
    assert raised.value.hint == "Available presets: fast, thorough."
    assert raised.value.exit_code == ExitCode.CONFIG


def test_bad_model_string_names_the_role_and_where_it_came_from(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETEST_SCREENER", "gpt-5.4-mini")
    with pytest.raises(ConfigError, match=r"screener \(env RETEST_SCREENER\): bad model string 'gpt-5.4-mini'"):
        load_settings().models()


def test_bad_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETEST_MAX_CONCURRENT_CALLS", "lots")
    with pytest.raises(ConfigError, match=r"max_concurrent_calls \(env RETEST_MAX_CONCURRENT_CALLS\)"):
        load_settings()


def test_bad_flag_value_names_the_flag() -> None:
    with pytest.raises(ConfigError, match=r"max_concurrent_calls \(flag --max-concurrent-calls\)"):
        load_settings(overrides={"max_concurrent_calls": 0})


def test_preset_with_an_unknown_setting_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "typo.toml").write_text('jduge = "openai:gpt-5.4"\n', encoding="utf-8")
    monkeypatch.setattr("agent.config.PRESETS_DIR", tmp_path)

    with pytest.raises(ConfigError, match="sets unknown settings: jduge"):
        read_preset("typo")


@pytest.mark.parametrize("name", available_presets())
def test_every_preset_loads_and_its_models_parse(name: str) -> None:
    values = read_preset(name)
    settings = load_settings(preset=name)

    assert values, f"preset {name} sets nothing"
    for key, value in values.items():
        assert getattr(settings, key) == type(getattr(settings, key))(value)
    for role in ROLES:
        parse_model_string(settings.model_for(role))


def test_presets_exist() -> None:
    assert available_presets() == ["fast", "thorough"]


def test_settings_hold_no_key_fields() -> None:
    # Settings are saved with runs; keys must never be among them.
    assert not [name for name in Settings.model_fields if "key" in name or "secret" in name]
