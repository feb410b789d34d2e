"""Issue 12 point 2: a claim dated before its anchor existed gets a date-only revision, grounded by the anchor's first submission."""

from __future__ import annotations

import datetime as dt

from agent.graph.nodes.ground_check import check_proposal
from agent.line.models import Claim, Line
from agent.proposals import Evidence, Proposal, ProposalKind
from tests.graph.fakes import FakeSource, ScriptedModel
from tests.graph.test_graph_logic import line, papers, run, script, versions, year  # noqa: F401 - `line` is a fixture

SEARCHES = {"wages": ["2606.10127", "2605.03210", "2401.12773"], "partner": ["2602.17293"]}


def _dated(line: Line, claim_id: str, y: int) -> Line:  # noqa: F811 - the fixture's name, as a parameter
    claims = [c.model_copy(update={"date": year(y)}) if c.id == claim_id else c for c in line.prompt.claims]
    return line.model_copy(update={"prompt": line.prompt.model_copy(update={"claims": claims})})


def test_a_claim_dated_before_its_anchor_gets_a_grounded_date_only_revision(line):  # noqa: F811
    early = _dated(line, "C2", 2024)  # its anchor A1, arXiv:2507.13524, was first submitted 2025-07-17
    state = run(early, ScriptedModel(script()), FakeSource(papers(), SEARCHES, versions=versions())).values
    (dated,) = [p for p in state["proposals"] if p.kind is ProposalKind.REVISE_CLAIM and p.target == "C2"]
    assert (dated.after, dated.new_date, dated.grounded) == ("Humans learn to prefer AI partners", "~2025", True)
    assert [e.arxiv_id for e in dated.evidence] == ["2507.13524"] and dated.evidence[0].published == dt.date(2025, 7, 17)
    assert "before its anchor A1 (arXiv:2507.13524) was first submitted (2025-07)" in dated.rationale


def test_a_claim_whose_date_fits_its_anchor_gets_no_date_revision(line):  # noqa: F811
    state = run(line, ScriptedModel(script()), FakeSource(papers(), SEARCHES, versions=versions())).values
    assert not [p for p in state["proposals"] if p.kind is ProposalKind.REVISE_CLAIM and p.target == "C2"]


def test_a_quoteless_date_revision_is_grounded_only_by_a_paper_of_that_date(line):  # noqa: F811
    known = papers()
    claim: Claim = line.prompt.claims[1]

    def revision(new_date: str, after: str = claim.text) -> Proposal:
        evidence = [Evidence(arxiv_id="2507.13524", title="t", published=dt.date(2025, 7, 17))]
        return Proposal(id="P1", kind=ProposalKind.REVISE_CLAIM, target="C2", before="", after=after, new_date=new_date, rationale="r", evidence=evidence)

    assert check_proposal(revision("~2025"), known, line=line)[0].grounded
    assert not check_proposal(revision("~2026"), known, line=line)[0].grounded  # the paper does not date it 2026
    assert not check_proposal(revision("~2025", after="Humans now prefer AI partners"), known, line=line)[0].grounded  # a new wording needs a quote
    assert not check_proposal(revision("~2025"), known)[0].grounded  # without the line nothing is date-only
