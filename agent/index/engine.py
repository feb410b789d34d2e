"""The local index: real arXiv metadata in a tantivy index directory, searched with arXiv's query language.

A directory holds tantivy's files and `info.json` (an `IndexInfo`). Each paper is one
document at its current version; re-adding an ID replaces it, so builds and updates are
idempotent. Relevance is BM25 (tantivy's); arXiv has no tie-breaker, this index breaks
ties by index order (the order records were added; a replaced record counts as added
anew), so equal scores and equal dates always come back in the same order.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Literal

import tantivy
from pydantic import BaseModel, ConfigDict, Field
from tantivy import Order, Query

from agent.errors import InputError
from agent.index.query import EN, FOLD, LOWER, QueryError, analyzers, constant_score, parse, to_tantivy
from agent.index.records import IndexRecord
from agent.line.arxiv_id import NEW_BASE, OLD_ARCHIVE, OLD_NUMBER, SUBJECT_CLASS, VERSION_NUMBER

INFO_FILE = "info.json"
FORMAT = 1  # bump when the schema changes; an index of another format must be rebuilt
_ORD_BITS = 30  # sort keys pack (seconds << 30) | ord, so ties on a date fall back to index order
_ORD_MASK = (1 << _ORD_BITS) - 1
_PROGRESS_EVERY = 1000
# arXiv's id_list answers 400 only for an ID of the wrong shape; a shape arXiv never issued
# (month 13, 0808.05394) is an empty 200, so the calendar checks of `parse_arxiv_id` do not apply.
_ID_SHAPE = re.compile(
    rf"(?P<new>{NEW_BASE})(?:v(?P<nv>{VERSION_NUMBER}))?|(?P<archive>{OLD_ARCHIVE})(?:{SUBJECT_CLASS})?/(?P<number>{OLD_NUMBER})(?:v(?P<ov>{VERSION_NUMBER}))?"
)
_DEEP = 10_000  # pages ending past this are cut to the matches there are before asking tantivy
_BUILD_HINT = "Build one with `retest index build` (see `retest index build --help`)."

Sort = Literal["relevance", "submittedDate", "lastUpdatedDate"]
SortOrder = Literal["descending", "ascending"]
_SORT_KEYS = {"submittedDate": "published", "lastUpdatedDate": "updated"}


class IndexInfo(BaseModel):
    """What an index holds and where it came from; stored as `info.json` beside tantivy's files."""

    model_config = ConfigDict(frozen=True)

    format: int = FORMAT
    papers: int
    categories: dict[str, int] = Field(description="Papers per category, primary or cross-listed, most first.")
    first_published: dt.datetime | None = None
    last_published: dt.datetime | None = None
    built_at: dt.datetime
    updated_at: dt.datetime | None = Field(default=None, description="The last `add`, if any since the build.")
    sources: list[str] = Field(default_factory=list, description="Files the records were read from, build first.")
    next_ord: int = Field(default=0, description="Index order the next added record gets.")


class SearchPage(BaseModel):
    """One page of a search: how many papers match in all, and the records of this page in order."""

    model_config = ConfigDict(frozen=True)

    total: int
    records: list[IndexRecord]


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    for name in ("id", "id_v", "cat"):  # raw keywords; cat is fast for info()'s category counts
        b.add_text_field(name, tokenizer_name="raw", fast=name == "cat", index_option="basic")
    b.add_text_field("doi", tokenizer_name=LOWER, index_option="basic")
    for name in ("ti", "abs", "co", "jr"):
        b.add_text_field(name, tokenizer_name=EN)
    b.add_text_field("au", tokenizer_name=FOLD)  # one value per author: phrases never cross two names
    b.add_text_field("all", tokenizer_name=FOLD)  # the combined unstemmed field
    for name in ("published", "updated"):
        b.add_date_field(name, indexed=True, fast=True)
    b.add_integer_field("version", indexed=True)
    for name in ("ord", "published_asc", "published_desc", "updated_asc", "updated_desc"):
        b.add_unsigned_field(name, fast=True)
    b.add_bytes_field("record", stored=True)  # the IndexRecord as JSON: what a hit gives back
    return b.build()


def _register(index: tantivy.Index) -> tantivy.Index:
    for name, analyzer in analyzers().items():
        index.register_tokenizer(name, analyzer)
    return index


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _document(record: IndexRecord, ord_: int) -> tantivy.Document:
    if ord_ > _ORD_MASK:
        raise InputError(f"the index has taken {ord_} records; its sort keys hold {_ORD_MASK}", hint="Rebuild the index.")
    doc = tantivy.Document()
    doc.add_text("id", record.id)
    doc.add_text("id_v", f"{record.id}v{record.version}")
    for cat in record.categories:
        doc.add_text("cat", cat)
    doc.add_text("ti", record.title)
    doc.add_text("abs", record.abstract)
    for author in record.authors:
        doc.add_text("au", author)
    extras = {"co": record.comment, "jr": record.journal_ref, "doi": record.doi}
    for name, value in extras.items():
        if value:
            doc.add_text(name, value)
    for text in (record.title, record.abstract, *record.authors, *(v for v in extras.values() if v), record.id):
        doc.add_text("all", text)
    for name, when in (("published", _utc(record.published)), ("updated", _utc(record.updated))):
        doc.add_date(name, when)
        seconds = max(0, int(when.timestamp())) << _ORD_BITS
        doc.add_unsigned(f"{name}_asc", seconds | ord_)
        doc.add_unsigned(f"{name}_desc", seconds | (_ORD_MASK - ord_))  # descending dates, ties still in index order
    doc.add_integer("version", record.version)
    doc.add_unsigned("ord", ord_)
    doc.add_bytes("record", record.model_dump_json().encode())
    return doc


def _write(index: tantivy.Index, records: Iterable[IndexRecord], first_ord: int, progress: Callable[[int], None] | None) -> int:
    """Add `records` replacing any document with the same ID; commit once, or roll back on any error."""
    try:
        writer = index.writer()
    except ValueError as err:  # tantivy's lock: one writer per index, across processes
        raise InputError(f"the index is being written by another process ({err})", hint="Wait for the other `retest index` command to finish.") from err
    count = 0
    try:
        for count, record in enumerate(records, start=1):
            # A delete applies to every earlier operation, even this batch's: the last copy of an ID wins.
            writer.delete_documents_by_term("id", record.id)
            writer.add_document(_document(record, first_ord + count - 1))
            if progress is not None and count % _PROGRESS_EVERY == 0:
                progress(count)
        writer.commit()
    except BaseException:
        writer.rollback()
        raise
    finally:
        writer.wait_merging_threads()  # nothing may still write into the directory once we return
    if progress is not None and count % _PROGRESS_EVERY:
        progress(count)
    index.reload()
    return count


def _stats(index: tantivy.Index) -> dict[str, object]:
    searcher = index.searcher()
    if searcher.num_docs == 0:
        return {"papers": 0, "categories": {}}
    aggs = {
        "cats": {"terms": {"field": "cat", "size": 100_000}},
        "first": {"min": {"field": "published"}},
        "last": {"max": {"field": "published"}},
    }
    result = searcher.aggregate(Query.all_query(), aggs)
    buckets = sorted(result["cats"]["buckets"], key=lambda b: (-b["doc_count"], b["key"]))
    return {
        "papers": searcher.num_docs,
        "categories": {b["key"]: b["doc_count"] for b in buckets},
        # Aggregations answer in nanoseconds as floats: whole seconds survive that.
        "first_published": dt.datetime.fromtimestamp(round(result["first"]["value"] / 1e9), dt.UTC),
        "last_published": dt.datetime.fromtimestamp(round(result["last"]["value"] / 1e9), dt.UTC),
    }


def _write_info(directory: Path, info: IndexInfo) -> None:
    tmp = directory / f".{INFO_FILE}.tmp"
    tmp.write_text(info.model_dump_json(indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, directory / INFO_FILE)


def _is_index(path: Path) -> bool:
    return (path / INFO_FILE).is_file() and (path / "meta.json").is_file()


def build(
    path: str | os.PathLike[str],
    records: Iterable[IndexRecord],
    *,
    sources: Sequence[str] = (),
    progress: Callable[[int], None] | None = None,
) -> IndexInfo:
    """Build a new index at `path` from `records`, replacing any index there only once the new one is complete.

    The index is built in a temporary sibling directory and renamed into place, so a build
    that fails (bad record, disk full, Ctrl-C) leaves the previous index as it was and no
    half index. `progress` gets the number of records written so far, now and then.
    A later record with the same ID replaces an earlier one. Refuses to replace a
    non-empty directory that is not an index.
    """
    target = Path(path)
    if target.exists() and not _is_index(target) and (not target.is_dir() or any(target.iterdir())):
        raise InputError(f"{target} exists and is not a local arXiv index; refusing to replace it", hint="Choose a new or empty directory.")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-", dir=target.parent))
    try:
        index = _register(tantivy.Index(_schema(), path=str(staging)))
        count = _write(index, records, 0, progress)
        info = IndexInfo.model_validate({**_stats(index), "built_at": dt.datetime.now(dt.UTC), "sources": list(sources), "next_ord": count})
        _write_info(staging, info)
        del index
        _swap(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return info


def _swap(staging: Path, target: Path) -> None:
    # A directory cannot be renamed over a non-empty one: move the old aside, move the new in, drop the old.
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{staging.name.rsplit('-', 1)[-1]}")
        os.replace(target, old)
    try:
        os.replace(staging, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def add(
    path: str | os.PathLike[str],
    records: Iterable[IndexRecord],
    *,
    sources: Sequence[str] = (),
    progress: Callable[[int], None] | None = None,
) -> IndexInfo:
    """Add or replace `records` in the index at `path` (same ID: the new record wins); one commit, all or nothing."""
    local = open_index(path)
    before = local.info()
    count = _write(local._index, records, before.next_ord, progress)
    info = IndexInfo.model_validate(
        {
            **before.model_dump(),
            **_stats(local._index),
            "updated_at": dt.datetime.now(dt.UTC),
            "sources": [*before.sources, *sources],
            "next_ord": before.next_ord + count,
        }
    )
    _write_info(local.path, info)
    return info


def open_index(path: str | os.PathLike[str]) -> LocalIndex:
    """Open the index at `path`; InputError (naming `retest index build`) when there is none."""
    directory = Path(path)
    if not _is_index(directory):
        raise InputError(f"{directory} is not a local arXiv index (no {INFO_FILE} and tantivy files there)", hint=_BUILD_HINT)
    try:
        info = IndexInfo.model_validate_json((directory / INFO_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:  # a damaged or foreign info.json
        raise InputError(f"{directory / INFO_FILE} cannot be read as an index's info ({err.__class__.__name__})", hint=f"Rebuild it. {_BUILD_HINT}") from err
    if info.format != FORMAT:
        raise InputError(f"{directory} is an index of format {info.format}; this version reads format {FORMAT}", hint=f"Rebuild it. {_BUILD_HINT}")
    try:
        index = _register(tantivy.Index.open(str(directory)))
    except ValueError as err:
        raise InputError(f"{directory}: the tantivy index cannot be opened ({err})", hint=_BUILD_HINT) from err
    return LocalIndex(directory, index)


class LocalIndex:
    """An open index: arXiv's search (`search_query`) and look-up (`id_list`) over it."""

    def __init__(self, path: Path, index: tantivy.Index) -> None:
        self.path = path
        self._index = index

    def info(self) -> IndexInfo:
        """What the index holds (papers, categories, dates) and how it was built, from `info.json`."""
        return IndexInfo.model_validate_json((self.path / INFO_FILE).read_text(encoding="utf-8"))

    def search(self, query: str, *, start: int = 0, max_results: int = 10, sort: Sort = "relevance", order: SortOrder = "descending") -> SearchPage:
        """Answer an arXiv `search_query` (with any `submittedDate:[A TO B]` in it) as arXiv pages it.

        `sort` and `order` are arXiv's `sortBy` and `sortOrder`; ties (equal scores, equal
        dates) come back in index order. Bad queries and bad parameters raise QueryError.
        """
        if start < 0 or max_results < 0:
            raise QueryError(f"start and max_results must be non-negative integers (got {start}, {max_results})")
        if sort not in ("relevance", *_SORT_KEYS) or order not in ("descending", "ascending"):
            raise QueryError(f"unknown sortBy {sort!r} or sortOrder {order!r}")
        node = parse(query)
        tq = to_tantivy(node, self._index)
        searcher = self._index.searcher()
        if max_results == 0 or start + max_results > _DEEP:
            # tantivy sizes its collector by the page's end: a deep page is cut to what exists first.
            total = _count(searcher, tq)
            if max_results == 0 or start >= total:
                return SearchPage(total=total, records=[])
            max_results = min(max_results, total - start)
        if sort != "relevance":
            key = f"{_SORT_KEYS[sort]}_{'desc' if order == 'descending' else 'asc'}"
            hits = _ordered(searcher, tq, key, start, max_results)
        elif constant_score(node):  # every match scores alike: relevance order is index order
            hits = _ordered(searcher, tq, "ord", start, max_results)
        else:
            hits = _ranked(searcher, tq, start, max_results, ascending=order == "ascending")
        return SearchPage(total=hits[0], records=[self._record(searcher, a) for a in hits[1]])

    def by_ids(self, ids: list[str]) -> list[IndexRecord]:
        """arXiv's `id_list`: the current record of each ID, in the order asked, each paper once.

        Without a version an ID gives the current version. With `vN` it gives the current
        record when N is the current version or an older one (the index holds current
        versions only, so for an older N the record returned is the current one, its
        `version` says which); a `vN` newer than the current one is absent. A well-formed
        ID the index lacks is silently absent, even one arXiv never issued (month 13,
        `0808.05394`), as arXiv answers those; an ill-formed one raises QueryError
        ("incorrect id format for X"), arXiv's 400.
        """
        wanted: list[tuple[str, int | None]] = []
        for raw in ids:
            m = _ID_SHAPE.fullmatch(raw.strip())
            if m is None or not raw.strip().isascii():
                raise QueryError(f"incorrect id format for {raw}")
            base = m["new"] or f"{m['archive']}/{m['number']}"  # math.GT/0309136 is math/0309136
            version = m["nv"] or m["ov"]
            wanted.append((base, int(version) if version else None))
        if not wanted:
            return []
        searcher = self._index.searcher()
        bases = sorted({base for base, _ in wanted})
        result = searcher.search(Query.term_set_query(self._index.schema, "id", bases), limit=len(bases))
        found = {r.id: r for r in (self._record(searcher, a) for _, a in result.hits)}
        out: dict[str, IndexRecord] = {}
        for base, version in wanted:
            record = found.get(base)
            if record is not None and (version is None or version <= record.version):
                out.setdefault(base, record)
        return list(out.values())

    def _record(self, searcher: tantivy.Searcher, address: tantivy.DocAddress) -> IndexRecord:
        blob = searcher.doc(address).get_first("record")
        if not isinstance(blob, bytes):
            raise InputError(f"{self.path}: a document without its record; the index is damaged", hint=f"Rebuild it. {_BUILD_HINT}")
        return IndexRecord.model_validate_json(blob)


def _total(result: tantivy.SearchResult) -> int:
    return result.count or 0  # type: ignore[attr-defined]  # tantivy's stubs lack `count`, the class has it


def _count(searcher: tantivy.Searcher, query: Query) -> int:
    return _total(searcher.search(query, limit=1, count=True))  # tantivy panics on a limit of 0


def _ordered(searcher: tantivy.Searcher, query: Query, key: str, start: int, size: int) -> tuple[int, list[tantivy.DocAddress]]:
    descending = key.endswith("_desc")
    result = searcher.search(query, limit=size, count=True, order_by_field=key, offset=start, order=Order.Desc if descending else Order.Asc)
    return _total(result), [address for _, address in result.hits]


def _ranked(searcher: tantivy.Searcher, query: Query, start: int, size: int, *, ascending: bool) -> tuple[int, list[tantivy.DocAddress]]:
    """BM25 order with ties in index order: fetch until the tie at the page's edge is complete, then order by `ord`.

    tantivy breaks ties by segment and document number, which is neither insertion
    order nor stable from one build to the next; `ord` is both.
    """
    need = start + size
    first = searcher.search(query, limit=need, count=True)
    total, hits = _total(first), first.hits
    if ascending and len(hits) < total:  # the lowest scores come last in tantivy's answer
        hits = searcher.search(query, limit=total, count=False).hits
    limit = need
    # Incomplete while tantivy may have cut the page's last tie group short; a tie that
    # outgrows 16 pages is usually a constant score over thousands, so take all at once.
    while len(hits) == limit < total and hits[-1][0] >= hits[need - 1][0]:
        limit = total if limit > need else min(need * 16, total)
        hits = searcher.search(query, limit=limit, count=False).hits
    if ascending:
        ords = searcher.fast_field_values("ord", [address for _, address in hits])
        order = sorted(range(len(hits)), key=lambda i: (hits[i][0], ords[i] or 0))
        return total, [hits[i][1] for i in order[start:need]]
    if not hits:
        return total, []
    # tantivy's hits come best first, so the page's last tie group is one run: hits[lo:hi].
    edge = -hits[min(need, len(hits)) - 1][0]
    lo = bisect.bisect_left(hits, edge, key=lambda h: -h[0])
    hi = bisect.bisect_right(hits, edge, key=lambda h: -h[0])
    ords = searcher.fast_field_values("ord", [address for _, address in hits[:hi]])
    above = sorted(range(lo), key=lambda i: (-hits[i][0], ords[i] or 0))
    tied = heapq.nsmallest(need - lo, range(lo, hi), key=lambda i: ords[i] or 0)
    return total, [hits[i][1] for i in (above + tied)[start:need]]
