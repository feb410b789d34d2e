"""Reviewers' decisions in the store: saved the moment they are made, never overwritten.

The `decisions` table (migration 0003_decisions) is append-only: changing a
decision adds a row, so the audit trail keeps every decision and its reason.
The latest row per proposal is the decision in force.
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


def save_decisions(store: Store, run_id: str, decisions: Iterable[Decision]) -> None:
    """Append `decisions` for `run_id` in one transaction."""
    rows = [(run_id, d.proposal_id, str(d.kind), d.reason, d.edited_after, d.reviewer, d.at.isoformat()) for d in decisions]
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO decisions (run_id, proposal_id, kind, reason, edited_after, reviewer, at) VALUES (?,?,?,?,?,?,?)",
            rows,
        )


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
