"""read_anchors: one model call reads every verified anchor's abstract against the line's claims.

It links each anchor to the claim(s) it is cited for and says how far the
abstract carries each (agent.graph.anchor_fit). A line with no anchor whose
abstract the run retrieved asks nothing. An unusable answer (truncated after
its retry, refused, invalid twice, or naming none of the line's anchors) keeps
the word-overlap links verify_anchors made, the reason in `failed_steps`, and
the run goes on. A --since-last run in which no claim is re-tested in full and
every anchor is the one the last run checked carries the last run's reading
(links and fits, or its word-overlap links if that reading failed) and asks
nothing: the same abstracts against the same claims.
"""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent.graph.anchor_fit import anchored_by, fits_from, readable, relinked
from agent.graph.context import RunContext, run_line, services
from agent.graph.line_tasks import ask_line_task, failed_step
from agent.graph.records import AnchorCheck
from agent.graph.state import RunState
from agent.graph.tasks import READ_ANCHORS
from agent.line.doi import cite_key
from agent.line.models import Line
from agent.llm.base import AnswerError
from agent.prompts import data_block, join_blocks
from agent.sources.models import Paper

NO_READING = "the answer read none of the line's anchors against its claims"


def _claim_blocks(line: Line) -> str:
    return join_blocks([data_block(f"claim {c.id}", f"{c.id} (dated {c.date.text}): {c.text}") for c in line.prompt.claims])


def _anchor_blocks(checks: list[AnchorCheck], papers: dict[str, Paper]) -> str:
    blocks = []
    for check in checks:
        p = papers[check.arxiv_id]
        # Only an anchor the curator linked says which claims it is cited for, so every other line's request is as before.
        cited = f"\nCited for (linked by the line's curator): {', '.join(check.claims)}" if check.link_basis == "curator" else ""
        text = f"Anchor {check.anchor_id}, {cite_key(p.arxiv_id)}{cited}\nTitle: {p.title}\nSubmitted: {p.published.isoformat()}\nAbstract: {p.summary}"
        blocks.append(data_block(f"anchor {check.anchor_id}", text))
    return join_blocks(blocks)


def _carried(checks: list[AnchorCheck], runtime: Runtime[RunContext]) -> bool:
    """True in a since-last run that changed no claim and kept every anchor's last check (verify_anchors): nothing new to read."""
    plan = services(runtime).since_last
    if plan is None or plan.full:
        return False
    return all(_same_check(plan.previous_anchors.get(c.arxiv_id), c) for c in checks)


def _same_check(before: AnchorCheck | None, now: AnchorCheck) -> bool:
    # The anchor's ID may differ (the line renumbered it); the paper, its version's check and the reading must not.
    if before is None:
        return False
    rest = {"anchor_id", "claims", "fits"}
    same_fits = [f.model_copy(update={"anchor_id": now.anchor_id}) for f in before.fits] == now.fits
    return same_fits and before.model_dump(exclude=rest) == now.model_dump(exclude=rest)


def _linked(line: Line, state: RunState, checks: list[AnchorCheck]) -> dict:
    links = anchored_by(line, checks)
    results = state.get("claim_results", {})
    return {"anchor_checks": checks, "claim_results": {cid: r.model_copy(update={"anchored_by": links.get(cid, [])}) for cid, r in results.items()}}


def read_anchors(state: RunState, runtime: Runtime[RunContext]) -> dict:
    line, papers = run_line(state, runtime), state.get("papers", {})
    checks = state.get("anchor_checks", [])
    to_read = readable(checks, papers)
    if not to_read or not line.prompt.claims:
        return {}
    if _carried(to_read, runtime):
        return _linked(line, state, checks)
    values = {"claims": _claim_blocks(line), "anchors": _anchor_blocks(to_read, papers)}
    try:
        answer, usage = ask_line_task(services(runtime), READ_ANCHORS, values)
    except AnswerError as exc:
        return failed_step("read_anchors", "reading the anchors (links kept by word overlap)", exc)
    fits = fits_from(answer, to_read, papers, [c.id for c in line.prompt.claims])
    if not fits:
        return {"failed_steps": {"read_anchors": f"reading the anchors (links kept by word overlap) failed: {NO_READING}"}, "usage": usage}
    return {**_linked(line, state, relinked(checks, fits)), "usage": usage}
