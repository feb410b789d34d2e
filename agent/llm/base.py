"""The one interface every model client implements.

A task sends instructions and data and gets back a validated pydantic object
plus what the call cost. Graph nodes depend on `ModelClient` only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, Field

from agent.errors import ModelOutputError

T = TypeVar("T", bound=BaseModel)

DEFAULT_MAX_TOKENS = 4096  # for a caller that names no budget; each task's own is in its prompt file


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
    cache_write_tokens: int = Field(default=0, description="Input tokens written to the provider's prompt cache (Anthropic bills them above the input price).")
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
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
            latency_s=self.latency_s + other.latency_s,
            model=self.model if self.model == other.model else "mixed",
            cost_usd=cost,
        )


class AnswerError(ModelOutputError):
    """The model answered, but not usably: truncated, refused, filtered or invalid after the retry.

    Retrying the same request would not help, so callers decide what the failure
    means (a claim left unresolved, a bigger budget). `usage` is what the
    unusable answer(s) cost, which the provider bills all the same.
    """

    def __init__(self, message: str, *, hint: str | None = None, usage: Usage | None = None) -> None:
        super().__init__(message, hint=hint)
        self.usage = usage
        # Whoever accounts for calls (the graph's RunContext.ask) puts its record of `usage` here, so a
        # node that carries on past the failure keeps the spend in the run's totals.
        self.accounted: list[Any] = []

    @property
    def reason(self) -> str:
        """The message and the hint on one line, for a record that says why something was left undone."""
        return f"{self.message} {self.hint}" if self.hint else self.message


TRUNCATION_HINT = "Raise max_output_tokens in the front matter of the task's prompts/*.md file, or shorten its input."


class TruncatedAnswer(AnswerError):
    """The answer hit its output budget (`max_tokens`) before it was complete."""

    def __init__(self, message: str, *, max_tokens: int | None = None, hint: str | None = None, usage: Usage | None = None) -> None:
        super().__init__(message, hint=hint, usage=usage)
        self.max_tokens = max_tokens


class RefusedAnswer(AnswerError):
    """The model declined the task."""


class InvalidAnswer(AnswerError):
    """The answer did not validate against the task's schema, twice (the call and its one retry)."""


class Completion(BaseModel, Generic[T]):
    output: T
    usage: Usage


class ModelClient(Protocol):
    """A configured model for one role."""

    model_string: str  # e.g. "openai:gpt-5-mini"

    def complete(self, *, task: str, instructions: str, data: str, schema: type[T], max_tokens: int = DEFAULT_MAX_TOKENS) -> Completion[T]:
        """Run one task within `max_tokens` output tokens (reasoning included). `task` names it in errors and logs (e.g. 'screen C2').

        Raises an AnswerError (a ModelOutputError) when the answer does not
        validate after one retry (InvalidAnswer), is refused (RefusedAnswer) or
        is truncated (TruncatedAnswer); ProviderError when the provider fails
        after retries.
        """
        ...
