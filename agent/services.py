"""The composition root: what a run is asked to do, and the services built for it.

Every caller that runs the graph (the CLI, `run --all`, the evals, the
benchmark, cassette authoring, LangGraph's server entry in agent/server.py)
builds its services here, from one `Settings` made by `load_settings`. The
graph receives them through LangGraph's runtime context and imports nothing
from this module. Recording is not a service: the runner wraps the run in a
cassette, at the HTTP transport, around these services.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from agent.config import ROLES, Mode, Settings

if TYPE_CHECKING:
    import httpx2

    from agent.graph.context import RunContext
    from agent.llm.base import ModelClient
    from agent.store import Store


@dataclass(frozen=True)
class RunRequest:
    """What a run was asked to do. `settings` are the effective settings: models, concurrency, windows."""

    mode: Mode = "live"
    cassette: Path | None = None
    run_date: dt.date | None = None
    use_cache: bool = True
    settings: Settings = field(default_factory=Settings)

    @property
    def models(self) -> dict[str, str]:
        """Each role's model string, from the settings (there is no second place they live)."""
        return self.settings.models()

    def on(self, run_date: dt.date) -> RunRequest:
        """The same request, dated."""
        return replace(self, run_date=run_date)


def build_services(request: RunRequest, store: Store | None, *, http_client: httpx2.Client | None = None) -> RunContext:
    """The run's services: one model client per role and the arXiv source, configured from the settings.

    In replay nothing waits: no arXiv spacing and no retry back-off, but the
    retries themselves still happen, so a recorded 503-then-200 replays as such.
    Record and replay bypass the arXiv cache, so a cassette holds (and a replay
    asks for) every request the run makes. `http_client` lets cassette
    authoring answer model calls from a script. Raises ConfigError for a
    missing key before anything is recorded.
    """
    from agent.graph.context import RunContext
    from agent.llm.factory import make_client
    from agent.sources import ArxivSource, RateLimiter
    from agent.sources.ratelimit import set_default_interval

    settings, replay = request.settings, request.mode == "replay"
    models: dict[str, ModelClient] = {role: make_client(settings.model_for(role), settings=settings, replay=replay, http_client=http_client) for role in ROLES}
    hermetic = request.mode in ("record", "replay")
    source = ArxivSource(
        None if hermetic else store,
        # Live and record share the process-wide limiter (every line of `run --all` too), spaced as configured.
        limiter=RateLimiter(0.0) if replay else set_default_interval(settings.arxiv_spacing_s, settings.arxiv_spacing_from),
        api_url=settings.arxiv_api_url,
        ttl=dt.timedelta(hours=settings.cache_ttl_hours),
        use_cache=request.use_cache and not hermetic,
        retry_wait=0.0 if replay else 2.0,
        today=request.run_date,
    )
    return RunContext(models=models, source=source, contradiction_months=settings.contradiction_window_months)
