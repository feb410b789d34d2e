"""The demo line a month later with --since-last, through the CLI, offline: exit codes, quiet output, the lock, history (issue 20)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from agent.cli import run as cli
from agent.errors import ExitCode
from agent.incremental import scheduled_lock
from agent.runs import RunStatus, list_runs, run_usage, saved_proposals
from agent.store import Store

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"
FULL = REPO / "cassettes" / "demo" / "bargaining-power.yaml"
LATER = REPO / "cassettes" / "since-last" / "bargaining-power-month-later.yaml"


@pytest.fixture
def after_full_run(capsys) -> str:
    assert cli(["run", str(LINE), "--replay", str(FULL)]) == 0
    capsys.readouterr()
    return list_runs(Store.open())[0].id


def test_a_month_later_nothing_changed_no_model_call_and_exit_0(after_full_run, capsys) -> None:
    code = cli(["run", str(LINE), "--replay", str(LATER), "--since-last", "--quiet"])
    out = capsys.readouterr().out
    assert code == ExitCode.OK
    second = list_runs(Store.open())[0]
    assert out.strip() == f"bargaining-power: nothing changed (run {second.id})"
    assert second.status is RunStatus.COMPLETED and second.id != after_full_run
    assert sum(u.calls for u in run_usage(Store.open(), second.id)) == 0
    assert cli(["report", second.id]) == 0
    report = capsys.readouterr().out
    assert f"## What changed since run {after_full_run} (2026-11-29)" in report
    assert report.index("## What changed") < report.index("## Anchors")  # the report opens with it
    assert "- C4: no change (strengthened); no new paper; searched 2026-11-22..2026-12-29: [support] abs:LLM AND abs:sycophancy" in report


def test_without_a_last_run_since_last_is_a_full_run_with_changes_to_review(capsys) -> None:
    code = cli(["run", str(LINE), "--replay", str(FULL), "--since-last", "--quiet"])
    run = list_runs(Store.open())[0]
    assert code == ExitCode.CHANGES_TO_REVIEW
    assert capsys.readouterr().out.strip() == f"bargaining-power: changes to review: retest review {run.id}"
    assert sum(u.calls for u in run_usage(Store.open(), run.id)) == 14


def test_run_all_since_last_quiet_exits_0_when_nothing_changed(after_full_run, tmp_path, capsys) -> None:
    library, cassettes = tmp_path / "lib", tmp_path / "cassettes"
    library.mkdir(), cassettes.mkdir()
    shutil.copy(LINE, library / LINE.name)
    shutil.copy(LATER, cassettes / "bargaining-power.yaml")
    code = cli(["run", "--all", str(library), "--replay", str(cassettes), "--since-last", "--quiet", "--yes"])
    out = capsys.readouterr().out
    assert code == ExitCode.OK, out
    assert out.strip().startswith("bargaining-power: nothing changed (run ")
    assert len(out.strip().splitlines()) == 1  # no table, no progress: one line per line


def test_two_scheduled_runs_at_once_the_second_exits_cleanly(after_full_run, tmp_path, capsys) -> None:
    library = tmp_path / "lib"
    library.mkdir()
    shutil.copy(LINE, library / LINE.name)
    before = {r.id for r in list_runs(Store.open())}
    with scheduled_lock(Store.open()):  # the first scheduled run, still under way
        code = cli(["run", "--all", str(library), "--replay", str(LATER.parent), "--since-last", "--quiet", "--yes"])
        single = cli(["run", str(LINE), "--replay", str(LATER), "--since-last", "--quiet"])
    err = capsys.readouterr().err
    assert code == single == ExitCode.LOCKED
    assert "another `retest run --since-last` (pid " in err and "this one did not start" in err
    assert "Traceback" not in err
    assert {r.id for r in list_runs(Store.open())} == before  # nothing ran
    # Once the first has finished, the next one runs.
    assert cli(["run", str(LINE), "--replay", str(LATER), "--since-last", "--quiet"]) == ExitCode.OK


def test_runs_line_lists_the_history_of_verdicts(after_full_run, capsys) -> None:
    assert cli(["run", str(LINE), "--replay", str(LATER), "--since-last", "--quiet"]) == 0
    capsys.readouterr()
    assert cli(["runs", "--line", "bargaining-power", "--json"]) == 0
    import json

    history = json.loads(capsys.readouterr().out)
    assert [h["run_date"] for h in history] == ["2026-11-29", "2026-12-29"]
    assert [h["since_last"] for h in history] == [None, after_full_run]
    assert [h["calls"] for h in history] == [14, 0]
    assert history[0]["verdicts"] == history[1]["verdicts"] and history[1]["verdicts"]["C1"] == "qualified"


def test_the_month_later_cassette_is_what_its_scenario_builds(tmp_path) -> None:
    from evals.authoring.build_since_last import build, first_run_plan
    from evals.authoring.scenario import load_scenario

    scenarios = REPO / "evals" / "scenarios"
    scenario, base = load_scenario(scenarios / "bargaining-power-month-later.yaml"), load_scenario(scenarios / "bargaining-power.yaml")
    plan = first_run_plan(scenario, base, tmp_path / "home")
    rebuilt, state = build(scenario.model_copy(update={"cassette": tmp_path / "later.yaml"}), plan)
    assert rebuilt.read_text(encoding="utf-8") == LATER.read_text(encoding="utf-8"), (
        "regenerate: .venv/bin/python -m evals.authoring.build_since_last evals/scenarios/bargaining-power-month-later.yaml"
    )
    assert "api.openai.com" not in rebuilt.read_text(encoding="utf-8") and "api.anthropic.com" not in rebuilt.read_text(encoding="utf-8")


def test_a_proposal_rejected_in_review_is_not_proposed_again_a_month_later(after_full_run, capsys) -> None:
    from agent.proposals import DecisionKind
    from agent.review.decisions import make_decision, save_decisions

    # The curator rejects the demo's anchor correction (P1) in review; the decision is in the store, not yet handed to the graph.
    save_decisions(Store.open(), after_full_run, [make_decision("P1", DecisionKind.REJECT, reason="the v1 title is the one we cite", reviewer="curator")])
    assert cli(["run", str(LINE), "--replay", str(LATER), "--since-last", "--quiet"]) == ExitCode.OK
    second = list_runs(Store.open())[0]
    capsys.readouterr()
    assert cli(["report", second.id]) == 0
    report = capsys.readouterr().out
    assert f"- not proposed again: replace_anchor A3: rejected as P1 of run {after_full_run} on " in report
    assert "(the v1 title is the one we cite); no new evidence since" in report
    assert "### P1" not in report  # nothing is proposed


def test_after_apply_the_line_is_found_by_its_identity_and_only_the_revised_claim_is_re_tested(tmp_path, capsys) -> None:
    from agent.incremental import since_last_plan
    from agent.line.read import load_line

    line = tmp_path / LINE.name
    shutil.copy(LINE, line)
    assert cli(["run", str(line), "--replay", str(FULL)]) == 0
    first = list_runs(Store.open())[0]
    proposals = saved_proposals(Store.open(), first.id) or []
    revision = next(p for p in proposals if p.kind == "revise_claim" and p.target == "C1")  # the writer's revision of C1
    others = ",".join(p.id for p in proposals if p.id != revision.id)
    assert cli(["review", first.id, "--accept", revision.id, "--reject", others, "--reason", "not now"]) == 0
    applied = tmp_path / "applied.md"
    assert cli(["apply", first.id, "--out", str(applied), "--date", "2026-11-30"]) == 0
    capsys.readouterr()
    changed = load_line(applied).line
    assert changed.claim("C1").text != load_line(line).line.claim("C1").text  # the file (and its hash) changed
    plan = since_last_plan(Store.open(), changed, dt.date(2026, 12, 29))
    assert plan is not None and plan.previous_run_id == first.id
    assert set(plan.full) == {"C1"} and "changed" in plan.full["C1"]
    assert set(plan.claims) == {"C2", "C3", "C4", "C5"}
    assert {k.proposal.id: k.standing for k in plan.known}[revision.id] == "accepted"


def test_run_all_since_last_exits_1_when_a_line_fails(after_full_run, tmp_path, capsys) -> None:
    library, cassettes = tmp_path / "lib", tmp_path / "cassettes"
    library.mkdir(), cassettes.mkdir()
    shutil.copy(LINE, library / LINE.name)
    (library / "broken.txt").write_text("not a line\n", encoding="utf-8")
    shutil.copy(LATER, cassettes / "bargaining-power.yaml")
    shutil.copy(LATER, cassettes / "broken.yaml")
    code = cli(["run", "--all", str(library), "--replay", str(cassettes), "--since-last", "--quiet", "--yes"])
    out = capsys.readouterr().out
    assert code == ExitCode.RUN_FAILED
    assert "bargaining-power: nothing changed (run " in out and "broken: FAILED: " in out
