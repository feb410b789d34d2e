"""LocalSource and RoutedSource: the index as the graph's paper source, alone or split with arXiv at its snapshot.

On the 24-record corpus (tests/index/corpus.jsonl, last paper 2026-06-02); arXiv's side is a fake.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from agent.errors import InputError
from agent.index.engine import LocalIndex
from agent.index.source import LocalSource, RoutedSource, merge, to_paper
from agent.sources.models import EMPTY_QUERY, Lookup, LookupStatus, Paper, QueryRejected
from agent.sources.query import date_window, windowed_query

TODAY = dt.date(2026, 11, 29)
SNAPSHOT = dt.date(2026, 6, 2)


def _paper(arxiv_id: str, published: str) -> Paper:
    return Paper(arxiv_id=arxiv_id, version=1, title=f"Paper {arxiv_id}", summary="An abstract.", published=dt.date.fromisoformat(published))


class FakeArxiv:
    """arXiv's side of a RoutedSource: answers by a word of the query; records what it was asked."""

    def __init__(self, papers: list[Paper]) -> None:
        self.papers = papers
        self.searches: list[tuple[str, dt.date | None, dt.date | None, int]] = []
        self.lookups: list[list[str]] = []
        self.requests_sent = 0

    def search(self, query: str, *, since=None, until=None, max_results: int = 25, sort: str = "relevance") -> list[Paper]:
        self.searches.append((query, since, until, max_results))
        self.requests_sent += 1
        return [p for p in self.papers if (since is None or p.published >= since) and (until is None or p.published <= until)][:max_results]

    def lookup(self, ids: Sequence[str], batch_size: int = 50) -> dict[str, Lookup]:
        self.lookups.append(list(ids))
        self.requests_sent += 1
        return {i: Lookup(requested=i, status=LookupStatus.MISSING) for i in ids}


@pytest.fixture
def source(local: LocalIndex) -> LocalSource:
    return LocalSource(local, today=TODAY)


def test_a_search_is_the_windowed_query_arxiv_would_get(source: LocalSource, local: LocalIndex) -> None:
    since, until = dt.date(2026, 2, 1), dt.date(2026, 3, 31)
    papers = source.search("ti:agents", since=since, until=until, max_results=5)
    expected = local.search(windowed_query("ti:agents", date_window(since, until, TODAY)), max_results=5).records
    assert papers == [to_paper(r) for r in expected] and papers
    assert all(since <= p.published <= until for p in papers)
    newest = source.search("ti:agents", since=dt.date(2025, 1, 1), max_results=10, sort="submitted")
    assert [p.published for p in newest] == sorted((p.published for p in newest), reverse=True)
    assert source.requests_sent == 0


def test_bad_queries_are_rejected_as_arxiv_rejects_them(source: LocalSource) -> None:
    with pytest.raises(QueryRejected) as bad:
        source.search("ti:(agents", since=dt.date(2026, 1, 1))
    assert bad.value.reason.startswith("Invalid query string") and "submittedDate:[202601010000 TO 202611292359]" in bad.value.query
    with pytest.raises(QueryRejected) as empty:
        source.search("  ")
    assert empty.value.reason == EMPTY_QUERY
    with pytest.raises(InputError):
        source.search("ti:agents", max_results=0)


def test_lookups_are_arxivs_lookups_for_the_current_version(source: LocalSource) -> None:
    ids = ["2602.10604", "2602.10604v2", "2602.10604v1", "2602.10604v3", "2501.00001", "arXiv:2602.20021", "nonsense", "2602.10604"]
    found = source.lookup(ids)
    assert list(found) == ids[:-1], "one per ID asked, in order, each once"
    assert found["2602.10604"].paper == found["2602.10604v2"].paper and found["2602.10604"].paper.version == 2
    old = found["2602.10604v1"]
    assert old.status is LookupStatus.UNCHECKED and "current version (v2)" in (old.error or ""), "an older version is not known, not missing"
    assert found["2602.10604v3"].status is LookupStatus.MISSING and found["2501.00001"].status is LookupStatus.MISSING
    assert found["arXiv:2602.20021"].status is LookupStatus.FOUND
    assert found["nonsense"].status is LookupStatus.MALFORMED


def test_the_snapshot_is_the_last_papers_day_and_a_window_past_it_is_a_gap(source: LocalSource) -> None:
    assert source.snapshot == SNAPSHOT
    inside = source.describe_search(dt.date(2026, 1, 1), SNAPSHOT)
    assert inside.source == "local" and "2026-06-02" in inside.note and "not searched" not in inside.note
    past = source.describe_search(dt.date(2026, 1, 1), TODAY)
    assert past.source == "local" and past.note == "the index ends 2026-06-02; later papers were not searched"
    assert "not searched" in source.describe_search(None, None).note, "an open window ends today"


def test_auto_keeps_a_window_inside_the_index_off_arxiv(source: LocalSource) -> None:
    arxiv = FakeArxiv([_paper("2608.00001", "2026-08-01")])
    routed = RoutedSource(source, arxiv)
    papers = routed.search("ti:agents", since=dt.date(2026, 1, 1), until=SNAPSHOT, max_results=5)
    assert papers == source.search("ti:agents", since=dt.date(2026, 1, 1), until=SNAPSHOT, max_results=5)
    assert arxiv.searches == [] and routed.requests_sent == 0
    assert routed.describe_search(dt.date(2026, 1, 1), SNAPSHOT).source == "local"


def test_auto_splits_a_window_past_the_index_at_its_snapshot(source: LocalSource) -> None:
    arxiv = FakeArxiv([_paper("2608.00001", "2026-08-01"), _paper("2609.00002", "2026-09-01")])
    routed = RoutedSource(source, arxiv)
    papers = routed.search("ti:agents", since=dt.date(2026, 1, 1), until=TODAY, max_results=6)
    assert arxiv.searches == [("ti:agents", dt.date(2026, 6, 3), TODAY, 6)], "arXiv only for the days after the snapshot"
    local = source.search("ti:agents", since=dt.date(2026, 1, 1), until=TODAY, max_results=6)
    assert [p.arxiv_id for p in papers] == [local[0].arxiv_id, "2608.00001", local[1].arxiv_id, "2609.00002", *(p.arxiv_id for p in local[2:4])]
    route = routed.describe_search(dt.date(2026, 1, 1), TODAY)
    assert (route.source, route.note) == ("local+arxiv", "the index ends 2026-06-02; later papers were searched on arXiv")
    assert routed.requests_sent == 1


def test_auto_sends_a_window_after_the_index_and_every_lookup_to_arxiv(source: LocalSource) -> None:
    arxiv = FakeArxiv([_paper("2608.00001", "2026-08-01")])
    routed = RoutedSource(source, arxiv)
    assert [p.arxiv_id for p in routed.search("ti:agents", since=dt.date(2026, 7, 1), until=TODAY)] == ["2608.00001"]
    assert arxiv.searches == [("ti:agents", dt.date(2026, 7, 1), TODAY, 25)]
    assert routed.describe_search(dt.date(2026, 7, 1), TODAY).source == "arxiv"
    routed.lookup(["2602.10604"])
    assert arxiv.lookups == [["2602.10604"]], "anchors are arXiv's to confirm, even those the index holds"


def test_merging_keeps_each_paper_once_and_the_newest_first_when_asked() -> None:
    a, b, c, d = (_paper(i, day) for i, day in (("1", "2026-01-01"), ("2", "2026-02-01"), ("3", "2026-07-01"), ("4", "2026-08-01")))
    assert merge([a, b], [c, d, a], max_results=10, newest_first=False) == [a, c, b, d]
    assert merge([a, b], [d, c], max_results=3, newest_first=True) == [d, c, a]
    assert merge([], [c], max_results=5, newest_first=False) == [c]


def test_an_index_is_opened_once_per_process_and_again_once_rebuilt(tmp_path, corpus) -> None:
    from agent.index.engine import build
    from agent.index.source import shared_index

    path = tmp_path / "index"
    build(path, corpus[:5])
    first = shared_index(path)
    assert shared_index(path) is first and shared_index(tmp_path / "." / "index") is first, "run --all opens it once, not per line"
    build(path, corpus)
    again = shared_index(path)
    assert again is not first and again.info().papers == len(corpus), "a rebuilt index is read anew"
    with pytest.raises(InputError, match="retest index build"):
        shared_index(tmp_path / "none")
