"""`--sources` and `retest sources` (issue 19, point 7): which sources a run asks, and what the table shows (never a key's value)."""

from __future__ import annotations

import pytest

from agent.cli import run as cli
from agent.config import Settings
from agent.errors import ConfigError
from agent.services import citation_service
from agent.sources.catalog import beyond_arxiv, chosen


def test_sources_choose_the_citation_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENALEX_API_KEY", raising=False)
    service = citation_service(Settings(citations=True, sources="arxiv,crossref"), "replay")
    assert [s.name for s in service.sources] == [] and [c.name for c in service.checkers] == ["crossref"]
    assert {s.source for s in service.skipped} == {"semanticscholar", "openalex"}
    assert any("--sources leaves it out" in s.reason for s in service.skipped)
    everything = citation_service(Settings(citations=True), "replay")
    assert [s.name for s in everything.sources] == ["semanticscholar"], "auto: OpenAlex only with its key"
    assert [s.reason for s in everything.skipped if s.source == "openalex"][0].startswith("OpenAlex was skipped: OPENALEX_API_KEY is not set")


def test_a_source_list_is_checked() -> None:
    assert chosen("auto") == {"arxiv", "semanticscholar", "openalex", "crossref"}
    assert beyond_arxiv("arxiv,semanticscholar") and not beyond_arxiv("arxiv") and not beyond_arxiv("auto")
    with pytest.raises(ConfigError, match="unknown source 'scholar'"):
        chosen("arxiv,scholar")


def test_the_table_says_set_never_the_value(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    secret = "s2-key-value-that-must-never-print-1234"
    monkeypatch.setenv("SEMANTIC_SCHOLAR_API_KEY", secret)
    monkeypatch.delenv("OPENALEX_API_KEY", raising=False)
    from agent.cli.app import out

    monkeypatch.setattr(out, "width", 220)  # one row per source, so each cell reads whole
    assert cli(["sources"]) == 0
    shown = capsys.readouterr().out
    assert secret not in shown and "secret" not in shown
    assert "SEMANTIC_SCHOLAR_API_KEY set" in shown and "OPENALEX_API_KEY not set" in shown
    assert "skipped: OPENALEX_API_KEY is not set" in shown


def test_an_unknown_source_is_one_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["sources", "--sources", "arxiv,bogus"]) == 3
    assert "unknown source 'bogus'" in capsys.readouterr().err
