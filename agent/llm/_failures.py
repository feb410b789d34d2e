"""Turn what the SDKs raise into Retest errors, in one place for all clients.

Retries are not done here: each SDK retries 429, 408, 409, 5xx and connection
errors itself with exponential backoff, honouring `retry-after-ms` and
`Retry-After`, up to the client's `max_retries`. What reaches this module has
already been retried.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol, cast

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
        return _status_failure(failed.status_code, _provider_message(failed, secrets), provider=provider, where=where)
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


_LATER = "The provider is slow or down; try again later, or lower RETEST_MAX_CONCURRENT_CALLS."
_NETWORK = "Check the network connection and, for a local server, that it is running."


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


def _provider_message(exc: _StatusError, secrets: tuple[str, ...]) -> str:
    """The provider's own error message, if the body has one, with anything key-like removed."""
    body = exc.body
    message: object = None
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else inner
    if not isinstance(message, str) or not message.strip():
        return ""
    return f"The provider said: {redact(message.strip(), secrets)[:500]}"
