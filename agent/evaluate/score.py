"""Score one finished run: every metric of the registry, then the gates that fail a case outright.

The metrics are declared in metrics.py and read from the state by scorers.py;
the gates (ungrounded citations, forbidden IDs, uncaught hallucinated IDs, the
number of proposals, budgets) fail a case with or without a baseline.
"""

from __future__ import annotations

from collections.abc import Iterator

from agent.evaluate.metrics import METRICS, CaseRun, Metrics, budgeted
from agent.evaluate.scorers import State
from agent.evaluate.suite import Budgets, Expectations, ProposalRange
from agent.graph.evidence import base_id
from agent.llm.base import total_cost


def measure(state: State, expect: Expectations, *, arxiv_requests: int, wall_s: float) -> Metrics:
    """Every metric of one finished run."""
    run = CaseRun(state=state, expect=expect, arxiv_requests=arxiv_requests, wall_s=wall_s)
    return Metrics(**{m.name: m.compute(run) for m in METRICS})


def _visible_texts(state: State) -> Iterator[tuple[str, str]]:
    """(where, text) for everything a reviewer is shown or the JSON report holds, except the line's own text."""
    for p in state.get("proposals", []):
        yield f"{p.id} after", p.after
        yield f"{p.id} rationale", p.rationale
        for e in p.evidence:
            yield f"{p.id} evidence", f"{e.arxiv_id} {e.quote}"
    for claim_id, r in state.get("claim_results", {}).items():
        if r.verdict:
            yield f"{claim_id} verdict", " ".join([r.verdict.rationale, *r.verdict.cited_ids, r.verdict.suggested_text or ""])
    for q in state.get("questions", []):
        yield f"{q.id} question", q.text
    for c in state.get("contradictions", []):
        yield f"contradiction {c.arxiv_id}", f"{c.arxiv_id} {c.quote}"


def forbidden_mentions(state: State, ids: list[str]) -> list[str]:
    """Where any of `ids` appears in the run's output."""
    return [f"{arxiv_id} appears in {where}" for where, text in _visible_texts(state) for arxiv_id in ids if arxiv_id in text]


def missed_drops(state: State, ids: list[str]) -> list[str]:
    """IDs that should have been caught (dropped by screen/judge or removed by ground_check) but were not."""
    caught = {base_id(u.arxiv_id) for u in state.get("ungrounded", [])}
    caught |= {base_id(i) for r in state.get("claim_results", {}).values() for i in r.dropped_citations}
    return [i for i in ids if i not in caught]


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
    return failures
