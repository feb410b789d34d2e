"""A review that forgives slips, in the terminal front end: the same service the pages use."""

from __future__ import annotations

import pytest

from agent.cli import run as cli
from agent.line.citable import REMOVED
from agent.line.read import load_line
from agent.proposals import DecisionKind
from agent.review.decisions import make_decision
from agent.review.review_run import load_review, submit
from agent.runs import RunStatus
from tests.web.conftest import Demo, unground

OTHERS = "P3,P4,P5,P6,P7,P8,P9,P10,P11,P12,P13,P14,P15"


def review_of(demo: Demo):
    with demo.store() as store:
        return load_review(store, demo.run_id)


def test_accepting_a_not_grounded_proposal_needs_force(demo: Demo, capsys: pytest.CaptureFixture[str]) -> None:
    unground(demo, "P3")
    assert cli(["review", demo.run_id, "--accept", "P3"]) == 2
    assert "NOT GROUNDED" in capsys.readouterr().err and "P3" not in review_of(demo).decisions
    assert cli(["review", demo.run_id, "--accept", "P3", "--force"]) == 0
    assert review_of(demo).decisions["P3"].kind is DecisionKind.ACCEPT


def test_a_finished_review_reopens_until_apply(demo: Demo, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["review", demo.run_id, "--accept-grounded"]) == 0
    assert review_of(demo).run.status is RunStatus.COMPLETED
    assert cli(["review", demo.run_id, "--reject", "P2"]) == 2
    assert "--reopen" in capsys.readouterr().err
    assert cli(["review", demo.run_id, "--reopen", "--undo", "P2"]) == 0
    after = review_of(demo)
    assert after.pending == ["P2"] and after.run.status is RunStatus.AWAITING_REVIEW
    assert cli(["review", demo.run_id, "--reject", "P2", "--reason", "slip fixed"]) == 0
    done = review_of(demo)
    assert done.run.status is RunStatus.COMPLETED and done.decisions["P2"].kind is DecisionKind.REJECT
    # A change of mind without an undo: straight from accept to reject on a finished review.
    assert cli(["review", demo.run_id, "--reopen", "--reject", "P1"]) == 0
    assert review_of(demo).decisions["P1"].kind is DecisionKind.REJECT
    assert cli(["apply", demo.run_id]) == 0
    assert cli(["review", demo.run_id, "--reopen", "--undo", "P3"]) == 2, "an applied proposal's decision is final"


def test_apply_dry_run_prints_the_diff_and_writes_nothing(demo: Demo, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["review", demo.run_id, "--accept-grounded"]) == 0
    capsys.readouterr()
    target = demo.line.with_suffix(".md")
    assert cli(["apply", demo.run_id, "--dry-run"]) == 0
    printed = capsys.readouterr().out
    assert not target.exists() and "nothing was written" in printed
    assert "+## Changelog" in printed or "+- " in printed, "the diff of the file is printed"


def test_apply_partial_writes_the_accepted_and_leaves_the_rest_pending(demo: Demo) -> None:
    assert cli(["review", demo.run_id, "--accept", "P1"]) == 0
    assert cli(["apply", demo.run_id]) == 2, "without --partial, every proposal needs a decision"
    assert cli(["apply", demo.run_id, "--partial"]) == 0
    target = demo.line.with_suffix(".md")
    first = load_line(target).line
    assert [e.run_id for e in first.changelog] == [demo.run_id] and first.changelog[0].applied[0].startswith("P1 ")
    assert review_of(demo).pending[0] == "P2"
    assert cli(["review", demo.run_id, "--accept", "P2", "--reject", OTHERS]) == 0
    assert cli(["apply", demo.run_id]) == 0
    second = load_line(target).line
    assert [line.split()[0] for e in second.changelog for line in e.applied] == ["P1", "P2"], "each proposal written once"
    assert cli(["apply", demo.run_id]) == 0 and load_line(target).line == second, "a third apply changes nothing"


def test_no_placeholder_reaches_a_line_file(demo: Demo, capsys: pytest.CaptureFixture[str]) -> None:
    unground(demo, "P3", after=f"Bargaining power erodes gradually {REMOVED}.")
    assert cli(["review", demo.run_id, "--accept", "P3", "--force"]) == 2
    assert "cannot be accepted as it is" in capsys.readouterr().err
    # State that reached the store some other way (an older Retest): apply still refuses it.
    with demo.store() as store:
        submit(store, load_review(store, demo.run_id), [make_decision("P3", DecisionKind.ACCEPT)])
    assert cli(["review", demo.run_id, "--reject", "P1,P2," + OTHERS.replace("P3,", "")]) == 0
    assert cli(["apply", demo.run_id]) == 2
    assert REMOVED in capsys.readouterr().err and not demo.line.with_suffix(".md").exists()


def test_export_out_refuses_an_existing_file_without_force(demo: Demo) -> None:
    before = demo.line.read_text(encoding="utf-8")
    assert cli(["export", demo.run_id, "--json", "--out", str(demo.line)]) == 2
    assert demo.line.read_text(encoding="utf-8") == before
    assert cli(["export", demo.run_id, "--json", "--out", str(demo.line), "--force"]) == 0
    assert demo.line.read_text(encoding="utf-8") != before
