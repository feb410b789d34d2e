"""Each claim's date against its evidence: its anchors' first submissions and the supporting work the run found (issue 12 point 2).

A claim is the state of knowledge at a date, so its date should fall where its
evidence does. Two things are worth a curator's eye:

- a claim dated a calendar year (or, dated to the month, twelve months) or
  more after every anchor it rests on was first submitted: "C2 is dated
  ~2026; its anchor A1 was first submitted 2025-07". When no supporting work
  found in the run is that recent either, the claim is dated later than all
  its evidence and the anchor's date is the one the evidence gives;
- a claim whose period ends before its anchor was first submitted: it cites
  a paper from its own future, and the anchor's date is the evidence's.

Deterministic: no model reads dates. Anchors the run could not look up have no
first-submission date and are left out; a claim with none has nothing to
check against but the work found.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from agent.graph.records import AnchorCheck, ClaimResult, Stance
from agent.line.models import Claim, DatePrecision, FuzzyDate, Line
from agent.sources.models import Paper


class DateFit(StrEnum):
    CONSISTENT = "consistent"
    AFTER_ANCHORS = "after_anchors"  # dated a year or more after every anchor, some newer support found
    AFTER_EVIDENCE = "after_evidence"  # dated a year or more after every anchor, and after all support found
    BEFORE_ANCHOR = "before_anchor"  # the claim's period ends before an anchor was first submitted
    NO_ANCHOR = "no_anchor"


class DatedWork(BaseModel):
    model_config = ConfigDict(frozen=True)

    arxiv_id: str
    date: dt.date
    anchor_id: str | None = Field(default=None, description="The anchor's ID when this is an anchor, else None (work found in the run).")


class ClaimDateCheck(BaseModel):
    """One claim's date, its evidence's dates and what they say."""

    model_config = ConfigDict(frozen=True)

    claim_id: str
    claim_date: str
    fit: DateFit
    anchors: list[DatedWork] = Field(default_factory=list)
    latest_support: DatedWork | None = Field(default=None, description="The newest paper found in the run that supports or qualifies the claim.")
    suggested_date: str | None = Field(default=None, description="The date the evidence gives, where it contradicts the claim's (YYYY-MM).")
    dated_by: str | None = Field(default=None, description="The arXiv ID of the paper whose first submission gives `suggested_date`.")
    message: str


def period_end(date: FuzzyDate) -> dt.date:
    """The last day of the period a line's date names (2025 -> 2025-12-31, 2025-07 -> 2025-07-31)."""
    if date.precision is DatePrecision.YEAR:
        return dt.date(date.value.year, 12, 31)
    if date.precision is DatePrecision.MONTH:
        return dt.date(date.value.year, date.value.month, calendar.monthrange(date.value.year, date.value.month)[1])
    return date.value


def dated_a_year_after(claim: FuzzyDate, first_submitted: dt.date) -> bool:
    """True when the claim is dated a calendar year after the paper (year precision), or twelve months or more (finer)."""
    if claim.precision is DatePrecision.YEAR:
        return claim.value.year > first_submitted.year
    months = (claim.value.year - first_submitted.year) * 12 + claim.value.month - first_submitted.month
    return months >= 12


def _month(day: dt.date) -> str:
    return day.strftime("%Y-%m")


def check_claim(claim: Claim, anchors: Sequence[AnchorCheck], result: ClaimResult | None, papers: Mapping[str, Paper]) -> ClaimDateCheck:
    """The date check of one claim, from the anchors it rests on and the findings of its branch."""
    dated = [DatedWork(arxiv_id=a.arxiv_id, date=a.first_submitted, anchor_id=a.anchor_id) for a in anchors if a.first_submitted is not None]
    backing = [f for f in (result.findings if result else []) if f.stance in (Stance.SUPPORTS, Stance.QUALIFIES) and f.arxiv_id in papers]
    support = max((DatedWork(arxiv_id=f.arxiv_id, date=papers[f.arxiv_id].published) for f in backing), key=lambda w: w.date, default=None)

    def checked(fit: DateFit, message: str, by: DatedWork | None = None) -> ClaimDateCheck:
        return ClaimDateCheck(
            claim_id=claim.id,
            claim_date=claim.date.text,
            fit=fit,
            anchors=dated,
            latest_support=support,
            suggested_date=_month(by.date) if by else None,
            dated_by=by.arxiv_id if by else None,
            message=message,
        )

    found = f"; the newest supporting work found is arXiv:{support.arxiv_id} ({_month(support.date)})" if support else "; no supporting work was found"
    if not dated:
        return checked(DateFit.NO_ANCHOR, f"{claim.id} is dated {claim.date.text} and rests on no anchor with a known date{found}")
    future = [w for w in dated if w.date > period_end(claim.date)]
    if future:
        first = min(future, key=lambda w: w.date)
        why = f"{claim.id} is dated {claim.date.text}, before its anchor {first.anchor_id} (arXiv:{first.arxiv_id}) was first submitted ({_month(first.date)})"
        return checked(DateFit.BEFORE_ANCHOR, why, first)
    newest = max(dated, key=lambda w: w.date)
    if all(dated_a_year_after(claim.date, w.date) for w in dated):
        anchor = f"{claim.id} is dated {claim.date.text}; its anchor {newest.anchor_id} (arXiv:{newest.arxiv_id}) was first submitted {_month(newest.date)}"
        if support is not None and support.date >= claim.date.value:
            return checked(DateFit.AFTER_ANCHORS, anchor + found)
        evidence = max([newest, *([support] if support else [])], key=lambda w: w.date)
        return checked(DateFit.AFTER_EVIDENCE, anchor + found + ", so the claim is dated later than all its evidence", evidence)
    return checked(DateFit.CONSISTENT, f"{claim.id} is dated {claim.date.text}; its anchors were first submitted " + ", ".join(_month(w.date) for w in dated))


def date_checks(line: Line, anchor_checks: Sequence[AnchorCheck], results: Mapping[str, ClaimResult], papers: Mapping[str, Paper]) -> list[ClaimDateCheck]:
    """Every claim's date check, in the line's order."""
    by_claim = {claim.id: [a for a in anchor_checks if claim.id in a.claims] for claim in line.prompt.claims}
    return [check_claim(claim, by_claim[claim.id], results.get(claim.id), papers) for claim in line.prompt.claims]


def as_claim_date(suggested: str, like: FuzzyDate) -> str:
    """A suggested YYYY-MM written as the claim writes its date: "~2025" for an approximate year, "2025" for a year, else YYYY-MM."""
    if like.precision is DatePrecision.YEAR:
        return ("~" if like.approximate else "") + suggested[:4]
    return suggested
