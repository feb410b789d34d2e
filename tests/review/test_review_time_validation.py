"""Issue 17, point 4: a proposal apply could never carry out is refused when it is made and when it is accepted.

Today's failure: an invalid new date or a proposal for a claim the line does not
have passed review, after which `apply` failed for good with a hint that blamed
the line file. The states below are changed directly, as a run drafted before the
check (or a model's answer the check has not seen) would hold them.
"""

from __future__ import annotations

import dataclasses

import pytest

from agent.errors import InputError
from agent.graph.nodes.ground_check import ground_check
from agent.line import load_line
from agent.proposals import DecisionKind, Proposal, ProposalKind, proposal_problems
from agent.review.apply import apply_review
from agent.review.decisions import make_decision
from agent.review.review_run import ReviewRun, load_review, submit
from agent.review.session import Session
from tests.review.conftest import Demo
from tests.review.support import LINE, ScriptedEditor, ScriptedKeys, quiet_console

DEMO = load_line(LINE).line


def _p(**fields) -> Proposal:
    base = dict(id="P1", kind=ProposalKind.REVISE_CLAIM, target="C2", after="A claim text", new_date="~2026", rationale="r")
    return Proposal(**(base | fields))


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"target": "C9"}, "its target 'C9' is no claim ID of the line (it has C1, C2, C3, C4, C5)"),
        ({"new_date": "2026-13"}, "its new date '2026-13' is not a date"),
        ({"new_date": "soon"}, "its new date 'soon' is not a date"),
        ({"after": "  "}, "its new text is empty"),
        ({"kind": ProposalKind.REPLACE_ANCHOR, "target": "C2", "new_date": None}, "its target 'C2' is no anchor ID"),
        ({"kind": ProposalKind.ADD_NOTE, "target": "C2", "new_date": None}, "its target must be 'line' (add_note adds to the line as a whole), not 'C2'"),
        ({"kind": ProposalKind.FLAG, "target": "C1 (superseded)", "new_date": None}, "is no claim, anchor, note ID or 'line' of the line"),
    ],
    ids=["unknown-claim", "month-13", "no-date", "empty", "anchor-kind", "note-kind", "flag-target"],
)
def test_each_problem_is_named(fields, problem):
    problems = proposal_problems(_p(**fields), DEMO)
    assert any(problem in p for p in problems), problems


@pytest.mark.parametrize(
    "fields", [{}, {"new_date": None}, {"kind": ProposalKind.FLAG, "target": "A3", "new_date": None}, {"kind": ProposalKind.FLAG, "target": "line"}]
)
def test_valid_proposals_have_none(fields):
    assert proposal_problems(_p(**fields), DEMO) == []


def test_the_ground_check_records_the_problems_of_every_drafted_proposal():
    state = {"line": DEMO, "papers": {}, "proposals": [_p(), _p(id="P2", target="C9"), _p(id="P3", new_date="2026-13")]}
    checked = {p.id: p.problems for p in ground_check(state)["proposals"]}
    assert checked["P1"] == [] and "'C9'" in checked["P2"][0] and "'2026-13'" in checked["P3"][0]


def _review(demo: Demo) -> ReviewRun:
    with demo.store() as store:
        return load_review(store, demo.run_id)


def _swap(review: ReviewRun, changed: Proposal) -> ReviewRun:
    proposals = [changed if p.id == changed.id else p for p in review.proposals]
    return dataclasses.replace(review, state={**review.state, "proposals": proposals})


def _revision(review: ReviewRun) -> Proposal:
    return next(p for p in review.proposals if p.kind is ProposalKind.REVISE_CLAIM)


@pytest.mark.parametrize("update", [{"new_date": "2026-13"}, {"target": "C9"}], ids=["bad-date", "no-such-claim"])
def test_review_refuses_to_accept_it_and_saves_nothing(demo: Demo, update):
    review = _review(demo)
    bad = _revision(review).model_copy(update=update)
    with demo.store() as store:
        with pytest.raises(InputError, match=f"proposal {bad.id} cannot be accepted") as err:
            submit(store, _swap(review, bad), [make_decision(bad.id, DecisionKind.ACCEPT, reviewer="t")])
        assert f"--reject {bad.id}" in (err.value.hint or "")
        assert load_review(store, demo.run_id).decisions == {}
        with pytest.raises(InputError, match="cannot be accepted"):
            submit(store, _swap(review, bad), [make_decision(bad.id, DecisionKind.EDIT, edited_after="Other words", reviewer="t")])


def test_an_edit_can_mend_an_empty_text_but_a_reject_is_always_taken(demo: Demo):
    review = _review(demo)
    empty = _revision(review).model_copy(update={"after": "", "problems": ["its new text is empty"]})
    with demo.store() as store:
        after = submit(store, _swap(review, empty), [make_decision(empty.id, DecisionKind.EDIT, edited_after="Mended words", reviewer="t")])
        assert after.decisions[empty.id].kind is DecisionKind.EDIT
    review = _review(demo)
    bad = [p for p in review.proposals if p.kind is ProposalKind.REVISE_CLAIM][1].model_copy(update={"target": "C9"})
    with demo.store() as store:
        after = submit(store, _swap(review, bad), [make_decision(bad.id, DecisionKind.REJECT, reason="no such claim", reviewer="t")])
    assert after.decisions[bad.id].kind is DecisionKind.REJECT


def test_apply_names_an_accepted_invalid_proposal_and_does_not_blame_the_line(reviewed: Demo):
    # Accepted before the check existed: apply refuses, says the proposal is invalid and how to undo it.
    review = _review(reviewed)
    accepted = next(p for p in review.proposals if p.kind is ProposalKind.REVISE_CLAIM and review.decisions[p.id].kind is DecisionKind.ACCEPT)
    broken = _swap(review, accepted.model_copy(update={"new_date": "2026-13"}))
    with pytest.raises(InputError) as err:
        apply_review(broken, backup_dir=reviewed.home / "backups", links={})
    assert f"{accepted.id}: its new date '2026-13' is not a date" in str(err.value)
    assert "did not change" in (err.value.hint or "") and "--reopen" in (err.value.hint or "")
    assert not reviewed.line.with_suffix(".md").exists()


def test_the_terminal_review_says_why_and_stays_on_the_proposal(demo: Demo):
    review = _review(demo)
    first = next(p for p in review.proposals if p.id == review.pending[0]).model_copy(update={"target": "C9", "problems": ["its target 'C9' is gone"]})
    console = quiet_console()
    keys = ScriptedKeys(["a", "r"], ["no such claim"])
    with demo.store() as store:
        result = Session(_swap(review, first), store, console, keys, ScriptedEditor([])).run()
    shown = console.file.getvalue()
    assert "CANNOT BE APPLIED" in shown and f"Not saved: proposal {first.id} cannot be accepted" in shown
    assert result.review.decisions[first.id].kind is DecisionKind.REJECT and result.decided == [first.id]


def test_accepting_a_not_grounded_proposal_at_the_terminal_asks_first(demo: Demo):
    # The page asks for a second click and `--accept` for --force; the keys ask once more.
    review = _review(demo)
    first = next(p for p in review.proposals if p.id == review.pending[0]).model_copy(update={"grounded": False, "removed_ids": ["2611.99999"]})
    console = quiet_console()
    with demo.store() as store:
        result = Session(_swap(review, first), store, console, ScriptedKeys(["a", "n", "a", "y"]), ScriptedEditor([])).run()
    shown = console.file.getvalue()
    assert shown.count("is NOT GROUNDED: its evidence did not pass the ground check (removed: 2611.99999)") == 2
    assert "Not accepted; edit it (e) or reject it (r)." in shown
    assert result.review.decisions[first.id].kind is DecisionKind.ACCEPT and result.decided == [first.id]


def test_the_report_shows_a_reviewers_edit_as_the_text_apply_writes(reviewed: Demo, capsys):
    # Issue 13, point 3: an edited text is what the report shows, beside what the model proposed.
    from agent.cli import run as cli
    from tests.review.support import EDITED_C1

    assert cli(["report", reviewed.run_id, "--format", "md"]) == 0
    out = capsys.readouterr().out
    assert f"- the reviewer's text (what apply writes): {EDITED_C1}" in out
