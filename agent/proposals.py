"""Proposals: reviewable changes to a line, and the reviewer's decisions on them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from agent.line.dates import DATE_FORMS, parse_fuzzy_date
from agent.line.models import Line


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


class AnchorLink(BaseModel):
    """Which claim an anchor is cited for: the link an anchor-fit proposal rests on."""

    model_config = ConfigDict(frozen=True)

    anchor_id: str
    claim_id: str

    def __str__(self) -> str:
        return f"{self.anchor_id} -> {self.claim_id}"


class PaperNotice(BaseModel):
    """A retraction or correction notice a source holds against a paper a proposal cites (issue 19, with citation sources on)."""

    model_config = ConfigDict(frozen=True)

    paper: str = Field(description="The cited paper as the proposal cites it: an arXiv ID or doi:<doi>.")
    text: str = Field(description="What the source says, e.g. 'crossref: retracted (10.1000/notice, retraction-watch, 2024-01-02)'.")
    retracted: bool = False


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
    problems: list[str] = Field(
        default_factory=list, description="Why the proposal cannot be applied as drafted (an unknown target, a date that is no date); it can only be rejected."
    )
    anchor_link: AnchorLink | None = Field(
        default=None,
        description="For a proposal drawn from how far an anchor carries a claim: that link. A curator who corrects it in review leaves the proposal to be rejected.",
    )
    notices: list[PaperNotice] = Field(
        default_factory=list, description="Retraction or correction notices on the papers it cites, found in the run (so review needs no network)."
    )

    @property
    def retracted_papers(self) -> list[str]:
        """The cited papers a source says were retracted: accepting the proposal then needs a confirmation, as NOT GROUNDED does."""
        return list(dict.fromkeys(n.paper for n in self.notices if n.retracted))

    def confirm_reasons(self) -> list[str]:
        """Why accepting this proposal needs the reviewer's confirmation (empty: it does not)."""
        reasons = []
        if not self.grounded:
            removed = f" (removed: {', '.join(self.removed_ids)})" if self.removed_ids else ""
            reasons.append(f"{self.id} is NOT GROUNDED: its evidence did not pass the ground check{removed}")
        if self.retracted_papers:
            reasons.append(f"{self.id} rests on a RETRACTED paper: {', '.join(self.retracted_papers)}")
        return reasons


class DecisionKind(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    EDIT = "edit"  # accepted with the reviewer's own `after` text
    UNDO = "undo"  # withdraws the decision before it: the proposal waits for one again (the audit trail keeps both)


class Decision(BaseModel):
    model_config = ConfigDict(frozen=True)

    proposal_id: str
    kind: DecisionKind
    reason: str = ""
    edited_after: str | None = None
    reviewer: str
    at: dt.datetime


def pending(proposals: Iterable[Proposal], decisions: Mapping[str, Decision]) -> list[str]:
    """IDs of proposals without a decision in force (none, or an undone one), in draft order: the one rule the graph and the review share."""
    return [p.id for p in proposals if p.id not in decisions or decisions[p.id].kind is DecisionKind.UNDO]


# What each kind may target: a claim, an anchor, a note or flag, or the line itself.
_TARGETS = {
    ProposalKind.REVISE_CLAIM: ("claim",),
    ProposalKind.REPLACE_ANCHOR: ("anchor",),
    ProposalKind.FLAG: ("claim", "anchor", "note", "line"),
    ProposalKind.ADD_NOTE: ("line",),
    ProposalKind.ADD_ANCHOR: ("line",),
    ProposalKind.ADD_QUESTION: ("line",),
}


def _ids(line: Line) -> dict[str, set[str]]:
    return {
        "claim": {c.id for c in line.prompt.claims},
        "anchor": {a.id for a in line.prompt.anchors},
        "note": {n.id for n in line.notes},
        "line": {"line"},
    }


def proposal_problems(proposal: Proposal, line: Line) -> list[str]:
    """Why `proposal` cannot be applied to `line` as drafted: checked when it is made and again before it is accepted."""
    problems = []
    allowed = _TARGETS[proposal.kind]
    ids = _ids(line)
    if not any(proposal.target in ids[what] for what in allowed):
        if allowed == ("line",):
            problems.append(f"its target must be 'line' ({proposal.kind} adds to the line as a whole), not {proposal.target!r}")
        else:
            known = sorted(set().union(*(ids[what] for what in allowed)) - {"line"})
            what = ", ".join(w for w in allowed if w != "line") + (" ID or 'line'" if "line" in allowed else " ID")
            problems.append(f"its target {proposal.target!r} is no {what} of the line (it has {', '.join(known) or 'none'})")
    if proposal.new_date is not None:
        try:
            parse_fuzzy_date(proposal.new_date)
        except ValueError:
            problems.append(f"its new date {proposal.new_date!r} is not a date (dates are written {DATE_FORMS})")
    if not proposal.after.strip():
        problems.append("its new text is empty")
    return problems
