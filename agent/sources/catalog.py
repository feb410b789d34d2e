"""The paper sources a run can ask, declared once: their keys, limits and whether this environment allows them (issue 19, point 7).

`retest sources` prints this table and `--sources` (Settings.sources) chooses from
it. A key is only ever reported as set or not set: its value is never read into
anything shown. arXiv is always asked (searches and anchors run on it); the
others are asked in a run with citations on, each when its key or policy allows.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from agent.errors import ConfigError
from agent.sources.protocol import SourceName, SourceSkipped

NAMES: tuple[SourceName, ...] = ("arxiv", "semanticscholar", "openalex", "crossref")


@dataclass(frozen=True)
class SourceInfo:
    name: SourceName
    label: str
    keys: tuple[str, ...]
    """Environment variables it reads (keys, or the contact that picks a pool)."""
    limits: str
    uses: str
    needs_key: bool = False


CATALOG: dict[str, SourceInfo] = {
    "arxiv": SourceInfo(
        "arxiv", "arXiv", ("RETEST_CONTACT",), "1 request per 3 s, shared by every Retest process on this machine", "searches, anchor look-ups"
    ),
    "semanticscholar": SourceInfo(
        "semanticscholar",
        "Semantic Scholar",
        ("SEMANTIC_SCHOLAR_API_KEY",),
        "1 request per second; without a key the shared pool, which often answers 429",
        "forward citations, likely sources of unanchored claims",
    ),
    "openalex": SourceInfo(
        "openalex",
        "OpenAlex",
        ("OPENALEX_API_KEY",),
        "a free key is required since 2026-02-13; list calls are metered (about $0.0001 each)",
        "forward citations, is_retracted, likely sources",
        needs_key=True,
    ),
    "crossref": SourceInfo(
        "crossref",
        "Crossref",
        ("RETEST_CONTACT",),
        "5 requests per second (public pool); 10 with an e-mail contact (polite pool)",
        "retraction and correction notices by DOI (never arXiv DOIs), likely sources",
    ),
}


def chosen(value: str) -> set[str]:
    """The sources a `--sources` value names ('auto': all); ConfigError naming an unknown one."""
    names = [n.strip() for n in value.split(",") if n.strip()]
    if not names or names == ["auto"]:
        return set(NAMES)
    unknown = [n for n in names if n not in CATALOG]
    if unknown:
        raise ConfigError(f"--sources: unknown source {unknown[0]!r}", hint=f"Choose from {', '.join(NAMES)} (comma-separated), or auto.")
    return set(names)


def not_chosen(name: SourceName) -> SourceSkipped:
    return SourceSkipped(source=name, reason=f"{CATALOG[name].label} was skipped: --sources leaves it out.", hint=f"Add {name} to --sources to use it.")


def beyond_arxiv(value: str) -> bool:
    """Whether a `--sources` value names a source other than arXiv explicitly (which turns citations on)."""
    return value.strip() != "auto" and bool(chosen(value) - {"arxiv"})


def status(info: SourceInfo, env: Mapping[str, str] | None = None, *, wanted: set[str] | None = None) -> tuple[dict[str, bool], str]:
    """Each of its variables -> set or not (never the value), and whether a run would use it."""
    environ = os.environ if env is None else env
    keys = {key: bool(environ.get(key, "").strip()) for key in info.keys}
    if wanted is not None and info.name not in wanted and info.name != "arxiv":
        return keys, "off (--sources leaves it out)"
    if info.name == "arxiv":
        return keys, "always used"
    if info.needs_key and not any(keys.values()):
        return keys, f"skipped: {info.keys[0]} is not set"
    return keys, "used with --citations"
