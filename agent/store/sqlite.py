"""The run store in the state directory's SQLite file (`<state dir>/retest.db`); agent.store.postgres is its Postgres twin.

Table helpers live beside the code that owns the tables (the arXiv cache in
agent/sources/cache.py, for example) and use `Store.transaction()`, with `?`
placeholders and SQL both databases speak.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from agent.errors import ConfigError, StorageError, storage_error, storage_errors
from agent.redact import redact_urls
from agent.store.location import STATE_DIR_ENV, database_url, default_db_path
from agent.store.migrations import MIGRATIONS, Migration, check_history


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

    kind = "sqlite"

    def __init__(self, conn: sqlite3.Connection, path: Path, *, read_only: bool = False) -> None:
        self._conn = conn
        self.path = path
        """The SQLite file; its directory is the state directory (locks, checkpoints, caches) whichever database holds the runs."""
        self.read_only = read_only
        self.lock = threading.RLock()

    @property
    def where(self) -> str:
        """What messages call this database."""
        return str(self.path)

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """Hold the lock `name` against every other process using this store, for the block (not re-entrant).

        An advisory lock on a file in the state directory; the kernel drops it when its process dies, so a kill
        never leaves it held.
        """
        import fcntl

        directory = self.path.parent / "locks"
        directory.mkdir(parents=True, exist_ok=True)
        with open(directory / f"{name}.lock", "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    @contextmanager
    def try_exclusive(self, name: str) -> Iterator[bool]:
        """Take the lock `name` for the block if no other process holds it: yields True when taken, False at once when not.

        A non-blocking advisory lock on the file `exclusive` uses; when taken, the file names its holder (pid and host)
        for the message of whoever finds it held. Dropped by the kernel when its process dies.
        """
        import fcntl
        import socket

        directory = self.path.parent / "locks"
        directory.mkdir(parents=True, exist_ok=True)
        with open(directory / f"{name}.lock", "a+", encoding="utf-8") as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                handle.seek(0)
                handle.truncate()
                handle.write(f"pid {os.getpid()} on {socket.gethostname()}")
                handle.flush()
                yield True
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    @classmethod
    def open(cls, path: Path | str | None = None, *, migrations: Sequence[Migration] = MIGRATIONS) -> Store:
        """Open (creating if needed) the database at `path` and apply pending migrations.

        Without a `path`, the store is the one the environment names: the Postgres database of
        $RETEST_DATABASE_URL when set (agent.store.postgres), else the state directory's SQLite file.
        A state directory that cannot be written (a read-only mount, no write
        permission) is opened read-only: reading commands work, nothing is
        migrated or switched to WAL, and a write raises StorageError.
        """
        url = database_url() if path is None else None
        if url:
            from agent.store.postgres import PostgresStore

            return PostgresStore.connect(url, migrations=migrations)
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
        check_history(applied, [m.name for m in migrations], self.path)
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
            check_history(applied, [m.name for m in migrations], self.path)
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
