"""The likely-source search of a claim with no arXiv anchor (issue 19, point 5b): the search clients and the matching."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from agent.errors import ProviderError
from agent.graph.context import CitationService
from agent.graph.nodes.find_source import likely_sources, period_end, terms
from agent.line.models import DatePrecision, FuzzyDate
from agent.sources.crossref import Crossref
from agent.sources.identity import PaperRef
from agent.sources.openalex import OpenAlex
from agent.sources.protocol import Work
from agent.sources.webapi import Spacer
from tests.sources.apis.fakes import Capture

WIRE = Path(__file__).resolve().parents[1] / "data" / "wire"
CLAIM = "Wages in AGI scenarios converge to computational replication cost, not to scarcity or human preference"
SUMMARY = json.loads((Path(__file__).resolve().parents[1] / "data" / "lines" / "bargaining-power-sources.json").read_text())["works"][0]["summary"]


def _nber_message() -> dict[str, Any]:
    return json.loads((WIRE / "hand" / "crossref_nber_w34423.json").read_text())["body"]["message"]


def test_crossref_search_asks_by_bibliographic_terms_and_reads_the_work_list() -> None:
    item = {**_nber_message(), "abstract": f"<jats:p>{SUMMARY}</jats:p>"}
    session = Capture(
        {"status": 200, "headers": {"content-type": "application/json"}, "body": {"status": "ok", "message-type": "work-list", "message": {"items": [item]}}}
    )
    works = Crossref(spacer=Spacer(0.0), retry_wait=0.0, session=session).search("wages agi", since=dt.date(2020, 1, 1), until=dt.date(2025, 12, 31), limit=5)
    query = parse_qs(urlsplit(session.sent[0].url).query)
    assert urlsplit(session.sent[0].url).path == "/works"
    assert query["query.bibliographic"] == ["wages agi"] and query["rows"] == ["5"]
    assert query["filter"] == ["from-pub-date:2020-01-01,until-pub-date:2025-12-31"]
    (work,) = works
    assert work.ref == PaperRef(doi="10.3386/w34423") and not work.ref.on_arxiv
    assert work.abstract == SUMMARY, "JATS tags stripped"
    assert work.retracted is False


def test_crossref_search_without_a_list_is_a_provider_error() -> None:
    session = Capture({"status": 200, "headers": {}, "body": {"status": "ok", "message": {}}})
    with pytest.raises(ProviderError, match="holds no work list"):
        Crossref(spacer=Spacer(0.0), retry_wait=0.0, session=session).search("wages")


def test_openalex_search_sends_its_key_as_a_parameter_and_reads_results() -> None:
    recorded = json.loads((WIRE / "openalex" / "work_by_doi.json").read_text())["body"]
    session = Capture({"status": 200, "headers": {"x-ratelimit-cost-usd": "0.0001"}, "body": {"meta": {"count": 1}, "results": [recorded]}})
    source = OpenAlex("test-key-not-real", spacer=Spacer(0.0), retry_wait=0.0, session=session)
    (work,) = source.search("paperqa retrieval", until=dt.date(2025, 12, 31))
    query = parse_qs(urlsplit(session.sent[0].url).query)
    assert query["search"] == ["paperqa retrieval"] and query["filter"] == ["to_publication_date:2025-12-31"]
    assert query["api_key"] == ["test-key-not-real"]
    assert work.ref.openalex_id == recorded["id"].rsplit("/", 1)[-1]
    assert source.total_cost_usd == pytest.approx(0.0001)


class _Finder:
    def __init__(self, name: str, works: list[Work] | Exception) -> None:
        self.name, self.works, self.asked = name, works, []  # type: ignore[var-annotated]

    def search(self, query: str, *, since: dt.date | None = None, until: dt.date | None = None, limit: int = 25) -> list[Work]:
        self.asked.append((query, since, until))
        if isinstance(self.works, Exception):
            raise self.works
        return self.works

    def resolve(self, ref: PaperRef) -> Work | None:
        return None


def _work(title: str, abstract: str, doi: str, source: str = "crossref") -> Work:
    return Work(ref=PaperRef(doi=doi), source=source, title=title, abstract=abstract, year=2025)  # type: ignore[arg-type]


def test_only_works_sharing_key_terms_count_and_a_failing_source_is_recorded() -> None:
    nber = _work("We Won't be Missed: Work and Growth in the AGI World", SUMMARY, "10.3386/w34423")
    unrelated = _work("A survey of soil microbes", "Soil bacteria in wetlands.", "10.1000/soil")
    crossref = _Finder("crossref", [unrelated, nber])
    s2 = _Finder("semanticscholar", ProviderError("Semantic Scholar search failed after 5 tries: HTTP 429"))
    found, searches = likely_sources(CitationService(sources=[], checkers=[crossref, s2]), "C1", CLAIM, dt.date(2025, 12, 31))  # type: ignore[list-item]
    assert [w.ref.doi for w, _ in found] == ["10.3386/w34423"]
    assert found[0][1] == ["crossref"]
    query, since, until = crossref.asked[0]
    assert query.startswith("wages agi scenarios") and "to" not in query.split() and until == dt.date(2025, 12, 31) and since == dt.date(2020, 1, 1)
    assert any(v.startswith("failed: Semantic Scholar") for k, v in searches.items() if k.endswith("(semanticscholar)"))


def test_terms_and_period_end() -> None:
    assert terms("The wages of AGI scenarios, wages again") == ["wage", "agi", "scenario", "again"]
    assert period_end(FuzzyDate(text="~2025", value=dt.date(2025, 1, 1), precision=DatePrecision.YEAR)) == dt.date(2025, 12, 31)
    assert period_end(FuzzyDate(text="2024-02", value=dt.date(2024, 2, 1), precision=DatePrecision.MONTH)) == dt.date(2024, 2, 29)
    assert period_end(FuzzyDate(text="2024-12", value=dt.date(2024, 12, 1), precision=DatePrecision.MONTH)) == dt.date(2024, 12, 31)
