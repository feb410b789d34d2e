"""Every eval metric, declared once: how it is computed, combined over cases, shown and judged against a baseline.

A metric is a field of `Metrics` whose annotation carries its `Metric`:

    verdicts: Annotated[Ratio, _VERDICTS] = Field(default_factory=Ratio, ...)

`METRICS` is read off those fields (a field without a declaration does not
import), and everything else iterates it: the scorer (`score.measure`), the
sum over cases (`Metrics.__add__`), the tables (render.py), the baseline
comparison (compare.py) and the case budgets (`score.budget_failures`).
None of them names a metric, so none of them can leave one out.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from agent.evaluate.attacks import score_attacks
from agent.evaluate.ratio import Ratio
from agent.evaluate.scorers import (
    State,
    estimated_price,
    score_anchors,
    score_dates_and_tasks,
    score_fits,
    score_must_find,
    score_verdicts,
    ungrounded_in_proposals,
)
from agent.evaluate.suite import Budgets, Expectations
from agent.graph.records import UsageRecord
from agent.llm.base import total_cost

V = TypeVar("V")


class Kind(StrEnum):
    QUALITY = "quality"  # a column of the scores table
    COST = "cost"  # a column of the cost table


class Judged(StrEnum):
    """How a change against the baseline is judged."""

    ANY_DROP = "any drop"  # higher is better: any fall, or an item right before and wrong now, is a regression
    OVER_TOLERANCE = "over tolerance"  # lower is better: a rise beyond --tolerance is a regression
    NEVER = "never"  # shown, not compared: a gate fails it without any baseline, or it is only measured


@dataclass(frozen=True)
class CaseRun:
    """What every metric is computed from: one finished run of a case, and what the case expects."""

    state: State
    expect: Expectations
    arxiv_requests: int
    wall_s: float

    @property
    def usage(self) -> list[UsageRecord]:
        return self.state.get("usage", [])


@dataclass(frozen=True)
class Budget:
    """A field of a case's `expect.budgets`: an upper bound on one cost metric, or on the sum of several."""

    key: str
    amount: str  # how a failure states what was used, around the value: "{} model calls"
    unknown: str = ""  # why the amount can be unknown


def _whole(value: float) -> str:
    return str(int(value))


def _itself(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Metric(Generic[V]):
    """One metric of a case: how it is computed, combined over cases, shown, and judged against a baseline."""

    label: str  # in the comparison table and its messages
    column: str  # its header in the scores or the cost table, short: both tables fit an 80-column terminal
    kind: Kind
    judged: Judged
    compute: Callable[[CaseRun], V]
    combine: Callable[[V, V], V] = operator.add  # counts add up, lists join, ratios pool hits and totals
    number: Callable[[V], float | None] = _itself  # what is compared and shown
    fmt: Callable[[float], str] = _whole
    cell: Callable[[V], str] | None = None  # its table cell, where that is not the number shown
    item: str = ""  # ratios: what each miss listed under a case is about
    hint: str = ""  # explains the column under its table
    budget: Budget | None = None
    name: str = ""  # the `Metrics` field it is declared on, set by `registry`

    @property
    def better(self) -> Literal["higher", "lower"] | None:
        if self.judged is Judged.ANY_DROP:
            return "higher"
        if self.judged is Judged.OVER_TOLERANCE:
            return "lower"
        return None

    def of(self, metrics: Metrics) -> V:
        value: V = getattr(metrics, self.name)
        return value

    def show(self, value: float | None) -> str:
        """A compared value as the tables and messages print it."""
        return "—" if value is None else self.fmt(value)

    def cell_of(self, metrics: Metrics) -> str:
        value = self.of(metrics)
        return self.cell(value) if self.cell else self.show(self.number(value))

    def misses(self, metrics: Metrics) -> list[str]:
        value = self.of(metrics)
        return value.misses if isinstance(value, Ratio) else []


def _ratio_value(r: Ratio) -> float | None:
    return r.value


def _ratio_cell(r: Ratio) -> str:
    return "—" if r.value is None else f"{r.hits}/{r.total}"


def _alarm(items: list[str]) -> str:
    return f"[bold red]{len(items)}[/]" if items else "0"


def _accuracy(label: str, column: str, item: str, compute: Callable[[CaseRun], Ratio], hint: str = "") -> Metric[Ratio]:
    return Metric(label, column, Kind.QUALITY, Judged.ANY_DROP, compute, number=_ratio_value, fmt=lambda v: f"{v:.2f}", cell=_ratio_cell, item=item, hint=hint)


def _count(label: str, column: str, compute: Callable[[CaseRun], int], budget: Budget) -> Metric[int]:
    return Metric(label, column, Kind.COST, Judged.OVER_TOLERANCE, compute, budget=budget)


_TOKENS = Budget("tokens", "{} tokens")

_VERDICTS = _accuracy("verdict accuracy", "verdicts", "verdict", lambda run: score_verdicts(run.state, run.expect.claims))
_MUST_FIND = _accuracy("must-find recall", "found", "must-find", lambda run: score_must_find(run.state, run.expect.claims)[0], hint="must-find recall")
_STANCE = _accuracy("stance accuracy", "stance", "stance", lambda run: score_must_find(run.state, run.expect.claims)[1], hint="on the must-find papers found")
_ANCHORS = _accuracy("anchor accuracy", "anchors", "anchor", lambda run: score_anchors(run.state, run.expect.anchors))
_FITS = _accuracy("anchor fit accuracy", "fits", "fit", lambda run: score_fits(run.state, run.expect.fits), hint="anchors linked and read as expected")
_DATES_TASKS = _accuracy(
    "dates and tasks", "dates/tasks", "date or task", lambda run: score_dates_and_tasks(run.state, run.expect.dates, run.expect.tasks),
    hint="claims' date checks and the prompt's tasks reported as expected",
)  # fmt: skip
# Gates rather than scores: any ungrounded citation fails its case, and so does a count outside the suite's range.
_UNGROUNDED: Metric[list[str]] = Metric(
    "ungrounded citations",
    "ungr.",
    Kind.QUALITY,
    Judged.NEVER,
    lambda run: ungrounded_in_proposals(run.state),
    number=len,
    cell=_alarm,
    hint="ungrounded citations in proposals (must be 0)",
)
# Each ID a case's scripted models smuggle in (`must_drop`) is an attack; caught when removed and cited nowhere.
_ATTACKS = _accuracy(
    "smuggled citations caught", "attacks", "attack", lambda run: score_attacks(run.state, run.expect.must_drop), hint="smuggled citations caught of tried"
)
_PROPOSALS: Metric[int] = Metric("proposals", "props", Kind.QUALITY, Judged.NEVER, lambda run: len(run.state.get("proposals", [])), hint="proposals")
_MODEL_CALLS = _count("model calls", "calls", lambda run: sum(u.calls for u in run.usage), Budget("model_calls", "{} model calls"))
_TOKENS_IN = _count("tokens in", "tokens in", lambda run: sum(u.input_tokens for u in run.usage), _TOKENS)
_TOKENS_OUT = _count("tokens out", "tokens out", lambda run: sum(u.output_tokens for u in run.usage), _TOKENS)
_PRICE: Metric[float | None] = Metric(
    "estimated price",
    "est. price",
    Kind.COST,
    Judged.OVER_TOLERANCE,
    lambda run: estimated_price(run.usage),
    combine=lambda a, b: total_cost((a, b)),
    fmt=lambda v: f"${v:.4f}",
    budget=Budget("price_usd", "estimated price {}", unknown="a model is missing from the price table"),
)
_ARXIV_REQUESTS = _count("arXiv requests", "arXiv", lambda run: run.arxiv_requests, Budget("arxiv_requests", "{} arXiv requests"))
# Measured and shown, never compared: a benchmark is not a test.
_WALL: Metric[float] = Metric("wall time", "time", Kind.COST, Judged.NEVER, lambda run: round(run.wall_s, 3), fmt=lambda s: f"{s:.1f}s")


class Metrics(BaseModel):
    """Scores and costs of one case, or summed over cases: one field per metric, declared in its annotation."""

    verdicts: Annotated[Ratio, _VERDICTS] = Field(default_factory=Ratio, description="Claims whose verdict is acceptable (and explained as required).")
    must_find: Annotated[Ratio, _MUST_FIND] = Field(default_factory=Ratio, description="Must-find papers screened for their claim (recall).")
    stance: Annotated[Ratio, _STANCE] = Field(default_factory=Ratio, description="Found must-find papers given an acceptable stance.")
    anchors: Annotated[Ratio, _ANCHORS] = Field(default_factory=Ratio, description="Anchors verified or flagged as expected.")
    fits: Annotated[Ratio, _FITS] = Field(default_factory=Ratio, description="Anchors linked to the expected claim with the expected fit (read_anchors).")
    dates_tasks: Annotated[Ratio, _DATES_TASKS] = Field(
        default_factory=Ratio, description="Claims whose date check, and tasks whose answering output, the report gives as expected."
    )
    ungrounded: Annotated[list[str], _UNGROUNDED] = Field(
        default_factory=list, description="Citations in final proposals of papers this run never retrieved (must be empty)."
    )
    attacks: Annotated[Ratio, _ATTACKS] = Field(
        default_factory=Ratio, description="Smuggled IDs (the case's must_drop) removed or dropped and cited nowhere, of those tried."
    )
    proposals: Annotated[int, _PROPOSALS] = 0
    model_calls: Annotated[int, _MODEL_CALLS] = 0
    tokens_in: Annotated[int, _TOKENS_IN] = 0
    tokens_out: Annotated[int, _TOKENS_OUT] = 0
    price_usd: Annotated[float | None, _PRICE] = Field(default=0.0, description="Estimated; None when some model has no price.")
    arxiv_requests: Annotated[int, _ARXIV_REQUESTS] = 0
    wall_s: Annotated[float, _WALL] = Field(default=0.0, description="Measured, shown, never compared: a benchmark is not a test.")

    def __add__(self, other: Metrics) -> Metrics:
        return Metrics(**{m.name: m.combine(m.of(self), m.of(other)) for m in METRICS})


def registry(model: type[BaseModel], budgets: type[BaseModel]) -> tuple[Metric[Any], ...]:
    """The metric declared on each field of `model`, named after its field, in field order.

    Refuses a field without exactly one `Metric`, a metric judged by any drop
    that is not a Ratio (its misses say what got worse), and budgets that
    `budgets` (the suite's) does not have or has beyond the declared ones.
    """
    found: list[Metric[Any]] = []
    for name, info in model.model_fields.items():
        declared = [m for m in info.metadata if isinstance(m, Metric)]
        if len(declared) != 1:
            raise TypeError(f"{model.__name__}.{name}: declare it with one Metric in its annotation, e.g. Annotated[int, Metric(...)]")
        if declared[0].judged is Judged.ANY_DROP and info.annotation is not Ratio:
            raise TypeError(f"{model.__name__}.{name}: only a Ratio can be judged by any drop")
        found.append(replace(declared[0], name=name))
    keys = {m.budget.key for m in found if m.budget}
    if keys != set(budgets.model_fields):
        raise TypeError(
            f"the metrics' budgets ({', '.join(sorted(keys))}) are not the fields of {budgets.__name__} ({', '.join(budgets.model_fields)}): "
            "add or drop the field in agent/evaluate/suite.py, then rewrite the schema with `python -m agent.evaluate`"
        )
    return tuple(found)


METRICS = registry(Metrics, Budgets)
BY_NAME = {m.name: m for m in METRICS}


def of_kind(kind: Kind) -> tuple[Metric[Any], ...]:
    return tuple(m for m in METRICS if m.kind is kind)


def judged_by(judged: Judged) -> tuple[Metric[Any], ...]:
    return tuple(m for m in METRICS if m.judged is judged)


def budgeted() -> dict[Budget, tuple[Metric[Any], ...]]:
    """Each budget with the metrics it caps (their sum), in the order the metrics are declared."""
    groups: dict[Budget, tuple[Metric[Any], ...]] = {}
    for m in METRICS:
        if m.budget is not None:
            groups[m.budget] = (*groups.get(m.budget, ()), m)
    return groups


def label_of(name: str) -> str:
    """How the comparison names a delta's metric; a non-metric delta ('status') by its own name."""
    metric = BY_NAME.get(name)
    return metric.label if metric else name


def show(name: str, value: float | None) -> str:
    """A delta's value as the tables and messages print it."""
    metric = BY_NAME.get(name)
    if metric is not None:
        return metric.show(value)
    return "—" if value is None else _whole(value)
