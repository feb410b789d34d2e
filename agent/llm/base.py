"""The one interface every model client implements.

A task sends instructions and data and gets back a validated pydantic object
plus what the call cost. Graph nodes depend on `ModelClient` only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, Protocol, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T", bound=BaseModel)


def total_cost(costs: Iterable[float | None]) -> float | None:
    """The sum of estimated costs; None if any is unknown, since a partial sum is never the total."""
    total = 0.0
    for cost in costs:
        if cost is None:
            return None
        total += cost
    return total


def money(value: float | None) -> str:
    """An estimated price for people: dollars to 1/100 of a cent, or 'unknown'."""
    return "unknown" if value is None else f"${value:.4f}"


class Usage(BaseModel):
    """What one call (or a sum of calls) used."""

    calls: int = 1
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int | None = Field(default=None, description="None where the provider does not report it.")
    latency_s: float = 0.0
    model: str = Field(default="", description="The model name as the provider served it.")
    cost_usd: float | None = Field(default=None, description="Estimated; None when the model's price is unknown.")

    def __add__(self, other: Usage) -> Usage:
        cached = None if self.cached_tokens is None and other.cached_tokens is None else (self.cached_tokens or 0) + (other.cached_tokens or 0)
        cost = total_cost((self.cost_usd, other.cost_usd))
        return Usage(
            calls=self.calls + other.calls,
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cached_tokens=cached,
            latency_s=self.latency_s + other.latency_s,
            model=self.model if self.model == other.model else "mixed",
            cost_usd=cost,
        )


class Completion(BaseModel, Generic[T]):
    output: T
    usage: Usage


class ModelClient(Protocol):
    """A configured model for one role."""

    model_string: str  # e.g. "openai:gpt-5-mini"

    def complete(self, *, task: str, instructions: str, data: str, schema: type[T], max_tokens: int = 4096) -> Completion[T]:
        """Run one task. `task` names it in errors and logs (e.g. 'screen C2').

        Raises ModelOutputError when the answer does not validate after one
        retry, is refused or is truncated; ProviderError when the provider fails
        after retries.
        """
        ...
