"""`retest runs --prune`: keep an old run's report in the store, then remove its checkpoints.

Checkpoints are most of Retest's state (the demo line writes about 1.1 MB of
them per run, see docs/scaling.md); a finished run needs none of them except
to print its report. Pruning writes that report (the JSON `retest report RUN
--format json` prints) into `run_reports` first and deletes the run's
checkpoint thread only after it is committed, so no run is ever left with
neither. Runs awaiting review or running are never pruned: their review or
their next step needs the checkpoint.

Layer 8: it builds the report (agent.report, layer 7) from the runner's state
(layer 6). LangGraph loads only inside `prune` (the listing helpers here are
used by `retest runs`, which must start without it).
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from agent.errors import InputError, storage_errors
from agent.runs import RunRecord, RunStatus, get_run, list_runs, run_lock
from agent.store import Store, connect_state_db

CHECKPOINTS = "checkpoints.db"  # the runner's file name (agent.runner.CHECKPOINTS), not imported: that would load LangGraph
PRUNABLE = (RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.INTERRUPTED)
NEVER_PRUNED = (RunStatus.AWAITING_REVIEW, RunStatus.RUNNING, RunStatus.WAITING)  # a waiting run resumes from its checkpoints
DEFAULT_STATUSES = (RunStatus.COMPLETED,)
_AGE = re.compile(r"(\d+)([hdw])")
_UNITS = {"h": dt.timedelta(hours=1), "d": dt.timedelta(days=1), "w": dt.timedelta(weeks=1)}


def parse_age(text: str) -> dt.timedelta:
    """`12h`, `30d` or `2w` as a timedelta; InputError (exit 2) for anything else."""
    match = _AGE.fullmatch(text.strip().lower())
    if match is None:
        raise InputError(
            f"--older-than {text!r} is not an age: give a whole number of hours, days or weeks",
            hint="e.g. --older-than 12h, --older-than 30d or --older-than 2w",
        )
    return int(match.group(1)) * _UNITS[match.group(2)]


def parse_statuses(values: Iterable[str] | None) -> tuple[RunStatus, ...]:
    """The statuses to prune (repeated or comma-separated); default completed. InputError for a status that is never pruned."""
    names = [part.strip().lower() for value in values or () for part in value.split(",") if part.strip()]
    if not names:
        return DEFAULT_STATUSES
    chosen: list[RunStatus] = []
    for name in names:
        status = next((s for s in RunStatus if s.value == name.replace("-", "_")), None)
        if status in NEVER_PRUNED:
            raise InputError(
                f"--status {name}: runs {name} are never pruned (their review or next step needs the checkpoints)",
                hint=f"Prune {', '.join(PRUNABLE)} runs; finish a run's review first (`retest review`).",
            )
        if status is None:
            raise InputError(f"--status {name!r} is not a run status", hint=f"Give one or more of {', '.join(PRUNABLE)}.")
        chosen.append(status)
    return tuple(dict.fromkeys(chosen))


class PrunedRun(BaseModel):
    """One run whose checkpoints were (or, in a dry run, would be) removed."""

    model_config = ConfigDict(frozen=True)

    run: RunRecord
    checkpoint_bytes: int
    checkpoints: int


class PruneResult(BaseModel):
    """What `prune` did: the runs, the checkpoint file's size before and after, and why any were left alone."""

    runs: list[PrunedRun]
    dry_run: bool
    file_bytes_before: int
    file_bytes_after: int
    skipped: list[str] = []
    vacuum_error: str | None = None

    @property
    def freed_bytes(self) -> int:
        return max(self.file_bytes_before - self.file_bytes_after, 0)


def checkpoint_path(store: Store) -> Path:
    """The checkpoint database beside the store (LangGraph's SQLite checkpointer, opened by agent.runner.open_graph)."""
    return store.path.parent / CHECKPOINTS


def file_bytes(db: Path) -> int:
    """The database's size on disk with its WAL file (a pruned database's pages may sit in the WAL until checkpointed)."""
    return sum(p.stat().st_size for p in (db, db.with_name(db.name + "-wal")) if p.is_file())


PG_CHECKPOINT_TABLES = ("checkpoints", "checkpoint_blobs", "checkpoint_writes")  # LangGraph's Postgres checkpointer's, by thread_id


def checkpoint_bytes(store: Store) -> int:
    """What the store's checkpoints take: the SQLite file with its WAL, or the Postgres checkpointer's tables with their indexes."""
    if store.kind != "postgres":
        return file_bytes(checkpoint_path(store))
    with store.lock:
        row = store.conn.execute(
            "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) AS n FROM pg_class c WHERE c.relname IN (?, ?, ?) AND c.relkind = 'r'",
            PG_CHECKPOINT_TABLES,
        ).fetchone()
    return int(row["n"])


def _pg_thread_sizes(store: Store) -> dict[str, tuple[int, int]]:
    """Run (thread) ID -> (bytes of its checkpoints, blobs and writes, number of checkpoints), in Postgres."""
    sizes: dict[str, tuple[int, int]] = {}
    queries = [
        ("SELECT thread_id, SUM(pg_column_size(checkpoint) + pg_column_size(metadata)), COUNT(*) FROM checkpoints GROUP BY thread_id", True),
        ("SELECT thread_id, SUM(COALESCE(pg_column_size(blob), 0)), 0 FROM checkpoint_blobs GROUP BY thread_id", False),
        ("SELECT thread_id, SUM(pg_column_size(blob)), 0 FROM checkpoint_writes GROUP BY thread_id", False),
    ]
    with store.lock:
        if store.conn.execute("SELECT to_regclass('checkpoints') IS NULL AS missing").fetchone()["missing"]:
            return {}  # the checkpointer never ran on this database
        for sql, counts in queries:
            for thread, held, count in store.conn.execute(sql).fetchall():
                before, checkpoints = sizes.get(thread, (0, 0))
                sizes[thread] = (before + int(held or 0), int(count) if counts else checkpoints)
    return sizes


def pruned_runs(store: Store) -> dict[str, dt.datetime]:
    """Run ID -> when its checkpoints were pruned, for every run whose report is kept in the store."""
    with store.lock:
        rows = store.conn.execute("SELECT run_id, pruned_at FROM run_reports").fetchall()
    return {r["run_id"]: dt.datetime.fromisoformat(r["pruned_at"]) for r in rows}


def _thread_sizes(db: Path) -> dict[str, tuple[int, int]]:
    """Run (thread) ID -> (bytes of its checkpoints and pending writes, number of checkpoints)."""
    if not db.is_file():
        return {}
    conn = connect_state_db(db, read_only=True)
    try:
        sizes = {
            r[0]: (int(r[1] or 0), int(r[2]))
            for r in conn.execute("SELECT thread_id, SUM(LENGTH(checkpoint) + LENGTH(metadata)), COUNT(*) FROM checkpoints GROUP BY thread_id")
        }
        for thread, written in conn.execute("SELECT thread_id, SUM(LENGTH(value)) FROM writes GROUP BY thread_id"):
            held, count = sizes.get(thread, (0, 0))
            sizes[thread] = (held + int(written or 0), count)
        return sizes
    except sqlite3.OperationalError:
        return {}  # no tables yet: the checkpointer never ran here
    finally:
        conn.close()


def candidates(store: Store, older_than: dt.timedelta, statuses: Sequence[RunStatus], *, now: dt.datetime | None = None) -> list[PrunedRun]:
    """Runs with one of `statuses` that ended more than `older_than` ago and still have checkpoints, oldest first."""
    cutoff = (now or dt.datetime.now(dt.UTC)) - older_than
    sizes = _pg_thread_sizes(store) if store.kind == "postgres" else _thread_sizes(checkpoint_path(store))
    chosen = [
        PrunedRun(run=r, checkpoint_bytes=sizes[r.id][0], checkpoints=sizes[r.id][1])
        for r in list_runs(store)
        if r.status in statuses and r.status not in NEVER_PRUNED and r.ended_at is not None and _utc(r.ended_at) <= cutoff and r.id in sizes
    ]
    return sorted(chosen, key=lambda p: p.run.ended_at or p.run.started_at)


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _report_json(store: Store, run_id: str) -> str:
    """The run's report as `retest report RUN --format json` builds it, from its checkpoint."""
    from agent.report import build_report
    from agent.runner import load_state
    from agent.runs import run_usage

    record, state, waiting = load_state(run_id, store)
    return build_report(record, state, waiting, run_usage(store, record.id)).model_dump_json()


def prune(
    store: Store, older_than: dt.timedelta, statuses: Sequence[RunStatus] = DEFAULT_STATUSES, *, dry_run: bool = False, now: dt.datetime | None = None
) -> PruneResult:
    """Keep the report of each old run in `statuses`, then delete its checkpoints; VACUUM the checkpoint file after.

    Each run is handled under its lock (decisions are written under it) and its
    status is read again before deleting: a run resumed or reopened since it
    was listed is left alone, and its just-kept report removed again.
    """
    db = checkpoint_path(store)
    chosen = candidates(store, older_than, statuses, now=now)
    before = checkpoint_bytes(store)
    if dry_run or not chosen:
        return PruneResult(runs=chosen, dry_run=dry_run, file_bytes_before=before, file_bytes_after=before)
    done: list[PrunedRun] = []
    skipped: list[str] = []
    with storage_errors(store.path.parent):
        for item in chosen:
            if _prune_one(store, db, item):
                done.append(item)
            else:
                skipped.append(item.run.id)
        # Postgres's autovacuum reclaims the rows' space; a SQLite file gives it back only when vacuumed.
        vacuum_error = None if store.kind == "postgres" else _vacuum(db)
    return PruneResult(runs=done, dry_run=False, file_bytes_before=before, file_bytes_after=checkpoint_bytes(store), skipped=skipped, vacuum_error=vacuum_error)


def _prune_one(store: Store, db: Path, item: PrunedRun) -> bool:
    """Keep one run's report (committed first), then delete its checkpoint thread; False when the run changed meanwhile."""
    run_id = item.run.id
    with run_lock(store, run_id):
        report = _report_json(store, run_id)
        pruned_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with store.transaction() as conn:
            conn.execute(
                "INSERT INTO run_reports (run_id, json, checkpoint_bytes, pruned_at) VALUES (?,?,?,?) ON CONFLICT (run_id) DO UPDATE"
                " SET json = excluded.json, checkpoint_bytes = excluded.checkpoint_bytes, pruned_at = excluded.pruned_at",
                (run_id, report, item.checkpoint_bytes, pruned_at),
            )
        # Held while deleting: a resume claims a run in a write transaction of the store, so it waits for this one.
        with store.transaction() as conn:
            now = get_run(store, run_id)
            if now.status is not item.run.status or now.held_elsewhere():
                conn.execute("DELETE FROM run_reports WHERE run_id = ?", (run_id,))
                return False
            if store.kind == "postgres":
                # The checkpoints are in the store's own database: deleted in this transaction, with the status check.
                for table in PG_CHECKPOINT_TABLES:
                    conn.execute(f"DELETE FROM {table} WHERE thread_id = ?", (run_id,))  # noqa: S608 - fixed table names
            else:
                _delete_thread(db, run_id)
    return True


def _delete_thread(db: Path, run_id: str) -> None:
    """Delete the run's checkpoints and pending writes in one transaction (what SqliteSaver.delete_thread does)."""
    conn = connect_state_db(db, read_only=False, isolation_level=None, timeout=30.0)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DELETE FROM checkpoints WHERE thread_id = ?", (run_id,))
        conn.execute("DELETE FROM writes WHERE thread_id = ?", (run_id,))
        conn.execute("COMMIT")
    finally:
        conn.close()


def _vacuum(db: Path) -> str | None:
    """Give the freed pages back to the file system; the reason when another process kept the file busy (the rows are gone anyway)."""
    conn = connect_state_db(db, read_only=False, isolation_level=None, timeout=30.0)
    try:
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.OperationalError as exc:
        return f"VACUUM skipped ({exc}); the space is reused by later runs, or run the prune again when no run is going"
    finally:
        conn.close()
    return None
