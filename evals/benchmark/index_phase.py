"""The local index's numbers, in their own process: build time, size, search latency.

    python -m evals.benchmark.index_phase --index DIR --out result.json [--corpus]

With --corpus (the team's 74,876-paper corpus, when present) the build is `retest index build
CORPUS --index DIR` run as a user runs it, timed from start to exit, its peak memory read
from the child's rusage; the size is the finished directory's bytes. Without it the slice's
index is built in-process (numbers for the slice, not the corpus). Either way the demo
catalogue is then added (bench_index), so the index can serve the benchmark's lines.

Search latency: `LocalIndex.search(query, max_results=10)` (parse, BM25 or date order, ties in
index order, the page's records decoded) over evals/index_engines.QUERIES (50 arXiv queries:
23 the starter eval's planner sent, 27 written in planners' shapes), one warm-up pass, then
RUNS timed passes; p50, p95 and max over all of them.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from agent.index.engine import add, open_index
from evals.benchmark.bench_index import CORPUS, build_bench_index, catalog_records
from evals.index_engines import QUERIES

RUNS = 5
PAGE = 10
BUILD_TIMEOUT_S = 900


def size_mb(path: Path) -> float:
    """Bytes of every file under `path`, in MB (10^6)."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def build_corpus(target: Path) -> dict[str, Any]:
    """`retest index build CORPUS --index target`, timed; peak memory of the child."""
    retest = Path(sys.executable).parent / "retest"
    started = time.perf_counter()
    done = subprocess.run([str(retest), "index", "build", str(CORPUS), "--index", str(target)], capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"retest index build failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"records": str(CORPUS), "build_s": wall, "size_mb": size_mb(target), "build_peak_mb": peak_kib / 1024}


def add_catalog(target: Path) -> int:
    """Add the catalogue's papers the index lacks (a real record is never replaced by an own-words one)."""
    local = open_index(target)
    missing = [r for r in catalog_records() if not local.by_ids([r.id])]
    if missing:
        add(target, missing, sources=["evals/data/arxiv-papers.json"])
    return len(missing)


def latencies(target: Path, runs: int = RUNS) -> dict[str, Any]:
    """Search times over QUERIES: one warm-up pass, then `runs` timed passes."""
    local = open_index(target)
    for query in QUERIES:
        local.search(query, max_results=PAGE)
    times: list[float] = []
    for _ in range(runs):
        for query in QUERIES:
            started = time.perf_counter()
            local.search(query, max_results=PAGE)
            times.append((time.perf_counter() - started) * 1000)
    q = statistics.quantiles(times, n=100, method="inclusive")
    return {"queries": len(QUERIES), "runs": runs, "p50_ms": q[49], "p95_ms": q[94], "max_ms": max(times)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True, help="Where to build the index (kept: the benchmark's stand-in serves it).")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--corpus", action="store_true", help=f"Build from {CORPUS} with `retest index build` and time it.")
    args = parser.parse_args(argv)
    if args.corpus:
        result = build_corpus(args.index)
        result["catalogue_added"] = add_catalog(args.index)
    else:
        started = time.perf_counter()
        build_bench_index(args.index)
        result = {"records": "evals/data/arxiv-slice/papers.jsonl.gz", "build_s": time.perf_counter() - started, "size_mb": size_mb(args.index)}
    info = open_index(args.index).info()
    result.update(
        corpus=args.corpus, papers=info.papers, snapshot=info.last_published.date().isoformat() if info.last_published else None, latency=latencies(args.index)
    )
    args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
