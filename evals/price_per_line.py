"""What re-testing the demo line costs, by model choice: `.venv/bin/python -m evals.price_per_line [--json]`.

The same estimate `retest run LINE --dry-run` prints (agent/estimate.py: the
calls a line of five claims makes, each task's measured token sizes, the price
table), at real abstract lengths (the estimate's high end) and with the demo's
short summaries (its low end), for:

- the default models, the `fast` preset, and the cheapest current model in
  every role (the price table's cheapest entry whose status is "current");
- with prompt caching: the cacheable share `evals/cache_share.py` measures
  (0% today: every prefix is below the providers' minimum), so the same price;
- with `--batch`: the estimate at the batch APIs' price (half, as OpenAI's
  Batch API and Anthropic's Message Batches publish; `batch_discount` in
  agent/llm/prices.toml);

and, measured: the demo line replayed from its synchronous cassette and
through the batch endpoints from cassettes/batch/ (`retest run --all examples/
--batch --wait --replay cassettes/batch/`), each priced as the run reports it.

The goal (issue 15): at most $0.05 per line of five claims with a small model.
Estimates from measured token sizes and copied prices; nothing is called.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script too

LINE = REPO / "examples" / "bargaining-power.txt"
RUN_DATE = dt.date(2026, 11, 29)  # the demo cassette's
GOAL_USD = 0.05


def cheapest_current_model() -> str:
    """The price table's cheapest model still served ("current"), as a model string, by the price of a screening-shaped call."""
    from agent.llm.prices import load_prices

    table = load_prices()
    current = [name for name, status in table.statuses.items() if status.state == "current"]
    # Screening dominates a line's tokens: about 6 input tokens to 1 output token at real abstract lengths.
    name = min(current, key=lambda n: 6 * table.models[n].input + table.models[n].output)
    return f"{'anthropic' if name.startswith('claude') else 'openai'}:{name}"


def _with_cache(estimate: Any, share: float, end: str) -> float:
    """The estimate's price at one end with `share` of every call's input read from the cache at the cached price."""
    from agent.llm.prices import price_for

    total = 0.0
    for role in estimate.roles:
        price = price_for(role.model)
        if price is None:
            continue
        tokens_in, tokens_out = getattr(role, f"input_{end}"), getattr(role, f"output_{end}")
        total += ((1 - share) * tokens_in * price.input + share * tokens_in * price.cached_input + tokens_out * price.output) / 1_000_000
    return total


def rows() -> list[dict[str, Any]]:
    from agent.config import ROLES, load_settings
    from agent.estimate import estimate_line
    from agent.line.read import load_line
    from evals.cache_share import DEMO, MINIMUM_PREFIX, cacheable_share, measure

    line = load_line(LINE).line
    cheapest = cheapest_current_model()
    choices = {
        "default models": load_settings(),
        "preset fast": load_settings(preset="fast"),
        f"cheapest current ({cheapest})": load_settings(overrides=dict.fromkeys(ROLES, cheapest)),
    }
    measured = measure([DEMO])
    cached = max(cacheable_share(r["prefix_tokens"], r["input_tokens_real_abstracts"], min(MINIMUM_PREFIX.values())) for r in measured.values())
    out = []
    for label, settings in choices.items():
        estimate = estimate_line(line, settings, RUN_DATE)
        low, high = estimate.cost_low or 0.0, estimate.cost_high or 0.0
        models = sorted({r.model for r in estimate.roles})
        out.append({"models": label, "uses": models, "calls": estimate.calls, "sync_low": low, "sync_high": high})
        out.append(
            {
                "models": f"{label}, with caching ({cached:.0%} cacheable)",
                "uses": models,
                "calls": estimate.calls,
                "sync_low": _with_cache(estimate, cached, "low"),
                "sync_high": _with_cache(estimate, cached, "high"),
            }
        )
        batched = estimate_line(line, settings, RUN_DATE, batch=True)
        out.append(
            {"models": f"{label}, --batch", "uses": models, "calls": batched.calls, "sync_low": batched.cost_low or 0.0, "sync_high": batched.cost_high or 0.0}
        )
    return out


def measured_replays() -> dict[str, float]:
    """The demo line's price as its runs report it: replayed synchronously, and through the batch endpoints (with the other example line)."""
    import tempfile

    from agent.batches import BatchClients, batch_traffic, settle
    from agent.config import load_settings
    from agent.library import run_library
    from agent.runner import cassette_run_date, start_run
    from agent.runs import run_usage
    from agent.services import RunRequest
    from agent.store import Store

    settings, batch_dir = load_settings(), REPO / "cassettes" / "batch"
    demo = REPO / "cassettes" / "demo" / "bargaining-power.yaml"
    with tempfile.TemporaryDirectory() as home:
        store = Store.open(Path(home) / "retest.db")
        sync = start_run(LINE, RunRequest(mode="replay", cassette=demo, run_date=RUN_DATE, use_cache=False, settings=settings), store)

        def request_for(path: Path) -> RunRequest:
            cassette = batch_dir / f"{path.stem}.yaml"
            return RunRequest(mode="replay", cassette=cassette, run_date=cassette_run_date(cassette), use_cache=False, settings=settings, batch=True)

        library = run_library([LINE, REPO / "examples" / "ai-software-testing.txt"], request_for, store)
        run_ids = [r.run_id for r in library.results if r.run_id]
        with batch_traffic("replay", batch_dir / "batches.yaml"):
            settle(store, BatchClients(settings, "replay"), run_ids, wait=True, poll_s=0)
        batch = sum(u.cost_usd or 0.0 for u in run_usage(store, run_ids[0]))
        store.close()
    return {"sync_usd": sync.cost_usd or 0.0, "batch_usd": batch}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    table, measured = rows(), measured_replays()
    if args.json:
        print(json.dumps({"estimates": table, "measured": measured}, indent=2))
        return 0
    print(f"The demo line (5 claims), estimated per line; goal at most ${GOAL_USD:.2f} with a small model")
    for row in table:
        met = "meets" if row["sync_high"] <= GOAL_USD else ("meets at short abstracts only" if row["sync_low"] <= GOAL_USD else "misses")
        print(f"  {row['models']:72} {row['calls']:>3} calls  ${row['sync_low']:.4f}-${row['sync_high']:.4f}  {met}")
    ratio = measured["batch_usd"] / measured["sync_usd"] if measured["sync_usd"] else float("nan")
    print(
        f"Measured (the demo's replays, at its cassettes' token counts): synchronous ${measured['sync_usd']:.4f}, "
        f"through the batch APIs ${measured['batch_usd']:.4f} ({ratio:.0%} of it)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
