"""One JSON web-API request (Semantic Scholar, OpenAlex, Crossref): spacing, retries, back-off, errors.

The arXiv transport (transport.py) reads Atom feeds through the `arxiv`
package; these services answer JSON, so they share this small client instead.
Like arXiv's, it retries 429, 5xx, timeouts and connection errors and never a
cassette miss. A 429 without Retry-After (Semantic Scholar's never carries
one, see tests/data/wire) waits `busy_wait`, doubling; a Retry-After is honoured
as given. One request's waits together stay within `max_wait`; `retry_wait=0`
turns every wait off (replay, tests). Every other status is handed back for the
client to read: what a 404 or a 400 means differs per service.

Credentials (a header, a query key) are sent but never named: errors say which
service and what was asked (`what`), never the URL, so no key reaches a message
or a log.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from agent.errors import CassetteMissError, ProviderError
from agent.sources.transport import cassette_miss, retry_after, transient

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_WAIT = 120.0


class Spacer:
    """At most one request per `min_interval` seconds from this process, counted from the previous request's start."""

    def __init__(self, min_interval: float, *, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.min_interval = min_interval
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._last: float | None = None

    def wait_turn(self) -> None:
        with self._lock:
            if self._last is not None:
                wait = self._last + self.min_interval - self._clock()
                if wait > 0:
                    self._sleep(wait)
            self._last = self._clock()

    def pause(self, seconds: float) -> None:
        """Back off (a 429 or 5xx said to): every later request of this source waits too."""
        with self._lock:
            if seconds > 0:
                self._sleep(seconds)


@dataclass(frozen=True)
class ApiResponse:
    """A service's answer: status, the parsed JSON body (None if not JSON), the text, headers by lower-case name."""

    status: int
    body: Any
    text: str
    headers: Mapping[str, str] = field(default_factory=dict)


class _Retryable(Exception):
    def __init__(self, reason: str, *, busy: bool = False, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.busy, self.wait = reason, busy, wait


class JsonApi:
    """Requests to one service (`label`, e.g. 'Semantic Scholar') at `base_url`."""

    def __init__(
        self,
        label: str,
        base_url: str,
        *,
        spacer: Spacer,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        max_retries: int = 4,
        retry_wait: float = 2.0,
        busy_wait: float = 5.0,
        max_wait: float = DEFAULT_MAX_WAIT,
        timeout: float = DEFAULT_TIMEOUT,
        hint: str = "Wait a few minutes and run the command again, or replay a cassette with --replay.",
        session: requests.Session | None = None,
    ) -> None:
        self.label, self.base_url = label, base_url.rstrip("/")
        self.spacer = spacer
        self._headers = dict(headers or {})
        self._params = dict(params or {})
        self.max_retries, self.retry_wait, self.busy_wait, self.max_wait = max_retries, retry_wait, busy_wait, max_wait
        self.timeout, self.hint = timeout, hint
        self._session = session or requests.Session()
        self._count_lock = threading.Lock()
        self.requests_sent = 0
        self.waits: list[float] = []

    def get(self, path: str, params: Mapping[str, str] | None = None, *, what: str) -> ApiResponse:
        return self.request("GET", path, params=params, what=what)

    def post(self, path: str, body: Any, params: Mapping[str, str] | None = None, *, what: str) -> ApiResponse:
        return self.request("POST", path, params=params, body=body, what=what)

    def request(self, method: str, path: str, *, params: Mapping[str, str] | None = None, body: Any = None, what: str) -> ApiResponse:
        """Send with retries; any status but 429/5xx comes back as an ApiResponse. `what` names the request in errors."""
        tries, waited = self.max_retries + 1, 0.0
        for attempt in range(1, tries + 1):
            try:
                return self._attempt(method, path, {**(params or {}), **self._params}, body)
            except CassetteMissError as miss:
                raise CassetteMissError(f"{miss.message} ({self.label} {what})", hint=miss.hint) from miss
            except _Retryable as failure:
                if attempt == tries:
                    raise self._gave_up(what, f"failed after {tries} {'try' if tries == 1 else 'tries'}: {failure.reason}") from failure
                wait = self._backoff(failure, attempt)
                if waited + wait > self.max_wait:
                    raise self._gave_up(what, f"gave up after {failure.reason}: waiting {wait:g} s more would pass the {self.max_wait:g} s limit") from failure
                waited += wait
                self.waits.append(wait)
                self.spacer.pause(wait)
        raise AssertionError("unreachable: the loop returns or raises")

    def _backoff(self, failure: _Retryable, attempt: int) -> float:
        if self.retry_wait <= 0:
            return 0.0
        if failure.wait is not None:
            return failure.wait
        return (self.busy_wait if failure.busy else self.retry_wait) * 2 ** (attempt - 1)

    def _attempt(self, method: str, path: str, params: dict[str, str], body: Any) -> ApiResponse:
        self.spacer.wait_turn()
        with self._count_lock:
            self.requests_sent += 1
        url = f"{self.base_url}{path}"
        try:
            response = self._session.request(method, url, params=params or None, json=body, headers=self._headers, timeout=self.timeout)
            text = response.text
        except Exception as exc:
            raise self._translate(exc) from exc
        status = response.status_code
        if status == 429 or status >= 500:
            raise _Retryable(f"HTTP {status}", busy=status == 429, wait=retry_after(response.headers.get("Retry-After")))
        return ApiResponse(status=status, body=_json(text), text=text, headers={k.lower(): v for k, v in response.headers.items()})

    def _translate(self, exc: Exception) -> Exception:
        miss = cassette_miss(exc)
        if miss is not None:
            return miss
        if (why := transient(exc)) is not None:
            return _Retryable(why)
        if isinstance(exc, requests.RequestException):
            return ProviderError(f"{self.label} request failed ({type(exc).__name__})", hint="Check the network, then retry.")
        return exc

    def _gave_up(self, what: str, why: str) -> ProviderError:
        return ProviderError(f"{self.label} {what} {why}", hint=self.hint)


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def message_of(response: ApiResponse) -> str:
    """What the service said in an error answer: its JSON `error`/`message`, else the text's first line, short."""
    body = response.body
    if isinstance(body, dict):
        for key in ("message", "error"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value[:300]
            if isinstance(value, list) and value and isinstance(value[0], dict):  # Crossref: [{type, value, message}]
                return str(value[0].get("message", value[0]))[:300]
    first = response.text.strip().splitlines()[:1]
    return first[0][:200] if first and not first[0].lstrip().startswith("<") else f"HTTP {response.status}"
