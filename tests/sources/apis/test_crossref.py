"""The Crossref client against cassettes built from real recorded answers (see cassettes/README.md)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from agent.sources.crossref import crossref_user_agent
from agent.sources.identity import PaperRef
from tests.sources.apis import scenarios as sc
from tests.sources.apis.fakes import Capture


def run(name: str):
    return sc.SCENARIOS[name][1](None)


@pytest.mark.vcr
@pytest.mark.default_cassette("crossref/work_with_correction.yaml")
def test_a_correction_notice_is_read_and_is_not_a_retraction() -> None:
    work = run("crossref/work_with_correction")
    assert work.ref.doi == sc.CROSSREF_CORRECTED and work.published == dt.date(2012, 3, 21) and work.venue == "PLoS ONE"
    (notice,) = work.notices
    assert (notice.kind, notice.source, notice.date) == ("correction", "publisher", dt.date(2012, 5, 8))
    assert notice.notice_doi == "10.1371/annotation/c76da2c1-ccb8-4797-94c1-359d3ceceeda"
    assert work.retracted is False


@pytest.mark.vcr
@pytest.mark.default_cassette("crossref/retraction_notice.yaml")
def test_a_retraction_watch_entry_marks_the_work_retracted() -> None:
    work = run("crossref/retraction_notice")
    assert work.retracted is True
    (notice,) = work.notices
    assert notice.source == "retraction-watch" and notice.record_id == "20946" and notice.notice_doi == "10.1021/acsami.9b11759"


@pytest.mark.vcr
@pytest.mark.default_cassette("crossref/work_polite.yaml")
def test_a_contact_joins_the_polite_pool(vcr) -> None:
    work = run("crossref/work_polite")
    assert parse_qs(urlsplit(vcr.requests[0].uri).query)["mailto"] == [sc.CONTACT]
    assert work.title and work.title.startswith("Effect of native oxide layers")
    assert "mailto:" + sc.CONTACT in crossref_user_agent(sc.CONTACT)


def test_the_user_agent_carries_the_mailto_and_without_a_contact_no_mailto_is_sent() -> None:
    answer = {"status": 404, "headers": {"content-type": "text/plain"}, "body": "Resource not found."}
    polite, public = Capture(answer), Capture(answer)
    sc.crossref(polite, contact=sc.CONTACT).resolve(PaperRef(doi=sc.UNKNOWN_DOI))
    sc.crossref(public).resolve(PaperRef(doi=sc.UNKNOWN_DOI))
    assert f"(mailto:{sc.CONTACT})" in polite.sent[0].headers["User-Agent"]
    assert "mailto" not in (public.sent[0].url or "") and "mailto" not in public.sent[0].headers["User-Agent"]


@pytest.mark.vcr
@pytest.mark.default_cassette("crossref/not_found.yaml")
def test_an_unknown_doi_is_none() -> None:
    assert run("crossref/not_found") is None


def test_arxiv_dois_are_never_sent_to_crossref() -> None:
    session = Capture({"status": 404, "headers": {}, "body": "Resource not found."})
    source = sc.crossref(session)
    assert source.resolve(PaperRef(arxiv_id="2312.07559")) is None
    assert source.resolve(PaperRef(doi="10.48550/arXiv.2312.07559")) is None
    assert session.sent == [] and source.requests_sent == 0


@pytest.mark.vcr
@pytest.mark.default_cassette("crossref/nber_working_paper.yaml")
def test_the_demo_claims_working_paper_resolves_without_arxiv() -> None:
    work = run("crossref/nber_working_paper")
    assert work.ref.doi == sc.NBER_DOI and not work.ref.on_arxiv
    assert work.year == 2025 and work.published is None  # only the year is known
    assert work.venue == "National Bureau of Economic Research" and work.authors == ["Pascual Restrepo"]
