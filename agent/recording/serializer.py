"""The "retest-yaml" cassette serializer: readable YAML, byte-compatible replay.

JSON request and response bodies (unless a content-type says otherwise) are stored as YAML structures under
`parsed_body` (the layout of pydantic-ai's cassettes), other text bodies (arXiv
Atom XML) as strings, multi-line ones as literal blocks. Loading turns
`parsed_body` back into a JSON string the SDKs parse exactly as the original
(same values; key order and spacing are not significant in JSON). Plain vcrpy
entries (`body: {string: ...}` / `body: ...`) load unchanged, so cassettes
written in either format can be mixed.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from vcr.serializers.yamlserializer import _CassetteDumper, _CassetteLoader

NAME = "retest-yaml"


class _Loader(_CassetteLoader):
    """vcrpy's safe loader, but unquoted dates in hand-written bodies stay text."""


# JSON has no date type: `published: 2025-01-28` in a hand-written body means the
# string the service would have sent, not a Python date that json.dumps rejects.
_Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


class _Dumper(_CassetteDumper):
    """vcrpy's safe dumper, writing multi-line text as literal blocks."""


def _represent_str(dumper: yaml.BaseDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_str)


def _may_be_json(headers: Any) -> bool:
    """False if a content-type says the body is something else: that text stays byte-exact."""
    values = [v for k, v in (headers or {}).items() if str(k).lower() == "content-type"] if isinstance(headers, dict) else []
    flat = [str(item).lower() for value in values for item in (value if isinstance(value, list) else [value])]
    return not flat or any("json" in item for item in flat)


def _json_or_none(text: Any, headers: Any) -> dict | list | None:
    """The parsed body if it is JSON (object or array) not declared otherwise, else None."""
    if not _may_be_json(headers) or not isinstance(text, str) or not text.lstrip().startswith(("{", "[")):
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, (dict, list)) else None


def _dump_json(value: Any) -> str:
    # Compact and UTF-8, as the SDKs send it; any spacing parses the same.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _readable_request(request: dict[str, Any]) -> dict[str, Any]:
    parsed = _json_or_none(request.get("body"), request.get("headers"))
    if parsed is None:
        return request
    readable = {key: value for key, value in request.items() if key != "body"}
    readable["parsed_body"] = parsed
    return readable


def _readable_response(response: dict[str, Any]) -> dict[str, Any]:
    body = response.get("body")
    parsed = _json_or_none(body.get("string") if isinstance(body, dict) else None, response.get("headers"))
    if parsed is None:
        return response
    readable = {key: value for key, value in response.items() if key != "body"}
    readable["parsed_body"] = parsed
    return readable


def _wire_request(request: dict[str, Any]) -> dict[str, Any]:
    wire = {key: value for key, value in request.items() if key != "parsed_body"}
    wire["body"] = _dump_json(request["parsed_body"]) if "parsed_body" in request else request.get("body")
    wire.setdefault("headers", {})
    return wire


def _wire_response(response: dict[str, Any]) -> dict[str, Any]:
    wire = {key: value for key, value in response.items() if key != "parsed_body"}
    if "parsed_body" in response:
        wire["body"] = {"string": _dump_json(response["parsed_body"])}
    # Hand-written cassettes may leave these out; an empty reason phrase lets
    # the HTTP client derive it from the status code.
    wire.setdefault("headers", {})
    wire.setdefault("body", {"string": ""})
    if isinstance(wire.get("status"), dict):
        wire["status"].setdefault("message", "")
    return wire


def serialize(cassette_dict: dict[str, Any]) -> str:
    """vcrpy serializer hook: the cassette as readable YAML."""
    interactions = [
        {"request": _readable_request(item["request"]), "response": _readable_response(item["response"])} for item in cassette_dict.get("interactions", [])
    ]
    data = {**cassette_dict, "interactions": interactions}
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=True, width=100)


def deserialize(cassette_string: str) -> dict[str, Any]:
    """vcrpy serializer hook: YAML (readable or plain vcrpy) back to vcrpy's wire dicts."""
    data = yaml.load(cassette_string, Loader=_Loader)
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), list):
        raise ValueError("not a cassette: expected a mapping with an 'interactions' list")
    data["interactions"] = [{"request": _wire_request(item["request"]), "response": _wire_response(item["response"])} for item in data["interactions"]]
    return data
