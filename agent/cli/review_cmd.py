"""`retest review`, `retest apply`, `retest export`: decide on a run's proposals and write them into the line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from agent.cli.app import app, date_option, err, out
from agent.errors import ExitCode, InputError
from agent.store import Store

# The review room loads LangGraph (a run's proposals live in its checkpoint): only inside the commands.
if TYPE_CHECKING:
    from agent.review.apply import ApplyResult
    from agent.review.listing import ReviewListing
    from agent.review.review_run import ReviewRun

AcceptIds = Annotated[str | None, typer.Option("--accept", help="Accept these proposals (comma-separated), e.g. P1,P3.", show_default=False)]
RejectIds = Annotated[str | None, typer.Option("--reject", help="Reject these proposals (comma-separated), e.g. P2.", show_default=False)]


def _ids(value: str | None, option: str, review: ReviewRun) -> list[str]:
    ids = [part.strip().upper() for part in (value or "").split(",") if part.strip()]
    if value is not None and not ids:
        # `--accept "$IDS"` with IDS empty must not fall through to deciding nothing, or to the interactive review.
        raise InputError(f"{option} names no proposal", hint=f"Example: retest review {review.run.id} {option} P1,P3")
    for pid in ids:
        review.proposal(pid)  # InputError naming the run's real IDs
    if len(set(ids)) != len(ids):
        raise InputError(f"{option} names a proposal twice: {value}")
    return ids


def _pending_table(review: ReviewListing) -> Table:
    table = Table(title=f"Run {review.run.id}: {len(review.pending)} pending of {len(review.proposals)}")
    for column in ("id", "kind", "target", "grounded", "proposed text"):
        table.add_column(column)
    for p in review.proposals:
        if p.id in review.pending:
            # The proposed text is a model's: a '[...]' in it is never Rich markup.
            table.add_row(p.id, str(p.kind), Text(p.target), "yes" if p.grounded else "NO", Text(p.after))
    return table


def _list(review: ReviewListing, as_json: bool) -> None:
    from agent.review.links import claims_in_force, stranded

    if as_json:
        decided = [d.model_dump(mode="json") for d in review.decisions.values()]
        pending = [p.model_dump(mode="json") for p in review.proposals if p.id in review.pending]
        links = [c.model_dump(mode="json") for c in review.links.values()]
        payload = {"run_id": review.run.id, "status": str(review.run.status), "pending": pending, "decided": decided, "links": links}
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        out.print(_pending_table(review))
        for correction in review.links.values():
            out.print(f"Link set in review: {correction}.", markup=False, highlight=False, soft_wrap=True)
        for why in stranded(review.proposals, claims_in_force(review.links)).values():
            out.print(f"{why}.", markup=False, highlight=False, soft_wrap=True)


def _batch(review: ReviewRun, store: Store, accept: str | None, reject: str | None, reason: str | None, grounded: bool, *, force: bool = False) -> None:
    from agent.proposals import DecisionKind
    from agent.review.changing import decide
    from agent.review.decisions import make_decision
    from agent.review.session import SessionResult, summary

    accepted, rejected = _ids(accept, "--accept", review), _ids(reject, "--reject", review)
    both = sorted(set(accepted) & set(rejected))
    if both:
        raise InputError(f"{', '.join(both)} cannot be both accepted and rejected")
    if reason and not rejected:
        raise InputError("--reason is recorded with rejections; give --reject too", hint='Example: retest review RUN --reject P2 --reason "off topic"')
    if grounded:
        from agent.review.links import stranded_now

        held = stranded_now(store, review)  # rest on a corrected link: only rejected
        accepted += [pid for pid in review.pending_grounded if pid not in accepted + rejected and pid not in held]
    decisions = [make_decision(pid, DecisionKind.ACCEPT) for pid in accepted]
    decisions += [make_decision(pid, DecisionKind.REJECT, reason=reason or "") for pid in rejected]
    if not decisions:
        out.print(f"Run {review.run.id}: no pending proposal is grounded; nothing decided.")
        return
    # The one review service: refuses a NOT GROUNDED accept without --force, and changes a finished review until apply.
    after = decide(store, review, decisions, confirmed=force)
    parts = [f"accepted {', '.join(accepted)}" if accepted else "", f"rejected {', '.join(rejected)}" if rejected else ""]
    result = SessionResult(after, [d.proposal_id for d in decisions])
    out.print(f"Saved: {'; '.join(p for p in parts if p)}. {summary(result)}", markup=False, highlight=False, soft_wrap=True)


@app.command()
def review(
    run_id: Annotated[
        str | None, typer.Argument(help="The run (a unique prefix is enough). Default: the latest run waiting for review.", show_default=False)
    ] = None,
    accept: AcceptIds = None,
    reject: RejectIds = None,
    reason: Annotated[str | None, typer.Option(help="Why: recorded with every --reject.", show_default=False)] = None,
    accept_grounded: Annotated[bool, typer.Option("--accept-grounded", help="Accept every pending proposal whose evidence passed the ground check.")] = False,
    force: Annotated[bool, typer.Option("--force", help="With --accept: accept proposals marked NOT GROUNDED too.")] = False,
    reopen: Annotated[
        bool, typer.Option("--reopen", help="Change the decisions of a finished review (until apply); alone, every proposal waits for a decision again.")
    ] = False,
    undo_ids: Annotated[
        str | None, typer.Option("--undo", help="Withdraw the decisions on these proposals (comma-separated): they wait again.", show_default=False)
    ] = None,
    link: Annotated[
        list[str] | None,
        typer.Option(
            "--link",
            help="Correct which claim an anchor is cited for, e.g. A2=C3 (A2=C3,C4 for two; repeat for more anchors). Apply writes it into the line.",
            show_default=False,
        ),
    ] = None,
    list_pending: Annotated[bool, typer.Option("--list", help="Show what is pending and exit.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="With --list: print JSON for scripts.")] = False,
    server: Annotated[str | None, typer.Option("--server", help="Review a run on this LangGraph server; RUN_ID is its thread ID.", show_default=False)] = None,
) -> None:
    """Decide on a run's proposals: interactively one at a time, or in one go for scripts.

    Interactive keys: a accept, r reject (with an optional reason), e edit the
    new text in $EDITOR, l correct an anchor's link, s skip, b back, q quit.
    Every decision is saved as it is made; `retest review` again continues
    where you stopped.

    The report shows which claim each anchor was linked to and why. To correct
    one (say A2 backs C3, not C1): --link A2=C3. The proposals that judged A2
    against C1 can then only be rejected, and `retest apply` writes the link
    into the line, so the next run reads A2 against C3.

    Example (interactive, the latest run waiting for review):

        retest review

    Example (scripted):

        retest review 20261129-212400-3f9a --accept P1,P3 --reject P2 --reason "off topic"
        retest review 20261129-212400-3f9a --link A2=C3
    """
    if as_json and not list_pending:
        raise InputError("--json goes with --list", hint="Example: retest review RUN --list --json")
    deciding = accept is not None or reject is not None or accept_grounded
    if list_pending and (deciding or reason or reopen or undo_ids is not None or link):
        # --list only shows: quietly ignoring --accept/--reject would let a script believe it decided.
        raise InputError(
            "--list only shows what is pending; it takes no --accept, --reject, --accept-grounded or --reason",
            hint="Decide first, then list: retest review RUN --accept P1 && retest review RUN --list",
        )
    if server and link:
        raise InputError("--link works on runs in this machine's store, not yet with --server", hint="Correct the link where the run is stored.")
    if server:
        from agent.cli._served import review as served_review

        served_review(server, run_id, accept=accept, reject=reject, reason=reason, grounded=accept_grounded, list_pending=list_pending, as_json=as_json)
        return
    store = Store.open()
    if list_pending:
        from agent.review.listing import list_review

        _list(list_review(store, run_id), as_json)
        return
    from agent.review.review_run import load_review
    from agent.review.session import Session, SessionResult, TerminalKeys, summary

    current = load_review(store, run_id)
    if link:
        _links(store, current, link, _ids(accept, "--accept", current) if accept is not None else [])
        if not (deciding or undo_ids is not None or reopen):
            return
    if not current.open and not reopen and (deciding or undo_ids is not None):
        from agent.review.review_run import batch_in_force

        if deciding and batch_in_force(current, accept, reject, reason):  # a retry after a kill: done already
            out.print(f"Run {current.run.id}: these decisions are already saved; nothing to do.", markup=False, highlight=False)
            return
        _closed(current)
    if undo_ids is not None:
        current = _undo(store, current, _ids(undo_ids, "--undo", current))
    elif reopen and not deciding:
        current = _undo(store, current, [pid for pid, d in current.decisions.items() if str(d.kind) != "undo"])
    if deciding:
        _batch(current, store, accept, reject, reason, accept_grounded, force=force)
        return
    if undo_ids is not None:
        return
    if reason:
        raise InputError("--reason is recorded with rejections; give --reject too")
    session = Session(current, store, out, TerminalKeys(out))
    try:
        result = session.run()
    except KeyboardInterrupt:
        err.print(summary(SessionResult(session.review, session.decided, quit=True)), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    out.print(summary(result), markup=False, highlight=False, soft_wrap=True)


def _links(store: Store, review: ReviewRun, texts: list[str], accepting: list[str]) -> None:
    """Save each --link, saying what it leaves to be rejected; refuse first if the same command accepts one of those."""
    from agent.review.links import claims_in_force, links_in_force, parse_link, set_link, stranded, stranded_now

    wanted = [parse_link(text, review.line) for text in texts]  # every one checked before any is saved
    anchors = [a for a, _ in wanted]
    if len(set(anchors)) != len(anchors):
        raise InputError(f"--link names an anchor twice: {', '.join(texts)}", hint="Give each anchor once, e.g. --link A2=C3,C4")
    clash = [pid for pid in stranded(review.proposals, {**claims_in_force(links_in_force(store, review.run.id)), **dict(wanted)}) if pid in accepting]
    if clash:
        raise InputError(
            f"--accept {','.join(clash)} rests on the link --link takes away; nothing was saved",
            hint=f"Reject {','.join(clash)} instead, or leave its anchor's link as it is.",
        )
    for anchor_id, claims in wanted:
        saved = set_link(store, review, anchor_id, claims)
        said = f"Saved: {saved}." if saved else f"{anchor_id} is already linked to {', '.join(claims)} in this review; nothing to do."
        out.print(said, markup=False, highlight=False, soft_wrap=True)
    for pid, why in stranded_now(store, review).items():
        if pid in review.pending:
            out.print(f"{why}.", markup=False, highlight=False, soft_wrap=True)
    out.print(f"`retest apply {review.run.id}` writes the link into the line.", markup=False, highlight=False, soft_wrap=True)


def _closed(review: ReviewRun) -> None:
    from agent.review.review_run import require_open

    if review.run.status.value == "completed":
        raise InputError(
            f"run {review.run.id} is completed: its review is closed",
            hint=f"Change its decisions until apply with --reopen, e.g. retest review {review.run.id} --reopen --undo P2",
        )
    require_open(review)


def _undo(store: Store, review: ReviewRun, ids: list[str]) -> ReviewRun:
    from agent.review.changing import undo

    after = undo(store, review, ids)
    if ids:
        out.print(f"Reopened {', '.join(ids)} of run {after.run.id}: they wait for a decision again.", markup=False, highlight=False, soft_wrap=True)
    return after


def _print_diff(old: str, new: str, target: Path) -> None:
    import difflib

    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), f"{target} (now)", f"{target} (after apply)", lineterm="")
    for line in lines:
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else "cyan" if line.startswith("@@") else None
        out.print(Text(line, style=style or ""), highlight=False, soft_wrap=True)


def _date(value: str | None) -> dt.date | None:
    return date_option(value, "--date")


def _written(result: ApplyResult) -> str:
    """What apply writes: the proposals, then the anchor links set in review."""
    return ", ".join([*result.applied, *(f"the link of {anchor_id}" for anchor_id in result.links)])


@app.command("apply")
def apply_cmd(
    run_id: Annotated[str, typer.Argument(help="The reviewed run (a unique prefix is enough).")],
    out_file: Annotated[Path | None, typer.Option("--out", help="Write the canonical Markdown line here instead.", show_default=False)] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Apply even if the line file changed since the run, or replace an unrelated target (a backup is kept).")
    ] = False,
    date: Annotated[str | None, typer.Option(help="Date of the changelog entry (YYYY-MM-DD). Default: today.", show_default=False)] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Run every check and print the diff of the file; write nothing.")] = False,
    partial: Annotated[bool, typer.Option("--partial", help="Apply what is accepted now; the rest stays pending and can be applied later.")] = False,
) -> None:
    """Write a reviewed run's accepted and edited proposals into the line's canonical Markdown file.

    A Markdown line is rewritten in place (atomically, after a backup); a
    plain-text line gets FILE.md beside it and is never overwritten. Refuses
    when the line file changed after the run started, unless --force. Applying
    the same run twice changes nothing.

    Example:

        retest apply 20261129-212400-3f9a
    """
    from agent.review.apply import ApplyStatus, apply_review
    from agent.review.links import links_in_force
    from agent.review.review_run import load_review

    store = Store.open()
    current = load_review(store, run_id)
    links = links_in_force(store, current.run.id)
    result = apply_review(
        current, backup_dir=store.path.parent / "backups", out=out_file, force=force, today=_date(date), dry_run=dry_run, partial=partial, links=links
    )
    rid = current.run.id
    if result.status is ApplyStatus.PREVIEW:
        _print_diff(result.old_text, result.new_text, result.target)
        out.print(f"Dry run: {_written(result)} would be written to {result.target}; nothing was written.", markup=False, highlight=False, soft_wrap=True)
    elif result.status is ApplyStatus.ALREADY_APPLIED:
        out.print(
            f"Run {rid} is already applied to {result.target} (its changelog names the run); nothing changed.", markup=False, highlight=False, soft_wrap=True
        )
    elif result.status is ApplyStatus.NOTHING_ACCEPTED:
        out.print(f"Run {rid}: no proposal was accepted; nothing to apply, no file written.", markup=False, highlight=False, soft_wrap=True)
    else:
        backup = f" (previous version kept at {result.backup})" if result.backup else ""
        out.print(f"Applied {_written(result)} from run {rid} to {result.target}{backup}.", markup=False, highlight=False, soft_wrap=True)
        if Path(current.run.line_path) != result.target:
            out.print(f"Next time, run Retest on the canonical file: retest run {result.target}", markup=False, highlight=False, soft_wrap=True)


@app.command("export")
def export_cmd(
    run_id: Annotated[str, typer.Argument(help="The run (a unique prefix is enough).")],
    bibtex: Annotated[bool, typer.Option("--bibtex", help="BibTeX of every paper cited by an accepted proposal.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON: the run, every proposal with its decision, the cited papers.")] = False,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of stdout.", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="With --out: replace a file that already exists.")] = False,
) -> None:
    """Export a run's review: the papers its accepted proposals cite (BibTeX), or everything as JSON.

    Example:

        retest export 20261129-212400-3f9a --bibtex --out refs.bib
    """
    if bibtex == as_json:
        raise InputError("give exactly one of --bibtex or --json", hint="Example: retest export RUN --bibtex")
    if out_file is not None and out_file.exists() and not force:
        # It may be the line itself, or anything else the user keeps: never replaced by surprise.
        raise InputError(f"--out {out_file} already exists; nothing was written", hint="Choose another file, or pass --force to replace it.")
    from agent.line.read import write_text_atomic
    from agent.review.export import to_bibtex, to_json
    from agent.review.review_run import load_review

    current = load_review(Store.open(), run_id)
    text = to_bibtex(current) if bibtex else to_json(current)
    if not text:
        # Empty output alone reads as a failure; say why it is empty.
        err.print(f"Run {current.run.id}: no accepted proposal cites a paper, so the BibTeX is empty.", markup=False, highlight=False, soft_wrap=True)
    if out_file is None:
        typer.echo(text, nl=False)
        return
    write_text_atomic(out_file, text)
    err.print(f"Wrote {out_file}", markup=False, highlight=False, soft_wrap=True)
