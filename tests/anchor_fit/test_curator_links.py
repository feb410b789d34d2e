"""Issue 12 point 3: an anchor the curator linked in review keeps that link in the next run.

Scripted model, fake source, the real graph. The line holds the link (the
anchor's `claims`, written by `retest apply`): the word overlap does not move
it, the model is told it and its readings against other claims are dropped,
and a linked claim it did not read the anchor against is "cannot tell".
"""

from __future__ import annotations

from agent.graph.anchoring import link_anchors
from agent.graph.records import FitKind
from agent.proposals import ProposalKind
from agent.report import _links
from tests.anchor_fit.test_read_anchors import A1, A2, ELSEWHERE, HALF, _fits, _line, _run
from tests.graph.fakes import Refusal

# The export lists the same paper twice; by word overlap the copy lands on C1, a claim it has nothing to do with.
DUPLICATE = A1.model_copy(update={"id": "A2"})
CURATED = DUPLICATE.model_copy(update={"claims": ["C2"]})


def test_without_a_reading_the_curators_link_holds_where_the_overlap_would_go_wrong() -> None:
    line = _line([A1, DUPLICATE])
    assert link_anchors(line.prompt.claims, line.prompt.anchors) == {"C1": ["A2"], "C2": ["A1"]}
    curated = _line([A1, CURATED])
    assert link_anchors(curated.prompt.claims, curated.prompt.anchors) == {"C1": [], "C2": ["A1", "A2"]}

    state, _ = _run(curated, Refusal("no"))
    assert {c.anchor_id: (c.claims, c.link_basis) for c in state["anchor_checks"]} == {"A1": (["C2"], "word overlap"), "A2": (["C2"], "curator")}
    assert state["claim_results"]["C1"].anchored_by == [] and state["claim_results"]["C2"].anchored_by == ["A1", "A2"]
    assert _links(curated, state["anchor_checks"])["A2 -> C2"] == "linked by the curator (the line file's link, set in review)"


def test_the_model_is_told_the_link_and_its_reading_against_another_claim_is_dropped() -> None:
    line = _line([A1, A2.model_copy(update={"claims": ["C2"]})])
    reading = {"anchors": [{"anchor_id": "A1", "claims": [HALF]}, {"anchor_id": "A2", "claims": [ELSEWHERE]}]}  # A2 read against C1
    state, model = _run(line, reading)
    (sent,) = [data for task, data in model.calls if task == "read_anchors"]
    assert sent.count("Cited for (linked by the line's curator): C2") == 1, "only the curator's anchor says so"
    a2_block = sent[sent.index("Anchor A2") :]
    assert a2_block.index("Cited for") < a2_block.index("</untrusted_data>"), "inside A2's data block"

    fits = _fits(state)
    assert set(fits) == {("A1", "C2"), ("A2", "C2")}, "A2's reading against C1 is dropped"
    assert fits["A2", "C2"].fit is FitKind.CANNOT_TELL and "the one the curator linked it to" in fits["A2", "C2"].note
    assert not [p for p in state["proposals"] if p.anchor_link is not None and p.anchor_link.anchor_id == "A2"], "no proposal on a link the curator ruled out"
    assert [str(p.anchor_link) for p in state["proposals"] if p.kind is ProposalKind.REVISE_CLAIM and p.anchor_link] == ["A1 -> C2"]


def test_a_reading_on_the_curators_claim_is_kept() -> None:
    line = _line([A1, CURATED])
    reading = {"anchors": [{"anchor_id": "A1", "claims": [HALF]}, {"anchor_id": "A2", "claims": [HALF]}]}
    state, _ = _run(line, reading)
    fits = _fits(state)
    assert fits["A2", "C2"].fit is FitKind.BACKS_PART and fits["A2", "C2"].quote
    assert {c.anchor_id: c.link_basis for c in state["anchor_checks"]} == {"A1": "model", "A2": "curator"}


def test_a_since_last_run_keeps_an_anchors_check_but_takes_todays_link() -> None:
    from agent.graph.nodes.verify_anchors import _kept
    from agent.graph.records import AnchorCheck, AnchorFit
    from agent.sources.models import LookupStatus

    def check(claims: list[str], basis: str, fit_claims: list[str]) -> AnchorCheck:
        fits = [AnchorFit(anchor_id="A2", arxiv_id=A1.arxiv_id, claim_id=c, fit=FitKind.BACKS) for c in fit_claims]
        return AnchorCheck(
            anchor_id="A2", arxiv_id=A1.arxiv_id, status=LookupStatus.FOUND, cited_title="t", cited_date="2025-07", claims=claims, link_basis=basis, fits=fits
        )

    by_model = check(["C1"], "model", ["C1"])
    assert _kept(by_model, DUPLICATE, ["C2"]) == by_model, "the model's reading is carried"
    now = _kept(by_model, CURATED, ["C1"])
    assert (now.claims, now.link_basis, now.fits) == (["C2"], "curator", []), "the curator's new link: read again"
    by_curator = check(["C2"], "curator", ["C2"])
    assert _kept(by_curator, CURATED, []) == by_curator, "the same curator's link: its reading is carried"
    dropped = _kept(by_curator, DUPLICATE, ["C1"])
    assert (dropped.claims, dropped.link_basis, dropped.fits) == (["C1"], "word overlap", []), "the link removed from the line"
