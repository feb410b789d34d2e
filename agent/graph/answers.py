"""The shapes model answers must take (structured output schemas).

Every field is required (nullable where a value may be absent) so the same
schema works in OpenAI's strict mode, Anthropic's output_config and JSON mode.
Answers are data, not truth: nodes check them against what the run retrieved.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agent.graph.records import FitKind, Stance, VerdictKind
from agent.proposals import ProposalKind


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlannedQuery(_Answer):
    query: str = Field(description='An arXiv search_query expression, e.g. all:"bargaining power" AND all:AI.')
    aim: Literal["support", "contradict"]


class QueryPlan(_Answer):
    queries: list[PlannedQuery] = Field(min_length=2, max_length=4)


class ClaimPlan(_Answer):
    claim_id: str = Field(description="A claim ID listed, e.g. C2.")
    queries: list[PlannedQuery] = Field(min_length=2, max_length=4)


class LinePlan(_Answer):
    claims: list[ClaimPlan] = Field(description="One plan per claim listed.")


class Screened(_Answer):
    arxiv_id: str
    stance: Stance
    quote: str = Field(description="Copied exactly from the paper's abstract.")
    confidence: float = Field(ge=0.0, le=1.0)


class ScreeningBatch(_Answer):
    findings: list[Screened]


class Judgement(_Answer):
    verdict: VerdictKind
    rationale: str
    cited_ids: list[str] = Field(description="Only IDs of screened papers.")
    suggested_text: str | None = Field(description="Revised claim wording, or null to keep it.")
    suggested_date: str | None = Field(description="Revised date as written, e.g. '~2026', or null.")


class ProposedQuestion(_Answer):
    text: str
    motivated_by: list[str] = Field(description="Claim IDs whose verdicts motivate the question.")
    task: int | None = Field(description="The number of the prompt's task that asks for it, or null.")
    part: str | None = Field(description="The letter of the task's sub-question it answers, e.g. 'a', or null when the task names none.")


class FramingAnswer(_Answer):
    task: int = Field(description="The number of the task that names the kind of work.")
    framing: int = Field(description="The kind's number as listed, e.g. 1.")
    arxiv_ids: list[str] = Field(description="IDs of listed contradicting papers whose quote shows this kind of work; empty when none does.")
    why: str = Field(description="One sentence: what in their quotes shows it, or why none does.")


class QuestionSet(_Answer):
    questions: list[ProposedQuestion]
    framings: list[FramingAnswer] = Field(description="One answer per kind of contradicting work listed; empty when none is listed.")


class CitedEvidence(_Answer):
    arxiv_id: str
    quote: str


class DraftedChange(_Answer):
    kind: Literal[ProposalKind.REVISE_CLAIM, ProposalKind.ADD_NOTE, ProposalKind.FLAG]
    target: str = Field(description="Claim ID for revise_claim and flag; 'line' for add_note.")
    after: str = Field(description="New claim text, new note as 'Title: summary', or the flag's reason.")
    new_date: str | None
    rationale: str
    evidence: list[CitedEvidence]


class DraftSet(_Answer):
    changes: list[DraftedChange]


class ClaimFit(_Answer):
    claim_id: str = Field(description="A claim ID of the line, e.g. C2.")
    fit: FitKind
    quote: str = Field(description="Copied exactly from this anchor's abstract, showing the fit.")
    not_backed: str | None = Field(description="For backs_part: the part of the claim the abstract does not back; else null.")
    revised: str | None = Field(description="Unless the fit is backs: the claim reworded to say only what the abstract backs, or null.")


class AnchorReading(_Answer):
    anchor_id: str = Field(description="An anchor ID listed, e.g. A1.")
    claims: list[ClaimFit] = Field(min_length=1, description="The claim(s) the anchor is cited for, each with its fit.")


class AnchorReadings(_Answer):
    anchors: list[AnchorReading]
