"""Recording must not save a cassette in which a request has no answer.

Transient failures (429, 5xx, auth) are dropped so that a replay does not
repeat the moment of recording; connection failures and timeouts never reach
vcrpy at all. Either is sound only when a retry was answered. A request that
got nothing else (arXiv down for one claim, the run going on without it) would
be a cassette miss in every replay of a cassette that looks complete, so the
recording is refused instead, and the previous cassette is kept.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from vcr.cassette import Cassette
from vcr.matchers import requests_match

from agent.errors import ProviderError
from agent.recording import scrub

_MAX_QUERY_SHOWN = 200
_MAX_LISTED = 3

Key = tuple[str, str, bytes]


def _key(request: Any) -> Key:
    return request.method, request.uri, request.body_bytes or b""


@dataclass
class Watch:
    """Every request sent while recording (as vcrpy matches it), and the status of each answer dropped."""

    asked: dict[Key, Any] = field(default_factory=dict)
    dropped: dict[Key, int] = field(default_factory=dict)


def watch(vcr_cassette: Cassette) -> Watch:
    """Note what the recording sends and drops; vcrpy's stubs ask `can_play_response_for` before every request."""
    seen = Watch()
    check, append = vcr_cassette.can_play_response_for, vcr_cassette.append

    @functools.wraps(check)
    def noting_check(request: Any) -> Any:
        filtered = vcr_cassette.filter_request(request)
        seen.asked.setdefault(_key(filtered), filtered)
        return check(request)

    @functools.wraps(append)
    def noting_append(request: Any, response: dict[str, Any]) -> None:
        if scrub.is_dropped(response):
            seen.dropped[_key(vcr_cassette.filter_request(request))] = int(response["status"]["code"])
        append(request, response)

    vcr_cassette.can_play_response_for, vcr_cassette.append = noting_check, noting_append
    return seen


def check_answered(vcr_cassette: Cassette, seen: Watch, path: object) -> None:
    """ProviderError naming the requests the recording holds no answer for; None when every one has one."""
    recorded = vcr_cassette.requests
    exact = {_key(r) for r in recorded}
    unanswered = [
        (key, request) for key, request in seen.asked.items()
        if key not in exact and not any(requests_match(request, kept, vcr_cassette._match_on) for kept in recorded)
    ]  # fmt: skip
    if not unanswered:
        return
    shown = [f"{request.method} {_shown(request.uri)} ({_outcome(seen.dropped.get(key))})" for key, request in unanswered]
    more = f" and {len(shown) - _MAX_LISTED} more" if len(shown) > _MAX_LISTED else ""
    raise ProviderError(
        f"not writing cassette {path}: {len(shown)} request(s) got no answer that can be recorded, "
        f"so every replay would miss them: {'; '.join(shown[:_MAX_LISTED])}{more}",
        hint="Record again when the service answers; the previous cassette, if any, is left as it was.",
    )


def _outcome(status: int | None) -> str:
    return f"HTTP {status}, not recorded" if status is not None else "no response"


def _shown(uri: str) -> str:
    parts = urlsplit(scrub.scrub_url(uri))
    query = f"?{parts.query}" if parts.query else ""
    if len(query) > _MAX_QUERY_SHOWN:
        query = query[:_MAX_QUERY_SHOWN] + "..."
    return f"{parts.hostname}{parts.path}{query}"
