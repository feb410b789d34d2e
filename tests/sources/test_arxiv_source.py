"""ArxivSource through hand-made cassettes (tests/sources/build_cassettes.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from agent.errors import CassetteMissError, ExitCode, ProviderError
from agent.recording import cassette
from agent.sources import ArxivSource, LookupStatus, RateLimiter, TitleMatch, compare_titles
from agent.sources.cache import ArxivCache
from agent.store import Store
from evals.authoring import arxiv_wire as w

from .conftest import FakeClock

SEARCH_ARGS = {"since": dt.date(2025, 1, 1), "until": dt.date(2025, 12, 31), "max_results": 5, "sort": "submitted"}
FOUND_MISSING = ["2501.16946", "2306.14694", "0808.05394"]
CITED_DR_HAI = "DR-HAI: Argumentation-based Dialectical Reconciliation in Human-AI Interactions"


def _query(uri: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(uri).query, keep_blank_values=True)


@pytest.mark.vcr
@pytest.mark.default_cassette("search_window.yaml")
def test_search_sends_the_date_window_and_folds_versions(vcr, make_source) -> None:
    source = make_source()
    papers = source.search("AI agents governance", **SEARCH_ARGS)
    sent = _query(vcr.requests[0].uri)
    assert sent["search_query"] == ["(AI agents governance) AND submittedDate:[202501010000 TO 202512312359]"]
    assert sent["sortBy"] == ["submittedDate"] and sent["sortOrder"] == ["descending"]
    assert sent["max_results"] == ["5"]
    assert [p.arxiv_id for p in papers] == ["2510.26787", "2510.25779", "2509.10147", "2501.10114", "2501.07913"]
    infrastructure = papers[3]
    assert (infrastructure.version, infrastructure.published) == (2, dt.date(2025, 1, 17))
    assert infrastructure.title == "Infrastructure for AI Agents"
    assert all(dt.date(2025, 1, 1) <= p.published <= dt.date(2025, 12, 31) for p in papers)
    assert source.requests_sent == 1


@pytest.mark.vcr
@pytest.mark.default_cassette("lookup_found_missing.yaml")
def test_lookup_found_with_version_folded_and_missing_in_one_request(vcr, make_source) -> None:
    source = make_source()
    found = source.lookup(FOUND_MISSING)
    assert list(found) == FOUND_MISSING
    gradual = found["2501.16946"]
    assert gradual.status is LookupStatus.FOUND and gradual.paper is not None
    assert (gradual.paper.arxiv_id, gradual.paper.version) == ("2501.16946", 2)
    assert gradual.paper.published == dt.date(2025, 1, 28)
    assert gradual.paper.authors[0] == "Jan Kulveit"
    dr_hai = found["2306.14694"].paper
    assert dr_hai is not None and compare_titles(CITED_DR_HAI, dr_hai.title) is TitleMatch.DIFFERENT
    assert found["0808.05394"].status is LookupStatus.MISSING and found["0808.05394"].paper is None
    assert _query(vcr.requests[0].uri)["id_list"] == [",".join(FOUND_MISSING)]
    assert source.requests_sent == 1


@pytest.mark.vcr
@pytest.mark.default_cassette("lookup_first_version.yaml")
def test_versioned_lookup_returns_that_version(make_source) -> None:
    first = make_source().lookup(["2306.14694v1"])["2306.14694v1"]
    assert first.status is LookupStatus.FOUND and first.paper is not None
    assert first.paper.version == 1
    assert compare_titles(CITED_DR_HAI, first.paper.title) is TitleMatch.EXACT


@pytest.mark.vcr
@pytest.mark.default_cassette("lookup_malformed.yaml")
def test_malformed_ids_locally_and_by_400_with_per_id_fallback(make_source) -> None:
    source = make_source()
    found = source.lookup(["abc", "2507.13524", "bogus/9901001"])
    assert found["abc"].status is LookupStatus.MALFORMED and "not an arXiv ID" in (found["abc"].error or "")
    assert found["2507.13524"].status is LookupStatus.FOUND
    assert found["bogus/9901001"].status is LookupStatus.MALFORMED
    assert "HTTP 400" in (found["bogus/9901001"].error or "")
    # 'abc' never left the machine; the batch 400 split into one request per ID; no 400 retried.
    assert source.requests_sent == 3


@pytest.mark.vcr
@pytest.mark.default_cassette("lookup_malformed.yaml")
def test_requests_are_spaced_by_the_shared_limiter(make_source, clock: FakeClock) -> None:
    source = make_source(limiter=RateLimiter(3.0, clock=clock, sleep=clock.sleep))
    source.lookup(["2507.13524", "bogus/9901001"])
    assert clock.sleeps == [3.0, 3.0]


@pytest.mark.vcr
@pytest.mark.default_cassette("lookup_503_then_ok.yaml")
def test_503_is_retried_after_a_minute(make_source, backoffs: list[float]) -> None:
    # arXiv sheds load with 503: seconds-scale retries would only add to it.
    source = make_source()
    found = source.lookup(["2602.11865"])
    assert found["2602.11865"].status is LookupStatus.FOUND
    assert source.requests_sent == 2
    assert backoffs == [60.0]


@pytest.mark.vcr
@pytest.mark.default_cassette("lookup_503_twice.yaml")
def test_retries_exhausted_is_a_provider_error(make_source, backoffs: list[float]) -> None:
    source = make_source(max_retries=1)
    with pytest.raises(ProviderError) as caught:
        source.lookup(["2602.11865"])
    assert caught.value.exit_code == ExitCode.PROVIDER
    assert "lookup of 2602.11865 failed after 2 tries: HTTP 503" in caught.value.message
    assert backoffs == [60.0]


@pytest.mark.parametrize("fault", [requests.ConnectionError("reset"), requests.ReadTimeout("slow")])
@pytest.mark.vcr
@pytest.mark.default_cassette("lookup_first_version.yaml")
def test_connection_errors_and_timeouts_are_retried(make_source, backoffs: list[float], monkeypatch: pytest.MonkeyPatch, fault: Exception) -> None:
    faults = [fault]
    real_request = requests.Session.request

    def flaky(self, *args, **kwargs):
        if faults:
            raise faults.pop()
        return real_request(self, *args, **kwargs)

    monkeypatch.setattr(requests.Session, "request", flaky)
    source = make_source()
    assert source.lookup(["2306.14694v1"])["2306.14694v1"].status is LookupStatus.FOUND
    assert source.requests_sent == 2
    assert backoffs == [2.0]


@pytest.mark.vcr
@pytest.mark.allow_unplayed
@pytest.mark.default_cassette("lookup_first_version.yaml")
def test_a_cassette_miss_fails_at_once_without_retries(make_source, backoffs: list[float]) -> None:
    source = make_source()
    with pytest.raises(CassetteMissError) as caught:
        source.lookup(["2501.16946"])
    assert caught.value.exit_code == ExitCode.CASSETTE_MISS
    assert "2501.16946" in str(caught.value)
    assert source.requests_sent == 1
    assert backoffs == []


@pytest.mark.vcr
@pytest.mark.default_cassette("lookup_found_missing.yaml")
def test_a_repeated_lookup_is_answered_from_the_cache(vcr, make_source) -> None:
    first = make_source()
    answers = first.lookup(FOUND_MISSING)
    again = make_source()  # another source on the same store, as a second run would be
    second = again.lookup(["arXiv:2501.16946", *FOUND_MISSING])
    assert {key: second[key] for key in FOUND_MISSING} == answers
    assert second["arXiv:2501.16946"].requested == "arXiv:2501.16946"
    assert second["arXiv:2501.16946"].paper == answers["2501.16946"].paper
    assert (again.requests_sent, again.cache_hits) == (0, 4)
    assert vcr.play_count == 1


@pytest.mark.vcr
@pytest.mark.default_cassette("search_window.yaml")
def test_a_repeated_search_is_answered_from_the_cache(vcr, make_source) -> None:
    source = make_source()
    first = source.search("AI agents governance", **SEARCH_ARGS)
    second = source.search("  AI agents governance ", **SEARCH_ARGS)
    assert second == first
    assert (source.requests_sent, source.cache_hits) == (1, 1)
    assert vcr.play_count == 1


class Now:
    def __init__(self) -> None:
        self.value = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.value


@pytest.mark.vcr(allow_playback_repeats=True)
@pytest.mark.default_cassette("lookup_first_version.yaml")
def test_an_expired_entry_is_fetched_again(vcr, make_source) -> None:
    now = Now()
    source = make_source(now=now, ttl=dt.timedelta(hours=24))
    source.lookup(["2306.14694v1"])
    now.value += dt.timedelta(hours=23)
    source.lookup(["2306.14694v1"])
    assert (source.requests_sent, source.cache_hits) == (1, 1)
    now.value += dt.timedelta(hours=2)
    source.lookup(["2306.14694v1"])
    assert (source.requests_sent, source.cache_hits) == (2, 1)
    assert vcr.play_count == 2


@pytest.mark.vcr(allow_playback_repeats=True)
@pytest.mark.default_cassette("lookup_first_version.yaml")
def test_no_cache_skips_reading_but_still_writes(vcr, make_source, store: Store) -> None:
    now = Now()
    make_source(now=now).lookup(["2306.14694v1"])
    now.value += dt.timedelta(hours=20)
    bypass = make_source(now=now, use_cache=False)
    bypass.lookup(["2306.14694v1"])
    assert (bypass.requests_sent, bypass.cache_hits) == (1, 0)
    # Written again at +20 h: still fresh at +30 h, which the first write would not be.
    now.value += dt.timedelta(hours=10)
    assert ArxivCache(store, ttl=dt.timedelta(hours=24), now=now).get({"kind": "lookup", "ids": ["2306.14694v1"]})
    assert vcr.play_count == 2


def test_lookups_go_in_batches(tmp_path: Path, make_source) -> None:
    path = w.write_cassette(
        tmp_path / "batches.yaml",
        [
            w.lookup_interaction(["2501.16946", "2507.13524"], ["2501.16946", "2507.13524"]),
            w.lookup_interaction(["2602.11865"], ["2602.11865"]),
        ],
    )
    source = make_source()
    with cassette("replay", path) as handle:
        found = source.lookup(["2501.16946", "2507.13524", "2602.11865"], batch_size=2)
    assert [item.status for item in found.values()] == [LookupStatus.FOUND] * 3
    assert source.requests_sent == 2
    assert handle.all_played


def test_without_a_store_nothing_is_cached(tmp_path: Path) -> None:
    path = w.write_cassette(tmp_path / "twice.yaml", [w.lookup_interaction(["2602.11865"], ["2602.11865"])] * 2)
    source = ArxivSource(None, limiter=RateLimiter(0.0))
    with cassette("replay", path) as handle:
        source.lookup(["2602.11865"])
        source.lookup(["2602.11865"])
    assert (source.requests_sent, source.cache_hits) == (2, 0)
    assert handle.all_played


def test_an_unversioned_id_gets_the_latest_version_even_beside_its_own_v1(tmp_path: Path, make_source) -> None:
    # arXiv answers both entries of "2502.07719v1,2502.07719", v1 first; the bare ID means the current version.
    ids = ["2502.07719v1", "2502.07719"]
    path = w.write_cassette(tmp_path / "both.yaml", [w.lookup_interaction(ids, [w.entry("2502.07719", version=1), w.entry("2502.07719", version=2)])])
    source = make_source()
    with cassette("replay", path):
        found = source.lookup(ids)
    assert found["2502.07719v1"].paper is not None and found["2502.07719v1"].paper.version == 1
    assert found["2502.07719"].paper is not None and found["2502.07719"].paper.version == 2
    # and the cache, keyed per ID, keeps the bare ID's answer as the current version
    assert make_source().lookup(["2502.07719"])["2502.07719"].paper.version == 2


def test_answers_from_another_endpoint_are_never_served_for_arxiv(tmp_path: Path, make_source) -> None:
    # A stand-in (RETEST_ARXIV_API_URL) shares the state directory with real runs; its papers must stay its own.
    standin = "http://127.0.0.1:8000/api/query"
    real = w.lookup_interaction(["2602.11865"], ["2602.11865"])
    local = {**real, "request": {**real["request"], "uri": real["request"]["uri"].replace(w.lookup_url(["2602.11865"]).split("?")[0], standin)}}
    path = w.write_cassette(tmp_path / "two_endpoints.yaml", [local, real])
    with cassette("replay", path) as handle:
        make_source(api_url=standin).lookup(["2602.11865"])
        arxiv = make_source()
        arxiv.lookup(["2602.11865"])
    assert (arxiv.requests_sent, arxiv.cache_hits) == (1, 0)
    assert handle.all_played
    again = make_source()  # the default endpoint's own answer is cached as before
    again.lookup(["2602.11865"])
    assert (again.requests_sent, again.cache_hits) == (0, 1)


def test_a_page_that_is_not_an_arxiv_feed_is_unreadable_not_an_empty_answer(tmp_path: Path, make_source) -> None:
    # A proxy or captive portal answering 200 with its own page: not "no such paper", and never cached as one.
    portal = w.interaction(w.lookup_url(["2602.11865"]), 200, "<html><body>Please sign in to the network</body></html>\n", content_type="text/html")
    path = w.write_cassette(tmp_path / "portal.yaml", [portal, w.lookup_interaction(["2602.11865"], ["2602.11865"])])
    with cassette("replay", path) as handle:
        with pytest.raises(ProviderError, match="unreadable response"):
            make_source(max_retries=0).lookup(["2602.11865"])
        later = make_source()
        assert later.lookup(["2602.11865"])["2602.11865"].status is LookupStatus.FOUND
    assert (later.requests_sent, later.cache_hits) == (1, 0)
    assert handle.all_played
