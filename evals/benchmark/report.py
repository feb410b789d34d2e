"""The benchmark's tables: one per phase (per line and in total), then the issue's targets."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from evals.benchmark import floor as fl
from evals.benchmark.startup import TARGET_S as STARTUP_TARGET_S


def _local(phase: dict[str, Any]) -> bool:
    """A phase searched the local index only: its floor has no arXiv spacing."""
    return phase.get("source") == "local"


def _totals(phase: dict[str, Any], timing: fl.Timing, measure_from: str = "end") -> tuple[int, float, float]:
    requests = sum(line["arxiv_requests"] for line in phase["lines"])
    if _local(phase):
        floor = fl.local_floor_s(phase["chain_calls"], sum(line["model_calls"] for line in phase["lines"]), phase["pool_size"], timing)
        return requests, floor, floor
    floor = fl.floor_s(requests, phase["tail_calls"], phase["chain_calls"], timing)
    bound = fl.limiter_bound_s(requests, phase["tail_calls"], phase["chain_calls"], timing, measure_from)
    return requests, floor, bound


def _line_floor(line: dict[str, Any], phase: dict[str, Any], timing: fl.Timing) -> float:
    if _local(phase):
        return fl.local_floor_s(line["chain_calls"], line["model_calls"], phase["pool_size"], timing)
    return fl.floor_s(line["arxiv_requests"], line["tail_calls"], line["chain_calls"], timing)


def _ratio(wall: float, floor: float) -> str:
    # A line that failed before its first request or model call has no floor to measure against.
    return f"{wall / floor:.2f}" if floor > 0 else "—"


def print_phase(console: Console, label: str, phase: dict[str, Any], timing: fl.Timing, measure_from: str) -> None:
    """Per line: wall, floor, wall/floor, requests, calls, tokens; the phase's totals in the footer."""
    lines = phase["lines"]
    requests, floor, bound = _totals(phase, timing, measure_from)
    table = Table(title=label, box=box.SIMPLE_HEAD, show_footer=True, title_justify="left")
    tokens = sum(line["input_tokens"] + line["output_tokens"] for line in lines)
    footer = {
        "line": "all" if len(lines) > 1 else "", "claims": str(sum(line["claims"] for line in lines)), "wall s": f"{phase['wall_s']:.2f}",
        "floor s": f"{floor:.2f}", "wall/floor": _ratio(phase["wall_s"], floor), "arXiv": str(requests),
        "calls": str(sum(line["model_calls"] for line in lines)), "tokens": f"{tokens:,}",
    }  # fmt: skip
    for name, foot in footer.items():
        table.add_column(name, footer=foot if len(lines) > 1 else "", justify="left" if name == "line" else "right")
    for line in lines:
        line_floor = _line_floor(line, phase, timing)
        table.add_row(
            line["name"] + ("" if line["status"] != "failed" else f" FAILED: {line['error']}"), str(line["claims"]), f"{line['wall_s']:.2f}",
            f"{line_floor:.2f}", _ratio(line["wall_s"], line_floor), str(line["arxiv_requests"]), str(line["model_calls"]),
            f"{line['input_tokens'] + line['output_tokens']:,}",
        )  # fmt: skip
    console.print(table)
    arxiv = phase["arxiv"]
    notes = [f"peak memory {phase['peak_rss_mb']:.0f} MB"]
    if arxiv["requests"]:
        notes.append(
            f"arXiv stand-in saw {arxiv['requests']} requests, at most {arxiv['max_concurrent']} at once, "
            f"starts >= {arxiv['min_start_gap_s']:.3f} s apart, idle >= {arxiv['min_idle_gap_s']:.3f} s between (spacing {timing.spacing_s:g} s)"
            if arxiv["requests"] > 1
            else f"arXiv stand-in saw {arxiv['requests']} request"
        )
        if bound > floor:
            notes.append(f"spaced from each response's end, the limiter allows at best {bound:.2f} s (wall/that {phase['wall_s'] / bound:.2f})")
    calls = sum(line["model_calls"] for line in lines)
    notes.append(f"model pool bound {fl.pool_bound_s(calls, phase['pool_size'], timing):.2f} s ({calls} calls, {phase['pool_size']} at a time)")
    if _local(phase):
        notes.append("searched the local index only (--source local): the floor is the model calls alone, no arXiv spacing")
    if len(lines) > 1:
        notes.append("lines overlap and share one limiter, so a line's own wall/floor includes waiting for the others")
    console.print("  " + "; ".join(notes) + ".", highlight=False)


def targets(results: dict[str, Any], library_size: int, timing: fl.Timing) -> list[fl.Target]:
    """Issue 7's targets, from the measured phases."""
    lib = f"library of {library_size}"
    demo_cold, demo_warm, lib_cold, lib_warm = (results[f"{name}, {t}"] for name in ("demo line", lib) for t in ("cold", "warm"))
    checked = [_all_finished(results, (f"{name}, {t}" for name in ("demo line", lib) for t in ("cold", "warm")))]
    for name, phase in (("one line (demo), cold", demo_cold), (f"{lib}, cold", lib_cold)):
        _, floor, _ = _totals(phase, timing)
        checked.append(fl.ratio_target(f"{name}: wall/floor", phase["wall_s"], floor))
    for name, phase in (("demo line", demo_warm), (lib, lib_warm)):
        sent = sum(line["arxiv_requests"] for line in phase["lines"])
        checked.append(
            fl.Target(f"{name}, warm re-run: arXiv requests", "0 (all queries fresh)", str(sent), sent == 0, "" if sent == 0 else f"{sent} requests")
        )
    checked.extend(fl.line_budgets(demo_cold["lines"] + lib_cold["lines"]))
    peak = max(lib_cold["peak_rss_mb"], lib_warm["peak_rss_mb"])
    met = peak < fl.MEMORY_TARGET_MB
    checked.append(
        fl.Target(f"{lib}: peak memory", f"< {fl.MEMORY_TARGET_MB:.0f} MB", f"{peak:.0f} MB", met, "" if met else f"{peak - fl.MEMORY_TARGET_MB:+.0f} MB")
    )
    evaluation = results.get("starter eval")
    if evaluation:
        met = evaluation["wall_s"] < fl.EVAL_TARGET_S and evaluation["exit_code"] == 0
        miss = "" if met else (f"exit {evaluation['exit_code']}" if evaluation["exit_code"] else f"{evaluation['wall_s'] - fl.EVAL_TARGET_S:+.1f} s")
        checked.append(fl.Target("starter eval suite replay", f"< {fl.EVAL_TARGET_S:.0f} s", f"{evaluation['wall_s']:.1f} s", met, miss))
    checked.extend(_index_targets(results, lib, timing))
    for command, timed in results.get("startup", {}).items():
        met = timed["median_s"] < STARTUP_TARGET_S
        shown = f"{timed['median_s']:.2f} s median, {timed['max_s']:.2f} s max of {timed['runs']}"
        checked.append(
            fl.Target(f"{command}: start-up", f"< {STARTUP_TARGET_S:g} s", shown, met, "" if met else f"{timed['median_s'] - STARTUP_TARGET_S:+.2f} s")
        )
    return checked


LOCAL_PHASE = "--source local"


def _index_targets(results: dict[str, Any], lib: str, timing: fl.Timing) -> list[fl.Target]:
    """Issue 11's goals: the corpus index's build and size, search p95, the library on the index against its floor."""
    checked: list[fl.Target] = []
    index = results.get("index")
    if index and index.get("corpus"):
        build, size = index["build_s"], index["size_mb"]
        checked.append(
            fl.Target("corpus index: build", f"< {fl.INDEX_BUILD_TARGET_S:.0f} s", f"{build:.1f} s ({index['papers']:,} papers)",
                      build < fl.INDEX_BUILD_TARGET_S, "" if build < fl.INDEX_BUILD_TARGET_S else f"{build - fl.INDEX_BUILD_TARGET_S:+.1f} s")
        )  # fmt: skip
        checked.append(
            fl.Target("corpus index: size", f"< {fl.INDEX_SIZE_TARGET_MB:.0f} MB", f"{size:.0f} MB", size < fl.INDEX_SIZE_TARGET_MB,
                      "" if size < fl.INDEX_SIZE_TARGET_MB else f"{size - fl.INDEX_SIZE_TARGET_MB:+.0f} MB")
        )  # fmt: skip
    if index:
        p95 = index["latency"]["p95_ms"]
        met = p95 < fl.SEARCH_P95_TARGET_MS
        where = "corpus" if index.get("corpus") else "slice"
        checked.append(
            fl.Target(
                f"search latency ({where}): p95",
                f"< {fl.SEARCH_P95_TARGET_MS:.0f} ms",
                f"{p95:.2f} ms",
                met,
                "" if met else f"{p95 - fl.SEARCH_P95_TARGET_MS:+.2f} ms",
            )
        )
    local = results.get(f"{lib}, {LOCAL_PHASE}")
    if local:
        checked.append(_all_finished(results, [f"{lib}, {LOCAL_PHASE}"], name=f"every line finished ({LOCAL_PHASE})"))
        _, floor, _ = _totals(local, timing)
        checked.append(fl.ratio_target(f"{lib}, {LOCAL_PHASE}: wall/floor", local["wall_s"], floor))
        sent = sum(line["arxiv_requests"] for line in local["lines"])
        checked.append(fl.Target(f"{lib}, {LOCAL_PHASE}: arXiv requests", "0", str(sent), sent == 0, "" if sent == 0 else f"{sent} requests"))
    return checked


def print_index(console: Console, index: dict[str, Any]) -> None:
    """The index's build, size and search latency, in one line each."""
    what = "the corpus" if index.get("corpus") else "the slice"
    latency = index["latency"]
    lines = [f"[bold]local index[/] of {what}: {index['papers']:,} papers, last paper {index['snapshot']}"]
    if index.get("corpus"):
        lines.append(f"  build (`retest index build`): {index['build_s']:.1f} s, peak memory {index['build_peak_mb']:.0f} MB; size {index['size_mb']:.0f} MB")
    else:
        lines.append(f"  build (in-process, slice): {index['build_s']:.1f} s; size {index['size_mb']:.1f} MB")
    lines.append(
        f"  search: p50 {latency['p50_ms']:.2f} ms, p95 {latency['p95_ms']:.2f} ms, max {latency['max_ms']:.2f} ms "
        f"({latency['queries']} queries x {latency['runs']} runs, first page of 10)"
    )
    console.print("\n".join(lines), highlight=False)


def _all_finished(results: dict[str, Any], labels: Iterable[str], name: str = "every line finished") -> fl.Target:
    """Every line of every phase ran to review: a failed line does less work, so every other target flatters it."""
    failed = [f"{label}: {line['name']}" for label in labels for line in results[label]["lines"] if line["status"] == "failed"]
    return fl.Target(name, "no failed line", f"{len(failed)} failed", not failed, "; ".join(failed))


def print_targets(console: Console, checked: list[fl.Target], evaluation: dict[str, Any] | None, *, skipped_eval: bool) -> None:
    table = Table(title="Targets (issues 7 and 11)", box=box.SIMPLE_HEAD, title_justify="left")
    for name in ("target", "wanted", "measured", "result"):
        table.add_column(name)
    for t in checked:
        table.add_row(t.name, t.wanted, t.measured, "[green]met[/]" if t.met else f"[red]MISSED[/] {t.miss}")
    if evaluation is None:
        why = "skipped (--no-eval)" if skipped_eval else "not measured: evals/suites/starter_v1.yaml does not exist yet"
        table.add_row("starter eval suite replay", f"< {fl.EVAL_TARGET_S:.0f} s", "—", why)
    console.print(table)
    if evaluation and evaluation["exit_code"]:
        console.print(f"starter eval exited {evaluation['exit_code']}:\n{evaluation['stderr']}", highlight=False, markup=False)
