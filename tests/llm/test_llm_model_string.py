"""Model strings: provider:model, and openai-compatible:URL#model."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.errors import ConfigError, ExitCode
from agent.llm.model_string import ModelSpec, parse_model_string


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("openai:gpt-5.4-mini", ModelSpec("openai", "gpt-5.4-mini")),
        ("anthropic:claude-sonnet-4-6", ModelSpec("anthropic", "claude-sonnet-4-6")),
        ("  openai:gpt-5-mini-2025-08-07 ", ModelSpec("openai", "gpt-5-mini-2025-08-07")),
        ("openai-compatible:http://localhost:11434/v1#llama3.1", ModelSpec("openai-compatible", "llama3.1", "http://localhost:11434/v1")),
        (
            "openai-compatible:https://vllm.lab:8000/v1/#meta-llama/Llama-3.1-8B-Instruct",
            ModelSpec("openai-compatible", "meta-llama/Llama-3.1-8B-Instruct", "https://vllm.lab:8000/v1"),
        ),
        ("openai-compatible:http://127.0.0.1:1234/v1#qwen2.5:7b", ModelSpec("openai-compatible", "qwen2.5:7b", "http://127.0.0.1:1234/v1")),
    ],
)
def test_valid_model_strings(text: str, expected: ModelSpec) -> None:
    assert parse_model_string(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("gpt-5.4-mini", "no 'provider:' prefix"),
        ("openai:", "no model name after 'openai:'"),
        ("google:gemini-3-pro", "unknown provider 'google'"),
        ("OpenAI:gpt-5", "unknown provider 'OpenAI'"),
        ("openai:gpt 5", "'gpt 5' is not a model name"),
        ("anthropic:claude/sonnet", "is not a model name"),
        ("openai-compatible:http://localhost:11434/v1", "needs the server URL, '#', then the model name"),
        ("openai-compatible:http://localhost:11434/v1#", "needs the server URL"),
        ("openai-compatible:localhost:11434#llama3.1", "is not an http(s) URL"),
        ("openai-compatible:ftp://host/v1#llama3.1", "is not an http(s) URL"),
    ],
)
def test_bad_model_strings_raise_config_error_naming_them(text: str, problem: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_model_string(text)
    assert f"bad model string {text!r}" in raised.value.message
    assert problem in raised.value.message
    assert "openai:gpt-5.4-mini" in (raised.value.hint or "")  # shows what a good one looks like
    assert raised.value.exit_code == ExitCode.CONFIG


_NAME = st.from_regex(r"[a-z0-9][a-z0-9.\-]{0,30}", fullmatch=True)


@given(provider=st.sampled_from(["openai", "anthropic"]), model=_NAME)
def test_hosted_specs_round_trip(provider: str, model: str) -> None:
    spec = parse_model_string(f"{provider}:{model}")
    assert parse_model_string(str(spec)) == spec


@given(port=st.integers(1, 65535), model=_NAME)
def test_compat_specs_round_trip(port: int, model: str) -> None:
    spec = parse_model_string(f"openai-compatible:http://localhost:{port}/v1#{model}")
    assert (spec.base_url, spec.model) == (f"http://localhost:{port}/v1", model)
    assert parse_model_string(str(spec)) == spec
