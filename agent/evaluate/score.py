"""Score one finished run: every metric of the registry, then the gates that fail a case outright.

The metrics are declared in metrics.py and read from the state by scorers.py;
the gates (ungrounded citations, forbidden IDs, uncaught hallucinated IDs, the
number of proposals, budgets) fail a case with or without a baseline.
"""

from __future__ import annotations

from agent.evaluate.attacks import forbidden_mentions, missed_drops
from agent.evaluate.metrics import METRICS, CaseRun, Metrics, budgeted
from agent.evaluate.scorers import State, guarantee_failures
from agent.evaluate.suite import Budgets, Expectations, ProposalRange
from agent.llm.base import total_cost


def measure(state: State, expect: Expectations, *, arxiv_requests: int, wall_s: float) -> Metrics:
    """Every metric of one finished run."""
    run = CaseRun(state=state, expect=expect, arxiv_requests=arxiv_requests, wall_s=wall_s)
    return Metrics(**{m.name: m.compute(run) for m in METRICS})


def budget_failures(m: Metrics, budgets: Budgets) -> list[str]:
    """Each budget the run went over, or cannot be checked against because the amount is unknown."""
    out = []
    for budget, capped in budgeted().items():
        limit = getattr(budgets, budget.key)
        if limit is None:
            continue
        # A budget on several metrics caps their sum (tokens in plus tokens out).
        used = total_cost(metric.of(m) for metric in capped)
        show = capped[0].show
        if used is None:
            out.append(f"{budget.amount.format('unknown')} ({budget.unknown}), budget {show(limit)}")
        elif used > limit:
            out.append(f"{budget.amount.format(show(used))}, budget {show(limit)}")
    return out


def _range_failure(count: int, allowed: ProposalRange) -> list[str]:
    if count < allowed.min or (allowed.max is not None and count > allowed.max):
        upper = "any number" if allowed.max is None else str(allowed.max)
        return [f"{count} proposals, expected {allowed.min} to {upper}"]
    return []


def gate_failures(state: State, metrics: Metrics, expect: Expectations) -> list[str]:
    """The hard rules of a case: any of these fails it, with or without a baseline."""
    failures = [f"ungrounded citation in a proposal: {u}" for u in metrics.ungrounded]
    failures += [f"forbidden ID: {m}" for m in forbidden_mentions(state, expect.never_cite)]
    failures += [f"{i} was not caught: no screen, judge or ground check dropped it" for i in missed_drops(state, expect.must_drop)]
    failures += _range_failure(metrics.proposals, expect.proposals)
    failures += [f"over budget: {b}" for b in budget_failures(metrics, expect.budgets)]
    failures += [f"guarantee broken: {g}" for g in guarantee_failures(state)] if expect.guarantees else []
    return failures
