"""The progress display's running cost, calls and time left; the end summary's cost per claim and per line."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.cli import run as cli
from agent.cli.progress import ProgressView, cost_breakdown, duration, time_left
from agent.cli.run_all import LibraryView
from agent.events import CallFinished, RunStarted
from agent.graph.records import UsageRecord
from agent.llm.budget import Budget, spending_limit
from agent.runs import list_runs, run_usage
from agent.store import Store

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"
CASSETTE = REPO / "cassettes" / "demo" / "bargaining-power.yaml"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _call(cost: float | None) -> CallFinished:
    return CallFinished(node="plan_queries", claim="C1", model="gpt-5.4-mini", input_tokens=500, output_tokens=50, cost_usd=cost)


def test_the_view_shows_calls_cost_and_the_time_left_at_the_pace_so_far() -> None:
    clock = Clock()
    view = ProgressView(clock=clock)
    view(RunStarted(run_id="r", claims=["C1", "C2", "C3", "C4", "C5"], steps=["verify_anchors"]))
    assert view.expected_calls == 14, "two calls a claim and four for the line"
    assert not any("model calls" in line for line in view.status_lines())
    clock.now += 10
    view(_call(0.001))
    view(_call(0.002))
    view.live.stop()
    (calls,) = [line for line in view.status_lines() if "model calls" in line]
    # 10 s for 2 calls: 12 more take about 60 s.
    assert calls == "2 of about 14 model calls, $0.0030 so far; about 1 min 00 s left"
    view(_call(None))
    view.live.stop()
    assert "unknown so far" in " ".join(view.status_lines()), "an unknown price makes the total unknown, never a partial sum"


def test_the_view_shows_the_budget_while_one_is_in_force() -> None:
    view = ProgressView(clock=Clock())
    with spending_limit(Budget(0.5, chars_per_token=3.0, spent_usd=0.125)):
        assert "budget: $0.1250 spent of --max-cost $0.5000" in view.status_lines()
    assert not any("budget" in line for line in view.status_lines())


def test_time_left_and_durations() -> None:
    assert time_left(10.0, 0, 17) is None and time_left(10.0, 17, 17) is None
    assert time_left(30.0, 3, 9) == pytest.approx(60.0)
    assert [duration(s) for s in (4.4, 200, 7500)] == ["4 s", "3 min 20 s", "2 h 05 min"]


def test_the_library_bar_carries_calls_cost_and_time_left() -> None:
    clock = Clock()
    view = LibraryView(2, expected_calls=31, clock=clock)
    update = view.line(LINE)
    update(RunStarted(run_id="r", claims=["C1"], steps=[]))
    clock.now += 30
    update(_call(0.01))
    assert view.spend() == "1 calls, $0.0100 so far; about 15 min 00 s left"
    assert view.progress.tasks[0].fields["spend"] == view.spend()


def test_cost_breakdown_per_claim_line_level_and_line() -> None:
    usage = [
        UsageRecord(node="plan_queries", claim_id="C1", role="planner", model="m", cost_usd=0.01),
        UsageRecord(node="judge", claim_id="C1", role="judge", model="m", cost_usd=0.02),
        UsageRecord(node="judge", claim_id="C2", role="judge", model="m", cost_usd=0.04),
        UsageRecord(node="draft_proposals", role="writer", model="m", cost_usd=0.05),
    ]
    assert cost_breakdown(usage, ["C1", "C2", "C3"]) == (
        "Cost per claim: C1 $0.0300, C2 $0.0400, C3 $0.0000; line-level calls $0.0500; the line $0.1200 ($0.0400 a claim)."
    )


def test_the_end_summary_of_a_replay_shows_cost_per_claim_and_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["run", str(LINE), "--replay", str(CASSETTE)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    (run,) = list_runs(Store.open())
    usage = run_usage(Store.open(), run.id)
    c1 = sum(u.cost_usd or 0 for u in usage if u.claim_id == "C1")
    line = sum(u.cost_usd or 0 for u in usage)
    assert f"C1 ${c1:.4f}" in out and f"the line ${line:.4f}" in out


def test_the_library_summary_shows_price_per_line_and_per_claim(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import shutil

    lines, cassettes = tmp_path / "lines", tmp_path / "cassettes"
    lines.mkdir()
    cassettes.mkdir()
    shutil.copy(LINE, lines / "demo.txt")
    shutil.copy(CASSETTE, cassettes / "demo.yaml")
    assert cli(["run", "--all", str(lines), "--replay", str(cassettes)]) == 0
    out = capsys.readouterr().out
    (run,) = list_runs(Store.open())
    cost = sum(u.cost_usd or 0 for u in run_usage(Store.open(), run.id))
    (row,) = [r for r in out.splitlines() if r.strip().startswith("demo ")]
    assert f"${cost:.4f}" in row, row
    assert f"estimated price ${cost:.4f}, ${cost / 5:.4f} a claim" in " ".join(out.split())
