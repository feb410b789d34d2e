"""Where Retest's state lives: the state directory ($RETEST_HOME, else the user's own), or a Postgres database.

The state directory holds the SQLite run store (`retest.db`), LangGraph's
checkpoints and the run locks. With $RETEST_DATABASE_URL set (postgresql://...),
the run store and the checkpoints live in that database instead, so several
machines share runs and reviews; the state directory keeps only local caches.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from agent.redact import redact_urls

STATE_DIR_ENV = "RETEST_HOME"
DATABASE_URL_ENV = "RETEST_DATABASE_URL"
DB_FILENAME = "retest.db"


def database_url() -> str | None:
    """The Postgres database Retest's state lives in ($RETEST_DATABASE_URL), or None for the state directory's SQLite files."""
    return os.environ.get(DATABASE_URL_ENV) or None


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
    """Which state directory (or database) a command read (default: `state_dir()`), and any old ./.retest it did not: for "no run found" and `retest runs`."""
    url = database_url()
    read = directory or state_dir()
    if url and read.resolve() == state_dir().resolve():
        # The store that directory's commands open is the database: that is where their runs were looked for.
        return f"the database {redact_urls(url)} (${DATABASE_URL_ENV})"
    note = legacy_state_note() if read.resolve() == state_dir().resolve() else None
    return f"the state directory {read}" + (f" ({note})" if note else "")


def default_db_path() -> Path:
    """Where the store lives unless a caller says otherwise."""
    return state_dir() / DB_FILENAME
