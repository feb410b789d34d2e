"""Export a reviewed run: BibTeX of the papers its accepted proposals cite, or JSON of the whole review."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from agent.errors import InputError
from agent.line.doi import DOI_KEY
from agent.proposals import Evidence
from agent.redact import redact_values
from agent.review.changes import accepted, refuse_foreign_citations
from agent.review.review_run import ReviewRun
from agent.sources.models import Paper

# LaTeX specials that break a BibTeX field when left bare.
_LATEX_SPECIAL = re.compile(r"([&%$#_])")


def cited_papers(review: ReviewRun) -> list[Paper]:
    """Every paper cited as evidence by an accepted or edited proposal, in order of first citation."""
    papers = review.papers
    seen: dict[str, Paper] = {}
    items = accepted(review.proposals, review.decisions)
    # An export is a citation list: it never carries an ID the run did not retrieve (see apply's rule 4).
    refuse_foreign_citations(items, set(papers), review.run.id)
    for item in items:
        for evidence in item.proposal.evidence:
            if evidence.arxiv_id not in seen:
                seen[evidence.arxiv_id] = papers.get(evidence.arxiv_id) or _from_evidence(evidence)
    return list(seen.values())


def _from_evidence(evidence: Evidence) -> Paper:
    """A paper known only through its evidence (ground_check keeps only retrieved ones, so rare)."""
    if evidence.published is None:
        raise InputError(f"arXiv:{evidence.arxiv_id} is cited but was not retrieved in this run, so it has no date to export")
    return Paper(arxiv_id=evidence.arxiv_id, title=evidence.title or evidence.arxiv_id, summary="", published=evidence.published)


def _escape(text: str) -> str:
    # Braces are BibTeX's own grouping: drop them rather than risk an unbalanced field.
    return _LATEX_SPECIAL.sub(r"\\\1", text.replace("{", "").replace("}", ""))


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def citation_key(paper: Paper) -> str:
    """'surname2026firstword', the common arXiv-style key; 'arxiv<ID>' when there is no author."""
    surname = _ascii_word(paper.authors[0].split()[-1]) if paper.authors else ""
    words = [_ascii_word(w) for w in paper.title.split()]
    first = next((w for w in words if len(w) > 3), next((w for w in words if w), ""))
    if not surname:
        scheme = "doi" if paper.arxiv_id.startswith(DOI_KEY) else "arxiv"
        return scheme + re.sub(r"[^0-9a-z]", "", paper.arxiv_id.lower().removeprefix(DOI_KEY))
    return f"{surname}{paper.published.year}{first}"


def bibtex_entry(paper: Paper, key: str) -> str:
    doi = paper.arxiv_id[len(DOI_KEY) :] if paper.arxiv_id.startswith(DOI_KEY) else None
    # A DOI-only paper (a working paper, a journal article) has no eprint: it is cited by its DOI.
    where = (
        [("doi", doi), ("url", f"https://doi.org/{doi}")]
        if doi
        else [
            ("eprint", paper.arxiv_id),
            ("archivePrefix", "arXiv"),
            *([("primaryClass", paper.primary_category)] if paper.primary_category else []),
            ("url", paper.url),
        ]
    )
    fields = [
        ("title", "{" + _escape(paper.title) + "}"),
        ("author", " and ".join(_escape(a) for a in paper.authors) or "Unknown"),
        ("year", str(paper.published.year)),
        *where,
    ]
    body = ",\n".join(f"  {name:<13} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}\n"


def to_bibtex(review: ReviewRun) -> str:
    """One @misc entry per cited paper; keys made unique with a, b, ... suffixes."""
    entries: list[str] = []
    used: set[str] = set()
    for paper in cited_papers(review):
        key = base = citation_key(paper)
        suffix = iter("bcdefghijklmnopqrstuvwxyz")
        while key in used:
            key = base + next(suffix)
        used.add(key)
        entries.append(bibtex_entry(paper, key))
    return "\n".join(entries)


def to_json(review: ReviewRun) -> str:
    """The run, each proposal with the decision in force (null while pending), and the cited papers."""
    decisions = review.decisions
    payload: dict[str, Any] = {
        # Exports are shared: no password from a model URL, even in a run saved before they were redacted.
        "run": redact_values(review.run.model_dump(mode="json")),
        "pending": review.pending,
        "proposals": [
            {**p.model_dump(mode="json"), "decision": decisions[p.id].model_dump(mode="json") if p.id in decisions else None} for p in review.proposals
        ],
        "cited_papers": [p.model_dump(mode="json") | {"url": p.url} for p in cited_papers(review)],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
