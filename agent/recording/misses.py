"""Cassette misses as user errors: which request, sent by which node, what to do.

Graph nodes wrap their model and arXiv calls in `agent.callsite.call_context(node, claim)`;
clients catch exceptions from their SDK and pass them to `cassette_miss_from`,
which finds vcrpy's miss anywhere in the exception chain.

Clients must be built with `max_retries=0` (and the arXiv client with
`num_retries=0, delay_seconds=0`) in replay — see `max_retries_for` — or a miss
looks like a network fault and is retried with backoff before it surfaces.
"""

from __future__ import annotations

import hashlib
import threading
from urllib.parse import urlsplit

from vcr.errors import CannotOverwriteExistingCassetteException
from vcr.request import Request

from agent.callsite import CallSite, current_call
from agent.errors import CassetteMissError
from agent.recording.scrub import scrub_url

_MAX_QUERY_SHOWN = 200  # enough for an arXiv id_list or search; prompts never travel in a query


NEXT_STEP = "Re-record with --record CASSETTE (needs keys), or restore the prompt/model that the cassette was recorded with."


# Which call site last sent each request, so a miss converted outside the
# sending node (in another thread, or after its call_context ended) still
# names it. Keyed by a fingerprint, not the object: vcrpy hands hooks copies.
_senders: dict[tuple[str, str, str], CallSite] = {}
_senders_lock = threading.Lock()


def _fingerprint(request: Request) -> tuple[str, str, str]:
    body = request.body_bytes or b""
    digest = hashlib.sha256(body if isinstance(body, bytes) else str(body).encode()).hexdigest()
    return request.method, request.uri, digest


def note_sender(request: Request) -> Request:
    """vcrpy before_record_request hook (first in line): remember the active call site."""
    site = current_call()
    if site is not None:
        with _senders_lock:
            _senders[_fingerprint(request)] = site
    return request


def forget_senders() -> None:
    """Start a new cassette with no remembered senders."""
    with _senders_lock:
        _senders.clear()


def _sender_of(request: Request | None) -> CallSite | None:
    site = current_call()
    if site is None and request is not None:
        with _senders_lock:
            site = _senders.get(_fingerprint(request))
    return site


def _find_miss(exc: BaseException) -> CannotOverwriteExistingCassetteException | None:
    """vcrpy's miss in exc, its causes and contexts, or inside exception groups."""
    pending: list[BaseException] = [exc]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, CannotOverwriteExistingCassetteException):
            return current
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        pending.extend(getattr(current, "exceptions", ()) or ())
    return None


def _closest_difference(miss: CannotOverwriteExistingCassetteException) -> str | None:
    """What the closest recorded request differs in, as vcrpy's matchers said."""
    if getattr(miss, "reason", None) == "already_played":
        return "every matching recorded request was already answered: this run sent it more often than the recording"
    similar = getattr(miss, "similar_requests", None) or []
    if not similar:
        return None
    _, _, failures = similar[0]
    details = []
    for name, message in failures:
        first_line = str(message).splitlines()[0] if str(message) else "differs"
        # Retest's matchers say what differs; vcrpy's built-in ones need their name.
        details.append(first_line if name.startswith("match_") else f"{name}: {first_line}")
    return "closest recorded request: " + "; ".join(details) if details else None


def cassette_miss_from(exc: BaseException, *, method: str, url: str) -> CassetteMissError | None:
    """A CassetteMissError if `exc` was caused by a cassette miss, else None.

    `method` and `url` name the request when vcrpy's own record of it is not
    available. The query is shown scrubbed of credential keys and shortened.
    """
    miss = _find_miss(exc)
    if miss is None:
        return None
    failed = getattr(miss, "failed_request", None)
    if failed is not None:
        method, url = failed.method, failed.uri
    parts = urlsplit(scrub_url(url))
    query = f"?{parts.query}" if parts.query else ""
    if len(query) > _MAX_QUERY_SHOWN:
        query = query[:_MAX_QUERY_SHOWN] + "..."
    site = _sender_of(failed)
    sender = site.describe() if site else "sending node unknown"
    cassette = getattr(miss, "cassette", None)
    path = getattr(cassette, "path", None) or getattr(cassette, "_path", None) or "(unknown cassette)"
    message = f"cassette miss: {method} {parts.hostname}{parts.path}{query} ({sender}) is not in cassette {path}"
    difference = _closest_difference(miss)
    hint = f"{difference}\n{NEXT_STEP}" if difference else NEXT_STEP
    return CassetteMissError(message, hint=hint)
