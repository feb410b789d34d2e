"""OpenAI models through the official SDK, with strict JSON-schema structured output.

Chat Completions rather than Responses, because:
- the same request shape is what OpenAI-compatible servers (Ollama, vLLM,
  LM Studio) implement, so `CompatClient` reuses this class and changes only the
  response format, the instructions and the token-limit parameter;
- nothing is stored server-side (Responses defaults to `store: true`), and each
  task is one stateless exchange anyway;
- refusal (`message.refusal`) and truncation (`finish_reason == "length"`) are
  plain fields of the one choice.

Structured output is `response_format={"type": "json_schema", "json_schema":
{"name", "schema", "strict": true}}` with the schema made strict by
`agent.llm.schema.strict_schema`; the answer is still validated by pydantic.

Retries on 429, 5xx, 408/409 and timeouts are the SDK's own (`max_retries`,
exponential backoff, honouring `retry-after-ms`/`Retry-After`); nothing here
retries HTTP again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx2
import openai
from openai.types.chat import ChatCompletion

from agent.errors import ModelOutputError
from agent.llm._failures import provider_errors
from agent.llm.base import Completion, T, Usage
from agent.llm.model_string import Provider
from agent.llm.pool import model_call_slot
from agent.llm.prices import estimate_cost
from agent.llm.schema import schema_name, strict_schema
from agent.llm.structured import Message, Turn, complete_structured

OPENAI_BASE_URL = "https://api.openai.com/v1"
DEFAULT_TIMEOUT_S = 300.0


class OpenAIClient:
    """A ModelClient for one OpenAI model (`openai:<model>`)."""

    provider: Provider = "openai"
    # GPT-5 and o-series models reject `max_tokens`; this is its replacement.
    token_limit_param = "max_completion_tokens"

    def __init__(
        self,
        model: str,
        *,
        api_key: str,
        base_url: str = OPENAI_BASE_URL,
        max_retries: int = 2,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        http_client: httpx2.Client | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        """`api_key` is used for requests only; it is never shown in a repr, log or error."""
        self.model = model
        self.base_url = base_url.rstrip("/")
        self.model_string = self._model_string()
        self._secrets = (api_key,)
        self._clock = clock
        # base_url is always explicit so OPENAI_BASE_URL in the environment cannot redirect a replay.
        self._sdk = openai.OpenAI(api_key=api_key, base_url=self.base_url, max_retries=max_retries, timeout=timeout_s, http_client=http_client)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.model_string!r})"

    def complete(self, *, task: str, instructions: str, data: str, schema: type[T], max_tokens: int = 4096) -> Completion[T]:
        """Run one task; see `agent.llm.base.ModelClient.complete`."""
        system = self.system_prompt(instructions, schema)
        response_format = self.response_format(schema)

        def send(messages: list[Message]) -> Turn:
            head: list[Message] = [{"role": "system", "content": system}] if system else []
            return self._send(task, [*head, *messages], response_format, max_tokens)

        return complete_structured(task=task, model_string=self.model_string, schema=schema, data=data, send=send)

    def system_prompt(self, instructions: str, schema: type[T]) -> str:
        """The system message; the schema travels in `response_format`, so the instructions go as given."""
        return instructions

    def response_format(self, schema: type[T]) -> dict[str, Any]:
        """Strict JSON-schema output."""
        return {"type": "json_schema", "json_schema": {"name": schema_name(schema), "schema": strict_schema(schema), "strict": True}}

    def _model_string(self) -> str:
        return f"openai:{self.model}"

    def _send(self, task: str, messages: list[Message], response_format: dict[str, Any], max_tokens: int) -> Turn:
        started = self._clock()
        url = f"{self.base_url}/chat/completions"
        with provider_errors(provider=self.provider, model=self.model, task=task, url=url, secrets=self._secrets), model_call_slot():
            response = self._sdk.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                response_format=response_format,  # type: ignore[arg-type]
                **{self.token_limit_param: max_tokens},
            )
        usage = self._usage(response, self._clock() - started)
        return Turn(text=self._answer_text(response, task, max_tokens), usage=usage)

    def _answer_text(self, response: ChatCompletion, task: str, max_tokens: int) -> str:
        where = f"task {task!r} on {self.model_string}"
        if not response.choices:
            raise ModelOutputError(f"{where}: the response held no answer (no choices).")
        choice = response.choices[0]
        if choice.message.refusal:
            raise ModelOutputError(
                f"{where}: the model refused to answer: {choice.message.refusal}",
                hint="Read the refusal; rephrase the task's prompt or use another model for this role.",
            )
        if choice.finish_reason == "length":
            raise ModelOutputError(
                f"{where}: the answer was truncated at max_tokens={max_tokens} (finish_reason 'length').",
                hint="Raise max_tokens for this task or shorten its input.",
            )
        if choice.finish_reason == "content_filter":
            raise ModelOutputError(f"{where}: the provider's content filter stopped the answer (finish_reason 'content_filter').")
        return choice.message.content or ""

    def _usage(self, response: ChatCompletion, latency_s: float) -> Usage:
        tokens = response.usage
        details = tokens.prompt_tokens_details if tokens else None
        usage = Usage(
            input_tokens=tokens.prompt_tokens if tokens else 0,
            output_tokens=tokens.completion_tokens if tokens else 0,
            cached_tokens=details.cached_tokens if details else None,
            latency_s=latency_s,
            model=response.model,
        )
        # No usage block: the tokens are unknown, so the cost is too (never the 0 that zero tokens would price at).
        cost = estimate_cost(response.model, usage) if tokens is not None else None
        return usage.model_copy(update={"cost_usd": cost})
