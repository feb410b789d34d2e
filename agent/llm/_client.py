"""What every SDK-backed client shares: construction, repr, the guarded HTTP call and pricing."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

from agent.llm._failures import provider_errors
from agent.llm.base import Usage
from agent.llm.pool import model_call_slot
from agent.llm.prices import estimate_cost
from agent.llm.providers import Provider
from agent.redact import redact_urls, url_secrets

if TYPE_CHECKING:
    import httpx2

DEFAULT_TIMEOUT_S = 300.0

SdkT = TypeVar("SdkT")


class SdkClient(ABC, Generic[SdkT]):
    """Base of the clients: a subclass names its provider and default base URL and builds its SDK in `_connect`."""

    provider: ClassVar[Provider]
    default_base_url: ClassVar[str]

    def __init__(
        self,
        model: str,
        *,
        api_key: str,
        base_url: str | None = None,
        max_retries: int = 2,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        http_client: httpx2.Client | None = None,
        clock: Callable[[], float] = time.perf_counter,
        reasoning_effort: str | None = None,
    ) -> None:
        """`api_key` is used for requests only; it is never shown in a repr, log or error.

        `reasoning_effort` is what this client asks of a model that reasons
        (clients whose provider takes no such parameter ignore it).
        """
        self.model = model
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        # Shown in errors, usage records and progress: a password in the base URL never is.
        self.model_string = redact_urls(self._model_string())
        self.reasoning_effort = reasoning_effort
        self._secrets = (api_key, *url_secrets(self.base_url))
        self._clock = clock
        self._sdk: SdkT = self._connect(api_key=api_key, max_retries=max_retries, timeout_s=timeout_s, http_client=http_client)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.model_string!r})"

    @abstractmethod
    def _connect(self, *, api_key: str, max_retries: int, timeout_s: float, http_client: httpx2.Client | None) -> SdkT:
        """The SDK's client, with the key, base URL, retries and timeout given explicitly."""

    def _model_string(self) -> str:
        return f"{self.provider}:{self.model}"

    @contextmanager
    def _http_call(self, task: str, url: str) -> Iterator[None]:
        """One request: a slot in the process-wide pool, and the provider's failures raised as Retest errors."""
        with provider_errors(provider=self.provider, model=self.model, task=task, url=redact_urls(url), secrets=self._secrets), model_call_slot():
            yield

    def _priced(self, usage: Usage, *, tokens_known: bool = True, batch: bool = False) -> Usage:
        """`usage` with its estimated cost (at the batch discount when a batch answered); unknown tokens make the cost unknown (never 0)."""
        return usage.model_copy(update={"cost_usd": estimate_cost(usage.model, usage, batch=batch) if tokens_known else None})
