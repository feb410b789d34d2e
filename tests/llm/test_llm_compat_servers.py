"""OpenAI-compatible servers as they answer: output-mode fallbacks, their own error text, base URLs.

Every exchange is answered by an `httpx2.MockTransport` handler, nothing leaves
the process. The error statuses and bodies are copied exactly from what the
servers answered in public issue threads (named beside each); the completions
are hand-written in Ollama's OpenAI-compatible shape (evals/authoring/llm_wire.py).
None of it is recorded by us from a live server.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from agent.config import Settings
from agent.errors import ProviderError
from agent.llm import make_client
from agent.llm.base import TruncatedAnswer
from agent.llm.compat_client import CompatClient
from evals.authoring.llm_wire import json_text, ollama_completion
from tests.llm.scenarios import GOOD_KORINEK, KORINEK, Screening

# LM Studio refusing JSON mode: LoadShine/tada#16 and willmiao/ComfyUI-Lora-Manager#1033 (LM Studio 0.4.19, by curl).
LM_STUDIO_NO_JSON_MODE = (400, "application/json", "{\"error\":\"'response_format.type' must be 'json_schema' or 'text'\"}")
# llama.cpp's server refusing json_schema: ggml-org/llama.cpp#9522 (llama-server 3777) and ikawrakow/ik_llama.cpp#778.
LLAMA_CPP_NO_SCHEMA = (
    500,
    "application/json",
    '{"error":{"code":500,"message":"response_format type must be one of \\"text\\" or \\"json_object\\", but got: json_schema","type":"server_error"}}',
)
# LM Studio failing on a request for another reason: algorithmicsuperintelligence/optillm#272.
LM_STUDIO_OTHER_400 = (400, "application/json", '{"error":"Cannot read properties of null (reading \'type\')"}')
# Ollama's OpenAI endpoint for a model it has not pulled: netease-youdao/QAnything#555 (their model name there was "ollama").
OLLAMA_NO_MODEL = (
    404,
    "application/json",
    '{"error":{"message":"model \\"llama3.1\\" not found, try pulling it first","type":"api_error","param":null,"code":null}}',
)
# Ollama (Gin) for a route it does not serve, e.g. /chat/completions without /v1: Gin's default404Body.
GO_NOT_FOUND = (404, "text/plain", "404 page not found")
# LM Studio for a route it does not serve: HTTP 200 with an error, lmstudio-ai/lmstudio-bug-tracker#618 (LM Studio 0.3.14).
LM_STUDIO_NO_V1 = (200, "application/json; charset=utf-8", '{"error":"Unexpected endpoint or method. (POST /chat/completions)"}')

Answer = tuple[int, str, str]  # status, content type, body


def _completion(answer: dict[str, Any] = GOOD_KORINEK, finish_reason: str = "stop", completion_tokens: int = 57) -> Answer:
    body = ollama_completion(json_text(answer), prompt_tokens=690, completion_tokens=completion_tokens)
    body["choices"][0]["finish_reason"] = finish_reason
    return 200, "application/json", json.dumps(body)


class Server:
    """A compatible server that answers each request from `answer(body)`; keeps every request body."""

    def __init__(self, answer: Callable[[dict[str, Any]], Answer]) -> None:
        self.answer = answer
        self.bodies: list[dict[str, Any]] = []
        self.urls: list[str] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        self.bodies.append(body)
        self.urls.append(str(request.url))
        status, content_type, text = self.answer(body)
        return httpx2.Response(status, content=text.encode(), headers={"content-type": content_type})

    @property
    def formats(self) -> list[str | None]:
        """The response_format type of each request, None where none was sent."""
        return [(b.get("response_format") or {}).get("type") for b in self.bodies]

    def client(self, base_url: str = "http://127.0.0.1:1234/v1") -> CompatClient:
        client = make_client(
            f"openai-compatible:{base_url}#llama3.1",
            settings=Settings(),
            replay=True,
            max_retries=0,
            http_client=httpx2.Client(transport=httpx2.MockTransport(self)),
        )
        assert isinstance(client, CompatClient)
        return client


def _screen(client: CompatClient) -> Screening:
    return client.complete(task="screen C1", instructions="Screen the paper.", data=KORINEK, schema=Screening).output


def test_the_strict_schema_is_asked_for_first_with_the_schema_also_in_the_instructions() -> None:
    server = Server(lambda body: _completion())

    assert _screen(server.client()).model_dump() == GOOD_KORINEK
    (body,) = server.bodies
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert body["response_format"]["json_schema"]["schema"]["additionalProperties"] is False
    assert '"stance"' in body["messages"][0]["content"], "grammar-constrained decoding never shows the model the field descriptions"


def _refusing(*refused: tuple[str | None, Answer]) -> Callable[[dict[str, Any]], Answer]:
    """A server that answers each refused response_format type with its error, anything else with a valid answer."""
    errors = dict(refused)

    def answer(body: dict[str, Any]) -> Answer:
        kind = (body.get("response_format") or {}).get("type")
        return errors[kind] if kind in errors else _completion()

    return answer


def test_a_server_refusing_schema_then_json_mode_is_answered_in_plain_text_and_remembered() -> None:
    server = Server(_refusing(("json_schema", LLAMA_CPP_NO_SCHEMA), ("json_object", LM_STUDIO_NO_JSON_MODE)))
    client = server.client()

    assert _screen(client).model_dump() == GOOD_KORINEK
    assert server.formats == ["json_schema", "json_object", None]
    assert "response_format" not in server.bodies[-1], "plain text sends no response_format at all"
    assert client.output_mode == "text"

    assert _screen(client).model_dump() == GOOD_KORINEK
    assert server.formats[3:] == [None], "the server's refusals are remembered: the next call goes straight to plain text"


def test_json_mode_is_kept_for_a_server_that_refuses_only_the_schema() -> None:
    server = Server(_refusing(("json_schema", LLAMA_CPP_NO_SCHEMA)))
    client = server.client()

    _screen(client)
    _screen(client)
    assert server.formats == ["json_schema", "json_object", "json_object"]


def test_the_fallback_belongs_to_one_client_never_to_the_process() -> None:
    server = Server(_refusing(("json_schema", LLAMA_CPP_NO_SCHEMA)))
    _screen(server.client())
    other = Server(lambda body: _completion())
    _screen(other.client("http://127.0.0.1:11434/v1"))
    assert other.formats == ["json_schema"], "another server (another client) starts from the strict schema again"


def test_a_400_about_something_else_is_not_a_fallback_and_shows_the_servers_own_text() -> None:
    server = Server(lambda body: LM_STUDIO_OTHER_400)

    with pytest.raises(ProviderError) as failure:
        _screen(server.client())

    assert server.formats == ["json_schema"]
    message = str(failure.value)
    assert "HTTP 400" in message
    assert "The provider said: Cannot read properties of null (reading 'type')" in message


def test_json_mode_refused_by_the_last_server_says_what_lm_studio_said() -> None:
    # The same LM Studio body, reaching a client that cannot fall back: the hosted OpenAI client never does.
    def handler(request: httpx2.Request) -> httpx2.Response:
        status, content_type, text = LM_STUDIO_NO_JSON_MODE
        return httpx2.Response(status, content=text.encode(), headers={"content-type": content_type})

    client = make_client(
        "openai:gpt-5.4-mini", settings=Settings(), replay=True, max_retries=0, http_client=httpx2.Client(transport=httpx2.MockTransport(handler))
    )
    with pytest.raises(ProviderError) as failure:
        client.complete(task="screen C1", instructions="Screen the paper.", data=KORINEK, schema=Screening)
    assert "The provider said: 'response_format.type' must be 'json_schema' or 'text'" in str(failure.value)


def test_an_unknown_model_on_ollama_says_so_in_ollamas_words() -> None:
    server = Server(lambda body: OLLAMA_NO_MODEL)

    with pytest.raises(ProviderError) as failure:
        _screen(server.client("http://localhost:11434/v1"))

    message = str(failure.value)
    assert "HTTP 404, the provider does not know this model" in message
    assert 'The provider said: model "llama3.1" not found, try pulling it first' in message
    assert "base URL" not in message


@pytest.mark.parametrize(
    ("base_url", "answer"),
    [
        ("http://localhost:11434", GO_NOT_FOUND),  # Ollama without /v1
        ("http://localhost:11434/api", GO_NOT_FOUND),  # Ollama's native API path
        ("http://localhost:8000/v1/v1", GO_NOT_FOUND),  # a /v1 path where nothing is served
    ],
)
def test_a_404_from_a_base_url_that_serves_nothing_says_check_the_base_url(base_url: str, answer: Answer) -> None:
    server = Server(lambda body: answer)

    with pytest.raises(ProviderError) as failure:
        _screen(server.client(base_url))

    message = str(failure.value)
    assert "check the base URL (usually ends in /v1)" in message
    assert "does not know this model" not in message
    assert "The provider said: 404 page not found" in message
    assert server.urls == [f"{base_url}/chat/completions"]
    assert "openai-compatible:http://127.0.0.1:11434/v1#MODEL" in (failure.value.hint or "")


def test_lm_studio_answering_an_unknown_route_with_200_says_check_the_base_url() -> None:
    server = Server(lambda body: LM_STUDIO_NO_V1)

    with pytest.raises(ProviderError) as failure:
        _screen(server.client("http://localhost:1234"))

    message = str(failure.value)
    assert "answered with an error instead of a completion" in message
    assert "check the base URL (usually ends in /v1)" in message
    assert "The provider said: Unexpected endpoint or method. (POST /chat/completions)" in message


def test_a_truncated_local_answer_points_at_the_context_window_too() -> None:
    # Cut at the budget: the whole of max_tokens spent.
    server = Server(lambda body: _completion(finish_reason="length", completion_tokens=body["max_tokens"]))

    with pytest.raises(TruncatedAnswer) as truncated:
        _screen(server.client("http://localhost:11434/v1"))

    assert truncated.value.max_tokens == 4096
    assert "OLLAMA_CONTEXT_LENGTH" in str(truncated.value) and "num_ctx" in str(truncated.value)
    assert len(server.bodies) == 1, "a truncated answer is not retried as if it were invalid"
