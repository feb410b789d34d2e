"""Line-numbered paragraphs and slugs: shared by the plain-text reader and writer."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Paragraph:
    """Consecutive non-blank lines; `lineno` is the 1-based number of the first one."""

    lineno: int
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        # The export writes one paragraph per line; a hand-wrapped paragraph is unwrapped.
        return " ".join(self.lines)


def paragraphs(lines: list[str], start: int, end: int) -> list[Paragraph]:
    """Split `lines[start:end]` (already stripped) into paragraphs at blank lines."""
    found: list[Paragraph] = []
    current: list[str] = []
    first = start
    for index in range(start, end):
        if lines[index]:
            if not current:
                first = index
            current.append(lines[index])
        elif current:
            found.append(Paragraph(first + 1, tuple(current)))
            current = []
    if current:
        found.append(Paragraph(first + 1, tuple(current)))
    return found


def slugify(text: str, *, max_length: int = 60) -> str:
    """A file-name-safe slug: ASCII, lower case, hyphens, cut at a word boundary."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug or "line"
