"""Compare a cited title with the one arXiv shows now.

Both titles are normalised first (case, LaTeX braces and commands, unicode
dashes and quotes, punctuation, whitespace), then:
- EXACT when the normalised strings are equal;
- CLOSE when rapidfuzz's token_sort_ratio is at least CLOSE_THRESHOLD: small
  edits such as a changed word order, a dropped article or a typo;
- DIFFERENT otherwise, e.g. a paper renamed between versions.

CLOSE_THRESHOLD = 90 was chosen on real pairs (see tests/sources/test_titles.py):
a title with one word changed or dropped from a long title scores 94-99, while 2306.14694's
renamed title ("DR-HAI: ..." vs "Dialectical Reconciliation via ...") scores
about 63.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz

from agent.sources.models import TitleMatch

CLOSE_THRESHOLD = 90.0

_LATEX_COMMAND = re.compile(r"\\[a-zA-Z]+\*?")
_LATEX_ACCENT = re.compile(r"\\[\'\"`^~=.]")
_NON_WORD = re.compile(r"[^\w\s]")
_SPACE = re.compile(r"\s+")


def normalise_title(title: str) -> str:
    """Lower-case, de-LaTeX and de-punctuate a title so formatting differences vanish."""
    # NFKD splits accents off their letters, so "naïve" and LaTeX's na\"{i}ve both end as "naive".
    text = "".join(ch for ch in unicodedata.normalize("NFKD", title) if not unicodedata.combining(ch))
    text = _LATEX_COMMAND.sub(" ", text)
    text = _LATEX_ACCENT.sub("", text)
    # LaTeX braces only group ("{B}ERT", "na\\"{i}ve"): drop them without splitting the word.
    text = text.replace("{", "").replace("}", "")
    # Every non-word character, unicode dashes and quotes included, becomes a space.
    text = _NON_WORD.sub(" ", text.casefold())
    return _SPACE.sub(" ", text).strip()


def compare_titles(cited: str, current: str) -> TitleMatch:
    """EXACT, CLOSE or DIFFERENT, as described in the module docstring."""
    left, right = normalise_title(cited), normalise_title(current)
    if left == right:
        return TitleMatch.EXACT
    if fuzz.token_sort_ratio(left, right) >= CLOSE_THRESHOLD:
        return TitleMatch.CLOSE
    return TitleMatch.DIFFERENT
