"""Turn the `arxiv` package's Result objects into Retest's Paper model."""

from __future__ import annotations

import arxiv

from agent.line.arxiv_id import fold_version
from agent.sources.models import Paper


def to_paper(result: arxiv.Result) -> Paper:
    """A Paper with the version folded out of the ID ('2501.16946v2' -> '2501.16946', 2)."""
    base, version = fold_version(result.get_short_id())
    return Paper(
        arxiv_id=base,
        version=version,
        title=result.title.strip(),
        summary=result.summary.strip(),
        authors=[author.name for author in result.authors],
        published=result.published.date(),
        updated=result.updated.date() if result.updated else None,
        primary_category=result.primary_category or None,
    )
