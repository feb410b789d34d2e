"""Replay matches a batch's requests by what they ask: an upload by its bytes whatever its boundary, a batch by its requests."""

from __future__ import annotations

import json

from agent.recording.matching import body_projection


def _form(boundary: str, content: str) -> bytes:
    return (
        f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="retest-batch.jsonl"\r\nContent-Type: application/jsonl\r\n\r\n'
        f"{content}\r\n--{boundary}--\r\n"
    ).encode()


def test_an_upload_matches_whatever_its_random_boundary() -> None:
    line = '{"custom_id":"r1","method":"POST","url":"/v1/chat/completions","body":{}}\n'
    assert body_projection(_form("a" * 32, line)) == body_projection(_form("b" * 32, line))
    assert body_projection(_form("a" * 32, line)) != body_projection(_form("a" * 32, line.replace("r1", "r2"))), "other requests are a miss"


def test_batches_differ_by_their_file_and_their_requests() -> None:
    create = {"input_file_id": "file-1", "endpoint": "/v1/chat/completions", "completion_window": "24h"}
    assert body_projection(json.dumps(create)) != body_projection(json.dumps({**create, "input_file_id": "file-2"}))
    message = {"model": "claude-sonnet-4-6", "max_tokens": 10, "messages": [{"role": "user", "content": "judge C1"}]}
    one = {"requests": [{"custom_id": "r1", "params": message}]}
    other = {"requests": [{"custom_id": "r2", "params": {**message, "messages": [{"role": "user", "content": "judge C2"}]}}]}
    assert body_projection(json.dumps(one)) != body_projection(json.dumps(other))
    cached = {"requests": [{"custom_id": "r1", "params": {**message, "system": [{"type": "text", "text": "x", "cache_control": {"type": "ephemeral"}}]}}]}
    plain = {"requests": [{"custom_id": "r1", "params": {**message, "system": [{"type": "text", "text": "x"}]}}]}
    assert body_projection(json.dumps(cached)) == body_projection(json.dumps(plain)), "cache breakpoints are not part of what is asked"
