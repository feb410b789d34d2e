"""Issue 14 point 2: the demo replays, is reviewed, applied and pruned with its runs and checkpoints in Postgres.

Each step is compared with the same step on the state directory's SQLite files: the database changes where
state lives, never what a run finds or what applying it writes.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import psycopg
import pytest

from agent.cli import run as cli
from agent.runs import list_runs, saved_proposals
from agent.store import Store
from tests.postgres.server import binaries

pytestmark = [
    pytest.mark.block_network(allowed_hosts=["127.0.0.1"]),
    pytest.mark.skipif(binaries() is None, reason="PostgreSQL is not installed (apt-get install -y postgresql; .ci/run does it)"),
]

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"
CASSETTE = REPO / "cassettes" / "demo" / "bargaining-power.yaml"


def _copy(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(LINE, directory / LINE.name))


def _run_review_apply(line: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, list, str, str]:
    """Replay the demo on `line`, accept every grounded proposal, apply; (run ID, proposals, report, the applied file)."""
    assert cli(["run", str(line), "--replay", str(CASSETTE)]) == 0, capsys.readouterr().err
    (run,) = list_runs(Store.open())
    assert cli(["review", run.id, "--accept-grounded"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert cli(["report", run.id]) == 0
    report = capsys.readouterr().out
    assert cli(["apply", run.id, "--date", "2026-12-01", "--partial"]) == 0, capsys.readouterr().err
    # A plain-text line is applied to its canonical Markdown file beside it.
    return run.id, saved_proposals(Store.open(), run.id) or [], report, line.with_suffix(".md").read_text(encoding="utf-8")


def test_the_demo_on_postgres_finds_reviews_and_applies_what_it_does_on_sqlite(database_url, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("RETEST_DATABASE_URL")
    sqlite_id, sqlite_proposals, sqlite_report, sqlite_applied = _run_review_apply(_copy(tmp_path / "sqlite"), capsys)

    monkeypatch.setenv("RETEST_DATABASE_URL", database_url)
    monkeypatch.setenv("RETEST_HOME", str(tmp_path / "pg-home"))
    pg_id, pg_proposals, pg_report, pg_applied = _run_review_apply(_copy(tmp_path / "pg"), capsys)

    assert pg_proposals and [p.model_dump() for p in pg_proposals] == [p.model_dump() for p in sqlite_proposals]
    assert pg_applied.replace(pg_id, "RUN") == sqlite_applied.replace(sqlite_id, "RUN") and "## Changelog" in pg_applied

    # The two runs are seconds apart: a decision's minute may differ, nothing else may.
    def same(report: str, run_id: str, directory: str) -> str:
        return re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", "WHEN", report.replace(run_id, "RUN").replace(str(tmp_path / directory), "DIR"))

    assert same(pg_report, pg_id, "pg") == same(sqlite_report, sqlite_id, "sqlite")
    # Runs and checkpoints went to Postgres; the state directory holds no database of either.
    assert not (tmp_path / "pg-home" / "retest.db").exists() and not (tmp_path / "pg-home" / "checkpoints.db").exists()
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT COUNT(*) FROM checkpoints WHERE thread_id = %s", (pg_id,)).fetchone()[0] > 0
        assert conn.execute("SELECT status FROM runs WHERE id = %s", (pg_id,)).fetchone()[0] == "completed"


def test_prune_removes_a_postgres_runs_checkpoints_and_keeps_its_report(database_url, tmp_path, capsys):
    run_id, _, report, _ = _run_review_apply(_copy(tmp_path), capsys)
    from agent.prune import prune

    result = prune(Store.open(), dt.timedelta(0), now=dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    assert [p.run.id for p in result.runs] == [run_id] and result.runs[0].checkpoint_bytes > 0
    with psycopg.connect(database_url) as conn:
        for table in ("checkpoints", "checkpoint_blobs", "checkpoint_writes"):
            assert conn.execute(f"SELECT COUNT(*) FROM {table} WHERE thread_id = %s", (run_id,)).fetchone()[0] == 0  # noqa: S608
    capsys.readouterr()
    assert cli(["report", run_id]) == 0
    assert capsys.readouterr().out == report
