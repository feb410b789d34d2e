"""Fixtures for the recording tests: wire-format answers, mock transports, SDK clients.

Response bodies follow the shapes of real OpenAI Chat Completions and Anthropic
Messages answers (field names, usage blocks, stop reasons); their contents are
written for these tests.
"""

from __future__ import annotations

import json
import types
from collections.abc import Callable, Iterable
from pathlib import Path

import anthropic
import httpx2
import openai
import pytest

REPO = Path(__file__).resolve().parents[2]
HAND_CASSETTES = REPO / "cassettes" / "tests" / "recording"
PAPERS = {p["arxiv_id"]: p for p in json.loads((REPO / "evals" / "data" / "arxiv-papers.json").read_text())["papers"]}

# The dated claims of examples/bargaining-power.txt used by the hand-written cassettes.
CLAIMS = {
    "C1": ("Wages in AGI scenarios converge to computational replication cost, not to scarcity or human preference (~2025).", "2403.12107"),
    "C2": (
        "In partner-selection experiments, humans learned to prefer AI over human partners for reliability and "
        "consistency; warmth proved as mimicable as task performance (~2026).",
        "2410.03724",
    ),
    "C3": (
        "Bargaining power erodes not via dramatic displacement but through gradual removal of institutional dependencies on human judgment (~2025).",
        "2601.19062",
    ),
}

FINDING_SCHEMA = {
    "type": "object",
    "properties": {
        "stance": {"type": "string", "enum": ["supports", "contradicts", "qualifies", "unrelated"]},
        "quote": {"type": "string"},
    },
    "required": ["stance", "quote"],
    "additionalProperties": False,
}

Handler = Callable[[httpx2.Request], httpx2.Response]


def openai_chat_answer(content: str, *, completion_id: str = "chatcmpl-RtT3st0000000000000000001") -> dict:
    """A Chat Completions answer in the service's wire shape."""
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": 1767225600,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None, "annotations": []},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": 112,
            "completion_tokens": 24,
            "total_tokens": 136,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": "default",
        "system_fingerprint": "fp_0a1b2c3d4e",
    }


def anthropic_answer(text: str, *, message_id: str = "msg_01RtT3st000000000000001") -> dict:
    """A Messages answer in the service's wire shape."""
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-6",
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": 196,
            "output_tokens": 19,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "service_tier": "standard",
        },
    }


def screen_prompt(claim: str) -> str:
    """The user message a screening call sends for a claim and its candidate paper."""
    text, arxiv_id = CLAIMS[claim]
    statement, date = text.rsplit(" (", 1)
    paper = PAPERS[arxiv_id]
    return f'Claim {claim} ({date.rstrip(").")}): {statement}.\n<paper id="{arxiv_id}" title="{paper["title"]}">\n{paper["summary"]}\n</paper>'


def openai_screen_request(claim_text: str, *, max_tokens: int = 400) -> dict:
    """Keyword arguments for chat.completions.create, as a screening call would send."""
    return {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "Screen the paper against the claim. Quote the abstract."},
            {"role": "user", "content": claim_text},
        ],
        "response_format": {"type": "json_schema", "json_schema": {"name": "finding", "schema": FINDING_SCHEMA, "strict": True}},
        "max_tokens": max_tokens,
    }


class Scripted:
    """A MockTransport handler answering from a script, recording what it was sent."""

    def __init__(self, responses: Iterable[httpx2.Response | Handler]) -> None:
        self._responses = list(responses)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if not self._responses:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        answer = self._responses.pop(0)
        return answer(request) if callable(answer) else answer


def unreachable(request: httpx2.Request) -> httpx2.Response:
    """A transport that fails the test if replay ever reaches it."""
    raise AssertionError(f"replay reached the transport: {request.method} {request.url}")


def json_response(body: dict, status: int = 200, headers: dict[str, str] | None = None) -> httpx2.Response:
    return httpx2.Response(status, content=json.dumps(body).encode(), headers={"content-type": "application/json", **(headers or {})})


def openai_client(handler: Handler, *, max_retries: int = 0, **kwargs: object) -> openai.OpenAI:
    return openai.OpenAI(
        api_key=kwargs.pop("api_key", "sk-test-dummy"),
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
        max_retries=max_retries,
        **kwargs,
    )


def anthropic_client(handler: Handler, *, max_retries: int = 0, **kwargs: object) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        api_key=kwargs.pop("api_key", "sk-ant-test-dummy"),
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
        max_retries=max_retries,
        **kwargs,
    )


@pytest.fixture
def vcr_cassette_dir() -> str:
    """pytest-recording reads this room's hand-written cassettes from cassettes/tests/recording/."""
    return str(HAND_CASSETTES)


@pytest.fixture
def wire():
    """The helpers above, for test modules (conftest modules are not importable by name)."""
    return types.SimpleNamespace(
        HAND_CASSETTES=HAND_CASSETTES,
        PAPERS=PAPERS,
        screen_prompt=screen_prompt,
        FINDING_SCHEMA=FINDING_SCHEMA,
        Scripted=Scripted,
        anthropic_answer=anthropic_answer,
        anthropic_client=anthropic_client,
        json_response=json_response,
        openai_chat_answer=openai_chat_answer,
        openai_client=openai_client,
        openai_screen_request=openai_screen_request,
        unreachable=unreachable,
    )
