"""A stand-in for arXiv's API on 127.0.0.1: `GET /api/query` answered from a local index, in arXiv's Atom.

    server = serve("/tmp/arxiv-index", latency_s=0.05)
    ArxivSource(None, api_url=server.url, ...)      # the real client, unaware
    server.log                                      # every request: params, status, timing
    server.shutdown()

What a request gets, as arXiv's current service answers it (search-semantics.md; arXiv/arxiv-search
`search/controllers/classic_api`), checked in this order:
- `id_list` with an ID of the wrong shape: 400, "incorrect id format for X";
- `max_results` or `start` not a non-negative integer: 400 ("... must be an integer" / "non-negative");
- `sortBy` not relevance, lastUpdatedDate or submittedDate, `sortOrder` not ascending or
  descending: 400;
- neither `search_query` nor `id_list`: 400 ("Either a search_query or id_list must be specified");
- a query that does not parse, or one the index cannot answer truthfully (`rn:`): 400 with the
  engine's message ("Invalid query string: ...");
- `search_query` only: that page of the index's answer, `totalResults` all matches;
- `id_list` only: the IDs' current records, in the order asked unless a date sort is asked for,
  paged by start/max_results; a well-formed ID the index lacks is silently absent (an empty 200
  when none is found);
- both: the search, filtered to the listed IDs (arXiv filters its search by `id_list`), paged as a
  search.

Where the stand-in differs from arXiv because the index holds current versions only: `vN` older
than the current version gets the current record (its entry says `vM`), not version N.

Every request is logged (`log`, and `GET /_log` as JSON): `query` (the request target), `params`,
`status`, `start` and `end` (wall-clock seconds: arrival, and the answer ready to send) and `concurrent`
(requests in flight when it arrived). `latency_s` is each answer's whole response time.
"""

from __future__ import annotations

import json
import os
import threading
import time
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from agent.index import atom
from agent.index.engine import LocalIndex, SearchPage, Sort, SortOrder, open_index
from agent.index.query import QueryError
from agent.index.records import IndexRecord

SORT_BY = ("relevance", "lastUpdatedDate", "submittedDate")
SORT_ORDER = ("ascending", "descending")
SORT_HELP = "https://arxiv.org/help/api/user-manual#sort"
NEITHER = "Either a search_query or id_list must be specified for the classic API."
_DATE_KEYS = {"submittedDate": "published", "lastUpdatedDate": "updated"}


class BadRequest(Exception):
    """What arXiv answers with a 400: its message and the errors page it links."""

    def __init__(self, message: str, link: str = atom.ERRORS) -> None:
        super().__init__(message)
        self.message = message
        self.link = link


def answer(index: LocalIndex, params: dict[str, str]) -> tuple[int, bytes]:
    """Status and Atom body for one `/api/query` request's parameters (the first value of each)."""
    try:
        return 200, _answer(index, params)
    except BadRequest as bad:
        return 400, atom.error_feed(bad.message, bad.link)


def _answer(index: LocalIndex, params: dict[str, str]) -> bytes:
    ids = params["id_list"].split(",") if params.get("id_list") else []
    records = _records(index, ids)
    max_results = _count(params, "max_results", 10)
    start = _count(params, "start", 0)
    sort = _choice(params, "sortBy", SORT_BY, "relevance")
    order = _choice(params, "sortOrder", SORT_ORDER, "descending")
    query = params.get("search_query", "")
    if not query.strip() and not ids:
        raise BadRequest(NEITHER)
    page = partial(atom.feed, search_query=query, id_list=ids, start=start, max_results=max_results)
    if not query.strip():
        listed = _date_sorted(records, sort, order)
        return page(listed[start : start + max_results], total=len(listed))
    if ids:
        # A search filtered by the IDs: the filter is the records found, by base ID (their versions already checked).
        if not records:
            _search(index, query, 0, 0, sort, order)  # a bad query is still a 400
            return page([], total=0)
        query = f"({query}) AND ({' OR '.join(f'id:{r.id}' for r in records)})"
    found = _search(index, query, start, max_results, sort, order)
    return page(found.records, total=found.total)


def _records(index: LocalIndex, ids: list[str]) -> list[IndexRecord]:
    try:
        return index.by_ids(ids)
    except QueryError:
        # by_ids names the first bad ID; arXiv's message and anchor take the ID as it was sent.
        bad = next(i for i in ids if _rejected(index, i))
        raise BadRequest(f"incorrect id format for {bad}", f"{atom.ERRORS}#incorrect_id_format_for_{bad}") from None


def _rejected(index: LocalIndex, raw: str) -> bool:
    try:
        index.by_ids([raw])
    except QueryError:
        return True
    return False


def _count(params: dict[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be an integer", f"{atom.ERRORS}#{name}_must_be_an_integer") from None
    if value < 0:
        raise BadRequest(f"{name} must be non-negative", f"{atom.ERRORS}#{name}_must_be_non-negative")
    return value


def _choice(params: dict[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = params.get(name, default)
    if value not in allowed:
        raise BadRequest(f"{name} must be in: {', '.join(allowed)}", SORT_HELP)
    return value


def _search(index: LocalIndex, query: str, start: int, size: int, sort: str, order: str) -> SearchPage:
    try:
        return index.search(query, start=start, max_results=size, sort=cast(Sort, sort), order=cast(SortOrder, order))
    except QueryError as exc:
        raise BadRequest(exc.message) from None


def _date_sorted(records: list[IndexRecord], sort: str, order: str) -> list[IndexRecord]:
    if sort not in _DATE_KEYS:
        return records  # every listed ID scores alike: the order asked
    key = _DATE_KEYS[sort]
    return sorted(records, key=lambda r: getattr(r, key), reverse=order == "descending")


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections open, as arXiv's front end does; every reply sets Content-Length.
    protocol_version = "HTTP/1.1"
    server: StandIn

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        """Quiet: the log is `StandIn.log`."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        target = urlsplit(self.path)
        if target.path == "/_log":
            self._reply(200, json.dumps(self.server.entries()).encode(), "application/json")
            return
        if target.path != "/api/query":
            self._reply(404, b"not found\n", "text/plain; charset=utf-8")
            return
        started, concurrent = self.server.begin()
        params = {k: v[0] for k, v in parse_qs(target.query, keep_blank_values=True).items()}
        try:
            status, body = answer(self.server.index, params)
        except Exception as exc:  # a bug in the stand-in must reach the client as arXiv's 500 would, not hang it
            status, body = 500, atom.error_feed(f"stand-in error: {type(exc).__name__}: {exc}")
        # The latency is the whole response time: what remains of it after building the answer.
        time.sleep(max(0.0, started + self.server.latency_s - time.time()))
        # Logged before the answer goes out: a client that has its answer always finds it in the log.
        self.server.end({"start": started, "end": time.time(), "query": self.path, "params": params, "status": status, "concurrent": concurrent})
        self._reply(status, body, atom.ATOM_CONTENT_TYPE)

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class StandIn(ThreadingHTTPServer):
    """The running stand-in: `base` (http://HOST:PORT), `url` (its /api/query), `log`, `shutdown()`."""

    daemon_threads = True

    def __init__(self, index: LocalIndex, host: str, port: int, latency_s: float) -> None:
        super().__init__((host, port), _Handler)
        self.index = index
        self.latency_s = latency_s
        self.log: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._in_flight = 0
        self._thread = threading.Thread(target=self.serve_forever, name="arxiv-standin", daemon=True)

    @property
    def base(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        """The API endpoint, for `Settings.arxiv_api_url` or `ArxivSource(api_url=...)`."""
        return f"{self.base}/api/query"

    def begin(self) -> tuple[float, int]:
        with self._lock:
            self._in_flight += 1
            return time.time(), self._in_flight

    def end(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._in_flight -= 1
            self.log.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        """A copy of the log, safe to read while requests arrive."""
        with self._lock:
            return list(self.log)

    def shutdown(self) -> None:
        """Stop serving and close the socket; idempotent."""
        if self._thread.is_alive():
            super().shutdown()
        self.server_close()

    def __enter__(self) -> StandIn:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.shutdown()


def serve(index_path: str | os.PathLike[str] | LocalIndex, host: str = "127.0.0.1", port: int = 0, latency_s: float = 0.0) -> StandIn:
    """Serve the index at `index_path` (or an open LocalIndex) on `host`:`port` (0: a free port), in a daemon thread."""
    index = index_path if isinstance(index_path, LocalIndex) else open_index(index_path)
    server = StandIn(index, host, port, latency_s)
    server._thread.start()
    return server
