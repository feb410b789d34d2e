"""The arXiv stand-in: the index's answers in arXiv's exact Atom, and the real client reading them as it reads arXiv's.

The golden files are real arXiv responses (tests/data/arxiv-wire, recorded 2026-04; see its README). Their
entries are read back into index records by the engine's Atom reader and rendered again: the bytes
must be arXiv's, but for what an index record cannot hold (affiliations, the leading spaces of some
old abstracts). The stand-in itself serves evals/data/arxiv-slice on 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from arxiv import _feed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.index import atom
from agent.index.engine import LocalIndex
from agent.index.formats import ATOM, atom_record
from agent.index.source import LocalSource
from agent.index.standin import NEITHER, StandIn, answer
from agent.sources import ArxivSource, LookupStatus, QueryRejected, RateLimiter
from agent.sources.transport import arxiv_message

WIRE = Path(__file__).resolve().parents[1] / "data" / "arxiv-wire"
FILES = sorted(WIRE.glob("*.json"))
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
EXAMPLES = int(os.environ.get("RETEST_HYPOTHESIS_EXAMPLES", "200"))
TODAY = dt.date(2026, 11, 29)
LOCAL = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])


def _wire(path: Path) -> tuple[dict[str, str], int, bytes]:
    """A recorded response: its request's parameters, status, and body as arXiv sent the bytes."""
    data = json.loads(path.read_text(encoding="utf-8"))
    # The fixtures stored arXiv's UTF-8 bytes decoded as Latin-1 (Wübben reads WÃ¼bben): undo that.
    body = data["body"].encode("latin-1")
    params = {k: v[0] for k, v in parse_qs(urlsplit(data["url"]).query, keep_blank_values=True).items()}
    return params, data["status_code"], body


def _rendered(params: dict[str, str], status: int, body: bytes) -> bytes:
    """What atom.py writes for the same request, from the recorded entries read back as index records."""
    root = ET.fromstring(body)
    served = dt.datetime.fromisoformat((root.findtext(f"{ATOM}updated") or "").replace("Z", "+00:00"))
    if status == 400:
        return atom.id_error(params["id_list"], served_at=served)
    records = [atom_record(e) for e in root.findall(f"{ATOM}entry")]
    return atom.feed(
        records,
        search_query=params["search_query"],
        id_list=params["id_list"].split(",") if params["id_list"] else [],
        start=int(params["start"]),
        max_results=int(params["max_results"]),
        total=int(root.findtext(f"{OPENSEARCH}totalResults") or 0),
        served_at=served,
    )


def _without_what_records_lack(body: bytes) -> bytes:
    text = body.decode("utf-8")
    text = re.sub(r"\n\s*<arxiv:affiliation>[^<]*</arxiv:affiliation>", "", text)
    text = re.sub(r"<summary>(.*?)</summary>", lambda m: f"<summary>{' '.join(m[1].split())}</summary>", text, flags=re.S)
    return text.encode("utf-8")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name[:40])
def test_rendering_a_real_answer_again_gives_arxivs_bytes(path: Path) -> None:
    params, status, body = _wire(path)
    assert _rendered(params, status, body) == _without_what_records_lack(body)


def test_the_golden_comparison_can_fail() -> None:
    # A changed element order or feed ID shows: the comparison is of bytes, not of parsed values.
    params, status, body = _wire(WIRE / "q_testing_s0_m10_bc5a6c384fe9.json")
    assert _rendered({**params, "search_query": "ti:testing"}, status, body) != _without_what_records_lack(body)
    assert _rendered({**params, "start": "1"}, status, body) != _without_what_records_lack(body)


def _values(content: bytes) -> dict[str, Any]:
    parsed = _feed.parse(content)
    assert not parsed.malformed
    results = [
        {
            "entry_id": r.entry_id, "updated": r.updated, "published": r.published, "title": r.title, "summary": " ".join(r.summary.split()),
            "authors": [a.name for a in r.authors], "comment": r.comment, "journal_ref": r.journal_ref, "doi": r.doi,
            "primary_category": r.primary_category, "categories": r.categories,
            "links": [(link.href, link.title, link.rel, link.content_type) for link in r.links],
        }
        for r in parsed.results
    ]  # fmt: skip
    return {"header": parsed.header, "results": results}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name[:40])
def test_the_arxiv_package_reads_the_rendering_as_it_reads_arxiv(path: Path) -> None:
    params, status, body = _wire(path)
    assert _values(_rendered(params, status, body)) == _values(body)


def test_the_400_says_what_arxivs_says() -> None:
    params, _, body = _wire(WIRE / "id_abc_s0_m100_b79c8dcf6bc3.json")
    assert arxiv_message(atom.id_error("abc")) == arxiv_message(body) == "incorrect id format for abc"


def test_the_echoed_query_is_rewritten_as_arxiv_rewrites_it() -> None:
    assert atom.echo_query("testing") == "all:testing"  # on record
    assert atom.echo_query("transformer attention") == "all:transformer OR all:attention"
    assert atom.echo_query("ti:(space time)") == "(ti:space OR ti:time)"
    assert atom.echo_query("a AND NOT b") == "all:a ANDNOT all:b"
    assert atom.echo_query("(abs:x) AND submittedDate:[2025 TO 202602]") == '(abs:x) AND submittedDate:"202501010000 TO 202602282359"'
    # The feed ID is the SHA-1 of the echoed request, as in every recorded feed.
    body = atom.feed([], search_query="testing", max_results=10).decode()
    assert f"<id>https://arxiv.org/api/{atom.feed_id('search_query=all:testing&id_list=&start=0&max_results=10')}</id>" in body


def test_text_that_xml_cannot_hold_is_dropped_not_served(corpus) -> None:
    record = corpus[0].model_copy(update={"title": "A \x0b title & <more>", "abstract": "x\x00y"})
    parsed = _feed.parse(atom.feed([record]))
    assert not parsed.malformed and parsed.results[0].title == "A title & <more>" and parsed.results[0].summary == "xy"


# ---------------------------------------------------------------- answers, without HTTP


def _ask(index: LocalIndex, **params: str) -> tuple[int, Any]:
    status, body = answer(index, params)
    return status, _feed.parse(body)


def test_bad_parameters_are_arxivs_400s(slice_index: LocalIndex) -> None:
    cases = {
        "incorrect id format for abc": {"id_list": "2602.05302,abc"},
        "start must be non-negative": {"search_query": "ti:agents", "start": "-1"},
        "max_results must be an integer": {"search_query": "ti:agents", "max_results": "ten"},
        "sortBy must be in: relevance, lastUpdatedDate, submittedDate": {"search_query": "ti:agents", "sortBy": "date"},
        "sortOrder must be in: ascending, descending": {"search_query": "ti:agents", "sortOrder": "up"},
        NEITHER: {"search_query": "", "id_list": ""},
    }
    for message, params in cases.items():
        status, body = answer(slice_index, params)
        assert status == 400 and arxiv_message(body) == message, params
    status, body = answer(slice_index, {"search_query": "ti:(agents"})
    assert status == 400 and (arxiv_message(body) or "").startswith("Invalid query string")


def test_a_search_pages_as_arxiv_pages(slice_index: LocalIndex) -> None:
    query = "abs:agents AND abs:evaluation"
    _, whole = _ask(slice_index, search_query=query, max_results="40")
    _, page = _ask(slice_index, search_query=query, start="10", max_results="5")
    assert whole.header.total_results == page.header.total_results > 40
    assert (page.header.start_index, page.header.items_per_page) == (10, 5)
    assert [r.entry_id for r in page.results] == [r.entry_id for r in whole.results[10:15]]
    _, newest = _ask(slice_index, search_query=query, sortBy="submittedDate", sortOrder="descending", max_results="20")
    dates = [r.published for r in newest.results]
    assert dates == sorted(dates, reverse=True)


def test_an_id_list_answers_found_ids_in_the_order_asked(slice_index: LocalIndex) -> None:
    status, found = _ask(slice_index, id_list="2603.10476,0808.05394,2602.05302v1,2602.05302", max_results="4")
    assert status == 200 and [r.get_short_id() for r in found.results] == ["2603.10476v1", "2602.05302v1"]
    assert found.header.total_results == 2, "a well-formed ID the index lacks is silently absent"
    status, none = _ask(slice_index, id_list="2501.00001", max_results="1")
    assert status == 200 and none.results == [] and none.header.total_results == 0 and none.header.items_per_page == 1


def test_an_id_list_with_a_query_is_the_search_filtered_by_the_ids(slice_index: LocalIndex) -> None:
    _, hits = _ask(slice_index, search_query="abs:agents", max_results="3")
    ids = [r.get_short_id().rsplit("v", 1)[0] for r in hits.results]
    _, both = _ask(slice_index, search_query="abs:agents", id_list=",".join([*ids, "2501.00001"]), max_results="10")
    assert sorted(r.get_short_id().rsplit("v", 1)[0] for r in both.results) == sorted(ids) and both.header.total_results == 3
    _, neither = _ask(slice_index, search_query='ti:"no such title words xyzzy"', id_list=",".join(ids), max_results="10")
    assert neither.results == []


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.sampled_from(["ti:agents", 'abs:"language models" AND cat:cs.CL', "all:reasoning OR all:planning", "ti:(", "", "rn:x", "NOT ti:agents"]),
    st.sampled_from(["", "2602.05302", "2602.05302,2603.10476v1", "abc", "2602.05302,,2603.10476"]),
    st.sampled_from(["0", "3", "17", "-2", "x", None]),
    st.sampled_from(["0", "1", "10", "-1", "1.5", None]),
    st.sampled_from(["relevance", "submittedDate", "lastUpdatedDate", "published", None]),
)
def test_every_request_is_a_feed_or_an_error_feed(slice_index: LocalIndex, query: str, ids: str, start: str | None, size: str | None, sort: str | None) -> None:
    params = {k: v for k, v in {"search_query": query, "id_list": ids, "start": start, "max_results": size, "sortBy": sort}.items() if v is not None}
    status, body = answer(slice_index, params)
    parsed = _feed.parse(body)
    assert not parsed.malformed
    if status == 400:
        assert parsed.header.total_results == 1 and arxiv_message(body), "an error entry, as arXiv sends"
        return
    assert status == 200
    first, page = int(params.get("start", "0")), int(params.get("max_results", "10"))
    assert parsed.header.start_index == first and parsed.header.items_per_page == page
    assert len(parsed.results) == max(0, min(page, parsed.header.total_results - first))


# ---------------------------------------------------------------- over HTTP, through the real client


def _client(server: StandIn) -> ArxivSource:
    return ArxivSource(None, limiter=RateLimiter(0.0), api_url=server.url, max_retries=0, retry_wait=0.0, today=TODAY)


@LOCAL
def test_the_real_client_gets_from_the_stand_in_what_the_local_source_gives(arxiv_standin: StandIn, slice_index: LocalIndex) -> None:
    client, local = _client(arxiv_standin), LocalSource(slice_index, today=TODAY)
    before = len(arxiv_standin.log)
    for query, since in (("abs:agents AND abs:negotiation", dt.date(2026, 1, 1)), ('ti:"language models"', dt.date(2026, 3, 1)), ("reasoning", None)):
        assert client.search(query, since=since, max_results=8) == local.search(query, since=since, max_results=8)
        assert client.search(query, since=since, max_results=5, sort="submitted") == local.search(query, since=since, max_results=5, sort="submitted")
    ids = [p.arxiv_id for p in local.search("abs:agents", max_results=3)] + ["2501.00001", "2602.05302v1", "2602.05302v2", "nonsense"]
    remote, here = client.lookup(ids), local.lookup(ids)
    assert {k: (v.status, v.paper) for k, v in remote.items()} == {k: (v.status, v.paper) for k, v in here.items()}
    assert [here[k].status for k in ids[3:]] == [LookupStatus.MISSING, LookupStatus.FOUND, LookupStatus.MISSING, LookupStatus.MALFORMED]
    with pytest.raises(QueryRejected) as rejected:
        client.search("ti:(agents", max_results=3)
    assert rejected.value.reason.startswith("Invalid query string")
    assert client.requests_sent == len(arxiv_standin.log) - before == 8, "two searches per query, one lookup batch, one rejected search"


@LOCAL
def test_the_log_holds_every_request_with_its_timing(arxiv_standin: StandIn) -> None:
    before = len(arxiv_standin.log)
    response = requests.get(arxiv_standin.url, params={"search_query": "ti:agents", "max_results": "2"}, timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"] == atom.ATOM_CONTENT_TYPE
    (entry,) = arxiv_standin.log[before:]
    assert entry["params"] == {"search_query": "ti:agents", "max_results": "2"} and entry["status"] == 200
    assert entry["start"] <= entry["end"] and entry["concurrent"] >= 1
    assert requests.get(f"{arxiv_standin.base}/_log", timeout=10).json()[-1]["query"] == entry["query"]
    assert requests.get(f"{arxiv_standin.base}/elsewhere", timeout=10).status_code == 404


def test_the_golden_files_are_in_the_repository() -> None:
    # The golden comparison must never pass by finding nothing to compare.
    assert len(FILES) == 20, f"expected arXiv's 20 recorded responses in {WIRE}"
