"""The demo's report shows a fit for each of its four anchors with its quote, and the link of every anchor with its basis (issue 12)."""

from __future__ import annotations

from pathlib import Path

from agent.cli import run as cli
from agent.graph.evidence import quote_in
from agent.graph.records import FitKind
from agent.runner import load_state
from agent.runs import list_runs
from agent.store import Store

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"
CASSETTE = REPO / "cassettes" / "demo" / "bargaining-power.yaml"


def test_the_demo_report_shows_each_anchors_fit_and_quote_and_proposes_for_those_that_do_not_carry(capsys) -> None:
    assert cli(["run", str(LINE), "--replay", str(CASSETTE), "--report"]) == 0
    markdown = capsys.readouterr().out
    section = markdown.split("## Anchor fit", 1)[1].split("\n## ", 1)[0]
    assert "- A1 -> C2: backs part of it (not: that people came to prefer AI partners" in section
    assert "- A3 -> C4: does not back it" in section and "- A4 -> C5: is about something else" in section
    verdicts = markdown.split("## Verdicts", 1)[1]
    assert "- anchor fit: A2 -> C3: backs part of it" in verdicts, "the verdict of each claim shows its anchors' fit"
    store = Store.open()
    _, state, _ = load_state(list_runs(store)[0].id, store)
    fits = {f.anchor_id: f for c in state["anchor_checks"] for f in c.fits}
    assert set(fits) == {"A1", "A2", "A3", "A4"} and all(c.link_basis == "model" for c in state["anchor_checks"])
    papers = state["papers"]
    for fit in fits.values():
        assert fit.quote and quote_in(fit.quote, papers[fit.arxiv_id].summary) and f'"{fit.quote}"' in section
    assert fits["A1"].fit is FitKind.BACKS_PART and fits["A4"].fit is FitKind.SOMETHING_ELSE
    about = [p for p in state["proposals"] if "rests on anchor" in p.rationale]
    assert sorted((p.kind, p.target) for p in about) == [
        ("flag", "C3"),
        ("flag", "C4"),
        ("flag", "C5"),
        ("replace_anchor", "A3"),
        ("replace_anchor", "A4"),
        ("revise_claim", "C2"),
    ], "the two anchors that carry nothing of their claim are also offered a paper of the run that supports it"
    assert all(p.grounded and p.evidence and p.evidence[0].quote for p in about), "each cites its anchor (or the replacement) with the checked quote"
    replaced = {p.target: p.after.split()[0] for p in about if p.kind == "replace_anchor"}
    assert replaced == {"A3": "arXiv:2509.16533", "A4": "arXiv:2603.15639"}, "each replacement is a paper the run screened as supporting"
