"""A run under review: its proposals, the decisions in force, and handing decisions to the graph.

Every decision is first appended to the store's `decisions` table, then given
to the paused review node (`Command(resume=...)`). If the process dies between
the two, the next `load_review` finds the decision in the table but not in the
graph state and hands it over then, so nothing a reviewer decided is lost.

Saving and handing over happen under the run's lock (`agent.runs.run_lock`),
from the state as it is once the lock is held: two review commands at once
take turns, and the second resumes the graph from the first one's checkpoint,
not from the one both loaded (which would drop the first one's decisions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agent.errors import InputError
from agent.graph.records import ClaimResult
from agent.line.models import Line
from agent.proposals import Decision, Proposal
from agent.proposals import pending as pending_ids
from agent.review.changes import refuse_unappliable
from agent.review.decisions import latest_decisions, same_decision, save_decisions
from agent.review.listing import find_run
from agent.runner import load_state, resume_review
from agent.runs import RunRecord, RunStatus, get_run, run_lock
from agent.sources.models import Paper
from agent.store import Store


@dataclass(frozen=True)
class ReviewRun:
    """One run's review as the graph state holds it."""

    run: RunRecord
    state: dict[str, Any]

    @property
    def line(self) -> Line:
        return self.state["line"]

    @property
    def proposals(self) -> list[Proposal]:
        return list(self.state.get("proposals", []))

    @property
    def decisions(self) -> dict[str, Decision]:
        return dict(self.state.get("decisions", {}))

    @property
    def papers(self) -> dict[str, Paper]:
        return dict(self.state.get("papers", {}))

    @property
    def claim_results(self) -> dict[str, ClaimResult]:
        return dict(self.state.get("claim_results", {}))

    @property
    def pending(self) -> list[str]:
        """IDs of proposals without a decision, in draft order."""
        return pending_ids(self.proposals, self.decisions)

    @property
    def pending_grounded(self) -> list[str]:
        """Pending proposals whose evidence passed the ground check and rests on no retracted paper: what --accept-grounded accepts."""
        waiting = set(self.pending)
        return [p.id for p in self.proposals if p.id in waiting and not p.confirm_reasons()]

    @property
    def open(self) -> bool:
        """True while the graph waits in its review node, i.e. decisions are still taken."""
        return self.run.status is RunStatus.AWAITING_REVIEW and bool(self.pending)

    def proposal(self, proposal_id: str) -> Proposal:
        for proposal in self.proposals:
            if proposal.id == proposal_id:
                return proposal
        known = ", ".join(p.id for p in self.proposals) or "none"
        raise InputError(f"run {self.run.id} has no proposal {proposal_id!r} (its proposals: {known})")


def load_review(store: Store, run_id: str | None = None) -> ReviewRun:
    """Load a run's review, first handing the graph any saved decision it has not seen."""
    record, state, _next = load_state(find_run(store, run_id).id, store)
    if not state and store.conn.execute("SELECT 1 FROM run_reports WHERE run_id = ?", (record.id,)).fetchone():
        raise InputError(
            f"run {record.id} was pruned (`retest runs --prune`): its checkpoints are gone, so it can no longer be reviewed or applied",
            hint=f"Its report is kept: retest report {record.id}. To re-test the line, start a new run.",
        )
    if not state or "proposals" not in state:
        raise InputError(
            f"run {record.id} has no proposals yet (status {record.status})",
            hint=f"Finish it first with `retest resume {record.id}`.",
        )
    review = ReviewRun(record, state)
    return _sync(store, review)


def _missing(store: Store, review: ReviewRun) -> list[Decision]:
    """Decisions in force in the table that the graph state does not hold."""
    in_graph = review.decisions
    return [d for pid, d in latest_decisions(store, review.run.id).items() if in_graph.get(pid) != d]


def _sync(store: Store, review: ReviewRun) -> ReviewRun:
    if not _missing(store, review) or not review.open:
        return review
    with run_lock(store, review.run.id):
        return _hand_over(store, _reloaded(store, review))


def _reloaded(store: Store, review: ReviewRun) -> ReviewRun:
    """The review as the store holds it now (another command may have changed it since `review` was loaded)."""
    record, state, _next = load_state(review.run.id, store)
    return ReviewRun(record, state) if state else review


def _hand_over(store: Store, review: ReviewRun) -> ReviewRun:
    """Give the paused graph every saved decision it lacks; call with the run's lock held."""
    missing = _missing(store, review)
    if not missing or not review.open:
        return review
    return _resume(store, review, missing)


def in_force(review: ReviewRun, decisions: Sequence[Decision]) -> bool:
    """True when every one of `decisions` is already the decision in force (a command retried after it did its work)."""
    held = review.decisions
    return bool(decisions) and all(d.proposal_id in held and same_decision(held[d.proposal_id], d) for d in decisions)


def batch_in_force(review: ReviewRun, accept: str | None, reject: str | None, reason: str | None) -> bool:
    """True when `--accept`/`--reject` (comma-separated IDs) ask only for decisions already in force: a retried command's work is done."""
    wanted = [(pid, "accept", "") for pid in (accept or "").split(",") if pid.strip()]
    wanted += [(pid, "reject", (reason or "").strip()) for pid in (reject or "").split(",") if pid.strip()]
    held = review.decisions
    return bool(wanted) and all(
        (d := held.get(pid.strip())) is not None and (str(d.kind), d.reason) == (kind, why) and d.edited_after is None for pid, kind, why in wanted
    )


def require_open(review: ReviewRun) -> None:
    """InputError unless the run still takes decisions."""
    if not review.open:
        raise InputError(
            f"run {review.run.id} is {review.run.status}: its review is closed, no decision can be added",
            hint=f"Apply what was accepted with `retest apply {review.run.id}`." if review.run.status is RunStatus.COMPLETED else None,
        )


def submit(store: Store, review: ReviewRun, decisions: Sequence[Decision]) -> ReviewRun:
    """Save `decisions` and hand them to the paused graph; returns the review after them."""
    if not decisions:
        return review
    with run_lock(store, review.run.id):
        # The graph as it is now, not as `review` was loaded: another command may have handed it decisions since.
        current = _hand_over(store, _reloaded(store, review))
        if in_force(current, decisions):
            return current  # a retry after a kill: its decisions are saved and handed over already
        require_open(current)
        for decision in decisions:
            # Refuses an unknown ID, and an accept that apply could never carry out, before anything is saved.
            refuse_unappliable(review.proposal(decision.proposal_id), review.line, decision, review.run.id)
        save_decisions(store, review.run.id, decisions)  # only those not already in force
        return _hand_over(store, current)


def _resume(store: Store, review: ReviewRun, decisions: list[Decision]) -> ReviewRun:
    state = resume_review(review.run.id, [d.model_dump(mode="json") for d in decisions], store)
    return ReviewRun(get_run(store, review.run.id), state)
