"""A stand-in for OpenAI's Batch API and Anthropic's Message Batches, behind httpx2's MockTransport.

No hosted service is reachable where Retest is built, so the batch cassettes are
recorded against this: the real SDKs send their real requests (a multipart
upload of the JSONL requests, `batches.create`, `batches.retrieve`,
`files.content`; `messages.batches.create`, `retrieve`, `results`) and it
answers in the shapes of the SDKs' types (openai.types.Batch and FileObject,
anthropic.types.messages.MessageBatch and MessageBatchIndividualResponse) and
the providers' documented JSONL result lines. Each batched request is answered
by `answer(provider, body)`, e.g. with the hand-written answer the line's
synchronous cassette holds for the same request (`answers_from_cassette`).

A batch reports "in progress" for its first `checks_before_done` retrievals,
then ended. IDs are derived from the content, timestamps from `created`, so a
rebuild writes the same bytes. Nothing here was recorded from a live service.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any

import httpx2

from agent.recording import serializer as cassette_format
from agent.recording.matching import body_projection

Answer = Callable[[str, dict[str, Any]], dict[str, Any]]
OPENAI_HOST, ANTHROPIC_HOST = "api.openai.com", "api.anthropic.com"


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def answers_from_cassette(*paths: Path) -> Answer:
    """Answer a batched request with the response body a synchronous cassette holds for the same request (by its matching projection)."""
    table: dict[str, dict[str, Any]] = {}
    for path in paths:
        for item in cassette_format.deserialize(path.read_text(encoding="utf-8"))["interactions"]:
            body = item["request"].get("body")
            if not body or "arxiv.org" in item["request"]["uri"]:
                continue
            key = json.dumps(body_projection(body if isinstance(body, str) else str(body)), sort_keys=True)
            table.setdefault(key, json.loads(item["response"]["body"]["string"]))

    def answer(provider: str, body: dict[str, Any]) -> dict[str, Any]:
        key = json.dumps(body_projection(json.dumps(body)), sort_keys=True)
        if key not in table:
            raise KeyError(f"no answer for a {provider} request to {body.get('model')}: no synchronous cassette holds it")
        return table[key]

    return answer


class BatchService:
    """The batch endpoints of both providers, in memory; call it as a MockTransport handler."""

    def __init__(self, answer: Answer, *, created: dt.datetime, checks_before_done: int = 1, failing: dict[str, dict[str, Any]] | None = None) -> None:
        """`failing`: custom_id -> an error to answer that request with instead (an OpenAI error body or an Anthropic error object)."""
        self.answer = answer
        self.created = created
        self.checks_before_done = checks_before_done
        self.failing = failing or {}
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.checks: Counter[str] = Counter()

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        path, method = request.url.path, request.method
        if request.url.host == OPENAI_HOST:
            if method == "POST" and path == "/v1/files":
                return self._upload(request)
            if method == "POST" and path == "/v1/batches":
                return self._openai_create(json.loads(request.content))
            if method == "GET" and path.startswith("/v1/batches/"):
                return self._json(self._openai_batch(path.rsplit("/", 1)[1], checked=True))
            if method == "GET" and path.startswith("/v1/files/") and path.endswith("/content"):
                return httpx2.Response(200, content=self.files[path.split("/")[3]], headers={"content-type": "application/octet-stream"})
        if request.url.host == ANTHROPIC_HOST:
            if method == "POST" and path == "/v1/messages/batches":
                return self._anthropic_create(json.loads(request.content))
            if method == "GET" and path.endswith("/results"):
                return httpx2.Response(200, content=self.files[path.split("/")[4]], headers={"content-type": "application/binary"})
            if method == "GET" and path.startswith("/v1/messages/batches/"):
                return self._json(self._anthropic_batch(path.rsplit("/", 1)[1]))
        return httpx2.Response(404, json={"error": {"message": f"the stand-in has no {method} {path}", "type": "invalid_request_error"}})

    @staticmethod
    def _json(body: dict[str, Any]) -> httpx2.Response:
        return httpx2.Response(200, json=body, headers={"content-type": "application/json"})

    def _at(self, seconds: int = 0) -> int:
        return int(self.created.timestamp()) + seconds

    def _iso(self, seconds: int = 0) -> str:
        return (self.created + dt.timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")

    # OpenAI: a file of requests, a batch over it, an output file.
    def _upload(self, request: httpx2.Request) -> httpx2.Response:
        head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
        form = BytesParser(policy=HTTP).parsebytes(head + request.content)
        part = next(p for p in form.iter_parts() if p.get_param("name", header="content-disposition") == "file")
        content = part.get_payload(decode=True)
        file_id = f"file-{_digest(content.decode('utf-8'))[:22]}"
        self.files[file_id] = content
        return self._json(
            {"id": file_id, "object": "file", "bytes": len(content), "created_at": self._at(), "filename": part.get_filename(), "purpose": "batch",
             "status": "processed", "expires_at": None, "status_details": None}
        )  # fmt: skip

    def _openai_create(self, body: dict[str, Any]) -> httpx2.Response:
        batch_id = f"batch_{_digest(body['input_file_id'])[:32]}"
        lines = [json.loads(raw) for raw in self.files[body["input_file_id"]].decode("utf-8").splitlines() if raw.strip()]
        self.batches[batch_id] = {"endpoint": body["endpoint"], "input_file_id": body["input_file_id"], "lines": lines}
        return self._json(self._openai_batch(batch_id, checked=False))

    def _openai_batch(self, batch_id: str, *, checked: bool) -> dict[str, Any]:
        held = self.batches[batch_id]
        if checked:
            self.checks[batch_id] += 1
        done = self.checks[batch_id] > self.checks_before_done
        total = len(held["lines"])
        output = self._openai_output(batch_id, held["lines"]) if done else None
        failed = sum(1 for line in held["lines"] if line["custom_id"] in self.failing)
        status = "completed" if done else ("in_progress" if checked else "validating")
        return {
            "id": batch_id, "object": "batch", "endpoint": held["endpoint"], "model": held["lines"][0]["body"].get("model"), "errors": None,
            "input_file_id": held["input_file_id"], "completion_window": "24h", "status": status,
            "output_file_id": output, "error_file_id": None, "created_at": self._at(), "in_progress_at": self._at(5) if checked else None,
            "expires_at": self._at(86400), "finalizing_at": self._at(1800) if done else None, "completed_at": self._at(1810) if done else None,
            "failed_at": None, "expired_at": None, "cancelling_at": None, "cancelled_at": None,
            "request_counts": {"total": total, "completed": total - failed if done else 0, "failed": failed if done else 0}, "metadata": None,
        }  # fmt: skip

    def _openai_output(self, batch_id: str, lines: list[dict[str, Any]]) -> str:
        file_id = f"file-{_digest(batch_id, 'output')[:22]}"
        if file_id not in self.files:
            out = []
            for n, line in enumerate(lines):
                cid = line["custom_id"]
                if cid in self.failing:
                    response = {"status_code": 400, "request_id": f"req_{_digest(cid)[:32]}", "body": self.failing[cid]}
                else:
                    response = {"status_code": 200, "request_id": f"req_{_digest(cid)[:32]}", "body": self.answer("openai", line["body"])}
                out.append({"id": f"batch_req_{_digest(batch_id, str(n))[:32]}", "custom_id": cid, "response": response, "error": None})
            self.files[file_id] = "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in out).encode("utf-8")
        return file_id

    # Anthropic: a batch of requests, its results as JSONL.
    def _anthropic_create(self, body: dict[str, Any]) -> httpx2.Response:
        batch_id = f"msgbatch_{_digest(json.dumps(body['requests'], sort_keys=True))[:24]}"
        self.batches[batch_id] = {"requests": body["requests"]}
        return self._json(self._anthropic_batch(batch_id, checked=False))

    def _anthropic_batch(self, batch_id: str, *, checked: bool = True) -> dict[str, Any]:
        requests = self.batches[batch_id]["requests"]
        if checked:
            self.checks[batch_id] += 1
        done = self.checks[batch_id] > self.checks_before_done
        errored = sum(1 for r in requests if r["custom_id"] in self.failing)
        if done and batch_id not in self.files:
            results = [
                {"custom_id": r["custom_id"], "result": {"type": "errored", "error": {"type": "error", "error": self.failing[r["custom_id"]]}}}
                if r["custom_id"] in self.failing else {"custom_id": r["custom_id"], "result": {"type": "succeeded", "message": self.answer("anthropic", r["params"])}}
                for r in requests
            ]  # fmt: skip
            self.files[batch_id] = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in results).encode("utf-8")
        counts = {"processing": 0 if done else len(requests), "succeeded": len(requests) - errored if done else 0, "errored": errored if done else 0,
                  "canceled": 0, "expired": 0}  # fmt: skip
        return {
            "id": batch_id, "type": "message_batch", "processing_status": "ended" if done else "in_progress", "request_counts": counts,
            "ended_at": self._iso(1810) if done else None, "created_at": self._iso(), "expires_at": self._iso(86400), "archived_at": None,
            "cancel_initiated_at": None,
            "results_url": f"https://{ANTHROPIC_HOST}/v1/messages/batches/{batch_id}/results" if done else None,
        }  # fmt: skip
