"""Finding arXiv IDs in free text, and removing the ones a run cannot ground."""

from __future__ import annotations

import re

# New-style IDs (with optional arXiv: prefix and version) and old-style archive/number IDs.
ARXIV_ID = re.compile(r"(?:arXiv:\s*)?\b(\d{4}\.\d{4,5}|[a-z][a-z-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?\b", re.I)
REMOVED = "[ungrounded citation removed]"


def ids_in(text: str) -> list[str]:
    """Base IDs mentioned in text, in order, without duplicates."""
    return list(dict.fromkeys(m.group(1) for m in ARXIV_ID.finditer(text)))


def scrub(text: str, allowed: set[str]) -> tuple[str, list[str]]:
    """Replace every mention of an ID outside `allowed`; returns the new text and the removed IDs."""
    removed: list[str] = []

    def repl(m: re.Match[str]) -> str:
        if m.group(1) in allowed:
            return m.group(0)
        removed.append(m.group(1))
        return REMOVED

    return ARXIV_ID.sub(repl, text), list(dict.fromkeys(removed))
