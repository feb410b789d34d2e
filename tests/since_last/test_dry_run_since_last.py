"""`retest run LINE --dry-run --since-last` estimates what a since-last run would call, as an upper bound (issue 20)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from agent.cli import run as cli
from agent.runs import list_runs
from agent.store import Store

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"
FULL = REPO / "cassettes" / "demo" / "bargaining-power.yaml"
LATER = REPO / "cassettes" / "since-last" / "bargaining-power-month-later.yaml"


def _calls(out: str) -> dict[str, int]:
    """Calls per role and in total, from the roles table of the dry run."""
    found = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s*(planner|screener|judge|writer|total)\s+\S*?\s+(\d+)\s", out, re.MULTILINE)}
    assert set(found) == {"planner", "screener", "judge", "writer", "total"}, out
    return found


def _dry_run(capsys, line: Path, *flags: str) -> str:
    capsys.readouterr()
    assert cli(["run", str(line), "--replay", str(LATER), "--dry-run", *flags]) == 0
    return capsys.readouterr().out


@pytest.fixture(autouse=True)
def _wide(monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


def test_after_a_full_run_unchanged_claims_count_a_screening_and_a_judgment_at_most(capsys) -> None:
    assert cli(["run", str(LINE), "--replay", str(FULL)]) == 0
    first = list_runs(Store.open())[0]
    full = _calls(_dry_run(capsys, LINE))
    said = _dry_run(capsys, LINE, "--since-last")
    since = _calls(said)
    # Five unchanged claims: none planned again, each screened and judged at most once; the line's two tasks counted once.
    assert since["planner"] == 0
    # The anchors are read again only if something changed (read_anchors carries the last reading): one screener call less.
    assert (since["screener"], since["judge"], since["writer"]) == (full["screener"] - 1, full["judge"], full["writer"])
    assert since["total"] == full["total"] - full["planner"] - 1
    flat = " ".join(said.split())
    assert f"since run {first.id} (2026-11-29): 5 unchanged claim(s) counted at most a screening and a judgment each" in flat
    assert "only if new papers come" in flat and "An upper bound: with nothing new, they make no call" in flat
    assert [r.id for r in list_runs(Store.open())] == [first.id]  # a dry run runs nothing


def test_a_changed_claim_is_counted_in_full(tmp_path, capsys) -> None:
    line = tmp_path / LINE.name
    shutil.copy(LINE, line)
    assert cli(["run", str(line), "--replay", str(FULL)]) == 0
    text = line.read_text(encoding="utf-8")
    line.write_text(text.replace("converge to computational replication", "converge to the cost of computational replication", 1), encoding="utf-8")
    said = _dry_run(capsys, line, "--since-last")
    since = _calls(said)
    assert since["planner"] == 1  # C1 alone is planned again
    assert "4 unchanged claim(s)" in said and "re-tested in full: C1 (its text or date changed since the last run)" in " ".join(said.split())


def test_the_library_dry_run_estimates_each_line_since_its_last_run(tmp_path, capsys) -> None:
    assert cli(["run", str(LINE), "--replay", str(FULL)]) == 0
    library, cassettes = tmp_path / "lib", tmp_path / "cassettes"
    library.mkdir(), cassettes.mkdir()
    shutil.copy(LINE, library / LINE.name)
    shutil.copy(LATER, cassettes / "bargaining-power.yaml")
    capsys.readouterr()
    assert cli(["run", "--all", str(library), "--replay", str(cassettes), "--dry-run"]) == 0
    full = _calls(capsys.readouterr().out)
    assert cli(["run", "--all", str(library), "--replay", str(cassettes), "--dry-run", "--since-last"]) == 0
    said = capsys.readouterr().out
    assert _calls(said)["total"] == full["total"] - full["planner"] - 1  # the anchors' reading carried
    assert "bargaining-power.txt with --since-last: since run " in said


def test_without_a_last_run_it_says_the_estimate_is_of_a_full_run(capsys) -> None:
    said = _dry_run(capsys, LINE, "--since-last")
    assert _calls(said) == _calls(_dry_run(capsys, LINE))
    assert "no run is stored yet, so each estimate is of a full run" in " ".join(said.split())
