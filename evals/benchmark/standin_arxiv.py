"""Hand-picked arXiv answers (the benchmark's stand-in before it answered from a local index).

The benchmark's server (serve.py) now answers from an index of real metadata through
agent.index.standin; this module stays for tests/library/test_bench_standins.py, which runs
a whole line in-process against these answers, and for `VERSIONS` (bench_index uses it).

Searches return the demo line's catalogued papers (evals/data/arxiv-papers.json) first
submitted inside the query's submittedDate window, a few per query, chosen
deterministically from the query text; ID lookups return the papers asked for,
in their current version (2306.14694 is at v2 under a new title, and its v1
under the title lines cite, as on arXiv). Bodies come from
evals/authoring/arxiv_wire.py, the generator the demo cassette uses.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from urllib.parse import parse_qs, urlsplit

from agent.sources import fold_version, parse_arxiv_id
from evals.authoring import arxiv_wire

# Current versions above 1, as arXiv serves them today.
VERSIONS = {"2306.14694": 2}
RESULTS_PER_SEARCH = 3
_WINDOW = re.compile(r"submittedDate:\[(\d{8})\d{4} TO (\d{8})\d{4}\]")


def _entry(raw_id: str) -> arxiv_wire.WireEntry | None:
    base, version = fold_version(raw_id)
    meta = arxiv_wire.catalog().get(base)
    if meta is None:
        return None
    if version == 1 and meta.get("earlier_title"):
        return arxiv_wire.entry(base, version=1, title=meta["earlier_title"])
    return arxiv_wire.entry(base, version=VERSIONS.get(base, 1))


def _published(meta: dict) -> dt.date:
    return dt.date.fromisoformat(meta["published"] or f"{meta['published_month']}-01")


def search_hits(search_query: str, size: int) -> tuple[list[arxiv_wire.WireEntry], int]:
    """Up to `size` (at most RESULTS_PER_SEARCH) papers inside the query's window, and how many matched."""
    window = _WINDOW.search(search_query)
    start, end = (dt.datetime.strptime(d, "%Y%m%d").date() for d in window.groups()) if window else (dt.date.min, dt.date.max)
    inside = [pid for pid, meta in arxiv_wire.catalog(arxiv_wire.CATALOG).items() if start <= _published(meta) <= end]
    # Rank by a digest of the query, so different queries find different papers, the same query the same ones.
    ranked = sorted(inside, key=lambda pid: hashlib.sha1(f"{search_query}|{pid}".encode()).hexdigest())
    picked = [e for e in (_entry(pid) for pid in ranked[: min(size, RESULTS_PER_SEARCH)]) if e is not None]
    return picked, len(inside)


def answer(url: str) -> tuple[int, str]:
    """HTTP status and Atom body for an arXiv API query URL."""
    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}
    size = int(params.get("max_results", "10"))
    if params.get("id_list"):
        ids = params["id_list"].split(",")
        bad = [i for i in ids if parse_arxiv_id(i) is None]
        if bad:
            return 400, arxiv_wire.error_feed_xml(bad[0])
        entries = [e for e in (_entry(i) for i in ids) if e is not None]
        return 200, arxiv_wire.feed_xml(entries, id_list=ids, max_results=size)
    query = params.get("search_query", "")
    entries, total = search_hits(query, size)
    return 200, arxiv_wire.feed_xml(entries, search_query=query, max_results=size, total_results=total)
