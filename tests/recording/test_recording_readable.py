"""Readable cassettes: JSON stored as YAML structures, replayed byte-compatible."""

from __future__ import annotations

import json

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.recording import cassette
from agent.recording.serializer import deserialize, serialize


def _anthropic_request(wire) -> dict:
    return {
        "model": "claude-sonnet-4-6",
        "max_tokens": 400,
        "system": "Screen the paper against the claim. Quote the abstract.",
        "messages": [{"role": "user", "content": wire.screen_prompt("C3")}],
        "output_config": {"format": {"type": "json_schema", "schema": wire.FINDING_SCHEMA}},
    }


def test_json_bodies_are_stored_as_yaml_and_replay_identically_through_the_sdks(tmp_path, wire):
    oai_answer = wire.openai_chat_answer('{"stance":"supports","quote":"automation gradually reaches more complex tasks"}')
    ant_answer = wire.anthropic_answer('{"stance":"supports","quote":"rising over time"}')
    service = wire.Scripted([wire.json_response(oai_answer), wire.json_response(ant_answer)])
    path = tmp_path / "readable.yaml"
    with cassette("record", path):
        oai_recorded = wire.openai_client(service).chat.completions.create(**wire.openai_screen_request(wire.screen_prompt("C1")))
        ant_recorded = wire.anthropic_client(service).messages.create(**_anthropic_request(wire))

    stored = yaml.safe_load(path.read_text())["interactions"]
    for interaction in stored:
        assert "body" not in interaction["request"] and "body" not in interaction["response"]
    assert stored[0]["request"]["parsed_body"]["messages"][1]["content"] == wire.screen_prompt("C1")
    assert stored[0]["request"]["parsed_body"]["response_format"]["json_schema"]["schema"] == wire.FINDING_SCHEMA
    assert stored[0]["response"]["parsed_body"] == oai_answer
    assert stored[1]["request"]["parsed_body"]["output_config"]["format"]["schema"] == wire.FINDING_SCHEMA
    assert stored[1]["response"]["parsed_body"] == ant_answer
    # Multi-line prompts are literal blocks a reviewer can read, not one escaped line.
    assert "content: |-\n" in path.read_text()

    with cassette("replay", path) as handle:
        oai_replayed = wire.openai_client(wire.unreachable).chat.completions.create(**wire.openai_screen_request(wire.screen_prompt("C1")))
        ant_replayed = wire.anthropic_client(wire.unreachable).messages.create(**_anthropic_request(wire))
    assert oai_replayed.model_dump() == oai_recorded.model_dump()
    assert ant_replayed.model_dump() == ant_recorded.model_dump()
    assert handle.all_played


def test_a_plain_vcrpy_cassette_replays_too(wire):
    with cassette("replay", wire.HAND_CASSETTES / "anthropic_plain.yaml") as handle:
        message = wire.anthropic_client(wire.unreachable).messages.create(**_anthropic_request(wire))
    finding = json.loads(message.content[0].text)
    assert finding["stance"] == "supports"
    assert finding["quote"] in wire.PAPERS["2601.19062"]["summary"]
    assert message.usage.input_tokens == 214 and message.stop_reason == "end_turn"
    assert handle.all_played


def _cassette_text(request_body: str | None, response_body: str, content_type: str = "application/json") -> str:
    return serialize(
        {
            "version": 1,
            "interactions": [
                {
                    "request": {
                        "method": "POST",
                        "uri": "https://api.example.test/v1/x",
                        "body": request_body,
                        "headers": {"content-type": ["application/json"]},
                    },
                    "response": {
                        "status": {"code": 200, "message": "OK"},
                        "headers": {"content-type": [content_type]},
                        "body": {"string": response_body},
                    },
                }
            ],
        }
    )


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=40, deadline=None)
@given(request=st.dictionaries(st.text(max_size=8), _json_values, max_size=5), response=st.dictionaries(st.text(max_size=8), _json_values, max_size=5))
def test_json_bodies_round_trip_to_equal_json(request, response):
    text = _cassette_text(json.dumps(request), json.dumps(response))
    (loaded,) = deserialize(text)["interactions"]
    assert json.loads(loaded["request"]["body"]) == request
    assert json.loads(loaded["response"]["body"]["string"]) == response


@settings(max_examples=60, deadline=None)
@given(body=st.text() | st.just('[ 1, {"a" : 2} ]\n'))
def test_non_json_bodies_round_trip_byte_exact(body):
    """Atom XML, SSE and text that merely looks like JSON keep every byte."""
    (loaded,) = deserialize(_cassette_text(None, body, "application/atom+xml"))["interactions"]
    assert loaded["response"]["body"]["string"] == body
    assert loaded["request"]["body"] is None


def test_hand_written_dates_stay_text_and_missing_fields_get_defaults():
    text = """
interactions:
- request:
    method: POST
    uri: https://api.example.test/v1/x
    parsed_body: {published: 2025-01-28}
  response:
    status: {code: 200}
    parsed_body: {updated: 2026-01-27T00:00:00Z}
version: 1
"""
    (loaded,) = deserialize(text)["interactions"]
    assert json.loads(loaded["request"]["body"]) == {"published": "2025-01-28"}
    assert json.loads(loaded["response"]["body"]["string"]) == {"updated": "2026-01-27T00:00:00Z"}
    assert loaded["request"]["headers"] == {} and loaded["response"]["status"]["message"] == ""
