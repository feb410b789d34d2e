"""One arXiv request: rate limit, timeout, retries and error translation.

The `arxiv` package's client is used for its URL format, HTTP session and Atom
parser only. Its own delay and retries are switched off (delay_seconds=0,
num_retries=0) so that this module is the only limiter and the only retry
policy: retries on 429, 5xx, timeouts, connection errors and unreadable feeds,
with exponential backoff; never on 400 (the caller decides what a 400 means)
nor on a cassette miss (a replay that misses must fail at once and loudly).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import arxiv
import requests

from agent.errors import CassetteMissError, ProviderError, find_in_chain
from agent.sources.query import ARXIV_API_URL, request_url
from agent.sources.ratelimit import RateLimiter

DEFAULT_TIMEOUT = 30.0


class BadRequest(Exception):
    """arXiv answered 400: a malformed ID or query. Never retried."""

    def __init__(self, url: str) -> None:
        super().__init__(f"arXiv answered HTTP 400 for {url}")
        self.url = url


class _Retryable(Exception):
    """An attempt failed in a way a later attempt may not."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _TimeoutSession(requests.Session):
    """requests.Session with a default timeout: the arxiv package sets none, and a hung socket must end."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        return super().request(*args, **kwargs)


class ArxivTransport:
    """Sends arXiv requests through a shared RateLimiter and one retry policy."""

    def __init__(
        self,
        limiter: RateLimiter,
        *,
        max_retries: int = 3,
        retry_wait: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = DEFAULT_TIMEOUT,
        api_url: str = ARXIV_API_URL,
    ) -> None:
        self.limiter = limiter
        self.api_url = api_url
        self.max_retries = max_retries
        self.retry_wait = retry_wait
        self._sleep = sleep
        self._client = arxiv.Client(delay_seconds=0.0, num_retries=0)
        # The package exposes no timeout option; its session is the only place to set one.
        self._client._session = _TimeoutSession(timeout)
        self._count_lock = threading.Lock()
        self.requests_sent = 0

    def fetch(self, search: arxiv.Search, *, page_size: int, what: str) -> Any:
        """Fetch the first page of `search` (an arxiv ParsedFeed); `what` names it in errors."""
        url = request_url(search, page_size, self.api_url)
        tries = self.max_retries + 1
        for attempt in range(1, tries + 1):
            try:
                return self._attempt(url)
            except CassetteMissError as miss:
                # The recording room shows host and path only; the IDs or query are what tell misses apart.
                raise CassetteMissError(f"{miss.message} (arXiv {what})", hint=miss.hint) from miss
            except _Retryable as failure:
                if attempt == tries:
                    raise ProviderError(
                        f"arXiv {what} failed after {tries} {'try' if tries == 1 else 'tries'}: {failure.reason}",
                        hint="arXiv may be down or rate limiting. Wait a few minutes and run the command again, or replay a cassette with --replay.",
                    ) from failure
                # Backoff doubles each time: 2 s, 4 s, 8 s by default (0 in replay).
                self._sleep(self.retry_wait * 2 ** (attempt - 1))
        raise AssertionError("unreachable: the loop returns or raises")

    def _attempt(self, url: str) -> Any:
        with self.limiter.slot():
            with self._count_lock:
                self.requests_sent += 1
            try:
                feed = self._client._parse_feed(url, first_page=True)
            except Exception as exc:
                translated = _translate(exc, url)
                if translated is exc:
                    raise
                raise translated from exc
        if feed.malformed:
            raise _Retryable(f"unreadable response ({feed.error})")
        if feed.header.items_per_page == 0:
            # Well-formed but not arXiv's Atom feed (every answer, even an empty one, states its page
            # size): a proxy's or portal's page. Read as "no results", it would flag every anchor
            # missing and be cached as such.
            raise _Retryable("unreadable response (not an arXiv API feed)")
        return feed


def _translate(exc: Exception, url: str) -> Exception:
    """Map an attempt's exception to BadRequest, _Retryable, CassetteMissError or ProviderError.

    Anything unforeseen is returned unchanged and re-raised as it is.
    """
    miss = cassette_miss(exc)
    if miss is not None:
        return miss
    if isinstance(exc, arxiv.HTTPError):
        if exc.status == 400:
            return BadRequest(url)
        if exc.status == 429 or exc.status >= 500:
            return _Retryable(f"HTTP {exc.status}")
        return ProviderError(
            f"arXiv answered HTTP {exc.status} for {url}",
            hint="This is not a status arXiv normally sends; check network proxies, then retry.",
        )
    if isinstance(exc, requests.Timeout):
        return _Retryable("timed out")
    if isinstance(exc, requests.ConnectionError):
        return _Retryable(f"connection failed ({type(exc).__name__})")
    if isinstance(exc, requests.RequestException):
        return ProviderError(f"arXiv request {url} failed: {exc}", hint="Check the network, then retry.")
    return exc


def cassette_miss(exc: BaseException) -> CassetteMissError | None:
    """The CassetteMissError anywhere in `exc`'s chain (the recording room raises it in replay), else None.

    One found below `exc` is given as a new error, so that raising it from `exc` makes no loop in the chain.
    """
    miss = find_in_chain(exc, CassetteMissError)
    if miss is None or miss is exc:
        return miss
    return CassetteMissError(miss.message, hint=miss.hint)
