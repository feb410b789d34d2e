"""Cassette misses as user errors: which request, sent by which node, what to do.

Graph nodes wrap their model and arXiv calls in `agent.callsite.call_context(node, claim)`.
While a cassette is open, vcrpy's stubs raise Retest's CassetteMissError
themselves (`stub_patches`, installed through vcrpy's `custom_patches`), so
whatever the SDK wraps it in, the clients find it in the exception chain with
`agent.errors.find_in_chain` and need not know that recording exists.
`cassette_miss_from` remains for a miss raised as vcrpy's own exception.

Clients must be built with `max_retries=0` (and the arXiv client with
`num_retries=0, delay_seconds=0`) in replay — see `max_retries_for` — or a miss
looks like a network fault and is retried with backoff before it surfaces.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any
from urllib.parse import urlsplit

import vcr.stubs
import vcr.stubs.httpx_stubs
from vcr.errors import CannotOverwriteExistingCassetteException
from vcr.request import Request

from agent.callsite import CallSite, current_call
from agent.errors import CassetteMissError, find_in_chain
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


def replay_miss(*, cassette: Any, failed_request: Request) -> CassetteMissError:
    """Raised by vcrpy's stubs in place of their own miss: Retest's error, caused by vcrpy's.

    vcrpy's exception is still built, for what it knows about the closest recorded requests.
    """
    miss = CannotOverwriteExistingCassetteException(cassette=cassette, failed_request=failed_request)
    error = _miss_error(miss, method=failed_request.method, url=failed_request.uri)
    error.__cause__ = miss
    return error


# The stub modules of the HTTP libraries Retest uses (httpx2 for the SDKs; http.client under
# requests for arXiv). Each raises its miss by calling this name from its own module.
_STUB_MODULES = (vcr.stubs, vcr.stubs.httpx_stubs)


class _Patches(tuple[tuple[object, str, object], ...]):
    """pytest-recording deep-copies vcrpy's options, and a module cannot be copied (nor needs to be)."""

    def __deepcopy__(self, memo: dict[int, Any]) -> _Patches:
        return self


def stub_patches() -> tuple[tuple[object, str, object], ...]:
    """vcrpy `custom_patches`: while a cassette is open, its stubs raise `replay_miss` for a miss."""
    return _Patches((module, CannotOverwriteExistingCassetteException.__name__, replay_miss) for module in _STUB_MODULES)


def cassette_miss_from(exc: BaseException, *, method: str, url: str) -> CassetteMissError | None:
    """A CassetteMissError if `exc` was caused by a cassette miss, else None.

    A miss already raised as a CassetteMissError is given again as a new
    error, so it can be raised from `exc` without making the chain a loop.
    `method` and `url` name the request when vcrpy's own record of it is not
    available. The query is shown scrubbed of credential keys and shortened.
    """
    raised = find_in_chain(exc, CassetteMissError)
    if raised is not None:
        return CassetteMissError(raised.message, hint=raised.hint)
    miss = find_in_chain(exc, CannotOverwriteExistingCassetteException)
    if miss is None:
        return None
    return _miss_error(miss, method=method, url=url)


def _miss_error(miss: CannotOverwriteExistingCassetteException, *, method: str, url: str) -> CassetteMissError:
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
