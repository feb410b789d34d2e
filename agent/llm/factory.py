"""Build the client for a model string."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from agent.errors import ConfigError
from agent.llm.base import ModelClient
from agent.llm.keys import api_key_for
from agent.llm.model_string import parse_model_string
from agent.llm.pool import set_pool_size
from agent.llm.providers import ClientOptions, provider_spec
from agent.redact import has_redacted_credentials, redact_urls

if TYPE_CHECKING:
    import httpx2

    from agent.config import Role, Settings

# Kept in step with agent.config.ROLES, which this layer may not import.
_ROLES = ("planner", "screener", "judge", "writer")
_EFFORT_ORDER = ("none", "minimal", "low", "medium", "high", "xhigh", "max")


def make_client(
    model_string: str,
    *,
    settings: Settings,
    replay: bool = False,
    http_client: httpx2.Client | None = None,
    max_retries: int | None = None,
    clock: Callable[[], float] = time.perf_counter,
    role: Role | None = None,
) -> ModelClient:
    """A ModelClient for `model_string`, configured from `settings`.

    `replay=True` is for runs served from a cassette: the client gets a dummy
    key (so replay needs no secret) and no SDK retries (so a cassette miss
    surfaces at once instead of being retried as a network error). Whoever
    opens the cassette knows its mode and says so here; an open cassette does
    not change a client built without it. Live (and when recording), the key
    is read from the provider's variable now, and a missing one raises
    ConfigError naming it. `max_retries`, when given, overrides both (tests
    that replay a recorded 429 need one retry). Also sizes the process-wide
    pool of model calls.

    `role` picks the reasoning effort the client asks of a model that reasons
    (`<role>_reasoning_effort`); see `reasoning_effort_for` for a client built
    without one.
    """
    spec = parse_model_string(model_string)
    if not replay and spec.base_url and has_redacted_credentials(spec.base_url):
        # A resumed run's saved URL lost its password (credentials are never saved): sending `***` would only fail as a 401.
        variable = f"RETEST_{role.upper()}" if role else "RETEST_<ROLE>"
        raise ConfigError(
            f"{redact_urls(model_string)}: the credentials in this URL were not saved with the run (they never are)",
            hint=f"Set {variable} to the same URL with its credentials, then run the command again.",
        )
    api_key = api_key_for(spec.provider, replay=replay)
    set_pool_size(settings.max_concurrent_calls)
    options: ClientOptions = {
        "api_key": api_key,
        "max_retries": max_retries if max_retries is not None else (0 if replay else settings.max_retries),
        "timeout_s": settings.model_timeout_s,
        "http_client": http_client,
        "clock": clock,
        "reasoning_effort": reasoning_effort_for(model_string, settings, role),
    }
    # The SDKs take seconds to import: only a command that calls a model pays, and only for its provider's SDK.
    return provider_spec(spec.provider).build(spec, options)


def reasoning_effort_for(model_string: str, settings: Settings, role: Role | None = None) -> str | None:
    """The reasoning effort for `role`; without a role, that of the roles configured with `model_string`.

    A run builds one client per role, so the role's own setting is what applies.
    A caller that names no role gets the setting of the roles using this model,
    the highest when they differ, so that no role reasons less than it is set
    to; None when no role uses it.
    """
    if role is not None:
        return str(getattr(settings, f"{role}_reasoning_effort"))
    wanted = {str(getattr(settings, f"{r}_reasoning_effort")) for r in _ROLES if getattr(settings, r) == model_string}
    return max(wanted, key=_EFFORT_ORDER.index) if wanted else None
