"""The provider-neutral part of a structured call: validate, retry once, fail clearly.

A client supplies `send`, which makes one request for a conversation and returns
the answer's text and usage (raising an AnswerError itself for refusals and
truncation, which a retry would not cure). This module owns what happens when
the text does not validate: the bad answer and the validation error go back to
the model as a follow-up turn, once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import ValidationError

from agent.llm.base import AnswerError, Completion, InvalidAnswer, T, Usage

Message = dict[str, str]  # {"role": "user" | "assistant", "content": ...}

RETRY_FEEDBACK = (
    "Your answer did not validate against the required JSON schema:\n{errors}\n"
    "Answer again with one JSON object that follows the schema exactly, and nothing else."
)
# Anthropic rejects an empty assistant turn; an empty answer is still worth showing back.
_EMPTY_ANSWER = "(empty answer)"
_FENCE = re.compile(r"^```(?:json)?\s*\n(?P<body>.*)\n```\s*$", re.DOTALL)


@dataclass(frozen=True)
class Turn:
    """One answer from the model: its text and what the call used."""

    text: str
    usage: Usage


Send = Callable[[list[Message]], Turn]


def complete_structured(*, task: str, model_string: str, schema: type[T], data: str, send: Send) -> Completion[T]:
    """Ask once; if the answer does not validate, ask again with the error; then give up.

    Raises InvalidAnswer naming the task and the model when the second
    answer does not validate either; every AnswerError raised here carries
    the usage of both calls.
    """
    messages: list[Message] = [{"role": "user", "content": data}]
    first = send(messages)
    try:
        return Completion[schema](output=parse_answer(schema, first.text), usage=first.usage)  # type: ignore[valid-type]
    except ValidationError as exc:
        feedback = RETRY_FEEDBACK.format(errors=describe_validation_error(exc))
    retry = [*messages, {"role": "assistant", "content": first.text or _EMPTY_ANSWER}, {"role": "user", "content": feedback}]
    try:
        second = send(retry)
    except AnswerError as exc:
        # The first answer was billed too.
        exc.usage = first.usage + exc.usage if exc.usage is not None else first.usage
        raise
    usage = first.usage + second.usage
    try:
        output = parse_answer(schema, second.text)
    except ValidationError as exc:
        raise InvalidAnswer(
            f"task {task!r} on {model_string}: the answer did not validate against {schema.__name__} after one retry:\n{describe_validation_error(exc)}",
            hint="Check the task's prompt and schema; a stronger model for this role may follow the schema better.",
            usage=usage,
        ) from exc
    return Completion[schema](output=output, usage=usage)  # type: ignore[valid-type]


def parse_answer(schema: type[T], text: str) -> T:
    """Validate an answer's JSON text against `schema` (a surrounding ``` fence is tolerated)."""
    match = _FENCE.match(text.strip())
    return schema.model_validate_json(match.group("body") if match else text)


def describe_validation_error(exc: ValidationError, *, limit: int = 10) -> str:
    """One line per problem, `field.path: message`, without pydantic's documentation URLs."""
    errors = exc.errors(include_url=False)
    lines = [f"- {'.'.join(str(part) for part in err['loc']) or '(whole answer)'}: {err['msg']}" for err in errors[:limit]]
    if len(errors) > limit:
        lines.append(f"- ... and {len(errors) - limit} more")
    return "\n".join(lines)
