"""find_contradictions: the strongest recent work against the line, newest first.

No model call: the screener already gave every finding a stance, a quote and a
confidence; this node ranks what contradicts inside the prompt's window.
"""

from __future__ import annotations

import datetime as dt

from langgraph.runtime import Runtime

from agent.graph.context import RunContext, services
from agent.graph.records import Contradiction, Stance
from agent.graph.state import RunState


def months_before(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    return dt.date(year, month + 1, min(day.day, 28))


def find_contradictions(state: RunState, runtime: Runtime[RunContext]) -> dict:
    since = months_before(state["run_date"], services(runtime).contradiction_months)
    papers = state.get("papers", {})
    best: dict[str, Contradiction] = {}
    for result in state.get("claim_results", {}).values():
        for f in result.findings:
            paper = papers.get(f.arxiv_id)
            if f.stance is not Stance.CONTRADICTS or paper is None or paper.published < since:
                continue
            found = Contradiction(
                claim_id=f.claim_id, arxiv_id=f.arxiv_id, title=paper.title, published=paper.published, quote=f.quote, confidence=f.confidence
            )
            if f.arxiv_id not in best or found.confidence > best[f.arxiv_id].confidence:
                best[f.arxiv_id] = found
    ranked = sorted(best.values(), key=lambda c: (c.published, c.confidence), reverse=True)
    return {"contradictions": ranked}
