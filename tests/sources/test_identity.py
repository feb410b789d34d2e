"""DOI syntax (agent.line.doi), the source-neutral PaperRef, Work windows, and the key scrubbing the new sources rely on."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from vcr.request import Request

from agent.line.doi import arxiv_doi, arxiv_id_of_doi, dois_in, normalise_doi
from agent.recording.scrub import is_secret_env_name, scrub_request, scrub_url
from agent.sources.identity import PaperRef
from agent.sources.protocol import PaperSource, Work, merge_works


@pytest.mark.parametrize(
    "raw",
    ["10.3386/w34423", "10.3386/W34423", "https://doi.org/10.3386/w34423", "http://dx.doi.org/10.3386/w34423", "doi:10.3386/w34423", " DOI: 10.3386%2Fw34423 "],
)
def test_every_spelling_normalises_to_one_doi(raw) -> None:
    assert normalise_doi(raw) == "10.3386/w34423"


@pytest.mark.parametrize("raw", ["", "2501.16946", "10.12/short", "doi.org/10.3386", "10.3386/", "https://example.org/10.3386/w34423x y"])
def test_non_dois_are_refused(raw) -> None:
    assert normalise_doi(raw) is None


def test_dois_in_prose_lose_trailing_punctuation_but_keep_their_own_brackets() -> None:
    text = "See (doi:10.3386/w34423). Also https://doi.org/10.1016/S0140-6736(20)30183-5, and 10.48550/arXiv.2312.07559."
    assert dois_in(text) == ["10.3386/w34423", "10.1016/s0140-6736(20)30183-5", "10.48550/arxiv.2312.07559"]


@given(st.from_regex(r"[0-9]{4}\.[0-9]{5}", fullmatch=True))
def test_arxiv_doi_round_trips(arxiv_id) -> None:
    assert arxiv_id_of_doi(arxiv_doi(arxiv_id)) == arxiv_id
    assert arxiv_id_of_doi(f"https://doi.org/10.48550/ARXIV.{arxiv_id}") == arxiv_id


def test_a_reference_fills_the_arxiv_doi_and_id_from_each_other() -> None:
    assert PaperRef(doi="10.48550/arXiv.2312.07559").arxiv_id == "2312.07559"
    assert PaperRef(arxiv_id="arXiv:2312.07559v3").doi == "10.48550/arxiv.2312.07559"
    with_journal = PaperRef(arxiv_id="2312.07559", doi="10.1000/journal.1")
    assert with_journal.dois == {"10.1000/journal.1", "10.48550/arxiv.2312.07559"}


def test_references_merge_on_a_shared_identifier_and_refuse_a_conflict() -> None:
    s2 = PaperRef(doi="10.3386/W34423", s2_id="A" * 40)
    openalex = (PaperRef(doi="https://doi.org/10.3386/w34423", openalex_id="https://openalex.org/W4415"),)
    merged = s2.merged(openalex[0])
    assert (merged.doi, merged.s2_id, merged.openalex_id) == ("10.3386/w34423", "a" * 40, "W4415")
    assert s2.same_paper(openalex[0]) and merged.key == "doi:10.3386/w34423"
    with pytest.raises(ValueError, match="disagree"):
        merged.merged(PaperRef(doi="10.3386/w34423", openalex_id="W1"))
    works = [Work(ref=s2, source="semanticscholar"), Work(ref=openalex[0], source="openalex")]
    assert merge_works(works) == merged


@pytest.mark.parametrize("bad", [{"doi": "nope"}, {"arxiv_id": "nope"}, {"openalex_id": "A123"}, {"s2_id": "xyz"}, {}])
def test_a_reference_without_a_valid_identifier_is_refused(bad) -> None:
    with pytest.raises(ValueError):
        PaperRef.model_validate(bad)


def test_a_work_in_a_window() -> None:
    dated = Work(ref=PaperRef(doi="10.1000/x1"), source="crossref", published=dt.date(2025, 6, 1))
    year_only = Work(ref=PaperRef(doi="10.1000/x1"), source="crossref", year=2025)
    undated = Work(ref=PaperRef(doi="10.1000/x1"), source="crossref")
    assert dated.in_window(dt.date(2025, 1, 1), dt.date(2025, 12, 31)) is True
    assert dated.in_window(dt.date(2025, 7, 1), None) is False
    assert year_only.in_window(dt.date(2025, 1, 1), dt.date(2025, 12, 31)) is True
    assert year_only.in_window(dt.date(2025, 7, 1), None) is None  # the year straddles the edge: unknown
    assert year_only.in_window(dt.date(2026, 1, 1), None) is False
    assert undated.in_window(dt.date(2025, 1, 1), None) is None and undated.in_window(None, None) is True


def test_every_source_satisfies_the_protocol() -> None:
    from agent.sources.crossref import Crossref
    from agent.sources.openalex import OpenAlex
    from agent.sources.semanticscholar import SemanticScholar

    for source in (SemanticScholar(), OpenAlex("k" * 12), Crossref()):
        assert isinstance(source, PaperSource)


def test_the_new_sources_keys_never_reach_a_cassette() -> None:
    # Semantic Scholar's header and OpenAlex's query key: both already dropped by the scrubber (nothing to add to it).
    request = Request("GET", "https://api.openalex.org/works/W1?api_key=secret-value-123", None, {"x-api-key": "secret-value-123", "Accept": "*/*"})
    scrubbed = scrub_request(request)
    assert "x-api-key" not in {h.lower() for h in scrubbed.headers} and "secret-value-123" not in scrubbed.uri
    assert scrub_url("https://api.openalex.org/works?filter=cites%3AW1&api_key=k") == "https://api.openalex.org/works?filter=cites%3AW1"
    assert is_secret_env_name("SEMANTIC_SCHOLAR_API_KEY") and is_secret_env_name("OPENALEX_API_KEY")
