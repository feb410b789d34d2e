"""The local index the benchmark's arXiv stand-in serves (and `--source local` phases search).

Real arXiv metadata, searched by the engine, so what a search returns is decided by the
index, not by hand: the slice (evals/data/arxiv-slice, 4,229 papers) by default, or the
team's whole corpus (/work/shared/data/arxiv-corpus/corpus.jsonl.gz, 74,876 papers) when
asked for and present. The demo line's catalogue (evals/data/arxiv-papers.json: real IDs,
titles, authors, dates, categories; own-words summaries, not abstracts; dates without a
time of day) is added first, so the anchors the benchmark's lines cite exist; a corpus
record with the same ID replaces the catalogue's.
"""

from __future__ import annotations

import atexit
import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from agent.index.engine import IndexInfo, build
from agent.index.formats import open_records
from agent.index.records import IndexRecord
from evals.authoring import arxiv_wire
from evals.benchmark.standin_arxiv import VERSIONS

REPO = Path(__file__).resolve().parents[2]
SLICE = REPO / "evals" / "data" / "arxiv-slice" / "papers.jsonl.gz"
CORPUS = Path("/work/shared/data/arxiv-corpus/corpus.jsonl.gz")


def _midnight(day: dt.date | dt.datetime) -> dt.datetime:
    return day if isinstance(day, dt.datetime) else dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def catalog_records() -> Iterator[IndexRecord]:
    """The demo catalogue's papers as index records, each at its current version and title."""
    for arxiv_id in arxiv_wire.catalog(arxiv_wire.CATALOG):
        entry = arxiv_wire.entry(arxiv_id, version=VERSIONS.get(arxiv_id, 1))
        yield IndexRecord(
            id=entry.arxiv_id, version=entry.version, title=entry.title, abstract=entry.summary, authors=list(entry.authors),
            categories=[entry.primary_category], published=_midnight(entry.published), updated=_midnight(entry.updated),
            dates_estimated=True,
        )  # fmt: skip


def records_source(corpus: bool) -> Path:
    """The metadata file behind the index: the slice, or the corpus (SystemExit when asked for and absent)."""
    if not corpus:
        return SLICE
    if not CORPUS.is_file():
        raise SystemExit(f"--corpus: {CORPUS} is not there; the slice ({SLICE}) is what this checkout has")
    return CORPUS


def build_bench_index(target: Path, *, corpus: bool = False) -> IndexInfo:
    """Build the benchmark's index at `target`: the catalogue, then the slice or the corpus."""
    source = records_source(corpus)

    def records() -> Iterator[IndexRecord]:
        yield from catalog_records()
        yield from open_records(source)

    return build(target, records(), sources=[str(arxiv_wire.CATALOG), str(source)])


@cache
def default_index() -> Path:
    """The slice's benchmark index, built once per process in a temporary directory (tests, `serve.start`)."""
    scratch = Path(tempfile.mkdtemp(prefix="retest-bench-index-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    build_bench_index(scratch / "arxiv")
    return scratch / "arxiv"
