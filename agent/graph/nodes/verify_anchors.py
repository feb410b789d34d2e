"""verify_anchors: does each anchor exist, is its title and date the one cited?

arXiv being unavailable (429s, 503s or timeouts past the retries) leaves
anchors "not checked" and the run goes on: a claim's searches may still get
through, and the report says which anchors nobody could check.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langgraph.runtime import Runtime

from agent.errors import ProviderError
from agent.graph.anchoring import link_anchors
from agent.graph.context import PaperSource, RunContext, run_line, services
from agent.graph.records import AnchorCheck, ClaimResult, DateCheck
from agent.graph.since_last import same_version_check
from agent.graph.state import RunState
from agent.line.models import AnchorPaper, FuzzyDate
from agent.sources import compare_titles
from agent.sources.models import Lookup, LookupStatus, Paper, TitleMatch

UNAVAILABLE = "not checked: arXiv unavailable"


def _date_check(cited: FuzzyDate, first: Paper) -> DateCheck:
    published = first.published
    same = {
        "year": published.year == cited.value.year,
        "month": (published.year, published.month) == (cited.value.year, cited.value.month),
        "day": published == cited.value,
    }[str(cited.precision)]
    return DateCheck.MATCHES if same else DateCheck.DIFFERS


def _check(anchor: AnchorPaper, found: Lookup, first_version: Lookup | None, claims: list[str]) -> AnchorCheck:
    base: dict[str, Any] = dict(anchor_id=anchor.id, arxiv_id=anchor.arxiv_id, cited_title=anchor.cited_title, cited_date=anchor.cited_date.text, claims=claims)
    if anchor.claims:
        base["link_basis"] = "curator"
    if found.status is not LookupStatus.FOUND or found.paper is None:
        return AnchorCheck(status=found.status, error=found.error, **base)
    paper = found.paper
    match, note = compare_titles(anchor.cited_title, paper.title), ""
    if match is TitleMatch.DIFFERENT and first_version and first_version.status is LookupStatus.UNCHECKED:
        note = f"version 1's title {UNAVAILABLE}"
    elif (
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


def _kept(check: AnchorCheck, anchor: AnchorPaper, supports: list[str]) -> AnchorCheck:
    """The last run's check of an unchanged anchor, with today's link: the curator's, the model's it carries, or the word overlap's."""
    if anchor.claims:
        fits = [f for f in check.fits if f.claim_id in anchor.claims] if check.link_basis == "curator" and check.claims == anchor.claims else []
        return check.model_copy(update={"claims": anchor.claims, "link_basis": "curator", "fits": fits})
    if check.link_basis == "model":
        return check
    return check.model_copy(update={"claims": supports, "link_basis": "word overlap", "fits": []})


def _lookup(source: PaperSource, ids: Sequence[str]) -> dict[str, Lookup]:
    """source.lookup, with every ID UNCHECKED when arXiv cannot be reached (a cassette miss still fails the run)."""
    if not ids:
        return {}
    try:
        return source.lookup(ids)
    except ProviderError as exc:
        return {i: Lookup(requested=i, status=LookupStatus.UNCHECKED, error=f"{UNAVAILABLE} ({exc.message})") for i in ids}


def verify_anchors(state: RunState, runtime: Runtime[RunContext]) -> dict:
    """One batched lookup for all anchors, a second only for titles that changed between versions."""
    line = run_line(state, runtime)
    anchors = line.prompt.anchors
    links = link_anchors(line.prompt.claims, anchors)
    supports = {a: [c for c, ids in links.items() if a in ids] for a in (x.id for x in anchors)}
    plan = services(runtime).since_last
    with services(runtime).sending(node="verify_anchors") as source:
        found = _lookup(source, [a.arxiv_id for a in anchors])
        # --since-last: an anchor in the version the last run saw keeps that run's check (no second look-up of its v1).
        kept = {a.id: c for a in anchors if (c := same_version_check(plan, a.id, a.arxiv_id, (a.cited_title, a.cited_date.text), found[a.arxiv_id].paper))}
        changed = [
            a.arxiv_id
            for a in anchors
            if a.id not in kept
            and (hit := found[a.arxiv_id]).paper is not None
            and (hit.paper.version or 1) > 1
            and compare_titles(a.cited_title, hit.paper.title) is TitleMatch.DIFFERENT
        ]
        firsts = _lookup(source, [f"{i}v1" for i in changed])
    checks = [
        # A kept check the model linked keeps its links and fits (read_anchors carries them); the others are linked by word overlap.
        _kept(kept[a.id], a, supports[a.id]) if a.id in kept else _check(a, found[a.arxiv_id], firsts.get(f"{a.arxiv_id}v1"), supports[a.id])
        for a in anchors
    ]
    papers = {look.paper.arxiv_id: look.paper for look in found.values() if look.paper is not None}
    results = {c.id: ClaimResult(claim_id=c.id, anchored_by=links[c.id]) for c in line.prompt.claims}
    return {"anchor_checks": checks, "papers": papers, "claim_results": results}
