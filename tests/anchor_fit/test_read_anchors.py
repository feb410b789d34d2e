"""read_anchors (issue 12 points 1 and 3): one call links every verified anchor to its claims and says how far it carries them.

Scripted model, fake source, the real graph through LangGraph: an anchor about
something else, one that backs half its claim, a duplicated anchor the model
links right and the word overlap wrong, the fallback when the call fails, and
model output that names IDs the line does not have.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from agent.graph.build import build_graph
from agent.graph.context import RunContext
from agent.graph.records import FitKind
from agent.graph.serde import serializer
from agent.line.models import AnchorPaper, Claim, DatePrecision, FuzzyDate, Line, ResearchPrompt, Task
from agent.proposals import ProposalKind
from tests.graph.fakes import FakeSource, Refusal, ScriptedModel, paper

RUN_DATE = dt.date(2026, 11, 29)
PARTNERS = "Repeated partner-selection games in which people came to prefer AI partners over human ones for their reliability."
DELEGATION = "Discusses how tasks and authority can be delegated between humans and AI agents."


def _year(y: int) -> FuzzyDate:
    return FuzzyDate(text=f"~{y}", value=dt.date(y, 1, 1), precision=DatePrecision.YEAR, approximate=True)


def _month(y: int, m: int) -> FuzzyDate:
    return FuzzyDate(text=f"{y}-{m:02d}", value=dt.date(y, m, 1), precision=DatePrecision.MONTH)


def _line(anchors: list[AnchorPaper]) -> Line:
    return Line(
        slug="fit-line",
        question="Does warmth keep bargaining power?",
        framing="A test line.",
        synthesis=["One paragraph."],
        notes=[],
        prompt=ResearchPrompt(
            role="You are a test analyst.",
            open_question="Does it?",
            claims=[
                Claim(id="C1", text="Wages converge to compute cost", date=_year(2025)),
                Claim(id="C2", text="Humans learn to prefer AI partners for reliability; warmth proved as mimicable as task performance", date=_year(2025)),
            ],
            anchors=anchors,
            tasks=[Task(number=1, text="Re-test each claim.")],
        ),
    )


A1 = AnchorPaper(id="A1", arxiv_id="2507.13524", cited_date=_month(2025, 7), cited_title="Humans learn to prefer trustworthy AI over human partners")
A2 = AnchorPaper(id="A2", arxiv_id="2602.11865", cited_date=_month(2026, 2), cited_title="Intelligent AI Delegation of wages")


def _papers() -> dict:
    return {
        "2507.13524": paper("2507.13524", "Humans learn to prefer trustworthy AI over human partners", "2025-07-17", PARTNERS),
        "2602.11865": paper("2602.11865", "Intelligent AI Delegation", "2026-02-12", DELEGATION),
    }


def _script(reading: Any) -> Any:
    answers: dict[str, Any] = {
        "plan_queries C1": {"queries": [{"query": "all:wages", "aim": "support"}, {"query": "all:labor", "aim": "contradict"}]},
        "plan_queries C2": {"queries": [{"query": "all:partner", "aim": "support"}, {"query": "all:empathy", "aim": "contradict"}]},
        "propose_questions": {"questions": []},
        "draft_proposals": {"changes": []},
        "read_anchors": reading,
    }
    return lambda task, instructions, data: answers[task]


def _fit(claim: str, fit: str, quote: str, not_backed: str | None = None, revised: str | None = None) -> dict:
    return {"claim_id": claim, "fit": fit, "quote": quote, "not_backed": not_backed, "revised": revised}


def _run(line: Line, reading: Any) -> tuple[dict, ScriptedModel]:
    model = ScriptedModel(_script(reading))
    graph = build_graph().compile(checkpointer=InMemorySaver(serde=serializer()))
    ctx = RunContext(models={r: model for r in ("planner", "screener", "judge", "writer")}, source=FakeSource(_papers(), {}))
    config = {"configurable": {"thread_id": "t"}}
    graph.invoke({"run_id": "t", "line": line, "run_date": RUN_DATE}, config, context=ctx)
    return graph.get_state(config).values, model


def _fits(state: dict) -> dict[tuple[str, str], Any]:
    return {(f.anchor_id, f.claim_id): f for c in state["anchor_checks"] for f in c.fits}


HALF = _fit(
    "C2",
    "backs_part",
    "people came to prefer AI partners over human ones for their reliability",
    "that warmth proved as mimicable",
    "Humans learn to prefer AI partners for reliability",
)
ELSEWHERE = _fit("C1", "something_else", "how tasks and authority can be delegated between humans and AI agents")


def test_one_call_reads_every_anchor_and_its_abstracts_are_data_blocks() -> None:
    state, model = _run(_line([A1, A2]), {"anchors": [{"anchor_id": "A1", "claims": [HALF]}, {"anchor_id": "A2", "claims": [ELSEWHERE]}]})
    sent = [data for task, data in model.calls if task == "read_anchors"]
    assert len(sent) == 1, "one call for the whole line, not one per anchor"
    assert '<untrusted_data label="anchor A1">' in sent[0] and PARTNERS in sent[0] and DELEGATION in sent[0]
    assert '<untrusted_data label="claim C2">' in sent[0]


def test_an_anchor_about_something_else_is_flagged_with_its_quote() -> None:
    state, _ = _run(_line([A1, A2]), {"anchors": [{"anchor_id": "A1", "claims": [HALF]}, {"anchor_id": "A2", "claims": [ELSEWHERE]}]})
    fit = _fits(state)[("A2", "C1")]
    assert fit.fit is FitKind.SOMETHING_ELSE and fit.quote.startswith("how tasks and authority")
    flag = next(p for p in state["proposals"] if p.kind is ProposalKind.FLAG and p.target == "C1")
    assert "A2" in flag.after and "does not carry it" in flag.after and "about something else" in flag.after
    assert flag.grounded and [e.arxiv_id for e in flag.evidence] == ["2602.11865"] and flag.evidence[0].quote == fit.quote


def test_an_anchor_backing_half_its_claim_gets_a_revision_to_what_it_backs() -> None:
    state, _ = _run(_line([A1, A2]), {"anchors": [{"anchor_id": "A1", "claims": [HALF]}, {"anchor_id": "A2", "claims": [ELSEWHERE]}]})
    fit = _fits(state)[("A1", "C2")]
    assert fit.fit is FitKind.BACKS_PART and fit.not_backed == "that warmth proved as mimicable"
    revision = next(p for p in state["proposals"] if p.kind is ProposalKind.REVISE_CLAIM and p.target == "C2")
    assert revision.after == "Humans learn to prefer AI partners for reliability" and revision.grounded
    assert "does not back: that warmth proved as mimicable" in revision.rationale
    assert state["claim_results"]["C2"].anchored_by == ["A1"] and state["claim_results"]["C1"].anchored_by == ["A2"]


def test_an_anchor_that_backs_its_claim_gets_no_proposal() -> None:
    backs = _fit("C2", "backs", "people came to prefer AI partners over human ones")
    state, _ = _run(_line([A1]), {"anchors": [{"anchor_id": "A1", "claims": [backs]}]})
    assert _fits(state)[("A1", "C2")].fit is FitKind.BACKS
    assert [p for p in state["proposals"] if p.target == "C2"] == []


def test_a_quote_not_in_the_abstract_turns_the_fit_into_cannot_tell_and_proposes_nothing() -> None:
    made_up = _fit("C2", "does_not_back", "people came to distrust AI partners over time")
    state, _ = _run(_line([A1]), {"anchors": [{"anchor_id": "A1", "claims": [made_up]}]})
    fit = _fits(state)[("A1", "C2")]
    assert fit.fit is FitKind.CANNOT_TELL and fit.quote == "" and "not in the abstract" in fit.note and "does not back it" in fit.note
    assert [p for p in state["proposals"] if p.target == "C2"] == [], "an unverifiable quote grounds no proposal"


def test_a_duplicated_anchor_goes_to_the_model_s_claim_not_the_overlap_s() -> None:
    duplicate = A1.model_copy(update={"id": "A2"})  # the export lists the same paper twice
    line = _line([A1, duplicate])
    # By overlap, the duplicate lands on C1 (no shared word, only the cited year): the wrong claim.
    fallback, _ = _run(line, Refusal("no"))
    assert {c.anchor_id: c.claims for c in fallback["anchor_checks"]} == {"A1": ["C2"], "A2": ["C1"]}
    both = {"anchors": [{"anchor_id": "A1", "claims": [HALF]}, {"anchor_id": "A2", "claims": [HALF]}]}
    state, _ = _run(line, both)
    assert {c.anchor_id: (c.claims, c.link_basis) for c in state["anchor_checks"]} == {"A1": (["C2"], "model"), "A2": (["C2"], "model")}
    assert state["claim_results"]["C1"].anchored_by == [] and state["claim_results"]["C2"].anchored_by == ["A1", "A2"]


def test_when_the_call_fails_the_overlap_links_stay_and_the_report_says_why() -> None:
    from agent.report import _links  # noqa: PLC0415 - the report's own rendering of the same state

    line = _line([A1, A2])
    state, _ = _run(line, Refusal("I can't help with that."))
    assert all(c.link_basis == "word overlap" and c.fits == [] for c in state["anchor_checks"])
    assert "read_anchors" in state["failed_steps"] and "refused" in state["failed_steps"]["read_anchors"]
    assert not [p for p in state["proposals"] if "rests on anchor" in p.rationale], "no fit, so no fit proposal"
    links = _links(line, state["anchor_checks"])
    assert links["A1 -> C2"].startswith("word overlap: shares")
    assert state["claim_results"]["C2"].verdict is not None, "the run went on"


@pytest.mark.parametrize(
    "reading",
    [
        {"anchors": [{"anchor_id": "A9", "claims": [HALF]}]},  # an anchor the line does not have
        {"anchors": [{"anchor_id": "2507.13524", "claims": [HALF]}]},  # an arXiv ID where the anchor ID belongs
        {"anchors": [{"anchor_id": "A1", "claims": [_fit("C7", "backs", "people came to prefer AI partners")]}]},  # an unknown claim
    ],
)
def test_ids_the_line_does_not_have_are_never_trusted(reading: dict) -> None:
    state, _ = _run(_line([A1]), reading)
    assert all(c.link_basis == "word overlap" and c.fits == [] for c in state["anchor_checks"])
    assert "read none of the line's anchors" in state["failed_steps"]["read_anchors"]
    assert {c.anchor_id: c.claims for c in state["anchor_checks"]} == {"A1": ["C2"]}


def test_an_anchor_the_run_could_not_verify_is_not_read() -> None:
    missing = AnchorPaper(id="A1", arxiv_id="2507.99999", cited_date=_month(2025, 7), cited_title="Humans learn to prefer trustworthy AI")
    state, model = _run(_line([missing]), {"anchors": []})
    assert [t for t, _ in model.calls if t == "read_anchors"] == [], "no abstract retrieved, nothing to read, no call"
    assert "read_anchors" not in state.get("failed_steps", {})
