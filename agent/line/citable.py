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
"""

from __future__ import annotations

import html
import re
import unicodedata

from agent.line.arxiv_id import ID_IN_TEXT, ids_in

__all__ = ["REMOVED", "citable_text", "cited_ids", "foreign_ids", "scrub_citable"]

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


def scrub_citable(text: str, allowed: set[str]) -> tuple[str, list[str]]:
    """`text` with every ID outside `allowed` replaced by REMOVED; returns it and the removed IDs.

    Text without a foreign ID comes back unchanged. Otherwise the normalised text is
    scrubbed and returned: the original spelling is what hid the ID, so it is not kept.
    """
    if not foreign_ids(text, allowed):
        return text, []
    removed: list[str] = []

    def repl(m: re.Match[str]) -> str:
        if m["base"] in allowed:
            return m.group(0)
        removed.append(m["base"])
        return REMOVED

    return ID_IN_TEXT.sub(repl, citable_text(text)), list(dict.fromkeys(removed))
