"""What may reach a cassette: scrubbing hooks for vcrpy.

Headers are kept by allow-list, not removed by deny-list: a header we never
heard of (a new org ID, a new cookie, a new rate-limit counter) is dropped by
default, so a cassette cannot leak it. The deny-lists below document what the
allow-lists exist to keep out; tests check them against written cassettes.

Hook contract (vcrpy): `scrub_request` gets a copy of the request and must never
return None, because vcrpy sends a request whose filter returns None to the
live network. Unwanted *responses* are dropped on the response side instead.
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from vcr.filters import replace_text
from vcr.request import Request

from agent import redact

# Request headers that say what was asked; everything else is transport or identity.
KEEP_REQUEST_HEADERS = frozenset({"accept", "content-type", "anthropic-version", "anthropic-beta", "openai-beta"})

# Response headers the SDKs read: content-encoding stays only when vcrpy could
# not decode the body (then it is still compressed); the retry headers matter
# for hand-written 429/5xx cassettes (live ones are never recorded).
KEEP_RESPONSE_HEADERS = frozenset({"content-type", "content-encoding", "x-should-retry", "retry-after", "retry-after-ms"})

# Documented for readers and tests: never in a cassette.
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-api-key",
        "api-key",
        "cookie",
        "set-cookie",
        "openai-organization",
        "openai-project",
        "anthropic-organization-id",
    }
)
VOLATILE_HEADER_PATTERNS = (
    "date",
    "x-request-id",
    "request-id",
    "cf-ray",
    "x-ratelimit-*",
    "anthropic-ratelimit-*",
    "openai-processing-ms",
    "server-timing",
    "alt-svc",
    "content-length",
    "transfer-encoding",
    "x-stainless-*",
    "user-agent",
)

# Query-string keys that carry credentials on some services: one list, agent.redact's.
SECRET_QUERY_KEYS = redact.SECRET_QUERY_KEYS

# Statuses that describe the moment of recording, not the service's answer:
# rate limits, server faults, timeouts and credential failures. Recording one
# would make every replay fail the way the recording session happened to.
_TRANSIENT_STATUSES = frozenset({401, 403, 407, 408, 429})

# Environment variables whose values are credentials; their values are
# redacted anywhere in an interaction (body, URL, header) before saving.
_SECRET_ENV = re.compile(r"(API_KEY|_TOKEN|_SECRET|_ORG_ID|_ORGANIZATION|_PROJECT_ID)$")
_MIN_SECRET_LEN = 8  # shorter values would redact ordinary words

# Set by `mark_loaded` on interactions read from a cassette file, so the
# status filter leaves hand-written error responses in place for replay.
_LOADED_MARK = "_retest_loaded"


def is_transient_status(code: int) -> bool:
    """True for a status that must never be recorded (429, 5xx, auth failures)."""
    return code >= 500 or code in _TRANSIENT_STATUSES


def _keep_headers(headers: dict[str, Any], keep: frozenset[str]) -> dict[str, Any]:
    return {name: value for name, value in headers.items() if name.lower() in keep}


def scrub_url(uri: str) -> str:
    """The URI without userinfo (`user:password@`) and credential query keys; other URIs unchanged byte for byte.

    Replay matches on the scrubbed form of both sides, so a run whose URL holds
    a password replays from a cassette that never held it.
    """
    uri = redact.strip_url_credentials(uri)
    parts = urlsplit(uri)
    if not parts.query:
        return uri
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(key.lower() in SECRET_QUERY_KEYS for key, _ in pairs):
        return uri  # re-encoding would needlessly rewrite an arXiv query
    kept = [(key, value) for key, value in pairs if key.lower() not in SECRET_QUERY_KEYS]
    return urlunsplit(parts._replace(query=urlencode(kept)))


def scrub_request(request: Request) -> Request:
    """vcrpy before_record_request: allow-listed headers, no credential query keys."""
    request.headers = _keep_headers(dict(request.headers), KEEP_REQUEST_HEADERS)
    request.uri = scrub_url(request.uri)
    return request


def is_dropped(response: dict[str, Any]) -> bool:
    """True for a live response `scrub_response` will not record (a transient failure).

    Responses loaded from a cassette file pass the status filter (a hand-written
    503 is a deliberate test of error handling); live ones do not.
    """
    return not response.get(_LOADED_MARK, False) and is_transient_status(int(response["status"]["code"]))


def scrub_response(response: dict[str, Any]) -> dict[str, Any] | None:
    """vcrpy before_record_response: drop transient failures (see `is_dropped`), keep allow-listed headers."""
    dropped = is_dropped(response)
    response.pop(_LOADED_MARK, None)
    if dropped:
        return None
    response["headers"] = _keep_headers(response.get("headers") or {}, KEEP_RESPONSE_HEADERS)
    return response


def mark_loaded(request: Request, response: dict[str, Any]) -> tuple[Request, dict[str, Any]]:
    """vcrpy after_load_interaction: tag an interaction as read from the cassette file."""
    response[_LOADED_MARK] = True
    return request, response


def is_secret_env_name(name: str) -> bool:
    """True for environment variables that hold credentials (OPENAI_API_KEY, ...)."""
    return bool(_SECRET_ENV.search(name))


def _secret_values() -> list[tuple[str, str]]:
    found = []
    for name, value in os.environ.items():
        if is_secret_env_name(name) and len(value) >= _MIN_SECRET_LEN:
            found.append((name, value))
        # A password inside a URL setting (RETEST_JUDGE=openai-compatible:http://user:PASSWORD@host/v1#m) is one too.
        found += [(f"{name} password", secret) for secret in redact.text_secrets(value) if len(secret) >= _MIN_SECRET_LEN]
    # Longest first, so a key that contains another is replaced whole.
    return sorted(found, key=lambda item: len(item[1]), reverse=True)


def redact_env_secrets(request: Request, response: dict[str, Any]) -> tuple[Request, dict[str, Any]]:
    """vcrpy before_save_interaction: replace credential values from the environment.

    A second line of defence behind the header allow-list: a key echoed in a
    body, an error message or a URL becomes `<NAME>` before it reaches disk.
    """
    for name, value in _secret_values():
        placeholder = f"<{name}>"
        request = Request._from_dict(replace_text(request._to_dict(), value, placeholder))
        response = replace_text(response, value, placeholder)
    return request, response
