"""What the graph produces, validated: anchor checks, findings, verdicts and the rest.

These are the run's own records, built by code from validated model output;
the model-facing answer schemas live in `agent.graph.answers`.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agent.sources.models import LookupStatus, TitleMatch


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class DateCheck(StrEnum):
    MATCHES = "matches"  # the cited date names the period of the first submission
    DIFFERS = "differs"
    UNKNOWN = "unknown"  # the paper was not found


class FitKind(StrEnum):
    """How far an anchor's abstract carries a claim it is linked to (issue 12 point 1)."""

    BACKS = "backs"  # backs the claim as worded
    BACKS_PART = "backs_part"  # backs part of it; `not_backed` says which part not
    DOES_NOT_BACK = "does_not_back"  # on the claim's subject, but does not back what it says
    SOMETHING_ELSE = "something_else"  # about something else
    CANNOT_TELL = "cannot_tell"  # the abstract does not say enough, or the quote could not be verified


FIT_LABELS = {
    FitKind.BACKS: "backs the claim as worded",
    FitKind.BACKS_PART: "backs part of it",
    FitKind.DOES_NOT_BACK: "does not back it",
    FitKind.SOMETHING_ELSE: "is about something else",
    FitKind.CANNOT_TELL: "cannot tell from the abstract",
}


class AnchorFit(_Record):
    """One anchor read against one claim it is linked to, with the quote from its abstract that shows it."""

    anchor_id: str
    arxiv_id: str
    claim_id: str
    fit: FitKind
    quote: str = Field(default="", description="From the anchor's abstract, checked; empty when the check failed.")
    not_backed: str = Field(default="", description="For backs_part: the part of the claim the abstract does not back.")
    revised: str = Field(default="", description="The claim reworded to what the abstract backs, when the model gave one.")
    note: str = Field(default="", description="Why a fit was downgraded to cannot_tell (the quote's check), for the report.")

    @property
    def label(self) -> str:
        """The fit in words, as the reports show it."""
        return FIT_LABELS[self.fit]


class AnchorCheck(_Record):
    anchor_id: str
    arxiv_id: str
    status: LookupStatus
    title_match: TitleMatch | None = None
    title_note: str = Field(default="", description="Why a title counts as close, e.g. an earlier version's title.")
    cited_title: str
    current_title: str | None = None
    cited_date: str
    first_submitted: dt.date | None = None
    date_check: DateCheck = DateCheck.UNKNOWN
    claims: list[str] = Field(default_factory=list, description="Claims this anchor supports.")
    error: str | None = None
    # Default for checkpoints and reports from before read_anchors: every link was the word overlap then.
    link_basis: Literal["model", "word overlap", "curator"] = Field(
        default="word overlap",
        description="Who linked the anchor to its claims: the model reading its abstract (read_anchors), the word overlap fallback, or the curator (the line's own link, set in review).",
    )
    fits: list[AnchorFit] = Field(default_factory=list, description="The anchor read against each claim it is linked to; empty when nobody read it.")


class SearchedQuery(_Record):
    """One query as sent, so that an absence of evidence can be audited."""

    query: str
    aim: str
    since: dt.date
    until: dt.date
    error: str | None = Field(default=None, description="Why this query found nothing: arXiv's message for a query it rejected, or 'the query is empty'.")
    # Defaults keep checkpoints and cassettes from before the local index loading: they all searched arXiv.
    source: Literal["arxiv", "local", "local+arxiv"] = Field(
        default="arxiv", description="What answered it: arXiv's API, the local index, or the index up to its snapshot and arXiv after it."
    )
    note: str = Field(default="", description="What the source covered: the index's snapshot date and any part of the window not searched there.")


class Candidate(_Record):
    arxiv_id: str
    newer: bool = Field(description="Submitted after the claim's date; older papers are context only.")


class Stance(StrEnum):
    SUPPORTS = "supports"
    CONTRADICTS = "contradicts"
    QUALIFIES = "qualifies"
    UNRELATED = "unrelated"


class Finding(_Record):
    claim_id: str
    arxiv_id: str
    stance: Stance
    quote: str
    confidence: float


class DroppedQuote(_Record):
    """A screened quote that was not in its paper's abstract, and where it departs from it."""

    arxiv_id: str
    quote: str
    reason: str


class VerdictKind(StrEnum):
    HOLDS = "holds"
    STRENGTHENED = "strengthened"
    QUALIFIED = "qualified"
    CONTRADICTED = "contradicted"
    SUPERSEDED = "superseded"
    UNRESOLVED = "unresolved"


class Verdict(_Record):
    claim_id: str
    verdict: VerdictKind
    rationale: str
    cited_ids: list[str] = Field(default_factory=list)
    suggested_text: str | None = None
    suggested_date: str | None = None


class ClaimResult(_Record):
    """Everything the per-claim branch found out about one claim."""

    claim_id: str
    anchored_by: list[str] = Field(default_factory=list, description="Anchor IDs; empty = rests on no anchor.")
    queries: list[SearchedQuery] = Field(default_factory=list)
    candidates: list[Candidate] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    dropped_quotes: int = Field(default=0, description="Screened quotes that were not in the abstract.")
    dropped_quote_reasons: list[DroppedQuote] = Field(default_factory=list, description="Each dropped quote and why; `dropped_quotes` counts them.")
    dropped_citations: list[str] = Field(default_factory=list, description="IDs the judge cited without screening.")
    verdict: Verdict | None = None
    error: str | None = Field(default=None, description="Why the branch could not finish (e.g. arXiv down).")
    retestable: bool = Field(
        default=True,
        description="False for a claim the run skipped before any request (dated after the run date); `error` says why.",
    )


class Contradiction(_Record):
    claim_id: str
    arxiv_id: str
    title: str
    published: dt.date
    quote: str
    confidence: float


class ResearchQuestion(_Record):
    id: str
    text: str
    motivated_by: list[str] = Field(description="Claim IDs whose verdicts motivate the question.")
    task: int | None = None
    part: str | None = Field(default=None, description="The letter of the task's sub-question it answers as asked ('a'), when the task names some.")


class FramingRead(_Record):
    """Which of the run's contradicting papers show one kind of work a task asks for "especially" (agent.graph.task_answers)."""

    task: int
    framing: str = Field(description="The kind of work, in the task's words.")
    arxiv_ids: list[str] = Field(description="The run's contradicting papers that show it; empty when none does.")
    why: str


class UngroundedCitation(_Record):
    proposal_id: str
    arxiv_id: str
    where: str = Field(description="evidence, after, or rationale")
    reason: str


class UsageRecord(_Record):
    node: str
    claim_id: str | None = None
    role: str
    model: str
    calls: int = 1
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int | None = None
    latency_s: float = 0.0
    cost_usd: float | None = None
