"""Decisions: saved the moment they are made, append-only, and never lost between the store and the graph."""

from __future__ import annotations

import re

import pytest

from agent.cli import run as cli
from agent.errors import InputError
from agent.proposals import DecisionKind
from agent.review import review_run
from agent.review.decisions import decision_history, latest_decisions, make_decision, reviewer_name
from agent.review.review_run import load_review, submit
from agent.runner import load_state
from agent.runs import RunStatus
from tests.review.conftest import Demo


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"RETEST_REVIEWER": "ada", "USER": "u", "LOGNAME": "l"}, "ada"),
        ({"RETEST_REVIEWER": " ", "USER": "u", "LOGNAME": "l"}, "u"),
        ({"LOGNAME": "l"}, "l"),
        ({}, "unknown"),
    ],
)
def test_reviewer_name_from_the_environment(env: dict[str, str], name: str):
    assert reviewer_name(env) == name


def test_changed_decision_keeps_its_history_and_the_latest_is_in_force(demo: Demo):
    with demo.store() as store:
        review = load_review(store, demo.run_id)
        review = submit(store, review, [make_decision("P1", DecisionKind.REJECT, reason="wrong title")])
        review = submit(store, review, [make_decision("P1", DecisionKind.ACCEPT)])
        history = decision_history(store, demo.run_id)
        assert [(d.kind, d.reason) for d in history] == [(DecisionKind.REJECT, "wrong title"), (DecisionKind.ACCEPT, "")]
        assert latest_decisions(store, demo.run_id)["P1"] == review.decisions["P1"]
        _, state, _ = load_state(demo.run_id, store)
    assert state["decisions"]["P1"].kind is DecisionKind.ACCEPT


def test_decision_saved_before_a_crash_reaches_the_graph_next_time(demo: Demo, monkeypatch, capsys):
    def crash(*args, **kwargs):
        raise RuntimeError("killed between saving and resuming")

    with demo.store() as store:
        review = load_review(store, demo.run_id)
        with monkeypatch.context() as patched, pytest.raises(RuntimeError):
            patched.setattr(review_run, "resume_review", crash)
            submit(store, review, [make_decision("P2", DecisionKind.REJECT, reason="too strong")])
        assert "P2" in latest_decisions(store, demo.run_id)
        assert "P2" not in load_state(demo.run_id, store)[1].get("decisions", {}), "the graph has not seen it yet"
        assert load_review(store, demo.run_id).decisions["P2"].reason == "too strong"
        assert load_state(demo.run_id, store)[1]["decisions"]["P2"].reason == "too strong"
    assert cli(["report", demo.run_id]) == 0
    report = capsys.readouterr().out
    assert re.search(r"### P2 revise_claim C1 — reject by tester at \d{4}-\d\d-\d\d \d\d:\d\d \(too strong\)", report)


def test_unknown_proposal_is_refused_before_anything_is_saved(demo: Demo):
    with demo.store() as store:
        review = load_review(store, demo.run_id)
        with pytest.raises(InputError, match="no proposal 'P99'.*P1, P2"):
            submit(store, review, [make_decision("P1", DecisionKind.ACCEPT), make_decision("P99", DecisionKind.ACCEPT)])
        assert decision_history(store, demo.run_id) == []


def test_closed_review_takes_no_more_decisions(demo: Demo):
    with demo.store() as store:
        review = load_review(store, demo.run_id)
        review = submit(store, review, [make_decision(p.id, DecisionKind.ACCEPT) for p in review.proposals])
        assert review.run.status is RunStatus.COMPLETED and review.pending == [] and not review.open
        with pytest.raises(InputError, match="review is closed"):
            submit(store, review, [make_decision("P1", DecisionKind.REJECT)])
        assert len(decision_history(store, demo.run_id)) == 15
