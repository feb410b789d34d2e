"""Write arXiv API answers, in arXiv's exact wire format, into vcrpy cassettes.

No live arXiv is reachable where Retest is built, so arXiv cassettes are
generated from hand-picked data. Everything that identifies a paper (ID, title,
authors, first-submission date, primary category) comes from
evals/data/arxiv-papers*.json, which hold real arXiv metadata; the abstracts
are that file's own-words `summary`, or for the four anchors, which have none,
the one-sentence descriptions in `OUR_SUMMARIES` below (also our own words).

The Atom layout copies the real responses in evals/data/wire/*.json (XML
declaration with single quotes, namespace order, feed id/title/updated/link,
opensearch fields, entry element order). Request URLs are produced by the
`arxiv` package's own `Client._format_url` via agent.sources.query, so a
cassette matches exactly what ArxivSource sends.

Known simplifications (the client ignores all of them): arXiv rewrites bare
terms in the echoed query (`testing` -> `all:testing`), which we do not; times
of day are 00:00:00Z because the data has dates only; 2306.14694 has only a
month of first submission, so the first of that month stands in for the day.

Example:
    from evals.authoring import arxiv_wire as w
    w.write_cassette("cassettes/demo/x.yaml", [w.lookup_interaction(["2501.16946"], [w.entry("2501.16946")])])
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from http import HTTPStatus
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import requests
import yaml
from vcr.serializers import yamlserializer

from agent.sources.query import Sort, date_window, lookup_request, request_url, search_request, windowed_query

REPO = Path(__file__).resolve().parents[2]
CATALOG = REPO / "evals" / "data" / "arxiv-papers.json"

# Feed <updated> of every generated answer: fixed, so regeneration is byte-identical.
SERVED_AT = "2026-11-20T10:00:00Z"

# The anchors in arxiv-papers.json carry no summary; these sentences are ours,
# written for this project from the titles and the line's notes. Not abstracts.
OUR_SUMMARIES = {
    "2507.13524": "Repeated partner-selection experiments in which people choose between human and AI "
    "partners, tracking how their choices change as they learn how each kind of partner behaves.",
    "2501.16946": "Argues that incremental replacement of human labour and cognition by AI can weaken the "
    "implicit human influence that keeps economic, cultural and political systems aligned with people.",
    "2306.14694": "A framework in which a human and an AI agent resolve a disagreement through a structured "
    "argumentative dialogue until their positions are reconciled.",
    "2602.11865": "Discusses how tasks, authority and responsibility can be delegated between humans and AI "
    "agents, and which structures make such delegation reliable.",
}

_NAMESPACES = 'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom"'
_HEAD = f"<?xml version='1.0' encoding='UTF-8'?>\n<feed {_NAMESPACES}>\n"
ATOM_CONTENT_TYPE = "application/atom+xml; charset=UTF-8"


@dataclass(frozen=True)
class WireEntry:
    """One <entry> as arXiv would serve it."""

    arxiv_id: str
    title: str
    summary: str
    published: dt.date | dt.datetime  # a date is stamped 00:00:00Z
    updated: dt.date | dt.datetime
    version: int = 1
    authors: tuple[str, ...] = ()
    primary_category: str = "cs.AI"
    categories: tuple[str, ...] = field(default=())


@cache
def catalog(path: Path | None = None) -> dict[str, dict[str, Any]]:
    """The real-metadata papers by arXiv ID: of `path`, or of every evals/data/arxiv-papers*.json.

    Each topic keeps its own file (arxiv-papers.json for the demo line,
    arxiv-papers-testing.json for the software-testing line); an ID listed in
    two files is an error, so no file silently shadows another.
    """
    files = [path] if path is not None else sorted(CATALOG.parent.glob("arxiv-papers*.json"))
    merged: dict[str, dict[str, Any]] = {}
    for file in files:
        for paper in json.loads(file.read_text(encoding="utf-8"))["papers"]:
            if paper["arxiv_id"] in merged:
                raise ValueError(f"{file}: arXiv ID {paper['arxiv_id']} is already in another catalog file")
            merged[paper["arxiv_id"]] = paper
    return merged


def entry(arxiv_id: str, *, version: int = 1, updated: dt.date | None = None, title: str | None = None) -> WireEntry:
    """A WireEntry for a catalogued paper; `version`, `updated` and `title` override (e.g. a v2)."""
    paper = catalog()[arxiv_id]
    published = dt.date.fromisoformat(paper["published"] or f"{paper['published_month']}-01")
    summary = paper.get("summary") or OUR_SUMMARIES[arxiv_id]
    if updated is None and paper.get("updated") and version == paper.get("latest_version"):
        updated = dt.date.fromisoformat(paper["updated"])  # the real date of that version, where known
    return WireEntry(
        arxiv_id=arxiv_id,
        title=title or paper["title"],
        summary=summary,
        published=published,
        updated=updated or published,
        version=version,
        authors=tuple(paper["authors"]),
        primary_category=paper["primary_category"],
        categories=(paper["primary_category"],),
    )


def entry_xml(item: WireEntry) -> str:
    """The <entry> element, indented as arXiv indents it."""
    vid = f"{item.arxiv_id}v{item.version}"
    lines = [
        "  <entry>",
        f"    <id>http://arxiv.org/abs/{vid}</id>",
        f"    <title>{escape(item.title)}</title>",
        f"    <updated>{_stamp(item.updated)}</updated>",
        f'    <link href="https://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>',
        f'    <link href="https://arxiv.org/pdf/{vid}" rel="related" type="application/pdf" title="pdf"/>',
        f"    <summary>{escape(item.summary)}</summary>",
        *(f'    <category term="{cat}" scheme="http://arxiv.org/schemas/atom"/>' for cat in item.categories or (item.primary_category,)),
        f"    <published>{_stamp(item.published)}</published>",
        f'    <arxiv:primary_category term="{item.primary_category}"/>',
        *(f"    <author>\n      <name>{escape(name)}</name>\n    </author>" for name in item.authors),
        "  </entry>",
    ]
    return "\n".join(lines) + "\n"


def feed_xml(
    entries: Sequence[WireEntry],
    *,
    search_query: str = "",
    id_list: Sequence[str] = (),
    max_results: int,
    total_results: int | None = None,
    served_at: str = SERVED_AT,
) -> str:
    """A results feed; `total_results` defaults to the number of entries."""
    ids = ",".join(id_list)
    echo = f"search_query={search_query}&id_list={ids}&start=0&max_results={max_results}"
    link = f"https://arxiv.org/api/query?search_query={search_query}&start=0&max_results={max_results}&id_list={ids}"
    total = len(entries) if total_results is None else total_results
    return (
        _HEAD
        + f"  <id>https://arxiv.org/api/{_feed_hash(echo)}</id>\n"
        + f"  <title>arXiv Query: {escape(echo)}</title>\n"
        + f"  <updated>{served_at}</updated>\n"
        + f'  <link href="{escape(link, {chr(34): "&quot;"})}" type="application/atom+xml"/>\n'
        + f"  <opensearch:itemsPerPage>{max_results}</opensearch:itemsPerPage>\n"
        + f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
        + "  <opensearch:startIndex>0</opensearch:startIndex>\n"
        + "".join(entry_xml(item) for item in entries)
        + "</feed>\n"
    )


def error_feed_xml(bad_id: str, *, served_at: str = SERVED_AT) -> str:
    """The feed arXiv sends with HTTP 400 for an ID it cannot parse."""
    anchor = f"https://arxiv.org/api/errors#incorrect_id_format_for_{bad_id}"
    return (
        _HEAD
        + "  <id>https://arxiv.org/</id>\n  <title>arXiv Search Results</title>\n"
        + f"  <updated>{served_at}</updated>\n"
        + "  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>\n"
        + "  <opensearch:totalResults>1</opensearch:totalResults>\n"
        + "  <opensearch:startIndex>0</opensearch:startIndex>\n"
        + f"  <entry>\n    <id>{anchor}</id>\n    <title>Error</title>\n    <updated>{served_at}</updated>\n"
        + f'    <link href="{anchor}" rel="alternate" type="text/html"/>\n'
        + f"    <summary>incorrect id format for {escape(bad_id)}</summary>\n"
        + "    <author>\n      <name>arXiv api core</name>\n    </author>\n  </entry>\n</feed>\n"
    )


def interaction(url: str, status: int, body: str, *, content_type: str = ATOM_CONTENT_TYPE) -> dict[str, Any]:
    """One vcrpy interaction for GET `url`, headers as the recording room's scrubber keeps them."""
    return {
        "request": {
            "body": None,
            "headers": {"Accept": [requests.utils.default_headers()["Accept"]]},
            "method": "GET",
            "uri": url,
        },
        "response": {
            "body": {"string": body},
            "headers": {"Content-Type": [content_type]},
            "status": {"code": status, "message": HTTPStatus(status).phrase},
        },
    }


def search_url(query: str, *, since: dt.date | None, until: dt.date | None, max_results: int, sort: Sort = "relevance", today: dt.date | None = None) -> str:
    """The URL ArxivSource.search sends for these arguments."""
    search_query = windowed_query(query, date_window(since, until, today or dt.date.today()))
    return request_url(search_request(search_query, max_results=max_results, sort=sort), max_results)


def search_interaction(
    query: str,
    entries: Sequence[WireEntry | str],
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    max_results: int = 25,
    sort: Sort = "relevance",
    today: dt.date | None = None,
    total_results: int | None = None,
) -> dict[str, Any]:
    """A 200 answer to ArxivSource.search(query, since=..., until=..., max_results=..., sort=...)."""
    items = _resolve(entries)
    search_query = windowed_query(query, date_window(since, until, today or dt.date.today()))
    url = search_url(query, since=since, until=until, max_results=max_results, sort=sort, today=today)
    body = feed_xml(items, search_query=search_query, max_results=max_results, total_results=total_results)
    return interaction(url, 200, body)


def lookup_url(ids: Sequence[str]) -> str:
    """The URL ArxivSource.lookup sends for one batch of IDs."""
    return request_url(lookup_request(ids), len(ids))


def lookup_interaction(ids: Sequence[str], entries: Sequence[WireEntry | str]) -> dict[str, Any]:
    """A 200 answer to a lookup of `ids` returning `entries` (omit an ID's entry to make it MISSING)."""
    return interaction(lookup_url(ids), 200, feed_xml(_resolve(entries), id_list=ids, max_results=len(ids)))


def error_400_interaction(ids: Sequence[str] | str, bad_id: str | None = None) -> dict[str, Any]:
    """arXiv's 400 answer to a lookup of `ids` in which `bad_id` (default: the only ID) is malformed."""
    id_list = [ids] if isinstance(ids, str) else list(ids)
    if bad_id is None:
        if len(id_list) != 1:
            raise ValueError("name the malformed ID of a batch: error_400_interaction(ids, bad_id)")
        bad_id = id_list[0]
    return interaction(lookup_url(id_list), 400, error_feed_xml(bad_id))


def status_interaction(url: str, status: int, body: str = "Service Unavailable\n") -> dict[str, Any]:
    """A bare error status for `url` (e.g. 503); the client reads only the status."""
    return interaction(url, status, body, content_type="text/plain; charset=utf-8")


class _ReadableDumper(yamlserializer._CassetteDumper):  # type: ignore[misc,name-defined]
    """vcrpy's cassette dumper, with multi-line strings (XML bodies) as literal blocks."""


def _represent_str(dumper: yaml.Dumper, data: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|" if "\n" in data else None)


_ReadableDumper.add_representer(str, _represent_str)


def cassette_text(interactions: Sequence[dict[str, Any]]) -> str:
    """A version-1 vcrpy YAML cassette; vcrpy's own loader reads it back unchanged."""
    data = {"interactions": list(interactions), "version": 1}
    text = yaml.dump(data, Dumper=_ReadableDumper, sort_keys=True, width=120, allow_unicode=True)
    if yamlserializer.deserialize(text) != data:  # the literal style must never change a byte
        raise ValueError("cassette text does not load back to the same interactions")
    return text


def write_cassette(path: Path | str, interactions: Sequence[dict[str, Any]]) -> Path:
    """Write `interactions` as a cassette at `path` (parents created)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(cassette_text(interactions), encoding="utf-8")
    return target


def _resolve(entries: Sequence[WireEntry | str]) -> list[WireEntry]:
    return [entry(item) if isinstance(item, str) else item for item in entries]


def _stamp(moment: dt.date | dt.datetime) -> str:
    if isinstance(moment, dt.datetime):
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{moment.isoformat()}T00:00:00Z"


def _feed_hash(text: str) -> str:
    # arXiv's feed IDs are 27-character unpadded base64 strings (the length of a SHA-1).
    return base64.b64encode(hashlib.sha1(text.encode("utf-8")).digest()).decode("ascii").rstrip("=")


__all__ = [
    "WireEntry",
    "cassette_text",
    "catalog",
    "entry",
    "entry_xml",
    "error_400_interaction",
    "error_feed_xml",
    "feed_xml",
    "interaction",
    "lookup_interaction",
    "lookup_url",
    "search_interaction",
    "search_url",
    "status_interaction",
    "write_cassette",
]
