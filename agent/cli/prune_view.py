"""`retest runs --prune`: check the flags, prune (agent.prune), and show what was removed and the space freed."""

from __future__ import annotations

from rich.table import Table

from agent.cli.app import err, out
from agent.errors import InputError
from agent.prune import NEVER_PRUNED, PruneResult, parse_age, parse_statuses
from agent.prune import prune as prune_runs  # the flag is called prune too
from agent.store import Store, where_read


def _size(n: int) -> str:
    """Decimal units (1 MB = 10^6 bytes), as docs/scaling.md quotes them."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def prune_command(*, prune: bool, older_than: str | None, statuses: list[str] | None, dry_run: bool, server: str | None) -> None:
    """Check the prune flags (InputError, exit 2), prune this state directory's old runs, and print the result."""
    if not prune:
        raise InputError("--older-than, --status and --dry-run go with --prune", hint="e.g. retest runs --prune --older-than 30d --dry-run")
    if server:
        raise InputError("--prune works on this state directory, not on a server", hint="Drop --server: retest runs --prune --older-than 30d")
    if older_than is None:
        raise InputError("--prune needs --older-than AGE: how long ago a run must have ended", hint="e.g. retest runs --prune --older-than 30d")
    age, chosen = parse_age(older_than), parse_statuses(statuses)
    store = Store.open()
    result = prune_runs(store, age, chosen, dry_run=dry_run)
    _show(result, older_than, ", ".join(chosen), where_read(store.path.parent))


def _show(result: PruneResult, older_than: str, statuses: str, read: str) -> None:
    never = " and ".join(s.replace("_", " ") for s in NEVER_PRUNED)
    if not result.runs:
        out.print(
            f"Nothing to prune in {read}: no {statuses} run with checkpoints ended more than {older_than} ago. Runs {never} are never pruned.",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        return
    verb = "Would remove" if result.dry_run else "Removed"
    table = Table(title=f"{verb} the checkpoints of {len(result.runs)} run(s) in {read}")
    for col in ("run", "status", "ended", "checkpoints", "bytes"):
        table.add_column(col, no_wrap=col == "run")
    for item in result.runs:
        ended = f"{item.run.ended_at:%Y-%m-%d %H:%M}" if item.run.ended_at else "-"
        table.add_row(item.run.id, str(item.run.status), ended, str(item.checkpoints), _size(item.checkpoint_bytes))
    out.print(table)
    held = _size(sum(item.checkpoint_bytes for item in result.runs))
    if result.dry_run:
        summary = f"Dry run: nothing removed. They hold {held} of checkpoints; the file is {_size(result.file_bytes_before)}."
    else:
        summary = (
            f"Kept each run's report (`retest report RUN` prints it); removed {held} of checkpoints. "
            f"Checkpoint file: {_size(result.file_bytes_before)} -> {_size(result.file_bytes_after)} ({_size(result.freed_bytes)} freed)."
        )
    out.print(f"{summary} Runs {never} are never pruned.", markup=False, highlight=False, soft_wrap=True)
    if result.skipped:
        err.print(f"Left alone, changed while pruning: {', '.join(result.skipped)}.", markup=False, highlight=False, soft_wrap=True)
    if result.vacuum_error:
        err.print(result.vacuum_error, markup=False, highlight=False, soft_wrap=True)
