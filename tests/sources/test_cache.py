"""The arXiv cache table: keys, TTL, replacement."""

from __future__ import annotations

import datetime as dt

from agent.sources.cache import ArxivCache, canonical_request, request_key
from agent.store import Store

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


class Now:
    def __init__(self) -> None:
        self.value = T0

    def __call__(self) -> dt.datetime:
        return self.value


def test_key_ignores_key_order_but_not_values() -> None:
    a = {"kind": "search", "query": "agents", "size": 5}
    b = {"size": 5, "query": "agents", "kind": "search"}
    assert canonical_request(a) == canonical_request(b)
    assert request_key(a) == request_key(b)
    assert request_key(a) != request_key({**a, "size": 6})
    assert len(request_key(a)) == 64


def test_fresh_entry_is_returned_and_stale_one_is_not(store: Store) -> None:
    now = Now()
    cache = ArxivCache(store, ttl=dt.timedelta(hours=24), now=now)
    request = {"kind": "lookup", "ids": ["2501.16946"]}
    assert cache.get(request) is None
    cache.put(request, {"status": "found"})
    now.value = T0 + dt.timedelta(hours=23, minutes=59)
    assert cache.get(request) == {"status": "found"}
    now.value = T0 + dt.timedelta(hours=24, minutes=1)
    assert cache.get(request) is None


def test_put_replaces_and_restamps(store: Store) -> None:
    now = Now()
    cache = ArxivCache(store, ttl=dt.timedelta(hours=1), now=now)
    request = {"kind": "lookup", "ids": ["2501.16946"]}
    cache.put(request, {"v": 1})
    now.value = T0 + dt.timedelta(hours=2)
    cache.put(request, {"v": 2})
    assert cache.get(request) == {"v": 2}
    rows = store.conn.execute("SELECT request, stored_at FROM arxiv_cache").fetchall()
    assert len(rows) == 1
    assert rows[0]["request"] == canonical_request(request)
    assert dt.datetime.fromisoformat(rows[0]["stored_at"]) == now.value
