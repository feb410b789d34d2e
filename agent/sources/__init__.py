"""The sources room: arXiv search and ID lookups, rate-limited (machine-wide), retried and cached.

Example:
    from agent.store import Store
    from agent.sources import ArxivSource

    source = ArxivSource(Store.open())
    papers = source.search("AI bargaining power", since=date(2025, 1, 1), until=None)
    lookups = source.lookup(["2501.16946", "2306.14694"])
"""

from typing import TYPE_CHECKING

from agent._lazy import lazy_exports

if TYPE_CHECKING:  # the real names, for type checkers
    from agent.line.arxiv_id import ArxivId, fold_version, parse_arxiv_id
    from agent.sources.arxiv_source import ArxivSource
    from agent.sources.models import Lookup, LookupStatus, Paper, QueryRejected, TitleMatch
    from agent.sources.ratelimit import RateLimiter, default_limiter
    from agent.sources.titles import CLOSE_THRESHOLD, compare_titles, normalise_title

_EXPORTS = {
    "ArxivSource": "agent.sources.arxiv_source",
    "ArxivId": "agent.line.arxiv_id",
    "fold_version": "agent.line.arxiv_id",
    "parse_arxiv_id": "agent.line.arxiv_id",
    "Lookup": "agent.sources.models",
    "LookupStatus": "agent.sources.models",
    "Paper": "agent.sources.models",
    "QueryRejected": "agent.sources.models",
    "TitleMatch": "agent.sources.models",
    "RateLimiter": "agent.sources.ratelimit",
    "default_limiter": "agent.sources.ratelimit",
    "CLOSE_THRESHOLD": "agent.sources.titles",
    "compare_titles": "agent.sources.titles",
    "normalise_title": "agent.sources.titles",
}
__all__ = [
    "ArxivId",
    "ArxivSource",
    "CLOSE_THRESHOLD",
    "Lookup",
    "LookupStatus",
    "Paper",
    "QueryRejected",
    "RateLimiter",
    "TitleMatch",
    "compare_titles",
    "default_limiter",
    "fold_version",
    "normalise_title",
    "parse_arxiv_id",
]
__getattr__ = lazy_exports(__name__, _EXPORTS)
