"""The metric registry: every declared metric is computed, summed, rendered and compared, or says it is not."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import BaseModel
from rich.console import Console
from rich.text import Text

from agent.evaluate.compare import compare, load_baseline, verdict_of, with_baseline
from agent.evaluate.metrics import BY_NAME, METRICS, Budget, Judged, Kind, Metric, Metrics, registry
from agent.evaluate.ratio import Ratio
from agent.evaluate.render import costs_table, print_report, results_table
from agent.evaluate.results import EvalReport
from agent.evaluate.score import measure
from agent.evaluate.suite import Budgets, Expectations
from tests.evaluate.states import state, usage
from tests.evaluate.test_compare import report, scored

BASELINE = Path(__file__).resolve().parents[2] / "evals" / "baseline.json"

# Metrics never compared with a baseline, and why; a new one must be added here on purpose.
SHOWN_ONLY = {
    "ungrounded": "a gate: any ungrounded citation fails its case",
    "proposals": "a gate: the suite's proposal range",
    "wall_s": "measured, never compared",
}


def _type(metric: Metric[Any]) -> Any:
    return Metrics.model_fields[metric.name].annotation


def good_and_worse(metric: Metric[Any]) -> tuple[Any, Any]:
    """Two values of the metric's type, the second worse: fewer hits, more items, a higher cost."""
    kind = _type(metric)
    if kind is Ratio:
        return Ratio(hits=2, total=2), Ratio(hits=1, total=2, misses=["C1: verdict holds, expected qualified"], missed=["C1"])
    if kind == list[str]:
        return [], ["P1: 9999.99999 in after"]
    if kind in (int, float, float | None):
        return kind(10) if kind in (int, float) else 10.0, kind(20) if kind in (int, float) else 20.0
    raise AssertionError(f"no sample values for {metric.name} ({kind}): extend this test")


def distinct(metric: Metric[Any], i: int) -> Any:
    """A value of the metric's type that no other metric's value prints like."""
    kind = _type(metric)
    if kind is Ratio:
        return Ratio(hits=i, total=i + 10)
    if kind == list[str]:
        return [f"P{j}: 9999.9999{j} in after" for j in range(i)]
    if kind is int:
        return 100 + i
    if kind in (float, float | None):
        return 200 + i + 0.25
    raise AssertionError(f"no sample value for {metric.name} ({kind}): extend this test")


def plain(markup: str) -> str:
    return Text.from_markup(markup).plain


def rendered(renderable: Any) -> str:
    console = Console(record=True, width=240, color_system=None, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def test_the_registry_is_every_field_of_metrics_in_order() -> None:
    assert [m.name for m in METRICS] == list(Metrics.model_fields)
    assert all(m.kind in (Kind.QUALITY, Kind.COST) for m in METRICS), "a metric outside both tables would not be rendered"


@pytest.mark.parametrize("metric", METRICS, ids=lambda m: m.name)
def test_a_worse_value_of_every_compared_metric_is_a_regression_named_in_the_report(metric: Metric[Any]) -> None:
    good, worse = good_and_worse(metric)
    before = report(scored("a", Metrics(**{metric.name: good})))
    now = report(scored("a", Metrics(**{metric.name: worse})))
    deltas = [d for d in compare(now, before) if d.case == "a"]
    if metric.judged is Judged.NEVER:
        assert metric.name in SHOWN_ONLY, f"{metric.name} is computed but never compared: compare it, or add it to SHOWN_ONLY with the reason"
        assert deltas == []
        return
    assert [(d.metric, d.regression) for d in deltas][:1] == [(metric.name, True)]
    judged = with_baseline(now, before)
    error = verdict_of(judged)
    assert error is not None and f"case a: {metric.label} " in error.message
    table = rendered_report(judged)
    assert metric.label in table and "REGRESSION" in table


def test_every_shown_only_metric_is_declared_so() -> None:
    assert {m.name for m in METRICS if m.judged is Judged.NEVER} == set(SHOWN_ONLY)


def rendered_report(r: EvalReport) -> str:
    console = Console(record=True, width=240, color_system=None, file=io.StringIO())
    print_report(r, console)
    return console.export_text()


def test_every_metric_has_a_column_and_its_own_cell_in_its_table() -> None:
    m = Metrics(**{metric.name: distinct(metric, i) for i, metric in enumerate(METRICS, start=1)})
    r = report(scored("alpha", m))
    shown: list[str] = []
    for kind, table in ((Kind.QUALITY, results_table(r)), (Kind.COST, costs_table(r))):
        declared = [metric for metric in METRICS if metric.kind is kind]
        assert [c.header for c in table.columns][1 : len(declared) + 1] == [metric.column for metric in declared]
        row = next(line for line in rendered(table).splitlines() if line.split()[:1] == ["alpha"])
        cells = row.split()[1 : len(declared) + 1]
        assert cells == [plain(metric.cell_of(m)) for metric in declared]
        shown += cells
    assert len(shown) == len(METRICS) and len(set(shown)) == len(shown), "each metric's own value, once"


def test_the_total_combines_every_metric() -> None:
    a = Metrics(**{metric.name: distinct(metric, 1) for metric in METRICS})
    b = Metrics(**{metric.name: distinct(metric, 2) for metric in METRICS})
    total = a + b
    for metric in METRICS:
        value = metric.of(total)
        if isinstance(value, Ratio):
            assert (value.hits, value.total) == (1 + 2, 11 + 12), metric.name
        elif isinstance(value, list):
            assert value == metric.of(a) + metric.of(b), metric.name
        else:
            assert value == pytest.approx(metric.of(a) + metric.of(b)), metric.name
    assert (a + b.model_copy(update={"price_usd": None})).price_usd is None, "an unknown price makes the total unknown"


def test_measure_computes_every_metric() -> None:
    m = measure(state(usage=[usage()]), Expectations(), arxiv_requests=3, wall_s=0.5)
    assert m.model_fields_set == set(BY_NAME), "a metric left to its default was never computed"


def test_a_field_without_a_declaration_or_with_a_budget_the_suite_lacks_does_not_build() -> None:
    class Bare(BaseModel):
        x: int = 0

    with pytest.raises(TypeError, match="Bare.x"):
        registry(Bare, Budgets)

    class Capped(BaseModel):
        n: Annotated[int, Metric("n", "n", Kind.COST, Judged.OVER_TOLERANCE, lambda run: 0, budget=Budget("n", "{} n"))] = 0

    with pytest.raises(TypeError, match="not the fields of Budgets"):
        registry(Capped, Budgets)

    class Dropping(BaseModel):
        n: Annotated[int, Metric("n", "n", Kind.QUALITY, Judged.ANY_DROP, lambda run: 0)] = 0

    with pytest.raises(TypeError, match="only a Ratio"):
        registry(Dropping, BaseModel)


def test_every_suite_budget_caps_declared_metrics() -> None:
    capped = {m.budget.key for m in METRICS if m.budget}
    assert capped == set(Budgets.model_fields)


def test_the_committed_baseline_reads_back_to_the_same_json() -> None:
    raw = json.loads(BASELINE.read_text(encoding="utf-8"))
    baseline = load_baseline(BASELINE)
    assert baseline.total.model_dump(mode="json") == raw["total"]
    assert list(baseline.total.model_dump(mode="json")) == list(raw["total"]), "field order is the report's format too"
    for case, stored in zip(baseline.cases, raw["cases"], strict=True):
        assert case.metrics is not None and case.metrics.model_dump(mode="json") == stored["metrics"], case.name
