"""What an eval produces: per-case metrics, totals and the manifest, as one JSON-able report.

The same model is written by `retest eval --json OUT` and read back as a
baseline, so a committed baseline is simply an earlier report.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, Field

# Re-exported: a report's metrics are declared with the metric registry.
from agent.evaluate.metrics import Metrics as Metrics
from agent.evaluate.ratio import Ratio as Ratio


class CaseStatus(StrEnum):
    SCORED = "scored"  # the run finished and was scored (its gates may still have failed)
    CASSETTE_MISS = "cassette_miss"  # replay asked for a request the cassette lacks: not a score
    ERROR = "error"  # the run failed with another error
    SKIPPED = "skipped"  # e.g. a scripted-fault case under --live


class CaseResult(BaseModel):
    name: str
    status: CaseStatus
    metrics: Metrics | None = None
    failures: list[str] = Field(default_factory=list, description="Gates the case broke: ungrounded citations, forbidden IDs, budgets, proposal count.")
    error: str | None = Field(default=None, description="The miss or error message, for a case that could not be scored.")
    exit_code: int | None = None

    @property
    def passed(self) -> bool:
        return self.status in (CaseStatus.SCORED, CaseStatus.SKIPPED) and not self.failures


class SuiteRef(BaseModel):
    path: str
    name: str
    version: int
    sha256: str


class Manifest(BaseModel):
    """What produced an eval: code, packages, models, prompts, inputs and mode."""

    created_at: dt.datetime
    mode: str = Field(description="replay or record (--live).")
    retest_version: str
    git_revision: str | None = None
    git_dirty: bool | None = None
    python: str
    packages: dict[str, str]
    prices_as_of: str | None = None
    suite: SuiteRef
    models: dict[str, dict[str, str]] = Field(description="Case -> role -> model string.")
    prompts: dict[str, str] = Field(description="Prompt name -> sha256 of its file.")
    cassettes: dict[str, str] = Field(description="Case -> sha256 of the cassette replayed or written.")
    lines: dict[str, str] = Field(description="Case -> sha256 of the line file.")


class Delta(BaseModel):
    """One metric of one case (or 'total') against the baseline."""

    case: str
    metric: str
    baseline: float | None
    current: float | None
    regression: bool
    note: str = ""


class EvalReport(BaseModel):
    manifest: Manifest
    cases: list[CaseResult]
    total: Metrics
    tolerance_pct: float | None = None
    baseline: str | None = Field(default=None, description="The baseline file compared against, if any.")
    deltas: list[Delta] = Field(default_factory=list)

    def case(self, name: str) -> CaseResult | None:
        return next((c for c in self.cases if c.name == name), None)
