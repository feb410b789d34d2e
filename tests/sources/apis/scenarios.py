"""The calls each cassette under cassettes/sources/ holds, and the recorded answers it replays (build_cassettes.py).

A scenario is (answers, run): `run(session)` drives a real client; the builder
passes a session that answers with `answers` in order, tests pass None (plain
requests, answered by the cassette). Clients here never wait: no spacing, and
back-offs go to a FakeSleep the tests read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import requests

from agent.sources.crossref import Crossref
from agent.sources.identity import PaperRef
from agent.sources.openalex import OpenAlex
from agent.sources.semanticscholar import SemanticScholar
from agent.sources.webapi import Spacer

TEST_S2_KEY = "s2-test-key-not-real-0123456789"
TEST_OPENALEX_KEY = "openalex-test-key-not-real-0123"
CONTACT = "retest-tests@example.org"


class FakeSleep:
    """Collects the waits a client asks for, without waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def s2(session: requests.Session | None, *, key: str | None = None, sleep: FakeSleep | None = None, **options: Any) -> SemanticScholar:
    spacer = Spacer(0.0, sleep=sleep or FakeSleep())
    return SemanticScholar(key, spacer=spacer, session=session, **{"retry_wait": 0.0, **options})


def openalex(session: requests.Session | None, *, key: str = TEST_OPENALEX_KEY, **options: Any) -> OpenAlex:
    return OpenAlex(key, spacer=Spacer(0.0, sleep=FakeSleep()), session=session, **{"retry_wait": 0.0, **options})


def crossref(session: requests.Session | None, *, contact: str | None = None, **options: Any) -> Crossref:
    return Crossref(contact=contact, spacer=Spacer(0.0, sleep=FakeSleep()), session=session, **{"retry_wait": 0.0, **options})


# Identifiers the recorded answers are about.
S2_DOI = "10.1007/s40278-023-41815-2"
PAPERQA_ARXIV = "2312.07559"
UNKNOWN_DOI = "10.1371/notarealdoi"
BATCH = [
    PaperRef(doi="10.9999/retest.unknown"),  # recorded as CorpusId:211530585, which S2 does not know
    PaperRef(doi="10.2139/ssrn.288970"),  # recorded as CorpusId:470667; this is its DOI in the answer
    PaperRef(doi="10.2139/ssrn.2250500"),
    PaperRef(s2_id="0f40b1f08821e22e859c6050916cec3667778613"),
]
CITED = PaperRef(s2_id="7fb2b7d5f5dbd42b4e8c8e2b4f6bb4e6e7e5a8f0")  # stands for CorpusID:14514057, the recorded paper
TOSSINGBOT = "1903.11239"
TOSSINGBOT_WINDOW = (dt.date(2019, 1, 1), dt.date(2026, 12, 2))
TURING_WINDOW = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
MATCHED_TITLE = "mining association rules between"
UNMATCHED_TITLE = "abs12032jsdafn"
OA_DOI = S2_DOI
OA_COST_ID = "W4234567890"
OA_CITED = PaperRef(openalex_id="W3046863325")
OA_SINCE = dt.date(2022, 1, 1)
CROSSREF_CORRECTED = "10.1371/journal.pone.0033693"
CROSSREF_PLUS = "10.1063/1.4938384"
RETRACTED_DOI = "10.1021/am300292v"
NBER_DOI = "10.3386/w34423"

Run = Callable[[requests.Session | None], Any]


def _citations_dated(session: requests.Session | None) -> Any:
    source = s2(session)
    ref = PaperRef(s2_id="a" * 40)  # Citation.json's cited paper is not named in the file
    return source.citing(ref, since=dt.date(2023, 1, 1), until=dt.date(2023, 12, 31)), source.citing(ref, since=dt.date(2024, 1, 1))


SCENARIOS: dict[str, tuple[list[str], Run]] = {
    "semanticscholar/lookup_doi": (["s2/paper_by_doi_fields.json"], lambda s: s2(s).resolve(PaperRef(doi=S2_DOI))),
    "semanticscholar/lookup_arxiv": (["s2/arxiv_doi.json"], lambda s: s2(s).resolve(PaperRef(arxiv_id=PAPERQA_ARXIV))),
    "semanticscholar/lookup_not_found": (["s2/not_found.json"], lambda s: s2(s).resolve(PaperRef(doi=UNKNOWN_DOI))),
    "semanticscholar/lookup_bad_key": (["s2/forbidden.json"], lambda s: s2(s, key="F@k3K3y-not-a-key").resolve(PaperRef(doi=S2_DOI))),
    "semanticscholar/batch_with_null": (["s2/batch_with_null.json"], lambda s: s2(s).resolve_many(BATCH)),
    "semanticscholar/citations_paging": (
        ["s2/citations_page_1700.json", "s2/citations_page_1800_last.json"],
        lambda s: s2(s).citing(CITED, limit=1000),
    ),
    "semanticscholar/citations_dated": (["hand/s2_citation_page.json", "hand/s2_citation_page.json"], _citations_dated),
    # The anchor of tests/data/citations/tossingbot.txt (TossingBot, cited as [4] by the recorded item), in a --citations run's window.
    "semanticscholar/citations_of_anchor": (
        ["hand/s2_citation_page.json"],
        lambda s: s2(s).citing(PaperRef(arxiv_id=TOSSINGBOT), since=TOSSINGBOT_WINDOW[0], until=TOSSINGBOT_WINDOW[1]),
    ),
    "semanticscholar/search_429_then_ok": (
        ["s2/search_429.json", "s2/search_429.json", "s2/search_after_429.json"],
        lambda s: s2(s).search("turing", limit=3),
    ),
    "semanticscholar/search_429_throughout": (
        ["s2/search_429.json", "s2/search_429.json", "s2/search_429.json"],
        lambda s: s2(s, max_retries=2).search("turing", limit=3),
    ),
    "semanticscholar/search_date_window": (
        ["s2/search_date_window.json"],
        lambda s: s2(s).search("turing", since=TURING_WINDOW[0], until=TURING_WINDOW[1], limit=5),
    ),
    "semanticscholar/search_empty": (["s2/search_empty.json"], lambda s: s2(s).search("n0 r3sult s3arch t3rm")),
    "semanticscholar/match_title": (
        ["s2/match_title.json", "s2/match_title_not_found.json"],
        lambda s: (s2(s).match_title(MATCHED_TITLE), s2(s).match_title(UNMATCHED_TITLE)),
    ),
    "openalex/work_by_doi": (["openalex/work_by_doi.json"], lambda s: openalex(s).resolve(PaperRef(doi=OA_DOI))),
    "openalex/citing_from_date": (
        ["openalex/cites_cursor_page.json", "openalex/cursor_end.json"],
        lambda s: openalex(s).citing(OA_CITED, since=OA_SINCE),
    ),
    "openalex/citing_list_cost": (["openalex/list_cost_headers.json"], lambda s: _citing_costs(openalex(s))),
    "openalex/bad_key": (["openalex/bad_key_401.json"], lambda s: openalex(s, key="not-a-real-openalex-key").resolve(PaperRef(doi=OA_DOI))),
    "openalex/not_found": (["openalex/not_found_html_404.json"], lambda s: openalex(s).resolve(PaperRef(doi="10.1046/j.1365-2699.2003.00795"))),
    "openalex/bad_filter": (["openalex/bad_filter_400.json"], lambda s: openalex(s).citing(OA_CITED)),
    "crossref/work_with_correction": (["crossref/work_with_correction.json"], lambda s: crossref(s).resolve(PaperRef(doi=CROSSREF_CORRECTED))),
    "crossref/work_polite": (["crossref/work_plus_pool.json"], lambda s: crossref(s, contact=CONTACT).resolve(PaperRef(doi=CROSSREF_PLUS))),
    "crossref/not_found": (["crossref/not_found_404.json"], lambda s: crossref(s).resolve(PaperRef(doi=UNKNOWN_DOI))),
    "crossref/retraction_notice": (["hand/crossref_retracted_work.json"], lambda s: crossref(s).resolve(PaperRef(doi=RETRACTED_DOI))),
    "crossref/nber_working_paper": (["hand/crossref_nber_w34423.json"], lambda s: crossref(s, contact=CONTACT).resolve(PaperRef(doi=NBER_DOI))),
}


def _citing_costs(source: OpenAlex) -> Any:
    return source.citing(OA_CITED, since=OA_SINCE), source.costs, source.total_cost_usd
