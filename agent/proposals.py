"""Proposals: reviewable changes to a line, and the reviewer's decisions on them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class ProposalKind(StrEnum):
    REVISE_CLAIM = "revise_claim"  # wording and/or date of a claim
    ADD_NOTE = "add_note"  # a source note for a new paper
    ADD_ANCHOR = "add_anchor"
    REPLACE_ANCHOR = "replace_anchor"  # also used to correct a cited title or date
    FLAG = "flag"  # a statement that cannot be grounded
    ADD_QUESTION = "add_question"


class Evidence(BaseModel):
    """One paper backing a proposal: its ID and a quote from its abstract."""

    model_config = ConfigDict(frozen=True)

    arxiv_id: str
    quote: str = ""
    title: str = ""
    published: dt.date | None = None


class Proposal(BaseModel):
    """One change; applied only after a person accepts it."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="P1, P2, ... in draft order; stable across a resume.")
    kind: ProposalKind
    target: str = Field(description="Claim, note or anchor ID the change concerns; 'line' for additions.")
    before: str = ""
    after: str = ""
    new_date: str | None = Field(default=None, description="For revise_claim: the new date as written, e.g. '~2026'.")
    rationale: str
    evidence: list[Evidence] = Field(default_factory=list)
    grounded: bool = Field(default=True, description="False when ground_check removed any citation.")
    removed_ids: list[str] = Field(default_factory=list, description="Citations ground_check removed.")


class DecisionKind(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    EDIT = "edit"  # accepted with the reviewer's own `after` text


class Decision(BaseModel):
    model_config = ConfigDict(frozen=True)

    proposal_id: str
    kind: DecisionKind
    reason: str = ""
    edited_after: str | None = None
    reviewer: str
    at: dt.datetime


def pending(proposals: Iterable[Proposal], decisions: Mapping[str, Decision]) -> list[str]:
    """IDs of proposals without a decision, in draft order: the one rule the graph and the review share."""
    return [p.id for p in proposals if p.id not in decisions]
