"""llama-cpp-python's server and the context-window refusals: the answers the recordings do not hold.

HAND-WRITTEN, not recorded. llama-cpp-python[server] could not be built and run here in
the time there was (it compiles llama.cpp; the machine's two cores were recording the
real-local cassettes), so these bodies are reconstructed from source, each named:

- `LCP_NO_SCHEMA`: llama-cpp-python 0.3.36 validates `response_format` against its
  `ChatCompletionRequestResponseFormat` (llama_cpp/llama_types.py: `type` is `text` or
  `json_object`), and its `RouteErrorHandler` (llama_cpp/server/errors.py) turns the
  validation error into HTTP 500 `internal_server_error` with `str(exc)` as the message.
  The message is what FastAPI 0.165.0 says for that model, produced by running a FastAPI
  app with the same request type and the same handler (not the server itself).
- `LCP_CONTEXT`: the same module's `context_length_exceeded` formatter (HTTP 400).
- `LLAMA_SERVER_CONTEXT`: llama.cpp's `exceed_context_size_error` (HTTP 400 with
  `n_prompt_tokens` and `n_ctx`; tools/server/server-common.cpp and server-task.cpp of the
  llama.cpp that llama-cpp-python 0.3.36 vendors, commit 0c1e570).
The completions are the recorded llama-server shape from cassettes/real-local (via
evals/authoring/llm_wire.py's Ollama-shaped body with llama-server's fields).
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
from agent.llm.base import AnswerError, TruncatedAnswer
from agent.llm.compat_client import CompatClient
from agent.llm.server_modes import share_output_modes
from agent.services import RunRequest, build_services
from evals.authoring.llm_wire import json_text, ollama_completion
from tests.llm.scenarios import GOOD_KORINEK, KORINEK, Screening

LCP_NO_SCHEMA = (
    500,
    json.dumps(
        {
            "error": {
                "message": "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), 'msg': \"Input should be 'text' or "
                "'json_object'\", 'input': 'json_schema', 'ctx': {'expected': \"'text' or 'json_object'\"}}\n\n  Endpoint: POST /v1/chat/completions",
                "type": "internal_server_error",
                "param": None,
                "code": None,
            }
        }
    ),
)
LCP_CONTEXT = (
    400,
    json.dumps(
        {
            "error": {
                "message": "This model's maximum context length is 2048 tokens. However, you requested 9121 tokens (8737 in the messages, 384 in the "
                "completion). Please reduce the length of the messages or completion.",
                "type": "invalid_request_error",
                "param": "messages",
                "code": "context_length_exceeded",
            }
        }
    ),
)
LLAMA_SERVER_CONTEXT = (
    400,
    json.dumps(
        {
            "error": {
                "code": 400,
                "message": "request (8737 tokens) exceeds the available context size (8192 tokens), try increasing it",
                "type": "exceed_context_size_error",
                "n_prompt_tokens": 8737,
                "n_ctx": 8192,
            }
        }
    ),
)


def _completion() -> tuple[int, str]:
    return 200, json.dumps(ollama_completion(json_text(GOOD_KORINEK), prompt_tokens=690, completion_tokens=57) | {"system_fingerprint": None})


class Server:
    """Answers by the request's response_format type; keeps every request body."""

    def __init__(self, answer: Callable[[dict[str, Any]], tuple[int, str]]) -> None:
        self.answer, self.bodies = answer, []  # type: ignore[var-annotated]

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        self.bodies.append(body)
        status, text = self.answer(body)
        return httpx2.Response(status, content=text.encode(), headers={"content-type": "application/json"})

    @property
    def formats(self) -> list[str | None]:
        return [(b.get("response_format") or {}).get("type") for b in self.bodies]

    def client(self, base_url: str = "http://127.0.0.1:8000/v1") -> CompatClient:
        transport = httpx2.Client(transport=httpx2.MockTransport(self))
        client = make_client(f"openai-compatible:{base_url}#smollm2", settings=Settings(), replay=True, max_retries=0, http_client=transport)
        assert isinstance(client, CompatClient)
        return client


def lcp_server(body: dict[str, Any]) -> tuple[int, str]:
    kind = (body.get("response_format") or {}).get("type")
    return LCP_NO_SCHEMA if kind == "json_schema" else _completion()


def _screen(client: CompatClient) -> Screening:
    return client.complete(task="screen C1", instructions="Screen it.", data=KORINEK, schema=Screening).output


def test_llama_cpp_python_s_500_for_json_schema_falls_back_once_to_json_mode_with_the_schema_in_the_prompt() -> None:
    server = Server(lcp_server)
    client = server.client()

    assert _screen(client).model_dump() == GOOD_KORINEK
    assert _screen(client).model_dump() == GOOD_KORINEK
    assert server.formats == ["json_schema", "json_object", "json_object"], "one 500, then JSON mode for the rest of the run"
    assert '"stance"' in server.bodies[1]["messages"][0]["content"], "JSON mode has the schema only in the prompt"
    assert client.output_mode == "json_object"


def test_the_fallback_is_remembered_per_base_url_for_every_role_of_the_run() -> None:
    server, other = Server(lcp_server), Server(lcp_server)
    planner, screener, elsewhere = server.client(), server.client(), other.client("http://127.0.0.1:8001/v1")
    share_output_modes([planner, screener, elsewhere])

    _screen(planner)
    _screen(screener)
    assert server.formats == ["json_schema", "json_object", "json_object"], "the second role does not pay for the refusal again"
    _screen(elsewhere)
    assert other.formats == ["json_schema", "json_object"], "another server is asked for json_schema first"


def test_the_run_s_clients_share_output_modes_by_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    local = "openai-compatible:http://127.0.0.1:8000/v1#smollm2"
    settings = Settings(planner=local, screener=local, judge="openai-compatible:http://127.0.0.1:8001/v1#other", writer=local)
    models = build_services(RunRequest(mode="replay", settings=settings), None).models

    modes = {role: client.server_modes for role, client in models.items()}  # type: ignore[attr-defined]
    assert modes["planner"] is modes["screener"] is modes["writer"]
    assert modes["judge"] is not modes["planner"]
    assert build_services(RunRequest(mode="replay", settings=settings), None).models["planner"].server_modes is not modes["planner"], "never across runs"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("refusal", "context"), [(LCP_CONTEXT, "of 2048 tokens"), (LLAMA_SERVER_CONTEXT, "8737 prompt tokens do not fit the context window of 8192")]
)
def test_a_prompt_larger_than_the_context_is_an_unusable_answer_not_a_provider_failure(refusal: tuple[int, str], context: str) -> None:
    server = Server(lambda body: refusal)
    with pytest.raises(AnswerError) as refused:
        _screen(server.client())

    assert not isinstance(refused.value, (ProviderError, TruncatedAnswer)), "the task degrades (claim unresolved); the run goes on"
    assert context in refused.value.message and "127.0.0.1:8000" in (refused.value.hint or "")
    assert len(server.bodies) == 1, "a bigger context cannot come from asking again"


def test_another_400_is_still_the_provider_failing() -> None:
    server = Server(lambda body: (400, json.dumps({"error": {"message": "bad request", "type": "invalid_request_error"}})))
    with pytest.raises(ProviderError):
        _screen(server.client())
