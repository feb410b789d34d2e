"""Which recorded interaction answers a request: a normalised projection.

Requests match on method, scheme, host, port, path, the query (parsed, sorted,
blank values kept) and, for JSON bodies, a projection of what was *asked*: the
body keys every provider in `agent.llm.providers` registers as its
`match_keys`, plus `stream` (absent == false). Today those are

    model, messages, input, system, instructions      (the prompt)
    response_format, text.format, output_config,      (the output schema)
    output_format, tools, tool_choice

A request cannot say which provider sent it (a compatible server has any host),
so every request is projected on all providers' keys.

Decisions:
- A changed prompt, model or schema is a miss: the recorded answer no longer
  answers the request, and replay must say so instead of pretending.
- Knobs that change *how* a model answers but not *what* was asked are left
  out (each provider lists its own as `unmatched_keys`): max_tokens /
  max_completion_tokens / max_output_tokens, temperature, top_p, seed,
  reasoning, reasoning_effort, thinking, metadata, user, store, service_tier,
  parallel_tool_calls, prompt_cache_key. Changing a token budget replays the
  recorded answer; if the new budget would have truncated it, only a live run
  shows that.
- `cache_control` markers are dropped anywhere, and message content given as a
  string equals the same text as a single text block.
- Parallel claims send different messages, so each gets its own answer in any
  order. Identical requests are answered once each, in recorded order
  (allow_playback_repeats=False): an extra repeat is a miss, never a silently
  duplicated answer.
- Bodies that are not JSON (arXiv sends none; forms) compare as raw bytes, a
  multipart form's boundary (random per request) replaced by a fixed one: an
  OpenAI batch's uploaded file of requests matches when its bytes do.
- A batch's requests are part of what it asks: OpenAI's `batches.create`
  names its uploaded file and endpoint (`input_file_id`, `endpoint`), and
  Anthropic's Message Batches carry them in `requests`.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from vcr.request import Request

from agent.llm.providers import registered

MATCH_ON = ("method", "scheme", "host", "port", "path", "retest_query", "retest_body")


def _strip_cache_control(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _strip_cache_control(item) for key, item in value.items() if key != "cache_control"}
    if isinstance(value, list):
        return [_strip_cache_control(item) for item in value]
    return value


def _as_blocks(content: Any) -> Any:
    """A string prompt equals the same text as one text block."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return content


def _normalise_messages(messages: Any) -> Any:
    if not isinstance(messages, list):
        return _as_blocks(messages)
    normalised = []
    for message in messages:
        if isinstance(message, dict) and "content" in message:
            message = {**message, "content": _as_blocks(message["content"])}
        normalised.append(message)
    return normalised


def body_projection(body: bytes | str | None) -> Any:
    """What a request body asks, for matching; raw bytes when it is not a JSON object."""
    if body is None or body in (b"", ""):
        return None
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    try:
        parsed = json.loads(raw)
    except ValueError:
        return _fixed_boundary(raw)
    if not isinstance(parsed, dict):
        return parsed
    parsed = _strip_cache_control(parsed)
    # Read on every call, not at import, so that a provider registered later is matched too.
    specs = registered()
    projection: dict[str, Any] = {}
    for key in dict.fromkeys(key for spec in specs for key in spec.match_keys):
        _project(parsed, key, projection)
    for key in {key for spec in specs for key in spec.message_keys}:
        if key in projection:
            projection[key] = _normalise_messages(projection[key])
    projection["stream"] = bool(parsed.get("stream", False))
    return projection


_MULTIPART = re.compile(rb"--([0-9A-Za-z'()+_,./:=?-]{1,70})\r\n")


def _fixed_boundary(raw: bytes) -> bytes:
    """A multipart form with its boundary (random per request: httpx2 draws it) replaced by a fixed one; other bytes as they are."""
    found = _MULTIPART.match(raw)
    return raw.replace(b"--" + found.group(1), b"--retest-boundary") if found else raw


def _project(body: dict[str, Any], key: str, projection: dict[str, Any]) -> None:
    """Copy `key` into the projection: a top-level key when present, a dotted one ("text.format") when not null."""
    head, dot, rest = key.partition(".")
    if not dot:
        if key in body:
            projection[key] = body[key]
        return
    value: Any = body.get(head)
    for part in rest.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is not None:
        projection[key] = value


def _differing_keys(a: Any, b: Any) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        return sorted(key for key in a.keys() | b.keys() if a.get(key) != b.get(key))
    return ["body"]


def match_body(r1: Request, r2: Request) -> None:
    """vcrpy matcher: equal body projections, or AssertionError naming what differs."""
    p1, p2 = body_projection(r1.body_bytes), body_projection(r2.body_bytes)
    if p1 != p2:
        raise AssertionError(f"request body differs in: {', '.join(_differing_keys(p1, p2))}")


def query_projection(request: Request) -> list[tuple[str, str]]:
    """The query as sorted pairs, blank values kept (arXiv sends `id_list=`)."""
    return sorted(parse_qsl(request.parsed_uri.query, keep_blank_values=True))


def match_query(r1: Request, r2: Request) -> None:
    """vcrpy matcher: equal normalised queries."""
    q1, q2 = query_projection(r1), query_projection(r2)
    if q1 != q2:
        changed = sorted({key for key, _ in set(q1) ^ set(q2)})
        raise AssertionError(f"query differs in: {', '.join(changed)}")
