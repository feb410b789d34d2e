"""What re-testing the demo line costs, by model choice: `.venv/bin/python -m evals.price_per_line [--json]`.

The same estimate `retest run LINE --dry-run` prints (agent/estimate.py: the
calls a line of five claims makes, each task's measured token sizes, the price
table), at real abstract lengths (the estimate's high end) and with the demo's
short summaries (its low end), for:

- the default models, the `fast` preset, and the cheapest current model in
  every role (the price table's cheapest entry whose status is "current");
- with prompt caching: the cacheable share `evals/cache_share.py` measures
  (0% today: every prefix is below the providers' minimum), so the same price;
- with a batch API: half the synchronous price, the discount OpenAI's Batch
  API and Anthropic's Message Batches publish. Retest has no batch client yet
  (issue 15 point 4), so this row is arithmetic, not a measurement.

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
BATCH_DISCOUNT = 0.5


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
        out.append(
            {
                "models": f"{label}, batch (arithmetic, not built)",
                "uses": models,
                "calls": estimate.calls,
                "sync_low": low * BATCH_DISCOUNT,
                "sync_high": high * BATCH_DISCOUNT,
            }
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    table = rows()
    if args.json:
        print(json.dumps(table, indent=2))
        return 0
    print(f"The demo line (5 claims), estimated per line; goal at most ${GOAL_USD:.2f} with a small model")
    for row in table:
        met = "meets" if row["sync_high"] <= GOAL_USD else ("meets at short abstracts only" if row["sync_low"] <= GOAL_USD else "misses")
        print(f"  {row['models']:72} {row['calls']:>3} calls  ${row['sync_low']:.4f}-${row['sync_high']:.4f}  {met}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
