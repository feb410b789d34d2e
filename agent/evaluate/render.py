"""The eval report as tables a person reads: per case and in total, then what changed and what failed."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from agent.evaluate.metrics import BY_NAME, METRICS, Kind, Metrics, label_of, of_kind, show
from agent.evaluate.results import CaseResult, CaseStatus, Delta, EvalReport

SCORES = of_kind(Kind.QUALITY)
COSTS = of_kind(Kind.COST)
SCORE_COLUMNS = ("case", *(m.column for m in SCORES), "result")
COST_COLUMNS = ("case", *(m.column for m in COSTS))


def _score_cells(m: Metrics) -> list[str]:
    return [metric.cell_of(m) for metric in SCORES]


def _cost_cells(m: Metrics) -> list[str]:
    return [metric.cell_of(m) for metric in COSTS]


def _result_cell(c: CaseResult) -> str:
    if c.status is CaseStatus.CASSETTE_MISS:
        return "[bold red]MISS[/]"
    if c.status is CaseStatus.ERROR:
        return "[bold red]ERROR[/]"
    if c.status is CaseStatus.SKIPPED:
        return "skipped"
    return f"[bold red]FAIL ({len(c.failures)})[/]" if c.failures else "[green]pass[/]"


def _table(title: str, columns: tuple[str, ...], cases: list[str]) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, padding=(0, 0))
    for col in columns:
        # One space between columns keeps both tables inside 80 columns; the case names are never the ones cut.
        width = max(map(len, [*cases, "total"])) if col == "case" else None
        table.add_column(col, justify="left" if col in ("case", "result") else "right", no_wrap=True, min_width=width)
    return table


def results_table(report: EvalReport) -> Table:
    """Scores per case and in total (ratios are hits/total; '—' where nothing was expected)."""
    suite = report.manifest.suite
    table = _table(f"Eval {suite.name} v{suite.version} ({report.manifest.mode}): scores", SCORE_COLUMNS, [c.name for c in report.cases])
    for c in report.cases:
        cells = _score_cells(c.metrics) if c.metrics else ["—"] * (len(SCORE_COLUMNS) - 2)
        table.add_row(c.name, *cells, _result_cell(c))
    table.add_section()
    passed = all(c.passed for c in report.cases)
    table.add_row("total", *_score_cells(report.total), "[green]pass[/]" if passed else "[bold red]not passed[/]")
    table.caption = "; ".join(f"{m.column}: {m.hint}" for m in SCORES if m.hint)
    return table


def costs_table(report: EvalReport) -> Table:
    """Calls, tokens, estimated price, arXiv requests and wall time per case and in total."""
    table = _table("Cost (wall time is measured, never compared)", COST_COLUMNS, [c.name for c in report.cases])
    for c in report.cases:
        table.add_row(c.name, *(_cost_cells(c.metrics) if c.metrics else ["—"] * (len(COST_COLUMNS) - 1)))
    table.add_section()
    table.add_row("total", *_cost_cells(report.total))
    return table


def deltas_table(report: EvalReport) -> Table:
    table = Table(
        title=f"Against baseline {report.baseline} (tolerance {report.tolerance_pct:g}%)", box=box.SIMPLE_HEAD, show_edge=False, collapse_padding=True
    )
    for col in ("case", "metric", "baseline", "now", ""):
        table.add_column(col, no_wrap=True, justify="right" if col in ("baseline", "now") else "left")
    for d in report.deltas:
        mark = "[bold red]REGRESSION[/]" if d.regression else "[green]better[/]" if _better(d) else "changed"
        table.add_row(d.case, label_of(d.metric), show(d.metric, d.baseline), show(d.metric, d.current), mark)
    table.caption = "Why each regression happened: the case notes above and the error below."
    return table


def _better(d: Delta) -> bool:
    metric = BY_NAME.get(d.metric)
    if metric is None or metric.better is None or d.baseline is None or d.current is None:
        return False
    return d.current > d.baseline if metric.better == "higher" else d.current < d.baseline


def print_report(report: EvalReport, console: Console, *, new: list[str] | None = None, absent: list[str] | None = None) -> None:
    """Tables, then each case's misses and failures, then the comparison with the baseline."""
    console.print(results_table(report))
    console.print()
    console.print(costs_table(report))
    for c in report.cases:
        reasons = [f"{metric.item}: {escape(miss)}" for metric in METRICS if c.metrics for miss in metric.misses(c.metrics)]
        reasons += [f"[bold red]failed[/]: {escape(f)}" for f in c.failures]
        if c.error:
            # A miss message starts with "cassette miss:" already.
            reasons.append(("" if c.status is CaseStatus.CASSETTE_MISS else f"{c.status}: ") + escape(c.error))
        if reasons:
            console.print(f"[bold]{c.name}[/]")
            for reason in reasons:
                console.print(f"  - {reason}", highlight=False, soft_wrap=True)
    if report.baseline is not None:
        if report.deltas:
            console.print(deltas_table(report))
        else:
            console.print(f"No change against baseline {report.baseline}.")
        if new:
            console.print(f"Not in the baseline (not compared): {', '.join(new)}")
        if absent:
            console.print(f"In the baseline but not run here: {', '.join(absent)}")
