"""Any OpenAI-compatible server (Ollama, vLLM, LM Studio, llama.cpp) through its base URL.

Output modes, best first:
1. `json_schema` with the strict schema: Ollama, vLLM, llama.cpp's llama-server and
   LM Studio all constrain decoding with it (LM Studio accepts nothing else but
   `text`); llama-server took it on every one of the real-local recordings' requests;
2. `json_object` (JSON mode), for a server that rejects `json_schema`:
   llama-cpp-python's server validates `response_format.type` against
   `text`/`json_object` and answers anything else with HTTP 500, older llama-server
   builds did the same;
3. plain text, no `response_format` at all, for a server that rejects both.
The client starts at the first; when the server answers a 400 (422, or that 500)
saying it rejects the `response_format` sent, it moves to the next, repeats the
turn, and keeps that mode for the rest of the run. The mode belongs to the server,
not to a role: the run's clients for one base URL share it (`agent.llm.server_modes.share_output_modes`,
called where the run builds its clients), so one rejection costs one request per
run, and never leaks into another run through a module global.

In every mode the system prompt also states the schema: grammar-constrained
decoding keeps an answer to the schema's shape but never shows the model the
field descriptions, and servers that accept `json_schema` without enforcing it
exist. Pydantic validation (with the one retry every client has) holds the
answer to the schema either way.

What local servers add (agent/llm/_local_servers.py): llama-server's `timings`
count tokens when a server sends no usage block; an answer cut by the context
window rather than by `max_tokens` is a `TruncatedAnswer` without a budget (a
bigger one would not help); a prompt the context cannot hold is an unusable
answer, not a provider failure, so the task degrades instead of the run; and the
truncation hint names the server that answered and where, never Ollama for a
server that is not. Everything else is `OpenAIClient`'s.
"""

from __future__ import annotations

from typing import Any, ClassVar

from openai.types.chat import ChatCompletion

from agent.errors import ProviderError
from agent.llm._failures import provider_text
from agent.llm._local_servers import ServerKind, context_advice, context_overflow, server_kind, timings_in
from agent.llm.base import TRUNCATION_HINT, AnswerError, T, TruncatedAnswer, Usage
from agent.llm.openai_client import OpenAIClient
from agent.llm.providers import Provider
from agent.llm.schema import schema_in_words
from agent.llm.server_modes import OUTPUT_MODES, OutputMode, ServerModes
from agent.llm.structured import Message, Turn

SCHEMA_INSTRUCTIONS = "Answer with one JSON object and nothing else. It must validate against this JSON schema:\n```json\n{schema}\n```"

# Statuses a server rejects a request body with; llama-cpp-python's server (and older llama-server) answer 500 for a format type it does not know.
_REJECTING = frozenset({400, 422, 500})


def rejects_response_format(failure: ProviderError) -> bool:
    """Whether a provider failure is the server refusing the `response_format` it was sent."""
    cause = failure.__cause__
    if getattr(cause, "status_code", None) not in _REJECTING:
        return False
    said = provider_text(getattr(cause, "body", None)).lower().replace(" ", "_")
    return "response_format" in said


class CompatClient(OpenAIClient):
    """A ModelClient for a model on an OpenAI-compatible server (`openai-compatible:URL#model`)."""

    provider: ClassVar[Provider] = "openai-compatible"
    # Local servers know the classic parameter; not all know max_completion_tokens.
    token_limit_param = "max_tokens"
    # Local servers have no batch API: a `--batch` run calls them at once.
    batchable: ClassVar[bool] = False

    def __init__(self, model: str, **options: Any) -> None:
        super().__init__(model, **options)
        self.server_modes = ServerModes()
        self._kind: ServerKind = "unknown"  # learnt from the first completion

    @property
    def output_mode(self) -> OutputMode:
        """How this client asks its server for structured output now."""
        return self.server_modes.mode

    @property
    def server_kind(self) -> ServerKind:
        """Which server answered this client last, as far as its completions tell."""
        return self._kind

    def _send_turn(self, task: str, instructions: str, schema: type[T], messages: list[Message], max_tokens: int) -> Turn:
        """One request in the best output mode the server has not refused."""
        told = SCHEMA_INSTRUCTIONS.format(schema=schema_in_words(schema))
        system = f"{instructions}\n\n{told}" if instructions else told
        while True:
            mode = self.server_modes.mode
            try:
                return self._send(task, [{"role": "system", "content": system}, *messages], self._response_format_in(mode, schema), max_tokens)
            except ProviderError as failure:
                self._raise_if_context_overflow(failure, task)
                if mode == OUTPUT_MODES[-1] or not rejects_response_format(failure):
                    raise
                self.server_modes.fall_back_from(mode)

    def _response_format_in(self, mode: OutputMode, schema: type[T]) -> dict[str, Any] | None:
        if mode == "json_schema":
            return self.response_format(schema)
        return {"type": "json_object"} if mode == "json_object" else None

    def _raise_if_context_overflow(self, failure: ProviderError, task: str) -> None:
        """A prompt the server's context cannot hold: the task's answer is unusable (the run goes on), not the provider failing."""
        cause = failure.__cause__
        if getattr(cause, "status_code", None) != 400:
            return
        overflow = context_overflow(getattr(cause, "body", None))
        if overflow is None:
            return
        prompt, context = overflow
        sizes = f"{prompt if prompt is not None else 'its'} prompt tokens do not fit the context window" + (f" of {context} tokens" if context else "")
        raise AnswerError(
            f"task {task!r} on {self.model_string}: the server refused the request: {sizes}.",
            hint=f"Shorten the task's input or give the server a larger context. {context_advice(self._kind, self.base_url)}",
        ) from failure

    def _answer_text(self, response: ChatCompletion, task: str, max_tokens: int, usage: Usage) -> str:
        self._kind = server_kind(response.model_extra, response.system_fingerprint)
        choice = response.choices[0] if response.choices else None
        spent = usage.output_tokens
        if choice is not None and choice.finish_reason == "length" and 0 < spent < max_tokens and not choice.message.refusal:
            # The budget was not reached: the slot's context window filled. Without a budget, nobody retries with a bigger one.
            raise TruncatedAnswer(
                f"task {task!r} on {self.model_string}: the answer was cut off by the server's context window after {spent} tokens, "
                f"below max_tokens={max_tokens} ({usage.input_tokens} prompt + {spent} answer = {usage.input_tokens + spent} tokens; finish_reason 'length').",
                max_tokens=None,
                hint=f"Shorten the task's input or give the server a larger context. {context_advice(self._kind, self.base_url)}",
                usage=usage,
            )
        return super()._answer_text(response, task, max_tokens, usage)

    def _usage(self, response: ChatCompletion, latency_s: float, *, batch: bool = False) -> Usage:
        """OpenAI's usage block; a server that sends none but llama-server's `timings` is counted from those (never batched: no batch API)."""
        del batch
        timings = timings_in(response.model_extra)
        if response.usage is not None or timings is None:
            usage = super()._usage(response, latency_s)
            if usage.cached_tokens is None and timings is not None and timings.cache_n is not None:
                usage = usage.model_copy(update={"cached_tokens": timings.cache_n})
            return usage
        usage = Usage(
            # prompt_n counts only the tokens evaluated; those served from the slot's cache are cache_n (recorded: prompt_tokens = prompt_n + cache_n).
            input_tokens=timings.prompt_n + (timings.cache_n or 0),
            output_tokens=timings.predicted_n,
            cached_tokens=timings.cache_n,
            latency_s=latency_s,
            model=response.model or self.model,
        )
        return self._priced(usage)

    def reasoning_params(self) -> dict[str, Any]:
        """None: servers name and bound reasoning their own ways, and some reject parameters they do not know."""
        return {}

    def truncation_hint(self) -> str:
        """Also the context window, named for the server that answered (host and port only)."""
        return f"{TRUNCATION_HINT} A local server's context window cuts answers short too: {context_advice(self._kind, self.base_url)}"

    def _model_string(self) -> str:
        return f"openai-compatible:{self.base_url}#{self.model}"
