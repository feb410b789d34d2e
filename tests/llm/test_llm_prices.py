"""The price table and cost estimates."""

from __future__ import annotations

import pytest

from agent.config import ROLES, Settings, available_presets, read_preset
from agent.llm.base import Usage
from agent.llm.model_string import parse_model_string
from agent.llm.prices import PRICES_FILE, base_model_name, estimate_cost, load_prices, price_for

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
