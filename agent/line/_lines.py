"""Where each claim and anchor is written, so checks made after parsing can name file and line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from agent.line.arxiv_id import ARXIV_ID_FORMS


@dataclass
class ItemLines:
    """1-based file line of each claim and anchor, by ID; filled in by the readers as they parse.

    Plain text: the claim's or anchor's own line. Markdown: its front matter
    entry, which holds the date and arXiv ID that edits go to.
    """

    claims: dict[str, int] = field(default_factory=dict)
    anchors: dict[str, int] = field(default_factory=dict)

    def where(self, source: str, kind: Literal["claim", "anchor"], item_id: str) -> str:
        """'file:line' for the item, or the file alone when its line is not known."""
        found = (self.claims if kind == "claim" else self.anchors).get(item_id)
        return f"{source}:{found}" if found else source


def malformed_anchor(where: str, anchor_id: str, arxiv_id: str) -> str:
    """The warning both readers give for an anchor whose ID arXiv cannot have issued; the run flags the anchor."""
    return f"{where}: anchor {anchor_id}: {arxiv_id!r} is not a well-formed arXiv ID ({ARXIV_ID_FORMS})"
