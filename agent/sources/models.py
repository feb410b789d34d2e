"""What the sources room hands to the rest of Retest: papers and lookups."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from agent.errors import InputError

# The API endpoint arxiv.Client queries; a benchmark or a mirror may stand in for it.
# Here, not in query.py, so that settings can name it without loading the arxiv package.
ARXIV_API_URL = "https://export.arxiv.org/api/query"


class Paper(BaseModel):
    """One arXiv paper as retrieved in this run (versions folded)."""

    model_config = ConfigDict(frozen=True)

    arxiv_id: str = Field(description="Base ID without version, e.g. '2501.16946'.")
    version: int | None = Field(default=None, description="Version seen in the response, e.g. 2 for 'v2'.")
    title: str
    summary: str = Field(description="The abstract as arXiv returned it. Untrusted text.")
    authors: list[str] = Field(default_factory=list)
    published: dt.date = Field(description="First submission date (v1).")
    updated: dt.date | None = None
    primary_category: str | None = None

    @property
    def url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"


class LookupStatus(StrEnum):
    FOUND = "found"
    MISSING = "missing"  # well-formed ID, arXiv answers 200 with zero results
    MALFORMED = "malformed"  # arXiv answers 400 with an error entry, or the ID fails the syntax check
    UNCHECKED = "unchecked"  # the lookup failed (arXiv unavailable): nothing is known about the ID


class Lookup(BaseModel):
    """The result of looking one ID up."""

    model_config = ConfigDict(frozen=True)

    requested: str
    status: LookupStatus
    paper: Paper | None = None
    error: str | None = None


class TitleMatch(StrEnum):
    EXACT = "exact"
    CLOSE = "close"
    DIFFERENT = "different"


EMPTY_QUERY = "the query is empty"


class QueryRejected(InputError):
    """A search query arXiv refused (HTTP 400: it validates queries) or that was empty, so never sent.

    An InputError: typed at `retest arxiv search`, it is the user's to fix. A
    graph node catches it to mark one model-written query failed. `reason` is
    arXiv's own message (or EMPTY_QUERY).
    """

    def __init__(self, query: str, reason: str) -> None:
        if reason == EMPTY_QUERY:
            super().__init__("the search query is empty", hint='Give search terms, e.g. retest arxiv search "AI bargaining power".')
        else:
            super().__init__(
                f"arXiv rejected the search query {query!r}: {reason}",
                hint="Check the query syntax: fields like ti:, abs:, au:, cat:; AND, OR and ANDNOT group from the right, so parenthesise each part.",
            )
        self.query = query
        self.reason = reason
