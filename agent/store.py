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
from typing import Any

from agent.errors import ConfigError, StorageError, storage_error, storage_errors
from agent.redact import redact_urls

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
    Migration(
        "0007_run_pins",
        """
    -- sha256 of the cassette a run started with (NULL in live mode), so a resume refuses another one.
    ALTER TABLE runs ADD COLUMN cassette_sha256 TEXT;
        """,
    ),
    Migration(
        "0008_run_sittings",
        """
    -- One row per process that executed a run (the first sitting, then each resume), with the prompts it loaded,
    -- written as each is loaded, so a killed sitting's prompts are on record too.
    CREATE TABLE run_sittings (
        run_id      TEXT NOT NULL REFERENCES runs(id),
        sitting     INTEGER NOT NULL,      -- 1 for `retest run`, then 2, 3, ... per resume
        pid         INTEGER NOT NULL,
        host        TEXT NOT NULL,
        started_at  TEXT NOT NULL,
        prompts     TEXT NOT NULL,         -- JSON: prompt name -> sha256, as loaded in this sitting
        PRIMARY KEY (run_id, sitting)
    );
        """,
    ),
    Migration(
        "0009_run_requests",
        """
    -- Every HTTP request a run sent, in every sitting, and who answered it; with the answer (scrubbed, as a
    -- cassette holds it) so that a resumed sitting gets it back instead of sending the request again.
    CREATE TABLE run_requests (
        seq          INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id       TEXT NOT NULL REFERENCES runs(id),
        sitting      INTEGER NOT NULL,
        key          TEXT NOT NULL,        -- sha256 of method, URL without credentials, canonical body
        method       TEXT NOT NULL,
        url          TEXT NOT NULL,        -- without credentials
        answered_by  TEXT NOT NULL,        -- network, cassette or saved
        status       INTEGER,              -- NULL: sent, no answer seen
        response     TEXT,                 -- JSON of the answer; NULL when not kept (saved, transient failure)
        at           TEXT NOT NULL
    );
    CREATE INDEX run_requests_run ON run_requests(run_id, key);
        """,
    ),
    Migration(
        "0010_run_reports",
        """
    -- The JSON report of a run whose checkpoints `retest runs --prune` removed, kept first, so `retest report` still prints it.
    CREATE TABLE run_reports (
        run_id            TEXT PRIMARY KEY REFERENCES runs(id),
        json              TEXT NOT NULL,       -- agent.report.Report, as `retest report RUN --format json` prints it
        checkpoint_bytes  INTEGER NOT NULL,    -- what the removed checkpoints and writes held
        pruned_at         TEXT NOT NULL        -- ISO 8601, UTC
    );
        """,
    ),
    Migration(
        "0011_redact_stored_urls",
        """
    -- Runs saved before URLs were redacted (agent.redact) may hold a model URL's password in clear.
    UPDATE runs SET models = retest_redact(models), settings = retest_redact(settings), error = retest_redact(error);
    UPDATE run_usage SET model = retest_redact(model);
        """,
    ),
]


def state_dir() -> Path:
    """The directory for Retest's state: $RETEST_HOME, else the user's own (`user_state_dir`), wherever the command runs."""
    configured = os.environ.get(STATE_DIR_ENV)
    return Path(configured) if configured else user_state_dir()


def user_state_dir() -> Path:
    """The per-user state directory, by the platform's convention.

    Linux and other Unix: $XDG_STATE_HOME/retest, else ~/.local/state/retest
    (the XDG base directory spec ignores a relative $XDG_STATE_HOME). macOS:
    ~/Library/Application Support/retest. Windows: %LOCALAPPDATA%\\retest.
    """
    import sys

    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        return (Path(local) if local else Path.home() / "AppData" / "Local") / "retest"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "retest"
    xdg = os.environ.get("XDG_STATE_HOME")
    return (Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "state") / "retest"


LEGACY_STATE_DIR = ".retest"  # where state lived before it moved to the user's state directory


def legacy_state_note(here: Path | None = None) -> str | None:
    """A clause on an old ./.retest in `here` (default: the current directory) that is not the state directory in use; None if there is none.

    Runs recorded before state moved to the user's directory are still there:
    the clause says how to move them, or how to keep using them.
    """
    if os.environ.get(STATE_DIR_ENV):
        return None  # the user named the state directory: an old one elsewhere is not a question
    old = (here or Path.cwd()) / LEGACY_STATE_DIR
    current = state_dir()
    if not (old / DB_FILENAME).is_file() or old.resolve() == current.resolve():
        return None
    keep = f"set RETEST_HOME={old} to keep using it"
    if _has_runs(current / DB_FILENAME):
        return f"an older one, {old}, is not read: {keep}"
    # No runs here yet: the old directory can simply take this one's place (a fresh database set aside, never merged).
    move = f"mv {current} {current}.unused && mv {old} {current}" if current.exists() else f"mkdir -p {current.parent} && mv {old} {current}"
    return f"an older one, {old}, is not read: move it here with `{move}`, or {keep}"


def _has_runs(db_path: Path) -> bool:
    """True when the database at `db_path` records a run; True too when it cannot be read (never suggest replacing it)."""
    if not db_path.is_file():
        return False
    try:
        conn = sqlite3.connect(f"{db_path.as_uri()}?mode=ro", uri=True)
        try:
            return conn.execute("SELECT EXISTS (SELECT 1 FROM runs)").fetchone()[0] == 1
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        return "no such table" not in str(exc)
    except sqlite3.DatabaseError:
        return True


def where_read(directory: Path | None = None) -> str:
    """Which state directory a command read (default: `state_dir()`), and any old ./.retest it did not: for "no run found" and `retest runs`."""
    read = directory or state_dir()
    note = legacy_state_note() if read.resolve() == state_dir().resolve() else None
    return f"the state directory {read}" + (f" ({note})" if note else "")


def default_db_path() -> Path:
    """Where the store lives unless a caller says otherwise."""
    return state_dir() / DB_FILENAME


def writable(db_path: Path) -> bool:
    """True when the database at `db_path` can be written (or created): its directory, or the nearest one that exists."""
    directory = db_path.parent
    while not directory.exists() and directory != directory.parent:
        directory = directory.parent
    if not os.access(directory, os.W_OK):
        return False
    return not db_path.exists() or os.access(db_path, os.W_OK)


def connect_state_db(db_path: Path, *, read_only: bool | None = None, **options: Any) -> sqlite3.Connection:
    """A connection to one of the state directory's databases (this store's, LangGraph's checkpoints).

    Read-only (`read_only`, else when the directory cannot be written), it is
    opened with mode=ro. A WAL database needs its -shm file, which a read-only
    directory cannot get: without a -wal file there is nothing beyond the main
    file to read, so it is opened immutable; with one, SQLite reads both.
    """
    if read_only is None:
        read_only = not writable(db_path)
    if not read_only:
        return sqlite3.connect(db_path, check_same_thread=False, **options)
    if not db_path.exists():
        raise StorageError("read-only", db_path.parent, detail=f"and holds no {db_path.name} yet")
    wal = db_path.with_name(db_path.name + "-wal")
    flags = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
    return sqlite3.connect(f"{db_path.resolve().as_uri()}?{flags}", uri=True, check_same_thread=False, **options)


def _redact_sql(value: str | None) -> str | None:
    return None if value is None else redact_urls(value)


class Store:
    """A thread-safe handle on the SQLite database.

    One connection shared by all threads (LangGraph runs nodes in worker
    threads), serialised by a re-entrant lock: `transaction()` holds it for the
    whole unit of work, so callers never interleave statements.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path, *, read_only: bool = False) -> None:
        self._conn = conn
        self.path = path
        self.read_only = read_only
        self.lock = threading.RLock()

    @classmethod
    def open(cls, path: Path | str | None = None, *, migrations: Sequence[Migration] = MIGRATIONS) -> Store:
        """Open (creating if needed) the database at `path` and apply pending migrations.

        A state directory that cannot be written (a read-only mount, no write
        permission) is opened read-only: reading commands work, nothing is
        migrated or switched to WAL, and a write raises StorageError.
        """
        db_path = Path(path) if path is not None else default_db_path()
        read_only = not writable(db_path)
        try:
            if not read_only:
                db_path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a
            # migration and its bookkeeping row commit together or not at all.
            conn = connect_state_db(db_path, read_only=read_only, isolation_level=None, timeout=10.0)
            conn.row_factory = sqlite3.Row
            # For migration 0011: the one redaction, in Python, callable from SQL.
            conn.create_function("retest_redact", 1, _redact_sql, deterministic=True)
            if not read_only:
                conn.execute("PRAGMA journal_mode=WAL")
                # WAL's recommended pairing: no fsync per commit, still consistent after a crash.
                conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            # Overwrite what is deleted or replaced: a redacted value must not live on in a free page.
            conn.execute("PRAGMA secure_delete=ON")
        except (OSError, sqlite3.Error) as exc:
            full_or_read_only = storage_error(exc, db_path.parent)
            if full_or_read_only is not None:
                raise full_or_read_only from exc
            raise ConfigError(
                f"cannot open the Retest database at {db_path}: {exc}",
                hint=f"Check that the directory is writable, or point ${STATE_DIR_ENV} at another directory.",
            ) from exc
        store = cls(conn, db_path, read_only=read_only)
        if read_only:
            store.check_current(migrations)
        else:
            store.migrate(migrations)
        return store

    @property
    def conn(self) -> sqlite3.Connection:
        """The raw connection; hold `store.lock` (or use `transaction()`) around its use."""
        return self._conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock and run the block in one transaction; roll back on error."""
        if self.read_only:
            raise StorageError("read-only", self.path.parent, detail="this command writes to it")
        with self.lock, storage_errors(self.path.parent):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                # A COMMIT that failed (a full disk) may leave the transaction open: the next one must be able to begin.
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    def applied_migrations(self) -> list[str]:
        """Names of applied migrations, in the order they were applied."""
        with self.lock:
            rows = self._conn.execute("SELECT name FROM migrations ORDER BY seq").fetchall()
        return [row["name"] for row in rows]

    def check_current(self, migrations: Sequence[Migration] = MIGRATIONS) -> None:
        """For a read-only store: refuse a database that lacks migrations (they cannot be applied here)."""
        try:
            applied = self.applied_migrations()
        except sqlite3.Error:
            applied = []  # no migrations table: a database no Retest command finished creating
        _check_history(applied, [m.name for m in migrations], self.path)
        missing = [m.name for m in migrations[len(applied) :]]
        if missing:
            raise StorageError(
                "read-only",
                self.path.parent,
                detail=f"and its database needs {len(missing)} migration(s) this version of Retest adds ({', '.join(missing)}), which cannot be applied there",
            )

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
            full_or_read_only = storage_error(exc, self.path.parent)
            if full_or_read_only is not None:
                # Not a bug to report: nothing of the migration was applied, and it is applied once there is room.
                raise full_or_read_only from exc
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
