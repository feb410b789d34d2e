"""Runs saved before URL redaction existed lose the password too (issue 17, point 5): migration 0011 redacts them in place."""

from __future__ import annotations

import json
from pathlib import Path

from agent.store import MIGRATIONS, Store

PASSWORD = "Hunter2-old-row-secret"
URL = f"openai-compatible:https://retest:{PASSWORD}@models.example/v1#llama3.1"


def _old_store(path: Path) -> None:
    """A store as the version before 0011 left it: a run whose models, settings, error and usage name the URL in clear."""
    before_0011 = [m for m in MIGRATIONS if m.name < "0011"]
    with Store.open(path, migrations=before_0011) as store:
        run_id = "20261101-000000-aaaa"
        with store.transaction() as conn:  # what the old code wrote, unredacted
            conn.execute(
                "INSERT INTO runs (id, line_path, line_sha256, mode, run_date, models, settings, prompts, version, started_at, status, error)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (run_id, "line.txt", "0" * 64, "live", "2026-11-01", json.dumps({"judge": URL}), json.dumps({"judge": URL}), "{}", "old",
                 "2026-11-01T00:00:00", "failed", f"401 from {URL.split(':', 1)[1]}"),
            )  # fmt: skip
            conn.execute(
                "INSERT INTO run_usage (run_id, node, claim_id, role, model, calls, input_tokens, output_tokens, latency_s) VALUES (?,?,?,?,?,?,?,?,?)",
                (run_id, "judge", "C1", "judge", URL, 1, 10, 1, 0.5),
            )
        assert store.applied_migrations() == [m.name for m in before_0011]


def test_opening_an_old_store_redacts_every_stored_url_and_leaves_no_trace_in_the_file(tmp_path: Path):
    db = tmp_path / "retest.db"
    _old_store(db)
    assert PASSWORD.encode() in db.read_bytes() + (db.with_name("retest.db-wal").read_bytes() if db.with_name("retest.db-wal").exists() else b"")
    with Store.open(db) as store:
        assert "0011_redact_stored_urls" in store.applied_migrations()
        row = store.conn.execute("SELECT models, settings, error FROM runs").fetchone()
        usage = store.conn.execute("SELECT model FROM run_usage").fetchone()
    assert json.loads(row["models"]) == {"judge": "openai-compatible:https://retest:***@models.example/v1#llama3.1"}
    assert "***@models.example" in row["error"] and PASSWORD not in row["settings"] and PASSWORD not in usage["model"]
    for file in tmp_path.iterdir():
        assert PASSWORD.encode() not in file.read_bytes(), f"{file.name} still holds the password"
