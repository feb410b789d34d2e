"""How much of each model call a provider's prompt cache could serve: `.venv/bin/python -m evals.cache_share [CASSETTE ...]`.

Every call of a task sends the same instructions and output schema first and
its claim's data last (tests/llm/test_llm_request_params.py checks the order;
Anthropic calls carry a cache breakpoint after the instructions). A provider
caches that unchanging prefix only from a minimum length on, and a call reads
it only after an earlier call of the same task wrote it. For each task of the
recorded cassettes (default: the demo's) this prints:

- the unchanging prefix in tokens: the call's recorded input tokens times the
  share of its characters that are instructions and schema (an estimate: a
  schema's JSON tokenizes more densely than prose);
- the cacheable share of the task's input tokens, with the demo's short
  abstracts and with real abstract lengths (`evals/token_sizes.json`, high),
  if the prefix reaches the provider's minimum; 0 when it does not.

The minimums are the providers' published ones as quoted by third-party
documentation (the provider pages could not be read here): OpenAI 1,024 tokens
for every model; Anthropic 1,024 (Sonnet 4.x), 4,096 (Opus 4.5 and 4.6, Haiku
4.5). Numbers only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "cassettes" / "demo" / "bargaining-power.yaml"
TOKEN_SIZES = REPO / "evals" / "token_sizes.json"
MINIMUM_PREFIX = {"openai": 1024, "anthropic-sonnet": 1024, "anthropic-opus-haiku": 4096}
TASK_BY_SCHEMA = {
    "QueryPlan": "plan_queries",
    "ScreeningBatch": "screen",
    "Verdict": "judge",
    "QuestionSet": "propose_questions",
    "DraftSet": "draft_proposals",
    "AnchorReadings": "read_anchors",
    "LinePlan": "plan_claims",
}
# Anthropic's output schema carries no name: a task is known by its answer's fields.
TASK_BY_FIELD = {
    "verdict": "judge",
    "questions": "propose_questions",
    "changes": "draft_proposals",
    "findings": "screen",
    "queries": "plan_queries",
    "anchors": "read_anchors",
    "claims": "plan_claims",
}


def _text(content: Any) -> str:
    return content if isinstance(content, str) else json.dumps(content)


def _call(interaction: dict[str, Any]) -> tuple[str, int, int, int] | None:
    """(task, prefix characters, all characters, recorded input tokens) of one model call; None for any other request."""
    request, response = interaction["request"], interaction["response"]
    body, answer = request.get("parsed_body"), response.get("parsed_body")
    if not isinstance(body, dict) or not isinstance(answer, dict) or "usage" not in answer:
        return None
    if "api.anthropic.com" in request["uri"]:
        schema: Any = body.get("output_config", {})
        system = _text(body.get("system", ""))
        user = "".join(_text(m["content"]) for m in body["messages"])
        usage = answer["usage"]
        tokens = usage["input_tokens"] + (usage.get("cache_read_input_tokens") or 0) + (usage.get("cache_creation_input_tokens") or 0)
        fields = schema.get("format", {}).get("schema", {}).get("properties", {})
        task = next((t for f, t in TASK_BY_FIELD.items() if f in fields), "?")
    else:
        schema = body.get("response_format") or {}
        system = "".join(_text(m["content"]) for m in body["messages"] if m["role"] in ("system", "developer"))
        user = "".join(_text(m["content"]) for m in body["messages"] if m["role"] == "user")
        tokens = answer["usage"]["prompt_tokens"]
        name = schema.get("json_schema", {}).get("name", "?") if isinstance(schema, dict) else "?"
        task = TASK_BY_SCHEMA.get(name, name)
    prefix = len(system) + len(json.dumps(schema))
    return task, prefix, prefix + len(user), int(tokens)


def measure(cassettes: list[Path]) -> dict[str, dict[str, float]]:
    """Per task: calls, median prefix tokens, median input tokens (recorded), and the input with real abstracts."""
    calls: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for path in cassettes:
        for interaction in yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"]:
            found = _call(interaction)
            if found is not None:
                task, prefix, total, tokens = found
                calls[task].append((tokens * prefix / max(total, 1), tokens))
    sizes = json.loads(TOKEN_SIZES.read_text(encoding="utf-8"))["tasks"]
    return {
        task: {
            "calls": len(rows),
            "prefix_tokens": statistics.median(p for p, _ in rows),
            "input_tokens": statistics.median(t for _, t in rows),
            "input_tokens_real_abstracts": float(sizes.get(task, {}).get("input_high", statistics.median(t for _, t in rows))),
        }
        for task, rows in sorted(calls.items())
    }


def cacheable_share(prefix: float, total: float, minimum: int) -> float:
    """The share of a call's input a warm cache serves: its prefix when that reaches the minimum, else nothing."""
    return prefix / total if prefix >= minimum and total > 0 else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("cassettes", nargs="*", type=Path, default=[DEMO])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = measure(args.cassettes)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'task':18} {'calls':>5} {'prefix':>7} {'input':>7} {'real':>7}  cacheable (OpenAI 1,024 / Anthropic 1,024 / 4,096)")
    for task, row in rows.items():
        shares = [cacheable_share(row["prefix_tokens"], row["input_tokens_real_abstracts"], m) for m in MINIMUM_PREFIX.values()]
        print(
            f"{task:18} {row['calls']:>5} {row['prefix_tokens']:>7.0f} {row['input_tokens']:>7.0f} {row['input_tokens_real_abstracts']:>7.0f}  "
            + " / ".join(f"{s:.0%}" for s in shares)
        )
    largest, smallest_minimum = max(row["prefix_tokens"] for row in rows.values()), min(MINIMUM_PREFIX.values())
    verdict = "below every provider's minimum: no call is cached" if largest < smallest_minimum else "long enough for some providers (see above)"
    print(f"\nThe longest unchanging prefix is {largest:.0f} tokens, {verdict} ({smallest_minimum} is the smallest minimum).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
