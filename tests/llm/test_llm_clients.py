"""Each client through the real SDK, replaying hand-written cassettes in the real wire format."""

from __future__ import annotations

import pytest

from agent.errors import CassetteMissError, ExitCode, ProviderError
from agent.llm.base import InvalidAnswer, RefusedAnswer, TruncatedAnswer
from agent.llm.prices import estimate_cost
from tests.llm.scenarios import FARBOODI, GOOD_FARBOODI, GOOD_KORINEK, KORINEK, SCENARIOS


def test_openai_structured_answer_validates_with_usage_and_cost(replay_scenario) -> None:
    result = replay_scenario("openai_structured")

    assert result.error is None
    assert result.completion.output.model_dump() == GOOD_KORINEK
    usage = result.completion.usage
    assert (usage.calls, usage.input_tokens, usage.output_tokens, usage.cached_tokens) == (1, 318, 52, 0)
    assert usage.model == "gpt-5.4-mini-2026-03-17"  # as served, not as asked
    assert usage.cost_usd == pytest.approx((318 * 0.75 + 52 * 4.50) / 1e6)
    assert usage.latency_s == pytest.approx(1.5)  # one tick of the injected clock
    assert result.cassette.all_played


def test_anthropic_structured_answer_validates_with_usage_and_cost(replay_scenario) -> None:
    result = replay_scenario("anthropic_structured")

    assert result.error is None
    assert result.completion.output.model_dump() == GOOD_FARBOODI
    usage = result.completion.usage
    assert (usage.input_tokens, usage.output_tokens, usage.cached_tokens) == (402, 61, 0)
    assert usage.model == "claude-sonnet-4-6"
    assert usage.cost_usd == pytest.approx((402 * 3.0 + 61 * 15.0) / 1e6)
    assert result.cassette.all_played


def test_invalid_answer_is_retried_once_with_the_error_shown(replay_scenario) -> None:
    # The cassette's second request holds the bad answer and the validation error:
    # replay matches on the whole conversation, so a different follow-up turn would miss.
    result = replay_scenario("anthropic_validation_retry")

    assert result.error is None
    assert result.completion.output.confidence == 0.8
    usage = result.completion.usage
    assert (usage.calls, usage.input_tokens, usage.output_tokens) == (2, 402 + 527, 122)
    assert usage.cost_usd == pytest.approx(estimate_cost("claude-sonnet-4-6", usage))
    assert usage.latency_s == pytest.approx(3.0)
    assert result.cassette.all_played


def test_answer_invalid_twice_fails_naming_task_and_model(replay_scenario) -> None:
    result = replay_scenario("compat_validation_fails")

    assert isinstance(result.error, InvalidAnswer)
    assert result.error.usage is not None and (result.error.usage.calls, result.error.usage.input_tokens) == (2, 690 + 815), "both calls are billed"
    assert result.error.exit_code == ExitCode.RUN_FAILED
    message = str(result.error)
    assert "'screen C1 2403.12107'" in message
    assert "openai-compatible:http://localhost:11434/v1#llama3.1" in message
    assert "after one retry" in message and "stance" in message
    assert result.cassette.all_played  # exactly two requests: no second retry


def test_compat_server_gets_the_strict_schema_and_the_schema_in_instructions(replay_scenario) -> None:
    # The recorded request has response_format json_schema (strict) and the schema in the system
    # message; a client sending anything else would miss the cassette.
    result = replay_scenario("compat_json_schema")

    assert result.error is None
    assert result.completion.output.model_dump() == GOOD_KORINEK
    assert result.completion.usage.model == "llama3.1"
    assert result.completion.usage.cost_usd is None  # a local model has no known price, not a zero one
    assert result.completion.usage.cached_tokens is None  # Ollama does not report it
    assert result.cassette.all_played


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("openai_refusal", "the model refused to answer: I'm sorry, but I can't help with that request."),
        ("anthropic_refusal", "refused to answer (stop_reason 'refusal'): The request was declined under the usage policy."),
    ],
)
def test_refusal_raises_model_output_error_saying_so(replay_scenario, name: str, expected: str) -> None:
    result = replay_scenario(name)

    assert isinstance(result.error, RefusedAnswer)
    assert result.error.usage is not None and result.error.usage.output_tokens > 0, "a refusal is billed too"
    assert expected in str(result.error)
    assert result.cassette.all_played  # a refusal is not retried


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("openai_truncated", "truncated at max_tokens=256 (finish_reason 'length')"),
        ("anthropic_truncated", "truncated at max_tokens=16 (stop_reason 'max_tokens')"),
    ],
)
def test_truncation_raises_model_output_error_saying_so(replay_scenario, name: str, expected: str) -> None:
    result = replay_scenario(name)

    assert isinstance(result.error, TruncatedAnswer)
    assert result.error.max_tokens == SCENARIOS[name].max_tokens, "the budget it hit, for a caller that retries with more"
    assert result.error.usage is not None and result.error.usage.output_tokens == SCENARIOS[name].max_tokens
    assert expected in str(result.error)
    assert "Raise max_output_tokens" in str(result.error)
    assert result.cassette.all_played  # a truncated answer is not sent back for a retry


def test_rate_limit_is_retried_by_the_sdk_honouring_retry_after(replay_scenario, sleeps: list[float]) -> None:
    result = replay_scenario("openai_429_then_ok")

    assert result.error is None
    assert result.completion.output.model_dump() == GOOD_KORINEK
    assert sleeps == [2.0]  # the recorded Retry-After, not the SDK's own backoff; nothing really slept
    assert result.cassette.all_played


def test_provider_failure_after_retries_names_provider_model_and_status(replay_scenario, sleeps: list[float]) -> None:
    result = replay_scenario("anthropic_529_twice")

    assert isinstance(result.error, ProviderError)
    assert result.error.exit_code == ExitCode.PROVIDER
    message = str(result.error)
    assert "anthropic model claude-sonnet-4-6" in message and "HTTP 529" in message
    assert "Overloaded" in message
    assert len(sleeps) == 1  # one SDK retry, then the failure
    assert result.cassette.all_played


@pytest.mark.allow_unplayed
def test_cassette_miss_is_reported_as_such_without_retries(replay_scenario) -> None:
    result = replay_scenario("openai_structured", data=FARBOODI)

    assert isinstance(result.error, CassetteMissError)
    assert result.error.exit_code == ExitCode.CASSETTE_MISS
    assert "api.openai.com/v1/chat/completions" in str(result.error)
    assert result.cassette.play_count == 0


def _in_a_loop(exc: BaseException, path: tuple[BaseException, ...] = ()) -> bool:
    if any(exc is seen for seen in path):
        return True
    return any(_in_a_loop(link, (*path, exc)) for link in (exc.__cause__, exc.__context__) if link is not None)


@pytest.mark.allow_unplayed
@pytest.mark.parametrize(
    ("name", "other_data", "request_line"),
    [
        ("openai_structured", FARBOODI, "POST api.openai.com/v1/chat/completions"),  # the SDK lets the miss through
        ("anthropic_structured", KORINEK, "POST api.anthropic.com/v1/messages"),  # the SDK wraps it in a connection error
    ],
)
def test_a_miss_through_either_sdk_is_one_named_cassette_miss_with_no_loop_in_its_chain(replay_scenario, name, other_data, request_line) -> None:
    result = replay_scenario(name, data=other_data)

    assert isinstance(result.error, CassetteMissError)
    message = str(result.error)
    assert message.startswith(f"cassette miss: {request_line} (sending node unknown) is not in cassette ")
    assert "closest recorded request: request body differs in: messages" in message
    assert "Re-record with --record CASSETTE" in message
    assert not _in_a_loop(result.error)
