"""Per-claim planning against one planning call for the line, measured on a real model (issue 12 point 5).

    .venv/bin/python -m evals.planning_compare

Replays the demo line's two real-local recordings, both made against the same
SmolLM2-135M-Instruct llama-server and the same arXiv stand-in over
evals/data/arxiv-slice, and prints per planning mode: model calls, tokens,
queries sent, the papers the searches retrieved, how many of the demo's
must-find papers (evals/suites/starter_v1.yaml) were among them, and the
quotes screening kept. A 135M model plans poorly in both modes, so this says
how the two modes compare for that model only; a comparison that means more
needs live models and two live recordings (RETEST_PLANNING=claim and line).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "examples" / "bargaining-power.txt"
SUITE = REPO / "evals" / "suites" / "starter_v1.yaml"
MODES = {
    # mode -> (manifest, cassette): the claim mode is the demo's replayed real-local cassette.
    "claim": (REPO / "cassettes/real-local/manifest.json", REPO / "cassettes/real-local/bargaining-power.yaml"),
    "line": (REPO / "cassettes/real-local/planning-line/manifest.json", REPO / "cassettes/real-local/planning-line/bargaining-power.yaml"),
}
DUMMY_KEY = "retest-local-model-dummy-key-0000"  # what scripts/local_model/record.sh sends


def must_find() -> dict[str, set[str]]:
    """The demo case's must-find papers by claim."""
    from agent.evaluate.suite import load_suite

    case = next(c for c in load_suite(SUITE).suite.cases if c.line.name == DEMO.name and c.expect.claims)
    return {cid: {m.arxiv_id for m in want.must_find} for cid, want in case.expect.claims.items()}


def replay(manifest: Path, cassette: Path) -> dict[str, Any]:
    """The run's state after replaying `cassette` with the environment it was recorded with."""
    from agent.runner import load_state
    from agent.runs import list_runs
    from agent.store import Store

    entry = json.loads(manifest.read_text(encoding="utf-8"))["lines"][cassette.stem]
    with tempfile.TemporaryDirectory(prefix="retest-planning-") as home:
        env = {**os.environ, **entry["replay_env"], "RETEST_HOME": home, "RETEST_COMPAT_API_KEY": DUMMY_KEY}
        done = subprocess.run([sys.executable, "-m", "agent.cli", "run", str(DEMO), "--replay", str(cassette)], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"replaying {cassette} failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
        with Store.open(Path(home) / "retest.db") as store:
            return load_state(list_runs(store)[0].id, store)[1]


def measure(state: dict[str, Any], wanted: dict[str, set[str]]) -> dict[str, Any]:
    results = state.get("claim_results", {}).values()
    found = {r.claim_id: {c.arxiv_id for c in r.candidates} for r in results}
    usage = state.get("usage", [])
    planning = [u for u in usage if u.node in ("plan_claims", "plan_queries")]
    by_task = {node: sum(u.calls for u in planning if u.node == node) for node in ("plan_claims", "plan_queries")}
    return {
        "model calls": sum(u.calls for u in usage),
        "planning calls": ", ".join(f"{node} {n}" for node, n in by_task.items()),
        "planning tokens in / out": f"{sum(u.input_tokens for u in planning):,} / {sum(u.output_tokens for u in planning):,}",
        "queries sent": sum(len(r.queries) for r in results),
        "queries arXiv rejected": sum(1 for r in results for q in r.queries if q.error),
        "papers retrieved": len(set().union(*found.values())) if found else 0,
        "must-find papers retrieved": f"{sum(len(wanted[c] & found.get(c, set())) for c in wanted)}/{sum(len(v) for v in wanted.values())}",
        "quotes kept": sum(len(r.findings) for r in results),
    }


def main() -> int:
    missing = [str(c.relative_to(REPO)) for _, c in MODES.values() if not c.is_file()]
    if missing:
        raise SystemExit(f"missing recordings: {', '.join(missing)} (scripts/local_model/record.sh writes them)")
    wanted = must_find()
    rows = {mode: measure(replay(manifest, cassette), wanted) for mode, (manifest, cassette) in MODES.items()}
    table = Table(title="Demo line, SmolLM2-135M-Instruct on llama-server, arXiv stand-in over the slice")
    table.add_column("")
    for mode in rows:
        table.add_column(f"RETEST_PLANNING={mode}", justify="right")
    for key in rows["claim"]:
        table.add_row(key, *(str(rows[mode][key]) for mode in rows))
    Console().print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
