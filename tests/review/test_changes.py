"""Accepted proposals applied to a Line: one function per kind, reviewer text parsed like the model's."""

from __future__ import annotations

import datetime as dt

import pytest

from agent.errors import InputError
from agent.line import load_line
from agent.line.models import Line
from agent.proposals import Decision, DecisionKind, Evidence, Proposal, ProposalKind
from agent.review.changes import Accepted, accepted, apply_one, changelog_line, check_text, parse_anchor_text, split_claim_text
from tests.review.support import LINE

AT = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def line() -> Line:
    return load_line(LINE).line


def _proposal(kind: ProposalKind, target: str = "line", after: str = "", **extra) -> Proposal:
    return Proposal(id=extra.pop("id", "P1"), kind=kind, target=target, after=after, rationale=extra.pop("rationale", "because"), **extra)


def _item(proposal: Proposal, kind: DecisionKind = DecisionKind.ACCEPT, edited: str | None = None) -> Accepted:
    return Accepted(proposal, Decision(proposal_id=proposal.id, kind=kind, edited_after=edited, reviewer="r", at=AT))


def test_trailing_date_of_edited_text_becomes_the_claims_date(line: Line):
    p = _proposal(ProposalKind.REVISE_CLAIM, "C2", "Humans prefer AI partners.", new_date="~2026")
    changed = apply_one(line, _item(p, DecisionKind.EDIT, "Humans still prefer AI partners (2027-03)"), {})
    c2 = changed.claim("C2")
    assert c2.text == "Humans still prefer AI partners" and c2.date.text == "2027-03" and str(c2.date.value) == "2027-03-01"
    assert changed.claim("C1") == line.claim("C1") and line.claim("C2").text.startswith("In partner-selection")


def test_revise_claim_keeps_old_date_without_a_new_one(line: Line):
    p = _proposal(ProposalKind.REVISE_CLAIM, "C5", "Coordination is the constraint (see N6)")
    c5 = apply_one(line, _item(p), {}).claim("C5")
    assert c5.text == "Coordination is the constraint (see N6)", "a parenthesis that is no date stays text"
    assert c5.date == line.claim("C5").date


@pytest.mark.parametrize(
    ("text", "expected"),
    [("A claim (~2026)", ("A claim", "~2026")), ("A claim (~2026).", ("A claim", "~2026")), ("A claim (in 2026)", ("A claim (in 2026)", "~2025"))],
)
def test_split_claim_text(text: str, expected: tuple[str, str]):
    assert split_claim_text(text, "~2025") == expected


def test_revise_unknown_claim_names_the_proposal(line: Line):
    with pytest.raises(InputError, match="P1.*no claim 'C9'"):
        apply_one(line, _item(_proposal(ProposalKind.REVISE_CLAIM, "C9", "x")), {})


def test_add_note_takes_title_summary_id_and_date_from_evidence(line: Line):
    evidence = [Evidence(arxiv_id="2606.16011", quote="q", title="Who Flips?", published=dt.date(2026, 6, 14))]
    p = _proposal(ProposalKind.ADD_NOTE, after="Do LLMs hold: their position?: They flip.", evidence=evidence)
    note = apply_one(line, _item(p), {}).notes[-1]
    assert (note.id, note.title, note.summary, note.arxiv_id) == ("N7", "Do LLMs hold", "their position?: They flip.", "2606.16011")
    assert note.date is not None and note.date.text == "2026-06-14"


def test_second_note_and_flag_get_the_next_ids(line: Line):
    note = _proposal(ProposalKind.ADD_NOTE, after="T: s")
    flag = _proposal(ProposalKind.FLAG, "C1", "No source for this.", rationale="nothing retrieved states it")
    changed = apply_one(apply_one(line, _item(note), {}), _item(note), {})
    changed = apply_one(apply_one(changed, _item(flag), {}), _item(flag), {})
    assert [n.id for n in changed.notes][-2:] == ["N7", "N8"] and changed.notes[-1].date is None
    assert [(f.id, f.target, f.text, f.reason) for f in changed.flags] == [
        ("F1", "C1", "No source for this.", "nothing retrieved states it"),
        ("F2", "C1", "No source for this.", "nothing retrieved states it"),
    ]


def test_replace_and_add_anchor(line: Line):
    replace = _proposal(ProposalKind.REPLACE_ANCHOR, "A2", "arXiv:2501.16946 (2025-02): Gradual Disempowerment")
    add = _proposal(ProposalKind.ADD_ANCHOR, "line", "arXiv:2606.16011 (2026-06): Who Flips?")
    changed = apply_one(apply_one(line, _item(replace), {}), _item(add), {})
    a2 = changed.prompt.anchors[1]
    assert (a2.id, a2.arxiv_id, a2.cited_date.text, a2.cited_title) == ("A2", "2501.16946", "2025-02", "Gradual Disempowerment")
    assert (changed.prompt.anchors[-1].id, changed.prompt.anchors[-1].arxiv_id) == ("A5", "2606.16011")


@pytest.mark.parametrize(
    ("text", "problem"),
    [("Gradual Disempowerment", "is not an anchor"), ("arXiv:25.1 (2025-01): T", "not an arXiv ID"), ("arXiv:2501.16946 (Jan 2025): T", "not a date")],
)
def test_malformed_anchor_text_is_refused(text: str, problem: str):
    p = _proposal(ProposalKind.REPLACE_ANCHOR, "A2", "arXiv:2501.16946 (2025-01): T", id="P4")
    with pytest.raises(InputError, match=f"P4.*{problem}"):
        check_text(p, text)


@pytest.mark.parametrize(
    ("text", "arxiv_id", "title"),
    [
        ("arXiv:2501.16946 (2025-01): T", "2501.16946", "T"),
        ("arxiv:2501.16946v2 (2025-01): T", "2501.16946v2", "T"),
        ("ARXIV:2501.16946 (2025-01): T", "2501.16946", "T"),
        ("2501.16946 (2025-01): T", "2501.16946", "T"),
        ("  arXiv:hep-th/9901001 (1999-01):  Strings \n", "hep-th/9901001", "Strings"),
        ("arXiv:math.GT/0309136v1 (2003-09): Knots", "math.GT/0309136v1", "Knots"),
    ],
)
def test_anchor_text_keeps_the_id_as_written_without_its_prefix(text: str, arxiv_id: str, title: str):
    found, _date, found_title = parse_anchor_text(text, "P4")
    assert (found, found_title) == (arxiv_id, title)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        # Unlike the plain-text reader, reviewer text may not put a space after the prefix.
        ("arXiv: 2501.16946 (2025-01): T", "is not an anchor"),
        ("arXiv:arXiv:2501.16946 (2025-01): T", "'arXiv:2501.16946' is not an arXiv ID"),
        ("arXiv:HEP-TH/9901001 (1999-01): T", "not an arXiv ID"),
        ("arXiv:2501.16946v0 (2025-01): T", "not an arXiv ID"),
        ("arXiv:2501.169461 (2025-01): T", "not an arXiv ID"),
    ],
)
def test_anchor_text_with_a_bad_id_is_refused(text: str, problem: str):
    with pytest.raises(InputError, match=f"P4: .*{problem}"):
        parse_anchor_text(text, "P4")


def test_check_text_refuses_empty_text_and_bad_claim_dates():
    p = _proposal(ProposalKind.REVISE_CLAIM, "C1", "x", new_date="~2026")
    with pytest.raises(InputError, match="empty"):
        check_text(p, "  ")
    check_text(p, "A fine claim (~2027)")
    with pytest.raises(InputError, match="not a real date"):
        check_text(p, "A claim (2027-13)")


def test_question_appended(line: Line):
    p = _proposal(ProposalKind.ADD_QUESTION, after="Who owns the rails?")
    assert apply_one(line, _item(p), {}).prompt.proposed_questions == ["Who owns the rails?"]


def test_only_accepted_and_edited_in_draft_order():
    ps = [_proposal(ProposalKind.ADD_QUESTION, after=str(i), id=f"P{i}") for i in range(1, 5)]
    decisions = {
        "P3": Decision(proposal_id="P3", kind=DecisionKind.EDIT, edited_after=" mine ", reviewer="r", at=AT),
        "P1": Decision(proposal_id="P1", kind=DecisionKind.ACCEPT, reviewer="r", at=AT),
        "P2": Decision(proposal_id="P2", kind=DecisionKind.REJECT, reason="no", reviewer="r", at=AT),
    }
    items = accepted(ps, decisions)
    assert [(i.proposal.id, i.after) for i in items] == [("P1", "1"), ("P3", "mine")]


def test_changelog_line_names_decision_reviewer_and_evidence():
    p = _proposal(ProposalKind.REVISE_CLAIM, "C1", "x", evidence=[Evidence(arxiv_id="2606.10127"), Evidence(arxiv_id="2605.03210")])
    assert changelog_line(_item(p, DecisionKind.EDIT, "y")) == "P1 revise_claim C1: edited and accepted by r; evidence: arXiv:2606.10127, arXiv:2605.03210"
    assert parse_anchor_text("2501.16946 (2025-01): T", "P1")[0] == "2501.16946", "the arXiv: prefix is optional"
