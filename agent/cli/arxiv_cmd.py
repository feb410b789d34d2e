"""`retest arxiv search` and `retest arxiv get`: the sources room from the terminal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from agent.cli.app import app, date_option, err, out
from agent.errors import InputError
from agent.store import Store

# The arXiv client and vcrpy load only when a subcommand runs: `retest --version` stays fast.
if TYPE_CHECKING:
    from agent.sources import ArxivSource, Paper

arxiv_app = typer.Typer(
    name="arxiv",
    help="Search arXiv and look papers up, through Retest's rate limiter and cache.\n\nExample: retest arxiv get 2501.16946 2306.14694",
    no_args_is_help=True,
)
app.add_typer(arxiv_app, name="arxiv")


class SortChoice(StrEnum):
    relevance = "relevance"
    submitted = "submitted"


# Keyed by agent.sources.models.LookupStatus values (a StrEnum), without importing the model at start-up.
STATUS_LABEL = {"found": "exists", "missing": "missing", "malformed": "malformed"}

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout instead of a table.")]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Ask arXiv even if the cache holds a fresh answer.")]
ReplayOpt = Annotated[Path | None, typer.Option("--replay", metavar="CASSETTE", help="Answer from this cassette; no network.")]
RecordOpt = Annotated[Path | None, typer.Option("--record", metavar="CASSETTE", help="Ask arXiv and record to this cassette.")]


@contextmanager
def open_source(replay: Path | None, record: Path | None, no_cache: bool) -> Iterator[ArxivSource]:
    """An ArxivSource for live use, or inside a cassette for --replay / --record."""
    from agent.config import load_settings
    from agent.recording import Mode, cassette
    from agent.services import arxiv_source

    if replay is not None and record is not None:
        raise InputError("--replay and --record cannot be used together", hint="Give one of them, or neither to ask arXiv live.")
    mode: Mode = "replay" if replay else "record" if record else "live"
    settings = load_settings()
    with cassette(mode, replay or record):
        if mode == "live":
            with Store.open() as store:
                yield arxiv_source(settings, mode, store, use_cache=not no_cache)
        else:
            # A cassette must hold every request, and replayed answers must not enter the live cache.
            yield arxiv_source(settings, mode, None)


def _report_requests(source: ArxivSource) -> None:
    err.print(f"{source.requests_sent} arXiv request(s) sent, {source.cache_hits} answered from the cache", highlight=False)


def _print_json(data: object) -> None:
    out.print(json.dumps(data, indent=2, ensure_ascii=False), markup=False, highlight=False, soft_wrap=True)


def _version(paper: Paper) -> str:
    return f"v{paper.version}" if paper.version else ""


@arxiv_app.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(help="arXiv query, e.g. 'AI bargaining power' or 'ti:delegation AND cat:cs.AI'.")],
    since: Annotated[str | None, typer.Option("--since", metavar="DATE", help="First submitted on or after (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option("--until", metavar="DATE", help="First submitted on or before (YYYY-MM-DD).")] = None,
    max_results: Annotated[int, typer.Option("--max", min=1, max=2000, help="At most this many papers.")] = 25,
    sort: Annotated[SortChoice, typer.Option("--sort", help="Most relevant or most recently submitted first.")] = SortChoice.relevance,
    as_json: JsonOpt = False,
    no_cache: NoCacheOpt = False,
    replay: ReplayOpt = None,
    record: RecordOpt = None,
) -> None:
    """Search arXiv, optionally within a first-submission date window.

    Example: retest arxiv search "AI agents governance" --since 2025-01-01 --until 2025-12-31 --sort submitted --max 5
    """
    start, end = date_option(since, "--since"), date_option(until, "--until")
    with open_source(replay, record, no_cache) as source:
        papers = source.search(query, since=start, until=end, max_results=max_results, sort=sort.value)
    if as_json:
        _print_json([paper.model_dump(mode="json") for paper in papers])
    else:
        # Titles and the query are outside text: a '[...]' in them is never Rich markup.
        table = Table("arXiv ID", "version", "first submitted", "title", title=escape(f"{len(papers)} paper(s) for {query!r}"))
        for paper in papers:
            table.add_row(paper.arxiv_id, _version(paper), paper.published.isoformat(), Text(paper.title))
        out.print(table)
    _report_requests(source)


@arxiv_app.command("get")
def get_cmd(
    ids: Annotated[list[str], typer.Argument(metavar="ID...", help="arXiv IDs, e.g. 2501.16946 2306.14694v1 hep-th/9901001.")],
    as_json: JsonOpt = False,
    no_cache: NoCacheOpt = False,
    replay: ReplayOpt = None,
    record: RecordOpt = None,
) -> None:
    """Look IDs up: exists, missing or malformed; title, first-submission date, version seen.

    Exits 0 whatever the statuses: they are the result, not a failure.

    Example: retest arxiv get 2501.16946 2306.14694
    """
    with open_source(replay, record, no_cache) as source:
        lookups = source.lookup(ids)
    if as_json:
        # The Lookup model as is ("found", not the table's "exists"), so scripts can load it back.
        _print_json([item.model_dump(mode="json") for item in lookups.values()])
    else:
        table = Table("ID", "status", "version", "first submitted", "title / problem")
        for item in lookups.values():
            paper = item.paper
            table.add_row(
                Text(item.requested),
                STATUS_LABEL[item.status],
                _version(paper) if paper else "",
                paper.published.isoformat() if paper else "",
                Text(paper.title if paper else (item.error or "")),
            )
        out.print(table)
    _report_requests(source)
