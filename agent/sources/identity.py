"""A source-neutral paper identity: one reference that knows whichever identifiers it has.

A paper reaches a run through several services, each keying it its own way:
arXiv by arXiv ID, Crossref by DOI, Semantic Scholar by its paperId (a 40-hex
sha), OpenAlex by a work ID (`W4381738344`). `PaperRef` holds all four, each in
one normal form (DOI: lower case, no resolver prefix, agent.line.doi; arXiv:
the base ID without version; OpenAlex: the bare `W…` ID, not its URL), so two
references to one paper compare equal on any identifier they share.

arXiv's own DataCite DOI (`10.48550/arXiv.<id>`) and the arXiv ID are the same
fact: each fills in the other, so a paper found by DOI on Semantic Scholar
and by ID on arXiv merges into one reference.
"""

from __future__ import annotations

import re
from typing import Self

from pydantic import BaseModel, ConfigDict, model_validator

from agent.line.arxiv_id import parse_arxiv_id
from agent.line.doi import arxiv_doi, arxiv_id_of_doi, normalise_doi

_OPENALEX = re.compile(r"^(?:https?://openalex\.org/)?(W\d+)$", re.IGNORECASE)
_S2_ID = re.compile(r"^[0-9a-f]{40}$")


def normalise_openalex_id(value: str | None) -> str | None:
    """'https://openalex.org/W4381738344' or 'w4381738344' -> 'W4381738344'; None if not a work ID."""
    match = _OPENALEX.match((value or "").strip())
    return match[1].upper() if match else None


class PaperRef(BaseModel):
    """Identifiers of one paper; at least one is set. Compare with `same_paper`, combine with `merged`."""

    model_config = ConfigDict(frozen=True)

    arxiv_id: str | None = None
    doi: str | None = None
    s2_id: str | None = None
    openalex_id: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        values = dict(data)
        if values.get("doi") is not None:
            values["doi"] = normalise_doi(values["doi"])
            if values["doi"] is None:
                raise ValueError(f"not a DOI: {data['doi']!r} (expected e.g. 10.3386/w34423)")
        if values.get("arxiv_id") is not None:
            parsed = parse_arxiv_id(values["arxiv_id"])
            if parsed is None:
                raise ValueError(f"not an arXiv ID: {data['arxiv_id']!r}")
            values["arxiv_id"] = parsed.base
        if values.get("openalex_id") is not None:
            values["openalex_id"] = normalise_openalex_id(values["openalex_id"])
            if values["openalex_id"] is None:
                raise ValueError(f"not an OpenAlex work ID: {data['openalex_id']!r} (expected e.g. W4381738344)")
        if values.get("s2_id") is not None:
            values["s2_id"] = str(values["s2_id"]).strip().lower()
            if not _S2_ID.match(values["s2_id"]):
                raise ValueError(f"not a Semantic Scholar paperId: {data['s2_id']!r} (40 hex digits)")
        # The arXiv DOI and the arXiv ID are one fact: each fills in the other.
        if values.get("doi") and not values.get("arxiv_id"):
            values["arxiv_id"] = arxiv_id_of_doi(values["doi"])
        if values.get("arxiv_id") and not values.get("doi"):
            values["doi"] = arxiv_doi(values["arxiv_id"])
        if not any(values.get(key) for key in ("arxiv_id", "doi", "s2_id", "openalex_id")):
            raise ValueError("a paper reference needs at least one identifier (arXiv ID, DOI, Semantic Scholar ID or OpenAlex ID)")
        return values

    @property
    def key(self) -> str:
        """One stable name for the paper, by preference arXiv ID, DOI, OpenAlex ID, Semantic Scholar ID."""
        if self.arxiv_id:
            return f"arxiv:{self.arxiv_id}"
        if self.doi:
            return f"doi:{self.doi}"
        if self.openalex_id:
            return f"openalex:{self.openalex_id}"
        return f"s2:{self.s2_id}"

    def identifiers(self) -> set[str]:
        """Every identifier this reference has, each with its scheme ('doi:10.3386/w34423')."""
        pairs = (("arxiv", self.arxiv_id), ("s2", self.s2_id), ("openalex", self.openalex_id))
        return {f"{scheme}:{value}" for scheme, value in pairs if value} | {f"doi:{doi}" for doi in self.dois}

    @property
    def dois(self) -> set[str]:
        """Every DOI the paper is known by: its own and, for an arXiv paper with a journal DOI, arXiv's too."""
        return {doi for doi in (self.doi, arxiv_doi(self.arxiv_id) if self.arxiv_id else None) if doi}

    @property
    def on_arxiv(self) -> bool:
        return self.arxiv_id is not None

    def same_paper(self, other: PaperRef) -> bool:
        """True when the two share any identifier."""
        return bool(self.identifiers() & other.identifiers())

    def merged(self, other: PaperRef) -> Self:
        """This reference with `other`'s identifiers filling its gaps; ValueError if they name different papers."""
        update: dict[str, str] = {}
        for field in ("arxiv_id", "doi", "s2_id", "openalex_id"):
            mine, theirs = getattr(self, field), getattr(other, field)
            if mine and theirs and mine != theirs:
                raise ValueError(f"{self.key} and {other.key} disagree on {field}: {mine} vs {theirs}")
            if theirs and not mine:
                update[field] = theirs
        return type(self).model_validate({**self.model_dump(), **update}) if update else self
