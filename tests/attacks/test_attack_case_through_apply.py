"""The attack case end to end (issue 17, point 1): ten smuggled IDs through the real graph, review and apply.

`cassettes/evals/smuggled-citations.yaml` holds model answers (written by hand)
that hide ten IDs no request of the run returned, each in its own disguise and
field. Every proposal is accepted as drafted, the grounded and the ungrounded
alike, and applied: not one of the ten may reach the report or the line file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agent.cli import run as cli
from agent.errors import InputError, RetestError
from agent.evaluate.attacks import forbidden_mentions, score_attacks
from agent.line.citable import REMOVED, cited_ids
from agent.proposals import DecisionKind, ProposalKind
from agent.review.apply import apply_review
from agent.review.decisions import make_decision
from agent.review.review_run import ReviewRun, load_review, submit
from agent.runner import load_state
from agent.runs import list_runs
from agent.store import Store

REPO = Path(__file__).resolve().parents[2]
CASSETTE = REPO / "cassettes" / "evals" / "smuggled-citations.yaml"
SMUGGLED = [f"2611.9999{d}" for d in range(10)]


@pytest.fixture(scope="module")
def attacked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    root = tmp_path_factory.mktemp("attack")
    line = root / "bargaining-power.txt"
    shutil.copy2(REPO / "examples" / "bargaining-power.txt", line)
    home = root / ".retest"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RETEST_HOME", str(home))
        assert cli(["run", str(line), "--replay", str(CASSETTE)]) == 0
    with Store.open(home / "retest.db") as store:
        (run,) = list_runs(store)
    return home, line, run.id


def test_the_graph_catches_all_ten_and_shows_none(attacked):
    home, _, run_id = attacked
    with Store.open(home / "retest.db") as store:
        _, state, _ = load_state(run_id, store)
    ratio = score_attacks(state, SMUGGLED)
    assert (ratio.hits, ratio.total) == (10, 10), ratio.misses
    assert forbidden_mentions(state, SMUGGLED) == []


def test_the_report_prints_none_of_them(attacked, capsys):
    home, _, run_id = attacked
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RETEST_HOME", str(home))
        assert cli(["report", run_id, "--format", "md"]) == 0
    shown = capsys.readouterr().out.split("## Ungrounded citations removed")[0]
    # Saying what was dropped is allowed ("citations dropped: 2611.99991"); citing it anywhere else is not.
    cited = [line.split("citations dropped:")[0] for line in shown.splitlines()]
    assert not set(cited_ids("\n".join(cited))) & set(SMUGGLED)
    assert "citations dropped: 2611.99991, 2611.99992" in shown, "the judge's two are reported, not hidden"


def _copied(home: Path, tmp_path: Path, run_id: str) -> tuple[Store, ReviewRun]:
    copy = tmp_path / ".retest"
    shutil.copytree(home, copy)
    store = Store.open(copy / "retest.db")
    return store, load_review(store, run_id)


def _accept(store: Store, review: ReviewRun, which) -> ReviewRun:
    decisions = [make_decision(p.id, DecisionKind.ACCEPT if which(p) else DecisionKind.REJECT, reviewer="attacker") for p in review.proposals]
    return submit(store, review, decisions)


def test_the_flag_whose_target_held_an_id_cannot_be_accepted(attacked, tmp_path):
    home, _, run_id = attacked
    store, review = _copied(home, tmp_path, run_id)
    (flag,) = [p for p in review.proposals if p.kind is ProposalKind.FLAG and p.problems]
    with store, pytest.raises(InputError, match=f"proposal {flag.id} cannot be accepted: its target"):
        _accept(store, review, lambda p: True)
    with Store.open(tmp_path / ".retest" / "retest.db") as again:
        assert load_review(again, run_id).decisions == {}, "nothing of the refused batch was saved"


def test_accepting_every_acceptable_proposal_refuses_to_write_and_names_no_smuggled_id(attacked, tmp_path):
    home, _, run_id = attacked
    store, review = _copied(home, tmp_path, run_id)
    with store:
        review = _accept(store, review, lambda p: not p.problems)
        with pytest.raises(RetestError) as refused:
            apply_review(review, backup_dir=tmp_path / "backups", out=tmp_path / "applied.md", links={})
    assert REMOVED in str(refused.value) and not set(cited_ids(str(refused.value))) & set(SMUGGLED)
    assert not (tmp_path / "applied.md").exists()


def test_applying_what_can_be_applied_writes_none_of_them(attacked, tmp_path):
    # The revision whose new date held an ID is accepted with the date dropped, and written.
    home, line, run_id = attacked
    store, review = _copied(home, tmp_path, run_id)
    with store:
        review = _accept(store, review, lambda p: not p.problems and REMOVED not in p.after)
        accepted = [p for p in review.proposals if review.decisions[p.id].kind is DecisionKind.ACCEPT]
        assert any(p.kind is ProposalKind.REVISE_CLAIM and p.target == "C4" and p.new_date is None for p in accepted)
        apply_review(review, backup_dir=tmp_path / "backups", out=tmp_path / "applied.md", links={})
    written = (tmp_path / "applied.md").read_text(encoding="utf-8")
    assert not set(cited_ids(written)) & set(SMUGGLED) and REMOVED not in written
    assert "capitulate to pushback" in written, "the C4 revision was written"
    assert cited_ids(line.read_text(encoding="utf-8")) == cited_ids((REPO / "examples" / "bargaining-power.txt").read_text(encoding="utf-8"))
