"""Issue 14 point 2: with $RETEST_DATABASE_URL the run store is a real Postgres database, with the SQLite store's migrations."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from agent.errors import ConfigError
from agent.runs import RunStatus
from agent.store import MIGRATIONS, Store
from agent.store.postgres import PostgresStore, placeholders
from tests.postgres.server import binaries

pytestmark = [
    pytest.mark.block_network(allowed_hosts=["127.0.0.1"]),
    pytest.mark.skipif(binaries() is None, reason="PostgreSQL is not installed (apt-get install -y postgresql; .ci/run does it)"),
]


def test_the_store_opens_in_postgres_with_the_same_named_migrations(database_url, tmp_path):
    store = Store.open()
    assert isinstance(store, PostgresStore)
    assert store.applied_migrations() == [m.name for m in MIGRATIONS]
    assert not (tmp_path / ".retest" / "retest.db").exists(), "nothing of the run store goes to the state directory's SQLite file"
    # Opened again, nothing is applied twice.
    assert Store.open().migrate() == []
    with psycopg.connect(database_url) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"runs", "run_usage", "decisions", "run_sittings", "run_requests", "run_reports", "arxiv_cache", "migrations"} <= tables


def test_stores_opened_at_once_on_a_new_database_migrate_it_once(database_url):
    errors: list[BaseException] = []

    def open_one() -> None:
        try:
            Store.open().close()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with psycopg.connect(database_url) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM migrations ORDER BY seq")]
    assert names == [m.name for m in MIGRATIONS]


def test_values_are_stored_as_sqlite_stores_them(database_url):
    store = Store.open()
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO runs (id, line_path, line_sha256, mode, run_date, models, prompts, version, started_at, status) VALUES (?,?,?,?,?,?,?,?,?,?)",
            ("r1", "/l.txt", "ab", "replay", "2026-11-29", "{}", "{}", "0", "2026-11-29T00:00:00+00:00", RunStatus.AWAITING_REVIEW),
        )
    row = store.conn.execute("SELECT * FROM runs WHERE substr(id, 1, ?) = ?", (1, "r")).fetchone()
    # An enum by its value (psycopg alone would write its name), read by name, by position and as a mapping.
    assert row["status"] == "awaiting_review" and row[0] == "r1" and dict(row)["line_path"] == "/l.txt"


def test_a_failed_write_transaction_leaves_nothing(database_url):
    store = Store.open()
    with pytest.raises(RuntimeError), store.transaction() as conn:
        conn.execute("INSERT INTO arxiv_cache (key, request, stored_at, payload) VALUES (?,?,?,?)", ("k", "{}", "now", "[]"))
        raise RuntimeError("boom")
    assert store.conn.execute("SELECT COUNT(*) AS n FROM arxiv_cache").fetchone()["n"] == 0


def test_placeholders_leave_a_quoted_question_mark_and_escape_every_percent_sign(database_url):
    sql = "SELECT '?%' AS q, ? AS v WHERE 'a%' LIKE 'a%'"
    assert placeholders(sql) == "SELECT '?%%' AS q, %s AS v WHERE 'a%%' LIKE 'a%%'"  # psycopg reads % inside quotes too
    assert tuple(Store.open().conn.execute(sql, ("x",)).fetchone()) == ("?%", "x")


def test_an_unreachable_database_is_one_clear_error_without_its_password(monkeypatch, postgres_server_url):
    port = postgres_server_url.rsplit(":", 1)[1].split("/")[0]
    monkeypatch.setenv("RETEST_DATABASE_URL", f"postgresql://retest:s3cret-pw@127.0.0.1:{port}/no_such_database")
    with pytest.raises(ConfigError) as caught:
        Store.open()
    shown = f"{caught.value.message} {caught.value.hint}"
    assert "no_such_database" in shown and "RETEST_DATABASE_URL" in shown
    assert "s3cret-pw" not in shown


def test_waiting_for_a_run_lock_leaves_no_statement_blocked_on_the_server(database_url):
    """A statement blocked in pg_advisory_lock would stall LangGraph's CREATE INDEX CONCURRENTLY in another process, for ever."""
    from agent.store.postgres import lock_key

    store = Store.open()
    with psycopg.connect(database_url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (lock_key("run-x"),))
        got = threading.Event()

        def wait_for_it() -> None:
            with store.exclusive("run-x"):
                got.set()

        waiter = threading.Thread(target=wait_for_it)
        waiter.start()
        try:
            time.sleep(0.5)  # the waiter is asking by now
            assert not got.is_set()
            blocked = holder.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()").fetchone()
            assert blocked == (0,)
        finally:
            holder.execute("SELECT pg_advisory_unlock(%s)", (lock_key("run-x"),))
            waiter.join(timeout=10)
    assert got.is_set(), "the waiter takes the lock once it is free"


def test_a_run_not_found_names_the_database_it_was_looked_for_in_without_its_password(database_url, monkeypatch, capsys):
    from agent.cli import run as cli

    with_password = database_url.replace("retest@", "retest:pw-s3cret@")  # trust auth: the server ignores it
    monkeypatch.setenv("RETEST_DATABASE_URL", with_password)
    assert cli(["review", "no-such-run", "--list"]) != 0
    err = " ".join(capsys.readouterr().err.split())
    assert "the database postgresql://retest:***@" in err and "pw-s3cret" not in err
