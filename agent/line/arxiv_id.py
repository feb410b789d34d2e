"""arXiv identifier syntax: the one module that knows what an arXiv ID looks like.

Two schemes exist (https://info.arxiv.org/help/arxiv_identifier.html):
- new style, since April 2007: `YYMM.NNNN` (to 2014) or `YYMM.NNNNN`, e.g. `2501.16946v2`;
- old style: `archive(.SUBJ)/YYMMNNN`, e.g. `hep-th/9901001v1`, `math.GT/0309136`.
Either may carry a version `vN` and be written after an `arXiv:` prefix.

What a line may cite (`is_arxiv_id`) is checked for shape and calendar: an ID
arXiv cannot have issued is malformed (month 00 or 13; new style before 0704,
when that scheme began; four digits after the dot from 1501 on, five before).
Lookups (`parse_arxiv_id`) check shape only: arXiv answers an impossible month
with a 400, which the source reports as MALFORMED, and recorded runs hold those
requests. A possible ID that does not exist is answered with 200 and zero
results: MISSING, not MALFORMED. Archive names are not checked against arXiv's
list, so an unknown archive reaches arXiv and comes back as a 400.

Three readings, because their jobs differ:
- `is_arxiv_id`, `parse_arxiv_id`: strict, for what a line may cite and what is worth asking arXiv for;
- `ID_IN_TEXT`, `ids_in`: loose, for IDs in free text such as model output. Any case,
  any version number and hyphenated archive spellings count, so the ground check removes
  whatever looks like a citation instead of letting an odd spelling through;
- `base_id`: never refuses, for comparing an ID a model echoed with `Paper.arxiv_id`.

Patterns that contain an ID (anchor lines) are built from the strings here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ARXIV_ID_FORMS = "new style 2507.13524 or 0704.0001 (optional v2), old style hep-th/9901001 or math.GT/0309136"

# The prefix as lines write it. It has no regex metacharacters, so patterns may embed it as is.
PREFIX = "arXiv:"
NEW_BASE = r"\d{4}\.\d{4,5}"
OLD_ARCHIVE = r"[a-z]+(?:-[a-z]+)*"
SUBJECT_CLASS = r"\.[A-Z]{2}"
OLD_NUMBER = r"\d{7}"
VERSION_NUMBER = r"[1-9]\d*"
# The free-text finder's looser parts: a letter then letters or hyphens (two or more in all), any version number.
LOOSE_ARCHIVE = r"[a-z][a-z-]+"
ANY_VERSION = r"v\d+"

_NEW = re.compile(rf"(?P<base>{NEW_BASE})(?:v(?P<version>{VERSION_NUMBER}))?")
_OLD = re.compile(rf"(?P<archive>{OLD_ARCHIVE})(?P<subject>{SUBJECT_CLASS})?/(?P<number>{OLD_NUMBER})(?:v(?P<version>{VERSION_NUMBER}))?")
_PREFIX = re.compile(rf"^{PREFIX}\s*", re.IGNORECASE)
_TRAILING_VERSION = re.compile(rf"{ANY_VERSION}$")

# Group 1 (`base`) is the ID without prefix and version; an old-style subject class stays in it.
ID_IN_TEXT = re.compile(rf"(?:{PREFIX}\s*)?\b(?P<base>{NEW_BASE}|{LOOSE_ARCHIVE}(?:{SUBJECT_CLASS})?/{OLD_NUMBER})(?:{ANY_VERSION})?\b", re.IGNORECASE)


@dataclass(frozen=True)
class ArxivId:
    """A syntactically valid arXiv ID split into its base and optional version."""

    base: str
    version: int | None


def clean(raw: str) -> str:
    """Strip whitespace and a leading 'arXiv:' as lines write it ('arXiv:2507.13524')."""
    return _PREFIX.sub("", raw.strip())


def is_arxiv_id(text: str) -> bool:
    """True for a well-formed new- or old-style arXiv ID as written: no 'arXiv:' prefix, no surrounding space."""
    # Lines have always been held to ASCII digits; lookups (parse_arxiv_id) still take any Unicode digit.
    return text.isascii() and _split(text, calendar=True) is not None


def parse_arxiv_id(raw: str) -> ArxivId | None:
    """Parse `raw` ('2501.16946v2', 'arXiv:hep-th/9901001'); None if it is not an arXiv ID."""
    return _split(clean(raw), calendar=False)


def fold_version(short_id: str) -> tuple[str, int | None]:
    """Split an ID as arXiv returns it ('2501.16946v2') into ('2501.16946', 2)."""
    parsed = parse_arxiv_id(short_id)
    if parsed is None:
        return clean(short_id), None
    return parsed.base, parsed.version


def base_id(raw: str) -> str:
    """'arXiv:2501.16946v2' -> '2501.16946'; anything else comes back trimmed, never refused.

    Only the spellings 'arXiv:' and 'arxiv:' are taken off, and a subject class stays:
    the result is compared with `Paper.arxiv_id` and reported as written when it differs.
    """
    text = raw.strip().removeprefix(PREFIX).removeprefix(PREFIX.lower())
    return _TRAILING_VERSION.sub("", text)


def ids_in(text: str) -> list[str]:
    """Base IDs mentioned in free text (see ID_IN_TEXT), in order, without duplicates."""
    return list(dict.fromkeys(m["base"] for m in ID_IN_TEXT.finditer(text)))


def _split(text: str, *, calendar: bool) -> ArxivId | None:
    new = _NEW.fullmatch(text)
    if new:
        possible = not calendar or _new_style_possible(new["base"])
        return ArxivId(new["base"], _version(new["version"])) if possible else None
    old = _OLD.fullmatch(text)
    if old and (not calendar or _month_possible(old["number"][2:4])):
        # arXiv echoes old-style IDs without the subject class: math.GT/0309136 -> math/0309136.
        return ArxivId(f"{old['archive']}/{old['number']}", _version(old["version"]))
    return None


# New-style IDs began in April 2007 with four digits per month; from January 2015 on they have five.
_NEW_STYLE_FROM, _FIVE_DIGITS_FROM = 704, 1501


def _new_style_possible(base: str) -> bool:
    yymm, number = base.split(".")
    if not _month_possible(yymm[2:]) or int(yymm) < _NEW_STYLE_FROM:
        return False
    return len(number) == (5 if int(yymm) >= _FIVE_DIGITS_FROM else 4)


def _month_possible(mm: str) -> bool:
    return 1 <= int(mm) <= 12


def _version(text: str | None) -> int | None:
    return int(text) if text else None
