"""Model API response bodies in the providers' real shapes, for hand-written cassettes.

Shapes follow the real exchanges in /work/shared/data/llm-wire (OpenAI Chat
Completions; Anthropic Messages with output_config). IDs, timestamps and
token counts are written by us; nothing here was recorded from a service.
"""

from __future__ import annotations

import json
from typing import Any


def json_text(value: Any) -> str:
    """An answer as a model writes it: compact JSON."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def openai_completion(
    content: str | None,
    *,
    model: str = "gpt-5.4-mini-2026-03-17",
    finish_reason: str = "stop",
    refusal: str | None = None,
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    reasoning_tokens: int = 0,
    created: int = 1764423000,
    suffix: str = "A1",
) -> dict[str, Any]:
    """A Chat Completions response body in OpenAI's shape."""
    return {
        "id": f"chatcmpl-CRtst{suffix}q9XbLw2mYv7e0Tn3Kd",
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal, "annotations": []},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": reasoning_tokens,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": "default",
        "system_fingerprint": None,
    }


def anthropic_message(
    text: str,
    *,
    model: str = "claude-sonnet-4-6",
    stop_reason: str = "end_turn",
    stop_details: dict[str, Any] | None = None,
    input_tokens: int = 0,
    output_tokens: int = 0,
    suffix: str = "A1",
) -> dict[str, Any]:
    """A Messages response body in Anthropic's shape."""
    return {
        "id": f"msg_01Rtst{suffix}V8sKq3HwZp5NcY2",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text}] if text else [],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "stop_details": stop_details,
        "usage": {
            "input_tokens": input_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
            "output_tokens": output_tokens,
            "service_tier": "standard",
            "inference_geo": "not_available",
        },
    }


def ollama_completion(content: str, *, prompt_tokens: int, completion_tokens: int, suffix: str = "417") -> dict[str, Any]:
    """A Chat Completions response body as Ollama's OpenAI-compatible endpoint shapes it."""
    return {
        "id": f"chatcmpl-{suffix}",
        "object": "chat.completion",
        "created": 1764423300,
        "model": "llama3.1",
        "system_fingerprint": "fp_ollama",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "total_tokens": prompt_tokens + completion_tokens},
    }
