"""Recording is applied from outside: clients and the arXiv transport never import it, yet a miss reaches them as Retest's."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import arxiv
import httpx2
import pytest
import vcr.stubs
import vcr.stubs.httpx_stubs
from pydantic import BaseModel
from vcr.errors import CannotOverwriteExistingCassetteException

from agent.errors import CassetteMissError, ProviderError, find_in_chain
from agent.llm.keys import REPLAY_KEY
from agent.llm.model_string import parse_model_string
from agent.llm.providers import ClientOptions, provider_spec, registered
from agent.recording import call_context, cassette
from agent.recording.matching import body_projection

AGENT = Path(__file__).resolve().parents[2] / "agent"
RECORDING = "agent.recording"
# The rooms whose code must work with no recording in the process.
KEPT_OUT = ("llm", "sources")


def _module_name(path: Path) -> str:
    parts = path.relative_to(AGENT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, *, is_package: bool = False) -> set[str]:
    """Every module `source` imports anywhere (function bodies too), relative imports resolved, `from a import b` as a.b as well."""
    package = module if is_package else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) in ("import_module", "__import__"):
            names.update(arg.value for arg in node.args[:1] if isinstance(arg, ast.Constant) and isinstance(arg.value, str))
    return names


def _reaches_recording(names: set[str]) -> list[str]:
    return sorted(name for name in names if name == RECORDING or name.startswith(RECORDING + "."))


def test_no_model_client_or_source_module_imports_the_recording_room() -> None:
    files = [path for room in KEPT_OUT for path in sorted((AGENT / room).rglob("*.py"))]
    assert len(files) > 10  # the scan found the rooms
    offenders = {
        str(path.relative_to(AGENT.parent)): found
        for path in files
        if (found := _reaches_recording(imported_modules(path.read_text(encoding="utf-8"), _module_name(path), is_package=path.name == "__init__.py")))
    }
    assert offenders == {}


@pytest.mark.parametrize(
    "source",
    [
        "from agent.recording import cassette_miss_from",
        "import agent.recording.misses",
        "from agent import recording",
        "def later():\n    from agent.recording.cassette import active_mode",
        "from ..recording import misses",
        "import importlib\nimportlib.import_module('agent.recording')",
    ],
)
def test_the_import_scan_sees_every_way_of_importing_recording(source: str) -> None:
    assert _reaches_recording(imported_modules(source, "agent.llm.factory"))


def test_the_import_scan_lets_other_imports_pass() -> None:
    source = "from agent.errors import CassetteMissError\nimport agent.recordings_of_other_things\nfrom . import base"
    assert _reaches_recording(imported_modules(source, "agent.llm.factory")) == []


def test_find_in_chain_looks_through_causes_contexts_and_groups_and_stops_on_a_loop() -> None:
    miss = CassetteMissError("cassette miss: GET x")
    caused = ProviderError("failed")
    caused.__cause__ = miss
    context = RuntimeError("while handling")
    context.__context__ = caused
    group = ExceptionGroup("branches", [ValueError("other branch"), context])
    assert find_in_chain(group, CassetteMissError) is miss
    assert find_in_chain(caused, ProviderError) is caused  # the exception itself counts

    looped = ValueError("a")
    other = KeyError("b")
    looped.__cause__, other.__context__ = other, looped
    assert find_in_chain(looped, CassetteMissError) is None


def test_in_replay_vcrpys_stub_raises_retests_miss_and_only_inside_the_block(wire) -> None:
    with cassette("replay", wire.HAND_CASSETTES / "screen_two_claims.yaml"):
        with httpx2.Client(transport=httpx2.MockTransport(wire.unreachable)) as raw, call_context("screen", "C3"), pytest.raises(CassetteMissError) as raised:
            raw.post("https://api.openai.com/v1/chat/completions", json={"model": "gpt-4o-mini", "messages": []})
    assert "cassette miss: POST api.openai.com/v1/chat/completions (node screen, claim C3)" in str(raised.value)
    assert isinstance(raised.value.__cause__, CannotOverwriteExistingCassetteException)  # vcrpy's account, kept for debugging
    assert vcr.stubs.httpx_stubs.CannotOverwriteExistingCassetteException is CannotOverwriteExistingCassetteException
    assert vcr.stubs.CannotOverwriteExistingCassetteException is CannotOverwriteExistingCassetteException


def test_an_arxiv_miss_through_requests_is_retests_miss_too(wire) -> None:
    client = arxiv.Client(page_size=100, delay_seconds=0, num_retries=0)
    with cassette("replay", wire.HAND_CASSETTES / "arxiv_lookup.yaml"):
        with call_context("verify_anchors"), pytest.raises(CassetteMissError) as raised:
            list(client.results(arxiv.Search(id_list=["2501.16946"])))
    assert "id_list=2501.16946" in str(raised.value) and "(node verify_anchors)" in str(raised.value)


class Finding(BaseModel):
    stance: str
    quote: str


class Verdict(BaseModel):
    verdict: str


class _Sent(Exception):
    """Raised by the capturing transport once it has the request."""


def _request_body(model_string: str, *, data: str, schema: type[BaseModel]) -> dict:
    """The JSON body a registered provider's real client sends for one task."""
    sent: list[httpx2.Request] = []

    def capture(request: httpx2.Request) -> httpx2.Response:
        sent.append(request)
        raise _Sent

    spec = parse_model_string(model_string)
    options: ClientOptions = {
        "api_key": REPLAY_KEY,
        "max_retries": 0,
        "timeout_s": 5.0,
        "http_client": httpx2.Client(transport=httpx2.MockTransport(capture)),
        "clock": lambda: 0.0,
    }
    client = provider_spec(spec.provider).build(spec, options)
    with pytest.raises(Exception):  # noqa: B017 - each SDK reports the capture its own way
        client.complete(task="screen C1", instructions="Screen the paper.", data=data, schema=schema)
    return json.loads(sent[0].content)


@pytest.mark.parametrize("spec", registered(), ids=lambda spec: spec.name)
def test_every_key_a_provider_sends_is_matched_or_deliberately_ignored(spec) -> None:
    """A body key matching does not know would let a replay answer a changed request with the old answer."""
    body = _request_body(spec.example, data="<claim>C1</claim>", schema=Finding)
    unknown = set(body) - set(spec.match_keys) - set(spec.unmatched_keys) - {"stream"}
    assert unknown == set()

    asked = body_projection(_dump(body))
    assert asked != body_projection(_dump(_request_body(spec.example, data="<claim>C2</claim>", schema=Finding)))
    assert asked != body_projection(_dump(_request_body(spec.example, data="<claim>C1</claim>", schema=Verdict)))
    assert asked == body_projection(_dump(_request_body(spec.example, data="<claim>C1</claim>", schema=Finding)))


def _dump(body: dict) -> bytes:
    return json.dumps(body).encode()
