"""One arXiv request: rate limit, User-Agent, timeout, retries, back-off and error translation.

URLs come from the `arxiv` package's URL format (agent.sources.query) and
answers are read by its Atom parser, but the request is Retest's own
(requests), because the package's HTTPError keeps only the status: a 429's or
503's Retry-After and a 400's message are in the response, which it drops.

This module is the only retry policy. It retries 429, 5xx, timeouts,
connection errors and unreadable feeds; never a 400 (the caller decides what
a 400 means) nor a cassette miss (a replay that misses must fail at once and
loudly). A 429 or 503 means arXiv is shedding load: wait what its Retry-After
says, else a minute, doubling; other failures wait `retry_wait`, doubling. The
waits go through the limiter (`hold_off`), so every process on the machine
waits too, and one request's waits together stay within `max_wait`.
`retry_wait=0` turns every wait off, Retry-After included (replay).
"""

from __future__ import annotations

import datetime as dt
import threading
from email.utils import parsedate_to_datetime
from typing import Any

import arxiv
import requests
from arxiv import _feed
from lxml import etree

from agent._version import VERSION
from agent.errors import CassetteMissError, ProviderError, find_in_chain
from agent.sources.query import ARXIV_API_URL, request_url
from agent.sources.ratelimit import RateLimiter

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_WAIT = 600.0
BUSY_WAIT = 60.0  # 429/503 without Retry-After: arXiv's own clients are asked to back off on this scale
_BUSY = frozenset({429, 503})
_ATOM = "{http://www.w3.org/2005/Atom}"


def user_agent(contact: str | None = None) -> str:
    """`retest/VERSION (+CONTACT)`, or `retest/VERSION` without a contact: who is asking, for arXiv's operators."""
    contact = " ".join((contact or "").split())
    return f"retest/{VERSION} (+{contact})" if contact else f"retest/{VERSION}"


class BadRequest(Exception):
    """arXiv answered 400: a malformed ID or query. Never retried. `reason` is arXiv's own message."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"arXiv answered HTTP 400 for {url}: {reason}")
        self.url = url
        self.reason = reason


class _Retryable(Exception):
    """An attempt failed in a way a later attempt may not."""

    def __init__(self, reason: str, *, busy: bool = False, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.busy = busy
        self.retry_after = retry_after


class ArxivTransport:
    """Sends arXiv requests through a shared RateLimiter and one retry policy."""

    def __init__(
        self,
        limiter: RateLimiter,
        *,
        max_retries: int = 3,
        retry_wait: float = 2.0,
        busy_wait: float = BUSY_WAIT,
        max_wait: float = DEFAULT_MAX_WAIT,
        timeout: float = DEFAULT_TIMEOUT,
        api_url: str = ARXIV_API_URL,
        contact: str | None = None,
    ) -> None:
        self.limiter = limiter
        self.api_url = api_url
        self.max_retries = max_retries
        self.retry_wait = retry_wait
        self.busy_wait = busy_wait
        self.max_wait = max_wait
        self.timeout = timeout
        self.user_agent = user_agent(contact)
        self._session = requests.Session()
        self._count_lock = threading.Lock()
        self.requests_sent = 0

    def fetch(self, search: arxiv.Search, *, page_size: int, what: str) -> Any:
        """Fetch the first page of `search` (an arxiv ParsedFeed); `what` names it in errors."""
        url = request_url(search, page_size, self.api_url)
        tries, waited = self.max_retries + 1, 0.0
        for attempt in range(1, tries + 1):
            try:
                return self._attempt(url)
            except CassetteMissError as miss:
                # The recording room shows host and path only; the IDs or query are what tell misses apart.
                raise CassetteMissError(f"{miss.message} (arXiv {what})", hint=miss.hint) from miss
            except _Retryable as failure:
                if attempt == tries:
                    raise _gave_up(what, f"failed after {tries} {'try' if tries == 1 else 'tries'}: {failure.reason}") from failure
                wait, reason = self._backoff(failure, attempt)
                if waited + wait > self.max_wait:
                    raise _gave_up(
                        what, f"gave up after {failure.reason}: {reason}, beyond the {self.max_wait:g} s a request may wait (arxiv_max_wait_s)"
                    ) from failure
                waited += wait
                self.limiter.hold_off(wait, reason)
        raise AssertionError("unreachable: the loop returns or raises")

    def _backoff(self, failure: _Retryable, attempt: int) -> tuple[float, str]:
        """Seconds to wait before the next attempt, and why, as the progress display says it."""
        if self.retry_wait <= 0:
            return 0.0, ""
        if failure.retry_after is not None:
            return failure.retry_after, f"arXiv asked to wait {failure.retry_after:g} s ({failure.reason})"
        wait = (self.busy_wait if failure.busy else self.retry_wait) * 2 ** (attempt - 1)
        return wait, f"arXiv answered {failure.reason}; backing off {wait:g} s"

    def _attempt(self, url: str) -> Any:
        with self.limiter.slot():
            with self._count_lock:
                self.requests_sent += 1
            try:
                response = self._session.get(url, headers={"User-Agent": self.user_agent}, timeout=self.timeout)
                # Read the body inside the slot: the next request's spacing counts from the response's end.
                content = response.content
            except Exception as exc:
                translated = _translate(exc, url)
                if translated is exc:
                    raise
                raise translated from exc
        _check_status(response, content, url)
        feed = _feed.parse(content)
        if feed.malformed:
            raise _Retryable(f"unreadable response ({feed.error})")
        if feed.header.items_per_page == 0:
            # Well-formed but not arXiv's Atom feed (every answer, even an empty one, states its page
            # size): a proxy's or portal's page. Read as "no results", it would flag every anchor
            # missing and be cached as such.
            raise _Retryable("unreadable response (not an arXiv API feed)")
        return feed


def _gave_up(what: str, why: str) -> ProviderError:
    return ProviderError(
        f"arXiv {what} {why}",
        hint="arXiv may be down or rate limiting. Wait a few minutes and run the command again, or replay a cassette with --replay.",
    )


def _check_status(response: requests.Response, content: bytes, url: str) -> None:
    status = response.status_code
    if status == 200:
        return
    if status == 400:
        raise BadRequest(url, arxiv_message(content) or "HTTP 400")
    if status in _BUSY or status >= 500:
        raise _Retryable(f"HTTP {status}", busy=status in _BUSY, retry_after=retry_after(response.headers.get("Retry-After")))
    raise ProviderError(
        f"arXiv answered HTTP {status} for {url}",
        hint="This is not a status arXiv normally sends; check network proxies, then retry.",
    )


def arxiv_message(content: bytes) -> str | None:
    """What arXiv said in an error answer: its Atom error entry's summary, else the first line of a text body."""
    try:
        root = etree.fromstring(content, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        lines = content.decode("utf-8", errors="replace").strip().splitlines()
        # An HTML error page says nothing a person running Retest can use.
        return lines[0].strip()[:200] if lines and not lines[0].lstrip().startswith("<") else None
    summary = " ".join((root.findtext(f"{_ATOM}entry/{_ATOM}summary") or "").split())
    return summary or None


def retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


def transient(exc: BaseException) -> str | None:
    """Why a failed `requests` call is worth another try (a timeout, a lost connection), or None when it is not."""
    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, requests.ConnectionError):
        return f"connection failed ({type(exc).__name__})"
    return None


def _translate(exc: Exception, url: str) -> Exception:
    """Map a failed request to _Retryable, CassetteMissError or ProviderError; anything unforeseen is returned unchanged."""
    miss = cassette_miss(exc)
    if miss is not None:
        return miss
    if (why := transient(exc)) is not None:
        return _Retryable(why)
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
