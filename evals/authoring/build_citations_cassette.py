"""Build a cassette of a run with citation sources on (`--citations`) from a hand-written scenario.

As build_cassette.py, the real graph, SDK clients and arXiv client run against a
scenario's answers; here Semantic Scholar, Crossref and OpenAlex are answered too,
at the same `requests` adapter, from the scenario's `sources:` list, in each
service's JSON wire format (the shapes the clients' tests replay from real
recordings, tests/data/wire). A request no entry answers stops the build with its
URL, so the scenario states every exchange the run makes. No key is set while
building: OpenAlex is skipped, as a keyless run skips it.

Usage:
    .venv/bin/python -m evals.authoring.build_citations_cassette evals/scenarios/citations/bargaining-power-citations.yaml
    (--probe: answer what the scenario lacks with 404 and list it, writing nothing)
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx2
import requests
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import BaseModel, ConfigDict, Field
from requests.structures import CaseInsensitiveDict

from agent.config import load_settings
from agent.graph.build import build_graph
from agent.graph.serde import serializer
from agent.line.read import load_line, write_text_atomic
from agent.recording import cassette
from agent.recording import serializer as cassette_format
from agent.recording.scrub import scrub_url
from agent.services import RunRequest, build_services
from evals.authoring.build_cassette import REPO, ArxivAnswers, ModelAnswers, _in_stable_order
from evals.authoring.scenario import Scenario, scenario_data

ARXIV_HOST = "export.arxiv.org"
KEYS = ("SEMANTIC_SCHOLAR_API_KEY", "OPENALEX_API_KEY", "RETEST_CONTACT")


class SourceAnswer(BaseModel):
    """One answer of a JSON API: to `method` on `host` + `path` (decoded) whose query holds `query`."""

    model_config = ConfigDict(extra="forbid")

    host: str
    path: str
    method: str = "GET"
    query: dict[str, str] = Field(default_factory=dict, description="Parameters the request must carry with these values (others are free).")
    status: int = 200
    body: Any = None
    note: str = Field(default="", description="What in this answer is real and what is written by hand (for cassettes/README.md).")


class CitationsScenario(Scenario):
    sources: list[SourceAnswer] = Field(default_factory=list)


def load(path: Path) -> CitationsScenario:
    return CitationsScenario.model_validate(scenario_data(path))


class SourceAnswers:
    """Answers Semantic Scholar, Crossref and OpenAlex from the scenario; keeps each exchange as vcrpy writes it."""

    def __init__(self, answers: list[SourceAnswer], *, probe: bool = False) -> None:
        self.answers, self.probe = answers, probe
        self.missing: list[str] = []
        self.exchanges: list[dict[str, Any]] = []
        self.used: set[int] = set()

    def find(self, request: requests.PreparedRequest) -> SourceAnswer:
        parts = urlsplit(request.url or "")
        path, query = unquote(parts.path), dict(parse_qsl(parts.query, keep_blank_values=True))
        for index, answer in enumerate(self.answers):
            if (answer.host, answer.path, answer.method) == (parts.hostname, path, request.method) and all(query.get(k) == v for k, v in answer.query.items()):
                self.used.add(index)
                return answer
        if self.probe:  # list what the scenario must answer, instead of stopping at the first
            self.missing.append(f"{request.method} {request.url} {request.body!r}")
            return SourceAnswer(host=parts.hostname or "", path=path, status=404, body={"error": "not in the scenario"})
        raise KeyError(f"the scenario has no answer for {request.method} {request.url}")

    def send(self, request: requests.PreparedRequest) -> requests.Response:
        answer = self.find(request)
        text = json.dumps(answer.body, ensure_ascii=False)
        sent = request.body.decode("utf-8") if isinstance(request.body, bytes) else request.body
        self.exchanges.append(
            {
                "request": {
                    "body": sent,
                    "headers": {"Content-Type": ["application/json"]} if sent else {},
                    "method": request.method,
                    "uri": scrub_url(request.url or ""),
                },
                "response": {
                    "body": {"string": text},
                    "headers": {"Content-Type": ["application/json"]},
                    "status": {"code": answer.status, "message": HTTPStatus(answer.status).phrase},
                },
            }
        )
        response = requests.Response()
        response.status_code, response._content, response.url, response.request = answer.status, text.encode("utf-8"), request.url or "", request
        response.headers = CaseInsensitiveDict({"Content-Type": "application/json"})
        response.encoding = "utf-8"
        return response


@contextmanager
def _answering(arxiv: ArxivAnswers, sources: SourceAnswers) -> Iterator[None]:
    def send(adapter, request, **kwargs):  # noqa: ANN001 - requests' own signature
        if urlsplit(request.url).hostname == ARXIV_HOST:
            return arxiv.send(adapter, request, **kwargs)
        return sources.send(request)

    saved = {k: os.environ.pop(k) for k in KEYS if k in os.environ}
    try:
        with mock.patch.object(requests.adapters.HTTPAdapter, "send", send):
            yield
    finally:
        os.environ.update(saved)


def build(scenario: CitationsScenario, *, repo: Path = REPO, probe: bool = False) -> tuple[Path, dict[str, Any]]:
    """Run the graph with citations on against the scenario and write its cassette; returns the path and final state."""
    loaded = load_line(repo / scenario.line)
    arxiv, sources, models = ArxivAnswers(scenario), SourceAnswers(scenario.sources, probe=probe), ModelAnswers(scenario)
    target = repo / scenario.cassette
    with tempfile.TemporaryDirectory() as tmp, _answering(arxiv, sources):
        settings = load_settings(overrides={**(scenario.models or {}), "citations": True})
        request = RunRequest(mode="replay", run_date=scenario.run_date, use_cache=False, settings=settings)
        ctx = build_services(request, None, http_client=httpx2.Client(transport=httpx2.MockTransport(models)))
        recorded = Path(tmp) / "models.yaml"
        with cassette("record", recorded):
            graph = build_graph().compile(checkpointer=InMemorySaver(serde=serializer()))
            config = {"configurable": {"thread_id": "authoring"}}
            graph.invoke({"run_id": "authoring", "line": loaded.line, "run_date": scenario.run_date}, config, context=ctx)
            state = graph.get_state(config).values
        data = cassette_format.deserialize(recorded.read_text(encoding="utf-8")) if recorded.exists() else {"interactions": [], "version": 1}
    if probe:
        print("\n".join(sources.missing))
        raise SystemExit("probe: nothing written")
    unused = [f"{a.method} {a.host}{a.path}" for i, a in enumerate(scenario.sources) if i not in sources.used]
    if unused:
        raise SystemExit(f"{scenario.cassette}: answers never asked for: {', '.join(unused)}")
    data["interactions"] = _in_stable_order(arxiv.exchanges) + _in_stable_order(sources.exchanges) + _in_stable_order(data["interactions"])
    write_text_atomic(target, cassette_format.serialize(data))
    return target, state


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    probe = "--probe" in argv
    for name in (a for a in argv if a != "--probe"):
        path, state = build(load(Path(name)), probe=probe)
        verdicts = {k: str(v.verdict.verdict) for k, v in sorted(state.get("claim_results", {}).items()) if v.verdict}
        print(f"{path.relative_to(REPO)}: {len(state.get('proposals', []))} proposals, verdicts {verdicts}")
        for claim_id, found in state.get("claim_sources", {}).items():
            print(f"  {claim_id} likely sources: {found}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
