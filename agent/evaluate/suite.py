"""Eval suites: versioned YAML files (evals/suites/<name>_v<N>.yaml) and their schema.

A suite lists cases. Each case names a line file, a cassette, how to run it
and what the run must show: acceptable verdicts per claim, papers that must be
found (with their stance), anchors that must verify or be flagged (and how),
IDs that must never appear, the number of proposals, and budgets. The JSON
schema of this file format is exported to evals/suites/suite.schema.json
(`python -m agent.evaluate` rewrites it).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from agent.config import Role, Settings
from agent.errors import InputError
from agent.graph.claim_dates import DateFit
from agent.graph.records import FitKind, Stance, VerdictKind
from agent.graph.task_answers import Output
from agent.line.arxiv_id import is_arxiv_id
from agent.line.read import load_line

SUITE_FILE = re.compile(r"^(?P<name>[a-z0-9][a-z0-9-]*)_v(?P<version>[1-9]\d*)\.ya?ml$")
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "evals" / "suites" / "suite.schema.json"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RunOptions(_Spec):
    """How a case is run; anything left out comes from the suite, then from Retest's defaults."""

    models: dict[Role, str] | None = Field(default=None, description="Role -> model string. A replay must use the models the cassette was recorded with.")
    run_date: dt.date | None = Field(default=None, description="The date the run re-tests against; default: the cassette's (replay) or today (live).")
    settings: dict[str, Any] = Field(default_factory=dict, description="Settings overrides, e.g. {contradiction_window_months: 6}.")

    @field_validator("settings")
    @classmethod
    def _known_settings(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(value) - set(Settings.model_fields))
        if unknown:
            raise ValueError(f"unknown settings {', '.join(unknown)}; known: {', '.join(sorted(Settings.model_fields))}")
        return value


class MustFind(_Spec):
    """A paper the claim's search and screening must turn up, with a stance the screener may give it."""

    arxiv_id: str
    stances: list[Stance] = Field(min_length=1, description="Acceptable stances; the first is the expected one.")

    @field_validator("arxiv_id")
    @classmethod
    def _arxiv_shaped(cls, value: str) -> str:
        if not is_arxiv_id(value):
            raise ValueError(f"{value!r} is not an arXiv ID (e.g. 2501.16946)")
        return value


class ClaimExpect(_Spec):
    verdicts: list[VerdictKind] = Field(default_factory=list, description="Acceptable verdicts; empty = not scored.")
    must_find: list[MustFind] = Field(default_factory=list)
    explains: list[str] = Field(
        default_factory=list,
        description="Text the verdict's rationale must contain (e.g. the window searched, or 'arXiv search failed').",
    )


class AnchorOutcome(StrEnum):
    VERIFIED = "verified"  # found, title and date as cited, no proposal touches it
    FLAGGED_MISSING = "flagged_missing"  # arXiv has no such paper; a flag proposal
    FLAGGED_MALFORMED = "flagged_malformed"  # arXiv rejects the ID; a flag proposal
    FLAGGED_TITLE = "flagged_title"  # title differs from the cited one; a replace_anchor proposal
    FLAGGED_DATE = "flagged_date"  # first submitted in another period; a replace_anchor proposal


class FitExpect(_Spec):
    """How the run should read one anchor (issue 12): the claim it is linked to, and how far its abstract carries it."""

    claim: str = Field(pattern=r"^C\d+$", description="The claim the anchor is cited for (C1, C2, ...).")
    fit: FitKind = Field(description="backs, backs_part, does_not_back, something_else or cannot_tell.")
    by: str | None = Field(default=None, description="The link's basis: 'model', 'word overlap' or 'curator' (the line's own link); None: any.")
    replaced_by: str | None = Field(
        default=None, description="The arXiv ID of the run's paper a replace_anchor proposal offers instead of this anchor; None: not checked."
    )


class ProposalRange(_Spec):
    min: int = Field(default=0, ge=0)
    max: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> ProposalRange:
        if self.max is not None and self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min})")
        return self


class Budgets(_Spec):
    """Upper bounds for one run; a run above any of them fails the case."""

    model_calls: int | None = Field(default=None, ge=0)
    tokens: int | None = Field(default=None, ge=0, description="Tokens in plus tokens out.")
    price_usd: float | None = Field(default=None, ge=0)
    arxiv_requests: int | None = Field(default=None, ge=0)


class Expectations(_Spec):
    claims: dict[str, ClaimExpect] = Field(default_factory=dict, description="By claim ID (C1, C2, ...).")
    anchors: dict[str, AnchorOutcome] = Field(default_factory=dict, description="By anchor ID (A1, A2, ...).")
    fits: dict[str, FitExpect] = Field(default_factory=dict, description="By anchor ID: its link and fit (read_anchors).")
    dates: dict[str, DateFit] = Field(default_factory=dict, description="By claim ID: what its date check finds (consistent, after_anchors, ...).")
    tasks: dict[int, Output] = Field(
        default_factory=dict, description="By task number: the output the report ties it to (verdicts, contradictions, questions, or none: not addressed)."
    )
    never_cite: list[str] = Field(default_factory=list, description="IDs that must appear nowhere in proposals, verdicts, questions or contradictions.")
    must_drop: list[str] = Field(default_factory=list, description="IDs a model cites without retrieval that the run must drop or remove.")
    proposals: ProposalRange = Field(default_factory=ProposalRange)
    budgets: Budgets = Field(default_factory=Budgets)
    guarantees: bool = Field(
        default=False,
        description=(
            "Gate on what Retest promises whatever the model answers, never on what it concluded: the run reaches review; "
            "every kept quote is in its abstract and every dropped one counted; a claim left without relevant evidence is "
            "unresolved and says why; a line-level step left empty says why; nothing half-written. For cassettes of weak real models."
        ),
    )


class Case(_Spec):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Unique in the suite; names the re-recorded cassette.")
    description: str = ""
    line: Path = Field(description="The line file, relative to the suite's base_dir.")
    cassette: Path = Field(description="The cassette replayed, relative to the suite's base_dir.")
    live: bool = Field(default=True, description="False for scripted faults (503s, injected abstracts) that real services cannot reproduce; --live skips them.")
    options: RunOptions = Field(default_factory=RunOptions)
    expect: Expectations = Field(default_factory=Expectations)


class Suite(_Spec):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: int = Field(ge=1)
    description: str = ""
    base_dir: Path = Field(default=Path("."), description="Directory case paths are relative to, itself relative to the suite file.")
    models: dict[Role, str] | None = Field(default=None, description="Models for every case that names none.")
    cases: list[Case] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _drop_extensions(cls, data: Any) -> Any:
        # Top-level `x-...` keys hold shared YAML anchors (&name) for the cases; they are not settings.
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith("x-"))}
        return data

    @model_validator(mode="after")
    def _unique_names(self) -> Suite:
        names = [c.name for c in self.cases]
        twice = [name for name in names if names.count(name) > 1]
        if twice:
            raise ValueError(f"case names must be unique; repeated: {', '.join(sorted(set(twice)))}")
        return self


class LoadedSuite(BaseModel):
    """A validated suite with its file, for resolving case paths."""

    model_config = ConfigDict(frozen=True)

    suite: Suite
    path: Path

    @property
    def root(self) -> Path:
        return (self.path.parent / self.suite.base_dir).resolve()

    def resolve(self, relative: Path) -> Path:
        return relative if relative.is_absolute() else self.root / relative


def _problems(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors(include_url=False):
        where = ".".join(str(part) for part in err["loc"]) or "(top level)"
        lines.append(f"  {where}: {err['msg']}")
    return "\n".join(lines)


def load_suite(path: Path, *, need_cassettes: bool = True) -> LoadedSuite:
    """Read and validate a suite file; InputError (exit 2) naming every problem.

    `need_cassettes=False` for a live eval, which writes the cassettes.
    """
    match = SUITE_FILE.match(path.name)
    if not match:
        raise InputError(f"{path}: a suite file is named <name>_v<N>.yaml, e.g. starter_v1.yaml")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"suite {path} not found", hint="Suites live in evals/suites/, e.g. evals/suites/starter_v1.yaml.") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"suite {path} cannot be read: {exc}") from exc
    try:
        suite = Suite.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"suite {path} is not valid:\n{_problems(exc)}", hint=f"The schema is {SCHEMA_PATH.name} beside the suites.") from None
    if (suite.name, suite.version) != (match["name"], int(match["version"])):
        raise InputError(f"suite {path} says name {suite.name!r} version {suite.version}, but its file name says {match['name']!r} version {match['version']}")
    loaded = LoadedSuite(suite=suite, path=path.resolve())
    check_cases(loaded, need_cassettes=need_cassettes)
    return loaded


def check_cases(loaded: LoadedSuite, *, need_cassettes: bool = True) -> None:
    """Every case's files exist and its expectations name claims and anchors its line has."""
    problems: list[str] = []
    for case in loaded.suite.cases:
        line_path = loaded.resolve(case.line)
        if not line_path.is_file():
            problems.append(f"case {case.name}: line {case.line} not found under {loaded.root}")
            continue
        if need_cassettes and not loaded.resolve(case.cassette).is_file():
            problems.append(f"case {case.name}: cassette {case.cassette} not found under {loaded.root}")
        line = load_line(line_path).line
        claims = {c.id for c in line.prompt.claims}
        anchors = {a.id for a in line.prompt.anchors}
        for claim_id in sorted(set(case.expect.claims) - claims):
            problems.append(f"case {case.name}: expectation for claim {claim_id}, but {case.line} has only {', '.join(sorted(claims)) or 'no claims'}")
        for anchor_id in sorted(set(case.expect.anchors) - anchors):
            problems.append(f"case {case.name}: expectation for anchor {anchor_id}, but {case.line} has only {', '.join(sorted(anchors)) or 'no anchors'}")
    if problems:
        raise InputError(f"suite {loaded.path} is not valid:\n" + "\n".join(f"  {p}" for p in problems))


def suite_schema() -> dict[str, Any]:
    """The JSON schema of a suite file."""
    schema = Suite.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["patternProperties"] = {"^x-": {"description": "Ignored: a place for shared YAML anchors."}}
    schema["title"] = "Retest eval suite"
    return schema


def write_schema(path: Path = SCHEMA_PATH) -> Path:
    """Write the suite JSON schema (evals/suites/suite.schema.json by default)."""
    path.write_text(json.dumps(suite_schema(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path
