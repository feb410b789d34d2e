"""A curator's correction of which claim an anchor is cited for (issue 12 point 3).

The line lists its anchors apart from its claims, so a run links them (the
model reading the anchors, or the word overlap when that fails) and may link
one wrongly, e.g. a duplicated anchor to an unrelated claim. In review the
curator sets the link (`retest review RUN --link A2=C3`, or key l): it is
appended to the store's `anchor_links` table (migration 0015_anchor_links),
never overwritten, the latest row per anchor in force. Three things follow:

- a proposal drawn from the link the curator took away (`Proposal.anchor_link`,
  e.g. a flag that C1 rests on A2) can no longer be accepted, only rejected:
  it judged the anchor against the wrong claim;
- a link is refused while such a proposal stands accepted: undo it first;
- `retest apply` writes the link into the line (the anchor's `claims` in the
  Markdown front matter), so the next run keeps it and reads the anchor
  against that claim (agent.graph.anchoring, read_anchors).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from agent.errors import InputError
from agent.line.models import Line
from agent.proposals import Decision, DecisionKind, Proposal
from agent.review.decisions import reviewer_name
from agent.runs import RunStatus
from agent.store import Store

if TYPE_CHECKING:  # the listing reads links without LangGraph, which review_run loads
    from agent.review.review_run import ReviewRun

EXAMPLE = "A2=C3 (or A2=C3,C4 for an anchor cited for two claims)"


class LinkCorrection(BaseModel):
    """One link a reviewer set: the anchor, the claims it is cited for, and the run's link before."""

    model_config = ConfigDict(frozen=True)

    anchor_id: str
    claims: list[str]
    was: list[str]
    reviewer: str
    at: dt.datetime

    def __str__(self) -> str:
        return f"{self.anchor_id} -> {', '.join(self.claims)} (was {', '.join(self.was) or 'no claim'})"


def parse_link(text: str, line: Line) -> tuple[str, list[str]]:
    """'A2=C3' or 'A2=C3,C4' as (anchor ID, claim IDs), checked against the line; InputError saying the form otherwise."""
    anchor_part, sep, claims_part = text.partition("=")
    anchor_id = anchor_part.strip().upper()
    claims = [c.strip().upper() for c in claims_part.split(",") if c.strip()]
    if not sep or not anchor_id or not claims:
        raise InputError(f"a link is ANCHOR=CLAIMS, not {text!r}", hint=f"Example: {EXAMPLE}")
    anchors = [a.id for a in line.prompt.anchors]
    if anchor_id not in anchors:
        raise InputError(f"the line has no anchor {anchor_id!r} (its anchors: {', '.join(anchors) or 'none'})", hint=f"Example: {EXAMPLE}")
    known = [c.id for c in line.prompt.claims]
    unknown = [c for c in claims if c not in known]
    if unknown:
        raise InputError(f"the line has no claim {', '.join(unknown)} (its claims: {', '.join(known)})", hint=f"Example: {EXAMPLE}")
    if len(set(claims)) != len(claims):
        raise InputError(f"{text!r} names a claim twice")
    return anchor_id, claims


def run_links(review: ReviewRun) -> dict[str, list[str]]:
    """Anchor ID -> the claims the run linked it to (its anchor checks)."""
    return {c.anchor_id: list(c.claims) for c in review.state.get("anchor_checks", [])}


def links_in_force(store: Store, run_id: str) -> dict[str, LinkCorrection]:
    """The reviewer's link per anchor: the last one saved."""
    with store.lock:
        rows = store.conn.execute(
            "SELECT anchor_id, claims, was, reviewer, at FROM anchor_links WHERE run_id = ? ORDER BY seq",
            (run_id,),
        ).fetchall()
    found: dict[str, LinkCorrection] = {}
    for r in rows:
        found[r["anchor_id"]] = LinkCorrection(
            anchor_id=r["anchor_id"], claims=json.loads(r["claims"]), was=json.loads(r["was"]), reviewer=r["reviewer"], at=dt.datetime.fromisoformat(r["at"])
        )
    return found


def stranded(proposals: Sequence[Proposal], links: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Proposal ID -> why it can only be rejected: it rests on an anchor's link the reviewer took away.

    `links`: anchor ID -> the claims the reviewer linked it to (`claims_in_force`, or links about to be set).
    """
    why: dict[str, str] = {}
    for p in proposals:
        link = p.anchor_link
        if link is None or link.anchor_id not in links or link.claim_id in links[link.anchor_id]:
            continue
        now = ", ".join(links[link.anchor_id])
        why[p.id] = f"{p.id} rests on the link {link}, which the reviewer corrected to {link.anchor_id} -> {now}: it can only be rejected"
    return why


def claims_in_force(links: Mapping[str, LinkCorrection]) -> dict[str, list[str]]:
    """Anchor ID -> the claims of the reviewer's link in force: what `stranded` reads."""
    return {anchor_id: c.claims for anchor_id, c in links.items()}


def stranded_now(store: Store, review: ReviewRun) -> dict[str, str]:
    """`stranded` for the run's proposals under the links saved for it."""
    return stranded(review.proposals, claims_in_force(links_in_force(store, review.run.id)))


def refuse_stranded(store: Store, review: ReviewRun, decisions: Sequence[Decision]) -> None:
    """InputError when one of `decisions` accepts or edits a proposal resting on a corrected link."""
    taking = [d.proposal_id for d in decisions if d.kind in (DecisionKind.ACCEPT, DecisionKind.EDIT)]
    if not taking:
        return
    why = stranded_now(store, review)
    bad = [pid for pid in taking if pid in why]
    if bad:
        raise InputError("; ".join(why[pid] for pid in bad), hint=f"Reject it: retest review {review.run.id} --reject {','.join(bad)}")


def set_link(store: Store, review: ReviewRun, anchor_id: str, claims: list[str], *, reviewer: str | None = None) -> LinkCorrection | None:
    """Save the reviewer's link for `anchor_id`; None when it is the link in force already (a retried command).

    Refused once the run is applied or failed, and while a proposal resting on the link taken away stands accepted.
    """
    if review.run.status not in (RunStatus.AWAITING_REVIEW, RunStatus.COMPLETED):
        raise InputError(f"run {review.run.id} is {review.run.status}: it has no review in which to correct a link")
    from agent.review.changing import applied_proposals

    where, _written = applied_proposals(review)
    if where is not None:
        raise InputError(
            f"run {review.run.id} is already applied to {where}: its links can no longer change there",
            hint=f"Set the anchor's `claims:` in {where}'s front matter, e.g. claims: [{', '.join(claims)}]",
        )
    current = links_in_force(store, review.run.id)
    was = current[anchor_id].claims if anchor_id in current else run_links(review).get(anchor_id, [])
    if anchor_id in current and current[anchor_id].claims == claims:
        return None
    taken = stranded(review.proposals, {**claims_in_force(current), anchor_id: claims})
    held = [pid for pid in taken if (d := review.decisions.get(pid)) is not None and d.kind in (DecisionKind.ACCEPT, DecisionKind.EDIT)]
    if held:
        raise InputError(
            f"{', '.join(held)} stand accepted and rest on {anchor_id}'s link to {', '.join(was) or 'no claim'}",
            hint=f"Undo them first: retest review {review.run.id} --reopen --undo {','.join(held)}",
        )
    proposed = LinkCorrection(anchor_id=anchor_id, claims=claims, was=was, reviewer=reviewer or reviewer_name(), at=dt.datetime.now(dt.UTC))
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO anchor_links (run_id, anchor_id, claims, was, reviewer, at) VALUES (?,?,?,?,?,?)",
            (review.run.id, anchor_id, json.dumps(claims), json.dumps(was), proposed.reviewer, proposed.at.isoformat()),
        )
    return proposed


def linked_line(line: Line, links: Mapping[str, LinkCorrection]) -> Line:
    """`line` with each corrected anchor's `claims` set to the reviewer's link."""
    if not links:
        return line
    anchors = [a.model_copy(update={"claims": list(links[a.id].claims)}) if a.id in links else a for a in line.prompt.anchors]
    return line.model_copy(update={"prompt": line.prompt.model_copy(update={"anchors": anchors})})


def unwritten(line: Line, links: Mapping[str, LinkCorrection]) -> list[LinkCorrection]:
    """The reviewer's links that `line` does not hold yet, in the line's anchor order."""
    return [links[a.id] for a in line.prompt.anchors if a.id in links and a.claims != links[a.id].claims]


def link_changelog(line: Line, links: Mapping[str, LinkCorrection]) -> list[str]:
    """One changelog line per link the line does not hold yet, e.g. 'A2 linked to C3 by the reviewer (the run linked it to C1)'."""
    return [
        f"{c.anchor_id} linked to {', '.join(c.claims)} by the reviewer (the run linked it to {', '.join(c.was) or 'no claim'})" for c in unwritten(line, links)
    ]
