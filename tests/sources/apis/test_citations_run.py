"""Forward citations in a run (issue 19), offline: the search node with a citation service replaying a cassette.

Not a full graph run (no model answers are composed for it): the search node runs in a
one-node LangGraph graph with the real service from agent.services, then the ground check
and the report get what it produced. The line is tests/data/citations/tossingbot.txt,
whose anchor is the paper the recorded citation item cites.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from langgraph.graph import END, START, StateGraph

from agent.config import Settings
from agent.graph.context import RunContext
from agent.graph.nodes.ground_check import ground_check
from agent.graph.nodes.search import search
from agent.graph.records import ClaimResult, SearchedQuery
from agent.graph.state import ClaimState
from agent.line.read import load_line
from agent.proposals import Evidence, Proposal, ProposalKind
from agent.report import Report, _citation_lines
from agent.services import citation_service
from agent.sources.models import Paper
from tests.sources.apis import scenarios as sc

LINE = Path(__file__).resolve().parents[2] / "data" / "citations" / "tossingbot.txt"
RUN_DATE = sc.TOSSINGBOT_WINDOW[1]
CITING_DOI = "10.1109/lra.2022.3229266"  # the recorded citing paper (IEEE RA-L 2023), DOI only, no arXiv ID
QUOTE = "we explore the use of Decision Transformers (DT) and their ability to transfer from a simulation-based policy into the real-world"


class _NoArxiv:
    """arXiv finding nothing, so every candidate below came from the citation graph."""

    requests_sent = 0

    def search(self, query: str, **_: Any) -> list[Paper]:
        return []

    def lookup(self, ids: Any, batch_size: int = 50) -> dict:
        return {}


def _searched(citations: bool, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.delenv("OPENALEX_API_KEY", raising=False)
    monkeypatch.delenv("SEMANTIC_SCHOLAR_API_KEY", raising=False)
    line = load_line(LINE).line
    claim = line.prompt.claims[0]
    query = SearchedQuery(query="ti:throwing", aim="contradict", since=claim.date.value, until=RUN_DATE)
    result = ClaimResult(claim_id=claim.id, anchored_by=["A1"], queries=[query])
    g = StateGraph(ClaimState, context_schema=RunContext)
    g.add_node("search", search)
    g.add_edge(START, "search")
    g.add_edge("search", END)
    service = citation_service(Settings(citations=True), "replay") if citations else None
    ctx = RunContext(models={}, source=_NoArxiv(), citations=service)
    return g.compile().invoke({"line": line, "run_date": RUN_DATE, "claim": claim, "result": result}, context=ctx)


@pytest.mark.vcr
@pytest.mark.default_cassette("semanticscholar/citations_of_anchor.yaml")
def test_citing_papers_of_the_anchor_reach_screening_and_their_doi_is_verified(vcr, monkeypatch) -> None:
    out = _searched(True, monkeypatch)
    assert len(vcr.requests) == 1 and "/paper/ARXIV:1903.11239/citations" in vcr.requests[0].uri
    key = f"doi:{CITING_DOI}"
    # screen keeps candidates_papers that are newer candidates: the citing paper is one
    assert [p.arxiv_id for p in out["candidates_papers"]] == [key]
    assert [(c.arxiv_id, c.newer) for c in out["result"].candidates] == [(key, True)]
    assert out["candidates_papers"][0].published == dt.date(2023, 2, 1) and "Decision Transformers" in out["candidates_papers"][0].summary
    assert out["verified_dois"] == {CITING_DOI: "semanticscholar"}
    assert out["sources_skipped"].keys() == {"openalex"} and "OPENALEX_API_KEY" in out["sources_skipped"]["openalex"]
    [(asked, outcome)] = out["citation_searches"].items()
    assert "1903.11239" in asked and outcome.startswith("1 citing in the window, 1 new candidates")

    # A proposal citing that DOI, in its text and as evidence, stays grounded; the same DOI unverified does not.
    proposal = Proposal(
        id="P1",
        kind=ProposalKind.ADD_NOTE,
        target="line",
        after="Learned throwing transfers to a real robot (doi:10.1109/LRA.2022.3229266).",
        rationale=f"Monastirsky et al. 2023, DOI {CITING_DOI}, cite TossingBot.",
        evidence=[Evidence(arxiv_id=key, quote=QUOTE)],
    )
    state = {"line": load_line(LINE).line, "papers": out["papers"], "verified_dois": out["verified_dois"], "proposals": [proposal]}
    [checked] = ground_check(state)["proposals"]
    assert checked.grounded and CITING_DOI in checked.rationale and checked.evidence[0].arxiv_id == key
    [unchecked] = ground_check({**state, "verified_dois": {}})["proposals"]
    assert CITING_DOI not in unchecked.rationale

    # The report lists the search and the skipped source.
    fields = {k: out[k] for k in ("citation_searches", "sources_skipped", "verified_dois")}
    shown = "\n".join(_citation_lines(Report.model_construct(**fields)))
    assert "OpenAlex was skipped: OPENALEX_API_KEY is not set" in shown and asked in shown and "DOIs resolved: 1" in shown


def test_without_the_service_nothing_but_arxiv_is_asked(monkeypatch) -> None:
    out = _searched(False, monkeypatch)  # no cassette: a request to Semantic Scholar would fail on the blocked network
    assert out["result"].candidates == [] and not out.get("verified_dois") and not out.get("citation_searches") and not out.get("sources_skipped")


@pytest.mark.vcr
@pytest.mark.default_cassette("crossref/retraction_notice.yaml")
def test_a_retracted_anchor_is_noted_and_shown_in_the_anchor_section() -> None:
    from agent.graph.citations import citing_papers
    from agent.graph.context import CitationService
    from agent.report import _notice_lines

    # No citation source: only the anchor check runs, against Crossref's documented retraction-watch answer (hand-written cassette).
    found = citing_papers(CitationService(sources=[], checkers=[sc.crossref(None)]), "C1", [sc.RETRACTED_DOI], dt.date(2012, 1, 1), RUN_DATE)
    assert sc.RETRACTED_DOI in found.anchor_notices and "retracted" in found.anchor_notices[sc.RETRACTED_DOI]
    assert "retraction-watch" in found.anchor_notices[sc.RETRACTED_DOI] and found.verified_dois.get(sc.RETRACTED_DOI) == "crossref"
    [shown] = _notice_lines(Report.model_construct(anchor_notices=found.anchor_notices))
    assert shown.startswith(f"- **{sc.RETRACTED_DOI}: RETRACTED**")


def test_an_arxiv_anchor_is_never_sent_to_crossref() -> None:
    from agent.graph.citations import citing_papers
    from agent.graph.context import CitationService

    found = citing_papers(CitationService(sources=[], checkers=[sc.crossref(None)]), "C1", ["1903.11239"], dt.date(2019, 1, 1), RUN_DATE)
    assert found.anchor_notices == {} and found.searches == {}  # no cassette: a request would have failed on the blocked network
