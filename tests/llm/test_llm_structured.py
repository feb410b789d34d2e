"""The validation retry, with a scripted `send` in place of a provider."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from agent.errors import ModelOutputError
from agent.llm.base import Usage
from agent.llm.structured import Message, Turn, complete_structured, describe_validation_error, parse_answer
from tests.llm.scenarios import GOOD_KORINEK, KORINEK, Screening


class ScriptedModel:
    """Answers each send with the next scripted text and remembers the conversations it got."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.conversations: list[list[Message]] = []

    def __call__(self, messages: list[Message]) -> Turn:
        self.conversations.append(list(messages))
        return Turn(self.answers.pop(0), Usage(input_tokens=100, output_tokens=10, latency_s=0.5, model="m", cost_usd=0.001))


def _run(model: ScriptedModel):
    return complete_structured(task="screen C1", model_string="openai:gpt-5.4-mini", schema=Screening, data=KORINEK, send=model)


def test_valid_first_answer_makes_one_call_with_the_data_unchanged() -> None:
    model = ScriptedModel(json.dumps(GOOD_KORINEK))
    completion = _run(model)

    assert completion.output == Screening(**GOOD_KORINEK)
    assert model.conversations == [[{"role": "user", "content": KORINEK}]]
    assert completion.usage.calls == 1


def test_invalid_answer_goes_back_with_its_error_once() -> None:
    bad = json.dumps({**GOOD_KORINEK, "confidence": 7})
    model = ScriptedModel(bad, json.dumps(GOOD_KORINEK))
    completion = _run(model)

    assert completion.output.confidence == 0.7
    retry = model.conversations[1]
    assert retry[:2] == [{"role": "user", "content": KORINEK}, {"role": "assistant", "content": bad}]
    assert retry[2]["role"] == "user"
    assert "- confidence: Input should be less than or equal to 1" in retry[2]["content"]
    assert (completion.usage.calls, completion.usage.input_tokens, completion.usage.cost_usd) == (2, 200, pytest.approx(0.002))


def test_second_invalid_answer_raises_naming_task_model_and_problem() -> None:
    model = ScriptedModel("not json", json.dumps({"stance": "supports"}))
    with pytest.raises(ModelOutputError) as raised:
        _run(model)

    message = str(raised.value)
    assert "task 'screen C1' on openai:gpt-5.4-mini" in message
    assert "Screening after one retry" in message
    assert "- quote: Field required" in message and "- confidence: Field required" in message
    assert isinstance(raised.value.__cause__, ValidationError)
    assert len(model.conversations) == 2


def test_empty_answer_is_shown_back_as_such() -> None:
    # Anthropic rejects an empty assistant turn, so the retry must not send one.
    model = ScriptedModel("", json.dumps(GOOD_KORINEK))
    _run(model)

    assert model.conversations[1][1] == {"role": "assistant", "content": "(empty answer)"}


def test_fenced_json_is_accepted() -> None:
    fenced = "```json\n" + json.dumps(GOOD_KORINEK) + "\n```"
    assert parse_answer(Screening, fenced) == Screening(**GOOD_KORINEK)


def test_error_description_has_paths_and_no_documentation_urls() -> None:
    with pytest.raises(ValidationError) as raised:
        Screening.model_validate({"stance": "maybe", "quote": "q", "confidence": 2})
    described = describe_validation_error(raised.value)

    assert described.splitlines()[0].startswith("- stance: Input should be 'supports'")
    assert "- confidence: Input should be less than or equal to 1" in described
    assert "errors.pydantic.dev" not in described


def test_error_description_is_bounded() -> None:
    class Many(Screening):
        a: int
        b: int
        c: int

    with pytest.raises(ValidationError) as raised:
        Many.model_validate({})
    described = describe_validation_error(raised.value, limit=2)

    assert described.splitlines() == ["- stance: Field required", "- quote: Field required", "- ... and 4 more"]
