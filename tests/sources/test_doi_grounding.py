"""DOIs as citations: found however spelled (agent.line.citable), kept only when a source resolved them in the run."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.graph.nodes.ground_check import check_proposal, ground_check
from agent.line.citable import REMOVED, cited_dois, scrub_citable
from agent.recording import cassette
from agent.sources.models import Paper
from agent.sources.protocol import verified_dois
from tests.graph.fakes import VERIFIED, revision
from tests.sources.apis import scenarios as sc
from tests.sources.apis.conftest import CASSETTES

NBER = "10.3386/w34423"
UNRESOLVED = "10.9999/made.up.2026"
FORMS = {
    "plain": UNRESOLVED,
    "label": f"doi:{UNRESOLVED}",
    "resolver": f"https://doi.org/{UNRESOLVED}",
    "dx": f"http://dx.doi.org/{UNRESOLVED}",
    "upper": UNRESOLVED.upper(),
    "emphasis": f"_{UNRESOLVED}_",
    "code": f"`{UNRESOLVED}`",
    "entity-dot": UNRESOLVED.replace(".", "&#46;", 1),
    "fullwidth-slash": UNRESOLVED.replace("/", "\uff0f"),
    "zero-width": UNRESOLVED.replace("/", "/\u200b"),
    "sentence-end": f"{UNRESOLVED}.",
    "parenthesised": f"({UNRESOLVED})",
}


def _papers() -> dict[str, Paper]:
    return {
        VERIFIED: Paper(
            arxiv_id=VERIFIED, title="Data-Driven Automation", summary="Labor's share of tasks decays slowly as a power law.", published=dt.date(2026, 6, 8)
        )
    }


@pytest.mark.parametrize("form", list(FORMS.values()), ids=list(FORMS))
@pytest.mark.parametrize("field", ["after", "rationale", "target"])
def test_a_doi_nothing_resolved_is_removed_however_spelled(form, field) -> None:
    text = {"after": f"Wages converge (see {form}) slowly", "rationale": f"Per {form} and more", "target": f"C1 (superseded by {form})"}[field]
    checked, report = check_proposal(revision(**{field: text}), _papers(), {NBER})
    assert not checked.grounded and checked.removed_ids == [UNRESOLVED]
    assert [(u.arxiv_id, u.where) for u in report] == [(UNRESOLVED, field)]
    assert REMOVED in getattr(checked, field) and UNRESOLVED not in cited_dois(getattr(checked, field))


@pytest.mark.parametrize("spelling", [NBER, f"doi:{NBER}", f"https://doi.org/{NBER.upper()}", f"*{NBER}*"])
def test_a_resolved_doi_is_kept(spelling) -> None:
    checked, report = check_proposal(revision(rationale=f"Restrepo ({spelling}) argues wages converge to compute cost."), _papers(), {NBER})
    assert report == [] and checked.grounded and NBER in cited_dois(checked.rationale)


def test_the_arxiv_doi_of_a_retrieved_paper_counts_and_of_another_does_not() -> None:
    kept, report = check_proposal(revision(rationale=f"See 10.48550/arXiv.{VERIFIED}."), _papers(), set())
    assert report == [] and f"10.48550/arXiv.{VERIFIED}" in kept.rationale
    _, report = check_proposal(revision(rationale="See 10.48550/arXiv.2611.99999."), _papers(), set())
    assert [u.arxiv_id for u in report] == ["10.48550/arxiv.2611.99999"]


def test_an_id_shaped_doi_suffix_is_judged_as_the_doi() -> None:
    doi = "10.1234/2611.99999"
    text, removed = scrub_citable(f"See {doi}.", set(), {doi})
    assert removed == [] and doi in text  # not an arXiv citation of 2611.99999
    text, removed = scrub_citable(f"See {doi}.", set(), set())
    assert removed == [doi] and "2611.99999" not in text


def test_a_doi_in_a_new_date_drops_the_date() -> None:
    checked, report = check_proposal(revision(new_date=f"~2026 per {UNRESOLVED}"), _papers(), set())
    assert checked.new_date is None and [(u.arxiv_id, u.where) for u in report] == [(UNRESOLVED, "new_date")]


def test_without_verified_dois_the_scrub_is_as_before() -> None:
    text = f"See {UNRESOLVED} and 2611.99999"
    assert scrub_citable(text, set()) == (f"See {UNRESOLVED} and {REMOVED}", ["2611.99999"])


@given(st.from_regex(r"10\.[0-9]{4,6}/[a-z0-9]{1,8}([.-][a-z0-9]{1,6}){0,2}", fullmatch=True), st.sampled_from(["", "doi:", "https://doi.org/", "_", "`"]))
def test_an_unresolved_doi_never_survives(doi, prefix) -> None:
    text, removed = scrub_citable(f"As shown in {prefix}{doi}{'_' if prefix == '_' else ''}, wages fall.", {VERIFIED}, {NBER})
    assert doi.lower() not in cited_dois(text) and doi.lower() in removed


def test_a_doi_resolved_through_crossref_in_the_run_grounds_the_claim() -> None:
    # The demo line's first claim rests on an NBER working paper with a DOI and no arXiv version.
    with cassette("replay", CASSETTES / "crossref" / "nber_working_paper.yaml"):
        work = sc.SCENARIOS["crossref/nber_working_paper"][1](None)
    resolved = {doi: work.source for doi in verified_dois([work])}
    proposal = revision(rationale=f"Restrepo (doi:{NBER}) finds wages converge to the compute cost of replicating a worker; {UNRESOLVED} does not exist.")
    checked, report = check_proposal(proposal, _papers(), set(resolved))
    assert resolved == {NBER: "crossref"}
    assert f"doi:{NBER}" in checked.rationale and [u.arxiv_id for u in report] == [UNRESOLVED]
    assert verified_dois([None]) == set()  # a lookup that found nothing resolves nothing


def test_the_node_reads_the_runs_verified_dois(monkeypatch) -> None:
    import agent.graph.nodes.ground_check as node

    monkeypatch.setattr(node, "proposal_problems", lambda proposal, line: [])
    proposal = revision(rationale=f"Restrepo (doi:{NBER}) and {UNRESOLVED}.")
    out = ground_check({"papers": _papers(), "verified_dois": {NBER: "crossref"}, "proposals": [proposal], "line": None})  # type: ignore[typeddict-item]
    assert [u.arxiv_id for u in out["ungrounded"]] == [UNRESOLVED]
    out = ground_check({"papers": _papers(), "proposals": [proposal], "line": None})  # type: ignore[typeddict-item]
    assert [u.arxiv_id for u in out["ungrounded"]] == [NBER, UNRESOLVED]
