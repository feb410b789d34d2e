"""Issue 14 point 2: two processes, each with its own state directory (two machines), run and review on one Postgres database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.postgres.server import binaries

pytestmark = [
    pytest.mark.block_network(allowed_hosts=["127.0.0.1"]),
    pytest.mark.skipif(binaries() is None, reason="PostgreSQL is not installed (apt-get install -y postgresql; .ci/run does it)"),
]

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"
CASSETTE = REPO / "cassettes" / "demo" / "bargaining-power.yaml"


def _machine(tmp_path: Path, name: str, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETEST_")}
    return {**env, "RETEST_HOME": str(tmp_path / name), "RETEST_DATABASE_URL": url, "NO_COLOR": "1", "COLUMNS": "200"}


def _at_once(*commands: tuple[list[str], dict[str, str]]) -> list[subprocess.CompletedProcess[str]]:
    """Start every command, then wait for all: they overlap as two machines' would."""
    started = [
        subprocess.Popen([sys.executable, "-m", "agent.cli", *argv], env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for argv, env in commands
    ]
    done = []
    for process in started:
        out, err = process.communicate(timeout=600)  # generous: a loaded 2-core machine runs three replays at once
        done.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return done


def _runs(url: str) -> dict[str, str]:
    with psycopg.connect(url) as conn:
        return dict(conn.execute("SELECT id, status FROM runs").fetchall())


def test_two_machines_run_and_review_on_one_database(database_url, tmp_path):
    a, b = _machine(tmp_path, "a", database_url), _machine(tmp_path, "b", database_url)
    ran = _at_once((["run", str(LINE), "--replay", str(CASSETTE)], a), (["run", str(LINE), "--replay", str(CASSETTE)], b))
    assert [r.returncode for r in ran] == [0, 0], [r.stderr for r in ran]
    runs = _runs(database_url)
    assert len(runs) == 2 and set(runs.values()) == {"awaiting_review"}
    first, second = sorted(runs)

    # Each machine lists both runs; then both review the same run at once, each deciding other proposals.
    listed = subprocess.run([sys.executable, "-m", "agent.cli", "runs"], env=b, cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert first in listed and second in listed
    reviewed = _at_once(
        (["review", first, "--accept", "P1,P2"], a),
        (["review", first, "--reject", "P3", "--reason", "not what the anchor says"], b),
        (["review", second, "--accept-grounded"], b),
    )
    assert [r.returncode for r in reviewed] == [0, 0, 0], [r.stderr for r in reviewed]
    with psycopg.connect(database_url) as conn:
        decided = conn.execute("SELECT proposal_id, kind, reason FROM decisions WHERE run_id = %s ORDER BY proposal_id", (first,)).fetchall()
    assert decided == [("P1", "accept", ""), ("P2", "accept", ""), ("P3", "reject", "not what the anchor says")]
    pending = subprocess.run(
        [sys.executable, "-m", "agent.cli", "review", first, "--list", "--json"], env=a, cwd=REPO, capture_output=True, text=True, check=True
    )
    shown = json.loads(pending.stdout)
    assert {p["id"] for p in shown["pending"]} == {"P4", "P5", "P6", "P7", "P8", "P9", "P10", "P11", "P12", "P13", "P14", "P15"}
    assert _runs(database_url)[second] == "completed"


def test_of_two_resumes_of_one_run_at_once_one_runs_it(database_url, tmp_path):
    a, b = _machine(tmp_path, "a", database_url), _machine(tmp_path, "b", database_url)
    ran = subprocess.run([sys.executable, "-m", "agent.cli", "run", str(LINE), "--replay", str(CASSETTE)], env=a, cwd=REPO, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    (run_id,) = _runs(database_url)
    with psycopg.connect(database_url) as conn:
        # As a kill leaves it, with no checkpoint yet: a resume runs the whole graph again.
        conn.execute("UPDATE runs SET status = 'failed', pid = NULL WHERE id = %s", (run_id,))
        conn.execute("DELETE FROM checkpoint_writes WHERE thread_id = %s", (run_id,))
        conn.execute("DELETE FROM checkpoint_blobs WHERE thread_id = %s", (run_id,))
        conn.execute("DELETE FROM checkpoints WHERE thread_id = %s", (run_id,))
    resumed = _at_once((["resume", run_id], a), (["resume", run_id], b))
    codes = sorted(r.returncode for r in resumed)
    assert codes[0] == 0 and codes[1] != 0, [r.stderr for r in resumed]
    refused = next(r for r in resumed if r.returncode != 0).stderr
    assert "held by process" in refused or "nothing to resume" in refused, refused
    with psycopg.connect(database_url) as conn:
        sittings = conn.execute("SELECT COUNT(*) FROM run_sittings WHERE run_id = %s", (run_id,)).fetchone()[0]
    assert sittings == 2  # the first, and the one resume that ran
    assert _runs(database_url)[run_id] == "awaiting_review"
