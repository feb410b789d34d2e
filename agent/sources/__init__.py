"""The sources room: arXiv search and ID lookups, rate-limited, retried and cached.

Example:
    from agent.store import Store
    from agent.sources import ArxivSource

    source = ArxivSource(Store.open())
    papers = source.search("AI bargaining power", since=date(2025, 1, 1), until=None)
    lookups = source.lookup(["2501.16946", "2306.14694"])
"""

from agent.sources.arxiv_source import ArxivSource
from agent.sources.ids import ArxivId, fold_version, parse_arxiv_id
from agent.sources.models import Lookup, LookupStatus, Paper, TitleMatch
from agent.sources.ratelimit import RateLimiter, default_limiter
from agent.sources.titles import CLOSE_THRESHOLD, compare_titles, normalise_title

__all__ = [
    "CLOSE_THRESHOLD",
    "ArxivId",
    "ArxivSource",
    "Lookup",
    "LookupStatus",
    "Paper",
    "RateLimiter",
    "TitleMatch",
    "compare_titles",
    "default_limiter",
    "fold_version",
    "normalise_title",
    "parse_arxiv_id",
]
