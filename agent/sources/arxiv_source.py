"""ArxivSource: search arXiv in a date window and look IDs up, with a cache.

Every request goes through one ArxivTransport (the machine-wide rate limiter,
one retry policy, Retest's User-Agent); answers are cached in the store, keyed by the normalised
request, for `ttl`. `requests_sent` counts HTTP requests actually sent (retries
included) and `cache_hits` counts requests answered from the cache: budgets and
benchmarks read both.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from typing import Any

from agent.errors import InputError
from agent.line.arxiv_id import ArxivId, clean, parse_arxiv_id
from agent.sources.cache import ArxivCache, utc_now
from agent.sources.convert import to_paper
from agent.sources.models import EMPTY_QUERY, Lookup, LookupStatus, Paper, QueryRejected
from agent.sources.query import ARXIV_API_URL, Sort, date_window, lookup_request, search_request, windowed_query
from agent.sources.ratelimit import RateLimiter, default_limiter
from agent.sources.transport import DEFAULT_MAX_WAIT, DEFAULT_TIMEOUT, ArxivTransport, BadRequest
from agent.store import Store

NOT_AN_ID = "not an arXiv ID: expected e.g. 2501.16946, 2501.16946v2 or hep-th/9901001"
REJECTED_BY_ARXIV = "arXiv rejected the ID format (HTTP 400)"


class ArxivSource:
    """The sources room's arXiv client (see the module docstring)."""

    def __init__(
        self,
        store: Store | None,
        *,
        limiter: RateLimiter | None = None,
        ttl: dt.timedelta = dt.timedelta(hours=24),
        use_cache: bool = True,
        max_retries: int = 3,
        today: dt.date | None = None,
        now: Callable[[], dt.datetime] = utc_now,
        retry_wait: float = 2.0,
        max_wait: float = DEFAULT_MAX_WAIT,
        timeout: float = DEFAULT_TIMEOUT,
        api_url: str = ARXIV_API_URL,
        contact: str | None = None,
    ) -> None:
        # Back-off waits happen in the limiter (every process on the machine must wait), so it alone sleeps.
        self._transport = ArxivTransport(
            limiter or default_limiter(),
            max_retries=max_retries,
            retry_wait=retry_wait,
            max_wait=max_wait,
            timeout=timeout,
            api_url=api_url,
            contact=contact,
        )
        self._cache = ArxivCache(store, ttl=ttl, now=now) if store is not None else None
        self.use_cache = use_cache
        # Answers are cached per endpoint: a stand-in's papers must never answer a real run (nor the reverse).
        # arXiv's own keys stay as they were, so existing caches remain valid.
        self._endpoint = {} if api_url == ARXIV_API_URL else {"endpoint": api_url}
        self._today = today
        self._hits_lock = threading.Lock()
        self.cache_hits = 0

    @property
    def requests_sent(self) -> int:
        """HTTP requests sent to arXiv by this source, retries included."""
        return self._transport.requests_sent

    def search(
        self,
        query: str,
        *,
        since: dt.date | None = None,
        until: dt.date | None = None,
        max_results: int = 25,
        sort: Sort = "relevance",
    ) -> list[Paper]:
        """Papers matching `query` first submitted within [since, until] (either end optional).

        Raises QueryRejected for an empty query or one arXiv answers with 400.
        """
        if max_results < 1:
            raise InputError(f"max_results must be at least 1, got {max_results}", hint="Use e.g. --max 25.")
        if not query.strip():
            raise QueryRejected(query, EMPTY_QUERY)
        window = date_window(since, until, self._today or dt.date.today())
        search_query = windowed_query(query, window)
        request = {
            "kind": "search",
            "query": query.strip(),
            "window": [d.isoformat() for d in window] if window else None,
            "sort": sort,
            "size": max_results,
            **self._endpoint,
        }
        cached = self._read(request)
        if cached is not None:
            return [Paper.model_validate(item) for item in cached]
        try:
            feed = self._transport.fetch(
                search_request(search_query, max_results=max_results, sort=sort),
                page_size=max_results,
                what=f"search {query.strip()!r}",
            )
        except BadRequest as exc:
            raise QueryRejected(search_query, exc.reason) from exc
        papers = [to_paper(result) for result in feed.results][:max_results]
        self._write(request, [paper.model_dump(mode="json") for paper in papers])
        return papers

    def lookup(self, ids: Sequence[str], batch_size: int = 50) -> dict[str, Lookup]:
        """One Lookup per requested ID (keyed as given, in the given order)."""
        if batch_size < 1:
            raise InputError(f"batch_size must be at least 1, got {batch_size}")
        requested = list(dict.fromkeys(ids))
        found: dict[str, Lookup] = {}
        pending: list[tuple[str, ArxivId]] = []
        for raw in requested:
            parsed = parse_arxiv_id(raw)
            if parsed is None:
                found[raw] = Lookup(requested=raw, status=LookupStatus.MALFORMED, error=NOT_AN_ID)
                continue
            cached = self._read(self._lookup_key(raw))
            if cached is not None:
                found[raw] = Lookup.model_validate(cached).model_copy(update={"requested": raw})
            else:
                pending.append((raw, parsed))
        for start in range(0, len(pending), batch_size):
            found.update(self._lookup_batch(pending[start : start + batch_size]))
        return {raw: found[raw] for raw in requested}

    def _lookup_batch(self, batch: list[tuple[str, ArxivId]]) -> dict[str, Lookup]:
        ids = [clean(raw) for raw, _ in batch]
        try:
            feed = self._transport.fetch(lookup_request(ids), page_size=len(ids), what=f"lookup of {', '.join(ids)}")
        except BadRequest:
            if len(batch) > 1:
                # One bad ID makes arXiv reject the whole batch; ask for each alone to find it.
                results: dict[str, Lookup] = {}
                for item in batch:
                    results.update(self._lookup_batch([item]))
                return results
            raw = batch[0][0]
            lookups = {raw: Lookup(requested=raw, status=LookupStatus.MALFORMED, error=REJECTED_BY_ARXIV)}
        else:
            papers = [to_paper(result) for result in feed.results]
            lookups = {raw: _match(raw, parsed, papers) for raw, parsed in batch}
        for raw, answer in lookups.items():
            self._write(self._lookup_key(raw), answer.model_dump(mode="json"))
        return lookups

    def _lookup_key(self, raw: str) -> dict[str, Any]:
        # Per-ID keys, so a later run asks arXiv only for the IDs it has not seen.
        return {"kind": "lookup", "ids": [clean(raw)], **self._endpoint}

    def _read(self, request: dict[str, Any]) -> Any | None:
        if self._cache is None or not self.use_cache:
            return None
        payload = self._cache.get(request)
        if payload is not None:
            with self._hits_lock:
                self.cache_hits += 1
        return payload

    def _write(self, request: dict[str, Any], payload: Any) -> None:
        if self._cache is not None:
            self._cache.put(request, payload)


def _match(raw: str, wanted: ArxivId, papers: list[Paper]) -> Lookup:
    """FOUND with the entry for `wanted` (same version if one was asked for, else the latest), else MISSING."""
    same = [p for p in papers if p.arxiv_id == wanted.base and (wanted.version is None or p.version == wanted.version)]
    if not same:
        return Lookup(requested=raw, status=LookupStatus.MISSING, error="arXiv has no paper with this ID")
    # A batch may also ask for an older version of the same paper ("X v1, X"): a bare ID means the current one.
    return Lookup(requested=raw, status=LookupStatus.FOUND, paper=max(same, key=lambda p: p.version or 0))
