"""The live progress of one run on stderr, and the cost lines of the end summary.

Progress consumes agent.events by type: claims' stages and verdicts, the line steps
finished, each model call's cost as it finishes (running total and calls made), and
an estimate of the time left from the pace of the calls so far against the calls the
line is expected to make (agent.estimate). While a --max-cost budget is in force it
also shows what is left of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from agent.cli.app import err
from agent.events import ArxivWait, CallFinished, ClaimStage, LineWarning, NodeFinished, RunEvent, RunStarted
from agent.graph.records import UsageRecord
from agent.llm.base import money, total_cost
from agent.llm.budget import active_budget


def duration(seconds: float) -> str:
    """A rough duration for people: '45 s', '3 min 20 s', '2 h 05 min'."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def time_left(elapsed_s: float, done: int, expected: int) -> float | None:
    """Seconds left at the pace so far, or None before the first call (no pace yet) or once the expected calls are made."""
    if done <= 0 or done >= expected:
        return None
    return elapsed_s / done * (expected - done)


class ProgressView:
    """Live per-claim progress on stderr: stage and verdict per claim, steps done, calls, cost and time left."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, expected_calls: int | None = None) -> None:
        """`expected_calls` is what the time left counts towards; without it, it comes from the claims the run starts with."""
        self.claims: dict[str, tuple[str, str]] = {}
        self.nodes: list[str] = []
        self.run_id: str | None = None
        self.calls = 0
        self.costs: list[float | None] = []
        self.waiting = ""
        self.expected_calls = expected_calls
        self._clock = clock
        self._started = clock()
        self.live = Live(self._table(), console=err, transient=False, refresh_per_second=8)

    def status_lines(self) -> list[str]:
        """The lines below the table: steps done, calls and cost, time left, budget, arXiv waits."""
        lines = [f"done: {', '.join(self.nodes)}"] if self.nodes else []
        if self.calls:
            expected = f" of about {self.expected_calls}" if self.expected_calls and self.expected_calls >= self.calls else ""
            left = time_left(self._clock() - self._started, self.calls, self.expected_calls or 0)
            pace = f"; about {duration(left)} left" if left is not None else ""
            lines.append(f"{self.calls}{expected} model calls, {money(total_cost(self.costs))} so far{pace}")
        budget = active_budget()
        if budget is not None:
            lines.append(f"budget: {money(budget.spent_usd)} spent of --max-cost {money(budget.limit_usd)}")
        if self.waiting:
            lines.append(self.waiting)
        return lines

    def _table(self) -> Group:
        table = Table(title="Re-testing claims", show_edge=False)
        table.add_column("claim")
        table.add_column("stage")
        table.add_column("verdict")
        for claim, (stage, verdict) in self.claims.items():
            table.add_row(claim, stage, verdict)
        # Below the table, not as its caption: a caption wraps to the narrow table's width.
        return Group(table, *(Text(line, style="dim") for line in self.status_lines()))

    @contextmanager
    def shown(self) -> Iterator[None]:
        """Show the live table from the first event on; end it on its own line, so a following error starts clean.

        Starting it lazily keeps an error found before the run starts (a
        missing file, a bad cassette, a missing key) the only thing printed.
        """
        try:
            yield
        finally:
            if self.live.is_started:
                self.live.stop()
                err.print()

    def __call__(self, event: RunEvent) -> None:
        if not self.live.is_started:
            self.live.start()
        self.waiting = ""
        match event:
            case RunStarted():
                self.run_id = event.run_id
                self.claims = {c: ("waiting", "") for c in event.claims}
                self._started = self._clock()
                if self.expected_calls is None:
                    from agent.estimate import calls_expected

                    self.expected_calls = calls_expected(len(event.claims))
            case ClaimStage():
                self.claims[event.claim] = (event.stage, event.verdict or "")
            case NodeFinished() if event.node not in self.nodes:
                self.nodes.append(event.node)
            case CallFinished():
                self.calls += 1
                self.costs.append(event.cost_usd)
            case ArxivWait():
                self.waiting = f"waiting {event.seconds:g} s for arXiv ({event.reason})"
            case LineWarning():
                # Above the live table, where it stays readable after the run.
                self.live.console.print(f"warning: {event.message}", markup=False, highlight=False, soft_wrap=True)
        self.live.update(self._table())


def cost_by_claim(usage: Iterable[UsageRecord], claim_ids: Iterable[str]) -> tuple[dict[str, float | None], float | None]:
    """Each claim's estimated price (its own calls) and that of the line-level calls (questions, proposals)."""
    records = list(usage)
    per_claim = {cid: total_cost(u.cost_usd for u in records if u.claim_id == cid) for cid in claim_ids}
    return per_claim, total_cost(u.cost_usd for u in records if u.claim_id is None)


def cost_breakdown(usage: Iterable[UsageRecord], claim_ids: Iterable[str]) -> str:
    """The end summary's cost line: per claim, the line-level calls, the line and the mean per claim."""
    records, ids = list(usage), list(claim_ids)
    per_claim, line_level = cost_by_claim(records, ids)
    whole = total_cost(u.cost_usd for u in records)
    claims = ", ".join(f"{cid} {money(cost)}" for cid, cost in per_claim.items())
    mean = f" ({money(whole / len(ids))} a claim)" if whole is not None and ids else ""
    return f"Cost per claim: {claims or 'none'}; line-level calls {money(line_level)}; the line {money(whole)}{mean}."
