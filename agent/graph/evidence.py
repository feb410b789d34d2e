"""Evidence text: quotes checked against abstracts, papers as data blocks, unverifiable IDs scrubbed.

Shared by the nodes that screen, judge, draft and ground-check, and by the
evaluation's scorers; no node module imports another node module for these.
The ID finder itself is agent.line.arxiv_id's.
"""

from __future__ import annotations

import re

from agent.line.arxiv_id import ID_IN_TEXT, base_id, ids_in
from agent.prompts import data_block, join_blocks
from agent.sources.models import Paper

__all__ = ["REMOVED", "base_id", "ids_in", "normalise_space", "paper_blocks", "quote_in", "scrub"]

REMOVED = "[ungrounded citation removed]"
_SPACE = re.compile(r"\s+")


def normalise_space(text: str) -> str:
    """Runs of whitespace as one space, trimmed."""
    return _SPACE.sub(" ", text).strip()


def quote_in(quote: str, abstract: str) -> bool:
    """A quote counts only if it is an exact substring of the abstract, whitespace aside."""
    q = normalise_space(quote)
    return bool(q) and q in normalise_space(abstract)


def paper_blocks(papers: list[Paper]) -> str:
    """Papers as delimited data blocks: their abstracts are untrusted text, never instructions."""
    return join_blocks([data_block(f"arXiv:{p.arxiv_id}", f"Title: {p.title}\nSubmitted: {p.published.isoformat()}\nAbstract: {p.summary}") for p in papers])


def scrub(text: str, allowed: set[str]) -> tuple[str, list[str]]:
    """Replace every mention of an ID outside `allowed`; returns the new text and the removed IDs."""
    removed: list[str] = []

    def repl(m: re.Match[str]) -> str:
        if m["base"] in allowed:
            return m.group(0)
        removed.append(m["base"])
        return REMOVED

    return ID_IN_TEXT.sub(repl, text), list(dict.fromkeys(removed))
