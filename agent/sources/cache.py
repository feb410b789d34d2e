"""The arXiv response cache, a table in the store (migration 0001_arxiv_cache).

Entries are keyed by the normalised request (see `canonical_request`), so the
same search or lookup asked twice within the TTL is answered without arXiv.
Payloads are the JSON of what the source parsed (papers, lookups), never raw XML.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from agent.store import Store


def utc_now() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


def canonical_request(request: Mapping[str, Any]) -> str:
    """Canonical JSON of a request: sorted keys, no spaces, so equal requests give equal text."""
    return json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def request_key(request: Mapping[str, Any]) -> str:
    """sha256 hex digest of `canonical_request(request)`."""
    return hashlib.sha256(canonical_request(request).encode("utf-8")).hexdigest()


class ArxivCache:
    """Read and write cached arXiv answers with a time-to-live."""

    def __init__(self, store: Store, *, ttl: dt.timedelta, now: Callable[[], dt.datetime] = utc_now) -> None:
        self._store = store
        self.ttl = ttl
        self._now = now

    def get(self, request: Mapping[str, Any]) -> Any | None:
        """The cached payload for `request` if stored within the TTL, else None."""
        with self._store.lock:
            row = self._store.conn.execute("SELECT stored_at, payload FROM arxiv_cache WHERE key = ?", (request_key(request),)).fetchone()
        if row is None:
            return None
        stored_at = dt.datetime.fromisoformat(row["stored_at"])
        if self._now() - stored_at > self.ttl:
            return None
        return json.loads(row["payload"])

    def put(self, request: Mapping[str, Any], payload: Any) -> None:
        """Store (or replace) the payload for `request`, stamped now."""
        with self._store.transaction() as conn:
            conn.execute(
                "INSERT INTO arxiv_cache (key, request, stored_at, payload) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET request = excluded.request, "
                "stored_at = excluded.stored_at, payload = excluded.payload",
                (
                    request_key(request),
                    canonical_request(request),
                    self._now().isoformat(),
                    json.dumps(payload, ensure_ascii=False),
                ),
            )
