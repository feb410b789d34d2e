"""The checkpoint serializer, allowing exactly the types Retest's state holds.

LangGraph warns (and will refuse) when a checkpoint holds types nobody allowed.
The allowed types are found by walking the graph's state schemas, so a node
that adds a state key with a new record type needs no list kept by hand.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Iterator

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from pydantic import BaseModel

from agent.graph.state import ClaimOutput, ClaimState, RunState


def _reachable(annotation: object, seen: set[type]) -> Iterator[type]:
    """Every pydantic model and enum an annotation can hold, through containers, unions and model fields."""
    for arg in typing.get_args(annotation):
        yield from _reachable(arg, seen)
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated or origin is typing.Union or origin is types.UnionType:
        return
    if not isinstance(annotation, type) or annotation in seen:
        return
    if issubclass(annotation, BaseModel):
        seen.add(annotation)
        yield annotation
        for info in annotation.model_fields.values():
            yield from _reachable(info.annotation, seen)
    elif issubclass(annotation, enum.Enum):
        seen.add(annotation)
        yield annotation


def state_types(schemas: tuple[type, ...] = (RunState, ClaimState, ClaimOutput)) -> list[type]:
    """The pydantic models and enums that graph state of these schemas can hold, in a stable order."""
    seen: set[type] = set()
    found: list[type] = []
    for schema in schemas:
        for hint in typing.get_type_hints(schema, include_extras=True).values():
            found.extend(_reachable(hint, seen))
    return sorted(found, key=lambda t: (t.__module__, t.__qualname__))


STATE_TYPES: list[type] = state_types()


def serializer() -> JsonPlusSerializer:
    """The serializer for every checkpointer Retest compiles the graph with."""
    return JsonPlusSerializer(allowed_msgpack_modules=STATE_TYPES)
