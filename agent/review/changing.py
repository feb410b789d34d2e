"""Deciding, changing and undoing decisions until apply: the one entry both front ends use.

The terminal review (`retest review`) and the browser review (`retest serve`)
both call `decide`; it checks a decision against the rules a forgiving review
keeps (below), then hands it to `review_run.submit` while the graph waits in
its review node. After the last decision the graph has finished; a decision
changed after that (a "reopen") is appended to the same `decisions` table
first, then written into the finished graph state as if the review node had
taken it, and the review node runs again, so it waits once more when the
change left a proposal pending (an undo). A proposal written into the line
file is final: the file's changelog names it under the run (after
`apply --partial`, the proposals still pending can be decided and applied).

Rules (`check_decision`):
- accepting a proposal marked NOT GROUNDED needs `confirmed` (the page's second
  click, the CLI's --force): its evidence did not survive the ground check;
  so does accepting one that cites a paper a source says was retracted
  (`Proposal.confirm_reasons`);
- text holding the ground check's placeholder never becomes a decision that
  writes it: such a proposal is edited or rejected;
- an edit must parse for its kind (`changes.check_text`);
- only a decision in force can be undone;
- a proposal resting on an anchor link the reviewer corrected can only be
  rejected (agent.review.links).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from agent.errors import InputError
from agent.line.citable import REMOVED
from agent.line.models import Line
from agent.line.read import load_line
from agent.proposals import Decision, DecisionKind, Proposal, ProposalKind
from agent.review.changes import Accepted, check_text, refuse_unappliable
from agent.review.decisions import make_decision, save_decisions
from agent.review.review_run import ReviewRun, require_open, submit
from agent.runs import RunStatus, finish_run, get_run
from agent.store import Store

# The node before the review: a state written "as" it makes the review node run next.
_BEFORE_REVIEW = "ground_check"


def placeholder_fields(proposal: Proposal, after: str) -> list[str]:
    """The fields that would carry the ground check's placeholder into the line file."""
    found = ["text"] if REMOVED in after else []
    if proposal.kind is ProposalKind.FLAG and REMOVED in proposal.rationale:
        found.append("reason")  # a flag's rationale is written as its reason
    return found


def refuse_placeholders(items: Sequence[Accepted], run_id: str) -> None:
    """InputError naming every accepted proposal whose written text still holds the placeholder."""
    bad = [item.proposal.id for item in items if placeholder_fields(item.proposal, item.after)]
    if bad:
        raise InputError(
            f"run {run_id}: {', '.join(bad)} still hold {REMOVED!r} where a citation lost its evidence; nothing was written",
            hint=f"Edit the text or reject it: retest review {run_id} --reopen",
        )


def check_decision(review: ReviewRun, decision: Decision, *, confirmed: bool = False) -> None:
    """InputError unless `decision` keeps the rules of the module docstring."""
    proposal = review.proposal(decision.proposal_id)
    pid, rid = proposal.id, review.run.id
    refuse_unappliable(proposal, review.line, decision, rid)  # before the friendlier rules: no wording fixes an unknown target
    if decision.kind is DecisionKind.ACCEPT:
        if placeholder_fields(proposal, proposal.after):
            raise InputError(
                f"{pid} lost a citation in the ground check and its text still says {REMOVED!r}: it cannot be accepted as it is",
                hint=f"Edit it (retest review {rid}, key e) or reject it (--reject {pid}).",
            )
        reasons = proposal.confirm_reasons()  # NOT GROUNDED, or resting on a retracted paper
        if reasons and not confirmed:
            raise InputError("; ".join(reasons), hint=f"Read its evidence first; accept it anyway with --force, edit it, or reject it (--reject {pid}).")
    elif decision.kind is DecisionKind.EDIT:
        text = decision.edited_after or ""
        check_text(proposal, text)
        if placeholder_fields(proposal, text):
            raise InputError(f"{pid}: the edited text still says {REMOVED!r}; write the sentence without it")
    elif decision.kind is DecisionKind.UNDO:
        current = review.decisions.get(pid)
        if current is None or current.kind is DecisionKind.UNDO:
            raise InputError(f"{pid} has no decision to undo")


def run_applied_ids(line: Line, run_id: str) -> set[str] | None:
    """IDs of the proposals the changelog says this run wrote into `line`; None when no entry names the run."""
    entries = [entry for entry in line.changelog if entry.run_id == run_id]
    if not entries:
        return None
    return {text.split(" ", 1)[0] for entry in entries for text in entry.applied}


def applied_proposals(review: ReviewRun) -> tuple[Path | None, set[str]]:
    """The line file this run was applied to (its changelog names the run) and the proposals written there."""
    source = Path(review.run.line_path)
    for path in dict.fromkeys([source, source.with_suffix(".md"), source.with_name(f"{source.stem}.retest.md")]):
        if not path.is_file() or path.suffix != ".md":
            continue
        try:
            ids = run_applied_ids(load_line(path).line, review.run.id)
        except InputError:
            continue
        if ids is not None:
            return path, ids
    return None, set()


def decide(store: Store, review: ReviewRun, decisions: Sequence[Decision], *, confirmed: bool = False) -> ReviewRun:
    """Check and save `decisions`; changes a finished review's decisions until it is applied."""
    from agent.review.links import refuse_stranded

    for decision in decisions:
        check_decision(review, decision, confirmed=confirmed)
    refuse_stranded(store, review, decisions)  # a proposal on an anchor link the reviewer corrected: only rejected
    if not decisions:
        return review
    where, written = applied_proposals(review)
    final = sorted({d.proposal_id for d in decisions} & written)
    if final:
        raise InputError(
            f"run {review.run.id}: {', '.join(final)} are already applied to {where}; their decisions are final",
            hint="Edit the line file itself, or re-run Retest on it for new proposals.",
        )
    if review.open:
        return submit(store, review, decisions)
    if review.run.status is not RunStatus.COMPLETED:
        require_open(review)  # running, failed, interrupted: the graph never reached its review
    save_decisions(store, review.run.id, decisions)
    return _reopen(store, review, list(decisions))


def undo(store: Store, review: ReviewRun, proposal_ids: Sequence[str], *, reviewer: str | None = None) -> ReviewRun:
    """Withdraw the decisions on `proposal_ids`: they wait for a decision again (the audit trail keeps the old ones)."""
    decisions = []
    for pid in proposal_ids:
        before = review.decisions.get(pid)
        was = f"was {before.kind}" if before else "was undecided"
        decisions.append(make_decision(pid, DecisionKind.UNDO, reason=f"undone ({was})", reviewer=reviewer))
    return decide(store, review, decisions)


def _reopen(store: Store, review: ReviewRun, decisions: list[Decision]) -> ReviewRun:
    """Write decisions into a finished run's graph state and let its review node run again."""
    from langchain_core.runnables import RunnableConfig

    from agent.graph.context import RunContext
    from agent.runner import open_graph, with_line
    from agent.runs import stored_line

    config: RunnableConfig = {"configurable": {"thread_id": review.run.id}}
    with open_graph(store.path.parent) as graph:
        graph.update_state(config, {"decisions": {d.proposal_id: d for d in decisions}}, as_node=_BEFORE_REVIEW)
        # The review node calls no model: it ends at once, or waits again when a proposal is pending.
        graph.invoke(None, config, context=RunContext(models={}, source=None, line=stored_line(store, review.run.id)))  # type: ignore[arg-type]
        snapshot = graph.get_state(config)
    finish_run(store, review.run.id, RunStatus.AWAITING_REVIEW if snapshot.next else RunStatus.COMPLETED)
    return ReviewRun(get_run(store, review.run.id), with_line(snapshot.values, store, review.run.id))
