"""make_client: the right client, key and retries for live and replayed runs."""

from __future__ import annotations

import httpx2
import pytest

from agent.config import Settings
from agent.errors import ConfigError, ProviderError
from agent.llm import make_client
from agent.llm.anthropic_client import AnthropicClient
from agent.llm.compat_client import CompatClient
from agent.llm.keys import REPLAY_KEY
from agent.llm.openai_client import OpenAIClient
from agent.recording import cassette
from tests.llm.scenarios import SCENARIOS, Screening


@pytest.mark.parametrize(
    ("model", "cls", "base_url"),
    [
        ("openai:gpt-5.4-mini", OpenAIClient, "https://api.openai.com/v1"),
        ("anthropic:claude-sonnet-4-6", AnthropicClient, "https://api.anthropic.com"),
        ("openai-compatible:http://localhost:11434/v1/#llama3.1", CompatClient, "http://localhost:11434/v1"),
    ],
)
def test_each_provider_gets_its_client(model: str, cls: type, base_url: str) -> None:
    client = make_client(model, settings=Settings(), replay=True)

    assert type(client) is cls
    assert client.base_url == base_url


def test_live_client_uses_the_environment_key_and_settings_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-live-0123456789")
    client = make_client("openai:gpt-5.4-mini", settings=Settings(max_retries=5, model_timeout_s=42))

    assert client._sdk.api_key == "sk-test-live-0123456789"
    assert client._sdk.max_retries == 5
    assert client._sdk.timeout == 42


def test_a_replay_client_needs_no_key_and_never_retries() -> None:
    # No OPENAI_API_KEY in the environment (tests/conftest.py removes keys).
    client = make_client("openai:gpt-5.4-mini", settings=Settings(max_retries=5), replay=True)

    assert client._sdk.api_key == REPLAY_KEY
    assert client._sdk.max_retries == 0


def test_an_open_replay_cassette_does_not_make_a_client_replay() -> None:
    """Replay is the caller's to say: a client built without it inside a replay block is a live one."""
    with cassette("replay", SCENARIOS["openai_structured"].cassette), pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        make_client("openai:gpt-5.4-mini", settings=Settings(max_retries=5))


def test_explicit_max_retries_wins() -> None:
    client = make_client("anthropic:claude-sonnet-4-6", settings=Settings(), replay=True, max_retries=1)
    assert client._sdk.max_retries == 1


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (httpx2.ConnectError("connection refused"), "could not connect to http://localhost:11434/v1/chat/completions"),
        (httpx2.ReadTimeout("read timed out"), "the request to http://localhost:11434/v1/chat/completions timed out"),
    ],
)
def test_unreachable_server_is_a_provider_error(raised: Exception, expected: str) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise raised

    client = make_client(
        "openai-compatible:http://localhost:11434/v1#llama3.1",
        settings=Settings(),
        replay=False,
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
    )
    with pytest.raises(ProviderError) as failure:
        client.complete(task="screen C1", instructions="", data="{}", schema=Screening)

    assert "openai-compatible model llama3.1 (task 'screen C1')" in str(failure.value)
    assert expected in str(failure.value)
