"""Issue 17 point 3: one run, two commands at once.

- Two `retest resume` of one killed run started together: exactly one runs it, the other is refused naming the
  process that holds it (before, both ran it in 8 of 10 rounds, each paying for most calls).
- Two `retest review --accept` at once lose no decision from the graph (before: 2 of 10 rounds).
- A batch review retried after a kill records every decision once (before: every decision twice).

The children wait for a "go" file after their imports, so both reach the claim within milliseconds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from agent.cli import run as cli
from agent.review.decisions import decision_history
from agent.runner import load_state
from agent.runs import RunStatus, get_run, list_runs
from agent.store import Store
from tests.resume.harness import CASSETTE, LINE, REPO, meter_lines

_WAIT_FOR_GO = r"""
import os, sys, time
import agent.runner, agent.review.review_run  # the slow imports, before the start line (after any patch above)
open(os.environ["RETEST_TEST_GO"] + f".ready.{os.getpid()}", "w").close()
while not os.path.exists(os.environ["RETEST_TEST_GO"]):
    time.sleep(0.001)
"""

_KILL_AT_JUDGE_C3 = r"""
import os
import agent.graph.nodes.judge as node
real = node.judge
def judge(state, runtime):
    if state["claim"].id == "C3":
        os.kill(os.getpid(), 9)
    return real(state, runtime)
node.judge = judge
"""

_KILL_AFTER_SAVING = r"""
import os
import agent.review.review_run as review_run
real = review_run.save_decisions
def save_decisions(*args, **kwargs):
    written = real(*args, **kwargs)
    os.kill(os.getpid(), 9)  # after the decisions are committed, before the graph has them
review_run.save_decisions = save_decisions
"""


def _child_script(tmp_path: Path, prelude: str = "") -> Path:
    from tests.resume.harness import CHILD

    script = tmp_path / f"child-{len(list(tmp_path.glob('child-*')))}.py"
    script.write_text(prelude + _WAIT_FOR_GO + CHILD, encoding="utf-8")
    return script


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "RETEST_TEST_METER": str(tmp_path / "meter"),
        "RETEST_TEST_GO": str(tmp_path / "go"),
        "COLUMNS": "200",
    }


def _together(tmp_path: Path, *commands: list[str], prelude: str = "") -> list[subprocess.CompletedProcess[str]]:
    """Start the commands, let them go at the same moment, wait for all."""
    go = tmp_path / "go"
    go.unlink(missing_ok=True)
    for ready in tmp_path.glob("go.ready.*"):
        ready.unlink()
    script = _child_script(tmp_path, prelude)
    env = _env(tmp_path)
    children = [
        subprocess.Popen([sys.executable, str(script), *args], env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for args in commands
    ]
    # Every child past its imports before any goes: on a loaded machine a fixed wait let one finish before the other began.
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("go.ready.*"))) < len(children) and time.monotonic() < deadline:
        if any(child.poll() is not None for child in children):
            break  # a child died while importing: its output says why
        time.sleep(0.01)
    go.touch()
    results = []
    for child, args in zip(children, commands, strict=True):
        out, err = child.communicate(timeout=180)
        results.append(subprocess.CompletedProcess(args, child.returncode, out, err))
        results[-1].pid = child.pid  # type: ignore[attr-defined]
    return results


def _killed_run(tmp_path: Path) -> str:
    (killed,) = _together(tmp_path, ["run", str(LINE), "--replay", str(CASSETTE)], prelude=_KILL_AT_JUDGE_C3)
    assert killed.returncode == -9, killed.stderr
    (run,) = list_runs(Store.open())
    assert run.status is RunStatus.RUNNING
    return run.id


def test_two_resumes_at_once_one_runs_it_and_the_other_is_refused(tmp_path):
    run_id = _killed_run(tmp_path)
    before = len(meter_lines(tmp_path / "meter"))
    first, second = _together(tmp_path, ["resume", run_id], ["resume", run_id])
    winner, loser = (first, second) if first.returncode == 0 else (second, first)
    assert (winner.returncode, loser.returncode) == (0, 2), (first.stderr, second.stderr)
    message = " ".join(loser.stderr.split())
    assert f"run {run_id} is held by process {winner.pid}" in message, message  # type: ignore[attr-defined]
    assert "Traceback" not in loser.stderr
    answered_by = [line.split("\t")[0] for line in meter_lines(tmp_path / "meter")[before:]]
    assert str(loser.pid) not in answered_by, "the refused resume sent nothing"  # type: ignore[attr-defined]
    assert get_run(Store.open(), run_id).status is RunStatus.AWAITING_REVIEW


def _graph_decisions(run_id: str) -> dict[str, str]:
    """The decisions the graph holds, read without `load_review` (which would re-sync them from the table)."""
    _, state, _ = load_state(run_id, Store.open())
    return {pid: str(d.kind) for pid, d in state.get("decisions", {}).items()}


def _rows(run_id: str) -> list[tuple[str, str]]:
    return [(d.proposal_id, str(d.kind)) for d in decision_history(Store.open(), run_id)]


def test_two_reviews_at_once_lose_no_decision(tmp_path):
    assert cli(["run", str(LINE), "--replay", str(CASSETTE)]) == 0
    run_id = list_runs(Store.open())[0].id
    expected: dict[str, str] = {}
    for left, right in ((["P1", "P2"], ["P3", "P4"]), (["P5"], ["P6"]), (["P7"], ["P8"])):
        results = _together(tmp_path, ["review", run_id, "--accept", ",".join(left)], ["review", run_id, "--reject", ",".join(right), "--reason", "off"])
        assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
        expected |= {pid: "accept" for pid in left} | {pid: "reject" for pid in right}
        assert _graph_decisions(run_id) == expected, "the graph holds both commands' decisions"
    assert sorted(_rows(run_id)) == sorted(expected.items()), "each decision saved once"
    assert get_run(Store.open(), run_id).status is RunStatus.AWAITING_REVIEW, "P9 still waits"


def test_a_batch_review_retried_after_a_kill_records_each_decision_once(tmp_path, capsys):
    assert cli(["run", str(LINE), "--replay", str(CASSETTE)]) == 0
    run_id = list_runs(Store.open())[0].id
    batch = ["review", run_id, "--accept", "P1,P2,P3,P5", "--reject", "P4", "--reason", "off"]
    (killed,) = _together(tmp_path, batch, prelude=_KILL_AFTER_SAVING)
    assert killed.returncode == -9, killed.stderr
    assert len(_rows(run_id)) == 5 and _graph_decisions(run_id) == {}, "saved, not yet handed to the graph"
    assert cli(batch) == 0, capsys.readouterr().err
    assert sorted(_rows(run_id)) == sorted([("P1", "accept"), ("P2", "accept"), ("P3", "accept"), ("P5", "accept"), ("P4", "reject")])
    assert set(_graph_decisions(run_id)) == {"P1", "P2", "P3", "P4", "P5"}


def test_a_retried_batch_that_had_decided_everything_succeeds(tmp_path, capsys):
    assert cli(["run", str(LINE), "--replay", str(CASSETTE)]) == 0
    run_id = list_runs(Store.open())[0].id
    batch = ["review", run_id, "--accept", "P1,P2,P3,P4,P5,P6,P7,P8,P9,P10,P11,P12,P13,P14,P15"]
    (killed,) = _together(tmp_path, batch, prelude=_KILL_AFTER_SAVING)
    assert killed.returncode == -9, killed.stderr
    capsys.readouterr()
    assert cli(batch) == 0, "its intent was carried out: not 'review is closed'"
    assert "already saved" in capsys.readouterr().out
    assert len(_rows(run_id)) == 15
    assert get_run(Store.open(), run_id).status is RunStatus.COMPLETED
