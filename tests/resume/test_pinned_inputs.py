"""Issue 17 point 6: a resume uses the cassette and the line the run started with, and records every sitting's prompts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agent.cli import run as cli
from agent.events import NodeFinished, RunEvent
from agent.runner import cassette_run_date, start_run
from agent.runs import RunRecord, RunStatus, get_run, list_runs, run_sittings
from agent.services import RunRequest
from agent.store import Store
from tests.resume.harness import CASSETTE, LINE, REPO, child_env, start

ALL_PROMPTS = {"read_anchors", "plan_claims", "screen", "judge", "propose_questions", "draft_proposals"}


def _interrupted_run(line: Path, cassette: Path) -> RunRecord:
    """A replay stopped (Ctrl-C) once the anchors' step is checkpointed."""

    def stop_after_anchors(event: RunEvent) -> None:
        if isinstance(event, NodeFinished) and event.node == "verify_anchors":
            raise KeyboardInterrupt

    request = RunRequest(mode="replay", cassette=cassette, run_date=cassette_run_date(cassette))
    with pytest.raises(KeyboardInterrupt):
        start_run(line, request, Store.open(), progress=stop_after_anchors)
    (run,) = list_runs(Store.open())
    return run


def _one_line(err: str) -> str:
    return " ".join(err.split())


def test_a_run_pins_the_sha256_of_its_cassette_and_line(tmp_path):
    run = _interrupted_run(LINE, CASSETTE)
    import hashlib

    assert run.cassette_sha256 == hashlib.sha256(CASSETTE.read_bytes()).hexdigest()
    assert run.line_sha256 == hashlib.sha256(LINE.read_bytes()).hexdigest()


def test_resume_refuses_a_cassette_changed_since_the_run_started(tmp_path, capsys):
    cassette = tmp_path / "demo.yaml"
    shutil.copy(CASSETTE, cassette)
    run = _interrupted_run(LINE, cassette)
    original = cassette.read_bytes()
    cassette.write_bytes(original.replace(b"strengthened", b"weakened", 1))  # a re-recording, say
    capsys.readouterr()
    assert cli(["resume", run.id]) == 5
    err = capsys.readouterr().err
    message = _one_line(err)
    assert f"the cassette {cassette} changed after run {run.id} started" in message, message
    assert "Put the original cassette back" in message and f"--replay {cassette}" in message
    assert "Traceback" not in err
    assert get_run(Store.open(), run.id).status is RunStatus.INTERRUPTED, "a refused resume leaves the run as it was"
    cassette.write_bytes(original)
    assert cli(["resume", run.id]) == 0, capsys.readouterr().err
    assert get_run(Store.open(), run.id).status is RunStatus.AWAITING_REVIEW


def test_resume_refuses_a_line_changed_or_removed_after_its_first_step(tmp_path, capsys):
    line = tmp_path / "line.txt"
    shutil.copy(LINE, line)
    run = _interrupted_run(line, CASSETTE)
    line.write_text(LINE.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    capsys.readouterr()
    assert cli(["resume", run.id]) == 5
    assert f"the line file {line} changed after run {run.id} started" in _one_line(capsys.readouterr().err)
    line.unlink()
    assert cli(["resume", run.id]) == 5
    assert f"the line file {line} was removed after run {run.id} started" in _one_line(capsys.readouterr().err)
    shutil.copy(LINE, line)
    assert cli(["resume", run.id]) == 0


_KILL_IN_DRAFTS = r"""
import os
import agent.graph.nodes.draft_proposals as node
def draft_proposals(state, runtime):
    os.kill(os.getpid(), 9)
node.draft_proposals = draft_proposals
"""


def test_the_run_lists_the_prompts_of_every_sitting(tmp_path):
    from tests.resume.harness import CHILD

    home = Path(__import__("os").environ["RETEST_HOME"])
    script = tmp_path / "child.py"
    script.write_text(_KILL_IN_DRAFTS + CHILD, encoding="utf-8")
    import subprocess
    import sys

    env = child_env(home, tmp_path / "meter")
    killed = subprocess.run([sys.executable, str(script), "run", str(LINE), "--replay", str(CASSETTE)], env=env, cwd=REPO, capture_output=True, timeout=180)
    assert killed.returncode == -9, killed.stderr
    (run,) = list_runs(Store.open())
    first = set(run_sittings(Store.open(), run.id)[0].prompts)
    assert first == ALL_PROMPTS - {"draft_proposals"}, "the killed sitting's prompts are on record although it never finished"
    resumed = start(["resume", run.id], env)
    _, err = resumed.communicate(timeout=180)
    assert resumed.returncode == 0, err
    after = get_run(Store.open(), run.id)
    assert set(after.prompts) == ALL_PROMPTS
    sittings = run_sittings(Store.open(), run.id)
    assert [s.sitting for s in sittings] == [1, 2] and "draft_proposals" in sittings[1].prompts
    assert json.loads(json.dumps(after.prompts)) == {**sittings[0].prompts, **sittings[1].prompts}
