"""The run store in Postgres ($RETEST_DATABASE_URL): the same tables, the same named migrations, shared by machines.

Callers write one SQL for both databases (`?` placeholders, rows read by name
or position); the connection here translates the placeholders and the values
(enums, booleans, paths) SQLite takes as they are. Every write transaction
first takes one transaction-level advisory lock, which is what SQLite's
`BEGIN IMMEDIATE` gives the SQLite store: one writer at a time, so a read
followed by a write in one transaction (claiming a run) stays atomic across
processes and machines.

Needs psycopg (`pip install 'retest[postgres]'`), imported only when the
environment names a Postgres database.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from agent.errors import ConfigError
from agent.redact import redact_urls
from agent.store.location import DATABASE_URL_ENV, DB_FILENAME, state_dir
from agent.store.migrations import MIGRATIONS, Migration, check_history, postgres_sql
from agent.store.sqlite import Store

if TYPE_CHECKING:
    import psycopg

# Advisory lock keys (any 64-bit numbers, fixed): the one writer, and applying migrations.
_WRITER_KEY = 0x5E7E57_0001
_MIGRATING_KEY = 0x5E7E57_0002
_CHECKPOINT_SETUP_KEY = 0x5E7E57_0003
_SETUP_POLL_S = 0.05  # how often a waiting process asks for an advisory lock again


def connect(url: str, **options: Any) -> psycopg.Connection[Any]:
    """A psycopg connection to `url` in autocommit mode; ConfigError, without the URL's password, when it cannot be made."""
    try:
        import psycopg
    except ImportError as exc:
        raise ConfigError(
            f"${DATABASE_URL_ENV} names a Postgres database, but psycopg is not installed",
            hint="Install Postgres support with: pip install 'retest[postgres]', or unset the variable to use the state directory.",
        ) from exc
    try:
        return psycopg.connect(url, autocommit=True, **options)
    except psycopg.Error as exc:
        raise ConfigError(
            f"cannot connect to the Retest database {redact_urls(url)}: {redact_urls(str(exc)).strip().splitlines()[0]}",
            hint=f"Check that the server runs and the URL in ${DATABASE_URL_ENV} is right (postgresql://user@host:port/database).",
        ) from exc


def placeholders(sql: str) -> str:
    """SQLite's SQL for psycopg: `?` becomes `%s` and a literal `%` becomes `%%`, outside quoted strings."""
    out, quoted = [], False
    for char in sql:
        if char == "'":
            quoted = not quoted
        if not quoted and char == "?":
            out.append("%s")
        elif char == "%":
            out.append("%%")
        else:
            out.append(char)
    return "".join(out)


def _value(value: Any) -> Any:
    """A parameter as SQLite would have stored it: psycopg would write an enum by name and refuse a bool in an INTEGER column."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Path):
        return str(value)
    return value


class Row(tuple[Any, ...]):
    """A result row read as sqlite3.Row is: by position, by column name, and as a mapping (`dict(row)`)."""

    _names: tuple[str, ...]

    def __new__(cls, values: Sequence[Any], names: tuple[str, ...]) -> Row:
        row = super().__new__(cls, values)
        row._names = names
        return row

    def keys(self) -> list[str]:
        return list(self._names)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return super().__getitem__(self._names.index(key))
        return super().__getitem__(key)


def _row_factory(cursor: Any) -> Any:
    names = tuple(column.name for column in cursor.description or ())
    return lambda values: Row(values, names)


class Connection:
    """The part of sqlite3.Connection the store's callers use, over a psycopg connection."""

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.raw.execute(placeholders(sql), [_value(v) for v in params])

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        cursor = self.raw.cursor()
        cursor.executemany(placeholders(sql), [[_value(v) for v in row] for row in rows])
        return cursor

    @property
    def in_transaction(self) -> bool:
        import psycopg.pq

        return self.raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE


def try_lock(conn: psycopg.Connection[Any], key: int) -> bool:
    """Take the session advisory lock `key` on `conn` if it is free; never waits."""
    row = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
    return bool(row and row[0])


def hold_lock(conn: psycopg.Connection[Any], key: int) -> None:
    """Take the session advisory lock `key` on `conn`, polling until it is free.

    Polled, never waited for inside a statement: LangGraph's checkpointer setup builds its indexes CONCURRENTLY,
    which waits for every statement in flight, so a process blocked in pg_advisory_lock would never end its
    statement while the lock's holder waits for that index: a deadlock Postgres does not see.
    """
    while not try_lock(conn, key):
        time.sleep(_SETUP_POLL_S)


def lock_key(name: str) -> int:
    """A named advisory lock's 64-bit key."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class PostgresStore(Store):
    """The run store in a Postgres database; `path` still names the local state directory's file (locks and caches live beside it)."""

    kind = "postgres"

    def __init__(self, conn: psycopg.Connection[Any], url: str) -> None:
        self._pg = Connection(conn)
        super().__init__(cast(Any, self._pg), state_dir() / DB_FILENAME)
        self.url = url

    @classmethod
    def connect(cls, url: str, *, migrations: Sequence[Migration] = MIGRATIONS) -> PostgresStore:
        """Connect to the database at `url` and apply the migrations it lacks."""
        store = cls(connect(url, row_factory=_row_factory), url)
        store.migrate(migrations)
        return store

    @property
    def where(self) -> str:
        return redact_urls(self.url)

    @property
    def conn(self) -> Any:
        return self._pg

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        with self.lock, self._pg.raw.transaction():
            self._pg.raw.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITER_KEY,))
            yield self._pg

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        # A session lock on a connection of its own: waiting for it must not hold up this store's connection,
        # and the server drops it when the process dies, on whichever machine.
        with connect(self.url) as own:
            hold_lock(own, lock_key(name))
            try:
                yield
            finally:
                own.execute("SELECT pg_advisory_unlock(%s)", (lock_key(name),))

    @contextmanager
    def try_exclusive(self, name: str) -> Iterator[bool]:
        # As `exclusive`, on a connection of its own, but never waiting: the lock keeps apart the processes of every
        # machine using this database, and the server drops it when its holder's connection ends.
        with connect(self.url) as own:
            taken = try_lock(own, lock_key(name))
            try:
                yield taken
            finally:
                if taken:
                    own.execute("SELECT pg_advisory_unlock(%s)", (lock_key(name),))

    def applied_migrations(self) -> list[str]:
        with self.lock:
            rows = self._pg.execute("SELECT name FROM migrations ORDER BY seq").fetchall()
        return [row["name"] for row in rows]

    def check_current(self, migrations: Sequence[Migration] = MIGRATIONS) -> None:
        check_history(self.applied_migrations(), [m.name for m in migrations], self.where)

    def migrate(self, migrations: Sequence[Migration] = MIGRATIONS) -> list[str]:
        newly: list[str] = []
        with self.lock, self._pg.raw.transaction():
            # One migrator at a time, across machines: the second one finds everything applied.
            self._pg.raw.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATING_KEY,))
            self._pg.raw.execute(
                "CREATE TABLE IF NOT EXISTS migrations (seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
                " name TEXT NOT NULL UNIQUE, applied_at TEXT NOT NULL)"
            )
            applied = self.applied_migrations()
            check_history(applied, [m.name for m in migrations], self.where)
            for migration in migrations[len(applied) :]:
                # Postgres changes schema inside a transaction: all pending migrations and their records commit together.
                self._pg.raw.execute(cast(Any, postgres_sql(migration)))
                now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
                self._pg.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (migration.name, now))
                newly.append(migration.name)
        return newly

    def close(self) -> None:
        with self.lock:
            self._pg.raw.close()


_checkpoints_ready: set[str] = set()
_checkpoints_guard = threading.Lock()


@contextmanager
def checkpointer(url: str, serde: Any) -> Iterator[Any]:
    """LangGraph's Postgres checkpointer on the database at `url`, its tables set up once per process (under a lock across machines)."""
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg.rows import dict_row

    conn = connect(url, prepare_threshold=0, row_factory=dict_row)
    saver = PostgresSaver(conn, serde=serde)
    try:
        with _checkpoints_guard:
            if url not in _checkpoints_ready:
                with connect(url) as own:
                    hold_lock(own, _CHECKPOINT_SETUP_KEY)  # polled: see hold_lock
                    saver.setup()
                _checkpoints_ready.add(url)
        yield saver
    finally:
        with saver.lock:
            conn.close()
