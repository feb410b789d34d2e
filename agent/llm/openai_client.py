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

from typing import Any, ClassVar

import httpx2
import openai
from openai.types.chat import ChatCompletion

from agent.errors import ModelOutputError
from agent.llm._client import SdkClient
from agent.llm.base import Completion, T, Usage
from agent.llm.providers import Provider
from agent.llm.schema import schema_name, strict_schema
from agent.llm.structured import Message, Turn, complete_structured

OPENAI_BASE_URL = "https://api.openai.com/v1"


class OpenAIClient(SdkClient[openai.OpenAI]):
    """A ModelClient for one OpenAI model (`openai:<model>`)."""

    provider: ClassVar[Provider] = "openai"
    default_base_url: ClassVar[str] = OPENAI_BASE_URL
    # GPT-5 and o-series models reject `max_tokens`; this is its replacement.
    token_limit_param = "max_completion_tokens"

    def _connect(self, *, api_key: str, max_retries: int, timeout_s: float, http_client: httpx2.Client | None) -> openai.OpenAI:
        # base_url is always explicit so OPENAI_BASE_URL in the environment cannot redirect a replay.
        return openai.OpenAI(api_key=api_key, base_url=self.base_url, max_retries=max_retries, timeout=timeout_s, http_client=http_client)

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

    def _send(self, task: str, messages: list[Message], response_format: dict[str, Any], max_tokens: int) -> Turn:
        started = self._clock()
        url = f"{self.base_url}/chat/completions"
        with self._http_call(task, url):
            # Plain dicts where the SDK types TypedDicts, and a token-limit keyword chosen at run time.
            response = self._sdk.chat.completions.create(  # type: ignore[call-overload]
                model=self.model,
                messages=messages,
                response_format=response_format,
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
        # Some compatible servers send no usage block.
        return self._priced(usage, tokens_known=tokens is not None)
