"""One paper as the local index holds it: the contract between the readers, the engine and the stand-in."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class IndexRecord(BaseModel):
    """An arXiv paper's descriptive metadata (CC0), at its current version.

    `published` is the first version's submission time and `updated` the
    current version's, both UTC, as arXiv's Atom feed states them; arXiv's
    `submittedDate` filter and sort work on `published`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(description="arXiv ID without version, e.g. 2501.16946 or hep-th/9901001.")
    version: int = Field(ge=1, description="The current version.")
    title: str
    abstract: str
    authors: list[str] = Field(default_factory=list, description="Full names, in order.")
    categories: list[str] = Field(default_factory=list, description="Primary category first, then cross-lists.")
    published: dt.datetime = Field(description="First version's submission time (UTC).")
    updated: dt.datetime = Field(description="Current version's submission time (UTC).")
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    dates_estimated: bool = Field(default=False, description="True when the source only gave a listing date, not arXiv's own timestamps.")

    @property
    def primary_category(self) -> str | None:
        return self.categories[0] if self.categories else None
