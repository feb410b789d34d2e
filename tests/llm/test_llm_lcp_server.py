"""llama-cpp-python's own server (`llama_cpp.server`), as it really answered: cassettes/llm/lcp-server.yaml.

RECORDED, not written: scripts/local_model/record_lcp_server.py ran llama-cpp-python 0.3.36
(`[server]`, built from its PyPI sdist) with SmolLM2-135M-Instruct Q4_1, a 2,048-token
context, and sent it three screenings through the real `CompatClient` and OpenAI SDK
(cassettes/README.md, `llm/`). The replays here send the same calls again through vcrpy with
the network blocked, so the client is held to what that server did:

- strict `json_schema` answered with HTTP 500 (`'text' or 'json_object'`): the client falls
  back once to `json_object` with the schema in the prompt, and stays there;
- the weak model's JSON-mode answers that do not fit the schema: an unusable answer after
  one retry, never a provider failure;
- a prompt beyond the context: HTTP 400 `context_length_exceeded`, an unusable answer sent once.

Expectations are read from the recorded bodies, so a re-recording keeps them meaningful.
The one body not from this server, `LLAMA_SERVER_CONTEXT`, is HAND-WRITTEN from llama.cpp's
`exceed_context_size_error` (tools/server of the vendored llama.cpp, commit 0c1e570): the
real-local recordings never overflowed llama-server's window on the prompt side.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2
import pytest

from agent.config import Settings
from agent.errors import ProviderError
from agent.llm import make_client
from agent.llm.base import AnswerError, TruncatedAnswer
from agent.llm.compat_client import CompatClient
from agent.llm.server_modes import share_output_modes
from agent.recording import cassette, serializer
from agent.services import RunRequest, build_services
from scripts.local_model.record_lcp_server import INSTRUCTIONS
from tests.llm.scenarios import KORINEK, Screening

CASSETTE = Path(__file__).resolve().parents[2] / "cassettes" / "llm" / "lcp-server.yaml"
INTERACTIONS: list[dict[str, Any]] = serializer.deserialize(CASSETTE.read_text(encoding="utf-8"))["interactions"]
BASE_URL = INTERACTIONS[0]["request"]["uri"].removesuffix("/chat/completions")
# The recorder's three tasks, as it sent them (record_lcp_server.py).
TASKS = (("screen C1", KORINEK), ("screen C2", KORINEK), ("screen C3", KORINEK * 60))

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


def _format(interaction: dict[str, Any]) -> str | None:
    return (json.loads(interaction["request"]["body"]).get("response_format") or {}).get("type")


def _recorded(status: int, kind: str) -> tuple[int, str]:
    """The first recorded answer with this status to a request of this response_format type."""
    for interaction in INTERACTIONS:
        if interaction["response"]["status"]["code"] == status and _format(interaction) == kind:
            return status, interaction["response"]["body"]["string"]
    raise AssertionError(f"no recorded {status} for {kind}")


def _replayed_client() -> CompatClient:
    client = make_client(f"openai-compatible:{BASE_URL}#smollm2", settings=Settings(), replay=True, max_retries=0)
    assert isinstance(client, CompatClient)
    return client


def _ask(client: CompatClient, task: str, data: str) -> BaseException | None:
    try:
        client.complete(task=task, instructions=INSTRUCTIONS, data=data, schema=Screening, max_tokens=384)
    except (AnswerError, ProviderError) as exc:
        return exc
    return None


def test_the_cassette_holds_the_server_s_real_refusal_of_json_schema() -> None:
    first = INTERACTIONS[0]
    assert _format(first) == "json_schema" and first["response"]["status"]["code"] == 500
    message = json.loads(first["response"]["body"]["string"])["error"]["message"]
    assert "'text' or 'json_object'" in message, "llama-cpp-python's request type admits only text and json_object"
    assert [_format(i) for i in INTERACTIONS[1:]] == ["json_object"] * (len(INTERACTIONS) - 1), "one 500, then JSON mode only"


def test_the_recorded_run_replays_request_for_request_falling_back_once_to_json_mode() -> None:
    with cassette("replay", CASSETTE) as handle:
        client = _replayed_client()
        outcomes = [_ask(client, task, data) for task, data in TASKS]
        assert handle.all_played, f"recorded but not sent again: {handle.unplayed()}"  # a second json_schema would be a miss
    assert client.output_mode == "json_object"
    for outcome in outcomes:
        assert isinstance(outcome, AnswerError) and not isinstance(outcome, ProviderError), "the task degrades; the run goes on"
    assert "of 2048 tokens" in outcomes[2].message and BASE_URL.split("//")[1].removesuffix("/v1") in (outcomes[2].hint or "")
    assert '"stance"' in json.loads(INTERACTIONS[1]["request"]["body"])["messages"][0]["content"], "JSON mode has the schema only in the prompt"


class Server:
    """Answers with the recorded bodies by the request's response_format type; keeps every request body."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        self.bodies.append(body)
        status, text = _recorded(500, "json_schema") if _format({"request": {"body": request.content}}) == "json_schema" else _recorded(200, "json_object")
        return httpx2.Response(status, content=text.encode(), headers={"content-type": "application/json"})

    @property
    def formats(self) -> list[str | None]:
        return [(b.get("response_format") or {}).get("type") for b in self.bodies]

    def client(self, base_url: str = "http://127.0.0.1:8000/v1") -> CompatClient:
        transport = httpx2.Client(transport=httpx2.MockTransport(self))
        client = make_client(f"openai-compatible:{base_url}#smollm2", settings=Settings(), replay=True, max_retries=0, http_client=transport)
        assert isinstance(client, CompatClient)
        return client


def _screen(client: CompatClient) -> None:
    with pytest.raises(AnswerError):  # the weak model's recorded JSON-mode answer does not fit the schema
        client.complete(task="screen C1", instructions="Screen it.", data=KORINEK, schema=Screening)


def test_the_fallback_is_remembered_per_base_url_for_every_role_of_the_run() -> None:
    server, other = Server(), Server()
    planner, screener, elsewhere = server.client(), server.client(), other.client("http://127.0.0.1:8001/v1")
    share_output_modes([planner, screener, elsewhere])

    _screen(planner)
    _screen(screener)
    assert server.formats == ["json_schema", "json_object", "json_object", "json_object", "json_object"], "the second role does not pay for the 500 again"
    _screen(elsewhere)
    assert other.formats[0] == "json_schema", "another server is asked for json_schema first"


def test_the_run_s_clients_share_output_modes_by_base_url() -> None:
    local = "openai-compatible:http://127.0.0.1:8000/v1#smollm2"
    settings = Settings(planner=local, screener=local, judge="openai-compatible:http://127.0.0.1:8001/v1#other", writer=local)
    models = build_services(RunRequest(mode="replay", settings=settings), None).models

    modes = {role: client.server_modes for role, client in models.items()}  # type: ignore[attr-defined]
    assert modes["planner"] is modes["screener"] is modes["writer"]
    assert modes["judge"] is not modes["planner"]
    assert build_services(RunRequest(mode="replay", settings=settings), None).models["planner"].server_modes is not modes["planner"], "never across runs"  # type: ignore[attr-defined]


def test_llama_server_s_context_refusal_is_an_unusable_answer_not_a_provider_failure() -> None:
    def refuse(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(LLAMA_SERVER_CONTEXT[0], content=LLAMA_SERVER_CONTEXT[1].encode(), headers={"content-type": "application/json"})

    sent = []
    transport = httpx2.Client(transport=httpx2.MockTransport(lambda r: sent.append(r) or refuse(r)))
    client = make_client("openai-compatible:http://127.0.0.1:8000/v1#smollm2", settings=Settings(), replay=True, max_retries=0, http_client=transport)
    with pytest.raises(AnswerError) as refused:
        client.complete(task="screen C1", instructions="Screen it.", data=KORINEK, schema=Screening)

    assert not isinstance(refused.value, (ProviderError, TruncatedAnswer))
    assert "8737 prompt tokens do not fit the context window of 8192" in refused.value.message
    assert len(sent) == 1, "a bigger context cannot come from asking again"


def test_another_400_is_still_the_provider_failing() -> None:
    def bad(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(400, json={"error": {"message": "bad request", "type": "invalid_request_error"}})

    transport = httpx2.Client(transport=httpx2.MockTransport(bad))
    client = make_client("openai-compatible:http://127.0.0.1:8000/v1#smollm2", settings=Settings(), replay=True, max_retries=0, http_client=transport)
    with pytest.raises(ProviderError):
        client.complete(task="screen C1", instructions="Screen it.", data=KORINEK, schema=Screening)
