"""Fixtures of the index room: the fixed corpus (real arXiv records, corpus.jsonl) and an index of it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from agent.index.engine import LocalIndex, build, open_index
from agent.index.records import IndexRecord

if TYPE_CHECKING:
    from agent.index.standin import StandIn

CORPUS = Path(__file__).with_name("corpus.jsonl")
_FIELDS = set(IndexRecord.model_fields)


def load_corpus() -> list[IndexRecord]:
    """The 24 records of corpus.jsonl, in file order (which is index order when built as is)."""
    records = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        # The lines are verbatim corpus lines; the keys the contract has no field for are left out.
        raw = json.loads(line)
        records.append(IndexRecord.model_validate({k: v for k, v in raw.items() if k in _FIELDS}))
    return records


@pytest.fixture(scope="session")
def corpus() -> list[IndexRecord]:
    return load_corpus()


@pytest.fixture(scope="session")
def local(tmp_path_factory: pytest.TempPathFactory, corpus: list[IndexRecord]) -> LocalIndex:
    """A read-only index of the corpus, built once for the session (tests that write build their own)."""
    path = tmp_path_factory.mktemp("index") / "arxiv"
    build(path, corpus, sources=["tests/index/corpus.jsonl"])
    return open_index(path)


# ---------------------------------------------------------------- the slice and the arXiv stand-in over it

SLICE = Path(__file__).resolve().parents[2] / "evals" / "data" / "arxiv-slice" / "papers.jsonl.gz"


@pytest.fixture(scope="session")
def slice_index(tmp_path_factory: pytest.TempPathFactory) -> LocalIndex:
    """A read-only index of evals/data/arxiv-slice (4,229 real papers, 2026-02-03 .. 2026-03-31), built once per session."""
    from agent.index.formats import open_records

    path = tmp_path_factory.mktemp("slice-index") / "arxiv"
    build(path, open_records(SLICE), sources=[str(SLICE)])
    return open_index(path)


@pytest.fixture(scope="session")
def arxiv_standin(slice_index: LocalIndex) -> Iterator[StandIn]:
    """arXiv's API stand-in (agent.index.standin) serving `slice_index` on 127.0.0.1, for the session.

    Point the real client at `arxiv_standin.url`; `arxiv_standin.log` holds every request (shared by the
    session's tests: compare lengths before and after). Tests that use it need
    `@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])`.
    """
    from agent.index.standin import serve

    with serve(slice_index) as server:
        yield server
