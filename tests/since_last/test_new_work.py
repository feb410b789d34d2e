"""The demo line in June, then in July with --since-last, when two real June papers arrive (issue 20)."""

from __future__ import annotations

from pathlib import Path

from agent.cli import run as cli
from agent.errors import ExitCode
from agent.runs import list_runs, run_usage, saved_proposals
from agent.store import Store

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"
SCENARIOS = REPO / "evals" / "scenarios"
JUNE = REPO / "cassettes" / "since-last" / "bargaining-power-june.yaml"
JULY = REPO / "cassettes" / "since-last" / "bargaining-power-july.yaml"


def test_only_the_claims_with_new_work_are_screened_and_judged_and_the_report_says_so(capsys) -> None:
    assert cli(["run", str(LINE), "--replay", str(JUNE)]) == 0
    june = list_runs(Store.open())[0]
    capsys.readouterr()
    assert cli(["run", str(LINE), "--replay", str(JULY), "--since-last", "--quiet"]) == ExitCode.CHANGES_TO_REVIEW
    july = list_runs(Store.open())[0]
    assert capsys.readouterr().out.strip() == f"bargaining-power: changes to review: retest review {july.id}"
    calls = sorted((u.node, u.claim_id or "") for u in run_usage(Store.open(), july.id))
    assert calls == [("draft_proposals", ""), ("judge", "C1"), ("judge", "C4"), ("propose_questions", ""), ("screen", "C1"), ("screen", "C4")]
    assert cli(["report", july.id]) == 0
    report = capsys.readouterr().out
    assert "- C1: no change (qualified), judged again with new work arXiv:2606.10127" in report
    assert "- C4: no change (strengthened), judged again with new work arXiv:2606.16011" in report
    assert "- C3: no change (strengthened); no new paper; searched 2026-05-25..2026-07-01: " in report
    proposed = saved_proposals(Store.open(), july.id) or []
    assert [(p.kind, p.target) for p in proposed] == [("revise_claim", "C1"), ("revise_claim", "C4"), ("add_note", "line")]
    june_ids = {(p.kind, p.target): p.id for p in saved_proposals(Store.open(), june.id) or [] if p.target != "line"}
    assert proposed[0].rationale.endswith(f"New since {june_ids[('revise_claim', 'C1')]} of run {june.id} was still awaiting review: arXiv:2606.10127.")
    assert (
        f"- not proposed again: revise_claim C3: still awaiting review as {june_ids[('revise_claim', 'C3')]} of run {june.id}; no new evidence since" in report
    )


def test_the_june_and_july_cassettes_are_what_their_scenarios_build(tmp_path) -> None:
    from evals.authoring import build_cassette, build_since_last
    from evals.authoring.scenario import load_scenario

    june = load_scenario(SCENARIOS / "bargaining-power-june.yaml")
    rebuilt, _ = build_cassette.build(june.model_copy(update={"cassette": tmp_path / "june.yaml"}))
    assert rebuilt.read_text(encoding="utf-8") == JUNE.read_text(encoding="utf-8"), (
        "regenerate: .venv/bin/python -m evals.authoring.build_cassette evals/scenarios/bargaining-power-june.yaml"
    )
    july = load_scenario(SCENARIOS / "bargaining-power-july.yaml")
    plan = build_since_last.first_run_plan(july, june, tmp_path / "home")
    rebuilt, _ = build_since_last.build(july.model_copy(update={"cassette": tmp_path / "july.yaml"}), plan)
    assert rebuilt.read_text(encoding="utf-8") == JULY.read_text(encoding="utf-8"), (
        "regenerate: .venv/bin/python -m evals.authoring.build_since_last evals/scenarios/bargaining-power-july.yaml"
    )
