"""One SQLite database for Retest's state: caches now, runs and proposals later.

The database lives at `<state dir>/retest.db` (state dir: $RETEST_HOME, else
`./.retest`). Its schema grows only by NAMED, APPEND-ONLY migrations: each
applied name is recorded in the `migrations` table, so opening the store again
applies nothing, and a migration appended to `MIGRATIONS` later is applied
exactly once. Never edit or reorder an entry that may have been applied; append
a new one instead.

Table helpers live beside the code that owns the tables (the arXiv cache in
agent/sources/cache.py, for example) and use `Store.transaction()`.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from agent.errors import ConfigError

STATE_DIR_ENV = "RETEST_HOME"
DB_FILENAME = "retest.db"


@dataclass(frozen=True)
class Migration:
    """One named schema change; `sql` may hold several statements."""

    name: str
    sql: str


MIGRATIONS: list[Migration] = [
    Migration(
        "0001_arxiv_cache",
        """
        CREATE TABLE arxiv_cache (
            key        TEXT PRIMARY KEY,   -- sha256 of the canonical JSON of the request
            request    TEXT NOT NULL,      -- that canonical JSON, for people reading the db
            stored_at  TEXT NOT NULL,      -- ISO 8601, UTC
            payload    TEXT NOT NULL       -- JSON of the parsed papers or lookups
        );
        """,
    ),
    Migration(
        "0002_runs",
        """
    CREATE TABLE runs (
        id           TEXT PRIMARY KEY,
        line_path    TEXT NOT NULL,
        line_sha256  TEXT NOT NULL,
        mode         TEXT NOT NULL,        -- live, record or replay
        cassette     TEXT,
        run_date     TEXT NOT NULL,
        models       TEXT NOT NULL,        -- JSON: role -> model string
        prompts      TEXT NOT NULL,        -- JSON: prompt name -> sha256
        version      TEXT NOT NULL,
        git_rev      TEXT,
        started_at   TEXT NOT NULL,
        ended_at     TEXT,
        status       TEXT NOT NULL,
        error        TEXT
    );
    CREATE TABLE run_usage (
        run_id        TEXT NOT NULL REFERENCES runs(id),
        node          TEXT NOT NULL,
        claim_id      TEXT,
        role          TEXT NOT NULL,
        model         TEXT NOT NULL,
        calls         INTEGER NOT NULL,
        input_tokens  INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cached_tokens INTEGER,
        latency_s     REAL NOT NULL,
        cost_usd      REAL
    );
    CREATE INDEX run_usage_run ON run_usage(run_id);
        """,
    ),
    Migration(
        "0003_decisions",
        """
    -- Append-only: every decision a reviewer makes, the moment it is made.
    -- The latest row per (run_id, proposal_id) is the decision in force.
    CREATE TABLE decisions (
        seq           INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id        TEXT NOT NULL REFERENCES runs(id),
        proposal_id   TEXT NOT NULL,
        kind          TEXT NOT NULL,       -- accept, reject or edit
        reason        TEXT NOT NULL DEFAULT '',
        edited_after  TEXT,                -- the reviewer's own text, for edit
        reviewer      TEXT NOT NULL,
        at            TEXT NOT NULL        -- ISO 8601 with offset
    );
    CREATE INDEX decisions_run ON decisions(run_id, proposal_id);
        """,
    ),
    Migration(
        "0004_run_owner",
        """
    -- Which process is executing a run, so a second `retest resume` can refuse it.
    ALTER TABLE runs ADD COLUMN pid INTEGER;
    ALTER TABLE runs ADD COLUMN host TEXT;
        """,
    ),
    Migration(
        "0005_run_settings",
        """
    -- The effective settings a run started with (JSON), so a resume uses them and not today's environment.
    ALTER TABLE runs ADD COLUMN settings TEXT;
        """,
    ),
    Migration(
        "0006_run_proposals",
        """
    -- A copy of each run's drafted proposals (JSON list, in draft order; NULL until drafted),
    -- so listing a review needs no checkpoint and no LangGraph.
    ALTER TABLE runs ADD COLUMN proposals TEXT;
        """,
    ),
]


def state_dir() -> Path:
    """The directory for Retest's state: $RETEST_HOME, else ./.retest."""
    configured = os.environ.get(STATE_DIR_ENV)
    return Path(configured) if configured else Path.cwd() / ".retest"


def default_db_path() -> Path:
    """Where the store lives unless a caller says otherwise."""
    return state_dir() / DB_FILENAME


class Store:
    """A thread-safe handle on the SQLite database.

    One connection shared by all threads (LangGraph runs nodes in worker
    threads), serialised by a re-entrant lock: `transaction()` holds it for the
    whole unit of work, so callers never interleave statements.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self.lock = threading.RLock()

    @classmethod
    def open(cls, path: Path | str | None = None, *, migrations: Sequence[Migration] = MIGRATIONS) -> Store:
        """Open (creating if needed) the database at `path` and apply pending migrations."""
        db_path = Path(path) if path is not None else default_db_path()
        try:
            db_path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a
            # migration and its bookkeeping row commit together or not at all.
            conn = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None, timeout=10.0)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            # WAL's recommended pairing: no fsync per commit, still consistent after a crash.
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(
                f"cannot open the Retest database at {db_path}: {exc}",
                hint=f"Check that the directory is writable, or point ${STATE_DIR_ENV} at another directory.",
            ) from exc
        store = cls(conn, db_path)
        store.migrate(migrations)
        return store

    @property
    def conn(self) -> sqlite3.Connection:
        """The raw connection; hold `store.lock` (or use `transaction()`) around its use."""
        return self._conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock and run the block in one transaction; roll back on error."""
        with self.lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def applied_migrations(self) -> list[str]:
        """Names of applied migrations, in the order they were applied."""
        with self.lock:
            rows = self._conn.execute("SELECT name FROM migrations ORDER BY seq").fetchall()
        return [row["name"] for row in rows]

    def migrate(self, migrations: Sequence[Migration] = MIGRATIONS) -> list[str]:
        """Apply the migrations not yet applied, each atomically; return their names."""
        with self.lock:
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS migrations ( seq INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, applied_at TEXT NOT NULL)"
            )
            applied = self.applied_migrations()
            _check_history(applied, [m.name for m in migrations], self.path)
            newly: list[str] = []
            for migration in migrations[len(applied) :]:
                if self._apply(migration):
                    newly.append(migration.name)
        return newly

    def _apply(self, migration: Migration) -> bool:
        """Apply one migration; False when another process applied it first."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        name = migration.name.replace("'", "''")
        # executescript runs several statements; wrapping them in BEGIN/COMMIT
        # keeps the schema change and its record in one transaction.
        script = f"BEGIN IMMEDIATE;\n{migration.sql.strip().rstrip(';')};\nINSERT INTO migrations (name, applied_at) VALUES ('{name}', '{now}');\nCOMMIT;"
        try:
            self._conn.executescript(script)
        except sqlite3.Error as exc:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            # Two commands started at once on a new state directory both saw it unmigrated;
            # the other one's migration (schema and record, one transaction) is the one in force.
            if migration.name in self.applied_migrations():
                return False
            raise ConfigError(
                f"migration {migration.name} failed on {self.path}: {exc}",
                hint="Nothing of it was applied. Report this with the message above.",
            ) from exc
        return True

    def close(self) -> None:
        """Close the connection."""
        with self.lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _check_history(applied: list[str], known: list[str], path: Path) -> None:
    """Refuse a database whose history is not a prefix of the known migrations."""
    if applied == known[: len(applied)]:
        return
    unknown = [name for name in applied if name not in known]
    if unknown:
        problem = f"it has migrations this version of Retest does not know: {', '.join(unknown)}"
        hint = "Upgrade Retest, or point $RETEST_HOME at a fresh directory."
    else:
        problem = "its migrations were applied in a different order than this version lists them"
        hint = "Migrations are append-only; restore the list's order, or start a fresh state directory."
    raise ConfigError(f"the Retest database at {path} cannot be used: {problem}", hint=hint)
