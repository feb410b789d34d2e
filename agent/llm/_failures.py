"""Turn what the SDKs raise into Retest errors, in one place for all clients.

Retries are not done here: each SDK retries 429, 408, 409, 5xx and connection
errors itself with exponential backoff, honouring `retry-after-ms` and
`Retry-After`, up to the client's `max_retries`. What reaches this module has
already been retried.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol, cast
from urllib.parse import urlsplit

from agent.errors import CassetteMissError, ProviderError, RetestError, find_in_chain
from agent.llm.keys import redact
from agent.llm.providers import Provider, provider_spec


class _StatusError(Protocol):
    status_code: int
    body: object


def provider_failure(exc: Exception, *, provider: Provider, model: str, task: str, url: str, secrets: tuple[str, ...]) -> RetestError | None:
    """The Retest error for an SDK exception, or None when `exc` is not a provider failure."""
    # In replay the recording room raises a miss from the transport; the SDK may have wrapped it
    # in a connection error, so say what it really is. A new error, because raising the one
    # found from its own wrapper would make the chain a loop.
    miss = find_in_chain(exc, CassetteMissError)
    if miss is not None:
        return CassetteMissError(miss.message, hint=miss.hint)
    where = f"{provider} model {model} (task {task!r})"
    # The SDK is imported by now: this client has just used it.
    errors = provider_spec(provider).sdk_errors()
    if isinstance(exc, errors.status):
        failed = cast(_StatusError, exc)
        detail = _said(provider_text(failed.body), secrets)
        if failed.status_code == 404 and _route_missing(failed, url, provider):
            return ProviderError(f"{where}: HTTP 404 from {url}: {_CHECK_BASE_URL}. {detail}".rstrip(), hint=_BASE_URL_HINT)
        return _status_failure(failed.status_code, detail, provider=provider, where=where)
    # Before connection errors: the SDKs' timeouts are connection errors too.
    if isinstance(exc, errors.timeout):
        return ProviderError(f"{where}: the request to {url} timed out after retries.", hint=_LATER)
    if isinstance(exc, errors.connection):
        return ProviderError(f"{where}: could not connect to {url} after retries.", hint=_NETWORK)
    return None


@contextmanager
def provider_errors(*, provider: Provider, model: str, task: str, url: str, secrets: tuple[str, ...]) -> Iterator[None]:
    """Run an SDK call, raising the Retest error for whatever provider failure escapes it."""
    try:
        yield
    except CassetteMissError:
        raise  # the SDK let the recording room's miss through as it was
    except Exception as exc:
        failure = provider_failure(exc, provider=provider, model=model, task=task, url=url, secrets=secrets)
        if failure is None:
            raise
        raise failure from exc


def error_instead_of_answer(error: object, *, provider: Provider, model: str, task: str, url: str, secrets: tuple[str, ...]) -> ProviderError:
    """The error for an HTTP 200 whose body is an error, not an answer: LM Studio answers an unknown route so."""
    where = f"{provider} model {model} (task {task!r})"
    detail = _said(provider_text({"error": error}), secrets)
    base_url = f" {_CHECK_BASE_URL}." if provider_spec(provider).needs_base_url and not _under_v1(url) else ""
    return ProviderError(
        f"{where}: {url} answered with an error instead of a completion.{base_url} {detail}".rstrip(), hint=_BASE_URL_HINT if base_url else None
    )


def provider_text(body: object) -> str:
    """The provider's own words in an SDK error body, on one line; '' when it has none.

    The SDKs hand over the body's `error` member when there is one, so the words
    may arrive as a dict with a message (OpenAI, Ollama), as a bare string
    (LM Studio's `{"error": "..."}`) or as the raw text of a body that is not
    JSON at all (Go's `404 page not found`).
    """
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            # `detail`: FastAPI-based servers (vLLM among them) answer an unknown route with {"detail": "Not Found"}.
            inner = inner.get("message") or inner.get("detail")
        body = inner
    return " ".join(body.split()) if isinstance(body, str) else ""


_LATER = "The provider is slow or down; try again later, or lower RETEST_MAX_CONCURRENT_CALLS."
_NETWORK = "Check the network connection and, for a local server, that it is running."
_CHECK_BASE_URL = "nothing there serves Chat Completions; check the base URL (usually ends in /v1)"
_BASE_URL_HINT = "Put the server's OpenAI-compatible base URL in the model string, e.g. openai-compatible:http://127.0.0.1:11434/v1#MODEL."


def _under_v1(url: str) -> bool:
    return "/v1/" in urlsplit(url).path


def _route_missing(exc: _StatusError, url: str, provider: Provider) -> bool:
    """Whether a 404 says the address serves nothing (a wrong base URL), not that the model is unknown.

    Ollama, LM Studio and vLLM all serve under /v1, and answer an unknown model
    in JSON; an unknown route gets plain text (`404 page not found`) or an
    error from a path outside /v1.
    """
    if not provider_spec(provider).needs_base_url:
        return False
    if not _under_v1(url):
        return True
    response = getattr(exc, "response", None)
    text = getattr(response, "text", None)
    if not isinstance(text, str):
        return False
    try:
        json.loads(text)
    except ValueError:
        return True
    return False


def _status_failure(status: int, detail: str, *, provider: Provider, where: str) -> ProviderError:
    variable = provider_spec(provider).key_variable
    key = f"the key in {variable}" if variable else "the key"
    if status == 401:
        # The provider's text would quote the (masked) key: say which variable instead.
        return ProviderError(f"{where}: HTTP 401, {key} was rejected.", hint=f"Check {variable or 'the server settings'}.")
    if status == 403:
        return ProviderError(f"{where}: HTTP 403, {key} may not use this model. {detail}".rstrip())
    if status == 404:
        return ProviderError(
            f"{where}: HTTP 404, the provider does not know this model. {detail}".rstrip(),
            hint="Check the model string (retest models shows what each role uses).",
        )
    if status == 429:
        return ProviderError(f"{where}: HTTP 429, rate limited after retries. {detail}".rstrip(), hint=_LATER)
    if status >= 500:
        return ProviderError(f"{where}: HTTP {status}, the provider failed after retries. {detail}".rstrip(), hint=_LATER)
    return ProviderError(f"{where}: HTTP {status}. {detail}".rstrip())


def _said(text: str, secrets: tuple[str, ...]) -> str:
    """The provider's own words for a message, with anything key-like removed."""
    return f"The provider said: {redact(text, secrets)[:500]}" if text else ""
