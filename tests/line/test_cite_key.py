"""A DOI-only paper (keyed `doi:...` among a run's papers) is cited and linked as a DOI, never as `arXiv:doi:...`."""

from __future__ import annotations

import datetime as dt

from agent.line.doi import cite_key
from agent.proposals import Decision, DecisionKind, Evidence, Proposal, ProposalKind
from agent.review.changes import Accepted, changelog_line
from agent.web.views import paper_links


def test_keys_are_cited_by_their_kind():
    assert cite_key("2501.16946") == "arXiv:2501.16946"
    assert cite_key("doi:10.3386/w34423") == "doi:10.3386/w34423"


def test_a_doi_only_paper_links_to_the_doi_resolver_and_an_arxiv_paper_to_arxiv():
    assert [(link.label, link.url) for link in paper_links("doi:10.3386/w34423")] == [("doi:10.3386/w34423", "https://doi.org/10.3386/w34423")]
    assert paper_links("2501.16946")[0].url == "https://arxiv.org/abs/2501.16946"
    assert paper_links("doi:not-a-doi") == []


def test_the_changelog_names_a_doi_only_paper_as_a_doi():
    p = Proposal(id="P1", kind=ProposalKind.ADD_NOTE, target="line", after="x", rationale="r", evidence=[Evidence(arxiv_id="doi:10.3386/w34423", quote="q")])
    d = Decision(proposal_id="P1", kind=DecisionKind.ACCEPT, reviewer="t", at=dt.datetime(2026, 12, 1))
    assert changelog_line(Accepted(p, d)).endswith("evidence: doi:10.3386/w34423")
