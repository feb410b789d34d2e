"""Issue 12 point 1: an anchor that carries none of its claim may be replaced by a paper the run found supporting it.

Scripted model, fake source, the real graph. The replacement is drafted by code,
only from a finding the run screened (its quote checked against the paper's
abstract), never from a paper the model names, and never for an anchor that
backs part of its claim or is cited for a second claim.
"""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from agent.graph.build import build_graph
from agent.graph.context import RunContext
from agent.graph.serde import serializer
from agent.proposals import ProposalKind
from tests.anchor_fit.test_read_anchors import A1, A2, ELSEWHERE, HALF, RUN_DATE, _fit, _line, _papers
from tests.graph.fakes import FakeSource, ScriptedModel, paper

SUPPORT_ID = "2606.10127"
SUPPORT_ABSTRACT = "Labor's share of tasks decays slowly, and long-run wages converge towards the cost of compute."
SUPPORT_QUOTE = "long-run wages converge towards the cost of compute"


def _papers_with_support() -> dict:
    return {**_papers(), SUPPORT_ID: paper(SUPPORT_ID, "Data-Driven Automation", "2026-06-08", SUPPORT_ABSTRACT)}


def _finding(stance: str, quote: str = SUPPORT_QUOTE, arxiv_id: str = SUPPORT_ID) -> dict:
    return {"findings": [{"arxiv_id": arxiv_id, "stance": stance, "quote": quote, "confidence": 0.8}]}


def _run(reading: Any, screened: dict) -> dict:
    answers: dict[str, Any] = {
        "plan_queries C1": {"queries": [{"query": "all:wages", "aim": "support"}, {"query": "all:labor", "aim": "contradict"}]},
        "plan_queries C2": {"queries": [{"query": "all:partner", "aim": "support"}, {"query": "all:empathy", "aim": "contradict"}]},
        "screen C1": screened,
        "judge C1": {"verdict": "holds", "rationale": "2606.10127 supports it.", "cited_ids": [SUPPORT_ID], "suggested_text": None, "suggested_date": None},
        "propose_questions": {"questions": []},
        "draft_proposals": {"changes": []},
        "read_anchors": reading,
    }
    model = ScriptedModel(lambda task, instructions, data: answers[task])
    graph = build_graph().compile(checkpointer=InMemorySaver(serde=serializer()))
    source = FakeSource(_papers_with_support(), {"wages": [SUPPORT_ID, "2507.13524"]})
    ctx = RunContext(models={r: model for r in ("planner", "screener", "judge", "writer")}, source=source)
    config = {"configurable": {"thread_id": "t"}}
    graph.invoke({"run_id": "t", "line": _line([A1, A2]), "run_date": RUN_DATE}, config, context=ctx)
    return graph.get_state(config).values


def _replacements(state: dict) -> list:
    """Anchor replacements with another paper (A2's cited title differs from arXiv's, so A2 also gets its title corrected)."""
    return [p for p in state["proposals"] if p.kind is ProposalKind.REPLACE_ANCHOR and p.after.split()[0] != p.before.split()[0]]


def test_an_anchor_about_something_else_is_offered_the_supporting_paper_the_run_found() -> None:
    state = _run({"anchors": [{"anchor_id": "A1", "claims": [HALF]}, {"anchor_id": "A2", "claims": [ELSEWHERE]}]}, _finding("supports"))
    (replace,) = _replacements(state)
    assert replace.target == "A2" and replace.before.startswith("arXiv:2602.11865 (2026-02)")
    assert replace.after == "arXiv:2606.10127 (2026-06): Data-Driven Automation"
    assert "A2 (arXiv:2602.11865), whose abstract is about something else" in replace.rationale
    assert replace.grounded and [(e.arxiv_id, e.quote) for e in replace.evidence] == [(SUPPORT_ID, SUPPORT_QUOTE)]
    assert any(p.kind is ProposalKind.FLAG and p.target == "C1" for p in state["proposals"]), "the flag stays: the curator chooses"


def test_no_replacement_without_a_supporting_finding_or_with_a_quote_not_in_the_abstract() -> None:
    reading = {"anchors": [{"anchor_id": "A2", "claims": [ELSEWHERE]}]}
    assert _replacements(_run(reading, _finding("qualifies"))) == [], "a paper that qualifies the claim does not carry it"
    assert _replacements(_run(reading, _finding("supports", quote="wages rise forever with compute"))) == [], "a dropped quote is no finding"


def test_an_anchor_backing_part_of_its_claim_or_cited_for_two_claims_is_not_replaced() -> None:
    half_of_c1 = _fit("C1", "backs_part", "how tasks and authority can be delegated between humans and AI agents", "wages", None)
    assert _replacements(_run({"anchors": [{"anchor_id": "A2", "claims": [half_of_c1]}]}, _finding("supports"))) == []
    backs_c2 = _fit("C2", "backs", "how tasks and authority can be delegated between humans and AI agents")
    two = {"anchors": [{"anchor_id": "A2", "claims": [ELSEWHERE, backs_c2]}]}
    assert _replacements(_run(two, _finding("supports"))) == [], "replacing it would take C2's anchor away"


def test_a_paper_that_is_already_an_anchor_is_not_offered() -> None:
    # The run found A1's own paper supporting C1: the line cites it already, so there is nothing to replace A2 with.
    screened = _finding("supports", quote="people came to prefer AI partners over human ones", arxiv_id="2507.13524")
    answers_reading = {"anchors": [{"anchor_id": "A2", "claims": [ELSEWHERE]}]}
    state = _run(answers_reading, screened)
    assert [f.arxiv_id for f in state["claim_results"]["C1"].findings] == ["2507.13524"], "the finding itself was kept"
    assert _replacements(state) == []
