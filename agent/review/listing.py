"""What a run's review has pending, read from the store alone: fast, and without LangGraph.

`retest review --list` needs only the drafted proposals (saved with the run)
and the decisions in force (the append-only `decisions` table, which a
reviewer's decision reaches before the graph does). Runs saved before
proposals were kept beside them fall back to the checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.errors import InputError
from agent.proposals import Decision, Proposal, pending
from agent.review.decisions import latest_decisions
from agent.review.links import LinkCorrection, links_in_force
from agent.runs import RunRecord, RunStatus, get_run, list_runs, saved_proposals
from agent.store import Store, where_read


@dataclass(frozen=True)
class ReviewListing:
    """A run's proposals with the decision in force for each."""

    run: RunRecord
    proposals: list[Proposal]
    decisions: dict[str, Decision]
    links: dict[str, LinkCorrection]

    @property
    def pending(self) -> list[str]:
        """IDs of proposals without a decision, in draft order."""
        return pending(self.proposals, self.decisions)


def find_run(store: Store, run_id: str | None) -> RunRecord:
    """The run named by `run_id` (a unique prefix is enough), else the latest one awaiting review."""
    if run_id:
        return get_run(store, run_id)
    waiting = list_runs(store, status=RunStatus.AWAITING_REVIEW)
    if not waiting:
        raise InputError(
            f"no run is waiting for review in {where_read(store.path.parent)}", hint="`retest runs` lists the runs; start one with `retest run LINE`."
        )
    return waiting[0]


def list_review(store: Store, run_id: str | None) -> ReviewListing:
    """The listing of the run named by `run_id` (else the latest awaiting review)."""
    record = find_run(store, run_id)
    proposals = saved_proposals(store, record.id)
    if proposals is None:
        from agent.review.review_run import load_review  # an older run: its proposals are only in the checkpoint

        review = load_review(store, record.id)
        return ReviewListing(review.run, review.proposals, review.decisions, links_in_force(store, record.id))
    return ReviewListing(record, proposals, latest_decisions(store, record.id), links_in_force(store, record.id))
