"""The benchmark: the demo line and a 20-line library, cold and warm, against local stand-ins; the local index.

Real HTTP through the real clients (the arxiv package over requests, the
OpenAI SDK over httpx2) to stand-in servers on 127.0.0.1 that answer in the
services' wire formats after set latencies. Every time (arXiv spacing, arXiv
latency, model latency) is scaled by one factor so the library finishes in
minutes; the ratios are what count. Each phase runs in its own process, the
way `retest run --all` runs. Prints per line and per phase: wall time, floor,
wall/floor, arXiv requests, model calls, tokens, peak memory; then the targets.

The arXiv stand-in answers from a local index of real metadata (bench_index):
the team's corpus when it is present (/work/shared/data/arxiv-corpus; --slice
serves the repository's slice instead), built first by `retest index build` and
timed (index_phase: build time, size, search latency). Last, the library runs
once more with `--source local` (RETEST_SOURCE=local) on that same index: no
arXiv request, so its floor is the model calls alone (floor.local_floor_s).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from agent.config import Settings
from evals.benchmark import floor as fl
from evals.benchmark.bench_index import CORPUS
from evals.benchmark.lines import DEMO_LINE, claims_total, write_library
from evals.benchmark.report import LOCAL_PHASE, print_index, print_phase, print_targets, targets
from evals.benchmark.startup import measure_startups

REPO = Path(__file__).resolve().parents[2]
RUN_DATE = "2026-11-29"
STARTER_SUITE = REPO / "evals" / "suites" / "starter_v1.yaml"
# 0.1 puts the whole benchmark (two phases per input, the starter eval, start-ups) near two minutes on 2 cores.
DEFAULT_SCALE = 0.1
PHASE_TIMEOUT_S = 900
# Roles as Retest's defaults name them, all served by the OpenAI-format stand-in.
ROLE_MODELS = {"PLANNER": "gpt-5.4-mini", "SCREENER": "gpt-5.4-mini", "JUDGE": "claude-sonnet-4-6", "WRITER": "claude-sonnet-4-6"}

console = Console()


class StandIns:
    """The stand-in servers' process: started on entry, stopped on exit (its stdin closes; it exits)."""

    def __init__(self, timing: fl.Timing, index: Path) -> None:
        self.timing = timing
        self.index = index
        self.urls: dict[str, str] = {}

    def __enter__(self) -> StandIns:
        command = [
            sys.executable, "-m", "evals.benchmark.serve", "--arxiv-latency", str(self.timing.arxiv_s), "--model-latency", str(self.timing.model_s),
            "--index", str(self.index),
        ]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=_base_env())
        assert self.process.stdout is not None
        self.urls = json.loads(self.process.stdout.readline())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _base_env() -> dict[str, str]:
    """This environment without Retest settings, provider keys or proxies: nothing may leave 127.0.0.1."""
    drop = ("RETEST_", "OPENAI_", "ANTHROPIC_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop) and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    env.update(NO_PROXY="127.0.0.1,localhost", PYTHONPATH=str(REPO))
    return env


def phase_env(home: Path, urls: dict[str, str], timing: fl.Timing, spacing_from: str | None, index: Path | None = None) -> dict[str, str]:
    """How a user would point Retest at these services: environment settings only; with `index`, searches on it alone."""
    env = _base_env()
    env.update(RETEST_HOME=str(home), RETEST_ARXIV_API_URL=urls["arxiv_api_url"], RETEST_ARXIV_SPACING_S=f"{timing.spacing_s:g}")
    # The arXiv phases measure the API path whatever index the home holds; the local one searches the index alone.
    if index is None:
        env["RETEST_SOURCE"] = "arxiv"
    else:
        env.update(RETEST_SOURCE="local", RETEST_INDEX_PATH=str(index))
    if spacing_from:
        env["RETEST_ARXIV_SPACING_FROM"] = spacing_from
    for role, model in ROLE_MODELS.items():
        env[f"RETEST_{role}"] = f"openai-compatible:{urls['model_base_url']}#{model}"
    return env


def run_phase(
    lines: Path, home: Path, urls: dict[str, str], timing: fl.Timing, out: Path, spacing_from: str | None, index: Path | None = None
) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "evals.benchmark.phase",
        "--lines",
        str(lines),
        "--arxiv-log",
        urls["arxiv_log"],
        "--run-date",
        RUN_DATE,
        "--out",
        str(out),
    ]
    env = phase_env(home, urls, timing, spacing_from, index)
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=PHASE_TIMEOUT_S)
    if not out.exists():
        raise SystemExit(f"benchmark phase on {lines} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(out.read_text(encoding="utf-8"))


def index_numbers(target: Path, out: Path, *, corpus: bool) -> dict[str, Any]:
    """Build the index the stand-in serves (timed, in its own process) and time searches on it."""
    command = [sys.executable, "-m", "evals.benchmark.index_phase", "--index", str(target), "--out", str(out), *(["--corpus"] if corpus else [])]
    done = subprocess.run(command, cwd=REPO, env=_base_env(), capture_output=True, text=True, timeout=PHASE_TIMEOUT_S)
    if not out.exists():
        raise SystemExit(f"the index phase failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(out.read_text(encoding="utf-8"))


def time_starter_eval(work: Path) -> dict[str, Any] | None:
    """Wall time of replaying the starter eval suite, start-up included; None when the suite does not exist yet."""
    if not STARTER_SUITE.is_file():
        return None
    env = _base_env()
    env["RETEST_HOME"] = str(work / "eval-home")
    started = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "retest"), "eval", str(STARTER_SUITE)], cwd=REPO, env=env, capture_output=True, text=True, timeout=PHASE_TIMEOUT_S
    )
    return {"wall_s": time.perf_counter() - started, "exit_code": done.returncode, "stderr": done.stderr[-1500:]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="evals/bench.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--scale", type=float, default=DEFAULT_SCALE, help=f"Common factor for the spacing and both latencies (default {DEFAULT_SCALE}; 1 = real time)."
    )
    parser.add_argument("--lines", type=int, default=20, help="Lines in the generated library (default 20).")
    parser.add_argument("--no-eval", action="store_true", help="Skip timing the starter eval suite.")
    parser.add_argument("--json", type=Path, help="Also write every measurement to this JSON file.")
    parser.add_argument("--strict", action="store_true", help="Exit 1 when a target is missed.")
    parser.add_argument("--slice", action="store_true", help=f"Index the repository's slice even when the corpus ({CORPUS}) is present.")
    parser.add_argument(
        "--spacing-from", choices=("end", "start"),
        help="Set Retest's arxiv_spacing_from for the runs (default: Retest's own default, "
        f"{Settings.model_fields['arxiv_spacing_from'].default!r}).",
    )  # fmt: skip
    args = parser.parse_args(argv)
    timing = fl.Timing(args.scale)
    spacing_from = args.spacing_from or Settings.model_fields["arxiv_spacing_from"].default
    console.print(
        f"[bold]Retest benchmark[/]: scale {args.scale:g} (arXiv spacing {timing.spacing_s:g} s, arXiv response {timing.arxiv_s:g} s, "
        f"model call {timing.model_s:g} s; at scale 1: 3 s, 0.8 s, 2 s), spacing measured from each request's {spacing_from}, "
        f"{os.cpu_count()} CPUs, stand-ins on 127.0.0.1"
    )
    results: dict[str, Any] = {"scale": args.scale, "cpus": os.cpu_count(), "run_date": RUN_DATE, "spacing_from": spacing_from}
    with tempfile.TemporaryDirectory(prefix="retest-bench-") as tmp:
        work = Path(tmp)
        demo = work / "demo"
        demo.mkdir()
        shutil.copy(DEMO_LINE, demo / DEMO_LINE.name)
        library = write_library(work / "library", args.lines)
        results["library_claims"] = claims_total(library)
        corpus = CORPUS.is_file() and not args.slice
        index = work / "index"
        console.print(f"building the local index of {'the corpus' if corpus else 'the slice'} ...")
        results["index"] = index_numbers(index, work / "index.json", corpus=corpus)
        print_index(console, results["index"])
        with StandIns(timing, index) as servers:
            for name, folder in (("demo line", demo), (f"library of {args.lines}", work / "library")):
                home = work / f"home-{folder.name}"
                for temperature in ("cold", "warm"):
                    label = f"{name}, {temperature}"
                    console.print(f"running {label} ...")
                    results[label] = run_phase(folder, home, servers.urls, timing, work / f"{folder.name}-{temperature}.json", args.spacing_from)
                    print_phase(console, label, results[label], timing, spacing_from)
            label = f"library of {args.lines}, {LOCAL_PHASE}"
            console.print(f"running {label} ...")
            results[label] = run_phase(work / "library", work / "home-local", servers.urls, timing, work / "library-local.json", args.spacing_from, index)
            print_phase(console, label, results[label], timing, spacing_from)
        results["starter eval"] = None if args.no_eval else time_starter_eval(work)
        console.print("timing command start-up ...")
        results["startup"] = measure_startups(work / "startup-home")
    checked = targets(results, args.lines, timing)
    print_targets(console, checked, results["starter eval"], skipped_eval=args.no_eval)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({**results, "targets": [t.__dict__ for t in checked]}, indent=1), encoding="utf-8")
    return 1 if args.strict and not all(t.met for t in checked) else 0
