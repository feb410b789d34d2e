"""Scorers: one run's final state against a case's expectations.

Each scorer reads the graph state (as `retest run` leaves it, paused for
review) and returns hits, totals and a reason per miss, so a failing eval
names what went wrong rather than only a number.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from agent.evaluate.results import Metrics, Ratio
from agent.evaluate.suite import AnchorOutcome, Budgets, ClaimExpect, Expectations, ProposalRange
from agent.graph.citations import ids_in
from agent.graph.nodes.screen import base_id, normalise_space
from agent.graph.records import AnchorCheck, DateCheck, UsageRecord
from agent.proposals import Proposal, ProposalKind
from agent.sources.models import LookupStatus, TitleMatch

State = dict[str, Any]


def score_verdicts(state: State, claims: dict[str, ClaimExpect]) -> Ratio:
    """Claims whose verdict is one of the acceptable ones and whose rationale says what it must."""
    results = state.get("claim_results", {})
    ratio = Ratio()
    for claim_id, expect in sorted(claims.items()):
        if not expect.verdicts and not expect.explains:
            continue
        result = results.get(claim_id)
        verdict = result.verdict if result else None
        if verdict is None:
            ratio.miss(f"{claim_id}: not judged", claim_id)
            continue
        if expect.verdicts and verdict.verdict not in expect.verdicts:
            wanted = " or ".join(str(v) for v in expect.verdicts)
            ratio.miss(f"{claim_id}: verdict {verdict.verdict}, expected {wanted}", claim_id)
            continue
        said = normalise_space(f"{verdict.rationale} {result.error or ''}")
        lacking = [text for text in expect.explains if normalise_space(text) not in said]
        if lacking:
            ratio.miss(f"{claim_id}: verdict {verdict.verdict} but its rationale lacks " + ", ".join(repr(t) for t in lacking), claim_id)
            continue
        ratio.hit()
    return ratio


def score_must_find(state: State, claims: dict[str, ClaimExpect]) -> tuple[Ratio, Ratio]:
    """(recall, stance accuracy): must-find papers screened for their claim, and given an acceptable stance."""
    results = state.get("claim_results", {})
    recall, stance = Ratio(), Ratio()
    for claim_id, expect in sorted(claims.items()):
        result = results.get(claim_id)
        findings = {f.arxiv_id: f for f in result.findings} if result else {}
        candidates = {c.arxiv_id for c in result.candidates} if result else set()
        for wanted in expect.must_find:
            finding = findings.get(wanted.arxiv_id)
            if finding is None:
                why = "retrieved but not screened (quote dropped or skipped)" if wanted.arxiv_id in candidates else "not retrieved"
                recall.miss(f"{claim_id}: {wanted.arxiv_id} {why}", f"{claim_id} {wanted.arxiv_id}")
                continue
            recall.hit()
            if finding.stance in wanted.stances:
                stance.hit()
            else:
                expected = " or ".join(str(s) for s in wanted.stances)
                stance.miss(f"{claim_id}: {wanted.arxiv_id} screened as {finding.stance}, expected {expected}", f"{claim_id} {wanted.arxiv_id}")
    return recall, stance


def _anchor_ok(outcome: AnchorOutcome, check: AnchorCheck, kinds: set[ProposalKind]) -> bool:
    found = check.status is LookupStatus.FOUND
    if outcome is AnchorOutcome.VERIFIED:
        return found and check.title_match is TitleMatch.EXACT and check.date_check is DateCheck.MATCHES and not kinds
    if outcome is AnchorOutcome.FLAGGED_MISSING:
        return check.status is LookupStatus.MISSING and ProposalKind.FLAG in kinds
    if outcome is AnchorOutcome.FLAGGED_MALFORMED:
        return check.status is LookupStatus.MALFORMED and ProposalKind.FLAG in kinds
    if outcome is AnchorOutcome.FLAGGED_TITLE:
        return found and check.title_match is not TitleMatch.EXACT and ProposalKind.REPLACE_ANCHOR in kinds
    return found and check.date_check is DateCheck.DIFFERS and ProposalKind.REPLACE_ANCHOR in kinds


def _anchor_seen(check: AnchorCheck, targeting: list[Proposal]) -> str:
    if check.status is not LookupStatus.FOUND:
        seen = str(check.status)
    else:
        seen = f"title {check.title_match}, date {check.date_check}"
    proposals = ", ".join(f"{p.kind} {p.id}" for p in targeting) or "no proposal"
    return f"{seen}; {proposals}"


def score_anchors(state: State, anchors: dict[str, AnchorOutcome]) -> Ratio:
    """Anchors whose check and proposals match the expected outcome."""
    checks = {c.anchor_id: c for c in state.get("anchor_checks", [])}
    proposals = state.get("proposals", [])
    ratio = Ratio()
    for anchor_id, outcome in sorted(anchors.items()):
        check = checks.get(anchor_id)
        if check is None:
            ratio.miss(f"{anchor_id}: never checked, expected {outcome}", anchor_id)
            continue
        targeting = [p for p in proposals if p.target == anchor_id]
        if _anchor_ok(outcome, check, {p.kind for p in targeting}):
            ratio.hit()
        else:
            ratio.miss(f"{anchor_id} (arXiv:{check.arxiv_id}): expected {outcome}, got {_anchor_seen(check, targeting)}", anchor_id)
    return ratio


def ungrounded_in_proposals(state: State) -> list[str]:
    """Citations left in the final proposals of papers the run did not retrieve.

    `before` is excluded: it quotes the line as it stands, which may cite
    anything (a missing anchor's ID, for one).
    """
    papers = state.get("papers", {})
    found: list[str] = []
    for p in state.get("proposals", []):
        cited = [(base_id(e.arxiv_id), "evidence") for e in p.evidence]
        cited += [(i, "after") for i in ids_in(p.after)] + [(i, "rationale") for i in ids_in(p.rationale)]
        found += [f"{p.id}: {arxiv_id} in {where}" for arxiv_id, where in cited if arxiv_id not in papers]
    return found


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


def usage_totals(usage: list[UsageRecord]) -> tuple[int, int, int, float | None]:
    """(model calls, tokens in, tokens out, estimated price or None if any call has no price)."""
    costs = [u.cost_usd for u in usage]
    price = None if any(c is None for c in costs) else round(sum(costs), 6)
    return sum(u.calls for u in usage), sum(u.input_tokens for u in usage), sum(u.output_tokens for u in usage), price


def measure(state: State, expect: Expectations, *, arxiv_requests: int, wall_s: float) -> Metrics:
    """Every metric of one finished run."""
    verdicts = score_verdicts(state, expect.claims)
    recall, stance = score_must_find(state, expect.claims)
    calls, tokens_in, tokens_out, price = usage_totals(state.get("usage", []))
    return Metrics(
        verdicts=verdicts,
        must_find=recall,
        stance=stance,
        anchors=score_anchors(state, expect.anchors),
        ungrounded=ungrounded_in_proposals(state),
        proposals=len(state.get("proposals", [])),
        model_calls=calls,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        price_usd=price,
        arxiv_requests=arxiv_requests,
        wall_s=round(wall_s, 3),
    )


def budget_failures(m: Metrics, budgets: Budgets) -> list[str]:
    out = []
    if budgets.model_calls is not None and m.model_calls > budgets.model_calls:
        out.append(f"{m.model_calls} model calls, budget {budgets.model_calls}")
    if budgets.tokens is not None and m.tokens_in + m.tokens_out > budgets.tokens:
        out.append(f"{m.tokens_in + m.tokens_out} tokens, budget {budgets.tokens}")
    if budgets.price_usd is not None:
        if m.price_usd is None:
            out.append(f"estimated price unknown (a model is missing from the price table), budget ${budgets.price_usd:.4f}")
        elif m.price_usd > budgets.price_usd:
            out.append(f"estimated price ${m.price_usd:.4f}, budget ${budgets.price_usd:.4f}")
    if budgets.arxiv_requests is not None and m.arxiv_requests > budgets.arxiv_requests:
        out.append(f"{m.arxiv_requests} arXiv requests, budget {budgets.arxiv_requests}")
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
