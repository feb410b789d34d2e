"""The compatible client on what llama.cpp's llama-server really sent: every exchange in cassettes/real-local/.

Those cassettes were recorded from llama-server (SmolLM2-135M-Instruct, cassettes/README.md).
Each test takes the recorded request and response bodies as they are and answers the real
`CompatClient` (and the OpenAI SDK) with them through an `httpx2.MockTransport`, so the
client is held to the server's real shape: strict `json_schema` accepted, its usage block
and `timings`, `finish_reason: "length"` at the budget and at the context window. The
expectations are derived from each recorded body, not written down, so a re-recording
keeps the tests meaningful.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
from pydantic import BaseModel

from agent.config import Settings
from agent.graph import answers
from agent.llm import make_client
from agent.llm.base import AnswerError, TruncatedAnswer, Usage
from agent.llm.compat_client import CompatClient
from agent.recording import serializer

FOLDER = Path(__file__).resolve().parents[2] / "cassettes" / "real-local"


@dataclass(frozen=True)
class Exchange:
    cassette: str
    request: dict[str, Any]
    response: dict[str, Any]
    base_url: str

    @property
    def schema(self) -> type[BaseModel]:
        schema = getattr(answers, self.request["response_format"]["json_schema"]["name"])
        assert isinstance(schema, type) and issubclass(schema, BaseModel)
        return schema

    @property
    def finish_reason(self) -> str:
        return str(self.response["choices"][0]["finish_reason"])

    def __str__(self) -> str:
        return f"{self.cassette}: {self.request['response_format']['json_schema']['name']} ({self.finish_reason})"


def _exchanges() -> Iterator[Exchange]:
    for path in sorted(FOLDER.glob("*.yaml")):
        for interaction in serializer.deserialize(path.read_text(encoding="utf-8"))["interactions"]:
            uri = interaction["request"]["uri"]
            if not uri.endswith("/v1/chat/completions") or interaction["response"]["status"]["code"] != 200:
                continue
            yield Exchange(
                cassette=path.stem,
                request=json.loads(interaction["request"]["body"]),
                response=json.loads(interaction["response"]["body"]["string"]),
                base_url=uri.removesuffix("/chat/completions"),
            )


EXCHANGES = list(_exchanges())
STOPPED = [e for e in EXCHANGES if e.finish_reason == "stop"]
CUT = [e for e in EXCHANGES if e.finish_reason == "length"]


def _client(exchange: Exchange, body: dict[str, Any]) -> tuple[CompatClient, list[dict[str, Any]]]:
    """The real client for the recorded server, answered with `body` for every request; the requests it sent."""
    sent: list[dict[str, Any]] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        sent.append(json.loads(request.content))
        return httpx2.Response(200, json=body)

    client = make_client(
        f"openai-compatible:{exchange.base_url}#{exchange.request['model']}",
        settings=Settings(),
        replay=True,
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(answer)),
    )
    assert isinstance(client, CompatClient)
    return client, sent


def _usage_of(client: CompatClient, exchange: Exchange) -> tuple[Usage, int]:
    """What the client counted for one task answered with the recorded body, and how many requests it took."""
    try:
        completion = client.complete(task="t", instructions="i", data="d", schema=exchange.schema, max_tokens=exchange.request["max_tokens"])
        usage = completion.usage
    except AnswerError as exc:  # the weak model's answer may not validate, twice
        assert exc.usage is not None
        usage = exc.usage
    return usage, usage.calls


def test_the_recordings_hold_both_kinds_of_answer() -> None:
    assert STOPPED and CUT, "re-recorded cassettes without a truncated answer would leave the truncation tests empty"


@pytest.mark.parametrize("exchange", STOPPED, ids=str)
def test_llama_server_takes_strict_json_schema_and_its_usage_is_read(exchange: Exchange) -> None:
    assert exchange.request["response_format"]["type"] == "json_schema" and exchange.request["response_format"]["json_schema"]["strict"] is True
    client, sent = _client(exchange, exchange.response)
    usage, calls = _usage_of(client, exchange)

    recorded = exchange.response["usage"]
    assert usage.input_tokens == calls * recorded["prompt_tokens"] and usage.output_tokens == calls * recorded["completion_tokens"]
    assert usage.cached_tokens == calls * recorded["prompt_tokens_details"]["cached_tokens"]
    assert usage.model == exchange.response["model"]
    assert client.output_mode == "json_schema" and all(s["response_format"]["type"] == "json_schema" for s in sent), "an accepted format is kept"
    assert client.server_kind == "llama-server"


@pytest.mark.parametrize("exchange", STOPPED[:4], ids=str)
def test_without_a_usage_block_the_tokens_come_from_llama_server_timings(exchange: Exchange) -> None:
    body = {k: v for k, v in exchange.response.items() if k != "usage"}
    usage, calls = _usage_of(_client(exchange, body)[0], exchange)

    recorded = exchange.response["usage"]  # what the server said in the block removed: timings must agree with it
    assert usage.input_tokens == calls * recorded["prompt_tokens"]
    assert usage.output_tokens == calls * recorded["completion_tokens"]
    assert usage.cached_tokens == calls * exchange.response["timings"]["cache_n"]


@pytest.mark.parametrize("exchange", CUT, ids=str)
def test_a_recorded_truncation_says_whether_the_budget_or_the_context_cut_it(exchange: Exchange) -> None:
    client, sent = _client(exchange, exchange.response)
    budget = exchange.request["max_tokens"]
    with pytest.raises(TruncatedAnswer) as truncated:
        client.complete(task="t", instructions="i", data="d", schema=exchange.schema, max_tokens=budget)

    spent = exchange.response["usage"]["completion_tokens"]
    message, hint = truncated.value.message, truncated.value.hint or ""
    if spent >= budget:
        assert truncated.value.max_tokens == budget and f"truncated at max_tokens={budget}" in message
    else:
        prompt = exchange.response["usage"]["prompt_tokens"]
        assert truncated.value.max_tokens is None, "a bigger budget would not help: nobody should retry with one"
        assert "context window" in message and f"= {prompt + spent} tokens" in message
    host = exchange.base_url.split("//", 1)[1].split("/", 1)[0]
    assert f"llama-server at {host}" in hint and "-c/--ctx-size" in hint
    assert "Ollama" not in hint and "OLLAMA" not in hint, "the hint names the server that answered"
    assert len(sent) == 1, "a truncated answer is not asked again by the client"
