"""The `guarantees` gate: a finished run's structure, whatever the model concluded.

A real run through the graph (the scripted model and fake source of
tests/graph/test_graph_logic.py) passes; each test breaks one promise in its final
state and the gate must name it.
"""

# ruff: noqa: F811  (the `line` fixture comes from test_graph_logic; tests take it by name)
from __future__ import annotations

from typing import Any

import pytest

from agent.evaluate.scorers import guarantee_failures
from agent.graph.records import Finding, Stance, VerdictKind
from tests.graph.fakes import FakeSource, ScriptedModel
from tests.graph.test_graph_logic import SEARCHED, line, papers, run, script, versions  # noqa: F401


@pytest.fixture
def finished(line) -> dict[str, Any]:
    return dict(run(line, ScriptedModel(script()), FakeSource(papers(), SEARCHED, versions=versions())).values)


def _with_result(state: dict[str, Any], claim_id: str, **update: Any) -> dict[str, Any]:
    results = dict(state["claim_results"])
    results[claim_id] = results[claim_id].model_copy(update=update)
    return {**state, "claim_results": results}


def test_a_finished_run_keeps_every_guarantee(finished) -> None:
    assert guarantee_failures(finished) == []


def test_a_kept_quote_not_in_its_abstract_is_named(finished) -> None:
    c1 = finished["claim_results"]["C1"]
    forged = Finding(claim_id="C1", arxiv_id=c1.findings[0].arxiv_id, stance=Stance.SUPPORTS, quote="words no abstract holds", confidence=0.9)
    failures = guarantee_failures(_with_result(finished, "C1", findings=[forged, *c1.findings[1:]]))
    assert failures == [f"C1: the quote kept for {forged.arxiv_id} is not in its abstract"]


def test_a_dropped_quote_that_is_not_counted_is_named(finished) -> None:
    assert guarantee_failures(_with_result(finished, "C2", dropped_quotes=2)) == ["C2: 2 quotes counted as dropped, 0 listed"]


def test_a_claim_without_relevant_evidence_must_be_unresolved_and_say_why(finished) -> None:
    c2 = finished["claim_results"]["C2"]
    judged = _with_result(finished, "C2", findings=[])
    assert guarantee_failures(judged) == [f"C2: no relevant evidence kept, yet judged {c2.verdict.verdict}"]

    silent = c2.verdict.model_copy(update={"verdict": VerdictKind.UNRESOLVED, "rationale": " "})
    assert guarantee_failures(_with_result(finished, "C2", findings=[], verdict=silent)) == ["C2: unresolved without saying why"]


def test_a_branch_error_the_verdict_does_not_mention_is_named(finished) -> None:
    failures = guarantee_failures(_with_result(finished, "C1", error="screening failed: truncated"))
    assert len(failures) == 1 and failures[0].startswith("C1: its branch failed (screening failed: truncated")


def test_half_written_runs_are_named(finished) -> None:
    unjudged = _with_result(finished, "C1", verdict=None)
    assert guarantee_failures(unjudged) == ["C1: no verdict, the claim's branch did not finish"]
    unchecked = {k: v for k, v in finished.items() if k != "ungrounded"}
    assert guarantee_failures(unchecked) == ["the run did not reach review: the ground check never ran"]
    no_questions = {k: v for k, v in finished.items() if k != "questions"}
    assert guarantee_failures(no_questions) == ["step propose_questions left neither its questions nor a reason"]
    assert guarantee_failures({**no_questions, "failed_steps": {"propose_questions": "proposing research questions failed: cut"}}) == []
    shuffled = {**finished, "proposals": list(reversed(finished["proposals"]))}
    assert guarantee_failures(shuffled)[0].startswith("proposals are not numbered P1..P")
