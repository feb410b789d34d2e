"""verify_anchors: does each anchor exist, is its title and date the one cited?"""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent.graph.anchoring import link_anchors
from agent.graph.context import RunContext, services
from agent.graph.records import AnchorCheck, ClaimResult, DateCheck
from agent.graph.state import RunState
from agent.line.models import AnchorPaper, FuzzyDate
from agent.sources import compare_titles
from agent.sources.models import Lookup, LookupStatus, Paper, TitleMatch


def _date_check(cited: FuzzyDate, first: Paper) -> DateCheck:
    published = first.published
    same = {
        "year": published.year == cited.value.year,
        "month": (published.year, published.month) == (cited.value.year, cited.value.month),
        "day": published == cited.value,
    }[str(cited.precision)]
    return DateCheck.MATCHES if same else DateCheck.DIFFERS


def _check(anchor: AnchorPaper, found: Lookup, first_version: Lookup | None, claims: list[str]) -> AnchorCheck:
    base = dict(anchor_id=anchor.id, arxiv_id=anchor.arxiv_id, cited_title=anchor.cited_title, cited_date=anchor.cited_date.text, claims=claims)
    if found.status is not LookupStatus.FOUND or found.paper is None:
        return AnchorCheck(status=found.status, error=found.error, **base)
    paper = found.paper
    match, note = compare_titles(anchor.cited_title, paper.title), ""
    if (
        match is TitleMatch.DIFFERENT
        and first_version
        and first_version.paper
        and compare_titles(anchor.cited_title, first_version.paper.title) is not TitleMatch.DIFFERENT
    ):
        match = TitleMatch.CLOSE
        note = f"the cited title is the one version 1 carried; arXiv's current title (v{paper.version or '?'}) is {paper.title!r}"
    return AnchorCheck(
        status=LookupStatus.FOUND,
        title_match=match,
        title_note=note,
        current_title=paper.title,
        first_submitted=paper.published,
        date_check=_date_check(anchor.cited_date, paper),
        **base,
    )


def verify_anchors(state: RunState, runtime: Runtime[RunContext]) -> dict:
    """One batched lookup for all anchors, a second only for titles that changed between versions."""
    line = state["line"]
    anchors = line.prompt.anchors
    links = link_anchors(line.prompt.claims, anchors)
    supports = {a: [c for c, ids in links.items() if a in ids] for a in (x.id for x in anchors)}
    with services(runtime).sending(node="verify_anchors") as source:
        found = source.lookup([a.arxiv_id for a in anchors]) if anchors else {}
        changed = [
            a.arxiv_id
            for a in anchors
            if (hit := found[a.arxiv_id]).paper is not None
            and (hit.paper.version or 1) > 1
            and compare_titles(a.cited_title, hit.paper.title) is TitleMatch.DIFFERENT
        ]
        firsts = source.lookup([f"{i}v1" for i in changed]) if changed else {}
    checks = [_check(a, found[a.arxiv_id], firsts.get(f"{a.arxiv_id}v1"), supports[a.id]) for a in anchors]
    papers = {look.paper.arxiv_id: look.paper for look in found.values() if look.paper is not None}
    results = {c.id: ClaimResult(claim_id=c.id, anchored_by=links[c.id]) for c in line.prompt.claims}
    return {"anchor_checks": checks, "papers": papers, "claim_results": results}
