"""Build arXiv API requests: search queries with a date window, ID lookups, URLs.

The URL is always produced by the `arxiv` package's own `Client._format_url`,
so what the cassette generator (evals/authoring/arxiv_wire.py) writes is what
the client sends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

import arxiv

from agent.errors import InputError
from agent.sources.models import ARXIV_API_URL

Sort = Literal["relevance", "submitted"]


# arXiv's first submissions are from August 1991; a window needs both ends.
ARXIV_EPOCH = dt.date(1991, 8, 1)

_SORTS: dict[str, arxiv.SortCriterion] = {
    "relevance": arxiv.SortCriterion.Relevance,
    "submitted": arxiv.SortCriterion.SubmittedDate,
}


def date_window(since: dt.date | None, until: dt.date | None, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The closed window [since, until], open ends filled in; None when neither is given."""
    if since is None and until is None:
        return None
    start = since or ARXIV_EPOCH
    end = until or today
    if start > end:
        raise InputError(
            f"the date window is empty: since {start.isoformat()} is after until {end.isoformat()}",
            hint="Give --since a date on or before --until.",
        )
    return start, end


def windowed_query(query: str, window: tuple[dt.date, dt.date] | None) -> str:
    """`query` ANDed with arXiv's submittedDate range (GMT, minute precision)."""
    text = query.strip()
    if not text:
        raise InputError("the search query is empty", hint='Give search terms, e.g. retest arxiv search "AI bargaining power".')
    if window is None:
        return text
    start, end = window
    return f"({text}) AND submittedDate:[{start:%Y%m%d}0000 TO {end:%Y%m%d}2359]"


def search_request(search_query: str, *, max_results: int, sort: Sort) -> arxiv.Search:
    """An arxiv.Search for a full search_query string, newest or most relevant first."""
    if sort not in _SORTS:
        raise InputError(f"unknown sort {sort!r}", hint="Use 'relevance' or 'submitted'.")
    return arxiv.Search(
        query=search_query,
        max_results=max_results,
        sort_by=_SORTS[sort],
        sort_order=arxiv.SortOrder.Descending,
    )


def lookup_request(ids: Sequence[str]) -> arxiv.Search:
    """An arxiv.Search by id_list, defaults as the package sets them."""
    return arxiv.Search(id_list=list(ids), max_results=len(ids))


def request_url(search: arxiv.Search, page_size: int, api_url: str = ARXIV_API_URL) -> str:
    """The exact first-page URL arxiv.Client sends for `search`, at `api_url`."""
    client = arxiv.Client(page_size=page_size)
    if api_url != ARXIV_API_URL:
        # The package's URL template is a str.format pattern: braces in the URL must not act as fields.
        client.query_url_format = api_url.replace("{", "{{").replace("}", "}}") + "?{}"
    return client._format_url(search, 0, page_size)
