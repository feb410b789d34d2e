"""The paper-source protocol: what every source (arXiv, Semantic Scholar, OpenAlex, Crossref) hands back.

A source answers with `Work`s: a `PaperRef` (every identifier the source
knows), the metadata a screen or a report shows, and what the source says about
retraction and correction. Each source does what its service can: all resolve
a reference; Semantic Scholar and OpenAlex also list the papers that cite one
(`CitationSource`); arXiv and Semantic Scholar also search. A source whose key
or policy does not allow it this run says so with a `SourceSkipped` instead of
failing, so the report can show what was not consulted.

arXiv stays one source among several: `ArxivWorks` wraps the existing
`ArxivSource` (its cache, limiter and lookups unchanged) behind the protocol.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from agent.sources.arxiv_source import ArxivSource
from agent.sources.identity import PaperRef
from agent.sources.models import LookupStatus, Paper

SourceName = Literal["arxiv", "semanticscholar", "openalex", "crossref"]


class UpdateNotice(BaseModel):
    """A retraction, correction or other notice about a work (Crossref `updated-by`/`update-to`, OpenAlex `is_retracted`)."""

    model_config = ConfigDict(frozen=True)

    kind: str = Field(description="The notice's type as the source gives it: retraction, correction, erratum, expression_of_concern, ...")
    notice_doi: str | None = Field(default=None, description="DOI of the notice itself (normal form).")
    label: str | None = None
    source: str | None = Field(default=None, description="Who recorded it: 'publisher', 'retraction-watch', ...")
    date: dt.date | None = None
    record_id: str | None = Field(default=None, description="Retraction Watch record ID, when the notice comes from it.")

    @property
    def is_retraction(self) -> bool:
        return self.kind.lower() in {"retraction", "removal", "withdrawal"}


class Work(BaseModel):
    """One paper as one source returned it in this run."""

    model_config = ConfigDict(frozen=True)

    ref: PaperRef
    source: SourceName
    title: str | None = None
    abstract: str | None = Field(default=None, description="As the source returned it. Untrusted text.")
    authors: list[str] = Field(default_factory=list)
    published: dt.date | None = Field(default=None, description="Publication date; None when the source gives only a year or nothing.")
    year: int | None = None
    venue: str | None = None
    url: str | None = None
    retracted: bool | None = Field(default=None, description="True/False when the source says; None when it does not know.")
    notices: list[UpdateNotice] = Field(default_factory=list, description="Notices about this work (Crossref `updated-by`): retractions, corrections.")
    amends: list[UpdateNotice] = Field(
        default_factory=list, description="When this work is itself a notice (Crossref `update-to`): the works it retracts or corrects, by notice_doi."
    )

    def in_window(self, since: dt.date | None, until: dt.date | None) -> bool | None:
        """Whether the work was published within [since, until]; None when its date is unknown (a year is judged by its whole span)."""
        if since is None and until is None:
            return True
        if self.published is not None:
            first = last = self.published
        elif self.year is not None:
            first, last = dt.date(self.year, 1, 1), dt.date(self.year, 12, 31)
        else:
            return None
        if (since and last < since) or (until and first > until):
            return False
        if (since and first < since) or (until and last > until):
            return None  # only the year is known and it straddles the window's edge
        return True


class SourceSkipped(BaseModel):
    """A source not consulted this run, and why (for the report)."""

    model_config = ConfigDict(frozen=True)

    source: SourceName
    reason: str
    hint: str | None = None


@runtime_checkable
class PaperSource(Protocol):
    """Resolves references to works. `None` means the source answered and has no such paper."""

    name: SourceName

    def resolve(self, ref: PaperRef) -> Work | None: ...


@runtime_checkable
class CitationSource(Protocol):
    """Lists the works that cite a paper, published within a window."""

    name: SourceName

    def citing(self, ref: PaperRef, *, since: dt.date | None = None, until: dt.date | None = None, limit: int = 100) -> list[Work]: ...


@runtime_checkable
class SearchSource(Protocol):
    """Finds works by search terms, published within a window (Semantic Scholar, Crossref, OpenAlex)."""

    name: SourceName

    def search(self, query: str, *, since: dt.date | None = None, until: dt.date | None = None, limit: int = 25) -> list[Work]: ...


def work_from_arxiv(paper: Paper) -> Work:
    """An arXiv paper as a Work (its arXiv DOI filled in by the reference)."""
    return Work(
        ref=PaperRef(arxiv_id=paper.arxiv_id),
        source="arxiv",
        title=paper.title,
        abstract=paper.summary,
        authors=paper.authors,
        published=paper.published,
        year=paper.published.year,
        url=paper.url,
    )


class ArxivWorks:
    """The existing ArxivSource behind the protocol: references with an arXiv ID (or arXiv DOI) resolve; others are not arXiv's."""

    name: SourceName = "arxiv"

    def __init__(self, source: ArxivSource) -> None:
        self._source = source

    def resolve(self, ref: PaperRef) -> Work | None:
        if ref.arxiv_id is None:
            return None
        # ArxivSource raises ProviderError when arXiv cannot be asked, so a lookup here is an answer.
        lookup = self._source.lookup([ref.arxiv_id])[ref.arxiv_id]
        return work_from_arxiv(lookup.paper) if lookup.status is LookupStatus.FOUND and lookup.paper is not None else None


def verified_dois(works: Iterable[Work | None]) -> set[str]:
    """DOIs of works some source returned in this run: the DOIs a ground check may accept."""
    return {doi for work in works if work is not None for doi in work.ref.dois}


def merge_works(works: Sequence[Work]) -> PaperRef:
    """One reference with every identifier the works share about one paper (ValueError if they disagree)."""
    if not works:
        raise ValueError("no works to merge")
    ref = works[0].ref
    for work in works[1:]:
        ref = ref.merged(work.ref)
    return ref
