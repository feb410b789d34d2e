"""What `retest runs --server URL` and `retest review --server URL THREAD` print and do (the client is agent/cli/remote.py)."""

from __future__ import annotations

import json

import typer
from rich.table import Table
from rich.text import Text

from agent.cli import remote
from agent.cli.app import out
from agent.errors import InputError
from agent.proposals import Decision, DecisionKind


def print_runs(url: str, as_json: bool) -> None:
    """The server's runs, newest first: a table, or JSON for scripts."""
    listed = remote.threads(url)
    if as_json:
        out.print_json(json.dumps([t.model_dump(mode="json") for t in listed]))
        return
    table = Table(title=f"Runs on {url}")
    for col in ("thread", "status", "line", "mode", "run date", "created"):
        table.add_column(col, no_wrap=col in ("thread", "status"), overflow="fold")
    for t in listed:
        table.add_row(t.thread_id, t.status, Text(t.line), t.mode, t.run_date, t.created_at[:16].replace("T", " "))
    out.print(table if listed else f"No runs on {url} yet.")


def _ids(value: str | None, option: str, review: remote.ServedReview) -> list[str]:
    ids = [part.strip().upper() for part in (value or "").split(",") if part.strip()]
    if value is not None and not ids:
        raise InputError(f"{option} names no proposal", hint=f"Example: retest review --server URL {review.thread_id} {option} P1,P3")
    for pid in ids:
        if pid not in review.pending:
            known = ", ".join(review.pending) or "none"
            raise InputError(f"{pid} is not a pending proposal of run {review.thread_id} (pending: {known})")
    if len(set(ids)) != len(ids):
        raise InputError(f"{option} names a proposal twice: {value}")
    return ids


def _list(review: remote.ServedReview, as_json: bool) -> None:
    if as_json:
        payload = {
            "thread_id": review.thread_id,
            "status": review.status,
            "pending": [p.model_dump(mode="json") for p in review.proposals if p.id in review.pending],
            "decided": [d.model_dump(mode="json") for d in review.decisions.values()],
        }
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    table = Table(title=f"Run {review.thread_id}: {len(review.pending)} pending of {len(review.proposals)}")
    for column in ("id", "kind", "target", "grounded", "proposed text"):
        table.add_column(column)
    for p in review.proposals:
        if p.id in review.pending:
            table.add_row(p.id, str(p.kind), Text(p.target), "yes" if p.grounded else "NO", Text(p.after))
    out.print(table)


def decisions_for(review: remote.ServedReview, accept: str | None, reject: str | None, reason: str | None, grounded: bool) -> list[Decision]:
    """The decisions `--accept`, `--reject` and `--accept-grounded` ask for, checked against what is pending."""
    from agent.review.decisions import make_decision

    accepted, rejected = _ids(accept, "--accept", review), _ids(reject, "--reject", review)
    both = sorted(set(accepted) & set(rejected))
    if both:
        raise InputError(f"{', '.join(both)} cannot be both accepted and rejected")
    if reason and not rejected:
        raise InputError("--reason is recorded with rejections; give --reject too")
    if grounded:
        by_id = {p.id: p for p in review.proposals}
        accepted += [pid for pid in review.pending if by_id[pid].grounded and pid not in accepted + rejected]
    return [make_decision(pid, DecisionKind.ACCEPT) for pid in accepted] + [make_decision(pid, DecisionKind.REJECT, reason=reason or "") for pid in rejected]


def review(
    url: str, thread_id: str | None, *, accept: str | None, reject: str | None, reason: str | None, grounded: bool, list_pending: bool, as_json: bool
) -> None:
    """`retest review --server URL THREAD`: list what is pending, or resume the run's review with decisions."""
    if not thread_id:
        raise InputError("--server needs the run's thread ID", hint=f"List them: retest runs --server {url}")
    current = remote.load(url, thread_id)
    if list_pending:
        _list(current, as_json)
        return
    if accept is None and reject is None and not grounded:
        # The interactive review edits the local store; on a server, decisions go in one call.
        raise InputError(
            "with --server, say what to decide: --accept, --reject or --accept-grounded (or --list)",
            hint=f"Example: retest review --server {url} {thread_id} --accept P1,P3 --reject P2",
        )
    decisions = decisions_for(current, accept, reject, reason, grounded)
    if not decisions:
        out.print(f"Run {thread_id}: no pending proposal is grounded; nothing decided.")
        return
    after = remote.decide(url, thread_id, decisions)
    decided = ", ".join(f"{d.proposal_id} {d.kind}" for d in decisions)
    still = f"still pending: {', '.join(after.pending)}" if after.pending else "every proposal is decided"
    out.print(f"Saved on {url}: {decided}; {still}; run {thread_id} is {after.status}.", markup=False, highlight=False, soft_wrap=True)
