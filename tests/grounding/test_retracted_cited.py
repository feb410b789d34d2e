"""A retracted paper a proposal cites (issue 19, point 5c): found by the retraction check, stored on the proposal,
shown in review, and accepted only after a confirmation in the terminal, with --accept and on the web page."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from agent.errors import InputError
from agent.graph.context import CitationService
from agent.graph.retractions import with_notices
from agent.line.read import load_line
from agent.proposals import DecisionKind, Evidence, PaperNotice, Proposal, ProposalKind
from agent.recording import cassette
from agent.review.changing import decide
from agent.review.decisions import make_decision
from agent.review.review_run import load_review
from agent.sources.crossref import Crossref
from agent.sources.webapi import Spacer
from tests.grounding.conftest import LINE, REPO, CitedDemo
from tests.review.support import sitting

RETRACTED = "doi:10.1021/am300292v"  # Crossref's documented Retraction Watch example (cassettes/sources/crossref/retraction_notice.yaml)
NOTICE = PaperNotice(paper=RETRACTED, text="crossref: retracted (10.1021/acsami.9b11759, retraction-watch, 2019-07-26)", retracted=True)


def _checkers() -> CitationService:
    return CitationService(sources=[], checkers=[Crossref(spacer=Spacer(0.0), retry_wait=0.0, max_retries=0)])


def test_the_check_finds_the_retraction_and_never_asks_crossref_for_an_arxiv_paper() -> None:
    proposal = Proposal(
        id="P1",
        kind=ProposalKind.ADD_NOTE,
        target="line",
        after="A: b",
        rationale="r",
        evidence=[Evidence(arxiv_id=RETRACTED, quote="q"), Evidence(arxiv_id="2606.10127", quote="q")],
    )
    line = load_line(LINE).line
    # The cassette holds only the retracted DOI's answer: a request for the arXiv paper would be a cassette miss.
    with cassette("replay", REPO / "cassettes" / "sources" / "crossref" / "retraction_notice.yaml"):
        (checked,), failures = with_notices([proposal], _checkers(), line, {})
    assert failures == {}
    assert checked.notices == [NOTICE]
    assert checked.retracted_papers == [RETRACTED]
    assert "RETRACTED" in checked.confirm_reasons()[0]


def test_an_anchor_proposal_carries_the_anchors_notice() -> None:
    line = load_line(LINE).line
    anchor = line.prompt.anchors[0]
    flag = Proposal(id="P1", kind=ProposalKind.FLAG, target=anchor.id, after="x", rationale="r")
    (checked,), _ = with_notices([flag], CitationService(sources=[], checkers=[]), line, {anchor.arxiv_id: "crossref: retracted (10.1/x, publisher)"})
    assert checked.retracted_papers == [anchor.arxiv_id]


def _mark_retracted(demo: CitedDemo, proposal_id: str) -> None:
    """Put a retraction notice on one proposal, as the retraction check does (then the review waits again)."""
    from agent.graph.context import RunContext
    from agent.runner import open_graph

    with demo.store() as store:
        review = load_review(store, demo.run_id)
    proposals = [p.model_copy(update={"notices": [NOTICE]}) if p.id == proposal_id else p for p in review.proposals]
    config = {"configurable": {"thread_id": demo.run_id}}
    with open_graph(demo.home) as graph:
        graph.update_state(config, {"proposals": proposals}, as_node="ground_check")
        graph.invoke(None, config, context=RunContext(models={}, source=None))


def _grounded_pending(demo: CitedDemo) -> str:
    with demo.store() as store:
        review = load_review(store, demo.run_id)
    return next(p.id for p in review.proposals if p.grounded and not p.problems and p.id in review.pending)


def test_accept_needs_force(cited: CitedDemo) -> None:
    pid = _grounded_pending(cited)
    _mark_retracted(cited, pid)
    with cited.store() as store:
        review = load_review(store, cited.run_id)
        assert pid not in review.pending_grounded, "--accept-grounded leaves it for a person"
        with pytest.raises(InputError, match="rests on a RETRACTED paper: doi:10.1021/am300292v"):
            decide(store, review, [make_decision(pid, DecisionKind.ACCEPT)])
        after = decide(store, review, [make_decision(pid, DecisionKind.ACCEPT)], confirmed=True)
    assert after.decisions[pid].kind is DecisionKind.ACCEPT


def test_terminal_review_shows_the_notice_and_asks(cited: CitedDemo) -> None:
    pid = _grounded_pending(cited)
    _mark_retracted(cited, pid)
    with cited.store() as store:
        queue = load_review(store, cited.run_id).pending
        skips = ["s"] * queue.index(pid)
        _, console = sitting(store, cited.run_id, [*skips, "a", "n", "q"])
        shown = console.file.getvalue()  # type: ignore[attr-defined]
        assert "CITES A RETRACTED PAPER" in shown and "RETRACTED: doi:10.1021/am300292v" in shown
        assert pid not in load_review(store, cited.run_id).decisions, "N keeps it undecided"
        sitting(store, cited.run_id, [*skips, "a", "y", "q"])
        assert load_review(store, cited.run_id).decisions[pid].kind is DecisionKind.ACCEPT


def test_web_review_takes_a_second_click(cited: CitedDemo) -> None:
    import re

    from agent.web.app import ServerConfig, create_app
    from agent.web.security import Guard

    pid = _grounded_pending(cited)
    _mark_retracted(cited, pid)
    web = TestClient(create_app(ServerConfig(cited.home / "retest.db", Guard.for_host("127.0.0.1"))), base_url="http://127.0.0.1")
    page = web.get(f"/runs/{cited.run_id}/review").text
    assert "CITES A RETRACTED PAPER" in page
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token
    first = web.post(f"/runs/{cited.run_id}/proposals/{pid}", data={"csrf": token[1], "action": "accept"})
    assert "Accept anyway" in first.text and "rests on a RETRACTED paper" in first.text
    with cited.store() as store:
        assert pid not in load_review(store, cited.run_id).decisions
    web.post(f"/runs/{cited.run_id}/proposals/{pid}", data={"csrf": token[1], "action": "accept", "confirm": "yes"})
    with cited.store() as store:
        assert load_review(store, cited.run_id).decisions[pid].kind is DecisionKind.ACCEPT


def test_report_marks_it(cited: CitedDemo) -> None:
    from agent.report import build_report, render_markdown
    from agent.runner import load_state

    pid = _grounded_pending(cited)
    _mark_retracted(cited, pid)
    with cited.store() as store:
        run, state, waiting = load_state(cited.run_id, store)
    text = render_markdown(build_report(run, state, waiting, []))
    assert f"### {pid} " in text and "CITES A RETRACTED PAPER" in text
    assert "- RETRACTED: doi:10.1021/am300292v: crossref: retracted" in text
