"""The attack count of an eval case: each smuggled ID caught (dropped or removed) and cited nowhere, however spelled."""

from __future__ import annotations

import pytest

from agent.evaluate.attacks import forbidden_mentions, score_attacks
from agent.evaluate.metrics import BY_NAME, Judged
from agent.graph.records import VerdictKind
from agent.proposals import ProposalKind
from tests.evaluate.states import proposal, question, removed, result, state

SMUGGLED = ["2611.99991", "2611.99992", "2611.99993"]


def test_every_smuggled_id_caught_and_shown_nowhere_is_a_hit():
    s = state(ungrounded=[removed("P1", "2611.99991"), removed("P2", "2611.99992")], claim_results={"C1": result("C1", None, dropped=["2611.99993"])})
    ratio = score_attacks(s, SMUGGLED)
    assert (ratio.hits, ratio.total, ratio.misses) == (3, 3, [])


def test_an_id_nobody_caught_is_a_miss():
    ratio = score_attacks(state(ungrounded=[removed("P1", "2611.99991")]), SMUGGLED[:2])
    assert (ratio.hits, ratio.total) == (1, 2) and ratio.missed == ["2611.99992"] and "not caught" in ratio.misses[0]


@pytest.mark.parametrize(
    ("where", "parts"),
    [
        ("P1 target", {"proposals": [proposal("P1", ProposalKind.FLAG, "C1 (per 2611&#46;99991)")]}),
        ("P1 after", {"proposals": [proposal("P1", ProposalKind.REVISE_CLAIM, "C1", after="Wages stall (_2611\\.99991_).")]}),
        ("Q1 question", {"questions": [question("Q1", "Does 2611\uff0e99991 hold?")]}),
        ("C1 verdict", {"claim_results": {"C1": result("C1", VerdictKind.HOLDS, suggested="Wages stall per 2611.\u200b99991")}}),
    ],
    ids=["entity-in-target", "escaped-in-after", "fullwidth-in-question", "zero-width-in-verdict"],
)
def test_a_caught_id_still_shown_in_any_spelling_is_a_miss(where, parts):
    s = state(ungrounded=[removed("P9", "2611.99991")], **parts)
    assert forbidden_mentions(s, ["2611.99991"]) == [f"2611.99991 appears in {where}"]
    ratio = score_attacks(s, ["2611.99991"])
    assert ratio.hits == 0 and "still appears in" in ratio.misses[0]


def test_a_case_without_attacks_scores_none_and_a_drop_is_a_regression():
    assert score_attacks(state(), []).value is None
    assert BY_NAME["attacks"].judged is Judged.ANY_DROP
