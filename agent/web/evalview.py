"""An eval report as a page: the per-case table and, per metric, a small bar chart of each case against the baseline.

The report and the baseline are `retest eval --json` files named on the
command line (`retest serve --eval REPORT --eval-baseline BASELINE`); the
metrics and how they print come from the one registry (agent.evaluate.metrics).
The chart is plain numbers laid out for an inline SVG template.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.evaluate.compare import load_baseline
from agent.evaluate.metrics import METRICS, Judged, Metric
from agent.evaluate.results import EvalReport, Metrics, Ratio

BAR_H, GAP, LABEL_W, CHART_W = 12, 10, 150, 320


@dataclass(frozen=True)
class Bar:
    """One case's bar pair: `y` is its row's top; widths are in pixels of the plot area."""

    case: str
    y: int
    now: float | None
    before: float | None
    now_w: int
    before_w: int
    now_text: str
    before_text: str
    worse: bool


@dataclass(frozen=True)
class Chart:
    label: str
    better: str | None
    bars: list[Bar]
    height: int
    width: int = LABEL_W + CHART_W + 70


@dataclass(frozen=True)
class EvalView:
    report: EvalReport
    path: str
    baseline_path: str | None
    columns: list[str]
    rows: list[tuple[str, str, list[str], list[str]]]  # case, status, cells, failures
    charts: list[Chart]


def _number(metric: Metric[Any], metrics: Metrics | None) -> float | None:
    return None if metrics is None else metric.number(metric.of(metrics))


def _worse(metric: Metric[Any], now: float | None, before: float | None) -> bool:
    if now is None or before is None:
        return False
    return (metric.better == "higher" and now < before) or (metric.better == "lower" and now > before)


def _chart(metric: Metric[Any], report: EvalReport, baseline: EvalReport | None) -> Chart | None:
    pairs: list[tuple[str, float | None, float | None]] = []
    for case in report.cases:
        old = baseline.case(case.name) if baseline else None
        pairs.append((case.name, _number(metric, case.metrics), _number(metric, old.metrics if old else None)))
    top = max((v for _c, a, b in pairs for v in (a, b) if v is not None), default=0.0)
    if not any(a is not None for _c, a, _b in pairs):
        return None
    scale = CHART_W / top if top > 0 else 0.0
    bars = []
    for i, (name, now, before) in enumerate(pairs):
        bars.append(
            Bar(
                name,
                i * (2 * BAR_H + GAP),
                now,
                before,
                round((now or 0) * scale),
                round((before or 0) * scale),
                metric.show(now),
                metric.show(before),
                _worse(metric, now, before),
            )
        )
    return Chart(metric.label, metric.better, bars, len(bars) * (2 * BAR_H + GAP))


def eval_view(path: Path, baseline_path: Path | None = None) -> EvalView:
    """The page's data for the report at `path`, compared with `baseline_path` when given."""
    report = load_baseline(path)  # a report and a baseline are the same model
    baseline = load_baseline(baseline_path) if baseline_path else None
    rows = [(c.name, str(c.status), [_cell(m, c.metrics) for m in METRICS], c.failures) for c in report.cases]
    # Only compared metrics get a chart: one shown and never compared (wall time) is no regression to look for.
    charts = [chart for m in METRICS if m.judged is not Judged.NEVER and (chart := _chart(m, report, baseline)) is not None]
    return EvalView(report, str(path), str(baseline_path) if baseline_path else None, [m.column for m in METRICS], rows, charts)


def _cell(metric: Metric[Any], metrics: Metrics | None) -> str:
    """A table cell as plain text (the terminal's cells may carry Rich markup)."""
    if metrics is None:
        return "—"
    value = metric.of(metrics)
    if isinstance(value, Ratio):
        return "—" if value.value is None else f"{value.hits}/{value.total}"
    if isinstance(value, list):
        return str(len(value))
    return metric.show(metric.number(value))
