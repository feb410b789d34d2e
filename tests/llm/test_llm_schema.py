"""Schemas in each provider's dialect."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from agent.llm.schema import anthropic_schema, schema_name, strict_schema


class Quote(BaseModel):
    text: str
    page: int | None = None


class Finding(BaseModel):
    arxiv_id: str
    quotes: list[Quote]
    note: str = ""


def _objects(schema: Any) -> list[dict[str, Any]]:
    """Every object schema inside `schema`, $defs included."""
    found = []
    if isinstance(schema, dict):
        if schema.get("type") == "object":
            found.append(schema)
        for value in schema.values():
            found.extend(_objects(value))
    elif isinstance(schema, list):
        for item in schema:
            found.extend(_objects(item))
    return found


def test_strict_schema_closes_every_object_and_requires_every_property() -> None:
    schema = strict_schema(Finding)
    objects = _objects(schema)

    assert len(objects) == 2  # Finding and the nested Quote
    for obj in objects:
        assert obj["additionalProperties"] is False
        assert sorted(obj["required"]) == sorted(obj["properties"])
    quote = schema["$defs"]["Quote"]
    assert {"type": "null"} in quote["properties"]["page"]["anyOf"]  # optional stays nullable
    assert "default" not in quote["properties"]["page"]


def test_anthropic_schema_closes_objects_and_keeps_pydantic_required() -> None:
    schema = anthropic_schema(Finding)

    assert schema["additionalProperties"] is False
    assert schema["required"] == ["arxiv_id", "quotes"]  # not 'note', which has a default
    assert schema["$defs"]["Quote"]["additionalProperties"] is False


def test_schema_name_is_what_openai_accepts() -> None:
    assert schema_name(Finding) == "Finding"
    odd = type("Screening[claim 1]", (BaseModel,), {"__annotations__": {"x": int}})
    assert schema_name(odd) == "Screening_claim_1_"
