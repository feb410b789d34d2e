"""A claim's likely source found in the run was retracted (Retraction Watch record 56413): shown in the report and review;
`retest review --accept` refuses the proposal naming it until --force (issue 19, points 5c and 8)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.cli import run as cli
from agent.review.review_run import load_review
from agent.runs import list_runs
from agent.store import Store
from tests.grounding.conftest import KEYS, REPO

LINE = REPO / "evals" / "lines" / "retracted-source.txt"
CASSETTE = REPO / "cassettes" / "citations" / "retracted-source.yaml"
DOI = "10.1155/2022/8490760"


def test_the_retracted_source_is_flagged_and_needs_force(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for key in KEYS:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("RETEST_HOME", str(tmp_path / ".retest"))
    assert cli(["run", str(LINE), "--replay", str(CASSETTE), "--citations", "--report"]) == 0
    report = capsys.readouterr().out
    assert f"C1 likely source: doi:{DOI}" in report and "RETRACTED: retracted (10.1155/2023/9856834, retraction-watch, 2023-07-12)" in report
    assert "— CITES A RETRACTED PAPER" in report
    with Store.open() as store:
        (run,) = list_runs(store)
        (flag,) = load_review(store, run.id).proposals
    assert flag.grounded, "the DOI was resolved in the run: it grounds the flag's text"
    assert flag.retracted_papers == [f"doi:{DOI}"]
    assert cli(["review", run.id, "--accept", flag.id]) == 2
    assert "rests on a RETRACTED paper" in capsys.readouterr().err
    assert cli(["review", run.id, "--accept-grounded"]) == 0, "nothing grounded and unretracted waits: nothing decided"
    with Store.open() as store:
        assert flag.id not in load_review(store, run.id).decisions
    assert cli(["review", run.id, "--accept", flag.id, "--force"]) == 0
    with Store.open() as store:
        assert str(load_review(store, run.id).decisions[flag.id].kind) == "accept"
