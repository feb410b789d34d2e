"""A run stopped by --max-cost is left resumable, and resumed with a larger one ends as an uninterrupted run does."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from agent.cli import run as cli
from agent.runner import load_state
from agent.runs import RunStatus, list_runs
from agent.store import Store

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"
CASSETTE = REPO / "cassettes" / "demo" / "bargaining-power.yaml"


def _result(run_id: str) -> dict[str, Any]:
    """What a run concluded: verdicts, proposals and the calls it accounts for."""
    record, state, waiting = load_state(run_id, Store.open())
    verdicts = {
        cid: (str(r.verdict.verdict) if r.verdict else None, r.verdict.cited_ids if r.verdict else []) for cid, r in state.get("claim_results", {}).items()
    }
    proposals = [(p.kind, p.target, p.after, p.grounded) for p in state.get("proposals", [])]
    calls = sorted((u.node, u.claim_id or "", u.input_tokens, u.output_tokens) for u in state.get("usage", []))
    return {"status": record.status, "waiting": waiting, "verdicts": verdicts, "proposals": proposals, "calls": calls}


def _only_new_run(before: set[str]) -> str:
    (new,) = {r.id for r in list_runs(Store.open())} - before
    return new


def test_a_small_budget_stops_the_demo_and_a_larger_one_resumes_it_to_the_same_end(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["run", str(LINE), "--replay", str(CASSETTE)]) == 0
    whole = _result(_only_new_run(set()))
    seen = {r.id for r in list_runs(Store.open())}

    assert cli(["run", str(LINE), "--replay", str(CASSETTE), "--max-cost", "0.02"]) == 8
    stopped = _only_new_run(seen)
    err = capsys.readouterr().err
    assert "stopped before task" in err and f"retest resume {stopped} --max-cost" in err
    run = next(r for r in list_runs(Store.open()) if r.id == stopped)
    assert run.status is RunStatus.INTERRUPTED and "--max-cost" in (run.error or "")
    partial = _result(stopped)
    assert partial["proposals"] == [] and len(partial["calls"]) < len(whole["calls"])

    assert cli(["resume", stopped, "--max-cost", "0.05"]) == 8, "still too small for the judge's worst case"
    assert cli(["resume", stopped, "--max-cost", "1"]) == 0
    resumed = _result(stopped)
    assert resumed == whole


def test_a_library_stops_at_the_budget_and_says_what_is_resumable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines, cassettes = tmp_path / "lines", tmp_path / "cassettes"
    lines.mkdir()
    cassettes.mkdir()
    for name in ("a-demo", "b-demo"):
        shutil.copy(LINE, lines / f"{name}.txt")
        shutil.copy(CASSETTE, cassettes / f"{name}.yaml")
    code = cli(["run", "--all", str(lines), "--replay", str(cassettes), "--max-cost", "0.02"])
    out = capsys.readouterr().out
    assert code == 8
    runs = list_runs(Store.open())
    assert [Path(r.line_path).stem for r in runs] == ["a-demo"], "replay runs one line at a time: the second never started"
    assert runs[0].status is RunStatus.INTERRUPTED
    assert f"retest resume {runs[0].id} --max-cost" in out and "not started: b-demo.txt" in out
    assert "FAILED" not in out
