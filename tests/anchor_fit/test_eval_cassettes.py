"""The anchors_v1 eval cassettes, replayed: what the suite's structural expectations cannot say (issue 12 point 6).

The duplicated anchor goes to the claim the model links it to, not the one the word overlap would pick;
when the anchor-reading call answers unusably, the overlap links stay, no fit is read and the report says why.
"""

from __future__ import annotations

from pathlib import Path

from agent.cli import run as cli
from agent.graph.anchoring import link_anchors
from agent.line.read import load_line
from agent.runner import load_state
from agent.runs import list_runs
from agent.store import Store

REPO = Path(__file__).resolve().parents[2]


def _replay(line: str, cassette: str, capsys) -> tuple[dict, str]:
    assert cli(["run", str(REPO / line), "--replay", str(REPO / cassette), "--report"]) == 0
    out = capsys.readouterr().out
    store = Store.open()
    return load_state(list_runs(store)[0].id, store)[1], out


def test_the_duplicated_anchor_is_linked_by_the_model_to_its_claim_not_by_overlap_to_another(capsys) -> None:
    line = load_line(REPO / "evals/lines/duplicated-anchor.txt").line
    overlap = link_anchors(line.prompt.claims, line.prompt.anchors)
    assert overlap["C1"] == ["A5"], "the fallback would tie the duplicate to C1, which it has nothing to do with"
    state, report = _replay("evals/lines/duplicated-anchor.txt", "cassettes/evals/duplicated-anchor.yaml", capsys)
    links = {c.anchor_id: (c.claims, c.link_basis) for c in state["anchor_checks"]}
    assert links["A5"] == (["C2"], "model") and links["A1"] == (["C2"], "model")
    assert state["claim_results"]["C1"].anchored_by == [] and state["claim_results"]["C2"].anchored_by == ["A1", "A5"]
    assert "- A5 -> C2: linked by the model reading the anchor's abstract against the claims" in report


def test_when_the_reading_fails_the_overlap_links_stay_and_the_report_says_why(capsys) -> None:
    state, report = _replay("examples/bargaining-power.txt", "cassettes/evals/anchor-read-fails.yaml", capsys)
    assert all(c.link_basis == "word overlap" and not c.fits for c in state["anchor_checks"])
    assert {c.anchor_id: c.claims for c in state["anchor_checks"]} == {"A1": ["C2"], "A2": ["C3"], "A3": ["C4"], "A4": ["C5"]}
    assert "reading the anchors (links kept by word overlap) failed" in state["failed_steps"]["read_anchors"]
    section = report.split("## Anchor fit", 1)[1].split("\n## ", 1)[0]
    assert "**step read_anchors failed**" in section
    assert "- A1 -> C2: word overlap: shares learned, partner, partners, prefer with the cited title" in report
    assert not [p for p in state["proposals"] if "rests on anchor" in p.rationale]
    assert [u.node for u in state["usage"]].count("read_anchors") == 1 and sum(u.calls for u in state["usage"] if u.node == "read_anchors") == 2


def test_a_curators_link_in_the_line_holds_against_the_models_reading(capsys) -> None:
    import json

    from agent.recording import serializer

    interactions = serializer.deserialize((REPO / "cassettes/evals/curator-link.yaml").read_text(encoding="utf-8"))["interactions"]
    bodies = [i["request"].get("body") for i in interactions]
    # The model's messages as the SDK sent them: the JSON body's strings, unescaped.
    sent = [" ".join(m["content"] if isinstance(m["content"], str) else json.dumps(m["content"]) for m in json.loads(b)["messages"]) for b in bodies if b]
    (asked,) = [text for text in sent if "Cited for" in text]
    a5 = asked[asked.index("Anchor A5") :]
    assert "Cited for (linked by the line's curator): C2" in a5.split("untrusted_data", 1)[0], "said inside A5's data block, and only there"
    assert asked.count("Cited for") == 1

    state, report = _replay("evals/lines/curator-link.md", "cassettes/evals/curator-link.yaml", capsys)
    links = {c.anchor_id: (c.claims, c.link_basis) for c in state["anchor_checks"]}
    assert links["A5"] == (["C2"], "curator") and links["A1"] == (["C2"], "model")
    (fit,) = next(c for c in state["anchor_checks"] if c.anchor_id == "A5").fits
    assert (fit.claim_id, str(fit.fit)) == ("C2", "cannot_tell") and "the curator linked it to" in fit.note
    assert not [p for p in state["proposals"] if p.anchor_link is not None and p.anchor_link.anchor_id == "A5"]
    assert "- A5 -> C2: linked by the curator (the line file's link, set in review)" in report
