"""The prompt's tasks answered as asked (issue 12 point 4): sub-questions answered one by one, kinds of contradicting work read."""

from __future__ import annotations

# ruff: noqa: F811  (the `line` fixture comes from test_graph_logic; tests take it by name)
import datetime as dt
from pathlib import Path

from agent.graph.task_answers import asked_as, framings, sub_questions
from agent.line.models import Task
from agent.line.read import load_line
from agent.report import build_report, render_markdown
from agent.runs import RunRecord, RunStatus
from tests.graph.fakes import FakeSource, ScriptedModel
from tests.graph.test_graph_logic import RUN_DATE, SEARCHED, line, papers, run, script, versions  # noqa: F401 - `line` is a fixture

DEMO = Path(__file__).resolve().parents[2] / "examples" / "bargaining-power.txt"
CONTRADICTS = Task(
    number=2, text="Surface the strongest work that CONTRADICTS the wage finding — especially any showing a premium for human work or that wages keep rising."
)
QUESTIONS = Task(number=3, text="Propose 2 research questions: (a) If wages stall, who bargains? (b) What keeps humans in charge?")


def test_the_demo_tasks_name_two_premises_and_two_kinds_of_contradicting_work():
    tasks = {t.number: t for t in load_line(DEMO).line.prompt.tasks}
    assert framings(tasks[2]) == ["relational skill remains underpriced", "humans retain systematic advantage in trust-critical domains"]
    assert [letter for letter, _ in sub_questions(tasks[3])] == ["a", "b"]
    assert sub_questions(tasks[3])[1][1] == "What conditions would force coordination layers to remain human-controlled rather than AI-optimized?"
    assert sub_questions(tasks[1]) == [] and framings(tasks[1]) == [] and framings(tasks[3]) == []


def test_a_lone_letter_or_a_list_not_from_a_is_no_list_of_sub_questions():
    assert sub_questions(Task(number=3, text="Propose 1 research question: (b) only this one.")) == []
    assert sub_questions(Task(number=3, text="Propose 2 research questions: (b) one, (c) two.")) == []
    assert asked_as([Task(number=1, text="Re-test each claim.")]) == "No task names sub-questions or kinds of contradicting work."


def _answered(line, questions, framing_answers):
    tasks = [Task(number=1, text="Re-test each claim."), CONTRADICTS, QUESTIONS]
    line = line.model_copy(update={"prompt": line.prompt.model_copy(update={"tasks": tasks})})
    model = ScriptedModel(script({"propose_questions": {"questions": questions, "framings": framing_answers}}))
    # 12 months: 2605.03210, which the scripted screener finds contradicting C1, falls inside the window.
    snapshot = run(line, model, FakeSource(papers(), SEARCHED, versions=versions()), months=12)
    return snapshot.values, next(d for t, d in model.calls if t == "propose_questions")


def test_each_question_answers_its_sub_question_and_each_kind_names_the_papers_that_show_it(line):
    questions = [
        {"text": "If wages stall, who bargains for the rest?", "motivated_by": ["C1"], "task": 3, "part": "a"},
        {"text": "Which rules keep humans in charge?", "motivated_by": ["C2"], "task": 3, "part": "b"},
        {"text": "A third, tied to no sub-question the task names.", "motivated_by": ["C2"], "task": 3, "part": "z"},
    ]
    framing_answers = [
        {"task": 2, "framing": 1, "arxiv_ids": ["2605.03210", "2606.10127"], "why": "Its quote prices verified human work above synthetic."},
        {"task": 2, "framing": 2, "arxiv_ids": [], "why": "No quote says wages rise."},
        {"task": 2, "framing": 3, "arxiv_ids": ["2605.03210"], "why": "A kind the task does not name."},
        {"task": 2, "framing": 1, "arxiv_ids": [], "why": "A second reading of the first kind."},
    ]
    state, sent = _answered(line, questions, framing_answers)
    assert [(q.id, q.part) for q in state["questions"]] == [("Q1", "a"), ("Q2", "b"), ("Q3", None)], "a letter the task does not name is dropped"
    read = state["framings"]
    assert [(f.framing, f.arxiv_ids) for f in read] == [("a premium for human work", ["2605.03210"]), ("wages keep rising", [])], (
        "only the run's contradicting papers, each kind once, no kind the task does not name"
    )
    # What the writer was asked: the premises and kinds as data, with the contradicting work in its own block.
    assert '<untrusted_data label="tasks as asked">' in sent and "  (a) If wages stall, who bargains?" in sent and "  2. wages keep rising" in sent
    assert '<untrusted_data label="contradicting 2605.03210">' in sent

    report = render_markdown(build_report(_record(state), state, (), []))
    assert "  - (a) If wages stall, who bargains?: Q1" in report and "  - (b) What keeps humans in charge?: Q2" in report
    assert "  - especially 1 a premium for human work: 2605.03210: Its quote prices verified human work above synthetic." in report
    assert "  - especially 2 wages keep rising: none of the 1 contradicting paper(s) shows it: No quote says wages rise." in report
    assert "- Q1 (task 3 (a)): If wages stall" in report


def test_a_sub_question_no_question_answers_is_said_so(line):
    questions = [{"text": "Only one, for (a).", "motivated_by": ["C1"], "task": 3, "part": "a"}]
    state, _ = _answered(line, questions, [])
    report = render_markdown(build_report(_record(state), state, (), []))
    assert "  - (b) What keeps humans in charge?: no question answers it as asked" in report
    assert "  - especially 1 a premium for human work: not read in this run" in report


def _record(state) -> RunRecord:
    return RunRecord(
        id="t1", line_path="line.md", line_sha256="0" * 64, mode="replay", run_date=RUN_DATE, models={}, version="test",
        started_at=dt.datetime(2026, 11, 29), status=RunStatus.AWAITING_REVIEW,
    )  # fmt: skip
