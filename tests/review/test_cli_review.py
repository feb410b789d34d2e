"""`retest review` for scripts, `retest export`, and the commands' help."""

from __future__ import annotations

import json

import pytest

from agent.cli import run as cli
from agent.proposals import DecisionKind
from agent.review.decisions import decision_history
from agent.review.review_run import ReviewRun, load_review
from agent.runs import RunStatus
from tests.review.conftest import Demo


def _review(demo: Demo):
    with demo.store() as store:
        return load_review(store, demo.run_id)


def test_scripted_accept_and_reject_with_reason(demo: Demo, capsys):
    assert cli(["review", demo.run_id[:12], "--accept", "P1, p3", "--reject", "P2", "--reason", "off topic"]) == 0
    out = capsys.readouterr().out
    assert "accepted P1, P3; rejected P2" in out and "still pending: P4" in out
    decisions = _review(demo).decisions
    assert {k: (d.kind, d.reason, d.reviewer) for k, d in decisions.items()} == {
        "P1": (DecisionKind.ACCEPT, "", "tester"),
        "P3": (DecisionKind.ACCEPT, "", "tester"),
        "P2": (DecisionKind.REJECT, "off topic", "tester"),
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--accept", "P1,P2", "--reject", "P2"], "P2 cannot be both accepted and rejected"),
        (["--accept", "P1,P99"], "no proposal 'P99'"),
        (["--accept", "P1,P1"], "names a proposal twice"),
        (["--accept", "P1", "--reason", "why"], "--reason is recorded with rejections"),
        (["--json"], "--json goes with --list"),
    ],
)
def test_bad_scripted_review_saves_nothing(demo: Demo, capsys, args: list[str], message: str):
    assert cli(["review", demo.run_id, *args]) == 2
    assert message in capsys.readouterr().err
    with demo.store() as store:
        assert decision_history(store, demo.run_id) == []


def test_accept_grounded_decides_the_rest_and_completes_the_run(demo: Demo, capsys):
    assert cli(["review", "--reject", "P7", "--reason", "C1 has N1", "--accept-grounded"]) == 0, "default run: the latest awaiting review"
    assert "every proposal is decided" in capsys.readouterr().out
    review = _review(demo)
    assert review.run.status is RunStatus.COMPLETED
    kinds = {k: d.kind for k, d in review.decisions.items()}
    assert kinds.pop("P7") is DecisionKind.REJECT and set(kinds.values()) == {DecisionKind.ACCEPT} and len(kinds) == 14
    assert cli(["review"]) == 2
    assert "no run is waiting for review" in capsys.readouterr().err
    for args in (["--accept", "P7"], ["--accept-grounded"]):
        assert cli(["review", demo.run_id, *args]) == 2
        assert f"run {demo.run_id} is completed: its review is closed" in capsys.readouterr().err


def test_accept_grounded_leaves_ungrounded_proposals_for_a_person(demo: Demo):
    review = _review(demo)
    assert review.pending_grounded == review.pending, "every demo proposal is grounded"
    ungrounded = review.proposals[4].model_copy(update={"grounded": False, "removed_ids": ["2401.00001"]})
    state = {**review.state, "proposals": [*review.proposals[:4], ungrounded, *review.proposals[5:]]}
    assert ReviewRun(review.run, state).pending_grounded == ["P1", "P2", "P3", "P4", "P6", "P7", "P8", "P9", "P10", "P11", "P12", "P13", "P14", "P15"]


def test_list_json_for_scripts(demo: Demo, capsys):
    assert cli(["review", demo.run_id, "--reject", "P2", "--reason", "no"]) == 0
    capsys.readouterr()
    assert cli(["review", demo.run_id, "--list", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["run_id"] == demo.run_id and payload["status"] == "awaiting_review"
    assert [p["id"] for p in payload["pending"]] == ["P1", *(f"P{i}" for i in range(3, 16))]
    assert payload["pending"][0]["evidence"][0]["arxiv_id"] == "2306.14694"
    assert [(d["proposal_id"], d["kind"], d["reason"]) for d in payload["decided"]] == [("P2", "reject", "no")]


def test_export_bibtex_cites_only_accepted_proposals(demo: Demo, capsys):
    assert cli(["review", demo.run_id, "--accept", "P2,P6", "--reject", "P1,P3,P4,P5,P7,P8,P9,P10,P11,P12,P13,P14,P15"]) == 0
    capsys.readouterr()
    assert cli(["export", demo.run_id, "--bibtex"]) == 0
    bib = capsys.readouterr().out
    assert [line.split("=")[1].strip(" {},") for line in bib.splitlines() if line.strip().startswith("eprint")] == ["2606.10127", "2605.03210", "2606.16011"]
    assert bib.count("@misc{") == 3 and "archivePrefix = {arXiv}" in bib and "url           = {https://arxiv.org/abs/2606.16011}" in bib
    assert "2306.14694" not in bib, "P1 was rejected"


def test_export_json_to_a_file(demo: Demo, tmp_path, capsys):
    assert cli(["review", demo.run_id, "--accept", "P1", "--reject", "P2", "--reason", "meh"]) == 0
    target = tmp_path / "review.json"
    assert cli(["export", demo.run_id, "--json", "--out", str(target)]) == 0
    payload = json.loads(target.read_text(encoding="utf-8"))
    by_id = {p["id"]: p for p in payload["proposals"]}
    assert by_id["P2"]["decision"]["reason"] == "meh" and by_id["P3"]["decision"] is None
    assert [p["arxiv_id"] for p in payload["cited_papers"]] == ["2306.14694"] and payload["pending"][0] == "P3"
    assert cli(["export", demo.run_id]) == 2
    assert "exactly one of --bibtex or --json" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["review", "apply", "export"])
def test_help_has_a_runnable_example(command: str, capsys):
    assert cli([command, "--help"]) == 0
    assert f"retest {command}" in capsys.readouterr().out.split("Example", 1)[1]
