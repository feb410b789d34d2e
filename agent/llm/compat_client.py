"""Any OpenAI-compatible server (Ollama, vLLM, LM Studio) through its base URL.

Such servers implement Chat Completions but often not strict JSON schemas, so
this client asks for JSON mode (`response_format={"type": "json_object"}`),
states the schema in the system prompt, and relies on pydantic validation (with
the one retry every client has) to hold the answer to it. Everything else is
`OpenAIClient`'s.
"""

from __future__ import annotations

from typing import Any, ClassVar

from agent.llm.base import T
from agent.llm.openai_client import OpenAIClient
from agent.llm.providers import Provider
from agent.llm.schema import schema_in_words

SCHEMA_INSTRUCTIONS = "Answer with one JSON object and nothing else. It must validate against this JSON schema:\n```json\n{schema}\n```"


class CompatClient(OpenAIClient):
    """A ModelClient for a model on an OpenAI-compatible server (`openai-compatible:URL#model`)."""

    provider: ClassVar[Provider] = "openai-compatible"
    # Local servers know the classic parameter; not all know max_completion_tokens.
    token_limit_param = "max_tokens"

    def system_prompt(self, instructions: str, schema: type[T]) -> str:
        """The instructions followed by the schema, which JSON mode alone does not convey."""
        told = SCHEMA_INSTRUCTIONS.format(schema=schema_in_words(schema))
        return f"{instructions}\n\n{told}" if instructions else told

    def response_format(self, schema: type[T]) -> dict[str, Any]:
        """JSON mode: any JSON object; the schema is checked by pydantic."""
        return {"type": "json_object"}

    def _model_string(self) -> str:
        return f"openai-compatible:{self.base_url}#{self.model}"
