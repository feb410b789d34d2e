"""The demo line, end to end through the CLI, replayed from its cassette; and resume after a kill."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from agent.cli import run as cli
from agent.graph.records import VerdictKind
from agent.runner import load_state
from agent.runs import RunStatus, list_runs, run_usage
from agent.sources.models import TitleMatch
from agent.store import Store

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"
CASSETTE = REPO / "cassettes" / "demo" / "bargaining-power.yaml"
EXPECTED_VERDICTS = {
    "C1": VerdictKind.QUALIFIED,
    "C2": VerdictKind.HOLDS,
    "C3": VerdictKind.STRENGTHENED,
    "C4": VerdictKind.STRENGTHENED,
    "C5": VerdictKind.HOLDS,
}


def _only_run(store: Store):
    runs = list_runs(store)
    assert len(runs) == 1
    return load_state(runs[0].id, store)


def test_demo_replays_end_to_end(capsys):
    assert cli(["run", str(LINE), "--replay", str(CASSETTE)]) == 0
    out = capsys.readouterr().out
    assert "retest review" in out and "15 proposals" in out
    run, state, waiting = _only_run(Store.open())
    assert run.status is RunStatus.AWAITING_REVIEW and waiting == ("review",)
    assert str(run.run_date) == "2026-11-29", "replay takes the cassette's run date"
    assert {k: r.verdict.verdict for k, r in state["claim_results"].items()} == EXPECTED_VERDICTS
    anchors = {a.arxiv_id: a for a in state["anchor_checks"]}
    changed = anchors["2306.14694"]
    assert changed.title_match is TitleMatch.CLOSE and "version 1" in changed.title_note
    assert all(a.title_match is TitleMatch.EXACT for i, a in anchors.items() if i != "2306.14694")
    assert state["claim_results"]["C1"].anchored_by == [], "C1 rests on no anchor"
    papers = state["papers"]
    for proposal in state["proposals"]:
        assert proposal.grounded, proposal.id
        for evidence in proposal.evidence:
            assert evidence.arxiv_id in papers and evidence.quote in papers[evidence.arxiv_id].summary
    assert state["ungrounded"] == []
    assert sum(u.calls for u in run_usage(Store.open(), run.id)) == 2 * 5 + 4, "screen and judge per claim; anchors, the plan, questions, the draft per line"


def test_demo_report_names_everything(capsys):
    assert cli(["run", str(LINE), "--replay", str(CASSETTE)]) == 0
    run_id = list_runs(Store.open())[0].id
    capsys.readouterr()
    assert cli(["report", run_id[:10]]) == 0
    report = capsys.readouterr().out
    for needle in ("## Anchors", "title close", "rests on no anchor", "### C4: strengthened", "Searched:", "P1 replace_anchor A3", "| total |"):
        assert needle in report


def test_replay_at_another_date_is_a_cassette_miss(capsys):
    code = cli(["run", str(LINE), "--replay", str(CASSETTE), "--run-date", "2026-12-01"])
    err = capsys.readouterr().err
    assert code == 4, err
    assert "cassette miss" in err and "plan_claims" in err and "--record" in err
    failed = list_runs(Store.open())[0]
    assert failed.status is RunStatus.FAILED and "cassette miss" in failed.error


_KILLER = """
import os, sys
import agent.graph.nodes.judge as node
real = node.judge
def judge(state, runtime):
    if state["claim"].id == "C3":
        os.kill(os.getpid(), 9)  # die mid-run, as a kill -9 would
    return real(state, runtime)
node.judge = judge
from agent.cli import main
sys.argv = ["retest", *sys.argv[1:]]
main()
"""


def test_resume_after_kill_finishes_without_repeating_work(tmp_path):
    env = {**os.environ, "RETEST_HOME": os.environ["RETEST_HOME"], "COLUMNS": "120"}
    killed = subprocess.run([sys.executable, "-c", _KILLER, "run", str(LINE), "--replay", str(CASSETTE)], env=env, capture_output=True, text=True, timeout=120)
    assert killed.returncode == -9, killed.stderr
    store = Store.open()
    run = list_runs(store)[0]
    assert run.status is RunStatus.RUNNING, "a killed process leaves its run marked running"
    _, before, _ = load_state(run.id, store)
    done_before = {k for k, r in before.get("claim_results", {}).items() if r.verdict}
    assert "C3" not in done_before
    resumed = subprocess.run([sys.executable, "-m", "agent.cli.__main__", "resume", run.id], env=env, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert resumed.returncode == 0, resumed.stderr
    run_after, state, waiting = load_state(run.id, Store.open())
    assert run_after.status is RunStatus.AWAITING_REVIEW and waiting == ("review",)
    assert {k: r.verdict.verdict for k, r in state["claim_results"].items()} == EXPECTED_VERDICTS
    assert [p.id for p in state["proposals"]] == [f"P{i}" for i in range(1, 16)], "no duplicated proposals"
    calls = [(u.node, u.claim_id) for u in state["usage"]]
    assert len(calls) == len(set(calls)) == 14, "no model call repeated or lost across the kill"
    assert re.search(r"C3\s.*strengthened", resumed.stdout)


def test_live_run_without_keys_stops_before_recording_a_run(capsys):
    code = cli(["run", str(LINE)])
    err = capsys.readouterr().err
    assert code == 3 and "OPENAI_API_KEY" in err, err
    assert list_runs(Store.open()) == [], "nothing half-started is left behind"


def test_demo_cassette_is_what_its_scenario_builds(tmp_path):
    from evals.authoring.build_cassette import build
    from evals.authoring.scenario import load_scenario

    scenario = load_scenario(REPO / "evals" / "scenarios" / "bargaining-power.yaml")
    rebuilt, _ = build(scenario.model_copy(update={"cassette": tmp_path / "demo.yaml"}))
    assert rebuilt.read_text(encoding="utf-8") == CASSETTE.read_text(encoding="utf-8"), (
        "regenerate: .venv/bin/python -m evals.authoring.build_cassette evals/scenarios/bargaining-power.yaml"
    )


def test_a_run_failing_late_keeps_the_cost_of_the_calls_it_made(tmp_path, capsys):
    from agent.recording import serializer

    data = serializer.deserialize(CASSETTE.read_text(encoding="utf-8"))
    last = "Papers retrieved and verified in this run"  # the draft_proposals prompt: the run's last model call
    data["interactions"] = [i for i in data["interactions"] if last not in (i["request"].get("body") or "")]
    truncated = tmp_path / "without-drafts.yaml"
    truncated.write_text(serializer.serialize(data), encoding="utf-8")
    assert cli(["run", str(LINE), "--replay", str(truncated)]) == 4
    assert "draft_proposals" in capsys.readouterr().err
    failed = list_runs(Store.open())[0]
    assert failed.status is RunStatus.FAILED
    assert sum(u.calls for u in run_usage(Store.open(), failed.id)) == 13, "every call before the miss is accounted for"


def test_resume_refuses_a_run_another_live_process_is_executing(capsys):
    assert cli(["run", str(LINE), "--replay", str(CASSETTE)]) == 0
    store = Store.open()
    run_id = list_runs(store)[0].id
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with store.transaction() as conn:  # as if that process were executing the run
            conn.execute("UPDATE runs SET status = 'running', pid = ? WHERE id = ?", (other.pid, run_id))
        capsys.readouterr()
        assert cli(["resume", run_id]) == 2
        assert f"still running in process {other.pid}" in capsys.readouterr().err
    finally:
        other.kill()
        other.wait()
    assert cli(["resume", run_id]) == 0, "once that process is gone, the run resumes"
    assert list_runs(Store.open())[0].pid == os.getpid()


_SIGNALLER = """
import os, signal, sys
import agent.graph.nodes.judge as node
STOP = getattr(signal, sys.argv.pop(1))
real = node.judge
def judge(state, runtime):
    if state["claim"].id == "C3":
        os.kill(os.getpid(), STOP)  # as `kill` or a closed terminal would
    return real(state, runtime)
node.judge = judge
from agent.cli import main
sys.argv = ["retest", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGHUP"])
def test_a_terminated_run_is_interrupted_and_resumable(signal_name: str) -> None:
    env = {**os.environ, "RETEST_HOME": os.environ["RETEST_HOME"], "COLUMNS": "120"}
    stopped = subprocess.run(
        [sys.executable, "-c", _SIGNALLER, signal_name, "run", str(LINE), "--replay", str(CASSETTE)], env=env, capture_output=True, text=True, timeout=120
    )
    assert stopped.returncode == 130, stopped.stderr
    run = list_runs(Store.open())[0]
    assert run.status is RunStatus.INTERRUPTED, "not left 'running' for good"
    assert f"retest resume {run.id}" in " ".join(stopped.stderr.split())
    resumed = subprocess.run([sys.executable, "-m", "agent.cli.__main__", "resume", run.id], env=env, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert resumed.returncode == 0, resumed.stderr
    assert load_state(run.id, Store.open())[0].status is RunStatus.AWAITING_REVIEW
