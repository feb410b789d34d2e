"""Issue 19's done-when, replayed offline through the CLI: the demo's first claim grounded in a real non-arXiv
paper found in the run, every anchor's citing papers reaching screening, the cited DOI checked for retraction."""

from __future__ import annotations

import yaml

from agent.runner import load_state
from agent.sources.identity import PaperRef
from tests.grounding.conftest import CASSETTE, REPO, CitedDemo

NBER = "doi:10.3386/w34423"  # NBER Working Paper 34423 (tests/data/lines/bargaining-power-sources.json)


def _state(demo: CitedDemo) -> dict:
    with demo.store() as store:
        return load_state(demo.run_id, store)[1]


def _uris() -> list[str]:
    return [i["request"]["uri"] for i in yaml.safe_load(CASSETTE.read_text(encoding="utf-8"))["interactions"]]


def test_claim_one_is_grounded_in_the_nber_paper_found_by_its_key_terms(cited: CitedDemo) -> None:
    state = _state(cited)
    c1 = state["claim_results"]["C1"]
    assert not c1.anchored_by, "C1 rests on no arXiv anchor: that is why its source is searched for"
    assert NBER in {c.arxiv_id for c in c1.candidates}
    assert any(f.arxiv_id == NBER and str(f.stance) == "supports" for f in c1.findings), "the likely source reached the screen"
    assert state["verified_dois"]["10.3386/w34423"] == "crossref", "its DOI counts because Crossref returned the record"
    revision = next(p for p in state["proposals"] if p.target == "C1" and str(p.kind) == "revise_claim")
    assert revision.grounded and revision.evidence[0].arxiv_id == NBER
    assert "not on arXiv, DOI 10.3386/w34423 resolved by crossref" in state["claim_sources"]["C1"][0]
    assert "C1 likely source: doi:10.3386/w34423" in cited.output and "not on arXiv" in cited.output


def test_every_anchors_citing_papers_reach_screening(cited: CitedDemo) -> None:
    state = _state(cited)
    asked = [u for u in _uris() if "/citations?" in u]
    assert len(asked) == 4, "one citation request per anchor of the line"
    for claim_id, result in state["claim_results"].items():
        if not result.anchored_by:
            continue
        searches = [k for k in state["citation_searches"] if k.startswith(f"{claim_id}: papers citing")]
        assert searches, f"{claim_id}'s anchor was followed"
    # 2509.10147 reaches C3 only as a paper citing its anchor 2501.16946 (no arXiv search of C3 returned it).
    c3 = state["claim_results"]["C3"]
    assert "2509.10147" in {f.arxiv_id for f in c3.findings}
    # 2511.16769 cites C2's anchor but before C2's window: it is not screened.
    assert "2511.16769" not in {c.arxiv_id for c in state["claim_results"]["C2"].candidates}


def test_the_cited_doi_was_checked_for_retraction_and_no_arxiv_doi_went_to_crossref(cited: CitedDemo) -> None:
    uris = _uris()
    crossref = [u for u in uris if u.startswith("https://api.crossref.org/")]
    assert "https://api.crossref.org/works/10.3386%2Fw34423" in crossref, "the DOI a proposal cites is checked for notices"
    assert not any("10.48550" in u.lower() for u in crossref), "arXiv DOIs are DataCite's: never asked of Crossref"
    assert not any(u.startswith("https://api.openalex.org/") for u in uris), "no key: OpenAlex is skipped"
    state = _state(cited)
    assert all(not p.notices for p in state["proposals"]), "nothing is held against the papers the demo cites"
    assert "OpenAlex was skipped" in cited.output


def test_the_scenario_names_only_real_papers() -> None:
    # Every citing paper in the cassette is a real one of the catalogue, and the one non-arXiv work is NBER w34423.
    import json

    catalogue = {p["arxiv_id"] for p in json.loads((REPO / "evals" / "data" / "arxiv-papers.json").read_text())["papers"]}
    data = yaml.safe_load(CASSETTE.read_text(encoding="utf-8"))
    for item in data["interactions"]:
        if "/citations?" in item["request"]["uri"]:
            body = item["response"].get("parsed_body") or json.loads(item["response"]["body"]["string"])
            for entry in body["data"]:
                assert PaperRef(arxiv_id=entry["citingPaper"]["externalIds"]["ArXiv"]).arxiv_id in catalogue


def test_bibtex_cites_the_doi_only_paper_by_its_doi(cited: CitedDemo) -> None:
    from agent.proposals import DecisionKind
    from agent.review.changing import decide
    from agent.review.decisions import make_decision
    from agent.review.export import to_bibtex
    from agent.review.review_run import load_review

    with cited.store() as store:
        review = load_review(store, cited.run_id)
        revision = next(p.id for p in review.proposals if p.target == "C1" and str(p.kind) == "revise_claim")
        text = to_bibtex(decide(store, review, [make_decision(revision, DecisionKind.ACCEPT)]))
    entry = next(e for e in text.split("\n\n") if "w34423" in e)
    assert "doi           = {10.3386/w34423}" in entry and "https://doi.org/10.3386/w34423" in entry
    assert "eprint" not in entry and "arXiv" not in entry, "a working paper is no arXiv e-print"
    assert entry.startswith("@misc{restrepo2025won")


def test_semantic_scholar_429_throughout_leaves_arxiv_and_crossref_working(tmp_path, monkeypatch, capsys) -> None:
    from agent.cli import run as cli
    from agent.runs import list_runs
    from agent.store import Store

    monkeypatch.setenv("RETEST_HOME", str(tmp_path / ".retest"))
    s2_429 = REPO / "cassettes" / "citations" / "bargaining-power-s2-429.yaml"
    assert cli(["run", str(REPO / "examples" / "bargaining-power.txt"), "--replay", str(s2_429), "--citations", "--report"]) == 0
    shown = capsys.readouterr().out
    with Store.open() as store:
        (run,) = list_runs(store)
        state = load_state(run.id, store)[1]
    s2 = {k: v for k, v in state["citation_searches"].items() if k.endswith("(semanticscholar)")}
    unlike = {k: v for k, v in s2.items() if not (v.startswith("failed: Semantic Scholar") and "HTTP 429" in v)}
    # Named in full when it fails: it failed once when the suite ran in parallel (pytest-xdist -n 2), and the truncated dict hid which search said what.
    assert len(s2) == 5 and not unlike, unlike or sorted(s2)
    assert "2509.10147" not in state["papers"], "that candidate came only from Semantic Scholar"
    assert state["verified_dois"]["10.3386/w34423"] == "crossref" and "C1 likely source: doi:10.3386/w34423" in shown
    assert all(r.verdict for r in state["claim_results"].values()), "every claim is still judged on arXiv's candidates"
