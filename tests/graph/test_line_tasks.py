"""Whole-line tasks retry, then degrade: an unusable questions or draft answer never fails the run.

Through LangGraph with the scripted model of test_graph_logic: a truncated answer is
asked once more with twice the budget; unusable again (or refused, or invalid after
the client's retry) the step's output is empty, `failed_steps` says why, the report
shows it, the calls are paid for, and the run still reaches review.
"""

# ruff: noqa: F811  (the `line` fixture comes from test_graph_logic; tests take it by name)
from __future__ import annotations

import pytest

from agent.llm.base import TruncatedAnswer, Usage
from agent.prompts import load_prompt
from agent.report import Report, render_markdown
from agent.runs import RunRecord
from tests.graph.fakes import FakeSource, Refusal, ScriptedModel
from tests.graph.test_graph_logic import SEARCHED, line, papers, run, script, versions  # noqa: F401


def _source() -> FakeSource:
    return FakeSource(papers(), SEARCHED, versions=versions())


def _markdown(state: dict) -> str:
    from agent.report import build_report

    record = RunRecord.model_construct(
        id="t1",
        line_path="x.txt",
        line_sha256="0" * 64,
        mode="replay",
        cassette=None,
        run_date="2026-11-29",
        status="awaiting_review",
        models={},
        version="0",
        git_rev=None,
        settings={},
        error=None,
    )
    report: Report = build_report(record, state, (), state.get("usage", []))
    return render_markdown(report)


def test_questions_truncated_twice_leave_none_and_the_run_goes_on_to_review(line):
    budget = load_prompt("propose_questions").max_output_tokens
    model = ScriptedModel(script(), needs={"propose_questions": 3 * budget})
    snapshot = run(line, model, _source())
    state = snapshot.values

    assert snapshot.next == ("review",), "the run completes up to review"
    assert state["questions"] == []
    why = state["failed_steps"]["propose_questions"]
    assert why.startswith("proposing research questions failed:") and f"retry of an answer truncated at max_tokens={budget}" in why
    assert [n for t, n in model.budgets if t == "propose_questions"] == [budget, 2 * budget], "retried once with twice the budget"
    asked = [u for u in state["usage"] if u.node == "propose_questions"]
    assert [u.output_tokens for u in asked] == [budget, 2 * budget], "both unusable answers are in the run's usage"
    assert {p.kind for p in state["proposals"]} >= {"revise_claim", "add_note"}, "the writer still drafts"
    assert not any(p.kind == "add_question" for p in state["proposals"])
    assert f"- **step propose_questions failed**: {why}" in _markdown(state)


def test_questions_truncated_once_are_asked_again_and_kept(line):
    budget = load_prompt("propose_questions").max_output_tokens
    model = ScriptedModel(script(), needs={"propose_questions": budget + 1})
    state = run(line, model, _source()).values

    assert [q.text for q in state["questions"]] == ["Where does bargaining power go?", "Who controls coordination layers?"]
    assert "failed_steps" not in state or "propose_questions" not in state["failed_steps"]


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ({"questions": [{"text": 7, "motivated_by": "C1"}]}, "did not validate against QuestionSet after one retry"),
        (Refusal("I will not."), "refused to answer"),
    ],
)
def test_a_schema_breaking_or_refused_questions_answer_degrades_too(line, answer, said):
    model = ScriptedModel(script({"propose_questions": answer}))
    snapshot = run(line, model, _source())

    assert snapshot.next == ("review",)
    assert snapshot.values["questions"] == [] and said in snapshot.values["failed_steps"]["propose_questions"]


def test_an_unusable_draft_keeps_the_code_drafted_proposals_and_says_why(line):
    model = ScriptedModel(script({"draft_proposals": Refusal("No.")}))
    snapshot = run(line, model, _source())
    state = snapshot.values

    assert snapshot.next == ("review",)
    kinds = [p.kind for p in state["proposals"]]
    assert "revise_claim" not in kinds and "add_note" not in kinds, "nothing the writer did not write"
    assert kinds.count("add_question") == 2 and "replace_anchor" in kinds, "anchor corrections and questions are still proposed"
    why = state["failed_steps"]["draft_proposals"]
    assert why.startswith("drafting the writer's proposals failed:") and "refused" in why
    assert f"- **step draft_proposals failed**: {why}" in _markdown(state)


class ContextCutOnce(ScriptedModel):
    """The scripted model, but the first answer to `task` is cut by the server's context window (a TruncatedAnswer without a budget)."""

    def __init__(self, task: str) -> None:
        super().__init__(script())
        self.cut, self.cut_usage = task, Usage(input_tokens=1898, output_tokens=6294, model="fake:model")

    def complete(self, *, task: str, instructions: str, data: str, schema, max_tokens: int = 4096):  # type: ignore[no-untyped-def]
        if task == self.cut and not any(t == task for t, _ in self.budgets):
            self.budgets.append((task, max_tokens))
            raise TruncatedAnswer(f"task {task!r}: cut off by the server's context window.", max_tokens=None, usage=self.cut_usage)
        return super().complete(task=task, instructions=instructions, data=data, schema=schema, max_tokens=max_tokens)


@pytest.mark.parametrize("task", ["propose_questions", "draft_proposals"])
def test_an_answer_cut_by_the_context_window_is_asked_again_with_the_same_budget(line, task):
    model = ContextCutOnce(task)
    state = run(line, model, _source()).values

    budget = load_prompt(task).max_output_tokens
    assert [n for t, n in model.budgets if t == task] == [budget, budget], "a bigger budget would not fit the context either"
    assert "failed_steps" not in state or task not in state["failed_steps"], "the retry's answer is used"
    assert [u.output_tokens for u in state["usage"] if u.node == task][0] == 6294, "the cut answer is paid for"
