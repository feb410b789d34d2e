"""What `--since-last` saves: the demo line re-tested in full, then again a month later since that run.

    .venv/bin/python evals/bench_since_last.py [--json]

Two pairs of runs, each replayed offline from committed cassettes in a temporary state directory,
through the same runner as `retest run`:

- nothing new: the demo's full run (cassettes/demo/bargaining-power.yaml, 2026-11-29), then a month
  later since it (cassettes/since-last/bargaining-power-month-later.yaml, 2026-12-29);
- new work for two claims: a full run on 2026-06-01 (cassettes/since-last/bargaining-power-june.yaml),
  then a month later since it (cassettes/since-last/bargaining-power-july.yaml, 2026-07-01).

Model calls, tokens and the estimated price come from the runs' usage records (the cassettes' token
counts at the current prices); arXiv requests are those each run sent. Exits 1 when, with nothing
new, the second run's model calls are not under a third of the full run's (the goal of issue 20).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, so the repository root is not on sys.path yet.
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agent.config import load_settings  # noqa: E402
from agent.incremental import changes_to_review, since_last_request  # noqa: E402
from agent.llm.base import money  # noqa: E402
from agent.runner import RunOutcome, cassette_run_date, start_run  # noqa: E402
from agent.services import RunRequest  # noqa: E402
from agent.store import Store  # noqa: E402

LINE = REPO / "examples" / "bargaining-power.txt"
SINCE_LAST = REPO / "cassettes" / "since-last"
PAIRS = {
    "nothing new": (REPO / "cassettes" / "demo" / "bargaining-power.yaml", SINCE_LAST / "bargaining-power-month-later.yaml"),
    "new work for C1 and C4": (SINCE_LAST / "bargaining-power-june.yaml", SINCE_LAST / "bargaining-power-july.yaml"),
}


def _row(case: str, name: str, outcome: RunOutcome, wall_s: float) -> dict[str, object]:
    usage = outcome.usage
    return {
        "case": case,
        "run": name,
        "run_date": outcome.run.run_date.isoformat(),
        "model_calls": sum(u.calls for u in usage),
        "input_tokens": sum(u.input_tokens for u in usage),
        "output_tokens": sum(u.output_tokens for u in usage),
        "cost_usd": outcome.cost_usd,
        "arxiv_requests": outcome.requests_sent,
        "proposals": len(outcome.proposals),
        "changes_to_review": changes_to_review(outcome),
        "wall_s": round(wall_s, 2),
    }


def measure(case: str, full: Path, later: Path, home: Path) -> list[dict[str, object]]:
    """The full run and the since-last run a month later, each as one row of numbers."""
    store = Store.open(home / "retest.db")
    settings = load_settings()
    started = time.perf_counter()
    first = start_run(LINE, RunRequest(mode="replay", cassette=full, run_date=cassette_run_date(full), settings=settings), store)
    rows = [_row(case, "full", first, time.perf_counter() - started)]
    started = time.perf_counter()
    request = RunRequest(mode="replay", cassette=later, run_date=cassette_run_date(later), settings=settings)
    second = start_run(LINE, since_last_request(request, store, LINE), store)
    rows.append(_row(case, "since-last, a month later", second, time.perf_counter() - started))
    return rows


def _ratio(rows: list[dict[str, object]], key: str) -> float:
    full, later = (float(r[key] or 0) for r in rows)  # type: ignore[arg-type]
    return later / full if full else 0.0


def main(argv: list[str]) -> int:
    pairs = {}
    for case, (full, later) in PAIRS.items():
        with tempfile.TemporaryDirectory() as home:
            pairs[case] = measure(case, full, later, Path(home))
    if "--json" in argv:
        print(json.dumps({case: {"runs": rows, "calls_ratio": _ratio(rows, "model_calls")} for case, rows in pairs.items()}, indent=2))
    else:
        print("| case | run | run date | model calls | tokens in | tokens out | est. price | arXiv requests | proposals | changes to review |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for rows in pairs.values():
            for r in rows:
                price = money(r["cost_usd"])  # type: ignore[arg-type]
                print(
                    f"| {r['case']} | {r['run']} | {r['run_date']} | {r['model_calls']} | {r['input_tokens']} | {r['output_tokens']} | {price}"
                    f" | {r['arxiv_requests']} | {r['proposals']} | {'yes' if r['changes_to_review'] else 'no'} |"
                )
        print()
        for case, rows in pairs.items():
            print(f"{case}: {_ratio(rows, 'model_calls'):.0%} of the full run's model calls, {_ratio(rows, 'cost_usd'):.0%} of its estimated price.")
    return 0 if _ratio(pairs["nothing new"], "model_calls") < 1 / 3 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
