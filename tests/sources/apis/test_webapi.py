"""The shared JSON transport's retry policy, through each client (fake sessions, no network, no sleeping)."""

from __future__ import annotations

import pytest
import requests

from agent.errors import CassetteMissError, ProviderError
from agent.sources.identity import PaperRef
from agent.sources.webapi import JsonApi, Spacer
from tests.sources.apis import scenarios as sc
from tests.sources.apis.fakes import Capture

BUSY = {"status": 429, "headers": {"content-type": "application/json"}, "body": {"message": "Too Many Requests"}}
GONE = {"status": 404, "headers": {"content-type": "text/plain"}, "body": "Resource not found."}


def _api(session: Capture, sleep: sc.FakeSleep, **options) -> JsonApi:
    return JsonApi("Test", "https://api.example.org", spacer=Spacer(0.0, sleep=sleep), session=session, **options)


def test_retry_after_is_honoured_when_a_service_sends_one() -> None:
    sleep = sc.FakeSleep()
    api = _api(Capture({**BUSY, "headers": {"Retry-After": "7"}}, GONE), sleep)
    assert api.get("/x", what="x").status == 404
    assert sleep.waits == [7.0]


def test_a_retry_after_beyond_max_wait_fails_at_once() -> None:
    # OpenAlex's keyless budget, once spent, is reported to answer 429 with a Retry-After of about 15 hours.
    sleep = sc.FakeSleep()
    session = Capture({**BUSY, "headers": {"Retry-After": "54000"}})
    with pytest.raises(ProviderError, match="limit"):
        _api(session, sleep, max_wait=120).get("/x", what="x")
    assert sleep.waits == [] and len(session.sent) == 1


def test_timeouts_and_connection_errors_are_retried_but_not_forever() -> None:
    sleep = sc.FakeSleep()
    session = Capture(requests.Timeout(), requests.ConnectionError(), GONE)
    assert _api(session, sleep, retry_wait=1.0).get("/x", what="x").status == 404
    assert sleep.waits == [1.0, 2.0]


def test_a_cassette_miss_is_never_retried_and_names_the_service() -> None:
    session = Capture(CassetteMissError("no recorded answer for GET api.example.org/x"))
    with pytest.raises(CassetteMissError, match=r"\(Test lookup of x\)"):
        _api(session, sc.FakeSleep()).get("/x", what="lookup of x")
    assert len(session.sent) == 1


@pytest.mark.parametrize("build", [lambda s: sc.crossref(s, retry_wait=1.0), lambda s: sc.openalex(s, retry_wait=1.0)], ids=["crossref", "openalex"])
def test_every_client_gives_up_on_429_throughout_with_a_provider_error(build) -> None:
    session = Capture(BUSY)
    source = build(session)
    with pytest.raises(ProviderError, match="HTTP 429") as raised:
        source.resolve(PaperRef(doi=sc.CROSSREF_CORRECTED))
    assert len(session.sent) == 5  # max_retries=4
    assert sc.TEST_OPENALEX_KEY not in raised.value.message


def test_spacing_waits_between_requests() -> None:
    now = [0.0]
    waits: list[float] = []
    spacer = Spacer(1.0, clock=lambda: now[0], sleep=waits.append)
    spacer.wait_turn()
    now[0] = 0.25
    spacer.wait_turn()
    assert waits == [0.75]
