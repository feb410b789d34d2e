"""The providers' batch endpoints through their SDKs: submit queued requests, check a batch, read its results.

OpenAI's Batch API takes a JSONL file of requests uploaded with purpose
"batch" (`files.create`), then `batches.create` on it; a finished batch names
an output file and an error file, each JSONL with one line per request
(`custom_id`, `response.status_code`, `response.body`, `error`). Anthropic's
Message Batches take the requests in the body (`messages.batches.create`,
each `custom_id` and `params`); an ended batch's results are JSONL from its
`results_url` (`messages.batches.results`), each `succeeded` with the message,
`errored`, `canceled` or `expired`.

A request a batch did not answer because the batch expired or was cancelled,
or because the provider was overloaded, is left without an answer, so that it
is queued again; one answered with an error that would come back (a bad
request) keeps the error, which fails its run with the provider's words.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from agent.llm.batch.queue import BatchStatus, Queued

if TYPE_CHECKING:
    import anthropic
    import openai

Guard = Callable[[str, str], AbstractContextManager[None]]

# Request outcomes that a later batch may well answer: queued again, not kept as errors.
_OPENAI_AGAIN_CODES = frozenset({"batch_expired", "batch_cancelled"})
_ANTHROPIC_AGAIN_TYPES = frozenset({"api_error", "overloaded_error", "rate_limit_error", "timeout_error"})


@dataclass(frozen=True)
class Progress:
    """How a batch stands: processing, ended (results ready) or failed (none will come), and requests done of all."""

    status: BatchStatus
    done: int
    total: int
    note: str = ""


@dataclass
class Results:
    """A batch's answers (response bodies) and kept errors, by custom_id."""

    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


class BatchApi(Protocol):
    """One provider's batch endpoints, for one base URL and key."""

    def submit(self, requests: Sequence[Queued]) -> str:
        """Submit the requests as one batch; returns its ID."""
        ...

    def check(self, batch_id: str) -> Progress: ...

    def results(self, batch_id: str) -> Results: ...


class OpenAIBatches:
    """OpenAI's Batch API (`/v1/files`, `/v1/batches`)."""

    def __init__(self, sdk: openai.OpenAI, base_url: str, guard: Guard) -> None:
        self._sdk, self._base_url, self._guard = sdk, base_url, guard

    def submit(self, requests: Sequence[Queued]) -> str:
        endpoints = {r.endpoint for r in requests}
        if len(endpoints) != 1:
            raise ValueError(f"one OpenAI batch serves one endpoint, not {sorted(endpoints)}")
        lines = [{"custom_id": r.custom_id, "method": "POST", "url": r.endpoint, "body": r.body} for r in requests]
        data = "".join(json.dumps(line, separators=(",", ":"), ensure_ascii=False) + "\n" for line in lines).encode("utf-8")
        with self._guard("upload a batch", f"{self._base_url}/files"):
            uploaded = self._sdk.files.create(file=("retest-batch.jsonl", data, "application/jsonl"), purpose="batch")
        with self._guard("create a batch", f"{self._base_url}/batches"):
            batch = self._sdk.batches.create(input_file_id=uploaded.id, endpoint=endpoints.pop(), completion_window="24h")  # type: ignore[arg-type]
        return batch.id

    def check(self, batch_id: str) -> Progress:
        with self._guard("check a batch", f"{self._base_url}/batches/{batch_id}"):
            batch = self._sdk.batches.retrieve(batch_id)
        counts = batch.request_counts
        done, total = (counts.completed + counts.failed, counts.total) if counts else (0, 0)
        if batch.status == "failed":
            said = "; ".join(e.message or e.code or "" for e in (batch.errors.data or [])) if batch.errors else ""
            return Progress("failed", done, total, said or "the batch failed validation")
        ended = batch.status in ("completed", "expired", "cancelled")
        return Progress("ended" if ended else "processing", done, total, "" if batch.status in ("completed", "in_progress") else batch.status)

    def results(self, batch_id: str) -> Results:
        with self._guard("check a batch", f"{self._base_url}/batches/{batch_id}"):
            batch = self._sdk.batches.retrieve(batch_id)
        results = Results()
        for file_id in (batch.output_file_id, batch.error_file_id):
            if not file_id:
                continue
            with self._guard("read a batch's results", f"{self._base_url}/files/{file_id}/content"):
                text = self._sdk.files.content(file_id).text
            for raw in text.splitlines():
                if raw.strip():
                    _read_openai_line(json.loads(raw), results)
        return results


def _read_openai_line(line: dict[str, Any], results: Results) -> None:
    custom_id, response, error = line["custom_id"], line.get("response") or {}, line.get("error") or {}
    body = response.get("body") or {}
    if response.get("status_code") == 200:
        results.answers[custom_id] = body
        return
    said: dict[str, Any] = body["error"] if isinstance(body.get("error"), dict) else error
    code, status = str(said.get("code") or ""), response.get("status_code")
    if code in _OPENAI_AGAIN_CODES or status == 429 or (isinstance(status, int) and status >= 500):
        return
    results.errors[custom_id] = f"HTTP {status}: {said.get('message') or code}" if status else str(said.get("message") or code)


class AnthropicBatches:
    """Anthropic's Message Batches (`/v1/messages/batches`)."""

    def __init__(self, sdk: anthropic.Anthropic, base_url: str, guard: Guard) -> None:
        self._sdk, self._base_url, self._guard = sdk, base_url, guard

    def submit(self, requests: Sequence[Queued]) -> str:
        with self._guard("create a batch", f"{self._base_url}/v1/messages/batches"):
            batch = self._sdk.messages.batches.create(requests=[{"custom_id": r.custom_id, "params": r.body} for r in requests])  # type: ignore[typeddict-item]
        return batch.id

    def check(self, batch_id: str) -> Progress:
        with self._guard("check a batch", f"{self._base_url}/v1/messages/batches/{batch_id}"):
            batch = self._sdk.messages.batches.retrieve(batch_id)
        c = batch.request_counts
        done = c.succeeded + c.errored + c.canceled + c.expired
        total = done + c.processing
        return Progress(
            "ended" if batch.processing_status == "ended" else "processing", done, total, "" if batch.processing_status != "canceling" else "canceling"
        )

    def results(self, batch_id: str) -> Results:
        results = Results()
        with self._guard("read a batch's results", f"{self._base_url}/v1/messages/batches/{batch_id}/results"):
            for item in self._sdk.messages.batches.results(batch_id):
                outcome = item.result
                if outcome.type == "succeeded":
                    results.answers[item.custom_id] = outcome.message.model_dump(mode="json", exclude_unset=True)
                elif outcome.type == "errored":
                    error = outcome.error.error
                    if error.type not in _ANTHROPIC_AGAIN_TYPES:
                        results.errors[item.custom_id] = f"{error.type}: {error.message}"
        return results
