"""Usage as each provider reports it: cached tokens, served model, cost."""

from __future__ import annotations

import pytest
from anthropic.types import Message
from openai.types.chat import ChatCompletion

from agent.llm.anthropic_client import AnthropicClient
from agent.llm.base import Usage, total_cost
from agent.llm.openai_client import OpenAIClient
from tests.llm.scenarios import anthropic_message, openai_completion


def test_openai_cached_tokens_come_from_prompt_tokens_details() -> None:
    body = openai_completion("{}", model="gpt-5-mini-2025-08-07", prompt_tokens=2_048, completion_tokens=100)
    body["usage"]["prompt_tokens_details"]["cached_tokens"] = 1_024
    client = OpenAIClient("gpt-5-mini", api_key="unused")

    usage = client._usage(ChatCompletion.model_validate(body), latency_s=0.8)

    assert (usage.input_tokens, usage.cached_tokens, usage.output_tokens) == (2_048, 1_024, 100)
    assert usage.model == "gpt-5-mini-2025-08-07"
    assert usage.latency_s == 0.8
    assert usage.cost_usd == pytest.approx((1_024 * 0.25 + 1_024 * 0.025 + 100 * 2.0) / 1e6)


def test_anthropic_input_counts_cache_reads_and_writes() -> None:
    body = anthropic_message("{}", model="claude-sonnet-4-5-20250929", input_tokens=200, output_tokens=50)
    body["usage"]["cache_read_input_tokens"] = 3_000
    body["usage"]["cache_creation_input_tokens"] = 100
    client = AnthropicClient("claude-sonnet-4-5", api_key="unused")

    usage = client._usage(Message.model_validate(body), latency_s=1.0)

    assert (usage.input_tokens, usage.cached_tokens, usage.cache_write_tokens, usage.output_tokens) == (3_300, 3_000, 100, 50)
    # Cache writes cost 1.25 x the input price on Anthropic, reads a tenth of it.
    assert usage.cost_usd == pytest.approx((200 * 3.0 + 100 * 3.75 + 3_000 * 0.30 + 50 * 15.0) / 1e6)


def test_missing_usage_block_counts_zero_tokens() -> None:
    # Some OpenAI-compatible servers leave `usage` out.
    body = openai_completion("{}", model="llama3.1")
    del body["usage"]
    usage = OpenAIClient("llama3.1", api_key="unused")._usage(ChatCompletion.model_validate(body), latency_s=0.1)

    assert (usage.input_tokens, usage.output_tokens, usage.cached_tokens, usage.cost_usd) == (0, 0, None, None)


def test_missing_usage_block_leaves_the_cost_unknown_even_for_a_priced_model() -> None:
    # A compatible proxy serving a priced model name without `usage`: the call was not free.
    body = openai_completion("{}", model="gpt-4o")
    del body["usage"]
    usage = OpenAIClient("gpt-4o", api_key="unused")._usage(ChatCompletion.model_validate(body), latency_s=0.1)

    assert usage.cost_usd is None


def test_total_cost_is_unknown_when_any_price_is() -> None:
    assert total_cost([0.25, 0.5, 0.125]) == 0.875
    assert total_cost(cost for cost in (0.25, None, 0.5)) is None
    assert total_cost([]) == 0.0  # nothing spent is a known total
    # Usage sums use it: one unpriced call makes the sum unpriced, never the partial sum.
    assert (Usage(cost_usd=0.25) + Usage(cost_usd=None)).cost_usd is None
    assert (Usage(cost_usd=0.25) + Usage(cost_usd=0.5)).cost_usd == 0.75
