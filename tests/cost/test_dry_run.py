"""`retest run --dry-run`: the estimate, before and instead of any call; no keys, no network (blocked in tests), no run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agent.cli import run as cli
from agent.runs import list_runs
from agent.store import Store, state_dir

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"


@pytest.fixture(autouse=True)
def _no_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any model client or arXiv search built or sent during a dry run fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a dry run built a model client or searched arXiv")

    monkeypatch.setattr("agent.llm.factory.make_client", refuse)
    monkeypatch.setattr("agent.sources.ArxivSource.search", refuse)
    monkeypatch.setattr("agent.services.build_services", refuse)


def _rows(text: str) -> dict[str, str]:
    return {line.split()[0]: line for line in text.splitlines() if line.strip() and line.split()[0] in ("planner", "screener", "judge", "writer", "total")}


def test_a_line_s_dry_run_prints_calls_tokens_and_a_price_range_per_role(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["run", str(LINE), "--dry-run", "--run-date", "2026-11-29"]) == 0
    out = capsys.readouterr().out
    rows = _rows(out)
    assert set(rows) == {"planner", "screener", "judge", "writer", "total"}
    assert re.search(r"\b6\s+[\d,]+–[\d,]+", rows["screener"]), rows["screener"]
    assert re.search(r"\b14\s", rows["total"]) and re.search(r"\$\d\.\d{4}–\$\d\.\d{4}", rows["total"])
    assert "low end:" in out and "cassettes/demo" in out and "high end:" in out and "arxiv-slice" in out
    assert not state_dir().exists(), "a dry run records nothing"


def test_a_library_dry_run_prints_each_line_and_the_total(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["run", "--all", str(REPO / "examples"), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "bargaining-power.txt" in out and "ai-software-testing.txt" in out
    assert "Estimate for the library (2 lines, 9 claims)" in out
    assert re.search(r"total\s+26\s", out), "5 + 4 claims: 2 calls each, 4 per line"
    assert list_runs(Store.open()) == []


def test_help_says_where_each_end_of_the_range_comes_from(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["run", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.replace("│", " ").split())  # the options' box, unwrapped
    assert "--dry-run" in help_text and "--max-cost" in help_text
    assert "eval suite's cassettes" in help_text and "arxiv-slice" in help_text
