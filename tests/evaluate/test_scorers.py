"""Each scorer on crafted states: a scorer that counts wrong fails here, with the case that shows it."""

from __future__ import annotations

import pytest

from agent.evaluate.score import budget_failures, forbidden_mentions, gate_failures, measure, missed_drops
from agent.evaluate.scorers import score_anchors, score_must_find, score_verdicts, ungrounded_in_proposals
from agent.evaluate.suite import AnchorOutcome, Budgets, ClaimExpect, Expectations, MustFind, ProposalRange
from agent.graph.records import DateCheck, Stance, VerdictKind
from agent.proposals import ProposalKind
from agent.sources.models import LookupStatus, TitleMatch
from tests.evaluate.states import anchor, paper, proposal, question, removed, result, state, usage

H, Q, S, U = VerdictKind.HOLDS, VerdictKind.QUALIFIED, VerdictKind.STRENGTHENED, VerdictKind.UNRESOLVED


def test_verdicts_count_acceptable_ones_and_name_each_miss() -> None:
    s = state(claim_results={"C1": result("C1", H), "C2": result("C2", Q), "C3": result("C3", None)})
    expect = {"C1": ClaimExpect(verdicts=[H, S]), "C2": ClaimExpect(verdicts=[S]), "C3": ClaimExpect(verdicts=[H]), "C4": ClaimExpect(verdicts=[H])}
    ratio = score_verdicts(s, expect)
    assert (ratio.hits, ratio.total) == (1, 4)
    assert ratio.misses == ["C2: verdict qualified, expected strengthened", "C3: not judged", "C4: not judged"]


def test_claims_without_verdict_expectations_are_not_scored() -> None:
    s = state(claim_results={"C1": result("C1", H)})
    assert score_verdicts(s, {"C1": ClaimExpect(must_find=[MustFind(arxiv_id="2501.00001", stances=[Stance.SUPPORTS])])}).total == 0


def test_a_right_verdict_without_the_required_explanation_is_a_miss() -> None:
    rationale = "No newer paper relevant to the claim was found.\nSearched:\n- [support] q (submitted 2025-01-01 to 2026-11-29)"
    s = state(claim_results={"C1": result("C1", U, rationale=rationale), "C2": result("C2", U, rationale="Gave up.", error="arXiv search failed: 503")})
    good = ClaimExpect(verdicts=[U], explains=["No newer paper relevant", "submitted 2025-01-01 to 2026-11-29"])
    assert score_verdicts(s, {"C1": good}).value == 1.0
    wrong_window = ClaimExpect(verdicts=[U], explains=["submitted 2024-01-01 to 2026-11-29"])
    ratio = score_verdicts(s, {"C1": wrong_window})
    assert ratio.value == 0.0 and "lacks 'submitted 2024-01-01 to 2026-11-29'" in ratio.misses[0]
    # The branch's error counts as explanation too (arXiv down).
    assert score_verdicts(s, {"C2": ClaimExpect(verdicts=[U], explains=["arXiv search failed"])}).value == 1.0


def test_must_find_recall_and_stance_accuracy_are_separate() -> None:
    s = state(claim_results={"C1": result("C1", H, findings={"2501.00001": Stance.SUPPORTS, "2501.00002": Stance.QUALIFIES}, candidates=["2501.00003"])})
    expect = {
        "C1": ClaimExpect(
            must_find=[
                MustFind(arxiv_id="2501.00001", stances=[Stance.SUPPORTS]),
                MustFind(arxiv_id="2501.00002", stances=[Stance.CONTRADICTS]),
                MustFind(arxiv_id="2501.00003", stances=[Stance.SUPPORTS]),
                MustFind(arxiv_id="2501.00004", stances=[Stance.SUPPORTS]),
            ]
        )
    }
    recall, stance = score_must_find(s, expect)
    assert (recall.hits, recall.total) == (2, 4)
    assert recall.misses == ["C1: 2501.00003 retrieved but not screened (quote dropped or skipped)", "C1: 2501.00004 not retrieved"]
    assert (stance.hits, stance.total) == (1, 2), "stance is scored only on must-find papers that were found"
    assert stance.misses == ["C1: 2501.00002 screened as qualifies, expected contradicts"]


def test_a_paper_found_for_another_claim_does_not_count() -> None:
    s = state(claim_results={"C1": result("C1", H), "C2": result("C2", H, findings={"2501.00001": Stance.SUPPORTS})})
    recall, _ = score_must_find(s, {"C1": ClaimExpect(must_find=[MustFind(arxiv_id="2501.00001", stances=[Stance.SUPPORTS])])})
    assert recall.value == 0.0


@pytest.mark.parametrize(
    ("check", "kinds", "outcome", "ok"),
    [
        (anchor("A1", "2501.00001"), [], AnchorOutcome.VERIFIED, True),
        (anchor("A1", "2501.00001"), [ProposalKind.REPLACE_ANCHOR], AnchorOutcome.VERIFIED, False),
        (anchor("A1", "2501.00001", title=TitleMatch.CLOSE), [], AnchorOutcome.VERIFIED, False),
        (anchor("A1", "2501.00001", date=DateCheck.DIFFERS), [], AnchorOutcome.VERIFIED, False),
        (anchor("A1", "2501.99999", LookupStatus.MISSING), [ProposalKind.FLAG], AnchorOutcome.FLAGGED_MISSING, True),
        (anchor("A1", "2501.99999", LookupStatus.MISSING), [], AnchorOutcome.FLAGGED_MISSING, False),
        (anchor("A1", "2513.00001", LookupStatus.MALFORMED), [ProposalKind.FLAG], AnchorOutcome.FLAGGED_MISSING, False),
        (anchor("A1", "2513.00001", LookupStatus.MALFORMED), [ProposalKind.FLAG], AnchorOutcome.FLAGGED_MALFORMED, True),
        (anchor("A1", "2501.00001", title=TitleMatch.CLOSE), [ProposalKind.REPLACE_ANCHOR], AnchorOutcome.FLAGGED_TITLE, True),
        (anchor("A1", "2501.00001", title=TitleMatch.CLOSE), [ProposalKind.REPLACE_ANCHOR], AnchorOutcome.FLAGGED_DATE, False),
        (anchor("A1", "2501.00001", date=DateCheck.DIFFERS), [ProposalKind.REPLACE_ANCHOR], AnchorOutcome.FLAGGED_DATE, True),
        (anchor("A1", "2501.00001", date=DateCheck.DIFFERS), [ProposalKind.FLAG], AnchorOutcome.FLAGGED_DATE, False),
    ],
)
def test_anchor_outcomes(check, kinds, outcome, ok) -> None:  # noqa: ANN001
    proposals = [proposal(f"P{i}", kind, "A1") for i, kind in enumerate(kinds, start=1)]
    ratio = score_anchors(state(anchor_checks=[check], proposals=proposals), {"A1": outcome})
    assert ratio.value == (1.0 if ok else 0.0), ratio.misses


def test_anchor_miss_says_what_was_seen() -> None:
    s = state(anchor_checks=[anchor("A2", "2513.00001", LookupStatus.MALFORMED)], proposals=[proposal("P1", ProposalKind.FLAG, "A2")])
    ratio = score_anchors(s, {"A2": AnchorOutcome.VERIFIED, "A9": AnchorOutcome.VERIFIED})
    assert ratio.misses == ["A2 (arXiv:2513.00001): expected verified, got malformed; flag P1", "A9: never checked, expected verified"]


def test_ungrounded_counts_citations_of_unretrieved_papers_but_not_the_line_quoted_in_before() -> None:
    s = state(
        papers={"2501.00001": paper("2501.00001")},
        proposals=[
            proposal("P1", ProposalKind.REVISE_CLAIM, "C1", evidence=["2501.00001", "arXiv:2411.98765v2"], after="See 2501.00001."),
            proposal("P2", ProposalKind.ADD_NOTE, "line", after="Per arXiv:2411.98765.", rationale="And 2410.00007."),
            proposal("P3", ProposalKind.FLAG, "A4", before="arXiv:2602.91865 (2026-02): Intelligent AI Delegation", after="Anchor cannot be grounded."),
        ],
    )
    assert ungrounded_in_proposals(s) == ["P1: 2411.98765 in evidence", "P2: 2411.98765 in after", "P2: 2410.00007 in rationale"]


def test_forbidden_ids_are_looked_for_everywhere_a_reviewer_reads() -> None:
    clean = state(claim_results={"C1": result("C1", H)}, proposals=[proposal("P1", ProposalKind.FLAG, "C1")], questions=[question("Q1", "Why?")])
    assert forbidden_mentions(clean, ["9999.99999"]) == []
    leaky = state(
        claim_results={"C1": result("C1", H, suggested="as 9999.99999 shows")},
        proposals=[proposal("P1", ProposalKind.ADD_NOTE, "line", evidence=["9999.99999"])],
        questions=[question("Q1", "Does 9999.99999 hold?")],
    )
    assert forbidden_mentions(leaky, ["9999.99999"]) == [
        "9999.99999 appears in P1 evidence",
        "9999.99999 appears in C1 verdict",
        "9999.99999 appears in Q1 question",
    ]


def test_missed_drops_accepts_any_guard_that_caught_the_id() -> None:
    by_judge = state(claim_results={"C1": result("C1", H, dropped=["arXiv:9999.99999"])})
    by_ground_check = state(ungrounded=[removed("P2", "9999.99999")])
    assert missed_drops(by_judge, ["9999.99999"]) == []
    assert missed_drops(by_ground_check, ["9999.99999"]) == []
    assert missed_drops(state(), ["9999.99999"]) == ["9999.99999"]


def test_usage_sums_calls_and_tokens_and_makes_the_price_unknown_when_any_is() -> None:
    m = measure(state(usage=[usage(calls=2, tokens_in=100, tokens_out=10, cost=0.01), usage(cost=0.02)]), Expectations(), arxiv_requests=7, wall_s=1.23456)
    assert (m.model_calls, m.tokens_in, m.tokens_out, m.price_usd, m.arxiv_requests, m.wall_s) == (3, 200, 20, 0.03, 7, 1.235)
    assert measure(state(usage=[usage(cost=0.01), usage(cost=None)]), Expectations(), arxiv_requests=0, wall_s=0.0).price_usd is None


def test_budgets_name_each_overrun() -> None:
    m = measure(state(usage=[usage(calls=5, tokens_in=900, tokens_out=200, cost=0.05)], proposals=[]), Expectations(), arxiv_requests=9, wall_s=1.0)
    assert budget_failures(m, Budgets(model_calls=5, tokens=1100, price_usd=0.05, arxiv_requests=9)) == []
    assert budget_failures(m, Budgets(model_calls=4, tokens=1000, price_usd=0.04, arxiv_requests=8)) == [
        "5 model calls, budget 4",
        "1100 tokens, budget 1000",
        "estimated price $0.0500, budget $0.0400",
        "9 arXiv requests, budget 8",
    ]
    unknown = m.model_copy(update={"price_usd": None})
    assert "estimated price unknown" in budget_failures(unknown, Budgets(price_usd=1.0))[0]


def test_gates_fail_on_ungrounded_forbidden_uncaught_and_proposal_count() -> None:
    s = state(proposals=[proposal("P1", ProposalKind.ADD_NOTE, "line", after="See 9999.99999.")])
    expect = Expectations(never_cite=["9999.99999"], must_drop=["9999.99999"], proposals=ProposalRange(min=2, max=3))
    failures = gate_failures(s, measure(s, expect, arxiv_requests=0, wall_s=0.0), expect)
    assert failures == [
        "ungrounded citation in a proposal: P1: 9999.99999 in after",
        "forbidden ID: 9999.99999 appears in P1 after",
        "9999.99999 was not caught: no screen, judge or ground check dropped it",
        "1 proposals, expected 2 to 3",
    ]
    fine = state(
        papers={"2501.00001": paper("2501.00001")},
        proposals=[proposal("P1", ProposalKind.ADD_NOTE, "line", evidence=["2501.00001"])] * 2,
        ungrounded=[removed("P1", "9999.99999")],
    )
    assert gate_failures(fine, measure(fine, expect, arxiv_requests=0, wall_s=0.0), expect) == []
