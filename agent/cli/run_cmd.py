"""`retest run`, `retest resume`, `retest runs`, `retest report`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from agent.cli._cost import CONFIRM_ABOVE_USD, DRY_RUN_HELP, MAX_COST_HELP, budget_for, check_max_cost, print_line_estimate
from agent.cli._since_last import OVERLAP_HELP, QUIET_HELP, SINCE_LAST_HELP
from agent.cli.app import app, date_option, err, out
from agent.cli.batch_cmd import BATCH_HELP, POLL_HELP, WAIT_HELP, check_batch_flags, exit_if_waiting, settle_runs
from agent.cli.progress import ProgressView, cost_breakdown
from agent.errors import ExitCode, InputError
from agent.graph.since_last import DEFAULT_OVERLAP_DAYS
from agent.llm.base import money, total_cost
from agent.llm.budget import Budget, spending_limit
from agent.store import Store

DEFAULT_POLL_S = 60.0  # agent.batches.DEFAULT_POLL_S, which loads LangGraph

# LangGraph, the SDKs and vcrpy load only inside the commands that use them (`agent.runner`,
# `agent.report`, ...): `retest --version` and `retest runs` must start in well under a second.
if TYPE_CHECKING:
    from agent.config import Mode
    from agent.runner import RunOutcome

ModelFlag = Annotated[
    str | None, typer.Option(help="Model for this role, e.g. openai:gpt-5.4-mini (overrides RETEST_<ROLE> and the preset).", show_default=False)
]


def _date(value: str | None) -> dt.date | None:
    return date_option(value, "--run-date")


def _interrupted(run_id: str | None) -> typer.Exit:
    """Say what Ctrl-C left behind and how to go on; returns the exit (130) to raise.

    Typer would otherwise turn the KeyboardInterrupt into a silent exit 130.
    """
    if run_id:
        message = f"interrupted: run {run_id} stopped; its finished steps are saved. Continue it with: retest resume {run_id}"
    else:
        message = "interrupted before the run started; nothing was recorded."
    err.print(message, markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(int(ExitCode.INTERRUPTED))


def _summary(outcome: RunOutcome) -> None:
    run = outcome.run
    table = Table(title=f"Verdicts — run {run.id}")
    for col in ("claim", "date", "verdict", "anchors", "findings"):
        table.add_column(col)
    for claim in outcome.line.prompt.claims if outcome.line else []:
        r = outcome.claim_results.get(claim.id)
        verdict = str(r.verdict.verdict) if r and r.verdict else "—"
        anchors = ", ".join(r.anchored_by) if r and r.anchored_by else "none"
        table.add_row(claim.id, claim.date.text, verdict, anchors, str(len(r.findings) if r else 0))
    out.print(table)
    proposals, usage = outcome.proposals, outcome.usage
    cost = outcome.cost_usd
    ungrounded = len(outcome.ungrounded)
    out.print(
        f"{len(proposals)} proposals ({sum(p.grounded for p in proposals)} grounded), {ungrounded} ungrounded citations removed; "
        f"{sum(u.calls for u in usage)} model calls, {sum(u.input_tokens for u in usage)} tokens in, {sum(u.output_tokens for u in usage)} out; "
        f"estimated price {money(cost)}; arXiv requests {outcome.requests_sent}."
    )
    out.print(cost_breakdown(usage, [c.id for c in outcome.line.prompt.claims] if outcome.line else []), highlight=False)
    out.print(f"Status: {run.status}. Next: [bold]retest review {run.id}[/]   (full report: retest report {run.id})")


def _shown(outcome: RunOutcome, report: bool) -> None:
    """A since-last run's summary, then its report, which opens with what changed, or what changed alone."""
    from agent.cli._since_last import print_what_changed

    _summary(outcome)
    if report:
        _print_report(outcome.run.id, "md", Store.open())
    else:
        print_what_changed(outcome)


@app.command()
def run(
    line: Annotated[
        Path | None, typer.Argument(help="The line file: the library's plain-text export or a canonical .md file (omit with --all).", show_default=False)
    ] = None,
    replay: Annotated[Path | None, typer.Option(help="Replay every call from this cassette: no keys, no network.")] = None,
    record: Annotated[Path | None, typer.Option(help="Call the real services (keys needed) and record every call into this cassette.")] = None,
    preset: Annotated[
        str | None,
        typer.Option(help="Named preset of settings: models, concurrency, contradiction window (see `retest models`; flags and RETEST_* still win)."),
    ] = None,
    planner: ModelFlag = None,
    screener: ModelFlag = None,
    judge: ModelFlag = None,
    writer: ModelFlag = None,
    run_date: Annotated[str | None, typer.Option(help="The date the run re-tests against (YYYY-MM-DD). Default: today; in replay, the cassette's.")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Ask arXiv again even for fresh cached results.")] = False,
    report: Annotated[bool, typer.Option("--report", help="Print the full Markdown report after the summary.")] = False,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            metavar="arxiv|local|auto",
            help="Where to search: arxiv (the API), local (the local index only, no request to arXiv) or auto (the local index for what it covers, "
            "arXiv for later days and for anchors; the default, or RETEST_SOURCE). Replay and record search arXiv unless this is local.",
            show_default=False,
        ),
    ] = None,
    index: Annotated[
        Path | None,
        typer.Option(
            "--index",
            metavar="PATH",
            help="The local arXiv index (default: index/ in the state directory; build one with `retest index build`).",
            show_default=False,
        ),
    ] = None,
    all_dir: Annotated[
        Path | None,
        typer.Option(
            "--all",
            help="Re-test every line file (*.txt, *.md) in this folder, several at once; --replay/--record then name a folder with one cassette per line (<line>.yaml).",
            show_default=False,
        ),
    ] = None,
    citations: Annotated[
        bool,
        typer.Option(
            "--citations", help="Also screen the papers citing each anchor within the claim's window (Semantic Scholar; OpenAlex with OPENALEX_API_KEY)."
        ),
    ] = False,
    only_sources: Annotated[
        str | None,
        typer.Option(
            "--sources",
            metavar="LIST",
            help="Sources a run may ask, comma-separated from arxiv, semanticscholar, openalex, crossref (default: every one whose key "
            "or policy allows it; see `retest sources`). Naming one beyond arXiv turns --citations on.",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
    max_cost: Annotated[float | None, typer.Option("--max-cost", metavar="USD", help=MAX_COST_HELP, show_default=False)] = None,
    yes: Annotated[bool, typer.Option("--yes", help="With --all: go ahead without asking, however high the estimate.")] = False,
    confirm_above: Annotated[
        float, typer.Option("--confirm-above", metavar="USD", help="With --all in a terminal: ask first when the estimate (or --max-cost) is above USD.")
    ] = CONFIRM_ABOVE_USD,
    since_last: Annotated[bool, typer.Option("--since-last", help=SINCE_LAST_HELP)] = False,
    overlap_days: Annotated[int, typer.Option("--overlap-days", metavar="DAYS", min=0, help=OVERLAP_HELP)] = DEFAULT_OVERLAP_DAYS,
    quiet: Annotated[bool, typer.Option("--quiet", help=QUIET_HELP)] = False,
    batch: Annotated[bool, typer.Option("--batch", help=BATCH_HELP)] = False,
    wait: Annotated[bool, typer.Option("--wait", help=WAIT_HELP)] = False,
    poll: Annotated[float, typer.Option("--poll", metavar="SECONDS", min=0, help=POLL_HELP)] = DEFAULT_POLL_S,
) -> None:
    """Re-test every dated claim of LINE against newer arXiv work and draft proposals for review.

    Example (offline, from the demo cassette):

        retest run examples/bargaining-power.txt --replay cassettes/demo/bargaining-power.yaml

    Example (live; needs OPENAI_API_KEY and ANTHROPIC_API_KEY):

        retest run examples/bargaining-power.txt --record cassettes/mine.yaml

    Example (a whole library, live, sharing one arXiv rate limit):

        retest run --all examples/

    Example (what a library would cost, without calling anything; then a run capped at one dollar):

        retest run --all examples/ --dry-run

        retest run --all examples/ --max-cost 1.00

    Example (searches from a local index only; build it with `retest index build`):

        retest run examples/bargaining-power.txt --source local --index /tmp/arxiv-index

    Example (a month later: only what changed since the last run; from cron, exit 0 nothing changed, 10 changes to review, 75 another run under way):

        retest run --all examples/ --since-last --quiet

    Example (a library at half price through the batch APIs, waiting here for the answers; offline from its cassettes):

        retest run --all examples/ --batch --wait --replay cassettes/batch/
    """
    check_batch_flags(batch=batch, wait=wait, record=record is not None, since_last=since_last, max_cost=max_cost)
    if replay and record:
        raise InputError("--replay and --record exclude each other", hint="Replay a cassette, or record a new one, not both.")
    mode: Mode = "replay" if replay else "record" if record else "live"
    cassette_path = replay or record
    from agent import runner
    from agent.config import load_settings
    from agent.services import RunRequest

    flags = {
        "planner": planner,
        "screener": screener,
        "judge": judge,
        "writer": writer,
        "source": source,
        "index_path": index,
        "citations": citations or None,
        "sources": only_sources,
    }
    if only_sources is not None:
        from agent.sources.catalog import beyond_arxiv

        flags["citations"] = citations or beyond_arxiv(only_sources) or None
    settings = load_settings(preset=preset, overrides=flags)
    if (line is None) == (all_dir is None):
        raise InputError("give either a LINE file or --all DIR", hint="e.g. retest run examples/bargaining-power.txt, or retest run --all examples/")
    if all_dir is not None:
        if report:
            raise InputError("--report prints one run; with --all, print each with `retest report RUN_ID`")
        template = RunRequest(mode=mode, run_date=_date(run_date), use_cache=not no_cache, settings=settings, batch=batch)
        from agent.cli.run_all import run_all

        run_all(
            all_dir, template, replay_dir=replay, record_dir=record, dry_run=dry_run, max_cost=max_cost, yes=yes, confirm_above=confirm_above,
            since_last=overlap_days if since_last else None, quiet=quiet, wait=wait, poll_s=poll,
        )  # fmt: skip
        return
    assert line is not None  # exactly one of LINE and --all, checked above
    date = _date(run_date) or (runner.cassette_run_date(replay) if replay else None)
    if dry_run:
        print_line_estimate(line, settings, date or dt.datetime.now(dt.UTC).date(), since_last=overlap_days if since_last else None, batch=batch)
        return
    check_max_cost(max_cost, settings)
    request = RunRequest(mode=mode, cassette=cassette_path, run_date=date, use_cache=not no_cache, settings=settings, batch=batch)
    if since_last or quiet:
        from agent.cli._since_last import run_one

        with spending_limit(budget_for(max_cost)):
            run_one(line, request, overlap_days=overlap_days, quiet=quiet, since_last=since_last, shown=lambda o: _shown(o, report))
    store = Store.open()
    view = ProgressView()
    try:
        with view.shown(), spending_limit(budget_for(max_cost)):
            outcome = runner.start_run(line, request, store, progress=view)
            if batch:
                outcome = _settled(store, outcome, wait=wait, poll_s=poll)
    except KeyboardInterrupt:
        raise _interrupted(view.run_id) from None
    _summary(outcome)
    if report:
        _print_report(outcome.run.id, "md", store)
    exit_if_waiting(store, [outcome.run.id])


def _settled(store: Store, outcome: RunOutcome, *, wait: bool, poll_s: float) -> RunOutcome:
    """A batch run after its batches: submitted, and with --wait collected and gone on to review (or waiting still)."""
    from agent.runs import RunStatus

    if outcome.run.status is not RunStatus.WAITING:
        return outcome
    latest = settle_runs(store, [outcome.run.id], wait=wait, poll_s=poll_s).get(outcome.run.id)
    return latest or outcome


@app.command()
def resume(
    run_id: Annotated[str | None, typer.Argument(help="The run to continue (a unique prefix is enough).", show_default=False)] = None,
    max_cost: Annotated[
        float | None, typer.Option("--max-cost", metavar="USD", help=MAX_COST_HELP + " What the run spent before counts.", show_default=False)
    ] = None,
    waiting: Annotated[
        bool, typer.Option("--waiting", help="Every run waiting for a batch (`run --batch`): collect what ended, go on, submit the next calls together.")
    ] = False,
    wait: Annotated[bool, typer.Option("--wait", help="For runs waiting for a batch: stay until every one has its answers.")] = False,
    poll: Annotated[float, typer.Option("--poll", metavar="SECONDS", min=0, help=POLL_HELP)] = DEFAULT_POLL_S,
) -> None:
    """Continue a run that was killed, failed or waits for a batch, from its last checkpoint; finished steps are not repeated.

    Example:

        retest resume 20261129-212400-3f9a

    Example (every run waiting for batch results; exit 11 while batches are still processing):

        retest resume --waiting
    """
    from agent.runner import resume_run
    from agent.runs import RunStatus, get_run

    if (run_id is None) == (not waiting):
        raise InputError("give a RUN_ID, or --waiting for every run waiting for a batch", hint="`retest runs` lists the runs and their status.")
    store = Store.open()
    if waiting or get_run(store, run_id or "").status is RunStatus.WAITING:
        check_batch_flags(batch=True, wait=wait, record=False, since_last=False, max_cost=max_cost)
        _resume_batches(store, run_id, wait=wait, poll_s=poll)
        return
    view = ProgressView()
    try:
        with view.shown(), spending_limit(_resumed_budget(run_id or "", store, max_cost)):
            outcome = resume_run(run_id or "", store, progress=view)
    except KeyboardInterrupt:
        raise _interrupted(run_id) from None
    _summary(outcome)


def _resume_batches(store: Store, run_id: str | None, *, wait: bool, poll_s: float) -> None:
    """Go on with waiting batch runs (one, or all): collect, resume, submit; a summary of each run that reached review."""
    from agent.batches import waiting_runs
    from agent.runs import get_run

    run_ids = [get_run(store, run_id).id] if run_id else waiting_runs(store)
    if not run_ids:
        out.print("No run waits for a batch.")
        return
    try:
        outcomes = settle_runs(store, run_ids, wait=wait, poll_s=poll_s)
    except KeyboardInterrupt:
        raise _interrupted(run_id) from None
    for outcome in outcomes.values():
        _summary(outcome)
    exit_if_waiting(store, run_ids)


def _resumed_budget(run_id: str, store: Store, max_cost: float | None) -> Budget | None:
    """The budget of a resumed run: --max-cost less what its earlier sittings spent."""
    if max_cost is None:
        return None
    from agent.config import settings_from_saved
    from agent.runs import get_run, run_usage

    run = get_run(store, run_id)
    if run.settings is not None:
        check_max_cost(max_cost, settings_from_saved(run.settings))
    return budget_for(max_cost, spent_usd=total_cost(u.cost_usd for u in run_usage(store, run.id)) or 0.0)


@app.command()
def runs(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    server: Annotated[str | None, typer.Option("--server", help="List the runs on this LangGraph server instead, e.g. http://127.0.0.1:2024.")] = None,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune",
            help="Remove the checkpoints of runs that ended more than --older-than ago, keeping each one's report (`retest report` still prints it). "
            "Runs awaiting review, running or waiting for a batch are never pruned; a pruned run can no longer be reviewed again or resumed from its last step.",
        ),
    ] = False,
    older_than: Annotated[
        str | None, typer.Option("--older-than", metavar="AGE", help="With --prune: how long ago a run ended, e.g. 12h, 30d, 2w.", show_default=False)
    ] = None,
    status: Annotated[
        list[str] | None,
        typer.Option(
            "--status", metavar="STATUS", help="With --prune: which runs (completed, failed, interrupted; repeat or comma-separate). Default: completed."
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="With --prune: show what would be removed, remove nothing.")] = False,
    line_slug: Annotated[
        str | None, typer.Option("--line", metavar="SLUG", help="A line's history instead: its finished runs with each claim's verdict, and what moved.")
    ] = None,
) -> None:
    """List the runs in this state directory, newest first; with --prune, remove old runs' checkpoints and keep their reports.

    Example:

        retest runs

    Example (what pruning would remove, then remove it):

        retest runs --prune --older-than 30d --dry-run

        retest runs --prune --older-than 30d --status completed,failed

    Example (a line's verdicts, run by run):

        retest runs --line bargaining-power
    """
    if line_slug is not None:
        from agent.cli._since_last import print_history

        print_history(line_slug, as_json)
        return
    if prune or older_than is not None or status or dry_run:
        from agent.cli.prune_view import prune_command

        prune_command(prune=prune, older_than=older_than, statuses=status, dry_run=dry_run, server=server)
        return
    if server:
        from agent.cli._served import print_runs

        print_runs(server, as_json)
        return
    from agent.prune import pruned_runs
    from agent.runs import list_runs
    from agent.store import where_read

    store = Store.open()
    records, read, pruned = list_runs(store), where_read(store.path.parent), pruned_runs(store)
    if as_json:
        err.print(f"Read {read}.", markup=False, highlight=False, soft_wrap=True)  # stdout stays JSON
        out.print_json(json.dumps([{**r.model_dump(mode="json"), "pruned": r.id in pruned} for r in records]))
        return
    table = Table(title=f"Runs in {read}")
    width = max((len(r.id) for r in records), default=0)
    for col in ("run", "status", "line", "mode", "started"):
        # The ID is what every next command needs: never cut it; the other cells may fold.
        table.add_column(col, no_wrap=col in ("run", "status"), min_width=width if col == "run" else None, overflow="fold")
    for r in records:
        # A file name may hold '[...]': shown as is, never read as Rich markup.
        shown_status = f"{r.status} (pruned)" if r.id in pruned else str(r.status)  # only its report is kept
        table.add_row(r.id, shown_status, Text(Path(r.line_path).name), r.mode, f"{r.started_at:%Y-%m-%d %H:%M}")
    if records:
        out.print(table)
    else:
        out.print(f"No runs yet in {read}. Start one with: retest run LINE", markup=False, highlight=False, soft_wrap=True)


def _print_report(run_id: str, fmt: str, store: Store) -> None:
    from agent.report import build_report, render_markdown
    from agent.runner import load_state
    from agent.runs import run_usage

    record, state, waiting = load_state(run_id, store)
    if not state:
        _print_kept_report(record.id, fmt, store)
        return
    rep = build_report(record, state, waiting, run_usage(store, record.id))
    if fmt == "json":
        out.print_json(rep.model_dump_json())
    else:
        out.print(render_markdown(rep), markup=False, highlight=False, soft_wrap=True)


def _print_kept_report(run_id: str, fmt: str, store: Store) -> None:
    """A pruned run's report: its checkpoints are gone, the report kept before they were removed is not."""
    from agent.report import kept_report, kept_report_json, render_markdown

    kept = kept_report_json(store, run_id)
    if kept is None:
        raise InputError(f"run {run_id} has no saved state yet", hint=f"Resume it with `retest resume {run_id}`.")
    err.print(f"Run {run_id} was pruned: this is the report kept when its checkpoints were removed.", markup=False, highlight=False, soft_wrap=True)
    rep = kept_report(store, run_id) if fmt != "json" else None
    if rep is None:
        out.print_json(kept)  # as kept, even when a later Report has other fields
    else:
        out.print(render_markdown(rep), markup=False, highlight=False, soft_wrap=True)


@app.command("report")
def report_cmd(
    run_id: Annotated[str, typer.Argument(help="The run (a unique prefix is enough).")],
    fmt: Annotated[str, typer.Option("--format", help="md or json.")] = "md",
) -> None:
    """Print a run's whole report: anchors, verdicts with evidence, contradictions, questions, proposals, searches, cost.

    Example:

        retest report 20261129-212400-3f9a --format json
    """
    if fmt not in ("md", "json"):
        raise InputError(f"--format {fmt!r} is not md or json", hint=f"Example: retest report {run_id} --format json")
    _print_report(run_id, fmt, Store.open())
