"""arXiv identifiers: syntax check and version folding, without any request.

Two schemes exist (https://info.arxiv.org/help/arxiv_identifier.html):
- new style, since April 2007: `YYMM.NNNN` (to 2014) or `YYMM.NNNNN`, e.g. `2501.16946v2`;
- old style: `archive(.SUBJ)/YYMMNNN`, e.g. `hep-th/9901001v1`, `math.GT/0309136`.

The check is about shape only: arXiv itself answers a well-shaped ID that does
not exist (even `0000.0000`) with 200 and zero results, which is MISSING, not
MALFORMED. Archive names are not checked against arXiv's list, so an unknown
archive reaches arXiv and comes back as a 400.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NEW = re.compile(r"^(?P<base>\d{4}\.\d{4,5})(?:v(?P<version>[1-9]\d*))?$")
_OLD = re.compile(r"^(?P<archive>[a-z]+(?:-[a-z]+)*)(?P<subject>\.[A-Z]{2})?/(?P<number>\d{7})(?:v(?P<version>[1-9]\d*))?$")
_PREFIX = re.compile(r"^arxiv:\s*", re.IGNORECASE)


@dataclass(frozen=True)
class ArxivId:
    """A syntactically valid arXiv ID split into its base and optional version."""

    base: str
    version: int | None

    @property
    def canonical(self) -> str:
        """The base as arXiv echoes it in an entry's <id> (subject class dropped)."""
        return self.base


def clean(raw: str) -> str:
    """Strip whitespace and a leading 'arXiv:' as lines write it ('arXiv:2507.13524')."""
    return _PREFIX.sub("", raw.strip())


def parse_arxiv_id(raw: str) -> ArxivId | None:
    """Parse `raw` ('2501.16946v2', 'arXiv:hep-th/9901001'); None if it is not an arXiv ID."""
    text = clean(raw)
    new = _NEW.match(text)
    if new:
        return ArxivId(new["base"], _version(new["version"]))
    old = _OLD.match(text)
    if old:
        # arXiv echoes old-style IDs without the subject class: math.GT/0309136 -> math/0309136.
        return ArxivId(f"{old['archive']}/{old['number']}", _version(old["version"]))
    return None


def fold_version(short_id: str) -> tuple[str, int | None]:
    """Split an ID as arXiv returns it ('2501.16946v2') into ('2501.16946', 2)."""
    parsed = parse_arxiv_id(short_id)
    if parsed is None:
        return clean(short_id), None
    return parsed.base, parsed.version


def _version(text: str | None) -> int | None:
    return int(text) if text else None
