"""Citable text: the one normaliser under which arXiv IDs in model or reviewer text are found.

A model (or a page it read) can hide an ID from a plain pattern while it still
renders as the ID: `_2611.99999_` (Markdown emphasis), `2611\\.99999` (a Markdown
escape), `2611&#46;99999` (an HTML entity), `2611．99999` (a full-width dot),
`2611.\\u200b99999` (a zero-width space). `citable_text` undoes all of them, so
the ground check, the report writer and `apply` see the same IDs a reader does:

- HTML entities unescaped (repeatedly: `&amp;#46;` too);
- NFKC (full-width digits and dots, ligatures, mathematical digits);
- invisible format characters (Unicode category Cf: zero-width spaces and
  joiners, soft hyphens, bidi marks, BOM) removed;
- Unicode hyphens and minus signs read as '-' (old-style archives: `hep‐th/…`);
- Markdown backslash escapes undone and emphasis markers (`*`, `_`, `~`, a
  backtick) removed, around tokens and inside them.

The result is for finding IDs, never for display: text with no foreign ID is
kept exactly as written (`scrub_citable`).

DOIs (`10.NNNN/...`, agent.line.doi) are found under the same normaliser
(`cited_dois`). `scrub_citable` checks them only when given the run's verified
DOIs: then a DOI outside that set is removed like a foreign ID, and an arXiv ID
inside a DOI (`10.48550/arXiv.2501.16946`, or a suffix that looks like one) is
judged as part of the DOI, not on its own. Without that set it behaves exactly
as before DOIs were known.
"""

from __future__ import annotations

import html
import re
import unicodedata

from agent.line.arxiv_id import ID_IN_TEXT, ids_in
from agent.line.doi import arxiv_id_of_doi, doi_spans, dois_in

__all__ = ["REMOVED", "citable_text", "cited_dois", "cited_ids", "foreign_dois", "foreign_ids", "scrub_citable"]

REMOVED = "[ungrounded citation removed]"
_BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_EMPHASIS = re.compile(r"[*_~`]")
# Hyphens and minus signs a reader takes for the hyphen of an old-style archive (`hep‐th/9901001`).
_DASHES = {cp: "-" for cp in (0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0xFE58, 0xFE63)}
_ROUNDS = 4  # each round can reveal one more layer of encoding (an escaped entity, an entity for a backslash)


def _once(text: str) -> str:
    text = html.unescape(text)
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = _BACKSLASH_ESCAPE.sub(r"\1", text).translate(_DASHES)
    return _EMPHASIS.sub("", text)


def citable_text(text: str) -> str:
    """`text` as a reader sees its identifiers (see the module docstring)."""
    for _ in range(_ROUNDS):
        folded = _once(text)
        if folded == text:
            break
        text = folded
    return text


def cited_ids(text: str) -> list[str]:
    """Base IDs `text` mentions once normalised, in order, without duplicates."""
    return ids_in(citable_text(text))


def foreign_ids(text: str, allowed: set[str]) -> list[str]:
    """IDs `text` mentions (normalised) that are not in `allowed`."""
    return [i for i in cited_ids(text) if i not in allowed]


def cited_dois(text: str) -> list[str]:
    """Normal-form DOIs `text` mentions once normalised, in order, without duplicates."""
    return dois_in(citable_text(text))


def _doi_allowed(doi: str, allowed: set[str], dois: set[str]) -> bool:
    # Compared under the same normaliser as the text (emphasis markers gone), and an arXiv DOI is its arXiv ID.
    arxiv_id = arxiv_id_of_doi(doi)
    return doi in {citable_text(d).lower() for d in dois} or (arxiv_id is not None and arxiv_id in allowed)


def foreign_dois(text: str, allowed: set[str], dois: set[str]) -> list[str]:
    """DOIs `text` mentions (normalised) that are neither in `dois` nor the arXiv DOI of an ID in `allowed`."""
    return [d for d in cited_dois(text) if not _doi_allowed(d, allowed, dois)]


def scrub_citable(text: str, allowed: set[str], dois: set[str] | None = None) -> tuple[str, list[str]]:
    """`text` with every ID outside `allowed` (and, given `dois`, every DOI outside it) replaced by REMOVED.

    Returns the text and the removed IDs and DOIs. Text without a foreign one comes back unchanged.
    Otherwise the normalised text is scrubbed and returned: the original spelling is what hid it, so it is not kept.
    """
    if dois is not None and doi_spans(citable_text(text)):
        return _scrub_with_dois(text, allowed, dois)
    if not foreign_ids(text, allowed):
        return text, []
    removed: list[str] = []

    def repl(m: re.Match[str]) -> str:
        if m["base"] in allowed:
            return m.group(0)
        removed.append(m["base"])
        return REMOVED

    return ID_IN_TEXT.sub(repl, citable_text(text)), list(dict.fromkeys(removed))


def _scrub_with_dois(text: str, allowed: set[str], dois: set[str]) -> tuple[str, list[str]]:
    """scrub_citable for text that mentions a DOI: DOIs judged whole, IDs judged between them."""
    normal = citable_text(text)
    spans = doi_spans(normal)
    outside = "".join(normal[start:end] for start, end in zip([0] + [e for _, e, _ in spans], [s for s, _, _ in spans] + [len(normal)], strict=True))
    if not foreign_dois(text, allowed, dois) and not [i for i in ids_in(outside) if i not in allowed]:
        return text, []
    removed: list[str] = []
    parts: list[str] = []
    cursor = 0
    for start, end, doi in spans:
        parts.append(_scrub_ids(normal[cursor:start], allowed, removed))
        if _doi_allowed(doi, allowed, dois):
            parts.append(normal[start:end])
        else:
            removed.append(doi)
            parts.append(REMOVED)
        cursor = end
    parts.append(_scrub_ids(normal[cursor:], allowed, removed))
    return "".join(parts), list(dict.fromkeys(removed))


def _scrub_ids(segment: str, allowed: set[str], removed: list[str]) -> str:
    def repl(m: re.Match[str]) -> str:
        if m["base"] in allowed:
            return m.group(0)
        removed.append(m["base"])
        return REMOVED

    return ID_IN_TEXT.sub(repl, segment)
