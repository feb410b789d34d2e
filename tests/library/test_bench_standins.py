"""The benchmark's stand-ins answer the real clients validly, so a benchmark run does a real run's work.

The whole graph runs on a generated library line with the real SDK and the real
arXiv client; model calls reach the stand-in's answers through httpx2's
MockTransport and arXiv calls through the requests adapter: no socket is opened.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import httpx2
import pytest
import requests
from langgraph.checkpoint.memory import InMemorySaver
from requests.structures import CaseInsensitiveDict

from agent.config import Settings
from agent.graph.build import build_graph
from agent.graph.serde import serializer
from agent.line.read import load_line
from agent.services import RunRequest, build_services
from agent.sources.models import TitleMatch
from evals.authoring import llm_wire
from evals.benchmark import answers, floor, standin_arxiv
from evals.benchmark.lines import CHANGED_TITLE_ID, write_library

RUN_DATE = dt.date(2026, 11, 29)


def _model(request: httpx2.Request) -> httpx2.Response:
    body = httpx2.Response(200, content=request.content).json()
    payload = llm_wire.openai_completion(llm_wire.json_text(answers.answer(body)), model=body["model"], prompt_tokens=10, completion_tokens=5)
    return httpx2.Response(200, json=payload)


@contextmanager
def _arxiv_stand_in(urls: list[str]) -> Iterator[None]:
    def send(adapter: Any, request: requests.PreparedRequest, **_: Any) -> requests.Response:
        urls.append(request.url)
        status, body = standin_arxiv.answer(request.url)
        response = requests.Response()
        response.status_code, response._content, response.url, response.request = status, body.encode(), request.url, request
        response.headers = CaseInsensitiveDict({"Content-Type": "application/atom+xml; charset=UTF-8"})
        return response

    with mock.patch.object(requests.adapters.HTTPAdapter, "send", send):
        yield


@pytest.mark.parametrize("model", ["openai-compatible:http://127.0.0.1:9/v1#gpt-5.4-mini", "openai:gpt-5.4-mini"])
def test_a_generated_line_runs_its_full_workload_on_the_stand_ins(tmp_path: Path, model: str) -> None:
    # JSON mode (schema in the system prompt) and strict json_schema: both carry the task's schema.
    line = load_line(write_library(tmp_path, 1)[0]).line
    claims = len(line.prompt.claims)
    request = RunRequest(mode="replay", settings=Settings(**dict.fromkeys(("planner", "screener", "judge", "writer"), model)), run_date=RUN_DATE)
    ctx = build_services(request, None, http_client=httpx2.Client(transport=httpx2.MockTransport(_model)))
    urls: list[str] = []
    with _arxiv_stand_in(urls):
        graph = build_graph().compile(checkpointer=InMemorySaver(serde=serializer()))
        config = {"configurable": {"thread_id": "bench"}}
        graph.invoke({"run_id": "bench", "line": line, "run_date": RUN_DATE}, config, context=ctx)
        state = graph.get_state(config).values
    # Every claim screened and judged: the stand-in's findings are relevant and quoted exactly.
    assert sum(u.calls for u in state["usage"]) == 2 * claims + 4  # and the line: anchors read, claims planned, questions, draft
    assert {u.node for u in state["usage"]} >= {"plan_claims"} and "plan_queries" not in {u.node for u in state["usage"]}, "one plan for every claim"
    assert all(r.verdict and r.findings and not r.error for r in state["claim_results"].values())
    assert all(f.quote in state["papers"][f.arxiv_id].summary for r in state["claim_results"].values() for f in r.findings)
    # One batched lookup, one for the anchor cited by its version-1 title, two searches per claim.
    assert len(urls) == 2 * claims + 2
    changed = next(a for a in state["anchor_checks"] if a.arxiv_id == CHANGED_TITLE_ID)
    assert changed.title_match is TitleMatch.CLOSE and "version 1" in changed.title_note
    assert state["proposals"] and all(p.grounded for p in state["proposals"]) and state["ungrounded"] == []


def test_searches_return_only_papers_inside_their_window() -> None:
    window_query = "(abs:wages AND abs:compute) AND submittedDate:[202601010000 TO 202611292359]"
    hits, total = standin_arxiv.search_hits(window_query, 10)
    assert hits and total >= len(hits) and len(hits) <= standin_arxiv.RESULTS_PER_SEARCH
    assert all(dt.date(2026, 1, 1) <= (e.published if isinstance(e.published, dt.date) else e.published.date()) <= RUN_DATE for e in hits)
    assert standin_arxiv.search_hits(window_query, 10) == (hits, total), "the same query finds the same papers"
    assert standin_arxiv.search_hits(window_query.replace("wages", "labor"), 10)[0] != hits


def test_unknown_schemas_get_the_smallest_valid_answer() -> None:
    from pydantic import BaseModel, Field

    class Inner(BaseModel):
        score: float = Field(ge=0.5)
        kind: str | None

    class Odd(BaseModel):
        items: list[Inner] = Field(min_length=2)
        flag: bool

    body = {
        "messages": [{"role": "user", "content": "anything"}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "Odd", "schema": Odd.model_json_schema()}},
    }
    assert Odd.model_validate(answers.answer(body)).items[0].score == 0.5


def test_the_floor_is_the_spaced_requests_plus_the_tail_or_the_longest_chain() -> None:
    real = floor.Timing(1.0)
    # The demo: 12 requests 3 s apart, the last response (0.8 s), then screen, judge, questions, proposals.
    assert floor.floor_s(12, 4, 5, real) == pytest.approx(11 * 3 + 0.8 + 4 * 2)
    assert floor.floor_s(0, 0, 5, real) == pytest.approx(10.0), "a warm run is bound by its chain of model calls"
    assert floor.floor_s(2, 2, 9, real) == pytest.approx(18.0)
    assert floor.limiter_bound_s(12, 4, 5, real) == pytest.approx(12 * 0.8 + 11 * 3 + 8)
    assert floor.floor_s(12, 4, 5, floor.Timing(0.1)) == pytest.approx(floor.floor_s(12, 4, 5, real) / 10)


def test_the_library_is_twenty_real_format_lines_that_share_no_query(tmp_path: Path) -> None:
    from evals.authoring import arxiv_wire

    lines = [load_line(p).line for p in write_library(tmp_path, 20)]
    assert len(lines) == 20 and {len(line.prompt.claims) for line in lines} == {2, 3, 4, 5}
    claims = [c.text for line in lines for c in line.prompt.claims]
    assert len(set(claims)) == len(claims), "a claim shared by two lines would be served from the cache"
    plans = [tuple(q["query"] for q in answers.plan(f'<untrusted_data label="claim C1">\n{text}\n</untrusted_data>')["queries"]) for text in claims]
    assert len(set(plans)) == len(plans)
    catalog = arxiv_wire.catalog(arxiv_wire.CATALOG)
    assert all(a.arxiv_id in catalog for line in lines for a in line.prompt.anchors)
    assert sum(any(a.arxiv_id == CHANGED_TITLE_ID for a in line.prompt.anchors) for line in lines) == 4
