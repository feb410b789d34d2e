"""The checkpoint serializer, allowing exactly the types Retest's state holds.

LangGraph warns (and will refuse) when a checkpoint holds types nobody allowed;
listing them here keeps resume working and unknown types out.
"""

from __future__ import annotations

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from agent.graph import records
from agent.line import models as line_models
from agent.proposals import Decision, DecisionKind, Evidence, Proposal, ProposalKind
from agent.sources.models import Lookup, LookupStatus, Paper, TitleMatch

STATE_TYPES: list[type] = [
    line_models.DatePrecision,
    line_models.FuzzyDate,
    line_models.SourceNote,
    line_models.Claim,
    line_models.AnchorPaper,
    line_models.Task,
    line_models.Flag,
    line_models.ChangelogEntry,
    line_models.ResearchPrompt,
    line_models.Line,
    records.DateCheck,
    records.AnchorCheck,
    records.SearchedQuery,
    records.Candidate,
    records.Stance,
    records.Finding,
    records.VerdictKind,
    records.Verdict,
    records.ClaimResult,
    records.Contradiction,
    records.ResearchQuestion,
    records.UngroundedCitation,
    records.UsageRecord,
    Proposal,
    ProposalKind,
    Evidence,
    Decision,
    DecisionKind,
    Paper,
    Lookup,
    LookupStatus,
    TitleMatch,
]


def serializer() -> JsonPlusSerializer:
    return JsonPlusSerializer(allowed_msgpack_modules=STATE_TYPES)
