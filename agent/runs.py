"""Run records in the store: what produced a run, how it ended, what it used.

The graph's own state (verdicts, proposals) lives in the LangGraph checkpoint
beside the database; this table is the index a person lists and audits.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import socket
import subprocess
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from agent.config import Mode
from agent.errors import InputError
from agent.graph.records import UsageRecord
from agent.graph.since_last import SinceLast
from agent.line.models import Line
from agent.proposals import Proposal
from agent.redact import redact_urls, redact_values
from agent.store import Store, where_read


class RunStatus(StrEnum):
    RUNNING = "running"
    AWAITING_REVIEW = "awaiting_review"
    COMPLETED = "completed"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    WAITING = "waiting"  # for the results of a batch it submitted (`--batch`); `retest resume` collects them


class RunRecord(BaseModel):
    id: str
    line_path: str
    line_sha256: str
    mode: Mode
    cassette: str | None = None
    cassette_sha256: str | None = Field(default=None, description="The cassette's sha256 when the run started; a resume refuses another.")
    run_date: dt.date
    models: dict[str, str]
    settings: dict[str, Any] | None = Field(
        default=None, description="The effective settings the run started with (None for runs recorded before they were saved)."
    )
    prompts: dict[str, str] = Field(default_factory=dict)
    version: str
    git_rev: str | None = None
    started_at: dt.datetime
    ended_at: dt.datetime | None = None
    status: RunStatus
    error: str | None = None
    pid: int | None = Field(default=None, description="The process executing (or last executing) the run.")
    host: str | None = None
    batch: bool = Field(default=False, description="Whether its model calls go through the providers' batch APIs (`--batch`).")

    def held_elsewhere(self) -> bool:
        """True while another live process on this machine is executing this run."""
        if self.status is not RunStatus.RUNNING or self.pid is None or self.pid == os.getpid() or self.host != socket.gethostname():
            return False
        try:
            os.kill(self.pid, 0)  # signal 0: only asks whether the process exists
        except ProcessLookupError:
            return False
        except PermissionError:
            return True  # it exists, under another user
        return True


def new_run_id(now: dt.datetime) -> str:
    """Sortable by time, unique without coordination: 20261129-212400-3f9a."""
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def git_revision(cwd: Path | None = None) -> str | None:
    """The package checkout's revision, with '+dirty' when it has changes; None outside git."""
    where = cwd or Path(__file__).resolve().parent
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=where, capture_output=True, text=True, timeout=5)
        if rev.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=where, capture_output=True, text=True, timeout=5)
        return rev.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def insert_run(store: Store, run: RunRecord, line: Line | None = None, since_last: SinceLast | None = None) -> None:
    """Record a new run as executed by this process (its first sitting), with the line it re-tests (kept once, here).

    `since_last`: a `--since-last` run's plan, kept so that a resume goes on with it (`stored_since_last`).
    """
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO runs (id, line_path, line_sha256, mode, cassette, cassette_sha256, run_date, models, settings, prompts, version, git_rev,"
            " started_at, status, pid, host, line, since_last, batch) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                run.id,
                run.line_path,
                run.line_sha256,
                run.mode,
                run.cassette,
                run.cassette_sha256,
                run.run_date.isoformat(),
                # Stored, so never with a password in a model URL (agent.redact).
                json.dumps(redact_values(run.models)),
                None if run.settings is None else json.dumps(redact_values(run.settings)),
                json.dumps(run.prompts),
                run.version,
                run.git_rev,
                run.started_at.isoformat(),
                run.status,
                os.getpid(),
                socket.gethostname(),
                None if line is None else line.model_dump_json(),
                None if since_last is None else since_last.model_dump_json(),
                int(run.batch),
            ),
        )
        _add_sitting(conn, run.id, 1)


def _add_sitting(conn: Any, run_id: str, sitting: int) -> None:
    conn.execute(
        "INSERT INTO run_sittings (run_id, sitting, pid, host, started_at, prompts) VALUES (?,?,?,?,?,?)",
        (run_id, sitting, os.getpid(), socket.gethostname(), dt.datetime.now(dt.UTC).isoformat(), "{}"),
    )


class Claim(BaseModel):
    """A run taken by this process for one sitting: the record as it was before, and the sitting's number."""

    before: RunRecord
    sitting: int


def claim_run(store: Store, run_id: str) -> Claim:
    """Take a run for this process (a resume), atomically: of two processes claiming it at once, one gets it.

    The check and the claim are one write transaction (BEGIN IMMEDIATE), so the
    second claimer sees the first one's pid. InputError when another live
    process holds it, or when it has nothing left to resume.
    """
    with store.transaction() as conn:
        row = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise InputError(f"no run with ID {run_id!r}", hint=f"This read {where_read(store.path.parent)}; `retest runs` lists its runs.")
        run = _record(row)
        if run.held_elsewhere():
            # Two processes writing one run's checkpoints would interleave its steps and pay twice.
            raise InputError(
                f"run {run.id} is held by process {run.pid}: it is still running in process {run.pid}",
                hint="Wait for it to finish, or stop that process and resume again.",
            )
        if run.status in (RunStatus.COMPLETED, RunStatus.AWAITING_REVIEW):
            raise InputError(f"run {run.id} is {run.status}; there is nothing to resume", hint=f"Review it with `retest review {run.id}`.")
        last = conn.execute("SELECT MAX(sitting) AS n FROM run_sittings WHERE run_id = ?", (run_id,)).fetchone()["n"]
        sitting = (last or 1) + 1  # a run from before sittings were recorded had its first one
        conn.execute(
            "UPDATE runs SET status = ?, ended_at = NULL, pid = ?, host = ? WHERE id = ?",
            (RunStatus.RUNNING, os.getpid(), socket.gethostname(), run_id),
        )
        _add_sitting(conn, run_id, sitting)
    return Claim(before=run, sitting=sitting)


def release_claim(store: Store, claim: Claim) -> None:
    """Give back a run claimed by a sitting that stopped before running anything: its status is as before."""
    run = claim.before
    with store.transaction() as conn:
        conn.execute(
            "UPDATE runs SET status = ?, error = ?, ended_at = ? WHERE id = ? AND pid = ?",
            (run.status, run.error, run.ended_at.isoformat() if run.ended_at else None, run.id, os.getpid()),
        )


def record_prompt(store: Store, run_id: str, sitting: int, name: str, sha256: str) -> None:
    """Note a prompt as loaded, at once: a sitting killed later still has it on record (the run's and the sitting's)."""
    with store.transaction() as conn:
        for table, where, args in (("runs", "id = ?", (run_id,)), ("run_sittings", "run_id = ? AND sitting = ?", (run_id, sitting))):
            row = conn.execute(f"SELECT prompts FROM {table} WHERE {where}", args).fetchone()  # noqa: S608 - fixed table names
            if row is not None:
                merged = {**json.loads(row["prompts"]), name: sha256}
                conn.execute(f"UPDATE {table} SET prompts = ? WHERE {where}", (json.dumps(merged), *args))  # noqa: S608


class Sitting(BaseModel):
    """One process's turn at a run, with the prompts it loaded."""

    sitting: int
    pid: int
    host: str
    started_at: dt.datetime
    prompts: dict[str, str]


def run_sittings(store: Store, run_id: str) -> list[Sitting]:
    """Every sitting of a run, first first."""
    with store.lock:
        rows = store.conn.execute("SELECT * FROM run_sittings WHERE run_id = ? ORDER BY sitting", (run_id,)).fetchall()
    return [Sitting.model_validate({**dict(r), "prompts": json.loads(r["prompts"])}) for r in rows]


_held_locks: dict[str, tuple[threading.RLock, list[int]]] = {}
_held_guard = threading.Lock()


@contextmanager
def run_lock(store: Store, run_id: str) -> Iterator[None]:
    """Hold the run's lock (one per run, across processes and threads) for the block: decisions are written under it.

    The store's advisory lock (a file lock in the state directory, or Postgres's own across machines); it is dropped
    when its process dies, so a kill never leaves it held. Re-entrant within a process (the store's is not).
    """
    with _held_guard:
        local, depth = _held_locks.setdefault(run_id, (threading.RLock(), [0]))
    with local:
        if depth[0]:
            depth[0] += 1
            try:
                yield
            finally:
                depth[0] -= 1
            return
        with store.exclusive(run_id):
            depth[0] = 1
            try:
                yield
            finally:
                depth[0] = 0


def finish_run(
    store: Store,
    run_id: str,
    status: RunStatus,
    *,
    prompts: dict[str, str] | None = None,
    error: str | None = None,
    usage: Iterable[UsageRecord] | None = None,
    ended_at: dt.datetime | None = None,
) -> None:
    """Record how a run (or one sitting of it) ended; replaces its usage rows with the full list."""
    with store.transaction() as conn:
        row = conn.execute("SELECT prompts FROM runs WHERE id = ?", (run_id,)).fetchone()
        # A resumed run uses only some prompts again: keep the hashes of the earlier sittings too.
        merged = {**(json.loads(row["prompts"]) if row else {}), **(prompts or {})}
        ended = None if status is RunStatus.RUNNING else (ended_at or dt.datetime.now(dt.UTC)).isoformat()
        conn.execute(
            "UPDATE runs SET status = ?, error = ?, ended_at = ?, prompts = ? WHERE id = ?",
            (status, None if error is None else redact_urls(error), ended, json.dumps(merged), run_id),
        )
        if usage is not None:
            conn.execute("DELETE FROM run_usage WHERE run_id = ?", (run_id,))
            conn.executemany(
                "INSERT INTO run_usage VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (run_id, u.node, u.claim_id, u.role, u.model, u.calls, u.input_tokens, u.output_tokens, u.cached_tokens, u.latency_s, u.cost_usd)
                    for u in usage
                ],
            )


def _record(row) -> RunRecord:
    data = dict(row)
    data["models"] = json.loads(data["models"])
    data["prompts"] = json.loads(data["prompts"])
    data["settings"] = json.loads(data["settings"]) if data.get("settings") else None
    data.pop("proposals", None)  # read by saved_proposals, not part of the record
    data.pop("line", None)  # read by stored_line
    data.pop("since_last", None)  # read by stored_since_last
    data["batch"] = bool(data.get("batch") or 0)
    return RunRecord.model_validate(data)


def get_run(store: Store, run_id: str) -> RunRecord:
    """The run with this ID, or the only one whose ID starts with it; InputError otherwise."""
    wanted = run_id.strip()
    if not wanted:
        # An empty prefix would match every run: `retest apply "$ID"` with ID unset must not pick one.
        raise InputError("the run ID is empty", hint="`retest runs` lists the runs in this state directory.")
    with store.lock:
        row = store.conn.execute("SELECT * FROM runs WHERE id = ?", (wanted,)).fetchone()
        if row is not None:
            return _record(row)
        # substr, not LIKE: '%' and '_' in what the user typed are not wildcards.
        rows = store.conn.execute("SELECT * FROM runs WHERE substr(id, 1, ?) = ? ORDER BY started_at DESC", (len(wanted), wanted)).fetchall()
    if len(rows) == 1:
        return _record(rows[0])
    if rows:
        shown = ", ".join(r["id"] for r in rows[:5]) + (", …" if len(rows) > 5 else "")
        raise InputError(f"{len(rows)} runs start with {wanted!r}: {shown}", hint="Give more of the run ID; `retest runs` lists them all.")
    raise InputError(f"no run with ID {wanted!r}", hint=f"This read {where_read(store.path.parent)}; `retest runs` lists its runs.")


def list_runs(store: Store, *, status: RunStatus | None = None) -> list[RunRecord]:
    with store.lock:
        if status:
            rows = store.conn.execute("SELECT * FROM runs WHERE status = ? ORDER BY started_at DESC", (status,)).fetchall()
        else:
            rows = store.conn.execute("SELECT * FROM runs ORDER BY started_at DESC").fetchall()
    return [_record(r) for r in rows]


def run_usage(store: Store, run_id: str) -> list[UsageRecord]:
    with store.lock:
        rows = store.conn.execute("SELECT * FROM run_usage WHERE run_id = ?", (run_id,)).fetchall()
    return [UsageRecord.model_validate({k: r[k] for k in r.keys() if k != "run_id"}) for r in rows]  # noqa: SIM118 - sqlite3.Row iterates values, not keys


def save_proposals(store: Store, run_id: str, proposals: Sequence[Proposal]) -> None:
    """Keep a copy of a run's drafted proposals beside its record (replacing any earlier copy)."""
    payload = json.dumps([p.model_dump(mode="json") for p in proposals])
    with store.transaction() as conn:
        conn.execute("UPDATE runs SET proposals = ? WHERE id = ?", (payload, run_id))


def saved_proposals(store: Store, run_id: str) -> list[Proposal] | None:
    """A run's drafted proposals in draft order; None when none were saved (a run still drafting, or one from before they were)."""
    with store.lock:
        row = store.conn.execute("SELECT proposals FROM runs WHERE id = ?", (run_id,)).fetchone()
    if row is None or row["proposals"] is None:
        return None
    return [Proposal.model_validate(p) for p in json.loads(row["proposals"])]


def stored_line(store: Store, run_id: str) -> Line | None:
    """The line a run re-tests, as parsed when it started; None for a run from before lines were kept here (its checkpoints hold it)."""
    with store.lock:
        row = store.conn.execute("SELECT line FROM runs WHERE id = ?", (run_id,)).fetchone()
    if row is None or row["line"] is None:
        return None
    return Line.model_validate_json(row["line"])


def stored_since_last(store: Store, run_id: str) -> SinceLast | None:
    """The plan a `--since-last` run started with; None for a full run (or one from before plans were kept)."""
    with store.lock:
        row = store.conn.execute("SELECT since_last FROM runs WHERE id = ?", (run_id,)).fetchone()
    if row is None or row["since_last"] is None:
        return None
    return SinceLast.model_validate_json(row["since_last"])
