"""The local index as the graph's paper source: alone (`--source local`) or routed with arXiv's API (`auto`).

`LocalSource` answers `search` and `lookup` as `ArxivSource` does, from the index: the same
date window (`date_window`) and the same windowed query string (`windowed_query`), the same
`Paper` and `Lookup` objects, `QueryRejected` for a query the index's arXiv parser refuses.
It sends no request and waits for no rate limit (`requests_sent` stays 0).

`RoutedSource` is `auto`: a search whose window ends on or before the index's snapshot (the
day of its last paper) goes to the index; one that reaches past it is split, the index for
the window as given (it holds nothing later) and arXiv for the days after the snapshot, and
the two answers merged; anchor look-ups always go to arXiv.

Both say, per window, what was searched (`describe_search`): the search node records it on
each query and the report prints it, so an absence of evidence says where nobody looked.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from agent.errors import InputError
from agent.index.engine import INFO_FILE, LocalIndex, open_index
from agent.index.query import QueryError
from agent.index.records import IndexRecord
from agent.line.arxiv_id import clean, parse_arxiv_id
from agent.sources.arxiv_source import NOT_AN_ID
from agent.sources.models import EMPTY_QUERY, Lookup, LookupStatus, Paper, QueryRejected
from agent.sources.query import ARXIV_EPOCH, Sort, date_window, windowed_query

SourceName = Literal["arxiv", "local", "local+arxiv"]


@dataclass(frozen=True)
class SearchRoute:
    """Where one window's search went, and what that leaves out (the report prints `note`)."""

    source: SourceName
    note: str = ""


class Remote(Protocol):
    """What RoutedSource needs of arXiv's side: ArxivSource, or a fake in tests."""

    def search(
        self, query: str, *, since: dt.date | None = None, until: dt.date | None = None, max_results: int = 25, sort: Sort = "relevance"
    ) -> list[Paper]: ...

    def lookup(self, ids: Sequence[str], batch_size: int = 50) -> dict[str, Lookup]: ...

    @property
    def requests_sent(self) -> int: ...


_OPEN: dict[Path, tuple[int, LocalIndex]] = {}
_OPEN_LOCK = threading.Lock()


def shared_index(path: str | os.PathLike[str]) -> LocalIndex:
    """The index at `path`, opened once per process and shared (searches are thread-safe; each takes its own searcher).

    `run --all` builds a source per line: opening the index for each would cost the
    opening and the memory of its caches every time. A rebuilt or updated index (its
    info.json rewritten) is opened anew. InputError as `open_index` when there is none.
    """
    directory = Path(path).resolve()
    try:
        stamp = (directory / INFO_FILE).stat().st_mtime_ns
    except OSError:
        return open_index(directory)  # no index there: open_index says so, naming `retest index build`
    with _OPEN_LOCK:
        cached = _OPEN.get(directory)
        if cached is None or cached[0] != stamp:
            cached = _OPEN[directory] = (stamp, open_index(directory))
        return cached[1]


def to_paper(record: IndexRecord) -> Paper:
    """The Paper ArxivSource makes of this record's Atom entry (agent.sources.convert.to_paper)."""
    return Paper(
        arxiv_id=record.id,
        version=record.version,
        title=" ".join(record.title.split()),
        summary=record.abstract.strip(),
        authors=list(record.authors),
        published=_utc(record.published).date(),
        updated=_utc(record.updated).date(),
        primary_category=record.primary_category or None,
    )


def _utc(when: dt.datetime) -> dt.datetime:
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


class LocalSource:
    """Searches and look-ups answered by a local index (see the module docstring)."""

    def __init__(self, index: LocalIndex, *, today: dt.date | None = None) -> None:
        self.index = index
        self._today = today
        last = index.info().last_published
        self.snapshot: dt.date | None = _utc(last).date() if last else None

    @property
    def requests_sent(self) -> int:
        """Requests sent to arXiv: none, ever."""
        return 0

    def today(self) -> dt.date:
        return self._today or dt.date.today()

    def window(self, since: dt.date | None, until: dt.date | None) -> tuple[dt.date, dt.date]:
        """The closed window a search covers, open ends filled in as ArxivSource fills them."""
        return date_window(since, until, self.today()) or (ARXIV_EPOCH, self.today())

    def search(self, query: str, *, since: dt.date | None = None, until: dt.date | None = None, max_results: int = 25, sort: Sort = "relevance") -> list[Paper]:
        """Papers matching `query` first submitted within [since, until], as ArxivSource.search gives them."""
        if max_results < 1:
            raise InputError(f"max_results must be at least 1, got {max_results}", hint="Use e.g. --max 25.")
        if not query.strip():
            raise QueryRejected(query, EMPTY_QUERY)
        search_query = windowed_query(query, date_window(since, until, self.today()))
        try:
            page = self.index.search(search_query, max_results=max_results, sort="submittedDate" if sort == "submitted" else "relevance")
        except QueryError as exc:
            raise QueryRejected(search_query, exc.message) from exc
        return [to_paper(record) for record in page.records]

    def lookup(self, ids: Sequence[str], batch_size: int = 50) -> dict[str, Lookup]:
        """One Lookup per requested ID (keyed as given, in the given order), as ArxivSource.lookup gives them.

        The index holds each paper's current version only: an ID asking for an older
        version is UNCHECKED (saying so), never taken for the current one nor reported missing.
        """
        requested = list(dict.fromkeys(ids))
        wanted = {raw: parsed for raw in requested if (parsed := parse_arxiv_id(raw)) is not None}
        found = self._records([clean(raw) for raw in wanted])
        out: dict[str, Lookup] = {}
        for raw in requested:
            parsed = wanted.get(raw)
            if parsed is None:
                out[raw] = Lookup(requested=raw, status=LookupStatus.MALFORMED, error=NOT_AN_ID)
                continue
            record = found.get(parsed.base)
            if record is None or (parsed.version is not None and parsed.version > record.version):
                out[raw] = Lookup(requested=raw, status=LookupStatus.MISSING, error=f"the local index (snapshot {self.snapshot}) has no paper with this ID")
            elif parsed.version is not None and parsed.version < record.version:
                error = f"the local index holds only the current version (v{record.version}) of {parsed.base}; version {parsed.version} was not checked"
                out[raw] = Lookup(requested=raw, status=LookupStatus.UNCHECKED, error=error)
            else:
                out[raw] = Lookup(requested=raw, status=LookupStatus.FOUND, paper=to_paper(record))
        return out

    def _records(self, ids: list[str]) -> dict[str, IndexRecord]:
        try:
            return {r.id: r for r in self.index.by_ids(ids)}
        except QueryError:
            # One ID the engine's shape check refuses (arXiv's 400) must not hide the others: ask for each alone.
            out: dict[str, IndexRecord] = {}
            for one in ids:
                try:
                    out.update({r.id: r for r in self.index.by_ids([one])})
                except QueryError:
                    continue
            return out

    def describe_search(self, since: dt.date | None, until: dt.date | None) -> SearchRoute:
        """What a search over this window covers: the index up to its snapshot, nothing later."""
        start, end = self.window(since, until)
        if self.snapshot is None:
            return SearchRoute("local", "the local index holds no papers; nothing was searched")
        if end <= self.snapshot:
            return SearchRoute("local", f"the index ends {self.snapshot} (its last paper); the window lies inside it")
        return SearchRoute("local", f"the index ends {self.snapshot}; later papers were not searched")


class RoutedSource:
    """`auto`: the index for what it covers, arXiv's API for the days after its snapshot and for look-ups."""

    def __init__(self, local: LocalSource, remote: Remote) -> None:
        self.local = local
        self.remote = remote

    @property
    def requests_sent(self) -> int:
        """Requests sent to arXiv (the index sends none)."""
        return self.remote.requests_sent

    def _split(self, since: dt.date | None, until: dt.date | None) -> tuple[bool, tuple[dt.date, dt.date] | None]:
        """Whether the index searches, and the part of the window arXiv searches (None: none)."""
        start, end = self.local.window(since, until)
        snapshot = self.local.snapshot
        if snapshot is None or start > snapshot:
            return False, (start, end)
        if end <= snapshot:
            return True, None
        return True, (snapshot + dt.timedelta(days=1), end)

    def search(self, query: str, *, since: dt.date | None = None, until: dt.date | None = None, max_results: int = 25, sort: Sort = "relevance") -> list[Paper]:
        """The index's papers and, for the days after its snapshot, arXiv's: merged, each paper once, at most `max_results`."""
        use_local, later = self._split(since, until)
        if not use_local:
            return self.remote.search(query, since=since, until=until, max_results=max_results, sort=sort)
        local = self.local.search(query, since=since, until=until, max_results=max_results, sort=sort)
        if later is None:
            return local
        remote = self.remote.search(query, since=later[0], until=later[1], max_results=max_results, sort=sort)
        return merge(local, remote, max_results=max_results, newest_first=sort == "submitted")

    def lookup(self, ids: Sequence[str], batch_size: int = 50) -> dict[str, Lookup]:
        """Anchors are looked up on arXiv: whether a paper exists and what it is called now is arXiv's to say."""
        return self.remote.lookup(ids, batch_size)

    def describe_search(self, since: dt.date | None, until: dt.date | None) -> SearchRoute:
        """Where a search over this window goes (see `search`)."""
        use_local, later = self._split(since, until)
        snapshot = self.local.snapshot
        if snapshot is None:
            return SearchRoute("arxiv", "the local index holds no papers; searched on arXiv")
        if not use_local:
            return SearchRoute("arxiv", f"the index ends {snapshot}; the whole window is later, so it was searched on arXiv")
        if later is None:
            return self.local.describe_search(since, until)
        return SearchRoute("local+arxiv", f"the index ends {snapshot}; later papers were searched on arXiv")


def merge(local: list[Paper], remote: list[Paper], *, max_results: int, newest_first: bool) -> list[Paper]:
    """One list from the two halves of a split window, each paper once (the first seen wins).

    By relevance the two ranked lists alternate (each keeps its best hits in the cut), the
    index's first; newest first, arXiv's later papers come before the index's older ones.
    """
    if newest_first:
        ordered = [*remote, *local]
    else:
        ordered = [p for pair in zip(local, remote, strict=False) for p in pair]
        ordered += local[len(remote) :] + remote[len(local) :]
    seen: dict[str, Paper] = {}
    for paper in ordered:
        seen.setdefault(paper.arxiv_id, paper)
    return list(seen.values())[:max_results]
