"""JSON schemas for structured output, in the dialect each provider enforces.

Each dialect imports its SDK when used, so the client of one provider does not
import the other's SDK.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel

_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def strict_schema(schema: type[BaseModel]) -> dict[str, Any]:
    """OpenAI strict-mode schema: every object closed (`additionalProperties: false`), every property required.

    Uses the SDK's own transform (`openai.lib._pydantic.to_strict_json_schema`,
    what `client.chat.completions.parse` uses), so it follows the SDK when
    OpenAI's rules change. Optional fields stay nullable, so a model answers
    `null` for them rather than leaving them out.
    """
    from openai.lib._pydantic import to_strict_json_schema

    return to_strict_json_schema(schema)


def anthropic_schema(schema: type[BaseModel]) -> dict[str, Any]:
    """Anthropic's structured-output schema, by the SDK's own `transform_schema`.

    Constraints Anthropic does not enforce (lengths, bounds, unknown string
    formats) are moved into descriptions; pydantic still checks them on the answer.
    """
    import anthropic

    return anthropic.transform_schema(schema)


def schema_name(schema: type[BaseModel]) -> str:
    """A name OpenAI accepts for `json_schema.name` (letters, digits, '_' and '-', at most 64)."""
    return _NAME_UNSAFE.sub("_", schema.__name__)[:64] or "answer"


def schema_in_words(schema: type[BaseModel]) -> str:
    """The schema as indented JSON, for servers that cannot enforce a schema and must be told it."""
    return json.dumps(schema.model_json_schema(), indent=2, ensure_ascii=False)
