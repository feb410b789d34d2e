"""Forward citations as candidates (issue 19): the papers citing a claim's anchors within its re-test window.

Called by the search node only when the run has a citation service (`--citations`),
so a run without it sends nothing but arXiv's requests. Each citing work becomes a
`Paper` for screening: one with an arXiv ID under that ID, a DOI-only one under
`doi:<doi>` (its abstract from the source; screening needs one, so a work without
an abstract is skipped and counted). Every DOI a source returned is recorded as
verified, so a proposal may cite it (the ground check). A source failing (Semantic
Scholar's shared pool answering 429 throughout, say) is recorded for the report
and leaves the claim's arXiv search as it was; a cassette miss still ends the run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from agent.errors import ConfigError, ProviderError
from agent.graph.context import CitationService
from agent.line.arxiv_id import parse_arxiv_id
from agent.line.doi import DOI_KEY, normalise_doi
from agent.sources.identity import PaperRef
from agent.sources.models import Paper
from agent.sources.protocol import Work


@dataclass
class CitationFind:
    """What the citation searches of one claim found."""

    papers: list[Paper] = field(default_factory=list)
    verified_dois: dict[str, str] = field(default_factory=dict)
    searches: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    anchor_notices: dict[str, str] = field(default_factory=dict)
    """Anchor (as the line writes it) -> the retraction or correction notices a checker holds for it."""


def anchor_ref(anchor: str) -> PaperRef | None:
    """A line's anchor (an arXiv ID, or a DOI) as a reference; None for anything else."""
    parsed = parse_arxiv_id(anchor)
    if parsed is not None:
        return PaperRef(arxiv_id=parsed.base)
    doi = normalise_doi(anchor)
    return PaperRef(doi=doi) if doi else None


def as_paper(work: Work) -> Paper | None:
    """A citing work as a screenable Paper; None without an abstract or a date to window it by."""
    if not (work.abstract or "").strip() or not work.title:
        return None
    published = work.published or (dt.date(work.year, 1, 1) if work.year else None)
    if published is None:
        return None
    key = work.ref.arxiv_id or (f"{DOI_KEY}{work.ref.doi}" if work.ref.doi else None)
    if key is None:
        return None  # neither an arXiv ID nor a DOI: nothing a proposal could cite
    return Paper(arxiv_id=key, title=work.title, summary=work.abstract or "", authors=work.authors, published=published)


def citing_papers(service: CitationService, claim_id: str, anchors: list[str], since: dt.date, until: dt.date) -> CitationFind:
    """Papers citing each anchor, published in [since, until], from every citation source; see the module docstring."""
    found = CitationFind(skipped={s.source: s.reason for s in service.skipped})
    seen: set[str] = set()
    for anchor in anchors:
        ref = anchor_ref(anchor)
        if ref is None:
            continue
        _check_anchor(service, anchor, ref, found)
        for source in service.sources:
            asked = f"{claim_id}: papers citing {anchor} from {since.isoformat()} to {until.isoformat()} ({source.name})"
            try:
                works = source.citing(ref, since=since, until=until, limit=service.limit)
            except (ProviderError, ConfigError) as exc:
                found.searches[asked] = f"failed: {exc.message}"
                continue
            kept = no_abstract = 0
            for work in works:
                for doi in work.ref.dois:
                    found.verified_dois.setdefault(doi, source.name)
                paper = as_paper(work)
                if paper is None:
                    no_abstract += 1
                    continue
                if paper.arxiv_id not in seen:
                    seen.add(paper.arxiv_id)
                    found.papers.append(paper)
                    kept += 1
            found.searches[asked] = f"{len(works)} citing in the window, {kept} new candidates, {no_abstract} skipped without an abstract"
    return found


def notice_text(work: Work) -> str | None:
    """What a checker says against a work: retracted, and each notice; None when it says nothing."""
    parts = [
        f"{'retracted' if n.is_retraction else n.kind} ({', '.join(x for x in (n.notice_doi, n.source, n.date and n.date.isoformat()) if x)})"
        for n in work.notices
    ]
    if work.retracted and not any(n.is_retraction for n in work.notices):
        parts.insert(0, f"retracted ({work.source}: is_retracted)")
    return "; ".join(parts) or None


def _check_anchor(service: CitationService, anchor: str, ref: PaperRef, found: CitationFind) -> None:
    """Ask each checker about the anchor; what it resolved is verified, what it holds against it is noted."""
    for checker in service.checkers:
        try:
            work = checker.resolve(ref)
        except (ProviderError, ConfigError) as exc:
            found.searches[f"retraction check of {anchor} ({checker.name})"] = f"failed: {exc.message}"
            continue
        if work is None:
            continue
        for doi in work.ref.dois:
            found.verified_dois.setdefault(doi, checker.name)
        said = notice_text(work)
        if said:
            found.anchor_notices[anchor] = "; ".join(x for x in (found.anchor_notices.get(anchor), f"{checker.name}: {said}") if x)
