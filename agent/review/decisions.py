"""Reviewers' decisions in the store: saved the moment they are made, never overwritten.

The `decisions` table (migration 0003_decisions) is append-only: changing a
decision adds a row, so the audit trail keeps every decision and its reason.
The latest row per proposal is the decision in force; a decision equal to
the one in force is not written again.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping

from agent.proposals import Decision, DecisionKind
from agent.store import Store

REVIEWER_ENV = ("RETEST_REVIEWER", "USER", "LOGNAME")


def reviewer_name(env: Mapping[str, str] | None = None) -> str:
    """Who is reviewing: $RETEST_REVIEWER, else $USER, else $LOGNAME, else 'unknown'."""
    environ = os.environ if env is None else env
    for name in REVIEWER_ENV:
        value = environ.get(name, "").strip()
        if value:
            return value
    return "unknown"


def make_decision(
    proposal_id: str,
    kind: DecisionKind,
    *,
    reason: str = "",
    edited_after: str | None = None,
    reviewer: str | None = None,
    at: dt.datetime | None = None,
) -> Decision:
    """A Decision stamped with the reviewer and the time (UTC) unless given."""
    return Decision(
        proposal_id=proposal_id,
        kind=kind,
        reason=reason.strip(),
        edited_after=edited_after,
        reviewer=reviewer or reviewer_name(),
        at=at or dt.datetime.now(dt.UTC),
    )


def same_decision(a: Decision, b: Decision) -> bool:
    """True when `b` decides what `a` decides (kind, reason, edited text), whoever made it and whenever."""
    return (a.proposal_id, str(a.kind), a.reason, a.edited_after) == (b.proposal_id, str(b.kind), b.reason, b.edited_after)


def save_decisions(store: Store, run_id: str, decisions: Iterable[Decision]) -> list[Decision]:
    """Append the decisions of `decisions` not already in force for `run_id`, in one transaction; returns those written.

    Idempotent: a command retried after a kill (what a script does) records each decision once, not once per attempt.
    The check and the insert are one write transaction, so two commands at once cannot both write the same decision.
    """
    with store.transaction() as conn:
        rows = conn.execute("SELECT proposal_id, kind, reason, edited_after FROM decisions WHERE run_id = ? ORDER BY seq", (run_id,)).fetchall()
        in_force = {r["proposal_id"]: (r["kind"], r["reason"], r["edited_after"]) for r in rows}
        written: list[Decision] = []
        for d in decisions:
            wanted = (str(d.kind), d.reason, d.edited_after)
            if in_force.get(d.proposal_id) == wanted:
                continue
            in_force[d.proposal_id] = wanted
            written.append(d)
        conn.executemany(
            "INSERT INTO decisions (run_id, proposal_id, kind, reason, edited_after, reviewer, at) VALUES (?,?,?,?,?,?,?)",
            [(run_id, d.proposal_id, str(d.kind), d.reason, d.edited_after, d.reviewer, d.at.isoformat()) for d in written],
        )
    return written


def decision_history(store: Store, run_id: str) -> list[Decision]:
    """Every decision saved for `run_id`, oldest first (including ones later changed)."""
    with store.lock:
        rows = store.conn.execute(
            "SELECT proposal_id, kind, reason, edited_after, reviewer, at FROM decisions WHERE run_id = ? ORDER BY seq",
            (run_id,),
        ).fetchall()
    return [
        Decision(
            proposal_id=r["proposal_id"],
            kind=DecisionKind(r["kind"]),
            reason=r["reason"],
            edited_after=r["edited_after"],
            reviewer=r["reviewer"],
            at=dt.datetime.fromisoformat(r["at"]),
        )
        for r in rows
    ]


def latest_decisions(store: Store, run_id: str) -> dict[str, Decision]:
    """The decision in force per proposal ID: the last one saved."""
    latest: dict[str, Decision] = {}
    for decision in decision_history(store, run_id):
        latest[decision.proposal_id] = decision
    return latest
