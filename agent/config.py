"""Settings: one object, from CLI flags, the environment, a named preset and defaults.

Precedence, highest first: a CLI flag, a `RETEST_*` environment variable, the
named preset file (`agent/presets/<name>.toml`), the defaults below.

Defaults for the roles: `openai:gpt-5.4-mini` plans queries and screens papers
(many cheap calls), `anthropic:claude-sonnet-4-6` judges claims and writes
proposals (few calls that need care). Not gpt-5-mini / claude-sonnet-4-5: the
installed SDKs list both as deprecated, with shutdown dates of 2026-12-11 and
2026-11-30.

API keys are deliberately not settings (see agent/llm/keys.py): settings are
saved with each run, keys never are.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from agent.errors import ConfigError
from agent.llm.model_string import parse_model_string
from agent.redact import redact_urls, redact_values
from agent.sources.models import ARXIV_API_URL

Role = Literal["planner", "screener", "judge", "writer"]
# How a run reaches the services: for real, for real while recording a cassette, or from a cassette only.
Mode = Literal["live", "record", "replay"]
ROLES: tuple[Role, ...] = ("planner", "screener", "judge", "writer")
ENV_PREFIX = "RETEST_"
Planning = Literal["line", "claim"]
PRESETS_DIR = Path(__file__).parent / "presets"


class Settings(BaseSettings):
    """Everything a run can be configured with (each field also as `RETEST_<FIELD>`)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    planner: str = Field(default="openai:gpt-5.4-mini", description="Model that turns claims into arXiv queries.")
    screener: str = Field(default="openai:gpt-5.4-mini", description="Model that screens each candidate paper.")
    judge: str = Field(default="anthropic:claude-sonnet-4-6", description="Model that gives each claim its verdict.")
    writer: str = Field(default="anthropic:claude-sonnet-4-6", description="Model that drafts proposals and questions.")
    max_concurrent_calls: int = Field(default=4, ge=1, description="Process-wide bound on model calls in flight.")
    max_retries: int = Field(default=2, ge=0, description="SDK retries on 429, 5xx and timeouts (live calls only).")
    model_timeout_s: float = Field(default=300.0, gt=0, description="Seconds before one model request times out.")
    arxiv_spacing_s: float = Field(default=3.0, ge=0, description="Seconds between arXiv requests (arXiv asks for 3).")
    arxiv_spacing_from: Literal["end", "start"] = Field(
        default="end",
        description="Measure the arXiv spacing from the previous request's start (arXiv's stated rate) or its end (conservative); one request at a time either way.",
    )
    arxiv_api_url: str = Field(default=ARXIV_API_URL, description="arXiv API query endpoint; a local stand-in for benchmarks.")
    cache_ttl_hours: float = Field(default=24.0, ge=0, description="How long cached arXiv results are reused.")
    planning: Planning = Field(
        default="line",
        description="How the planner is asked for a run's arXiv queries: line (one call plans every claim, before the claims fan out) "
        "or claim (one call per claim, as runs did before issue 12; the real-local recordings were made so).",
    )
    contradiction_window_months: int = Field(default=6, ge=1, description="How far back the contradiction search looks.")
    # Reasoning effort per role, sent to OpenAI reasoning models (GPT-5 family, o-series) only: their reasoning
    # tokens count against each task's output budget and are billed as output, so the effort is never left to
    # a default the API may change. Many cheap calls plan and screen; the judge and the writer need care.
    planner_reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"] = Field(
        default="low", description="Reasoning effort of the planner's model, if it reasons."
    )
    screener_reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"] = Field(
        default="low", description="Reasoning effort of the screener's model, if it reasons."
    )
    judge_reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"] = Field(
        default="medium", description="Reasoning effort of the judge's model, if it reasons."
    )
    writer_reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"] = Field(
        default="medium", description="Reasoning effort of the writer's model, if it reasons."
    )
    # arXiv politeness (issue 18): who is asking, how long one request may back off when arXiv sheds load, and
    # where the limiter shared by every Retest process on this machine keeps its state. Contact details are
    # not secrets: arXiv's operators ask for them, and runs save them with their other settings.
    contact: str | None = Field(
        default=None,
        pattern=r"^[^\r\n]*$",
        description="Your e-mail address or URL, sent in the User-Agent (retest/VERSION (+CONTACT)) so arXiv can reach you instead of blocking you.",
    )
    arxiv_max_wait_s: float = Field(
        default=600.0, ge=0, description="Most seconds one arXiv request waits in back-offs (429, 503, Retry-After) before it fails."
    )
    arxiv_lock_file: Path | None = Field(
        default=None,
        description="Lock file through which Retest processes on this machine share arXiv's rate limit; default $XDG_CACHE_HOME/retest/arxiv.lock or ~/.cache/retest/arxiv.lock.",
    )

    # Where searches go (issue 11): arXiv's API, the local index (`retest index build`), or both by window.
    source: Literal["arxiv", "local", "auto"] = Field(
        default="auto",
        description="Where a run searches: arxiv (the API), local (the local index, no request to arXiv) or auto (the local index for the part of "
        "a claim's window it covers, arXiv for the days after its last paper and for anchor look-ups; arXiv alone when there is no index). "
        "Replay and record search arXiv unless this is local.",
    )
    index_path: Path | None = Field(
        default=None, description="The local arXiv index directory (`retest index build`); default index/ in the state directory ($RETEST_HOME or ./.retest)."
    )
    # Forward citations (issue 19), opt-in: off, a run asks nothing but arXiv, so every existing cassette replays unchanged.
    citations: bool = Field(
        default=False,
        description="Also screen the papers citing each claim's anchors within its window (Semantic Scholar; OpenAlex too when OPENALEX_API_KEY is set).",
    )

    # Which sources beyond arXiv a run with citations on may ask (issue 19): auto is every one whose key or policy allows it.
    sources: str = Field(
        default="auto",
        pattern=r"^(auto|[a-z]+(,[a-z]+)*)$",
        description="Sources a run may ask, comma-separated from arxiv, semanticscholar, openalex, crossref (arXiv is always asked), "
        "or auto: every one whose key or policy allows it. Naming one beyond arXiv turns citations on.",
    )

    def model_for(self, role: Role) -> str:
        """The model string configured for `role`."""
        return str(getattr(self, role))

    def models(self) -> dict[str, str]:
        """Every role's model string, as a run records and shows them: credentials in a URL redacted (agent.redact)."""
        return {role: redact_urls(self.model_for(role)) for role in ROLES}

    def saved(self) -> dict[str, Any]:
        """The effective settings as JSON values, saved with each run: keys are never settings, and passwords
        in URLs are redacted (a resume takes them from the environment again, see `settings_from_saved`)."""
        return redact_values(self.model_dump(mode="json"))


@dataclass(frozen=True)
class ResolvedModel:
    """A role's model string and where it came from ('flag', 'env', 'preset NAME' or 'default')."""

    model_string: str
    source: str


def available_presets() -> list[str]:
    """Names of the preset files, sorted."""
    return sorted(path.stem for path in PRESETS_DIR.glob("*.toml"))


def read_preset(name: str) -> dict[str, Any]:
    """The settings a named preset sets; ConfigError for an unknown preset or an unknown key in it."""
    path = PRESETS_DIR / f"{name}.toml"
    # Membership, not just existence: a name like "../x" must not reach another file.
    if name not in available_presets():
        raise ConfigError(f"unknown preset {name!r}.", hint=f"Available presets: {', '.join(available_presets()) or '(none)'}.")
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"preset file {path} is not valid TOML: {exc}") from exc
    unknown = sorted(set(values) - set(Settings.model_fields))
    if unknown:
        raise ConfigError(f"preset file {path} sets unknown settings: {', '.join(unknown)}.")
    return values


def load_settings(*, preset: str | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """The effective settings: defaults, then the preset, then the environment, then `overrides` (CLI flags).

    The one path every command takes. `overrides` entries that are None count
    as not given. Raises ConfigError for an unknown preset, a bad value or a
    bad model string, naming where it came from.
    """
    return _load(preset, overrides or {}).settings


def settings_from_saved(values: dict[str, Any]) -> Settings:
    """The settings a run was started with, as saved in its record; the environment of today plays no part.

    Fields added to Settings after the run was saved take their defaults.
    """
    try:
        # model_validate, not Settings(**values): BaseSettings.__init__ would read RETEST_* again.
        return Settings.model_validate(_with_credentials(values))
    except ValidationError as exc:
        raise _config_error(exc, lambda field: "saved with the run") from exc


def _with_credentials(values: dict[str, Any]) -> dict[str, Any]:
    """Saved settings with each redacted URL's credentials back from today's `RETEST_<FIELD>`, when it names the same URL.

    Credentials are never saved, so they come from the environment like keys. A
    value left redacted still replays (cassettes hold no credentials); a live
    client refuses it (agent.llm.factory).
    """
    restored = dict(values)
    for name, saved in values.items():
        today = os.environ.get(f"{ENV_PREFIX}{name.upper()}")
        if isinstance(saved, str) and today and today.strip() != saved and redact_urls(today.strip()) == saved:
            restored[name] = today.strip()
    return restored


def resolve_roles(cli_overrides: dict[str, str | None], preset: str | None) -> dict[Role, ResolvedModel]:
    """Each role's model string and its source, by the settings precedence."""
    return _load(preset, dict(cli_overrides)).roles()


@dataclass(frozen=True)
class _Layers:
    """Which layer set which field, for messages and `retest models`."""

    preset: str | None
    env_fields: frozenset[str]
    preset_fields: frozenset[str]
    flag_fields: frozenset[str]

    def source(self, field: str) -> str:
        if field in self.flag_fields:
            return f"flag --{field.replace('_', '-')}"
        if field in self.env_fields:
            return f"env {ENV_PREFIX}{field.upper()}"
        if field in self.preset_fields:
            return f"preset {self.preset}"
        return "default"


@dataclass(frozen=True)
class _Loaded:
    settings: Settings
    layers: _Layers

    def roles(self) -> dict[Role, ResolvedModel]:
        return {role: ResolvedModel(self.settings.model_for(role), self.layers.source(role)) for role in ROLES}


def _load(preset: str | None, overrides: dict[str, Any]) -> _Loaded:
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        from_env = Settings()
    except ValidationError as exc:
        raise _config_error(exc, lambda field: f"env {ENV_PREFIX}{field.upper()}") from exc
    preset_values = read_preset(preset) if preset else {}
    # Fields the environment set are in model_fields_set; the preset fills only the others.
    env_values = {key: getattr(from_env, key) for key in from_env.model_fields_set}
    layers = _Layers(preset, frozenset(env_values), frozenset(preset_values), frozenset(given))
    try:
        settings = Settings(**{**preset_values, **env_values, **given})
    except ValidationError as exc:
        raise _config_error(exc, layers.source) from exc
    loaded = _Loaded(settings, layers)
    for role, resolved in loaded.roles().items():
        _check_model_string(role, resolved)
    return loaded


def _check_model_string(role: Role, resolved: ResolvedModel) -> None:
    try:
        parse_model_string(resolved.model_string)
    except ConfigError as exc:
        raise ConfigError(f"{role} ({resolved.source}): {exc.message}", hint=exc.hint) from exc


def _config_error(exc: ValidationError, source: Callable[[str], str]) -> ConfigError:
    problems = "; ".join(
        f"{err['loc'][0] if err['loc'] else 'settings'} ({source(str(err['loc'][0]) if err['loc'] else '')}): {err['msg']}"
        for err in exc.errors(include_url=False)
    )
    return ConfigError(f"bad setting: {problems}", hint="See `retest models --help` and agent/config.py for valid values.")
