"""What each client asks besides the prompt: output budget, reasoning effort, and no sampling parameters.

The real clients send through the real SDKs to an `httpx2.MockTransport` that
keeps each request body and answers with a hand-written response in the
provider's shape (evals/authoring/llm_wire.py); nothing is recorded from a service.
"""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

from agent.config import Settings, load_settings
from agent.errors import ConfigError
from agent.llm import make_client
from agent.llm.factory import reasoning_effort_for
from agent.llm.model_string import parse_model_string
from agent.llm.openai_client import is_reasoning_model
from agent.llm.providers import provider_spec
from evals.authoring.llm_wire import anthropic_message, json_text, ollama_completion, openai_completion
from tests.llm.scenarios import GOOD_KORINEK, KORINEK, Screening

SAMPLING = ("temperature", "top_p")


def _sent(model_string: str, *, settings: Settings | None = None, max_tokens: int = 1234, role: Any = None) -> dict[str, Any]:
    """The body `model_string`'s client sends for one screening task."""
    bodies: list[dict[str, Any]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        bodies.append(json.loads(request.content))
        text = json_text(GOOD_KORINEK)
        if request.url.host == "api.anthropic.com":
            return httpx2.Response(200, json=anthropic_message(text, input_tokens=400, output_tokens=60))
        if request.url.host == "api.openai.com":
            return httpx2.Response(200, json=openai_completion(text, model=bodies[-1]["model"], prompt_tokens=300, completion_tokens=50))
        return httpx2.Response(200, json=ollama_completion(text, prompt_tokens=690, completion_tokens=57))

    client = make_client(
        model_string, settings=settings or Settings(), replay=True, max_retries=0, http_client=httpx2.Client(transport=httpx2.MockTransport(handler)), role=role
    )
    client.complete(task="screen C1", instructions="Screen the paper.", data=KORINEK, schema=Screening, max_tokens=max_tokens)
    (body,) = bodies
    return body


@pytest.mark.parametrize(
    ("model_string", "budget_key"),
    [
        ("openai:gpt-5.4-mini", "max_completion_tokens"),
        ("openai:gpt-4.1", "max_completion_tokens"),
        ("anthropic:claude-sonnet-4-6", "max_tokens"),
        ("openai-compatible:http://localhost:11434/v1#llama3.1", "max_tokens"),
    ],
)
def test_every_client_sends_the_budget_it_is_given_and_no_sampling_parameter(model_string: str, budget_key: str) -> None:
    body = _sent(model_string, max_tokens=1234)

    assert body[budget_key] == 1234
    assert not set(SAMPLING) & set(body), "reasoning models reject temperature and top_p; no model here needs them"
    spec = provider_spec(parse_model_string(model_string).provider)
    assert set(body) - set(spec.match_keys) - set(spec.unmatched_keys) - {"stream"} == set(), "cassette matching knows every key sent"


@pytest.mark.parametrize(("role", "effort"), [("planner", "low"), ("screener", "low"), ("judge", "medium"), ("writer", "medium")])
def test_an_openai_reasoning_model_gets_its_roles_effort_explicitly(role: str, effort: str) -> None:
    assert _sent("openai:gpt-5.4", role=role)["reasoning_effort"] == effort


def test_the_effort_is_a_setting_per_role(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETEST_JUDGE_REASONING_EFFORT", "high")
    settings = load_settings(overrides={"planner_reasoning_effort": "none"})

    assert _sent("openai:o4-mini", settings=settings, role="judge")["reasoning_effort"] == "high"
    assert _sent("openai:o4-mini", settings=settings, role="planner")["reasoning_effort"] == "none"
    monkeypatch.setenv("RETEST_JUDGE_REASONING_EFFORT", "extreme")
    with pytest.raises(ConfigError, match="judge_reasoning_effort"):
        load_settings()


def test_a_client_built_without_a_role_takes_the_effort_of_the_roles_using_its_model() -> None:
    settings = Settings(planner="openai:gpt-5.4", judge="openai:gpt-5.4", screener="openai:gpt-5.4-mini")

    assert _sent("openai:gpt-5.4-mini", settings=settings)["reasoning_effort"] == "low"
    assert reasoning_effort_for("openai:gpt-5.4", settings) == "medium", "planner low, judge medium: no role gets less than it is set to"
    assert reasoning_effort_for("openai:gpt-5.4-nano", settings) is None
    assert "reasoning_effort" not in _sent("openai:gpt-5.4-nano", settings=settings), "no role sets an effort for a model no role uses"


@pytest.mark.parametrize(
    "model_string", ["openai:gpt-4.1", "openai:gpt-4o-mini", "openai:gpt-5-chat-latest", "openai-compatible:http://localhost:11434/v1#gpt-oss:20b"]
)
def test_models_that_do_not_reason_get_no_effort(model_string: str) -> None:
    assert "reasoning_effort" not in _sent(model_string, role="judge")


@pytest.mark.parametrize(
    ("model", "reasons"),
    [
        ("gpt-5.4-mini", True),
        ("gpt-5.4-mini-2026-03-17", True),
        ("gpt-5", True),
        ("gpt-5.2-pro", True),
        ("o3", True),
        ("o4-mini", True),
        ("gpt-5.3-chat-latest", False),
        ("gpt-4.1", False),
        ("gpt-4o", False),
        ("chatgpt-4o-latest", False),
    ],
)
def test_reasoning_models_are_the_gpt5_family_and_the_o_series(model: str, reasons: bool) -> None:
    assert is_reasoning_model(model) is reasons


def test_an_anthropic_call_marks_its_instructions_as_a_prompt_cache_breakpoint() -> None:
    body = _sent("anthropic:claude-sonnet-4-6")
    # The unchanging part (schema, then instructions) comes before the breakpoint; the claim's data after it.
    assert body["system"] == [{"type": "text", "text": "Screen the paper.", "cache_control": {"type": "ephemeral"}}]
    assert "cache_control" not in json.dumps(body["messages"])


def test_an_openai_call_keeps_its_instructions_first_and_the_data_last() -> None:
    # OpenAI caches the longest prefix it has seen on its own: the unchanging instructions must lead.
    messages = _sent("openai:gpt-5.4-mini")["messages"]
    assert [m["role"] for m in messages] == ["system", "user"] and messages[0]["content"] == "Screen the paper."
