"""`retest arxiv` tables print arXiv's titles and the user's query as they are: '[...]' is never Rich markup."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

import agent.cli.arxiv_cmd as arxiv_cmd
from agent.cli import run
from agent.sources import LookupStatus, Paper
from agent.sources.models import Lookup

# A closing tag with nothing to close makes Rich raise; '[inaudible]' would silently vanish.
TITLE = "Speech [inaudible] and [/] tags in titles"
PAPER = Paper(arxiv_id="2601.00001", version=1, title=TITLE, summary="", published=dt.date(2026, 1, 2))


@dataclass
class FakeSource:
    """Stands in for ArxivSource: answers every search and lookup with PAPER."""

    requests_sent: int = 1
    cache_hits: int = 0
    asked: list[str] = field(default_factory=list)

    def search(self, query: str, **_: object) -> list[Paper]:
        self.asked.append(query)
        return [PAPER]

    def lookup(self, ids: list[str]) -> dict[str, Lookup]:
        return {i: Lookup(requested=i, status=LookupStatus.FOUND, paper=PAPER) for i in ids}


@pytest.fixture(autouse=True)
def fake_source(monkeypatch: pytest.MonkeyPatch) -> None:
    @contextmanager
    def open_source(*_: object) -> Iterator[FakeSource]:
        yield FakeSource()

    monkeypatch.setattr(arxiv_cmd, "open_source", open_source)
    monkeypatch.setattr(arxiv_cmd.out, "width", 200)  # one row per paper


@pytest.mark.parametrize("argv", [["arxiv", "search", "ti:[bold]x"], ["arxiv", "get", "2601.00001"]])
def test_titles_and_queries_print_verbatim(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(argv) == 0
    captured = capsys.readouterr()
    assert TITLE in captured.out and "Traceback" not in captured.err
    if argv[1] == "search":
        assert "'ti:[bold]x'" in captured.out
