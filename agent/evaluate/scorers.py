"""Scorers: what each metric reads from one run's final state, against a case's expectations.

Each scorer reads the graph state (as `retest run` leaves it, paused for
review) and returns hits, totals and a reason per miss, so a failing eval
names what went wrong rather than only a number. metrics.py says which
scorer feeds which metric.
"""

from __future__ import annotations

from typing import Any

from agent.evaluate.ratio import Ratio
from agent.evaluate.suite import AnchorOutcome, ClaimExpect, FitExpect
from agent.graph.claim_dates import DateFit, date_checks
from agent.graph.evidence import base_id, normalise_space, quote_in
from agent.graph.records import AnchorCheck, ClaimResult, DateCheck, Stance, UsageRecord, VerdictKind
from agent.graph.task_answers import Output, task_answers
from agent.line.citable import cited_ids
from agent.llm.base import total_cost
from agent.proposals import Proposal, ProposalKind
from agent.sources.models import LookupStatus, Paper, TitleMatch

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


def _replaces_with_another(proposal: Proposal, check: AnchorCheck) -> bool:
    """An anchor replaced by a different paper the run found (agent.graph.anchor_fit.replacement_changes)."""
    return proposal.kind is ProposalKind.REPLACE_ANCHOR and any(e.arxiv_id != check.arxiv_id for e in proposal.evidence)


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
        # A replacement with another paper answers the anchor's fit (score_fits), not its check.
        targeting = [p for p in proposals if p.target == anchor_id and not _replaces_with_another(p, check)]
        if _anchor_ok(outcome, check, {p.kind for p in targeting}):
            ratio.hit()
        else:
            ratio.miss(f"{anchor_id} (arXiv:{check.arxiv_id}): expected {outcome}, got {_anchor_seen(check, targeting)}", anchor_id)
    return ratio


def score_fits(state: State, fits: dict[str, FitExpect]) -> Ratio:
    """Anchors linked to the expected claim, on the expected basis, with the expected fit (a checked quote with it, unless cannot_tell)."""
    checks = {c.anchor_id: c for c in state.get("anchor_checks", [])}
    ratio = Ratio()
    for anchor_id, want in sorted(fits.items()):
        check = checks.get(anchor_id)
        if check is None:
            ratio.miss(f"{anchor_id}: never checked, expected {want.fit} for {want.claim}", anchor_id)
            continue
        got = [f for f in check.fits if f.claim_id == want.claim]
        if want.claim not in check.claims:
            ratio.miss(f"{anchor_id}: linked to {', '.join(check.claims) or 'no claim'} ({check.link_basis}), expected {want.claim}", anchor_id)
        elif want.by is not None and check.link_basis != want.by:
            ratio.miss(f"{anchor_id} -> {want.claim}: linked by {check.link_basis}, expected by {want.by}", anchor_id)
        elif not got or got[0].fit != want.fit:
            ratio.miss(f"{anchor_id} -> {want.claim}: fit {got[0].fit if got else 'none'}, expected {want.fit}", anchor_id)
        elif want.fit != "cannot_tell" and not got[0].quote:
            ratio.miss(f"{anchor_id} -> {want.claim}: {want.fit} without a checked quote", anchor_id)
        elif want.replaced_by is not None and want.replaced_by not in (offered := _offered(state, check)):
            ratio.miss(f"{anchor_id}: offered {', '.join(offered) or 'no replacement'}, expected arXiv:{want.replaced_by}", anchor_id)
        else:
            ratio.hit()
    return ratio


def _offered(state: State, check: AnchorCheck) -> list[str]:
    """The papers the run's replace_anchor proposals offer instead of this anchor."""
    return [e.arxiv_id for p in state.get("proposals", []) if p.target == check.anchor_id and _replaces_with_another(p, check) for e in p.evidence]


def score_dates_and_tasks(state: State, dates: dict[str, DateFit], tasks: dict[int, Output]) -> Ratio:
    """Claims whose date check and tasks whose answering output are as expected, as the report shows them (issue 12 points 2, 4)."""
    ratio = Ratio()
    if not dates and not tasks:
        return ratio
    line = state.get("line")
    results = state.get("claim_results", {})
    checks = {c.claim_id: c for c in date_checks(line, state.get("anchor_checks", []), results, state.get("papers", {}))} if line else {}
    for claim_id, want in sorted(dates.items()):
        check = checks.get(claim_id)
        if check is not None and check.fit == want:
            ratio.hit()
        else:
            ratio.miss(f"{claim_id}: date check {check.fit if check else 'missing'}, expected {want}", claim_id)
    answers = (
        {
            a.number: a
            for a in task_answers(line.prompt.tasks, [results[k] for k in sorted(results)], state.get("contradictions", []), state.get("questions", []))
        }
        if line
        else {}
    )
    for number, output in sorted(tasks.items()):
        answer = answers.get(number)
        if answer is not None and answer.output == output and (output is not Output.NONE or "not addressed" in answer.answered_by):
            ratio.hit()
        else:
            ratio.miss(f"task {number}: answered by {answer.output if answer else 'nothing listed'}, expected {output}", f"task {number}")
    return ratio


def ungrounded_in_proposals(state: State) -> list[str]:
    """Citations left in the final proposals of papers the run did not retrieve.

    `before` is excluded: it quotes the line as it stands, which may cite
    anything (a missing anchor's ID, for one). IDs are found as a reader sees
    them (`agent.line.citable`), so one written `2611\\.99999`, with a
    full-width dot or a zero-width space inside still counts.
    """
    papers = state.get("papers", {})
    found: list[str] = []
    for p in state.get("proposals", []):
        cited = [(i, "evidence") for e in p.evidence for i in cited_ids(e.arxiv_id) or [base_id(e.arxiv_id)]]
        cited += [(i, where) for where in ("target", "after", "rationale") for i in cited_ids(getattr(p, where))]
        cited += [(i, "new_date") for i in cited_ids(p.new_date or "")]
        cited += [(i, "evidence quote") for e in p.evidence for i in cited_ids(e.quote)]
        found += [f"{p.id}: {arxiv_id} in {where}" for arxiv_id, where in cited if arxiv_id not in papers]
    return found


def estimated_price(usage: list[UsageRecord]) -> float | None:
    """The run's estimated price, or None if any call has no price."""
    price = total_cost(u.cost_usd for u in usage)
    return None if price is None else round(price, 6)


# The line-level steps that end in output of their own, and the state key each writes.
_LINE_STEPS = {"propose_questions": "questions", "draft_proposals": "proposals"}


def guarantee_failures(state: State) -> list[str]:
    """What breaks Retest's structural promises in a finished run, whatever the model concluded (a case's `guarantees`).

    Never a stance or a verdict's kind, except the one rule that a claim
    left without relevant evidence is unresolved (and says why).
    """
    line = state.get("line")
    results = state.get("claim_results", {})
    papers = state.get("papers", {})
    failures: list[str] = []
    if "ungrounded" not in state:
        failures.append("the run did not reach review: the ground check never ran")
    for claim in line.prompt.claims if line else []:
        result = results.get(claim.id)
        if result is None or result.verdict is None:
            failures.append(f"{claim.id}: no verdict, the claim's branch did not finish")
            continue
        failures += _quote_failures(claim.id, result, papers)
        relevant = [f for f in result.findings if f.stance is not Stance.UNRELATED]
        if not relevant and result.verdict.verdict is not VerdictKind.UNRESOLVED:
            failures.append(f"{claim.id}: no relevant evidence kept, yet judged {result.verdict.verdict}")
        if result.verdict.verdict is VerdictKind.UNRESOLVED and not result.verdict.rationale.strip():
            failures.append(f"{claim.id}: unresolved without saying why")
        if result.error and normalise_space(result.error) not in normalise_space(result.verdict.rationale):
            failures.append(f"{claim.id}: its branch failed ({result.error[:80]}...) but the verdict does not say so")
    for node, reason in state.get("failed_steps", {}).items():
        if not reason.strip():
            failures.append(f"step {node} failed without saying why")
    for node, key in _LINE_STEPS.items():
        if key not in state and node not in state.get("failed_steps", {}):
            failures.append(f"step {node} left neither its {key} nor a reason")
    ids = [p.id for p in state.get("proposals", [])]
    if ids != [f"P{i}" for i in range(1, len(ids) + 1)]:
        failures.append(f"proposals are not numbered P1..P{len(ids)} in order: {', '.join(ids)}")
    return failures


def _quote_failures(claim_id: str, result: ClaimResult, papers: dict[str, Paper]) -> list[str]:
    """Every kept quote is in its paper's abstract; every dropped one is counted, with its reason."""
    out = []
    for f in result.findings:
        paper = papers.get(base_id(f.arxiv_id))
        if paper is None or not quote_in(f.quote, paper.summary):
            out.append(f"{claim_id}: the quote kept for {f.arxiv_id} is not in its abstract")
    if result.dropped_quotes != len(result.dropped_quote_reasons):
        out.append(f"{claim_id}: {result.dropped_quotes} quotes counted as dropped, {len(result.dropped_quote_reasons)} listed")
    out += [f"{claim_id}: quote dropped from {d.arxiv_id} without a reason" for d in result.dropped_quote_reasons if not d.reason.strip()]
    return out
