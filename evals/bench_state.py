"""How much state a run leaves behind: `.venv/bin/python evals/bench_state.py [--lines 1,20] [--json]`.

Replays the demo line (examples/bargaining-power.txt, cassettes/demo/bargaining-power.yaml)
N times into a fresh temporary state directory, one run after another in this
process (as `retest run --all` replays a library: one cassette at a time), and
prints for each N: wall time, the checkpoint file and the run store on disk, how
many checkpoints were written, how much of the checkpoints is the line itself
(none since the line is kept once in the run's record; before, every checkpoint
carried a copy), and the size of the JSON report `retest runs --prune` keeps in
place of a run's checkpoints. Numbers only, measured on the machine it runs on;
nothing asserted. docs/scaling.md quotes its output.

`--postgres URL` measures the same replays with the run store and the
checkpoints in Postgres instead: URL names a server where the user may create
databases (one fresh database per N, dropped after), and the sizes are those
Postgres reports for the tables.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# Run as a script, so the repository root is not on sys.path yet.
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

LINE = REPO / "examples" / "bargaining-power.txt"
CASSETTE = REPO / "cassettes" / "demo" / "bargaining-power.yaml"


def _line_bytes_in_checkpoints(db: Path) -> tuple[int, int, int]:
    """(bytes of all checkpoint blobs, bytes of the line's copies in them, bytes of pending writes of the `line` channel)."""
    from agent.graph.serde import serializer

    serde = serializer()
    conn = sqlite3.connect(db)
    try:
        total = in_line = 0
        line_size: dict[str, int] = {}  # one line per run: serialise it once per thread
        for thread, kind, blob in conn.execute("SELECT thread_id, type, checkpoint FROM checkpoints"):
            total += len(blob)
            values = serde.loads_typed((kind, blob)).get("channel_values", {})
            if "line" in values:
                if thread not in line_size:
                    line_size[thread] = len(serde.dumps_typed(values["line"])[1])
                in_line += line_size[thread]
        writes = conn.execute("SELECT COALESCE(SUM(LENGTH(value)), 0) FROM writes WHERE channel = 'line'").fetchone()[0]
        return total, in_line, int(writes)
    finally:
        conn.close()


def measure(lines: int, keep: Path | None = None) -> dict[str, Any]:
    """Replay the demo `lines` times into a fresh state directory (`keep`, else a temporary one) and measure what it holds."""
    with tempfile.TemporaryDirectory(prefix="retest-bench-state-") as tmp:
        home = keep / f"lines-{lines}" if keep else Path(tmp) / "state"
        if home.exists():
            raise SystemExit(f"{home} exists: give --keep an empty directory")
        os.environ["RETEST_HOME"] = str(home)
        from agent.config import load_settings
        from agent.prune import file_bytes
        from agent.report import build_report
        from agent.runner import cassette_run_date, load_state, start_run
        from agent.runs import run_usage
        from agent.services import RunRequest
        from agent.store import Store

        request = RunRequest(mode="replay", cassette=CASSETTE, run_date=cassette_run_date(CASSETTE), settings=load_settings())
        store = Store.open(home / "retest.db")
        try:
            started = time.perf_counter()
            ids = [start_run(LINE, request, store).run.id for _ in range(lines)]
            wall = time.perf_counter() - started
            record, state, waiting = load_state(ids[0], store)
            report = build_report(record, state, waiting, run_usage(store, record.id)).model_dump_json()
        finally:
            store.close()
        db = home / "checkpoints.db"
        with sqlite3.connect(db) as conn:
            checkpoints = conn.execute("SELECT COUNT(*) FROM checkpoints").fetchone()[0]
            writes = conn.execute("SELECT COUNT(*) FROM writes").fetchone()[0]
        blobs, line_copies, line_writes = _line_bytes_in_checkpoints(db)
        return {
            "lines": lines,
            "wall_s": round(wall, 2),
            "wall_s_per_line": round(wall / lines, 2),
            "checkpoint_file_bytes": file_bytes(db),
            "checkpoint_file_bytes_per_line": file_bytes(db) // lines,
            "store_file_bytes": file_bytes(home / "retest.db"),
            "checkpoints": checkpoints,
            "pending_writes": writes,
            "checkpoint_blob_bytes": blobs,
            "line_copies_in_checkpoints_bytes": line_copies,
            "line_channel_writes_bytes": line_writes,
            "line_file_bytes": LINE.stat().st_size,
            "kept_report_bytes": len(report.encode()),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }


def measure_postgres(lines: int, server_url: str) -> dict[str, Any]:
    """Replay the demo `lines` times with $RETEST_DATABASE_URL on a fresh database of `server_url`; sizes as Postgres counts them."""
    import psycopg

    name = f"retest_bench_{lines}_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    url = server_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        with tempfile.TemporaryDirectory(prefix="retest-bench-state-") as tmp:
            os.environ["RETEST_HOME"] = str(Path(tmp) / "state")
            os.environ["RETEST_DATABASE_URL"] = url
            from agent.config import load_settings
            from agent.prune import checkpoint_bytes
            from agent.runner import cassette_run_date, start_run
            from agent.services import RunRequest
            from agent.store import Store

            request = RunRequest(mode="replay", cassette=CASSETTE, run_date=cassette_run_date(CASSETTE), settings=load_settings())
            store = Store.open()
            try:
                started = time.perf_counter()
                for _ in range(lines):
                    start_run(LINE, request, store)
                wall = time.perf_counter() - started
                held = checkpoint_bytes(store)
                total = store.conn.execute("SELECT pg_database_size(current_database()) AS n").fetchone()["n"]
                checkpoints = store.conn.execute("SELECT COUNT(*) AS n FROM checkpoints").fetchone()["n"]
            finally:
                store.close()
    finally:
        os.environ.pop("RETEST_DATABASE_URL", None)
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    return {
        "lines": lines,
        "wall_s": round(wall, 2),
        "wall_s_per_line": round(wall / lines, 2),
        "checkpoint_table_bytes": held,
        "checkpoint_table_bytes_per_line": held // lines,
        "checkpoints": checkpoints,
        "database_bytes": int(total),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--lines", default="1,20", help="Comma-separated numbers of demo replays, each into a fresh state directory (default 1,20).")
    parser.add_argument("--json", action="store_true", help="Print one JSON object per measurement.")
    parser.add_argument("--keep", type=Path, help="Keep each state directory under this folder (lines-N/), to look at afterwards.")
    parser.add_argument(
        "--postgres", metavar="URL", help="Measure with the runs and checkpoints in Postgres; URL names a server where databases may be created."
    )
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.lines.split(",") if n.strip()]
    if args.postgres:
        for n in counts:
            row = measure_postgres(n, args.postgres)
            print(
                json.dumps(row)
                if args.json
                else f"{n} line(s) on Postgres: {row['wall_s']} s ({row['wall_s_per_line']} s a line); checkpoint tables "
                f"{row['checkpoint_table_bytes'] / 1e6:.2f} MB ({row['checkpoint_table_bytes_per_line'] / 1e6:.2f} MB a line, "
                f"{row['checkpoints']} checkpoints); whole database {row['database_bytes'] / 1e6:.1f} MB; peak RSS {row['peak_rss_mb']} MiB",
                flush=True,
            )
        return 0
    for n in counts:
        row = measure(n, args.keep)
        if args.json:
            print(json.dumps(row), flush=True)
            continue
        share = row["line_copies_in_checkpoints_bytes"] / max(row["checkpoint_blob_bytes"], 1)
        # Decimal units (1 MB = 10^6 bytes), as docs/scaling.md quotes them.
        print(
            f"{n} line(s): {row['wall_s']} s ({row['wall_s_per_line']} s a line); checkpoints {row['checkpoint_file_bytes'] / 1e6:.2f} MB on disk "
            f"({row['checkpoint_file_bytes_per_line'] / 1e6:.2f} MB a line, {row['checkpoints']} checkpoints, {row['pending_writes']} writes); "
            f"run store {row['store_file_bytes'] / 1e3:.0f} KB; the {row['line_file_bytes']} B line is {share:.0%} of the checkpoint blobs "
            f"({row['line_copies_in_checkpoints_bytes'] / 1e6:.2f} MB) plus {row['line_channel_writes_bytes'] / 1e3:.0f} KB of writes; "
            f"a kept report is {row['kept_report_bytes'] / 1e3:.0f} KB; peak RSS {row['peak_rss_mb']} MiB",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
