"""Estimated cost of a call, and whether a model is still served, from the table in `prices.toml`.

`Usage.input_tokens` counts every input token, cached ones included (OpenAI's
`prompt_tokens` convention; the Anthropic client adds its cache reads in), so
the uncached part is `input_tokens - cached_tokens`.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

from agent.llm.base import Usage
from agent.llm.providers import provider_names

PRICES_FILE = Path(__file__).with_name("prices.toml")

# Served names carry a release date: "gpt-5-mini-2025-08-07", "claude-sonnet-4-5-20250929".
_DATED = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{8})$")
# How long before a shutdown date `retest models` starts warning.
SHUTDOWN_WARNING_DAYS = 30


@dataclass(frozen=True)
class Price:
    """US dollars per million tokens."""

    input: float
    output: float
    cached_input: float
    cache_write: float | None = None
    """Input written to the prompt cache, where the provider charges more for it (Anthropic: 1.25x input); None: the input price."""


@dataclass(frozen=True)
class ModelStatus:
    """Whether a model is still served, as `source` said on `checked`; `shutdown` is set for state "shutdown"."""

    state: Literal["current", "legacy", "shutdown", "unknown"]
    shutdown: dt.date | None = None
    source: str = ""
    checked: dt.date | None = None


UNKNOWN_STATUS = ModelStatus(state="unknown")


@dataclass(frozen=True)
class PriceTable:
    as_of: str
    models: dict[str, Price]
    statuses: dict[str, ModelStatus] = field(default_factory=dict)
    batch_discount: float = 0.5


@lru_cache(maxsize=1)
def load_prices(path: Path = PRICES_FILE) -> PriceTable:
    """Read the price table once per process."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    models = {
        name: Price(
            input=float(row["in"]),
            output=float(row["out"]),
            cached_input=float(row["cached_in"]),
            cache_write=float(row["cache_write_in"]) if "cache_write_in" in row else None,
        )
        for name, row in data["models"].items()
    }
    statuses = {name: _status(name, row) for name, row in data["models"].items()}
    return PriceTable(as_of=str(data["as_of"]), models=models, statuses=statuses, batch_discount=float(data.get("batch_discount", 0.5)))


def _status(name: str, row: dict) -> ModelStatus:
    value, source, checked = row.get("status", "unknown"), str(row.get("status_source", "")), row.get("status_checked")
    checked = checked if isinstance(checked, dt.date) else None
    if isinstance(value, dt.date):
        return ModelStatus(state="shutdown", shutdown=value, source=source, checked=checked)
    if value in ("current", "legacy", "unknown"):
        return ModelStatus(state=value, source=source, checked=checked)
    raise ValueError(f"{PRICES_FILE}: model {name!r}: status {value!r} is not current, legacy, unknown or a date (YYYY-MM-DD, unquoted)")


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


def status_for(model: str) -> ModelStatus:
    """What the table says about whether `model` is still served; UNKNOWN_STATUS for a model it does not list."""
    table = load_prices().statuses
    return table.get(model) or table.get(base_model_name(model)) or UNKNOWN_STATUS


def status_warning(model: str, today: dt.date) -> str | None:
    """A warning for a legacy model or one within SHUTDOWN_WARNING_DAYS of its shutdown (or past it), else None."""
    status = status_for(model)
    checked = f"{status.source}; checked {status.checked.isoformat()}" if status.checked else status.source
    if status.state == "legacy":
        return f"{model} is a legacy model ({checked}); choose a current one"
    if status.shutdown is None:
        return None
    days = (status.shutdown - today).days
    if days > SHUTDOWN_WARNING_DAYS:
        return None
    if days < 0:
        return f"{model} was shut down on {status.shutdown.isoformat()} ({checked}); requests to it will fail, choose another model"
    when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
    return f"{model} shuts down on {status.shutdown.isoformat()}, {when} ({checked}); choose another model"


def batch_discount() -> float:
    """The share of the synchronous price a batch API charges (both providers publish half)."""
    return load_prices().batch_discount


def estimate_cost(model: str, usage: Usage, *, batch: bool = False) -> float | None:
    """Estimated US dollars for `usage` on `model` (answered by a batch API when `batch`); None when the price is unknown (never 0)."""
    price = price_for(model)
    if price is None:
        return None
    cached = min(usage.cached_tokens or 0, usage.input_tokens)
    written = min(usage.cache_write_tokens, usage.input_tokens - cached)
    uncached = usage.input_tokens - cached - written
    write_price = price.input if price.cache_write is None else price.cache_write
    dollars = uncached * price.input + cached * price.cached_input + written * write_price + usage.output_tokens * price.output
    return dollars / 1_000_000 * (batch_discount() if batch else 1.0)
