"""OpenAI models through the official SDK, with strict JSON-schema structured output.

Chat Completions rather than Responses, because:
- the same request shape is what OpenAI-compatible servers (Ollama, vLLM,
  LM Studio) implement, so `CompatClient` reuses this class and changes only
  how a turn is sent (response format fallbacks, the schema in the
  instructions) and the token-limit parameter;
- nothing is stored server-side (Responses defaults to `store: true`), and each
  task is one stateless exchange anyway;
- refusal (`message.refusal`) and truncation (`finish_reason == "length"`) are
  plain fields of the one choice.

Structured output is `response_format={"type": "json_schema", "json_schema":
{"name", "schema", "strict": true}}` with the schema made strict by
`agent.llm.schema.strict_schema`; the answer is still validated by pydantic.

Reasoning models (GPT-5 family, o-series) get `reasoning_effort` explicitly,
the role's setting, because their reasoning tokens count against
`max_completion_tokens` and are billed as output: a default the API may change
would move both. No sampling parameter (`temperature`, `top_p`) is sent to any
model: the reasoning models reject them, and the others need none for
structured answers.

Retries on 429, 5xx, 408/409 and timeouts are the SDK's own (`max_retries`,
exponential backoff, honouring `retry-after-ms`/`Retry-After`); nothing here
retries HTTP again.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import httpx2
import openai
from openai.types.chat import ChatCompletion

from agent.llm._client import SdkClient
from agent.llm._failures import error_instead_of_answer
from agent.llm.base import DEFAULT_MAX_TOKENS, TRUNCATION_HINT, AnswerError, Completion, RefusedAnswer, T, TruncatedAnswer, Usage
from agent.llm.batch import current_desk
from agent.llm.batch.apis import OpenAIBatches
from agent.llm.providers import Provider
from agent.llm.schema import schema_name, strict_schema
from agent.llm.structured import Message, Turn, complete_structured
from agent.redact import redact_urls

OPENAI_BASE_URL = "https://api.openai.com/v1"
BATCH_ENDPOINT = "/v1/chat/completions"  # a batch line's `url`: the path below the host, /v1 included

# The gpt-5*-chat-latest aliases are ChatGPT's non-reasoning models: they take no effort.
_REASONING_MODEL = re.compile(r"^(gpt-5|o[1-9])(?!.*chat)")


def is_reasoning_model(model: str) -> bool:
    """Whether an OpenAI model reasons before answering (takes `reasoning_effort`, rejects `temperature` and `top_p`)."""
    return bool(_REASONING_MODEL.match(model))


class OpenAIClient(SdkClient[openai.OpenAI]):
    """A ModelClient for one OpenAI model (`openai:<model>`)."""

    provider: ClassVar[Provider] = "openai"
    default_base_url: ClassVar[str] = OPENAI_BASE_URL
    # GPT-5 and o-series models reject `max_tokens`; this is its replacement.
    token_limit_param = "max_completion_tokens"
    # OpenAI's Batch API takes these requests at half price (`--batch`); a compatible server has no such API.
    batchable: ClassVar[bool] = True

    def _connect(self, *, api_key: str, max_retries: int, timeout_s: float, http_client: httpx2.Client | None) -> openai.OpenAI:
        # base_url is always explicit so OPENAI_BASE_URL in the environment cannot redirect a replay.
        return openai.OpenAI(api_key=api_key, base_url=self.base_url, max_retries=max_retries, timeout=timeout_s, http_client=http_client)

    def complete(self, *, task: str, instructions: str, data: str, schema: type[T], max_tokens: int = DEFAULT_MAX_TOKENS) -> Completion[T]:
        """Run one task; see `agent.llm.base.ModelClient.complete`."""

        def send(messages: list[Message]) -> Turn:
            return self._send_turn(task, instructions, schema, messages, max_tokens)

        return complete_structured(task=task, model_string=self.model_string, schema=schema, data=data, send=send)

    def _send_turn(self, task: str, instructions: str, schema: type[T], messages: list[Message], max_tokens: int) -> Turn:
        """One request for the conversation so far; the schema travels in `response_format`, so the instructions go as given."""
        head: list[Message] = [{"role": "system", "content": instructions}] if instructions else []
        return self._send(task, [*head, *messages], self.response_format(schema), max_tokens)

    def response_format(self, schema: type[T]) -> dict[str, Any]:
        """Strict JSON-schema output."""
        return {"type": "json_schema", "json_schema": {"name": schema_name(schema), "schema": strict_schema(schema), "strict": True}}

    def reasoning_params(self) -> dict[str, Any]:
        """`reasoning_effort` for a reasoning model with an effort configured; nothing for any other."""
        return {"reasoning_effort": self.reasoning_effort} if self.reasoning_effort and is_reasoning_model(self.model) else {}

    def _send(self, task: str, messages: list[Message], response_format: dict[str, Any] | None, max_tokens: int) -> Turn:
        """One request; `response_format` None sends none (plain text)."""
        started = self._clock()
        url = redact_urls(f"{self.base_url}/chat/completions")  # for messages: the SDK has the real base URL
        output = {"response_format": response_format} if response_format is not None else {}
        params: dict[str, Any] = {"model": self.model, "messages": messages, **output, self.token_limit_param: max_tokens, **self.reasoning_params()}
        desk = current_desk() if self.batchable else None
        if desk is not None:
            body = desk.answer(provider=self.provider, base_url=self.base_url, model=self.model, endpoint=BATCH_ENDPOINT, body=params, task=task)
            response = ChatCompletion.model_validate(body)
        else:
            with self._http_call(task, url):
                # Plain dicts where the SDK types TypedDicts, and a token-limit keyword chosen at run time.
                response = self._sdk.chat.completions.create(**params)
        if not response.choices and (response.model_extra or {}).get("error") is not None:
            raise error_instead_of_answer(
                (response.model_extra or {})["error"], provider=self.provider, model=self.model, task=task, url=url, secrets=self._secrets
            )
        # A batched answer took the batch's time, not this call's: its latency is not counted.
        usage = self._usage(response, 0.0 if desk else self._clock() - started, batch=desk is not None)
        return Turn(text=self._answer_text(response, task, max_tokens, usage), usage=usage)

    def batch_api(self) -> OpenAIBatches:
        """OpenAI's Batch API with this client's key and base URL."""
        return OpenAIBatches(self._sdk, self.base_url, self._http_call)

    def truncation_hint(self) -> str:
        """What to do about a truncated answer."""
        return TRUNCATION_HINT

    def _answer_text(self, response: ChatCompletion, task: str, max_tokens: int, usage: Usage) -> str:
        where = f"task {task!r} on {self.model_string}"
        if not response.choices:
            raise AnswerError(f"{where}: the response held no answer (no choices).", usage=usage)
        choice = response.choices[0]
        if choice.message.refusal:
            raise RefusedAnswer(
                f"{where}: the model refused to answer: {choice.message.refusal}",
                hint="Read the refusal; rephrase the task's prompt or use another model for this role.",
                usage=usage,
            )
        if choice.finish_reason == "length":
            raise TruncatedAnswer(
                f"{where}: the answer was truncated at max_tokens={max_tokens} (finish_reason 'length').",
                max_tokens=max_tokens,
                hint=self.truncation_hint(),
                usage=usage,
            )
        if choice.finish_reason == "content_filter":
            raise AnswerError(f"{where}: the provider's content filter stopped the answer (finish_reason 'content_filter').", usage=usage)
        return choice.message.content or ""

    def _usage(self, response: ChatCompletion, latency_s: float, *, batch: bool = False) -> Usage:
        tokens = response.usage
        details = tokens.prompt_tokens_details if tokens else None
        usage = Usage(
            input_tokens=tokens.prompt_tokens if tokens else 0,
            output_tokens=tokens.completion_tokens if tokens else 0,
            cached_tokens=details.cached_tokens if details else None,
            latency_s=latency_s,
            # Some compatible servers leave out the served name.
            model=response.model or self.model,
        )
        # Some compatible servers send no usage block.
        return self._priced(usage, tokens_known=tokens is not None, batch=batch)
