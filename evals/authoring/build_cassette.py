"""Build a cassette from a hand-written scenario by running the real graph against it.

No live service is reachable where Retest is built, so cassettes are made
this way: the real graph, real SDK clients and real arXiv client run; model
calls are answered by httpx2's MockTransport from the scenario, in the
provider's wire format, while vcrpy records them exactly as the SDK sent
them; arXiv calls are answered at the `requests` adapter from real paper
metadata (evals/data/arxiv-papers.json) in arXiv's Atom format, and written
beside them. Whatever the graph asks, the cassette holds, request for request.

Usage:
    .venv/bin/python -m evals.authoring.build_cassette evals/scenarios/bargaining-power.yaml [...]
"""

from __future__ import annotations

import dataclasses
import hashlib
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import parse_qs, urlparse

import httpx2
import requests
from langgraph.checkpoint.memory import InMemorySaver
from requests.structures import CaseInsensitiveDict

from agent.config import load_settings
from agent.graph.build import build_graph
from agent.graph.nodes.search import combine
from agent.graph.records import SearchedQuery
from agent.graph.serde import serializer
from agent.line.read import load_line, write_text_atomic
from agent.recording import cassette, current_call
from agent.recording import serializer as cassette_format
from agent.services import RunRequest, build_services
from agent.sources import fold_version
from evals.authoring import arxiv_wire, llm_wire
from evals.authoring.scenario import Scenario, load_scenario

REPO = Path(__file__).resolve().parents[2]


class ModelAnswers:
    """Answers model calls from the scenario, in each provider's response shape."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.sent: Counter[str] = Counter()

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        site = current_call()
        task = f"{site.node} {site.claim}" if site and site.claim else (site.node if site else "?")
        raw = self.scenario.raw_first.get(task, [])
        n = self.sent[task]
        self.sent[task] += 1
        body = request.content.decode("utf-8")
        text = raw[n] if n < len(raw) else llm_wire.json_text(self.scenario.answer(task, body))
        model = httpx2.Response(200, content=request.content).json().get("model", "")
        tokens = {"in": max(1, len(body) // 4), "out": max(1, len(text) // 4)}
        # From the task, not the arrival order: parallel claims arrive in any order.
        suffix = hashlib.sha256(f"{task}#{n}".encode()).hexdigest()[:8]
        if request.url.host == "api.anthropic.com":
            payload = llm_wire.anthropic_message(text, model=model, input_tokens=tokens["in"], output_tokens=tokens["out"], suffix=suffix)
        elif request.url.host == "api.openai.com":
            payload = llm_wire.openai_completion(text, model=model, prompt_tokens=tokens["in"], completion_tokens=tokens["out"], suffix=suffix)
        else:
            payload = llm_wire.ollama_completion(text, prompt_tokens=tokens["in"], completion_tokens=tokens["out"], suffix=suffix)
        return httpx2.Response(200, json=payload, headers={"content-type": "application/json"})


class ArxivAnswers:
    """Answers arXiv API URLs from the scenario and the real-metadata catalog; keeps each exchange."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.exchanges: list[dict[str, Any]] = []
        self.errors_sent: Counter[tuple[str, str]] = Counter()
        self.by_query: dict[str, tuple[str, str]] = {}
        for claim_id, script in scenario.claims.items():
            by_aim: dict[str, list[SearchedQuery]] = {}
            for q in script.queries:
                by_aim.setdefault(q.aim, []).append(SearchedQuery(query=q.query, aim=q.aim, since=scenario.run_date, until=scenario.run_date))
            for aim, queries in by_aim.items():
                self.by_query[combine(queries)] = (claim_id, aim)

    def _entry(self, raw_id: str) -> arxiv_wire.WireEntry | None:
        base, version = fold_version(raw_id)
        meta = arxiv_wire.catalog().get(base)
        if meta is None:
            return None
        if version == 1 and meta.get("earlier_title"):
            item = arxiv_wire.entry(base, version=1, title=meta["earlier_title"])
        else:
            item = arxiv_wire.entry(base, version=self.scenario.arxiv.versions.get(base, 1))
        summary = self.scenario.arxiv.summaries.get(base)
        return dataclasses.replace(item, summary=summary) if summary else item

    def answer(self, url: str) -> tuple[int, str]:
        params = {k: v[0] for k, v in parse_qs(urlparse(url).query, keep_blank_values=True).items()}
        size = int(params.get("max_results", "10"))
        if params.get("id_list"):
            ids = params["id_list"].split(",")
            bad = [i for i in ids if i in self.scenario.arxiv.malformed]
            if bad:
                return 400, arxiv_wire.error_feed_xml(bad[0])
            entries = [e for e in (self._entry(i) for i in ids) if e is not None]
            return 200, arxiv_wire.feed_xml(entries, id_list=ids, max_results=size)
        query = params.get("search_query", "")
        claim_id, aim = next(((c, a) for combined, (c, a) in self.by_query.items() if combined in query), (None, None))
        if claim_id is None:
            raise KeyError(f"scenario has no search matching {query!r}")
        script = self.scenario.claims[claim_id]
        errors = script.errors.get(aim, [])
        sent = self.errors_sent[(claim_id, aim)]
        if script.down or sent < len(errors):
            self.errors_sent[(claim_id, aim)] += 1
            return (503 if script.down else errors[sent]), "Service Unavailable\n"
        entries = [e for e in (self._entry(i) for i in script.results.get(aim, [])) if e is not None]
        return 200, arxiv_wire.feed_xml(entries, search_query=query, max_results=size)

    def send(self, adapter: requests.adapters.HTTPAdapter, request: requests.PreparedRequest, **_: Any) -> requests.Response:
        status, body = self.answer(request.url)
        content_type = arxiv_wire.ATOM_CONTENT_TYPE if status in (200, 400) else "text/plain; charset=utf-8"
        self.exchanges.append(arxiv_wire.interaction(request.url, status, body, content_type=content_type))
        response = requests.Response()
        response.status_code, response._content, response.url, response.request = status, body.encode("utf-8"), request.url, request
        response.headers = CaseInsensitiveDict({"Content-Type": content_type})
        return response


@contextmanager
def _answering_arxiv(answers: ArxivAnswers) -> Iterator[None]:
    def send(adapter, request, **kwargs):  # noqa: ANN001 - requests' own signature
        return answers.send(adapter, request, **kwargs)

    with mock.patch.object(requests.adapters.HTTPAdapter, "send", send):
        yield


def _in_stable_order(interactions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Claims run in parallel, so arrival order varies; sort so a rebuild is byte-identical.

    The sort is stable: repeats of one request (a 503, then its retry) keep the
    order they were answered in, which is the order replay serves them.
    """

    def key(item: dict[str, Any]) -> tuple[str, str]:
        body = item["request"].get("body") or ""
        return item["request"]["uri"], body if isinstance(body, str) else str(body)

    return sorted(interactions, key=key)


def build(scenario: Scenario, *, repo: Path = REPO) -> tuple[Path, dict[str, Any]]:
    """Run the graph against the scenario and write its cassette; returns the path and final state."""
    if scenario.arxiv_from == "index":
        raise ValueError(f"{scenario.cassette} is recorded against the index stand-in: use evals.authoring.record_against_index")
    loaded = load_line(repo / scenario.line)
    settings = load_settings(overrides=dict(scenario.models or {}))
    request = RunRequest(mode="replay", run_date=scenario.run_date, use_cache=False, settings=settings)
    model_answers, arxiv_answers = ModelAnswers(scenario), ArxivAnswers(scenario)
    ctx = build_services(request, None, http_client=httpx2.Client(transport=httpx2.MockTransport(model_answers)))
    target = repo / scenario.cassette
    with tempfile.TemporaryDirectory() as tmp:
        recorded = Path(tmp) / "models.yaml"
        with _answering_arxiv(arxiv_answers), cassette("record", recorded):
            graph = build_graph().compile(checkpointer=InMemorySaver(serde=serializer()))
            config = {"configurable": {"thread_id": "authoring"}}
            graph.invoke({"run_id": "authoring", "line": loaded.line, "run_date": scenario.run_date}, config, context=ctx)
            state = graph.get_state(config).values
        data = cassette_format.deserialize(recorded.read_text(encoding="utf-8")) if recorded.exists() else {"interactions": [], "version": 1}
    data["interactions"] = _in_stable_order(arxiv_answers.exchanges) + _in_stable_order(data["interactions"])
    # Atomic: a test replaying this cassette meanwhile never reads half a file.
    write_text_atomic(target, cassette_format.serialize(data))
    return target, state


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    for name in argv:
        scenario = load_scenario(Path(name))
        if scenario.arxiv_from == "index":
            # Built here it would get no papers at all: its searches are the index engine's to answer.
            print(f"{name}: skipped; record it with .venv/bin/python -m evals.authoring.record_against_index {name}")
            continue
        path, state = build(scenario)
        verdicts = {k: str(v.verdict.verdict) for k, v in sorted(state.get("claim_results", {}).items()) if v.verdict}
        print(f"{path.relative_to(REPO)}: {len(state.get('proposals', []))} proposals, verdicts {verdicts}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
