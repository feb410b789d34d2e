"""Anthropic models through the official SDK, with JSON-schema structured output.

Structured output is `output_config={"format": {"type": "json_schema", "schema":
...}}` on `client.messages.create`, a parameter the installed SDK (anthropic 2.x)
supports on the GA Messages API, without a beta header. It is preferred to a
tool used as the output schema because the answer comes back as constrained
text in the ordinary way: no forced `tool_choice` (which extended thinking
does not allow), no tool_use/tool_result bookkeeping in the validation retry,
and refusal and truncation are reported by `stop_reason` as for any message.
The schema is the SDK's `transform_schema` of the pydantic model; the answer is
still validated by pydantic.

Retries on 429, 5xx (529 overloaded included) and timeouts are the SDK's own
(`max_retries`, honouring `retry-after-ms`/`Retry-After`); nothing here retries
HTTP again.
"""

from __future__ import annotations

from typing import Any, ClassVar

import anthropic
import httpx2
from anthropic.types import Message as AnthropicMessage

from agent.llm._client import SdkClient
from agent.llm.base import DEFAULT_MAX_TOKENS, TRUNCATION_HINT, AnswerError, Completion, RefusedAnswer, T, TruncatedAnswer, Usage
from agent.llm.batch import current_desk
from agent.llm.batch.apis import AnthropicBatches
from agent.llm.providers import Provider
from agent.llm.schema import anthropic_schema
from agent.llm.structured import Message, Turn, complete_structured

ANTHROPIC_BASE_URL = "https://api.anthropic.com"


class AnthropicClient(SdkClient[anthropic.Anthropic]):
    """A ModelClient for one Anthropic model (`anthropic:<model>`)."""

    provider: ClassVar[Provider] = "anthropic"
    default_base_url: ClassVar[str] = ANTHROPIC_BASE_URL

    def _connect(self, *, api_key: str, max_retries: int, timeout_s: float, http_client: httpx2.Client | None) -> anthropic.Anthropic:
        # An explicit key and base URL keep ANTHROPIC_* profiles and ANTHROPIC_BASE_URL out of play.
        return anthropic.Anthropic(api_key=api_key, base_url=self.base_url, max_retries=max_retries, timeout=timeout_s, http_client=http_client)

    def complete(self, *, task: str, instructions: str, data: str, schema: type[T], max_tokens: int = DEFAULT_MAX_TOKENS) -> Completion[T]:
        """Run one task; see `agent.llm.base.ModelClient.complete`."""
        output_config = {"format": {"type": "json_schema", "schema": anthropic_schema(schema)}}

        def send(messages: list[Message]) -> Turn:
            return self._send(task, instructions, messages, output_config, max_tokens)

        return complete_structured(task=task, model_string=self.model_string, schema=schema, data=data, send=send)

    def _send(self, task: str, instructions: str, messages: list[Message], output_config: dict[str, Any], max_tokens: int) -> Turn:
        # The API rejects an empty system prompt; leave it out instead. The instructions are every call's unchanging
        # prefix (the schema, rendered before them, too): a cache breakpoint after them lets the next call of the task
        # read them from the prompt cache, once they reach the model's minimum cacheable length (shorter ones are not cached).
        system: dict[str, Any] = {"system": [{"type": "text", "text": instructions, "cache_control": {"type": "ephemeral"}}]} if instructions else {}
        started = self._clock()
        url = f"{self.base_url}/v1/messages"
        params: dict[str, Any] = {"model": self.model, "max_tokens": max_tokens, "messages": messages, "output_config": output_config, **system}
        desk = current_desk()
        if desk is not None:
            body = desk.answer(provider=self.provider, base_url=self.base_url, model=self.model, endpoint="/v1/messages", body=params, task=task)
            response = AnthropicMessage.model_validate(body)
        else:
            with self._http_call(task, url):
                # Plain dicts where the SDK types TypedDicts, and `system` only when there is one.
                response = self._sdk.messages.create(**params)
        # A batched answer took the batch's time, not this call's: its latency is not counted.
        usage = self._usage(response, 0.0 if desk else self._clock() - started, batch=desk is not None)
        return Turn(text=self._answer_text(response, task, max_tokens, usage), usage=usage)

    def batch_api(self) -> AnthropicBatches:
        """Anthropic's Message Batches with this client's key and base URL."""
        return AnthropicBatches(self._sdk, self.base_url, self._http_call)

    def _answer_text(self, response: AnthropicMessage, task: str, max_tokens: int, usage: Usage) -> str:
        where = f"task {task!r} on {self.model_string}"
        if response.stop_reason == "refusal":
            details = response.stop_details
            why = f": {details.explanation}" if details is not None and details.explanation else "."
            raise RefusedAnswer(
                f"{where}: the model refused to answer (stop_reason 'refusal'){why}",
                hint="Rephrase the task's prompt or use another model for this role.",
                usage=usage,
            )
        if response.stop_reason == "max_tokens":
            raise TruncatedAnswer(
                f"{where}: the answer was truncated at max_tokens={max_tokens} (stop_reason 'max_tokens').",
                max_tokens=max_tokens,
                hint=TRUNCATION_HINT,
                usage=usage,
            )
        if response.stop_reason == "model_context_window_exceeded":
            # Not a TruncatedAnswer: a bigger output budget cannot make room in a full window.
            raise AnswerError(
                f"{where}: the answer was truncated because the model's context window is full.",
                hint="Shorten the task's input or use a model with a larger context window.",
                usage=usage,
            )
        return "".join(block.text for block in response.content if block.type == "text")

    def _usage(self, response: AnthropicMessage, latency_s: float, *, batch: bool = False) -> Usage:
        tokens = response.usage
        cache_read = tokens.cache_read_input_tokens or 0
        # Anthropic's input_tokens excludes cache reads and writes; Usage counts all input.
        all_input = tokens.input_tokens + cache_read + (tokens.cache_creation_input_tokens or 0)
        usage = Usage(
            input_tokens=all_input,
            output_tokens=tokens.output_tokens,
            cached_tokens=cache_read,
            cache_write_tokens=tokens.cache_creation_input_tokens or 0,
            latency_s=latency_s,
            model=response.model,
        )
        return self._priced(usage, batch=batch)
