"""Any OpenAI-compatible server (Ollama, vLLM, LM Studio, llama.cpp) through its base URL.

Output modes, best first:
1. `json_schema` with the strict schema: Ollama, vLLM, llama.cpp and LM Studio
   all constrain decoding with it (LM Studio accepts nothing else but `text`);
2. `json_object` (JSON mode), for a server that rejects `json_schema`;
3. plain text, no `response_format` at all, for a server that rejects both.
The client starts at the first; when the server answers a 400 (422, or the 500
of older llama.cpp) saying it rejects the `response_format` sent, it moves to
the next, repeats the turn, and keeps that mode for the rest of the run, so one
rejection costs one request. The mode is this client's own (one client per role
and server), never shared through a module global.

In every mode the system prompt also states the schema: grammar-constrained
decoding keeps an answer to the schema's shape but never shows the model the
field descriptions, and servers that accept `json_schema` without enforcing it
exist. Pydantic validation (with the one retry every client has) holds the
answer to the schema either way. Everything else is `OpenAIClient`'s.
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar, Literal

from agent.errors import ProviderError
from agent.llm._failures import provider_text
from agent.llm.base import T
from agent.llm.openai_client import OpenAIClient
from agent.llm.providers import Provider
from agent.llm.schema import schema_in_words
from agent.llm.structured import Message, Turn

SCHEMA_INSTRUCTIONS = "Answer with one JSON object and nothing else. It must validate against this JSON schema:\n```json\n{schema}\n```"

OutputMode = Literal["json_schema", "json_object", "text"]
OUTPUT_MODES: tuple[OutputMode, ...] = ("json_schema", "json_object", "text")

# Statuses a server rejects a request body with; older llama.cpp servers answer 500 for an unknown format type.
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

    def __init__(self, model: str, **options: Any) -> None:
        super().__init__(model, **options)
        self._mode: OutputMode = OUTPUT_MODES[0]
        self._mode_lock = threading.Lock()  # parallel claim branches share this client

    @property
    def output_mode(self) -> OutputMode:
        """How this client asks its server for structured output now."""
        return self._mode

    def _send_turn(self, task: str, instructions: str, schema: type[T], messages: list[Message], max_tokens: int) -> Turn:
        """One request in the best output mode the server has not refused."""
        told = SCHEMA_INSTRUCTIONS.format(schema=schema_in_words(schema))
        system = f"{instructions}\n\n{told}" if instructions else told
        while True:
            mode = self._mode
            try:
                return self._send(task, [{"role": "system", "content": system}, *messages], self._response_format_in(mode, schema), max_tokens)
            except ProviderError as failure:
                if mode == OUTPUT_MODES[-1] or not rejects_response_format(failure):
                    raise
                self._fall_back_from(mode)

    def _response_format_in(self, mode: OutputMode, schema: type[T]) -> dict[str, Any] | None:
        if mode == "json_schema":
            return self.response_format(schema)
        return {"type": "json_object"} if mode == "json_object" else None

    def _fall_back_from(self, mode: OutputMode) -> None:
        with self._mode_lock:
            # Another branch may have been refused at the same time and moved on already.
            if self._mode == mode:
                self._mode = OUTPUT_MODES[OUTPUT_MODES.index(mode) + 1]

    def reasoning_params(self) -> dict[str, Any]:
        """None: servers name and bound reasoning their own ways, and some reject parameters they do not know."""
        return {}

    def truncation_hint(self) -> str:
        """Also the context window: Ollama's OpenAI endpoint serves 4096 tokens unless told otherwise."""
        return (
            f"{super().truncation_hint()} A local server's context window cuts answers short too: "
            "Ollama serves 4096 tokens unless OLLAMA_CONTEXT_LENGTH or a Modelfile's num_ctx says more."
        )

    def _model_string(self) -> str:
        return f"openai-compatible:{self.base_url}#{self.model}"
