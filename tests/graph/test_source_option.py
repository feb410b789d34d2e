"""`--source arxiv|local|auto`: a run on the local index, alone or split with arXiv, and what its report says was searched.

The graph runs through LangGraph with the scripted model (the benchmark's stand-in answers, which
quote the abstracts they are shown) on an index of the 24-record corpus (tests/index/corpus.jsonl,
last paper 2026-06-02); arXiv's side, where there is one, is a fake.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from agent.cli import run as cli
from agent.config import Settings
from agent.errors import InputError
from agent.graph.build import build_graph
from agent.graph.context import PaperSource, RunContext
from agent.graph.records import SearchedQuery
from agent.graph.serde import serializer
from agent.index.engine import build, open_index
from agent.index.source import LocalSource, RoutedSource
from agent.line.models import AnchorPaper, Claim, DatePrecision, FuzzyDate, Line, ResearchPrompt, Task
from agent.report import build_report, render_markdown
from agent.runs import RunRecord, RunStatus
from agent.services import paper_source
from agent.sources import ArxivSource
from evals.benchmark import answers
from tests.graph.fakes import FakeSource, ScriptedModel, paper
from tests.index.conftest import load_corpus

RUN_DATE = dt.date(2026, 11, 29)
REPO = Path(__file__).resolve().parents[2]
MODELS = dict.fromkeys(("planner", "screener", "judge", "writer"), "openai:gpt-5.4-mini")
PLANS = {
    "C1": [{"query": "abs:negotiate OR abs:bargaining", "aim": "support"}, {"query": "ti:negotiate", "aim": "contradict"}],
    "C2": [{"query": 'abs:"theory of mind"', "aim": "support"}, {"query": "ti:egocentric", "aim": "contradict"}],
}


@pytest.fixture(scope="module")
def index_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("source-option") / "index"
    build(path, load_corpus(), sources=["tests/index/corpus.jsonl"])
    return path


def _line() -> Line:
    year = FuzzyDate(text="~2025", value=dt.date(2025, 1, 1), precision=DatePrecision.YEAR, approximate=True)
    month = FuzzyDate(text="2026-04", value=dt.date(2026, 4, 1), precision=DatePrecision.MONTH)
    return Line(
        slug="agents-bargain",
        question="Do LLM agents bargain as people do?",
        framing="A test line.",
        synthesis=["One paragraph."],
        notes=[],
        prompt=ResearchPrompt(
            role="You are a test analyst.",
            open_question="Do they?",
            claims=[
                Claim(id="C1", text="LLM agents negotiate and bargain for their principals", date=year),
                Claim(id="C2", text="Models show a theory of mind", date=year),
            ],
            anchors=[
                AnchorPaper(
                    id="A1", arxiv_id="2604.04341", cited_date=month, cited_title="Implementing surrogate goals for safer bargaining in LLM-based agents"
                )
            ],
            tasks=[Task(number=1, text="Re-test each claim."), Task(number=2, text="Propose 2 research questions.")],
        ),
    )


def _answer(task: str, instructions: str, data: str) -> dict[str, Any]:
    name, _, claim = task.partition(" ")
    if name == "plan_queries":
        return {"queries": PLANS[claim]}
    handler = {"screen": answers.screen, "judge": answers.judge, "propose_questions": answers.questions, "draft_proposals": answers.draft}[name]
    return handler(data)


def _run(source: PaperSource) -> dict[str, Any]:
    graph = build_graph().compile(checkpointer=InMemorySaver(serde=serializer()))
    model = ScriptedModel(_answer)
    ctx = RunContext(models=dict.fromkeys(MODELS, model), source=source)
    config = {"configurable": {"thread_id": "t1"}}
    graph.invoke({"run_id": "t1", "line": _line(), "run_date": RUN_DATE}, config, context=ctx)
    return graph.get_state(config).values


def _report(state: dict[str, Any], settings: Settings) -> str:
    run = RunRecord(
        id="20261129-000000-test", line_path="agents-bargain.txt", line_sha256="0" * 64, mode="live", run_date=RUN_DATE, models=MODELS,
        settings=settings.saved(), version="test", started_at=dt.datetime(2026, 11, 29, tzinfo=dt.UTC), status=RunStatus.AWAITING_REVIEW,
    )  # fmt: skip
    return render_markdown(build_report(run, state, (), state.get("usage", [])))


def test_a_run_on_the_local_index_alone_completes_and_its_report_says_what_was_searched(index_path: Path) -> None:
    settings = Settings(**MODELS, source="local", index_path=index_path)
    source = paper_source(settings, "replay", None, today=RUN_DATE)  # explicit local: the index even where a cassette would answer
    assert isinstance(source, LocalSource)
    state = _run(source)
    c1, c2 = state["claim_results"]["C1"], state["claim_results"]["C2"]
    assert c1.candidates and c2.candidates and c1.verdict and c1.findings, "the index's papers were screened and judged"
    assert all(p.published <= dt.date(2026, 6, 2) for p in state["papers"].values()), "nothing from after the index's last paper"
    assert {(q.source, q.note) for q in c1.queries + c2.queries} == {("local", "the index ends 2026-06-02; later papers were not searched")}
    assert state["anchor_checks"][0].status == "found" and state["anchor_checks"][0].title_match == "exact"
    assert source.requests_sent == 0
    report = _report(state, settings)
    assert "Sources: searches on the local index; anchor look-ups on the local index" in report
    assert "- searched on the local index: the index ends 2026-06-02; later papers were not searched" in report


def test_auto_splits_a_window_past_the_index_and_the_report_names_the_gap(index_path: Path) -> None:
    later = paper("2608.01234", "Bargaining agents after the snapshot", "2026-08-03", "LLM agents bargain well after June. They concede less.")
    arxiv = FakeSource({"2608.01234": later}, {"negotiate": ["2608.01234"]})
    state = _run(RoutedSource(LocalSource(open_index(index_path), today=RUN_DATE), arxiv))
    c1 = state["claim_results"]["C1"]
    assert {q[1:] for q in arxiv.queries} == {(dt.date(2026, 6, 3), RUN_DATE)}, "arXiv was asked only for the days after the snapshot"
    ids = {c.arxiv_id for c in c1.candidates}
    assert "2608.01234" in ids and ids - {"2608.01234"}, "the index's papers and arXiv's later one, merged"
    assert {(q.source, q.note) for q in c1.queries} == {("local+arxiv", "the index ends 2026-06-02; later papers were searched on arXiv")}
    report = _report(state, Settings(**MODELS, source="auto", index_path=index_path))
    assert "Sources: searches on the local index and the arXiv API; anchor look-ups on the arXiv API" in report
    assert "- searched on the local index and arXiv API: the index ends 2026-06-02; later papers were searched on arXiv" in report


def test_which_source_a_run_gets(index_path: Path, tmp_path: Path) -> None:
    def built(mode: str, **values: Any) -> PaperSource:
        return paper_source(Settings(**MODELS, **values), mode, None, today=RUN_DATE)  # type: ignore[arg-type]

    assert isinstance(built("live", index_path=index_path), RoutedSource), "auto, with an index there"
    assert isinstance(built("live", index_path=tmp_path / "none"), ArxivSource), "auto, without one: arXiv as before"
    assert isinstance(built("live"), ArxivSource), "the default index/ of the state directory does not exist here"
    for mode in ("replay", "record"):
        assert isinstance(built(mode, index_path=index_path), ArxivSource), "cassettes hold arXiv's traffic"
        assert isinstance(built(mode, source="local", index_path=index_path), LocalSource)
    assert isinstance(built("live", source="arxiv", index_path=index_path), ArxivSource)


def test_local_without_an_index_is_an_input_error_naming_the_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(InputError) as missing:
        paper_source(Settings(**MODELS, source="local", index_path=tmp_path / "none"), "live", None)
    assert "retest index build" in (missing.value.hint or "") and str(tmp_path / "none") in missing.value.message
    demo = ["run", str(REPO / "examples" / "bargaining-power.txt"), "--replay", str(REPO / "cassettes" / "demo" / "bargaining-power.yaml")]
    assert cli([*demo, "--source", "local", "--index", str(tmp_path / "none")]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "retest index build" in err and "Traceback" not in err


def test_queries_saved_before_the_source_was_recorded_load_as_arxivs() -> None:
    old = SearchedQuery.model_validate({"query": "all:wages", "aim": "support", "since": "2025-01-01", "until": "2026-11-29"})
    assert (old.source, old.note) == ("arxiv", "")
