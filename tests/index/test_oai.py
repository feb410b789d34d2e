"""agent.index.oai against hand-written OAI-PMH answers (tests/index/data/README.md), through httpx2.MockTransport.

Time is faked: `sleep` records the waits instead of waiting, `clock` says when it is.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx2
import pytest

from agent._version import VERSION
from agent.errors import InputError, ProviderError
from agent.index.oai import OAI_BASE_URL, HarvestStats, OaiClient, retry_after, set_spec

DATA = Path(__file__).parent / "data"
PAGE1, PAGE2 = (DATA / "oai-raw-page1.xml").read_bytes(), (DATA / "oai-raw-page2.xml").read_bytes()
Answer = tuple[int, dict[str, str], bytes] | Exception


class Server:
    """Scripted answers, in order; every request is kept for the test to look at."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, headers, body = answer
        return httpx2.Response(status, headers={"Content-Type": "application/xml", **headers}, content=body)

    def params(self, index: int) -> dict[str, str]:
        return dict(self.requests[index].url.params)


def ok(body: bytes) -> Answer:
    return (200, {}, body)


class FakeTime:
    """A clock that moves only when slept on (or when a test moves it), and the list of waits."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def client(server: Server, *, time: FakeTime | None = None, **options: Any) -> tuple[OaiClient, list[float]]:
    time = time or FakeTime()
    return OaiClient(transport=httpx2.MockTransport(server), sleep=time.sleep, clock=time.clock, **options), time.waits


def test_a_two_page_harvest() -> None:
    server = Server(ok(PAGE1), ok(PAGE2))
    oai, _ = client(server)
    stats = HarvestStats()
    records = list(oai.list_records(from_date=dt.date(2026, 2, 11), set_name="cs", stats=stats))
    assert [r.id for r in records] == ["2602.11409", "2602.11541", "2602.11782", "2602.11858", "2602.12196"]
    assert (stats.pages, stats.records, stats.deleted, stats.skipped) == (2, 5, 1, 0)
    assert server.params(0) == {"verb": "ListRecords", "metadataPrefix": "arXivRaw", "from": "2026-02-11", "set": "cs"}
    # The token is exclusive and passed back exactly as arXiv wrote it.
    token = unquote(server.params(1)["resumptionToken"])
    assert server.params(1).keys() == {"verb", "resumptionToken"} and token == "verb=ListRecords&metadataPrefix=arXivRaw&from=2026-02-11&set=cs&skip=3"
    assert all(str(r.url).startswith(OAI_BASE_URL + "?") for r in server.requests)
    assert all(r.headers["User-Agent"].startswith(f"retest/{VERSION} ") for r in server.requests)


def test_arxivraw_versions_give_published_updated_and_version() -> None:
    records = {r.id: r for r in client(Server(ok(PAGE1), ok(PAGE2)))[0].list_records()}
    two = records["2602.11858"]
    assert two.version == 2 and not two.dates_estimated
    assert two.published == dt.datetime(2026, 2, 12, 12, 0, 35, tzinfo=dt.UTC) and two.updated == dt.datetime(2026, 2, 16, 11, 54, 52, tzinfo=dt.UTC)
    assert two.categories == ["cs.CV", "cs.AI", "cs.CL", "cs.LG"] and two.authors[-2:] == ["Zhuosheng Zhang", "Weiran Huang"]
    assert records["2602.12196"].authors[4] == "Maxime Lelièvre" and len(records["2602.12196"].authors) == 10


def test_the_arxiv_format_gives_days_only_and_says_so() -> None:
    server = Server(ok((DATA / "oai-arxiv-page.xml").read_bytes()))
    records = list(client(server)[0].list_records(metadata_prefix="arXiv"))
    assert server.params(0)["metadataPrefix"] == "arXiv" and len(records) == 2
    assert all(r.dates_estimated and r.version == 1 and r.published.time() == dt.time() for r in records)
    assert records[0].id == "2602.12268" and records[0].authors[:2] == ["Zhen Zhang", "Kaiqiang Song"]  # forenames, then keyname
    assert records[0].published == dt.datetime(2026, 2, 12, tzinfo=dt.UTC) and records[0].updated == dt.datetime(2026, 2, 20, tzinfo=dt.UTC)


def test_pages_are_asked_for_one_at_a_time_and_politely() -> None:
    time = FakeTime()
    server = Server(ok(PAGE1), ok(PAGE2))
    oai, waits = client(server, time=time, delay=3.0)
    records = oai.list_records()
    first_page = [next(records) for _ in range(3)]
    assert len(first_page) == 3 and len(server.requests) == 1  # page 2 waits until page 1 is read
    time.now += 1.0  # the caller took a second over page 1: two more to wait
    assert len(list(records)) == 2 and len(server.requests) == 2
    assert waits == [2.0]


def test_no_wait_when_the_caller_was_slower_than_the_delay() -> None:
    time = FakeTime()
    server = Server(ok(PAGE1), ok(PAGE2))
    oai, waits = client(server, time=time)
    records = oai.list_records()
    for _ in range(3):
        next(records)
    time.now += 10.0
    list(records)
    assert waits == []


def test_503_with_retry_after_is_honoured() -> None:
    server = Server((503, {"Retry-After": "7"}, b"busy"), ok(PAGE1), ok(PAGE2))
    oai, waits = client(server, delay=0.0)
    assert len(list(oai.list_records())) == 5 and len(server.requests) == 3
    assert waits == [7.0]


def test_a_retry_after_beyond_the_bound_stops_at_once() -> None:
    server = Server((503, {"Retry-After": "3600"}, b"busy"))
    oai, waits = client(server, max_wait=600.0)
    with pytest.raises(ProviderError, match="asks to wait 3600 s, longer than 600 s"):
        list(oai.list_records())
    assert waits == [] and len(server.requests) == 1


def test_busy_without_retry_after_waits_the_busy_wait_and_gives_up_in_the_end() -> None:
    server = Server(*[(503, {}, b"")] * 3)
    oai, waits = client(server, delay=0.0, busy_wait=45.0, max_retries=2)
    with pytest.raises(ProviderError, match=r"failed 3 times: HTTP 503"):
        list(oai.list_records())
    assert waits == [45.0, 45.0] and len(server.requests) == 3


def test_network_errors_and_5xx_are_retried_with_growing_waits() -> None:
    server = Server(httpx2.ConnectError("connection refused"), (502, {}, b"bad gateway"), ok(PAGE1), ok(PAGE2))
    oai, waits = client(server, delay=2.0)
    assert len(list(oai.list_records())) == 5
    assert waits == [2.0, 4.0, 2.0]  # after each failure, doubling; then the polite delay before page 2


def test_no_records_match_is_an_empty_harvest() -> None:
    stats = HarvestStats()
    oai, _ = client(Server(ok((DATA / "oai-error-noRecordsMatch.xml").read_bytes())))
    assert list(oai.list_records(from_date=dt.date(2026, 4, 1), stats=stats)) == [] and stats.pages == 0


def test_bad_argument_is_the_callers_input() -> None:
    oai, _ = client(Server(ok((DATA / "oai-error-badArgument.xml").read_bytes())))
    with pytest.raises(InputError, match="badArgument: The request includes illegal arguments") as caught:
        list(oai.list_records(set_name="nonsense"))
    assert "--set" in (caught.value.hint or "")


def test_a_bad_resumption_token_midway_is_arxivs_side() -> None:
    server = Server(ok(PAGE1), ok((DATA / "oai-error-badResumptionToken.xml").read_bytes()))
    oai, _ = client(server)
    records = oai.list_records()
    assert len([next(records) for _ in range(3)]) == 3
    with pytest.raises(ProviderError, match="badResumptionToken") as caught:
        next(records)
    assert "retest index update" in (caught.value.hint or "")


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ((200, {}, b"<html><body>Down for maintenance</body></html"), "not XML"),
        ((200, {}, b"<html><body>Down for maintenance</body></html>"), "not OAI-PMH"),
        ((404, {}, b"not found"), "HTTP 404"),
    ],
)
def test_answers_that_are_not_oai_pmh(answer: Answer, problem: str) -> None:
    oai, _ = client(Server(answer))
    with pytest.raises(ProviderError, match=problem):
        list(oai.list_records())


def test_a_bad_record_is_skipped_and_counted() -> None:
    broken = PAGE1.replace(b'<version version="v1">', b'<version version="first">', 1)
    stats = HarvestStats()
    records = list(client(Server(ok(broken), ok(PAGE2)))[0].list_records(stats=stats))
    assert len(records) == 4 and stats.skipped == 1
    assert stats.problems == ["page 1, record 1 (oai:arXiv.org:2602.11409): a <version> labelled 'first'"]


@pytest.mark.parametrize(
    ("given", "spec"),
    [("cs", "cs"), ("cs.AI", "cs:cs:AI"), ("math.CO", "math:math:CO"), ("hep-th", "physics:hep-th"), ("astro-ph.CO", "physics:astro-ph:CO")]
    + [("physics", "physics"), ("physics.optics", "physics:physics:optics"), ("cs:cs:AI", "cs:cs:AI"), ("unknown", "unknown")],
)
def test_set_names_as_arxiv_spells_them(given: str, spec: str) -> None:
    assert set_spec(given) == spec


def test_retry_after_reads_seconds_and_dates() -> None:
    now = dt.datetime(2026, 4, 12, 22, 0, 0, tzinfo=dt.UTC)
    assert retry_after("120") == 120.0
    assert retry_after("Sun, 12 Apr 2026 22:01:30 GMT", now) == 90.0
    assert retry_after(None) is None and retry_after("soon") is None
