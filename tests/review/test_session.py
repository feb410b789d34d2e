"""The interactive loop with scripted keys, the proposal view, and the $EDITOR round trip."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from agent.errors import InputError
from agent.proposals import DecisionKind, Proposal, ProposalKind
from agent.review.editor import edit_text
from agent.review.render import after_text, concerned_claims, diff_lines, proposal_view
from agent.review.review_run import load_review
from agent.review.session import Session
from agent.store import Store
from tests.review.conftest import Demo
from tests.review.support import ScriptedEditor, ScriptedKeys, quiet_console, sitting


def _printed(console) -> str:
    return console.file.getvalue()


def test_each_decision_is_saved_before_the_next_key_is_read(demo: Demo):
    @dataclass
    class Checking(ScriptedKeys):
        store: Store | None = None
        seen: list[set[str]] = field(default_factory=list)

        def key(self, prompt: str) -> str:
            self.seen.append(set(load_review(self.store, demo.run_id).decisions))
            return super().key(prompt)

    with demo.store() as store:
        keys = Checking(["a", "r", "q"], ["no"], store=store)
        result = Session(load_review(store, demo.run_id), store, quiet_console(), keys).run()
    assert keys.seen == [set(), {"P1"}, {"P1", "P2"}]
    assert result.quit and result.decided == ["P1", "P2"] and result.review.pending[0] == "P3"


def test_back_skip_and_unknown_keys(demo: Demo):
    with demo.store() as store:
        result, console = sitting(store, demo.run_id, ["b", "x", "s", "b", "a", "q"])
    text = _printed(console)
    assert "This is the first proposal of this sitting." in text
    assert "s: skip for now" in text, "an unknown key shows the help"
    assert text.count("P1 (1 of 15)") == 2 and text.count("P2 (2 of 15)") == 2 and "P3 (3 of 15)" not in text
    assert result.decided == ["P1"] and result.review.decisions["P1"].kind is DecisionKind.ACCEPT


def test_end_of_input_quits_and_keeps_decisions(demo: Demo):
    with demo.store() as store:
        result, _ = sitting(store, demo.run_id, ["a"])
        assert result.quit and set(load_review(store, demo.run_id).decisions) == {"P1"}


def test_edit_refuses_malformed_and_unchanged_text_then_accepts_good_text(demo: Demo):
    with demo.store() as store:
        review = load_review(store, demo.run_id)
        editor = ScriptedEditor(["Dialectical Reconciliation", review.proposal("P1").after, "arXiv:2306.14694 (2023-06): DR-HAI v2"])
        session = Session(review, store, quiet_console(), ScriptedKeys(["e", "e", "e", "q"]), editor)
        result = session.run()
    text = _printed(session.console)
    assert "Not saved: proposal P1: 'Dialectical Reconciliation' is not an anchor" in text
    assert "The text is unchanged" in text
    assert editor.shown[0][0] == review.proposal("P1").after and "arXiv:ID (YYYY-MM): Title" in editor.shown[0][1][1]
    decision = result.review.decisions["P1"]
    assert decision.kind is DecisionKind.EDIT and decision.edited_after == "arXiv:2306.14694 (2023-06): DR-HAI v2"


def test_view_shows_diff_evidence_and_verdict(demo: Demo):
    with demo.store() as store:
        review = load_review(store, demo.run_id)
    console = quiet_console()
    console.print(proposal_view(review, review.proposal("P2"), 2, 9))
    text = _printed(console)
    for needle in (
        "P2 (2 of 9) · revise_claim · C1",
        "-not to scarcity or human preference (~2025)",
        "+(~2026)",
        "https://arxiv.org/abs/2606.10127",
        "Data-Driven Automation (2026-06-08)",
        "C1: qualified",
    ):
        assert needle in text


def test_concerned_claims(demo: Demo):
    with demo.store() as store:
        review = load_review(store, demo.run_id)
    assert concerned_claims(review, review.proposal("P1")) == ["C4"], "anchor A3 backs C4"
    assert concerned_claims(review, review.proposal("P5")) == ["C1"], "its evidence was screened for C1"
    assert concerned_claims(review, review.proposal("P9")) == ["C3", "C5"], "the question's motives"


def test_model_text_is_never_console_markup(demo: Demo):
    with demo.store() as store:
        review = load_review(store, demo.run_id)
    hostile = Proposal(id="P1", kind=ProposalKind.ADD_QUESTION, target="line", after="[bold]Why?[/bold]", rationale="[red]x[/red] [link=http://e]y[/link]")
    console = quiet_console()
    console.print(proposal_view(review, hostile, 1, 1))
    text = _printed(console)
    assert "[bold]Why?[/bold]" in text and "[red]x[/red]" in text


def test_revised_claim_shows_its_date_once():
    p = Proposal(id="P1", kind=ProposalKind.REVISE_CLAIM, target="C1", after="Wages stagnate (~2026).", new_date="~2026", rationale="r")
    assert after_text(p) == "Wages stagnate (~2026)"
    assert after_text(p.model_copy(update={"after": "Wages stagnate."})) == "Wages stagnate. (~2026)"


def test_diff_is_one_clause_per_line():
    lines = diff_lines("Wages converge, not to scarcity (~2025)", "Wages converge, and stagnate (~2026)")
    assert lines[:2] == ["--- before", "+++ after"]
    assert " Wages converge," in lines and "-not to scarcity (~2025)" in lines and "+and stagnate (~2026)" in lines


@pytest.fixture
def script(tmp_path: Path):
    def make(body: str) -> str:
        path = tmp_path / "ed"
        path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
        path.chmod(0o755)
        return str(path)

    return make


def test_edit_text_round_trip_through_a_real_editor_process(script, tmp_path: Path):
    seen = tmp_path / "seen"
    editor = script(f'cp "$1" {seen}\nprintf "# still a comment\\nnew text\\n  second line  \\n" >> "$1"\n')
    assert edit_text("old text", ["help one"], env={"EDITOR": editor}) == "old text\nnew text\n  second line"
    assert seen.read_text(encoding="utf-8") == "# help one\nold text\n"
    assert list(Path(seen.parent).glob("retest-edit-*")) == []


def test_editor_failure_decides_nothing(script):
    with pytest.raises(InputError, match="exited with status 3"):
        edit_text("x", [], env={"EDITOR": script("exit 3\n")})
    with pytest.raises(InputError, match="cannot start the editor"):
        edit_text("x", [], env={"EDITOR": "/nonexistent/editor --wait"})
