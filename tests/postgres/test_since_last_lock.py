"""Issue 20: the scheduled-run lock keeps apart two machines (each its own RETEST_HOME) on one Postgres database."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest

from agent.errors import ExitCode
from tests.postgres.server import binaries

pytestmark = [
    pytest.mark.block_network(allowed_hosts=["127.0.0.1"]),
    pytest.mark.skipif(binaries() is None, reason="PostgreSQL is not installed (apt-get install -y postgresql; .ci/run does it)"),
]

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"
FULL = REPO / "cassettes" / "demo" / "bargaining-power.yaml"
LATER = REPO / "cassettes" / "since-last" / "bargaining-power-month-later.yaml"


def _machine(tmp_path: Path, name: str, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETEST_")}
    return {**env, "RETEST_HOME": str(tmp_path / name), "RETEST_DATABASE_URL": url, "NO_COLOR": "1", "COLUMNS": "200"}


def _retest(argv: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "agent.cli", *argv], env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _done(process: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    out, err = process.communicate(timeout=600)  # generous: a loaded 2-core machine
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _library(tmp_path: Path) -> tuple[Path, Path]:
    library, cassettes = tmp_path / "lib", tmp_path / "cassettes"
    library.mkdir(), cassettes.mkdir()
    shutil.copy(LINE, library / LINE.name)
    shutil.copy(LATER, cassettes / "bargaining-power.yaml")
    return library, cassettes


def _runs(url: str) -> list[tuple[str, str, str | None]]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT id, started_at, ended_at FROM runs ORDER BY started_at").fetchall()


@pytest.fixture
def machines(database_url: str, tmp_path: Path) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """Machines a and b on one database, after a's full run of the demo; and the scheduled command both run."""
    a, b = _machine(tmp_path, "a", database_url), _machine(tmp_path, "b", database_url)
    full = _done(_retest(["run", str(LINE), "--replay", str(FULL)], a))
    assert full.returncode == 0, full.stderr
    library, cassettes = _library(tmp_path)
    return a, b, ["run", "--all", str(library), "--replay", str(cassettes), "--since-last", "--quiet", "--yes"]


def test_while_one_machine_holds_the_lock_the_other_exits_75_and_runs_nothing(machines, database_url) -> None:
    a, b, scheduled = machines
    before = _runs(database_url)
    # Machine a's scheduled run, under way: held through a's store (its own state directory, the shared database).
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys\nfrom agent.incremental import scheduled_lock\nfrom agent.store import Store\n"
         "with scheduled_lock(Store.open()):\n    print('held', flush=True)\n    sys.stdin.readline()"],
        env=a, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        refused = _done(_retest(scheduled, b))
    finally:
        holder.communicate("\n", timeout=60)
    assert refused.returncode == ExitCode.LOCKED, refused.stderr
    assert "another `retest run --since-last` (on this or another machine using the database) is running on postgresql://" in refused.stderr
    assert "this one did not start" in refused.stderr and "Traceback" not in refused.stderr
    assert _runs(database_url) == before  # nothing ran
    # Once a's has finished, b's goes ahead.
    ran = _done(_retest(scheduled, b))
    assert ran.returncode == ExitCode.OK, ran.stderr
    assert ran.stdout.strip().startswith("bargaining-power: nothing changed (run ")


def test_two_scheduled_runs_started_at_once_on_two_machines_one_runs_and_the_other_exits_75(machines, database_url) -> None:
    """Both started together; whichever takes the lock first is held inside it (at its first write) until the other has ended."""
    from agent.store.postgres import _WRITER_KEY  # every write transaction takes it first: holding it parks a run mid-way

    a, b, scheduled = machines
    before = _runs(database_url)
    with psycopg.connect(database_url, autocommit=True) as gate:
        gate.execute("SELECT pg_advisory_lock(%s)", (_WRITER_KEY,))
        first = subprocess.Popen(
            [sys.executable, "-m", "agent.cli", *scheduled], env=a, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, process_group=0
        )
        second = subprocess.Popen(
            [sys.executable, "-m", "agent.cli", *scheduled], env=b, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            process_group=first.pid,
        )  # fmt: skip
        # Were both parked (a write before the lock), nothing would end: stop them then, and fail below rather than hang.
        guard = threading.Timer(300, os.killpg, (first.pid, signal.SIGKILL))
        guard.start()
        try:
            # Wait (without reaping) for the first of the two to end: the one the lock turned away, the other being parked.
            ended = os.waitid(os.P_PGID, first.pid, os.WEXITED | os.WNOWAIT)
            assert ended is not None
        finally:
            guard.cancel()
            gate.execute("SELECT pg_advisory_unlock(%s)", (_WRITER_KEY,))
        done = {p.pid: _done(p) for p in (first, second)}
    refused = done[ended.si_pid]
    ran = next(r for pid, r in done.items() if pid != ended.si_pid)
    assert refused.returncode == ExitCode.LOCKED, (refused.stdout, refused.stderr)
    assert "this one did not start" in refused.stderr and "Traceback" not in refused.stderr
    assert ran.returncode == ExitCode.OK, (ran.stdout, ran.stderr)
    assert ran.stdout.strip().startswith("bargaining-power: nothing changed (run ")
    assert len(_runs(database_url)) == len(before) + 1  # one since-last run, not two
