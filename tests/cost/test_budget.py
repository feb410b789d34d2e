"""--max-cost: every model call passes the budget, checked at its worst case before and charged at its usage after."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from agent.errors import BudgetExceeded, ConfigError
from agent.llm.base import Completion, InvalidAnswer, T, Usage
from agent.llm.budget import Budget, Metered, active_budget, spending_limit

MODEL = "openai:gpt-5.4-mini"


class Answer(BaseModel):
    text: str


class FakeClient:
    """A model that answers at a fixed cost, and counts what it was sent."""

    model_string = MODEL

    def __init__(self, cost: float, *, fail: bool = False) -> None:
        self.cost, self.fail, self.sent = cost, fail, 0
        self.extra = "the wrapped client's own attribute"

    def complete(self, *, task: str, instructions: str, data: str, schema: type[T], max_tokens: int = 4096) -> Completion[T]:
        self.sent += 1
        usage = Usage(input_tokens=100, output_tokens=10, model=MODEL, cost_usd=self.cost)
        if self.fail:
            raise InvalidAnswer("bad answer twice", usage=usage)
        return Completion[schema](output=schema.model_validate({"text": "ok"}), usage=usage)  # type: ignore[valid-type]


def _ask(client: Any, max_tokens: int = 1000) -> Any:
    return client.complete(task="screen C1", instructions="x" * 400, data="y" * 400, schema=Answer, max_tokens=max_tokens)


def _budget(limit: float) -> Budget:
    return Budget(limit, chars_per_token=3.0)


def test_a_call_whose_worst_case_does_not_fit_is_never_sent() -> None:
    fake, budget = FakeClient(0.001), _budget(0.002)
    worst = budget.worst_case(MODEL, chars=800, max_tokens=1000)
    assert worst > 0.002  # 1,000 output tokens at $4.50 a million
    with spending_limit(budget), pytest.raises(BudgetExceeded) as stopped:
        _ask(Metered(fake))
    assert fake.sent == 0 and budget.spent_usd == 0
    assert "screen C1" in stopped.value.message and stopped.value.exit_code == 8


def test_a_call_that_fits_is_charged_what_it_cost_not_its_worst_case() -> None:
    fake, budget = FakeClient(0.001), _budget(0.05)
    with spending_limit(budget):
        _ask(Metered(fake))
        _ask(Metered(fake))
    assert fake.sent == 2 and budget.spent_usd == pytest.approx(0.002) and budget.calls == 2


def test_an_unusable_answer_is_charged_too() -> None:
    budget = _budget(0.05)
    with spending_limit(budget), pytest.raises(InvalidAnswer):
        _ask(Metered(FakeClient(0.003, fail=True)))
    assert budget.spent_usd == pytest.approx(0.003)


def test_earlier_spending_counts_against_the_limit() -> None:
    fake = FakeClient(0.001)
    with spending_limit(Budget(0.01, chars_per_token=3.0, spent_usd=0.009)), pytest.raises(BudgetExceeded):
        _ask(Metered(fake))
    assert fake.sent == 0


def test_without_a_budget_the_wrapper_is_transparent() -> None:
    fake = FakeClient(0.5)
    assert active_budget() is None
    assert _ask(Metered(fake)).output.text == "ok" and Metered(fake).extra == fake.extra


def test_a_model_without_a_price_cannot_be_budgeted() -> None:
    with pytest.raises(ConfigError, match="needs each model's price"):
        _budget(1.0).worst_case("openai-compatible:http://127.0.0.1:8000/v1#smollm2", chars=10, max_tokens=10)


def test_a_call_waits_for_calls_in_flight_before_it_is_refused() -> None:
    budget = _budget(1.0)
    budget.reserve(0.6, what="first")
    done: list[str] = []

    def second() -> None:
        budget.reserve(0.6, what="second")  # fits once the first is settled at its real cost
        done.append("reserved")

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(0.2)
    assert not done, "refused or reserved while the first call's worst case was still set aside"
    budget.settle(0.6, 0.1)
    thread.join(5)
    assert done == ["reserved"] and budget.refused is None


def test_reservations_settled_in_any_order_leave_nothing_set_aside() -> None:
    # Float sums of reservations never quite return to zero: a leftover once made every later call wait for ever.
    budget = _budget(1.0)
    amounts = [0.1, 0.2, 0.3, 0.0192, 0.0192, 0.0192]
    for amount in amounts:
        budget.reserve(amount, what="a call")
    for amount in reversed(amounts):
        budget.settle(amount, amount / 10)
    result: list[BaseException] = []
    thread = threading.Thread(target=lambda: _catch(result, lambda: budget.reserve(0.99, what="last")))
    thread.start()
    thread.join(5)
    assert not thread.is_alive(), "a call waited for a reservation nobody holds"
    assert result and isinstance(result[0], BudgetExceeded)


def _catch(into: list[BaseException], call: Any) -> None:
    try:
        call()
    except BaseException as exc:  # noqa: BLE001 - handed to the test thread
        into.append(exc)


def test_the_run_s_clients_pass_the_budget(tmp_path: Path) -> None:
    from agent.config import Settings
    from agent.services import RunRequest, build_services

    models = build_services(RunRequest(mode="replay", settings=Settings()), None).models
    assert all(isinstance(client, Metered) for client in models.values())
