"""The store: WAL, named append-only migrations, thread safety."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from agent.errors import ConfigError
from agent.store import MIGRATIONS, Migration, Store, default_db_path, state_dir


def test_state_dir_follows_retest_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RETEST_HOME", str(tmp_path / "elsewhere"))
    assert state_dir() == tmp_path / "elsewhere"
    assert default_db_path() == tmp_path / "elsewhere" / "retest.db"


def test_state_dir_defaults_to_the_users_not_the_current_directorys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("RETEST_HOME", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    assert state_dir() == tmp_path / "state" / "retest"  # more in tests/test_state_dir.py


def test_open_creates_the_directory_uses_wal_and_applies_migrations(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "dir" / "retest.db"
    with Store.open(path) as store:
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.applied_migrations() == [m.name for m in MIGRATIONS]
        tables = {row[0] for row in store.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"migrations", "arxiv_cache"} <= tables


def test_second_open_applies_nothing(tmp_path: Path) -> None:
    path = tmp_path / "retest.db"
    Store.open(path).close()
    with Store.open(path) as store:
        assert store.migrate(MIGRATIONS) == []
        assert store.applied_migrations() == [m.name for m in MIGRATIONS]


def test_a_migration_appended_later_is_applied_exactly_once(tmp_path: Path) -> None:
    path = tmp_path / "retest.db"
    Store.open(path).close()
    later = [*MIGRATIONS, Migration("0099_notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);")]
    with Store.open(path, migrations=later) as store:
        assert store.applied_migrations()[-1] == "0099_notes"
    with Store.open(path, migrations=later) as store:
        assert store.migrate(later) == []
        names = store.applied_migrations()
    assert names.count("0099_notes") == 1


def test_a_failing_migration_leaves_nothing_behind(tmp_path: Path) -> None:
    path = tmp_path / "retest.db"
    broken = [*MIGRATIONS, Migration("0002_broken", "CREATE TABLE half (id INTEGER); CREATE TABLE oops (")]
    with pytest.raises(ConfigError, match="0002_broken"):
        Store.open(path, migrations=broken)
    with Store.open(path) as store:
        assert "0002_broken" not in store.applied_migrations()
        assert store.conn.execute("SELECT name FROM sqlite_master WHERE name = 'half'").fetchone() is None


def test_two_processes_opening_a_new_database_at_once_both_succeed(tmp_path: Path) -> None:
    """B read the history before A's migrations committed, then finds each already applied."""
    path = tmp_path / "retest.db"
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10.0)
    conn.row_factory = sqlite3.Row
    late = Store(conn, path)
    late.migrate([])  # B: the bookkeeping table exists, nothing applied yet ...
    stale: list[list[str]] = [[]]
    real = late.applied_migrations
    late.applied_migrations = lambda: stale.pop() if stale else real()  # type: ignore[method-assign]
    Store.open(path).close()  # ... A applies every migration meanwhile ...
    assert late.migrate(MIGRATIONS) == []  # ... and B's attempt finds them done, not broken
    assert real() == [m.name for m in MIGRATIONS]
    late.close()


def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "retest.db"
    Store.open(path, migrations=[*MIGRATIONS, Migration("0100_future", "CREATE TABLE future (x);")]).close()
    with pytest.raises(ConfigError, match="0100_future"):
        Store.open(path)


def test_reordered_migrations_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "retest.db"
    first, second = Migration("a", "CREATE TABLE a (x);"), Migration("b", "CREATE TABLE b (x);")
    Store.open(path, migrations=[*MIGRATIONS, first, second]).close()
    with pytest.raises(ConfigError, match="different order"):
        Store.open(path, migrations=[*MIGRATIONS, second, first])


def test_transaction_rolls_back_on_error(store: Store) -> None:
    with pytest.raises(RuntimeError):
        with store.transaction() as conn:
            conn.execute("INSERT INTO arxiv_cache VALUES ('k', '{}', '2026-01-01T00:00:00+00:00', '[]')")
            raise RuntimeError("boom")
    assert store.conn.execute("SELECT count(*) FROM arxiv_cache").fetchone()[0] == 0


def test_writes_from_many_threads_all_land(store: Store) -> None:
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for i in range(25):
                with store.transaction() as conn:
                    conn.execute("INSERT INTO arxiv_cache VALUES (?, '{}', '2026-01-01T00:00:00+00:00', '[]')", (f"{worker}-{i}",))
        except BaseException as exc:  # collected, so the assertion below shows it
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert store.conn.execute("SELECT count(*) FROM arxiv_cache").fetchone()[0] == 200


def test_unopenable_path_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ConfigError, match="cannot open the Retest database"):
        Store.open(blocker / "retest.db")


def test_store_closes(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "retest.db")
    store.close()
    with pytest.raises(sqlite3.ProgrammingError):
        store.conn.execute("SELECT 1")
