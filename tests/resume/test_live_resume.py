"""A live run killed right after a paid model call gets that answer back on resume instead of paying again.

Against the local stand-ins (evals/benchmark/serve.py) on 127.0.0.1, whose logs count what was really sent.
The child dies inside the node that made the call, after the answer arrived and before the node returned, so
without saved responses the resumed node would send the call again.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.cli import run as cli
from agent.recording.responses import request_counts
from agent.runner import load_state
from agent.runs import list_runs
from agent.store import Store
from tests.graph.test_record_then_replay import SECRET, standins  # noqa: F401 - the stand-in services fixture
from tests.resume.harness import LINE, REPO

_KILL_AFTER_THIRD_CALL = r"""
import os, sys, threading
import agent.graph.context as context
real_ask = context.RunContext.ask
made = [0]
lock = threading.Lock()
def ask(self, *args, **kwargs):
    answer = real_ask(self, *args, **kwargs)
    with lock:
        made[0] += 1
        if made[0] == 3:
            os.kill(os.getpid(), 9)  # the call is paid and answered; its node has not returned
    return answer
context.RunContext.ask = ask
from agent.cli import main
sys.argv = ["retest", *sys.argv[1:]]
main()
"""


def _verdicts(home: Path) -> dict[str, str]:
    with Store.open(home / "retest.db") as store:
        (run,) = list_runs(store)
        _, state, _ = load_state(run.id, store)
    return {k: str(r.verdict.verdict) for k, r in state["claim_results"].items()}


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_a_killed_live_run_pays_each_model_call_once(standins, tmp_path, monkeypatch):  # noqa: F811 - the imported fixture
    arxiv, model = standins
    # One model call in flight at a time: at the kill none other is on the wire (a call in flight is paid however it ends).
    monkeypatch.setenv("RETEST_MAX_CONCURRENT_CALLS", "1")
    monkeypatch.setenv("RETEST_HOME", str(tmp_path / "uninterrupted"))
    assert cli(["run", str(LINE), "--run-date", "2026-11-29"]) == 0
    calls = len(model.log)

    home = tmp_path / "killed"
    monkeypatch.setenv("RETEST_HOME", str(home))
    child = subprocess.run(
        [sys.executable, "-c", _KILL_AFTER_THIRD_CALL, "run", str(LINE), "--run-date", "2026-11-29"],
        env={**os.environ, "COLUMNS": "120"},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert child.returncode == -9, child.stderr
    paid_by_the_killed_sitting = len(model.log) - calls
    assert paid_by_the_killed_sitting >= 3
    (run,) = list_runs(Store.open())
    assert cli(["resume", run.id]) == 0
    assert len(model.log) - calls == calls, "over both sittings, each model call was paid once"
    assert _verdicts(home) == _verdicts(tmp_path / "uninterrupted")
    counts = request_counts(Store.open(), run.id)
    assert counts.model == calls and counts.saved >= 1, counts
    assert SECRET.encode() not in (home / "retest.db").read_bytes(), "no key reaches the saved responses"
