"""What `retest run --since-last` adds to `run` and `run --all`: the plan, the lock, quiet output and exit codes.

Exit codes with --since-last, for cron and CI schedules: 0 nothing changed, 10 changes to review,
75 another --since-last run holds the lock (the state directory's, or the Postgres database's across machines; nothing ran), and a failure's own code
(1 failed, 2 bad input, 3 configuration, 4 cassette miss, 6 provider, 8 budget; see agent/errors.py).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from agent.cli.app import err, out
from agent.errors import ExitCode, RetestError
from agent.store import Store

if TYPE_CHECKING:
    from agent.library import LibraryOutcome, LineResult
    from agent.runner import RunOutcome
    from agent.services import RunRequest

SINCE_LAST_HELP = (
    "Re-test only what changed since the line's last finished run (found by its slug and changelog): unchanged claims are searched after "
    "that run's date (less --overlap-days), screened only for papers never screened and judged again only on new work; a changed claim "
    "is re-tested in full. Exit codes: 0 nothing changed, 10 changes to review, 75 another --since-last run is under way (nothing ran), "
    "any other code a failure."
)
OVERLAP_HELP = "With --since-last: days before the last run's date searched again, for papers arXiv indexed late."
QUIET_HELP = "No progress and no tables: one line per line re-tested (for cron and CI schedules); errors still go to stderr."


def _lock(store: Store) -> AbstractContextManager[None]:
    """The store's since-last lock: it keeps apart the runs of one machine (SQLite) or of every machine on one database (Postgres)."""
    from agent.incremental import scheduled_lock

    return scheduled_lock(store)


def with_plan(request: RunRequest, store: Store, path: Path, overlap_days: int) -> RunRequest:
    """The line's request with its since-last plan; as it was when the line cannot be read (the run then fails for it, by name).

    When the last run cannot be built on (pruned, its kept report lacking what a plan needs), stderr says so: the run is a full one.
    """
    from agent.incremental import planned_request

    try:
        planned, note = planned_request(request, store, path, overlap_days=overlap_days)
    except RetestError:
        return request
    if note:
        err.print(f"{path.stem}: {note}", markup=False, highlight=False, soft_wrap=True)
    return planned


def _verdict(outcome: RunOutcome) -> str:
    from agent.incremental import changes_to_review

    return f"changes to review: retest review {outcome.run.id}" if changes_to_review(outcome) else f"nothing changed (run {outcome.run.id})"


def run_one(line: Path, request: RunRequest, *, overlap_days: int, quiet: bool, since_last: bool, shown: Callable[[RunOutcome], None]) -> None:
    """Run one line (since its last run, under the lock, with --since-last); with it, exits 0 (nothing changed) or 10 (changes to review)."""
    from agent import runner
    from agent.cli.progress import ProgressView
    from agent.incremental import changes_to_review

    store = Store.open()
    with _lock(store) if since_last else nullcontext():
        planned = with_plan(request, store, line, overlap_days) if since_last else request
        if quiet:
            outcome = runner.start_run(line, planned, store)
        else:
            view = ProgressView()
            with view.shown():
                outcome = runner.start_run(line, planned, store, progress=view)
    if quiet:
        out.print(f"{line.stem}: {_verdict(outcome)}", markup=False, highlight=False, soft_wrap=True)
    else:
        shown(outcome)
    if since_last:
        raise typer.Exit(int(ExitCode.CHANGES_TO_REVIEW if changes_to_review(outcome) else ExitCode.OK))
    raise typer.Exit(int(ExitCode.OK))


def library_exit(outcome: LibraryOutcome, stops: dict[Path, str]) -> ExitCode:
    """A failed line fails the library (its code); else 10 when any line has changes to review, 0 when none has."""
    from agent.incremental import changes_to_review

    failed = [r for r in outcome.failed if r.path not in stops]
    if failed:
        return ExitCode.RUN_FAILED
    if stops:
        return ExitCode.BUDGET
    changed = any(r.outcome is not None and changes_to_review(r.outcome) for r in outcome.results)
    return ExitCode.CHANGES_TO_REVIEW if changed else ExitCode.OK


def quiet_lines(results: list[LineResult]) -> None:
    """One line per line of the library: what a scheduled run's log keeps."""
    for r in results:
        said = _verdict(r.outcome) if r.outcome is not None else f"FAILED: {r.error}"
        out.print(f"{r.path.stem}: {said}", markup=False, highlight=False, soft_wrap=True)


def library_lock(store: Store) -> AbstractContextManager[None]:
    """The lock `run --all --since-last` holds while it runs its lines."""
    return _lock(store)


def print_history(slug: str, as_json: bool) -> None:
    """`retest runs --line SLUG`: the line's finished runs, oldest first, with each claim's verdict and what moved."""
    import json

    from rich.table import Table

    from agent.incremental import history

    entries = history(Store.open(), slug)
    if as_json:
        out.print_json(json.dumps([e.model_dump(mode="json") for e in entries]))
        return
    if not entries:
        out.print(f"No finished run of a line with slug {slug!r}. `retest runs` lists every run.", markup=False, highlight=False, soft_wrap=True)
        return
    claims = sorted({c for e in entries for c in e.verdicts})
    table = Table(title=f"Verdicts of {slug}, run by run")
    for col in ("run", "date", "kind", "calls", *claims):
        table.add_column(col, no_wrap=col == "run", overflow="fold")
    before: dict[str, str] = {}
    for e in entries:
        cells = []
        for c in claims:
            now = e.verdicts.get(c, "—")
            cells.append(f"{before[c]} -> {now}" if c in before and before[c] != now else now)
            before[c] = now
        kind = "since last" if e.since_last else "full"
        table.add_row(e.run_id, e.run_date.isoformat(), kind, str(e.calls), *cells)
    out.print(table)


def print_what_changed(outcome: RunOutcome) -> None:
    """After a since-last run's summary: what changed since the last run, as the report opens with it."""
    summary = outcome.state.get("since_last")
    if summary is not None:
        from agent.graph.since_last_changes import what_changed_lines

        out.print("\n".join(what_changed_lines(summary)), markup=False, highlight=False, soft_wrap=True)
