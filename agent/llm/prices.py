"""Estimated cost of a call from the price table in `prices.toml`.

`Usage.input_tokens` counts every input token, cached ones included (OpenAI's
`prompt_tokens` convention; the Anthropic client adds its cache reads in), so
the uncached part is `input_tokens - cached_tokens`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from agent.llm.base import Usage
from agent.llm.providers import provider_names

PRICES_FILE = Path(__file__).with_name("prices.toml")

# Served names carry a release date: "gpt-5-mini-2025-08-07", "claude-sonnet-4-5-20250929".
_DATED = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{8})$")


@dataclass(frozen=True)
class Price:
    """US dollars per million tokens."""

    input: float
    output: float
    cached_input: float


@dataclass(frozen=True)
class PriceTable:
    as_of: str
    models: dict[str, Price]


@lru_cache(maxsize=1)
def load_prices(path: Path = PRICES_FILE) -> PriceTable:
    """Read the price table once per process."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    models = {name: Price(input=float(row["in"]), output=float(row["out"]), cached_input=float(row["cached_in"])) for name, row in data["models"].items()}
    return PriceTable(as_of=str(data["as_of"]), models=models)


def base_model_name(model: str) -> str:
    """Strip a `provider:` prefix and a trailing release date from a model name."""
    provider, sep, rest = model.strip().partition(":")
    # Only a known provider is a prefix: Ollama names such as "llama3.1:8b" contain ':' too.
    name = rest if sep and provider in provider_names() else model.strip()
    return _DATED.sub("", name)


def price_for(model: str) -> Price | None:
    """The price of a model (served name, base name or `provider:model`), or None if unknown."""
    table = load_prices().models
    return table.get(model) or table.get(base_model_name(model))


def estimate_cost(model: str, usage: Usage) -> float | None:
    """Estimated US dollars for `usage` on `model`; None when the price is unknown (never 0)."""
    price = price_for(model)
    if price is None:
        return None
    cached = min(usage.cached_tokens or 0, usage.input_tokens)
    uncached = usage.input_tokens - cached
    dollars = uncached * price.input + cached * price.cached_input + usage.output_tokens * price.output
    return dollars / 1_000_000
