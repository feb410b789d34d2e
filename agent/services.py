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
from typing import TYPE_CHECKING, Any

from agent.config import ROLES, Mode, Settings

if TYPE_CHECKING:
    import httpx2

    from agent.graph.context import CitationService, PaperSource, RunContext
    from agent.graph.since_last import SinceLast
    from agent.index.source import LocalSource
    from agent.llm.base import ModelClient
    from agent.sources import ArxivSource
    from agent.store import Store


@dataclass(frozen=True)
class RunRequest:
    """What a run was asked to do. `settings` are the effective settings: models, concurrency, windows."""

    mode: Mode = "live"
    cassette: Path | None = None
    run_date: dt.date | None = None
    use_cache: bool = True
    settings: Settings = field(default_factory=Settings)
    since_last: SinceLast | None = None
    """With `retest run --since-last`: the plan built from the line's last run (agent.incremental); None re-tests everything."""
    batch: bool = False
    """With `--batch`: model calls go through the providers' batch APIs (agent.llm.batch), and the run waits for their results."""

    @property
    def models(self) -> dict[str, str]:
        """Each role's model string, from the settings (there is no second place they live)."""
        return self.settings.models()

    def on(self, run_date: dt.date) -> RunRequest:
        """The same request, dated."""
        return replace(self, run_date=run_date)


def build_services(request: RunRequest, store: Store | None, *, http_client: httpx2.Client | None = None) -> RunContext:
    """The run's services: one model client per role and the paper source, configured from the settings.

    The paper source is `paper_source`'s: arXiv's API, the local index, or both. `http_client` lets cassette
    authoring answer model calls from a script. Raises ConfigError for a
    missing key before anything is recorded.
    """
    from agent.graph.context import RunContext
    from agent.llm.budget import metered
    from agent.llm.factory import make_client
    from agent.llm.server_modes import share_output_modes

    settings, replay = request.settings, request.mode == "replay"
    models: dict[str, ModelClient] = {
        role: make_client(settings.model_for(role), settings=settings, role=role, replay=replay, http_client=http_client) for role in ROLES
    }
    share_output_modes(models.values())  # what a compatible server refused, it refuses for every role
    models = metered(models)  # every call passes the process's --max-cost budget (agent.llm.budget), when one is set
    source = paper_source(settings, request.mode, store, use_cache=request.use_cache, today=request.run_date)
    citations = citation_service(settings, request.mode) if settings.citations else None
    return RunContext(
        models=models,
        source=source,
        contradiction_months=settings.contradiction_window_months,
        citations=citations,
        since_last=request.since_last,
        planning=settings.planning,
    )


def citation_service(settings: Settings, mode: Mode) -> CitationService:
    """Forward-citation sources for a run with `citations` on: Semantic Scholar always, OpenAlex only with OPENALEX_API_KEY.

    Anchors are checked for retraction on Crossref (never asked for an arXiv DOI) and OpenAlex (with its key).

    Keys come from the environment alone (never the settings, which a run saves). In replay
    nothing waits or backs off, as for arXiv; the cassette holds every answer.
    """
    from agent.graph.context import CitationService
    from agent.sources.crossref import Crossref
    from agent.sources.openalex import openalex_source
    from agent.sources.protocol import CitationSource, SourceSkipped
    from agent.sources.protocol import PaperSource as WorkSource
    from agent.sources.semanticscholar import SemanticScholar
    from agent.sources.webapi import Spacer

    def options() -> dict[str, Any]:
        # A Spacer each: every source keeps its own rate.
        return {"contact": settings.contact, **({"spacer": Spacer(0.0), "retry_wait": 0.0} if mode == "replay" else {})}

    from agent.sources.catalog import chosen, not_chosen

    wanted = chosen(settings.sources)
    sources: list[CitationSource] = []
    checkers: list[WorkSource] = []
    skipped: list[SourceSkipped] = [not_chosen(name) for name in ("semanticscholar", "crossref", "openalex") if name not in wanted]
    if "semanticscholar" in wanted:
        sources.append(SemanticScholar.from_env(**options()))
    if "crossref" in wanted:
        checkers.append(Crossref(**options()))
    openalex = openalex_source(**options()) if "openalex" in wanted else None
    if isinstance(openalex, SourceSkipped):
        skipped.append(openalex)
    elif openalex is not None:
        sources.append(openalex)
        checkers.append(openalex)
    return CitationService(sources=sources, skipped=skipped, checkers=checkers)


def index_path(settings: Settings) -> Path:
    """Where the run's local arXiv index is: `index_path`, else index/ in the state directory."""
    from agent.store import state_dir

    return settings.index_path or state_dir() / "index"


def paper_source(settings: Settings, mode: Mode, store: Store | None, *, use_cache: bool = True, today: dt.date | None = None) -> PaperSource:
    """The run's paper source, by `settings.source` (see Settings.source).

    - `local`: the index alone, in every mode; no index there is an InputError naming `retest index build`.
    - `arxiv`, and record or replay unless `local` (cassettes hold arXiv's traffic): `arxiv_source`.
    - `auto`: a RoutedSource of the index and `arxiv_source` when an index is there, else `arxiv_source`.
    """
    from agent.index.engine import INFO_FILE

    path = index_path(settings)
    if settings.source == "local":
        return local_source(path, today, source="local")
    if settings.source == "arxiv" or mode in ("record", "replay") or not (path / INFO_FILE).is_file():
        return arxiv_source(settings, mode, store, use_cache=use_cache, today=today)
    from agent.index.source import RoutedSource

    return RoutedSource(local_source(path, today, source="auto"), arxiv_source(settings, mode, store, use_cache=use_cache, today=today))


def local_source(path: Path, today: dt.date | None, *, source: str = "local") -> LocalSource:
    """A LocalSource over the index at `path`; InputError naming `retest index build` when there is none."""
    from agent.errors import InputError
    from agent.index.source import LocalSource, shared_index

    try:
        index = shared_index(path)
    except InputError as exc:
        raise InputError(
            f"--source {source} searches the local arXiv index, and {exc.message}",
            hint=f"Build it with `retest index build FILE... --index {path}` (see `retest index build --help`), or run with --source arxiv.",
        ) from exc
    return LocalSource(index, today=today)


def arxiv_source(settings: Settings, mode: Mode, store: Store | None, *, use_cache: bool = True, today: dt.date | None = None) -> ArxivSource:
    """The arXiv source for `mode`, configured from the settings (spacing, endpoint, contact, back-off bound).

    Live and record share the machine-wide limiter (every line of `run --all`
    and every other Retest process too). Record and replay use no cache, so a
    cassette holds, and a replay asks for, every request. In replay nothing
    waits: no spacing and no back-off, but retries still happen, so a recorded
    503-then-200 replays as such.
    """
    from agent.sources import ArxivSource, RateLimiter
    from agent.sources.ratelimit import set_default_interval

    replay, hermetic = mode == "replay", mode in ("record", "replay")
    return ArxivSource(
        None if hermetic else store,
        limiter=RateLimiter(0.0) if replay else set_default_interval(settings.arxiv_spacing_s, settings.arxiv_spacing_from, settings.arxiv_lock_file),
        api_url=settings.arxiv_api_url,
        ttl=dt.timedelta(hours=settings.cache_ttl_hours),
        use_cache=use_cache and not hermetic,
        retry_wait=0.0 if replay else 2.0,
        max_wait=settings.arxiv_max_wait_s,
        contact=settings.contact,
        today=today,
    )
