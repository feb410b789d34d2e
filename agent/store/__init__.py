"""Retest's state: the run store (SQLite in the state directory, or Postgres), its migrations, and where it lives.

`Store.open()` opens the store the environment names: the Postgres database of
$RETEST_DATABASE_URL when set, else `<state dir>/retest.db`. Both speak the
same SQL through `store.conn` and `store.transaction()` (`?` placeholders),
and both carry the same named migrations.
"""

from agent.store.location import (
    DATABASE_URL_ENV,
    DB_FILENAME,
    LEGACY_STATE_DIR,
    STATE_DIR_ENV,
    database_url,
    default_db_path,
    legacy_state_note,
    state_dir,
    user_state_dir,
    where_read,
)
from agent.store.migrations import MIGRATIONS, Migration
from agent.store.sqlite import Store, connect_state_db, writable

__all__ = [
    "DATABASE_URL_ENV",
    "DB_FILENAME",
    "LEGACY_STATE_DIR",
    "MIGRATIONS",
    "STATE_DIR_ENV",
    "Migration",
    "Store",
    "connect_state_db",
    "database_url",
    "default_db_path",
    "legacy_state_note",
    "state_dir",
    "user_state_dir",
    "where_read",
    "writable",
]
