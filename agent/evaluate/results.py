"""What an eval produces: per-case metrics, totals and the manifest, as one JSON-able report.

The same model is written by `retest eval --json OUT` and read back as a
baseline, so a committed baseline is simply an earlier report.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, Field, computed_field


class Ratio(BaseModel):
    """hits out of total, with a reason for every miss; value None when nothing was scored."""

    hits: int = 0
    total: int = 0
    misses: list[str] = Field(default_factory=list)
    missed: list[str] = Field(default_factory=list, description="What each miss is about (claim, 'claim paper' or anchor), to compare runs item by item.")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def value(self) -> float | None:
        return self.hits / self.total if self.total else None

    def hit(self) -> None:
        self.hits += 1
        self.total += 1

    def miss(self, reason: str, about: str) -> None:
        self.total += 1
        self.misses.append(reason)
        self.missed.append(about)

    def __add__(self, other: Ratio) -> Ratio:
        return Ratio(hits=self.hits + other.hits, total=self.total + other.total, misses=self.misses + other.misses, missed=self.missed + other.missed)


class Metrics(BaseModel):
    """Scores and costs of one case, or summed over cases."""

    verdicts: Ratio = Field(default_factory=Ratio, description="Claims whose verdict is acceptable (and explained as required).")
    must_find: Ratio = Field(default_factory=Ratio, description="Must-find papers screened for their claim (recall).")
    stance: Ratio = Field(default_factory=Ratio, description="Found must-find papers given an acceptable stance.")
    anchors: Ratio = Field(default_factory=Ratio, description="Anchors verified or flagged as expected.")
    ungrounded: list[str] = Field(default_factory=list, description="Citations in final proposals of papers this run never retrieved (must be empty).")
    proposals: int = 0
    model_calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    price_usd: float | None = Field(default=0.0, description="Estimated; None when some model has no price.")
    arxiv_requests: int = 0
    wall_s: float = Field(default=0.0, description="Measured, shown, never compared: a benchmark is not a test.")

    def __add__(self, other: Metrics) -> Metrics:
        price = None if self.price_usd is None or other.price_usd is None else self.price_usd + other.price_usd
        return Metrics(
            verdicts=self.verdicts + other.verdicts,
            must_find=self.must_find + other.must_find,
            stance=self.stance + other.stance,
            anchors=self.anchors + other.anchors,
            ungrounded=self.ungrounded + other.ungrounded,
            proposals=self.proposals + other.proposals,
            model_calls=self.model_calls + other.model_calls,
            tokens_in=self.tokens_in + other.tokens_in,
            tokens_out=self.tokens_out + other.tokens_out,
            price_usd=price,
            arxiv_requests=self.arxiv_requests + other.arxiv_requests,
            wall_s=self.wall_s + other.wall_s,
        )


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
