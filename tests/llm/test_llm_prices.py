"""The price table and cost estimates."""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.metadata
import inspect
import re
import typing
from pathlib import Path

import pytest

from agent.config import ROLES, Settings, available_presets, read_preset
from agent.llm import prices
from agent.llm.base import Usage
from agent.llm.model_string import parse_model_string
from agent.llm.prices import PRICES_FILE, UNKNOWN_STATUS, base_model_name, estimate_cost, load_prices, price_for, status_for, status_warning

USAGE = Usage(input_tokens=10_000, output_tokens=2_000, cached_tokens=4_000)


def test_known_model_cost_splits_cached_and_uncached_input() -> None:
    # gpt-5-mini: 0.25 in, 2.00 out, 0.025 cached in, per million tokens.
    expected = (6_000 * 0.25 + 4_000 * 0.025 + 2_000 * 2.00) / 1e6
    assert estimate_cost("gpt-5-mini", USAGE) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("served", "base"),
    [
        ("gpt-5-mini-2025-08-07", "gpt-5-mini"),
        ("gpt-5.4-mini-2026-03-17", "gpt-5.4-mini"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("claude-haiku-4-5-20251001", "claude-haiku-4-5"),
        ("anthropic:claude-sonnet-4-6", "claude-sonnet-4-6"),
    ],
)
def test_dated_and_prefixed_names_price_as_their_base(served: str, base: str) -> None:
    assert base_model_name(served) == base
    assert estimate_cost(served, USAGE) == estimate_cost(base, USAGE)
    assert estimate_cost(served, USAGE) is not None


@pytest.mark.parametrize("model", ["llama3.1", "llama3.1:8b", "gpt-7-ultra", "gpt-5-mini-high", "claude-sonnet-4"])
def test_unknown_model_is_none_never_zero(model: str) -> None:
    assert price_for(model) is None
    assert estimate_cost(model, USAGE) is None


def test_no_tokens_cost_nothing_on_a_known_model() -> None:
    assert estimate_cost("claude-sonnet-4-6", Usage()) == 0.0


def test_cached_tokens_beyond_input_are_not_priced_twice() -> None:
    odd = Usage(input_tokens=100, output_tokens=0, cached_tokens=500)
    assert estimate_cost("gpt-5-mini", odd) == pytest.approx(100 * 0.025 / 1e6)


def test_table_says_when_and_that_prices_must_be_checked() -> None:
    table = load_prices()
    assert table.as_of == "2026-11"
    assert "CHECK THEM" in PRICES_FILE.read_text(encoding="utf-8")
    for price in table.models.values():
        assert 0 < price.cached_input <= price.input < price.output


def test_every_default_and_preset_model_has_a_price() -> None:
    configured = [Settings().model_for(role) for role in ROLES]
    for preset in available_presets():
        configured += [value for key, value in read_preset(preset).items() if key in ROLES]
    unpriced = {m for m in configured if price_for(parse_model_string(m).model) is None}
    assert not unpriced


# --- model status: current, legacy or a shutdown date, each with where it comes from ---

_SDK_SOURCE = re.compile(r"^(?P<sdk>openai|anthropic) (?P<version>\d+\.\d+\.\d+) SDK source, (?P<file>[\w/]+\.py)")


def _written_dates(day: dt.date) -> set[str]:
    """The ways the SDK sources write a date: ISO (openai) and 'November 30th, 2026' (anthropic)."""
    suffix = "th" if 11 <= day.day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day.day % 10, "th")
    return {day.isoformat(), f"{day:%B} {day.day}{suffix}, {day.year}"}


def test_every_model_has_a_status_with_its_source_and_check_date() -> None:
    table = load_prices()
    assert set(table.statuses) == set(table.models)
    for name, status in table.statuses.items():
        assert status.state in ("current", "legacy", "shutdown", "unknown"), name
        assert status.checked is not None, f"{name}: when was its status checked?"
        if status.state != "unknown":
            assert _SDK_SOURCE.match(status.source), f"{name}: the source must name the SDK, its version and the file: {status.source!r}"
        assert (status.shutdown is not None) is (status.state == "shutdown"), name


def test_no_shutdown_date_is_written_without_a_source_that_says_it() -> None:
    for name, status in load_prices().statuses.items():
        if status.shutdown is not None:
            assert _written_dates(status.shutdown) & {part for part in _quoted(status.source)}, (
                f"{name}: {status.shutdown} is not quoted from {status.source!r}"
            )


def _quoted(source: str) -> set[str]:
    return {m.group(1) for m in re.finditer(r'"([^"]+)"', source)} | {m.group(1) for m in re.finditer(r"(\d{4}-\d{2}-\d{2}|\w+ \d+\w\w, \d{4})", source)}


def _openai_deprecations(text: str) -> dict[str, str]:
    """Model -> shutdown date, from the 'Deprecated values' list of openai's chat_model.py."""
    block = text.split('"""Deprecated values:', 1)[1]
    found: dict[str, str] = {}
    for item in block.split("\n- ")[1:]:
        names, _, rest = item.partition(":")
        date = re.search(r"shutdown\s+date:\s+(\d{4}-\d{2}-\d{2})", " ".join(rest.split()))
        for model in re.findall(r'"([^"]+)"', names):
            found[model] = date.group(1) if date else ""
    return found


@pytest.mark.parametrize("sdk", ["openai", "anthropic"])
def test_statuses_from_the_installed_sdk_still_match_its_source(sdk: str) -> None:
    """Facts quoted from the installed SDK are re-read from it; facts from other versions cannot be checked offline."""
    installed = importlib.metadata.version(sdk)
    cited = {name: status for name, status in load_prices().statuses.items() if (m := _SDK_SOURCE.match(status.source)) and m["sdk"] == sdk}
    current = {name: status for name, status in cited.items() if f"{sdk} {installed} SDK source" in status.source}
    if not current:
        pytest.skip(f"prices.toml's {sdk} statuses were read from another {sdk} version than the installed {installed}: re-read them")
    for name, status in current.items():
        assert _sdk_shutdown(sdk, name) == (status.shutdown.isoformat() if status.shutdown else None), f"{sdk} {installed} says otherwise about {name}"


def _sdk_shutdown(sdk: str, name: str) -> str | None:
    """What the installed SDK's source says: the model's shutdown date (ISO), None if listed without one; fails if not listed."""
    if sdk == "openai":
        module = importlib.import_module("openai.types.shared.chat_model")
        assert name in typing.get_args(module.ChatModel), f"openai no longer lists {name}"
        return _openai_deprecations(Path(inspect.getsourcefile(module) or "").read_text(encoding="utf-8")).get(name)
    listed = {value for arg in typing.get_args(importlib.import_module("anthropic.types.model").Model) for value in typing.get_args(arg)}
    assert name in listed, f"anthropic no longer lists {name}"
    eol = importlib.import_module("anthropic._data.deprecated_models").DEPRECATED_MODELS.get(name)
    return None if eol is None else dt.datetime.strptime(re.sub(r"(\d)(st|nd|rd|th)", r"\1", eol), "%B %d, %Y").date().isoformat()


def test_status_of_served_and_prefixed_names_is_their_base_models() -> None:
    assert status_for("gpt-5-mini-2025-08-07") == status_for("openai:gpt-5-mini") == status_for("gpt-5-mini")
    assert status_for("llama3.1:8b") is UNKNOWN_STATUS


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (dt.date(2026, 11, 10), None),  # 31 days before
        (dt.date(2026, 11, 11), "gpt-5 shuts down on 2026-12-11, in 30 days"),
        (dt.date(2026, 12, 10), "gpt-5 shuts down on 2026-12-11, in 1 day ("),
        (dt.date(2026, 12, 11), "gpt-5 shuts down on 2026-12-11, today"),
        (dt.date(2026, 12, 12), "gpt-5 was shut down on 2026-12-11"),
    ],
)
def test_a_shutdown_is_warned_about_from_30_days_before(today: dt.date, expected: str | None) -> None:
    warning = status_warning("gpt-5", today)
    if expected is None:
        assert warning is None
    else:
        assert warning is not None and warning.startswith(expected)
        assert status_for("gpt-5").source in warning, "the warning says where the date comes from"


def test_current_and_unknown_models_are_not_warned_about() -> None:
    assert status_warning("claude-sonnet-4-6", dt.date(2030, 1, 1)) is None
    assert status_warning("llama3.1", dt.date(2030, 1, 1)) is None


def test_a_legacy_model_is_warned_about_at_any_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    table = tmp_path / "prices.toml"
    table.write_text(
        'as_of = "2026-11"\n[models."old-model"]\nin = 1.0\nout = 2.0\ncached_in = 0.5\n'
        'status = "legacy"\nstatus_source = "a test table"\nstatus_checked = 2026-12-01\n',
        encoding="utf-8",
    )
    legacy_table = load_prices(table)
    monkeypatch.setattr(prices, "load_prices", lambda: legacy_table)
    assert status_for("old-model").state == "legacy"
    warning = status_warning("old-model", dt.date(2000, 1, 1))
    assert warning == "old-model is a legacy model (a test table; checked 2026-12-01); choose a current one"


def test_a_status_that_is_not_one_of_the_forms_is_refused(tmp_path: Path) -> None:
    table = tmp_path / "prices.toml"
    table.write_text('as_of = "x"\n[models."m"]\nin = 1.0\nout = 2.0\ncached_in = 0.5\nstatus = "2026-12-11"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="model 'm': status '2026-12-11' is not current, legacy, unknown or a date"):
        load_prices(table)
