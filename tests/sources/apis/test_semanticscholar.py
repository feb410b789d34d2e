"""The Semantic Scholar client against cassettes built from real recorded answers (see cassettes/README.md)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from vcr.request import Request

from agent.errors import ConfigError, ProviderError
from agent.recording.scrub import scrub_request
from agent.sources.identity import PaperRef
from agent.sources.semanticscholar import KEY_HEADER, date_filter
from tests.sources.apis import scenarios as sc
from tests.sources.apis.fakes import Capture

WIRE = Path(__file__).resolve().parents[2] / "data" / "wire"


def _wire(name: str) -> dict:
    return json.loads((WIRE / name).read_text(encoding="utf-8"))


def run(name: str):
    return sc.SCENARIOS[name][1](None)


def _query(uri: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(uri).query)


@pytest.mark.vcr
@pytest.mark.default_cassette("semanticscholar/lookup_doi.yaml")
def test_lookup_by_doi_reads_the_external_ids(vcr) -> None:
    work = run("semanticscholar/lookup_doi")
    assert unquote(urlsplit(vcr.requests[0].uri).path).endswith(f"/paper/DOI:{sc.S2_DOI}")
    assert work.ref.doi == sc.S2_DOI and work.ref.s2_id == "e0d2719e49ad216f98ed640864cdacd1c20f53e6"
    assert work.ref.arxiv_id is None and work.source == "semanticscholar"
    assert work.title and work.published is not None


@pytest.mark.vcr
@pytest.mark.default_cassette("semanticscholar/lookup_arxiv.yaml")
def test_lookup_by_arxiv_id_fills_both_identifiers(vcr) -> None:
    work = run("semanticscholar/lookup_arxiv")
    assert urlsplit(vcr.requests[0].uri).path.endswith(f"/paper/ARXIV:{sc.PAPERQA_ARXIV}")
    assert work.ref.arxiv_id == sc.PAPERQA_ARXIV
    assert work.ref.doi == "10.48550/arxiv.2312.07559"  # S2 spells it arXiv: normalised to lower case


@pytest.mark.vcr
@pytest.mark.default_cassette("semanticscholar/lookup_not_found.yaml")
def test_a_404_is_no_such_paper() -> None:
    assert run("semanticscholar/lookup_not_found") is None


@pytest.mark.vcr
@pytest.mark.default_cassette("semanticscholar/lookup_bad_key.yaml")
def test_a_refused_key_is_a_config_error_that_never_shows_the_key() -> None:
    with pytest.raises(ConfigError) as raised:
        run("semanticscholar/lookup_bad_key")
    assert "SEMANTIC_SCHOLAR_API_KEY" in (raised.value.hint or "") and "403" in raised.value.message
    assert "F@k3K3y" not in f"{raised.value.message} {raised.value.hint}"


def test_the_key_travels_in_its_header_and_a_recording_drops_it() -> None:
    session = Capture({"status": 200, "headers": {"content-type": "application/json"}, "body": {"paperId": "a" * 40}})
    sc.s2(session, key=sc.TEST_S2_KEY).resolve(PaperRef(doi=sc.S2_DOI))
    sent = session.sent[0]
    assert sent.headers[KEY_HEADER] == sc.TEST_S2_KEY
    recorded = scrub_request(Request(sent.method or "GET", sent.url or "", sent.body, dict(sent.headers)))
    assert KEY_HEADER not in {h.lower() for h in recorded.headers} and sc.TEST_S2_KEY not in recorded.uri
    keyless = Capture({"status": 200, "headers": {"content-type": "application/json"}, "body": {"paperId": "a" * 40}})
    sc.s2(keyless).resolve(PaperRef(doi=sc.S2_DOI))
    assert KEY_HEADER not in keyless.sent[0].headers


@pytest.mark.vcr
@pytest.mark.default_cassette("semanticscholar/batch_with_null.yaml")
def test_batch_keeps_order_and_unknown_ids_come_back_as_none(vcr) -> None:
    works = run("semanticscholar/batch_with_null")
    assert json.loads(vcr.requests[0].body)["ids"] == ["DOI:10.9999/retest.unknown", "DOI:10.2139/ssrn.288970", "DOI:10.2139/ssrn.2250500", sc.BATCH[3].s2_id]
    assert works[0] is None
    assert [w.ref.s2_id for w in works[1:] if w] == ["c31c87c591a25c64fbaa82e8ac6a81831b6ac7ce", *[w.ref.s2_id for w in works[2:] if w]]
    assert works[1] is not None and works[1].ref.doi == "10.2139/ssrn.288970"
    assert all(w is not None for w in works[1:])


@pytest.mark.vcr
@pytest.mark.default_cassette("semanticscholar/citations_paging.yaml")
def test_citations_follow_next_until_the_last_page(vcr) -> None:
    works = run("semanticscholar/citations_paging")
    offsets = [_query(r.uri)["offset"] for r in vcr.requests]
    assert offsets == [["0"], ["1800"]]  # the first answer says next=1800; the last page has no `next`
    items = [i["citingPaper"] for name in ("citations_page_1700", "citations_page_1800_last") for i in _wire(f"s2/{name}.json")["body"]["data"]]
    # S2 lists some citing papers it cannot identify (`paperId: null`, 4 of the 181 recorded): not citable, so skipped.
    identified = [i["paperId"] for i in items if i["paperId"]]
    assert len(items) == 181 and len(identified) == 177
    assert [w.ref.s2_id for w in works] == identified


@pytest.mark.vcr
@pytest.mark.default_cassette("semanticscholar/citations_dated.yaml")
def test_citations_are_kept_only_inside_the_window() -> None:
    in_2023, since_2024 = run("semanticscholar/citations_dated")
    assert [w.published for w in in_2023] == [dt.date(2023, 2, 1)]
    assert in_2023[0].ref.doi == "10.1109/lra.2022.3229266"  # DOI normalised to lower case
    assert since_2024 == []


@pytest.mark.vcr
@pytest.mark.default_cassette("semanticscholar/search_429_then_ok.yaml")
def test_429_without_retry_after_backs_off_exponentially_then_succeeds(vcr) -> None:
    sleep = sc.FakeSleep()
    works = sc.s2(None, sleep=sleep, retry_wait=2.0).search("turing", limit=3)
    assert len(vcr.requests) == 3 and len(works) == 3
    assert sleep.waits == [5.0, 10.0]  # the recorded 429s carry no Retry-After: our busy wait, doubling


@pytest.mark.vcr
@pytest.mark.default_cassette("semanticscholar/search_429_throughout.yaml")
def test_429_throughout_gives_up_with_one_clear_error(vcr) -> None:
    with pytest.raises(ProviderError) as raised:
        run("semanticscholar/search_429_throughout")
    assert len(vcr.requests) == 3
    assert "HTTP 429" in raised.value.message and "SEMANTIC_SCHOLAR_API_KEY" in (raised.value.hint or "")


@pytest.mark.vcr
@pytest.mark.default_cassette("semanticscholar/search_date_window.yaml")
def test_search_sends_the_publication_date_window(vcr) -> None:
    works = run("semanticscholar/search_date_window")
    query = _query(vcr.requests[0].uri)
    assert query["publicationDateOrYear"] == ["2024-01-01:2024-12-31"] and query["limit"] == ["5"]
    assert len(works) == 5  # `next` is there, but the limit is reached: no second page


@pytest.mark.vcr
@pytest.mark.default_cassette("semanticscholar/search_empty.yaml")
def test_an_empty_search_has_no_data_key_and_gives_no_works() -> None:
    assert run("semanticscholar/search_empty") == []


@pytest.mark.vcr
@pytest.mark.default_cassette("semanticscholar/match_title.yaml")
def test_title_match_returns_the_best_match_and_none_for_a_404() -> None:
    matched, unmatched = run("semanticscholar/match_title")
    work, _closeness = matched
    assert work.title == "Mining association rules between sets of items in large databases"
    assert unmatched is None


def test_date_filter_forms() -> None:
    assert date_filter(dt.date(2024, 1, 1), None) == "2024-01-01:"
    assert date_filter(None, dt.date(2024, 12, 31)) == ":2024-12-31"
    assert date_filter(None, None) is None


def test_a_reference_without_a_usable_id_is_refused_before_any_request() -> None:
    source = sc.s2(None)
    with pytest.raises(Exception, match="needs an arXiv ID"):
        source.resolve(PaperRef(openalex_id="W1"))
    assert source.requests_sent == 0
