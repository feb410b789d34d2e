"""DOI syntax: the one module that knows what a DOI looks like (beside `arxiv_id.py` for arXiv IDs).

A DOI is `10.<registrant>/<suffix>` (ISO 26324; Crossref's and DataCite's
registrants are four to nine digits). DOIs are case-insensitive, so the one
normal form here is lower case, without a resolver prefix (`https://doi.org/`,
`http://dx.doi.org/`) or a `doi:` label, percent-escapes decoded, e.g.
`https://doi.org/10.3386/W34423` -> `10.3386/w34423`.

arXiv registers a DataCite DOI for every paper, `10.48550/arXiv.<id>`:
`arxiv_doi` and `arxiv_id_of_doi` convert, so a paper known by one is known by both.

Two readings, as for arXiv IDs:
- `normalise_doi`: strict, for what a source or a line gives as a DOI (None if it is not one);
- `DOI_IN_TEXT`, `dois_in`: for DOIs in free text such as model output. A suffix runs to
  whitespace, a quote or an angle bracket; sentence punctuation after it is not part of it,
  nor is a closing bracket it did not open.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from agent.line.arxiv_id import parse_arxiv_id

ARXIV_DOI_PREFIX = "10.48550/arxiv."
_REGISTRANT = r"10\.\d{4,9}"
_DOI = re.compile(rf"{_REGISTRANT}/\S+")
_RESOLVER = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
# Loose: any case; the suffix is every character up to whitespace, a quote, an angle bracket or a backslash.
DOI_IN_TEXT = re.compile(rf"\b{_REGISTRANT}/[^\s\"'<>\\]+", re.IGNORECASE)
_TRAILING = ".,;:!?"
_PAIRS = {")": "(", "]": "[", "}": "{"}


def normalise_doi(text: str | None) -> str | None:
    """`text` as a normal-form DOI (see the module docstring), or None when it is not a DOI."""
    if not text:
        return None
    value = _RESOLVER.sub("", unquote(text.strip())).strip().lower()
    return value if _DOI.fullmatch(value) else None


def _trim(match: str) -> str:
    """Drop sentence punctuation and unopened closing brackets a DOI in prose is followed by."""
    while match:
        last = match[-1]
        if last in _TRAILING or (last in _PAIRS and match.count(_PAIRS[last]) < match.count(last)):
            match = match[:-1]
            continue
        break
    return match


def doi_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, normalised DOI) for each DOI in free text, in order."""
    spans = []
    for m in DOI_IN_TEXT.finditer(text):
        raw = _trim(m.group(0))
        doi = normalise_doi(raw)
        if doi is not None:
            spans.append((m.start(), m.start() + len(raw), doi))
    return spans


def dois_in(text: str) -> list[str]:
    """Normal-form DOIs mentioned in free text, in order, without duplicates."""
    return list(dict.fromkeys(doi for _, _, doi in doi_spans(text)))


def arxiv_doi(arxiv_id: str) -> str:
    """The DataCite DOI arXiv registered for a base ID, in normal form: '2501.16946' -> '10.48550/arxiv.2501.16946'."""
    return f"{ARXIV_DOI_PREFIX}{arxiv_id.lower()}"


def arxiv_id_of_doi(doi: str) -> str | None:
    """The arXiv base ID behind an arXiv DOI (any case, any prefix), else None."""
    normal = normalise_doi(doi)
    if normal is None or not normal.startswith(ARXIV_DOI_PREFIX):
        return None
    suffix = normal[len(ARXIV_DOI_PREFIX) :]
    # Lower case loses an old-style subject class (math.GT/0309136): restore it before parsing.
    parsed = parse_arxiv_id(re.sub(r"\.([a-z]{2})/", lambda m: f".{m[1].upper()}/", suffix))
    return parsed.base if parsed else None


DOI_KEY = "doi:"  # how a paper known only by its DOI is keyed among a run's papers (arXiv papers by their ID)


def cite_key(key: str) -> str:
    """How a run's paper key is cited to a reader or a model: `arXiv:2501.16946`, or `doi:10.3386/w34423` for a DOI-only paper."""
    return key if key.startswith(DOI_KEY) else f"arXiv:{key}"
