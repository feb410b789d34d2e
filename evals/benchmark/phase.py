"""One timed benchmark phase, in its own process: re-test a folder of lines live, report what it took.

    python -m evals.benchmark.phase --lines DIR --arxiv-log URL --run-date 2026-11-29 --out result.json

The environment says where the services are and how they are spaced
(RETEST_HOME, RETEST_ARXIV_API_URL, RETEST_ARXIV_SPACING_S, RETEST_PLANNER...,
RETEST_SOURCE and RETEST_INDEX_PATH for a run on the local index),
exactly as a user would configure `retest run --all`; this runs the same
`agent.library.run_library`. A process per phase keeps each phase's peak
memory its own and keeps imports out of the timed part.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from agent.config import load_settings
from agent.graph.build import build_claim_graph
from agent.graph.nodes.search import combine
from agent.graph.records import SearchedQuery
from agent.library import LineResult, discover_lines, run_library
from agent.services import RunRequest, build_services
from agent.sources.query import windowed_query
from agent.store import Store

# The per-claim branch's nodes, read from the graph: a node added there is counted without editing this file.
CLAIM_NODES = tuple(build_claim_graph().nodes)


def _fetch(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - 127.0.0.1 stand-in only
        return json.load(response)


def search_queries(result: LineResult) -> dict[str, str]:
    """Each search_query this line's run sent, mapped to its claim."""
    out: dict[str, str] = {}
    for claim_id, claim_result in (result.outcome.claim_results if result.outcome else {}).items():
        by_aim: dict[str, list[SearchedQuery]] = {}
        for query in claim_result.queries:
            by_aim.setdefault(query.aim, []).append(query)
        for queries in by_aim.values():
            window = (queries[0].since, queries[0].until)
            out[windowed_query(combine(queries), window)] = claim_id
    return out


def call_counts(result: LineResult) -> tuple[dict[str, int], int]:
    """Model calls per claim (plan, screen, judge) and calls of the line-level nodes."""
    usage = result.outcome.usage if result.outcome else []
    per_claim: dict[str, int] = {}
    line_level = 0
    for record in usage:
        if record.claim_id and record.node in CLAIM_NODES:
            per_claim[record.claim_id] = per_claim.get(record.claim_id, 0) + record.calls
        else:
            line_level += record.calls
    return per_claim, line_level


def tail_calls(result: LineResult, claim_id: str | None) -> int:
    """Model calls that must follow the last arXiv response: that claim's screen and judge, then the line's own."""
    usage = result.outcome.usage if result.outcome else []
    after = sum(u.calls for u in usage if u.claim_id == claim_id and u.node in ("screen", "judge")) if claim_id else 0
    return after + call_counts(result)[1]


def _query_of(entry: dict[str, Any]) -> str:
    return parse_qs(urlsplit(entry["query"]).query).get("search_query", [""])[0]


def describe(results: list[LineResult], log: list[dict[str, Any]]) -> dict[str, Any]:
    """Per line and for the whole phase: requests, calls, tokens, the chain and the tail that bound its floor."""
    owners: dict[str, tuple[int, str]] = {}
    for index, result in enumerate(results):
        owners.update({query: (index, claim) for query, claim in search_queries(result).items()})
    last_search: dict[int, str] = {}
    last_overall: tuple[int, str] | None = None
    for entry in sorted(log, key=lambda e: e["end"]):
        owner = owners.get(_query_of(entry))
        if owner:
            last_search[owner[0]] = owner[1]
            last_overall = owner
    lines = []
    for index, r in enumerate(results):
        per_claim, line_level = call_counts(r)
        lines.append({
            "name": r.path.stem, "status": str(r.status), "error": r.error, "claims": r.claims, "wall_s": r.wall_s,
            "arxiv_requests": r.arxiv_requests or 0, "model_calls": r.model_calls, "input_tokens": r.input_tokens,
            "output_tokens": r.output_tokens, "chain_calls": max(per_claim.values(), default=0) + line_level,
            "tail_calls": tail_calls(r, last_search.get(index)),
        })  # fmt: skip
    tail = tail_calls(results[last_overall[0]], last_overall[1]) if last_overall else 0
    return {"lines": lines, "tail_calls": tail, "chain_calls": max((line["chain_calls"] for line in lines), default=0)}


def compliance(log: list[dict[str, Any]]) -> dict[str, Any]:
    """What the arXiv stand-in saw: requests, most in flight at once, smallest gaps between them."""
    ordered = sorted(log, key=lambda e: e["start"])
    pairs = list(zip(ordered, ordered[1:], strict=False))
    return {
        "requests": len(ordered),
        "max_concurrent": max((e["concurrent"] for e in ordered), default=0),
        "min_start_gap_s": min((b["start"] - a["start"] for a, b in pairs), default=None),
        "min_idle_gap_s": min((b["start"] - a["end"] for a, b in pairs), default=None),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=Path, required=True)
    parser.add_argument("--arxiv-log", required=True, help="The arXiv stand-in's /_log URL.")
    parser.add_argument("--run-date", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    paths = discover_lines(args.lines)
    settings = load_settings()
    store = Store.open()
    seen = len(_fetch(args.arxiv_log))

    def request_for(_: Path) -> RunRequest:
        return RunRequest(mode="live", run_date=args.run_date, settings=settings)

    # Import the SDKs (the model factory loads them lazily, seconds on a busy machine) before the clock starts:
    # a process's start-up is not part of a run.
    build_services(request_for(paths[0]), None)
    outcome = run_library(paths, request_for, store)
    log = _fetch(args.arxiv_log)[seen:]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (2**20 if sys.platform == "darwin" else 1024)  # bytes on macOS, KiB on Linux
    result = {
        "wall_s": outcome.wall_s,
        "peak_rss_mb": peak_mb,
        "pool_size": settings.max_concurrent_calls,
        "source": settings.source,
        "arxiv": compliance(log),
        **describe(outcome.results, log),
    }
    args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 1 if outcome.failed else 0


if __name__ == "__main__":
    sys.exit(main())
