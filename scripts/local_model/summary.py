"""What one `make local-model` recording did, added to cassettes/real-local/manifest.json.

    .venv/bin/python scripts/local_model/summary.py MANIFEST --line LINE --cassette CASSETTE --exit-code N --wall-s S --home RETEST_HOME [--kept HOW] --replay-env K=V ...

Reads the run from its RETEST_HOME (status, error, verdicts, quotes kept and
dropped, proposals) and the cassette it wrote (model requests per
`response_format` type and status, arXiv requests), and stores them under the
line's name with what a replay must set (`replay_env`) and the run's exit code
and wall time. Written by the recording, never by hand; `tests/real_local`
reads `replay_env` and `run_date` from it and checks everything else against the
replay itself.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from agent.line.read import write_text_atomic
from agent.recording import serializer
from agent.runner import load_state
from agent.runs import list_runs
from agent.store import Store


def model_requests(cassette: Path) -> dict[str, Any]:
    """Chat Completions requests in the cassette by the `response_format` type they asked for, and the statuses answered."""
    data = serializer.deserialize(cassette.read_text(encoding="utf-8"))
    by_format: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    finish: Counter[str] = Counter()
    tokens: Counter[str] = Counter()
    server_ms = 0.0
    arxiv = 0
    for interaction in data["interactions"]:
        request, response = interaction["request"], interaction["response"]
        if "/api/query" in request["uri"]:
            arxiv += 1
            continue
        body = json.loads(request["body"] or "{}")
        kind = (body.get("response_format") or {}).get("type", "none (plain text)")
        code = response["status"]["code"]
        by_format[kind] += 1
        statuses[f"{kind} -> {code}"] += 1
        if code == 200:
            answer = json.loads(response["body"]["string"])
            finish.update(choice.get("finish_reason") or "none" for choice in answer.get("choices", []))
            tokens.update({k: answer.get("usage", {}).get(k, 0) for k in ("prompt_tokens", "completion_tokens")})
            timings = answer.get("timings", {})
            server_ms += timings.get("prompt_ms", 0.0) + timings.get("predicted_ms", 0.0)
    return {
        "arxiv_requests": arxiv,
        "by_response_format": dict(by_format),
        "statuses": dict(statuses),
        "finish_reasons": dict(finish),
        "tokens": dict(tokens),
        "server_s": round(server_ms / 1000, 1),
    }


def run_summary(home: Path) -> dict[str, Any]:
    """The one run recorded in `home`: how it ended and what it found; empty when the run never started."""
    os.environ["RETEST_HOME"] = str(home)
    store = Store.open()
    runs = list_runs(store)
    if not runs:
        return {}
    run, state, _ = load_state(runs[0].id, store)
    results = state.get("claim_results", {})
    return {
        "run_id": run.id,
        "status": str(run.status),
        "error": run.error,
        "verdicts": {k: str(r.verdict.verdict) if r.verdict else None for k, r in sorted(results.items())},
        "claim_errors": {k: r.error for k, r in sorted(results.items()) if r.error},
        "candidates": sum(len(r.candidates) for r in results.values()),
        "quotes_kept": sum(len(r.findings) for r in results.values()),
        "quotes_dropped": sum(r.dropped_quotes for r in results.values()),
        "citations_dropped": sum(len(r.dropped_citations) for r in results.values()),  # IDs screening or the judge named outside the candidates
        "anchors": {a.anchor_id: str(a.status) for a in state.get("anchor_checks", [])},
        "proposals": len(state.get("proposals", [])),
        "ungrounded_removed": len(state.get("ungrounded", [])),
        "failed_steps": dict(state.get("failed_steps", {})),  # line-level steps left empty after the retry, and why
        "model_calls": sum(u.calls for u in state.get("usage", [])),
        "tokens_in": sum(u.input_tokens for u in state.get("usage", [])),
        "tokens_out": sum(u.output_tokens for u in state.get("usage", [])),
    }


def main(argv: list[str]) -> int:
    """Add one line's entry to the manifest (atomically)."""
    parser = argparse.ArgumentParser(prog="summary", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("manifest", type=Path)
    parser.add_argument("--line", required=True)
    parser.add_argument("--cassette", type=Path, required=True)
    parser.add_argument("--exit-code", type=int, required=True)
    parser.add_argument("--wall-s", type=float, required=True)
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--kept", default="complete", help="how the cassette was kept: complete, or why it is the run's incomplete recording")
    parser.add_argument("--replay-env", nargs="*", default=[], metavar="K=V")
    parser.add_argument("--about", nargs="*", default=[], metavar="K=V", help="facts about the recording as a whole (server, model, versions)")
    args = parser.parse_args(argv)
    manifest = json.loads(args.manifest.read_text(encoding="utf-8")) if args.manifest.is_file() else {"lines": {}}
    manifest.update(dict(item.split("=", 1) for item in args.about))
    entry: dict[str, Any] = {
        "line": args.line,
        "cassette": args.cassette.as_posix(),
        "exit_code": args.exit_code,
        "wall_s": round(args.wall_s, 1),
        "recording": args.kept,
        "replay_env": dict(item.split("=", 1) for item in args.replay_env),
        "run": run_summary(args.home),
        "requests": model_requests(args.cassette) if args.cassette.is_file() else None,
    }
    manifest["lines"][args.cassette.stem] = entry
    write_text_atomic(args.manifest, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    print(json.dumps(entry, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
