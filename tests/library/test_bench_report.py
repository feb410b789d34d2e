"""The benchmark's tables and targets: a failed line is shown and counted, never a crash or a pass."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from evals.benchmark import floor
from evals.benchmark.report import print_phase, targets

TIMING = floor.Timing(0.1)


def _line(name: str, *, failed: bool = False, requests: int = 6, calls: int = 10, claims: int = 3) -> dict[str, Any]:
    if failed:  # ended before its first request (an unreadable file, a provider down)
        requests, calls, claims = 0, 0, 0
    return {
        "name": name, "status": "failed" if failed else "awaiting_review", "error": "no claims" if failed else None,
        "claims": claims, "wall_s": 0.01 if failed else 2.5, "arxiv_requests": requests, "model_calls": calls,
        "input_tokens": 10 * calls, "output_tokens": calls, "chain_calls": 0 if failed else 5, "tail_calls": 0 if failed else 4,
    }  # fmt: skip


def _phase(lines: list[dict[str, Any]], *, warm: bool = False) -> dict[str, Any]:
    if warm:
        lines = [{**line, "arxiv_requests": 0} for line in lines]
    requests = sum(line["arxiv_requests"] for line in lines)
    wall = floor.floor_s(requests, 4, 5, TIMING) * 1.05  # 5% over the floor: met, were every line to finish
    return {
        "lines": lines, "wall_s": wall, "tail_calls": 4, "chain_calls": 5, "peak_rss_mb": 150.0, "pool_size": 4,
        "arxiv": {"requests": requests, "max_concurrent": 1, "min_start_gap_s": 0.3, "min_idle_gap_s": 0.22},
    }  # fmt: skip


def test_a_failed_line_is_shown_in_the_phase_table_not_a_crash() -> None:
    console = Console(record=True, width=200)
    print_phase(console, "library of 2, cold", _phase([_line("ok"), _line("broken", failed=True)]), TIMING, "start")
    text = console.export_text()
    assert "broken FAILED: no claims" in text and "ok" in text


def test_the_targets_are_not_met_while_a_line_failed() -> None:
    demo = [_line("demo")]
    library = [_line("a"), _line("b", failed=True)]
    results = {
        "demo line, cold": _phase(demo), "demo line, warm": _phase(demo, warm=True),
        "library of 2, cold": _phase(library), "library of 2, warm": _phase(library, warm=True),
    }  # fmt: skip
    # A failed line does less work, so the floor, the warm re-run and the budgets all look met without it.
    unmet = [t for t in targets(results, 2, TIMING) if not t.met]
    assert len(unmet) == 1 and "library of 2, cold: b" in unmet[0].miss

    results = {**results, "library of 2, cold": _phase([_line("a"), _line("b")]), "library of 2, warm": _phase([_line("a"), _line("b")], warm=True)}
    assert all(t.met for t in targets(results, 2, TIMING))
