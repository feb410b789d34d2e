"""Shape check for arXiv IDs as anchors cite them (no request is made)."""

from __future__ import annotations

import re

ARXIV_ID_FORMS = "new style 2507.13524 or 0704.0001 (optional v2), old style hep-th/9901001 or math.GT/0309136"

_NEW = re.compile(r"\d{4}\.\d{4,5}(?:v[1-9]\d*)?", re.ASCII)
_OLD = re.compile(r"[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7}(?:v[1-9]\d*)?", re.ASCII)


def is_arxiv_id(text: str) -> bool:
    """True for a well-formed new- or old-style arXiv ID without the 'arXiv:' prefix."""
    return bool(_NEW.fullmatch(text) or _OLD.fullmatch(text))
