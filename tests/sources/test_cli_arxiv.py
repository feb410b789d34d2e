"""`retest arxiv search` and `retest arxiv get`, replayed from cassettes."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from agent.cli import run
from agent.errors import ExitCode
from agent.sources import ArxivSource, RateLimiter
from agent.store import Store, default_db_path

from .conftest import CASSETTES

SEARCH = ["arxiv", "search", "AI agents governance", "--since", "2025-01-01", "--until", "2025-12-31", "--sort", "submitted", "--max", "5"]


def test_search_json_from_a_cassette(capsys: pytest.CaptureFixture[str]) -> None:
    code = run([*SEARCH, "--json", "--replay", str(CASSETTES / "search_window.yaml")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    papers = json.loads(captured.out)
    assert [p["arxiv_id"] for p in papers] == ["2510.26787", "2510.25779", "2509.10147", "2501.10114", "2501.07913"]
    assert papers[3]["version"] == 2 and papers[3]["published"] == "2025-01-17"
    assert "1 arXiv request(s) sent" in captured.err


def test_search_table_from_a_cassette(capsys: pytest.CaptureFixture[str]) -> None:
    assert run([*SEARCH, "--replay", str(CASSETTES / "search_window.yaml")]) == 0
    table = capsys.readouterr().out
    assert "5 paper(s)" in table and "2509.10147" in table and "Virtual Agent Economies" in table


def test_get_reports_exists_missing_and_malformed(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["arxiv", "get", "2501.16946", "2306.14694", "0808.05394", "--json", "--replay", str(CASSETTES / "lookup_found_missing.yaml")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    rows = {row["requested"]: row for row in json.loads(captured.out)}
    assert rows["2501.16946"]["status"] == "found" and rows["2501.16946"]["paper"]["version"] == 2
    assert rows["2306.14694"]["paper"]["title"] == "Dialectical Reconciliation via Structured Argumentative Dialogues"
    assert rows["0808.05394"]["status"] == "missing"


def test_get_table_labels(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["arxiv", "get", "abc", "2507.13524", "bogus/9901001", "--replay", str(CASSETTES / "lookup_malformed.yaml")]
    assert run(args) == 0
    table = capsys.readouterr().out
    assert table.count("malformed") == 2 and "exists" in table and "2025-07-17" in table


def test_replay_does_not_touch_the_cache(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["arxiv", "get", "2306.14694v1", "--replay", str(CASSETTES / "lookup_first_version.yaml")]) == 0
    assert not default_db_path().exists()


def test_live_get_is_answered_from_the_cache_without_network(capsys: pytest.CaptureFixture[str]) -> None:
    from agent.recording import cassette

    # Fill the state directory's cache the way an earlier live run would have.
    with Store.open() as store, cassette("replay", CASSETTES / "lookup_first_version.yaml"):
        ArxivSource(store, limiter=RateLimiter(0.0)).lookup(["2306.14694v1"])
    code = run(["arxiv", "get", "2306.14694v1"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "DR-HAI" in captured.out
    assert "0 arXiv request(s) sent, 1 answered from the cache" in captured.err


def test_a_cassette_miss_exits_4_and_names_the_ids(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["arxiv", "get", "2602.11865", "--replay", str(CASSETTES / "lookup_first_version.yaml")])
    assert code == ExitCode.CASSETTE_MISS
    assert "2602.11865" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["arxiv", "search", "agents", "--since", "2025-13-01"], "--since '2025-13-01' is not a date"),
        (["arxiv", "search", "agents", "--until", "last week"], "YYYY-MM-DD"),
        (["arxiv", "search", "agents", "--since", "2026-02-01", "--until", "2026-01-01"], "window is empty"),
        (["arxiv", "search", "agents", "--max", "0"], "--max"),
        (["arxiv", "search", "agents", "--sort", "newest"], "--sort"),
        (["arxiv", "get", "2501.16946", "--replay", "a.yaml", "--record", "b.yaml"], "cannot be used together"),
        (["arxiv", "get", "2501.16946", "--replay", "no/such/cassette.yaml"], "does not exist"),
    ],
)
def test_bad_input_exits_2_with_a_message(args: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(args) == ExitCode.BAD_INPUT
    assert needle in capsys.readouterr().err


@pytest.mark.parametrize("command", [["arxiv"], ["arxiv", "search"], ["arxiv", "get"]])
def test_help_has_a_runnable_example(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run([*command, "--help"]) == 0
    assert "Example: retest arxiv" in capsys.readouterr().out


def test_search_until_defaults_to_today(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    from evals.authoring import arxiv_wire as w

    today = dt.date.today()
    path = w.write_cassette(
        tmp_path / "since.yaml",
        [w.search_interaction("delegation", ["2602.11865"], since=dt.date(2026, 1, 1), max_results=3, today=today)],
    )
    assert run(["arxiv", "search", "delegation", "--since", "2026-01-01", "--max", "3", "--json", "--replay", str(path)]) == 0
    assert [p["arxiv_id"] for p in json.loads(capsys.readouterr().out)] == ["2602.11865"]
