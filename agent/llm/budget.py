"""A spending limit that every model call passes: checked before the call at its worst case, charged after at its real usage.

`retest run --max-cost USD` (and `run --all`, `resume`) hold one `Budget` for the
process while they run (`spending_limit`), as the pool of model calls is
process-wide: a library's lines share it. Each run's clients are wrapped in
`Metered` by the composition root, so a node, a line-level retry or an eval
cannot make a call that skips it.

Before a call, its worst case is reserved: the request's characters counted at
the densest characters-per-token a real tokenizer was measured at, plus the
whole output budget (`max_tokens`), at the model's price. A call whose worst
case does not fit what is left raises BudgetExceeded, before anything is sent;
calls in flight are waited for first, so a parallel branch's reservation never
stops a call that would fit once it is settled. After the call, the
reservation is replaced by what the call really cost (an unusable answer's
usage too: the provider bills it). A validation retry inside one call is
charged but not checked separately.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel

from agent.errors import BudgetExceeded, ConfigError
from agent.llm.base import DEFAULT_MAX_TOKENS, AnswerError, Completion, ModelClient, T, money
from agent.llm.prices import price_for


class Budget:
    """US dollars a process may spend on model calls; thread-safe (parallel claims and lines share it)."""

    def __init__(self, limit_usd: float, *, chars_per_token: float, spent_usd: float = 0.0) -> None:
        """`spent_usd`: what the run(s) spent before (a resumed run's earlier sittings count against the same limit)."""
        if limit_usd < 0 or chars_per_token <= 0:
            raise ValueError("a budget needs a limit of at least 0 and a positive characters-per-token rate")
        self.limit_usd = limit_usd
        self.chars_per_token = chars_per_token
        self.spent_usd = spent_usd
        self.calls = 0
        self.refused: BudgetExceeded | None = None
        self._reserved = 0.0
        self._in_flight = 0  # counted, not inferred from _reserved: float sums never quite return to 0
        self._changed = threading.Condition()

    @property
    def left_usd(self) -> float:
        return max(0.0, self.limit_usd - self.spent_usd)

    def worst_case(self, model: str, *, chars: int, max_tokens: int) -> float:
        """The most a request of `chars` characters answered in up to `max_tokens` tokens can cost on `model`."""
        price = price_for(model)
        if price is None:
            raise ConfigError(
                f"--max-cost needs each model's price, and {model} has none in agent/llm/prices.toml",
                hint="Add the model's price there, or run without --max-cost.",
            )
        return (chars / self.chars_per_token * price.input + max_tokens * price.output) / 1_000_000

    def reserve(self, worst_usd: float, *, what: str) -> None:
        """Set `worst_usd` aside for a call; BudgetExceeded (and nothing set aside) when it cannot fit."""
        with self._changed:
            # A call in flight may cost less than it reserved: wait for it before refusing this one.
            while self._in_flight and self.spent_usd + self._reserved + worst_usd > self.limit_usd:
                self._changed.wait()
            if self.spent_usd + worst_usd > self.limit_usd:
                self.refused = BudgetExceeded(
                    f"stopped before {what}, which could cost up to {money(worst_usd)}: {money(self.spent_usd)} of --max-cost {money(self.limit_usd)} is spent",
                    limit_usd=self.limit_usd,
                    spent_usd=self.spent_usd,
                    needed_usd=worst_usd,
                )
                raise self.refused
            self._reserved += worst_usd
            self._in_flight += 1

    def settle(self, reserved_usd: float, cost_usd: float | None) -> None:
        """Replace a reservation by what the call cost (None: unknown, kept at its worst case)."""
        with self._changed:
            self._give_back(reserved_usd)
            self.spent_usd += reserved_usd if cost_usd is None else cost_usd
            self.calls += 1
            self._changed.notify_all()

    def release(self, reserved_usd: float) -> None:
        """Give back a reservation for a call that failed before the provider answered (nothing billed)."""
        with self._changed:
            self._give_back(reserved_usd)
            self._changed.notify_all()

    def _give_back(self, reserved_usd: float) -> None:
        self._in_flight -= 1
        self._reserved = max(0.0, self._reserved - reserved_usd) if self._in_flight else 0.0


_lock = threading.Lock()
_active: Budget | None = None


@contextmanager
def spending_limit(budget: Budget | None) -> Iterator[Budget | None]:
    """Make `budget` the process's limit for the block (None: no limit); the previous one is restored after."""
    global _active
    with _lock:
        before, _active = _active, budget
    try:
        yield budget
    finally:
        with _lock:
            _active = before


def active_budget() -> Budget | None:
    """The limit in force now, or None."""
    return _active


def _schema_chars(schema: type[BaseModel]) -> int:
    # The schema travels with the request (response_format, output_config or the instructions).
    return len(json.dumps(schema.model_json_schema(), separators=(",", ":")))


class Metered:
    """A ModelClient whose calls pass the active budget; any other attribute is the wrapped client's."""

    def __init__(self, inner: ModelClient) -> None:
        self.inner = inner
        self.model_string = inner.model_string

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def __repr__(self) -> str:
        return f"Metered({self.inner!r})"

    def complete(self, *, task: str, instructions: str, data: str, schema: type[T], max_tokens: int = DEFAULT_MAX_TOKENS) -> Completion[T]:
        """Run one task within the budget; see `agent.llm.base.ModelClient.complete`. Raises BudgetExceeded before sending."""
        budget = active_budget()
        if budget is None:
            return self.inner.complete(task=task, instructions=instructions, data=data, schema=schema, max_tokens=max_tokens)
        chars = len(instructions) + len(data) + _schema_chars(schema)
        worst = budget.worst_case(self.model_string, chars=chars, max_tokens=max_tokens)
        budget.reserve(worst, what=f"task {task!r} on {self.model_string}")
        try:
            completion = self.inner.complete(task=task, instructions=instructions, data=data, schema=schema, max_tokens=max_tokens)
        except AnswerError as exc:
            budget.settle(worst, exc.usage.cost_usd if exc.usage is not None else None)
            raise
        except BaseException:
            budget.release(worst)
            raise
        budget.settle(worst, completion.usage.cost_usd)
        return completion


def metered(models: dict[str, ModelClient]) -> dict[str, ModelClient]:
    """The run's clients, each passing the active budget."""
    return {role: client if isinstance(client, Metered) else Metered(client) for role, client in models.items()}
