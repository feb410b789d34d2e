"""The engine: builds that are atomic and idempotent, arXiv's id_list, info, paging, ties, errors."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.errors import InputError
from agent.index.engine import INFO_FILE, LocalIndex, add, build, open_index
from agent.index.query import QueryError
from agent.index.records import IndexRecord

from .conftest import load_corpus

EXAMPLES = int(os.environ.get("RETEST_HYPOTHESIS_EXAMPLES", "200"))
STEP = "2602.10604"  # Step 3.5 Flash, at v2


def _ids(records: list[IndexRecord]) -> list[str]:
    return [r.id for r in records]


# ---------------------------------------------------------------- id_list


def test_an_id_without_version_gives_the_current_version(local: LocalIndex) -> None:
    [record] = local.by_ids([STEP])
    assert (record.id, record.version) == (STEP, 2)
    assert record.title.startswith("Step 3.5 Flash")


def test_the_current_version_and_an_older_one_give_the_current_record(local: LocalIndex) -> None:
    assert [(r.id, r.version) for r in local.by_ids([f"{STEP}v2"])] == [(STEP, 2)]
    # The index holds current versions only: v1 answers with the v2 record, which says so.
    assert [(r.id, r.version) for r in local.by_ids([f"{STEP}v1"])] == [(STEP, 2)]


def test_a_version_newer_than_the_current_one_is_absent(local: LocalIndex) -> None:
    assert local.by_ids([f"{STEP}v3"]) == []


def test_well_formed_unknown_ids_are_silently_absent(local: LocalIndex) -> None:
    asked = ["2603.00501", "2699.99999", "hep-th/9901001", "math.GT/0309136", "0808.05394", "2613.00001", "1812.06145", "2603.00501"]
    assert _ids(local.by_ids(asked)) == ["2603.00501", "1812.06145"]  # order asked, each paper once


@pytest.mark.parametrize("bad", ["2602.106", "foo", "2602.10604v0", "2602.10604v", "hep-th/990100", "2602-10604", ""])
def test_an_ill_formed_id_is_arxivs_400(local: LocalIndex, bad: str) -> None:
    with pytest.raises(QueryError, match=f"incorrect id format for {bad}"):
        local.by_ids(["2603.00501", bad])


def test_no_ids_no_records(local: LocalIndex) -> None:
    assert local.by_ids([]) == []


# ---------------------------------------------------------------- search parameters, paging, ties


@pytest.mark.parametrize("query", ["", "   ", "ti:(agents", "ti:agents)", "ti:agents AND", "OR ti:agents", "foo:bar", "ti:", 'ti:"agents'])
def test_a_bad_query_is_a_query_error(local: LocalIndex, query: str) -> None:
    with pytest.raises(QueryError, match="Invalid query string"):
        local.search(query)


@pytest.mark.parametrize(
    "options",
    [{"start": -1}, {"max_results": -5}, {"sort": "published"}, {"order": "up"}],
)
def test_bad_parameters_are_query_errors(local: LocalIndex, options: dict[str, object]) -> None:
    with pytest.raises(QueryError):
        local.search("ti:agents", **options)  # type: ignore[arg-type]


def test_pages_cut_the_same_order(local: LocalIndex) -> None:
    query = "ti:agents OR cat:cs.MA"
    whole = _ids(local.search(query, max_results=100).records)
    assert len(whole) == 17
    for start in range(0, 18):
        for size in (1, 2, 5):
            page = local.search(query, start=start, max_results=size)
            assert page.total == 17
            assert _ids(page.records) == whole[start : start + size]


def test_max_results_zero_counts_only(local: LocalIndex) -> None:
    page = local.search("ti:agents", max_results=0)
    assert (page.total, page.records) == (17, [])


def test_ascending_relevance_is_the_same_set_lowest_first(local: LocalIndex) -> None:
    down = _ids(local.search('abs:"large language models"', max_results=50).records)
    up = _ids(local.search('abs:"large language models"', max_results=50, order="ascending").records)
    assert set(up) == set(down) and up[0] == down[-1]


def test_ties_follow_index_order_not_storage_order(tmp_path: Path, corpus: list[IndexRecord]) -> None:
    # Built backwards, the constant-score and equal-date ties come back the other way round.
    reverse = open_index(_built(tmp_path / "rev", corpus[::-1]))
    assert _ids(reverse.search("cat:stat.ML").records) == ["1904.11093", "1812.06145"]
    assert _ids(reverse.search("cat:stat.ML", sort="submittedDate").records) == ["1904.11093", "1812.06145"]
    # A record added again counts as added anew (it lands last in index order).
    path = _built(tmp_path / "fwd", corpus)
    add(path, [r for r in corpus if r.id == "1812.06145"])
    again = open_index(path)
    assert _ids(again.search("cat:stat.ML").records) == ["1904.11093", "1812.06145"]
    assert _ids(again.search("cat:stat.ML", sort="submittedDate", order="ascending").records) == ["1904.11093", "1812.06145"]


def test_scored_ties_at_a_page_edge_come_in_index_order(tmp_path: Path, corpus: list[IndexRecord]) -> None:
    path = _built(tmp_path / "arxiv", corpus)
    # Added again one at a time, each lands last in index order and in a segment of its own:
    # tantivy's storage order (segments by random id) is then not index order.
    moved = ["2602.15055", "2602.20021", "2604.04503", "1812.06145", "2603.00501"]
    for paper_id in moved:
        add(path, [r for r in corpus if r.id == paper_id])
    local = open_index(path)
    order = [r.id for r in corpus if r.id not in moved] + moved
    cs_ma = {"2604.04503", "2602.12430", "2602.15055", "2603.26718"}
    # cat: scores are constant, so OR-ing two gives two tiers of ties: both categories, then cs.AI only.
    expected = [i for i in order if i in cs_ma] + [i for i in order if i not in cs_ma and i != "2606.03030"]
    query = "cat:cs.AI OR cat:cs.MA"
    assert [_ids(local.search(query, start=s, max_results=3).records) for s in range(0, 24, 3)] == [expected[s : s + 3] for s in range(0, 24, 3)]
    assert _ids(local.search("cat:cs.AI", max_results=50).records) == [i for i in order if i != "2606.03030"]
    # Equal dates: 1812.06145 and 1904.11093 share theirs; 1812.06145 is now the later one added.
    assert _ids(local.search("cat:stat.ML", sort="submittedDate").records) == ["1904.11093", "1812.06145"]


# ---------------------------------------------------------------- build, add, info, open


def _built(path: Path, records: list[IndexRecord]) -> Path:
    build(path, records, sources=["corpus.jsonl"])
    return path


def _failing(records: list[IndexRecord], after: int) -> Iterator[IndexRecord]:
    yield from records[:after]
    raise RuntimeError("the source broke midway")


def test_a_failed_build_leaves_the_previous_index_as_it_was(tmp_path: Path, corpus: list[IndexRecord]) -> None:
    path = _built(tmp_path / "arxiv", corpus)
    before = open_index(path).info()
    with pytest.raises(RuntimeError, match="midway"):
        build(path, _failing(corpus[:5], after=3))
    after = open_index(path)
    assert after.info() == before
    assert after.search("cat:cs.AI", max_results=0).total == 23
    assert sorted(p.name for p in tmp_path.iterdir()) == ["arxiv"]  # no staging or old copy left behind


def test_a_failed_first_build_leaves_nothing(tmp_path: Path, corpus: list[IndexRecord]) -> None:
    with pytest.raises(RuntimeError):
        build(tmp_path / "arxiv", _failing(corpus, after=10))
    assert list(tmp_path.iterdir()) == []


def test_a_build_replaces_an_index_but_not_other_directories(tmp_path: Path, corpus: list[IndexRecord]) -> None:
    path = _built(tmp_path / "arxiv", corpus)
    build(path, corpus[:3])
    assert open_index(path).info().papers == 3
    other = tmp_path / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match="not a local arXiv index"):
        build(other, corpus)
    assert (other / "keep.txt").read_text(encoding="utf-8") == "mine"


def _retitled(record: IndexRecord, title: str) -> IndexRecord:
    # Made up for the test: a new version with a new title, as a later harvest would bring.
    return record.model_copy(update={"title": title, "version": record.version + 1, "updated": record.updated + dt.timedelta(days=30)})


def test_add_replaces_by_id_and_is_idempotent(tmp_path: Path, corpus: list[IndexRecord]) -> None:
    path = _built(tmp_path / "arxiv", corpus)
    chaos = next(r for r in corpus if r.id == "2602.20021")
    newer = _retitled(chaos, "Agents of Order")
    info = add(path, [newer], sources=["harvest-1.xml"])
    assert info.papers == 24 and info.sources == ["corpus.jsonl", "harvest-1.xml"] and info.updated_at is not None
    local = open_index(path)
    assert _ids(local.search("ti:order").records) == ["2602.20021"]
    assert local.search("ti:chaos", max_results=0).total == 0
    assert [(r.title, r.version) for r in local.by_ids(["2602.20021"])] == [("Agents of Order", 2)]
    first = _ids(local.search("ti:agents", max_results=50).records)
    add(path, [newer, newer])
    assert open_index(path).info().papers == 24
    assert _ids(open_index(path).search("ti:agents", max_results=50).records) == first


def test_a_build_keeps_the_last_copy_of_an_id(tmp_path: Path, corpus: list[IndexRecord]) -> None:
    chaos = next(r for r in corpus if r.id == "2602.20021")
    local = open_index(_built(tmp_path / "arxiv", [*corpus, _retitled(chaos, "Agents of Order")]))
    assert local.info().papers == 24
    assert [r.title for r in local.by_ids(["2602.20021"])] == ["Agents of Order"]


def test_a_failed_add_changes_nothing(tmp_path: Path, corpus: list[IndexRecord]) -> None:
    path = _built(tmp_path / "arxiv", corpus[:10])
    before = open_index(path).info()
    with pytest.raises(RuntimeError):
        add(path, _failing(corpus[10:], after=5))
    assert open_index(path).info() == before
    assert open_index(path).search("cat:cs.AI", max_results=0).total == 10


def test_info_describes_the_index(local: LocalIndex, corpus: list[IndexRecord]) -> None:
    info = local.info()
    assert info.papers == 24
    assert info.categories["cs.AI"] == 23 and info.categories["econ.GN"] == 2 and info.categories["quant-ph"] == 1
    assert list(info.categories)[0] == "cs.AI"  # most first
    assert sum(info.categories.values()) == sum(len(r.categories) for r in corpus)
    assert info.first_published == dt.datetime(2025, 3, 28, 12, tzinfo=dt.UTC)  # 2503.22152
    assert info.last_published == dt.datetime(2026, 6, 2, 12, tzinfo=dt.UTC)  # 2606.03030
    assert info.sources == ["tests/index/corpus.jsonl"]
    assert dt.datetime.now(dt.UTC) - info.built_at < dt.timedelta(hours=1)
    assert json.loads((local.path / INFO_FILE).read_text(encoding="utf-8"))["papers"] == 24


def test_progress_counts_records(tmp_path: Path, corpus: list[IndexRecord]) -> None:
    seen: list[int] = []
    build(tmp_path / "arxiv", corpus, progress=seen.append)
    assert seen == [24]


def test_a_damaged_info_file_says_rebuild(tmp_path: Path, corpus: list[IndexRecord]) -> None:
    path = _built(tmp_path / "arxiv", corpus[:2])
    (path / INFO_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="cannot be read") as err:
        open_index(path)
    assert "retest index build" in str(err.value)


@pytest.mark.parametrize("make", ["missing", "empty", "file", "half"])
def test_opening_what_is_not_an_index_names_the_build_command(tmp_path: Path, make: str) -> None:
    path = tmp_path / "x"
    if make == "empty":
        path.mkdir()
    elif make == "file":
        path.write_text("not an index", encoding="utf-8")
    elif make == "half":  # tantivy's files without info.json
        path.mkdir()
        (path / "meta.json").write_text("{}", encoding="utf-8")
    with pytest.raises(InputError, match="not a local arXiv index") as err:
        open_index(path)
    assert "retest index build" in str(err.value)


def test_doi_and_journal_ref_are_searchable(tmp_path: Path) -> None:
    # Made up for the test: the corpus has no DOIs or journal references.
    base = load_corpus()[0]
    record = base.model_copy(update={"doi": "10.1000/XYZ.2026.123", "journal_ref": "Journal of Imaginary Tests 12 (2026) 1-9"})
    local = open_index(_built(tmp_path / "arxiv", [record]))
    for query in ("doi:10.1000/xyz.2026.123", "doi:10.1000/XYZ*", "jr:imaginary", 'jr:"imaginary tests"', "jr:test"):
        assert _ids(local.search(query).records) == [base.id], query
    assert local.search("doi:10.1000/other", max_results=0).total == 0


def test_a_deep_page_is_empty_not_a_crash(local: LocalIndex) -> None:
    page = local.search("ti:agents", start=10**9, max_results=10**9)
    assert (page.total, page.records) == (17, [])
    assert len(local.search("ti:agents", start=15, max_results=10**9).records) == 2


def test_a_second_writer_is_told_to_wait(tmp_path: Path, corpus: list[IndexRecord]) -> None:
    path = _built(tmp_path / "arxiv", corpus[:2])
    holder = open_index(path)._index.writer()  # as another `retest index update` would hold it
    with pytest.raises(InputError, match="being written by another process"):
        add(path, corpus[2:4])
    holder.rollback()


_PIECES = [
    "ti:agents", "abs:\"large language models\"", "au:yang_liu", "cat:cs.*", "cat:eess.A?", "all:the", "ti:the", "ti:evaluat*",
    "submittedDate:[2026 TO 2026]", "submittedDate:[1000 TO 9999]", "lastUpdatedDate:[202602110230 TO 202602110230]",
    "id:2602.10604v1", "co:iclr", "doi:10.1/x*", "jr:journal", "mind", "AND", "OR", "NOT", "ANDNOT", "(", ")", "ti:(", "\"of the\"",
]  # fmt: skip


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.sampled_from(_PIECES), min_size=1, max_size=8),
    st.integers(0, 30),
    st.integers(0, 30),
    st.sampled_from(["relevance", "submittedDate", "lastUpdatedDate"]),
    st.sampled_from(["descending", "ascending"]),
)
def test_any_query_answers_or_is_a_query_error(local: LocalIndex, pieces: list[str], start: int, size: int, sort: str, order: str) -> None:
    # tantivy panics on some inputs (a limit of 0, a one-word phrase): none may get through.
    query = " ".join(pieces)
    try:
        page = local.search(query, start=start, max_results=size, sort=sort, order=order)  # type: ignore[arg-type]
    except QueryError as err:
        assert err.message.startswith("Invalid query string")
        return
    assert len(page.records) == max(0, min(size, page.total - start))
    assert len({r.id for r in page.records}) == len(page.records)
