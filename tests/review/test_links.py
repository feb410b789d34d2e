"""Issue 12 point 3: the curator corrects which claim an anchor is cited for, in review.

The demo run links A4 (Intelligent AI Delegation) to C5 and drafts two proposals
on that link: P13 flags C5 as resting on an anchor about something else, P15
replaces A4. A reviewer who says A4 is cited for C2 leaves both to be rejected,
and `retest apply` writes the link into the line, where the next run keeps it.
"""

from __future__ import annotations

import json

from agent.cli import run as cli
from agent.line import load_line
from agent.review.links import links_in_force
from agent.review.review_run import load_review
from tests.review.conftest import Demo
from tests.review.support import APPLY_DATE, sitting

ON_A4 = ["P13", "P15"]  # drafted from A4 -> C5


def _rows(demo: Demo) -> int:
    with demo.store() as store:
        return store.conn.execute("SELECT COUNT(*) FROM anchor_links").fetchone()[0]


def test_the_demo_proposals_on_a4_name_the_link_they_rest_on(demo: Demo):
    with demo.store() as store:
        review = load_review(store, demo.run_id)
    on = {p.id: str(p.anchor_link) for p in review.proposals if p.anchor_link is not None}
    assert on == {"P10": "A1 -> C2", "P11": "A2 -> C3", "P12": "A3 -> C4", "P13": "A4 -> C5", "P14": "A3 -> C4", "P15": "A4 -> C5"}


def test_a_corrected_link_leaves_its_proposals_to_be_rejected_and_apply_writes_it(demo: Demo, capsys):
    assert cli(["review", demo.run_id, "--link", "a4=c2"]) == 0
    said = capsys.readouterr().out
    assert "Saved: A4 -> C2 (was C5)." in said
    assert all(f"{pid} rests on the link A4 -> C5" in said for pid in ON_A4)

    assert cli(["review", demo.run_id, "--accept", "P13"]) == 2
    assert "P13 rests on the link A4 -> C5, which the reviewer corrected to A4 -> C2" in capsys.readouterr().err
    assert cli(["review", demo.run_id, "--accept-grounded"]) == 0
    with demo.store() as store:
        assert load_review(store, demo.run_id).pending == ON_A4, "--accept-grounded leaves the proposals on a corrected link"
    assert cli(["review", demo.run_id, "--reject", ",".join(ON_A4), "--reason", "A4 is cited for C2"]) == 0

    assert cli(["apply", demo.run_id, "--date", APPLY_DATE]) == 0
    assert "the link of A4" in capsys.readouterr().out
    line = load_line(demo.line.with_suffix(".md")).line
    assert {a.id: a.claims for a in line.prompt.anchors} == {"A1": [], "A2": [], "A3": [], "A4": ["C2"]}
    assert "A4 linked to C2 by the reviewer (the run linked it to C5)" in line.changelog[-1].applied


def test_bad_links_are_refused_with_the_form_and_nothing_is_saved(demo: Demo, capsys):
    for bad, says in [
        ("A4", "a link is ANCHOR=CLAIMS"),
        ("A4=", "a link is ANCHOR=CLAIMS"),
        ("A9=C1", "the line has no anchor 'A9' (its anchors: A1, A2, A3, A4)"),
        ("A4=C9", "the line has no claim C9 (its claims: C1, C2, C3, C4, C5)"),
        ("A4=C2,C2", "names a claim twice"),
    ]:
        assert cli(["review", demo.run_id, "--link", bad]) == 2, bad
        err = capsys.readouterr().err
        assert says in err and "Traceback" not in err, bad
    assert cli(["review", demo.run_id, "--link", "A4=C2", "--link", "A4=C3"]) == 2
    assert "names an anchor twice" in capsys.readouterr().err
    assert cli(["review", demo.run_id, "--link", "A4=C2", "--list"]) == 2
    assert _rows(demo) == 0


def test_the_same_link_twice_is_saved_once_and_a_later_one_is_in_force(demo: Demo, capsys):
    assert cli(["review", demo.run_id, "--link", "A4=C2"]) == 0
    assert cli(["review", demo.run_id, "--link", "A4=C2"]) == 0
    assert "already linked to C2" in capsys.readouterr().out
    assert _rows(demo) == 1
    assert cli(["review", demo.run_id, "--link", "A4=C5"]) == 0  # back to the run's own link: nothing rests on a link taken away
    with demo.store() as store:
        (correction,) = links_in_force(store, demo.run_id).values()
        assert (correction.claims, correction.was) == (["C5"], ["C2"])
    assert cli(["review", demo.run_id, "--accept", "P13"]) == 0


def test_a_link_is_refused_while_a_proposal_resting_on_the_old_one_stands_accepted(demo: Demo, capsys):
    assert cli(["review", demo.run_id, "--accept", "P15"]) == 0
    assert cli(["review", demo.run_id, "--link", "A4=C2"]) == 2
    err = capsys.readouterr().err
    assert "P15 stand accepted and rest on A4's link to C5" in err and "--undo P15" in err
    assert _rows(demo) == 0
    assert cli(["review", demo.run_id, "--undo", "P15"]) == 0
    assert cli(["review", demo.run_id, "--link", "A4=C2"]) == 0


def test_list_shows_the_links_set_in_review(demo: Demo, capsys):
    assert cli(["review", demo.run_id, "--link", "A4=C2,C5"]) == 0
    capsys.readouterr()
    assert cli(["review", demo.run_id, "--list", "--json"]) == 0
    (link,) = json.loads(capsys.readouterr().out)["links"]
    assert (link["anchor_id"], link["claims"], link["was"], link["reviewer"]) == ("A4", ["C2", "C5"], ["C5"], "tester")
    assert cli(["review", demo.run_id, "--list"]) == 0
    assert "Link set in review: A4 -> C2, C5 (was C5)." in capsys.readouterr().out


def test_a_link_kept_with_the_old_claim_strands_nothing(demo: Demo, capsys):
    assert cli(["review", demo.run_id, "--link", "A4=C2,C5"]) == 0
    assert "rests on the link" not in capsys.readouterr().out
    assert cli(["review", demo.run_id, "--accept", "P13"]) == 0


def test_key_l_in_the_interactive_review_corrects_a_link(demo: Demo):
    with demo.store() as store:
        result, console = sitting(store, demo.run_id, ["l", "l", "q"], lines=["A4=C9", "A4=C2"])
        shown = console.file.getvalue()
        assert "Not saved: the line has no claim C9" in shown
        assert "Saved: A4 -> C2 (was C5)." in shown and "P13 rests on the link A4 -> C5" in shown
        assert {a: c.claims for a, c in links_in_force(store, demo.run_id).items()} == {"A4": ["C2"]}
    assert result.quit and result.decided == []


def test_the_interactive_review_says_a_proposal_rests_on_a_corrected_link_and_takes_only_a_rejection(demo: Demo):
    assert cli(["review", demo.run_id, "--link", "A4=C2", "--accept", "P1,P2,P3,P4,P5,P6,P7,P8,P9,P10,P11,P12"]) == 0
    with demo.store() as store:
        result, console = sitting(store, demo.run_id, ["a", "r", "q"], lines=["A4 is cited for C2"])
        shown = " ".join(console.file.getvalue().split())  # the console wraps long lines
        assert shown.count("P13 rests on the link A4 -> C5") == 2, "said with P13, and again when its accept is refused"
        assert "Not saved: P13 rests on the link" in shown
        review = load_review(store, demo.run_id)
    assert result.decided == ["P13"] and str(review.decisions["P13"].kind) == "reject"


def test_a_link_cannot_change_after_apply(reviewed: Demo, capsys):
    assert cli(["apply", reviewed.run_id, "--date", APPLY_DATE]) == 0
    capsys.readouterr()
    assert cli(["review", reviewed.run_id, "--link", "A4=C2"]) == 2
    err = capsys.readouterr().err
    assert "already applied" in err and "claims: [C2]" in err


def test_link_with_a_server_is_refused_before_anything_is_sent(demo: Demo, capsys):
    assert cli(["review", demo.run_id, "--server", "http://127.0.0.1:9", "--link", "A4=C2"]) == 2
    assert "--link works on runs in this machine's store" in capsys.readouterr().err


def test_a_link_and_an_accept_it_would_strand_in_one_command_save_nothing(demo: Demo, capsys):
    assert cli(["review", demo.run_id, "--link", "A4=C2", "--accept", "P1,P13"]) == 2
    assert "--accept P13 rests on the link --link takes away; nothing was saved" in capsys.readouterr().err
    assert _rows(demo) == 0
    with demo.store() as store:
        assert load_review(store, demo.run_id).decisions == {}
