"""Retest's guarantees on a real model's answers: replay the cassettes `make local-model` recorded.

Each cassette in cassettes/real-local/ was recorded from SmolLM2-135M-Instruct on
llama.cpp's llama-server, every role, against the arXiv stand-in over the real
slice (cassettes/README.md). The answers are a weak model's, so the verdicts are
whatever it picked and nothing here asserts one (the structural rules on them are
the eval suite's, evals/suites/real-local_v1.yaml); what is tested is what Retest
promises whatever a model says:

- the run ends with exit 0 or one clear error, never a traceback, and the replay
  ends as the recording did (exit code and status in manifest.json);
- a line-level step whose answer stayed unusable (truncated after its retry,
  invalid twice) is named in the report with why, and the run still completes;
- the replay sends exactly the recorded requests, the compat client's
  response_format choices included (every interaction played, none missing);
- no proposal text names an arXiv ID the run did not retrieve and verify;
- every kept quote is in its paper's abstract, and the dropped ones are counted
  in the report;
- no secret reached the cassette; nothing left 127.0.0.1;
- the report renders, as Markdown and as JSON.

No server is needed: vcrpy answers every request, the network stays blocked.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import agent.runner as runner
from agent.cli import run as cli
from agent.graph.evidence import base_id, ids_in, quote_in
from agent.recording import serializer
from agent.runs import list_runs
from agent.store import Store

REPO = Path(__file__).resolve().parents[2]
FOLDER = REPO / "cassettes" / "real-local"
MANIFEST = json.loads((FOLDER / "manifest.json").read_text(encoding="utf-8"))
LINES: dict[str, dict[str, Any]] = MANIFEST["lines"]
# The RETEST_COMPAT_API_KEY that scripts/local_model/record.sh sends while recording.
DUMMY_KEY = "retest-local-model-dummy-key-0000"
REAL_CORPUS = ("llm-judges", "rag-retrieval", "agent-reliability")


def test_the_demo_and_a_real_corpus_line_are_recorded() -> None:
    assert "bargaining-power" in LINES
    assert all(name in LINES for name in REAL_CORPUS), "every real-corpus line is recorded and replayed"
    on_disk = {p.stem for p in FOLDER.glob("*.yaml")}
    assert on_disk == set(LINES), "every cassette here has its manifest entry, and every entry its cassette"


def test_the_cassettes_are_labelled_as_recordings() -> None:
    readme = (REPO / "cassettes" / "README.md").read_text(encoding="utf-8")
    for name in LINES:
        assert f"real-local/{name}.yaml" in readme
    assert "SmolLM2-135M-Instruct" in readme and "llama-server" in readme


@contextmanager
def _watched_cassettes() -> Iterator[list[Any]]:
    """Every cassette handle the runner opens, so the test can ask what the replay left unplayed."""
    handles: list[Any] = []
    opened = runner.cassette

    @contextmanager
    def watching(*args: Any, **kwargs: Any) -> Iterator[Any]:
        with opened(*args, **kwargs) as handle:
            handles.append(handle)
            yield handle

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner, "cassette", watching)
        yield handles


class Replayed:
    """One replay of a recorded line through the CLI, and what it left behind."""

    def __init__(self, name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
        entry = LINES[name]
        self.entry = entry
        self.cassette = REPO / entry["cassette"]
        for key, value in entry["replay_env"].items():
            monkeypatch.setenv(key, value)
        with _watched_cassettes() as handles:
            self.code = cli(["run", str(REPO / entry["line"]), "--replay", str(self.cassette), "--run-date", MANIFEST["run_date"]])
        self.handles = handles
        captured = capsys.readouterr()
        self.output = captured.out + captured.err
        store = Store.open()
        runs = list_runs(store)
        self.run = runs[0] if runs else None
        self.state = runner.load_state(self.run.id, store)[1] if self.run else {}


@pytest.fixture(params=sorted(LINES))
def replayed(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Replayed:
    return Replayed(request.param, monkeypatch, capsys)


def test_the_run_ends_as_recorded_and_never_with_a_traceback(replayed: Replayed) -> None:
    assert "Traceback" not in replayed.output
    recorded = replayed.entry["run"]
    assert replayed.code == replayed.entry["exit_code"]
    assert replayed.run is not None and str(replayed.run.status) == recorded["status"]
    if replayed.code == 0:
        assert f"Status: {recorded['status']}" in replayed.output
    else:
        assert replayed.output.lstrip().startswith("error: ") or "\nerror: " in replayed.output
        assert replayed.run.error


def test_the_replay_sends_exactly_the_recorded_requests(replayed: Replayed) -> None:
    used = [h for h in replayed.handles if h.play_count]
    assert used, "the run answered nothing from the cassette"
    assert used[-1].unplayed() == [], "requests recorded but never sent again: the replay took another path"
    assert used[-1].play_count == used[-1].interaction_count


def _texts(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every string inside a dumped model, with the field path it sits at."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _texts(item, f"{where}[{i}]")


def test_no_proposal_cites_a_paper_the_run_did_not_retrieve(replayed: Replayed) -> None:
    papers = set(replayed.state.get("papers", {}))
    line_text = (REPO / replayed.entry["line"]).read_text(encoding="utf-8")
    cited_by_the_line = set(ids_in(line_text))
    proposals = replayed.state.get("proposals", [])
    problems = []
    for proposal in proposals:
        for where, text in _texts(proposal.model_dump(mode="json"), proposal.id):
            # `before` quotes the line as it stands, the anchors it cites included; every other field is drafted.
            allowed = papers | cited_by_the_line if where == f"{proposal.id}.before" else papers
            problems += [f"{where} names {i}" for i in ids_in(text) if i not in allowed]
        problems += [f"{proposal.id} evidence {e.arxiv_id} is not a retrieved paper" for e in proposal.evidence if base_id(e.arxiv_id) not in papers]
    for result in replayed.state.get("claim_results", {}).values():
        if result.verdict:
            problems += [f"{result.claim_id} verdict cites {i}" for i in result.verdict.cited_ids if base_id(i) not in papers]
    assert problems == []
    assert len(proposals) == replayed.entry["run"]["proposals"]


def test_every_kept_quote_is_in_its_abstract_and_the_dropped_are_counted(replayed: Replayed) -> None:
    papers = replayed.state.get("papers", {})
    results = replayed.state.get("claim_results", {})
    for result in results.values():
        for finding in result.findings:
            assert quote_in(finding.quote, papers[base_id(finding.arxiv_id)].summary), (result.claim_id, finding.arxiv_id)
        assert result.dropped_quotes == len(result.dropped_quote_reasons)
    for proposal in replayed.state.get("proposals", []):
        for e in proposal.evidence:
            assert not e.quote or quote_in(e.quote, papers[base_id(e.arxiv_id)].summary), (proposal.id, e.arxiv_id)
    for c in replayed.state.get("contradictions", []):
        assert quote_in(c.quote, papers[base_id(c.arxiv_id)].summary), c.arxiv_id
    assert sum(r.dropped_quotes for r in results.values()) == replayed.entry["run"]["quotes_dropped"]


def test_the_report_renders_with_the_dropped_quotes(replayed: Replayed, capsys: pytest.CaptureFixture[str]) -> None:
    assert replayed.run is not None
    assert cli(["report", replayed.run.id]) == 0
    markdown = capsys.readouterr().out
    results = replayed.state.get("claim_results", {})
    for claim_id in results:
        assert f"### {claim_id}: " in markdown
    dropped = [f"quotes dropped: {r.dropped_quotes};" for r in results.values()]
    assert sorted(line for line in dropped if line in markdown) == sorted(dropped)
    assert markdown.count("quotes dropped: ") == len(results)
    for node, why in replayed.state.get("failed_steps", {}).items():
        assert f"**step {node} failed**" in markdown and why.split(":")[0] in markdown
    assert cli(["report", replayed.run.id, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {r["claim_id"] for r in report["results"]} == set(replayed.state.get("claim_results", {}))
    assert report["failed_steps"] == replayed.state.get("failed_steps", {})


@pytest.mark.parametrize("name", sorted(LINES))
def test_no_secret_reached_the_cassette_and_nothing_left_the_machine(name: str) -> None:
    path = REPO / LINES[name]["cassette"]
    text = path.read_text(encoding="utf-8")
    assert DUMMY_KEY not in text
    assert DUMMY_KEY not in (FOLDER / "manifest.json").read_text(encoding="utf-8")
    interactions = serializer.deserialize(text)["interactions"]
    for interaction in interactions:
        request = interaction["request"]
        assert urlsplit(request["uri"]).hostname == "127.0.0.1", request["uri"]
        assert not {h.lower() for h in request["headers"]} & {"authorization", "api-key", "x-api-key", "cookie"}
    assert any("/v1/chat/completions" in i["request"]["uri"] for i in interactions), "a model answered in this recording"


_PER_CLAIM_SCHEMAS = {"QueryPlan", "ScreeningBatch", "Judgement"}


def _cut_per_claim_answers(cassette: Path) -> int:
    """How many per-claim answers (plan, screening, judgement) the server cut off (`finish_reason: length`)."""
    cut = 0
    for interaction in serializer.deserialize(cassette.read_text(encoding="utf-8"))["interactions"]:
        if not interaction["request"]["uri"].endswith("/chat/completions") or interaction["response"]["status"]["code"] != 200:
            continue
        name = json.loads(interaction["request"]["body"])["response_format"]["json_schema"]["name"]
        answer = json.loads(interaction["response"]["body"]["string"])
        cut += name in _PER_CLAIM_SCHEMAS and answer["choices"][0]["finish_reason"] == "length"
    return cut


def test_each_recorded_truncation_left_its_claim_unresolved_saying_so(replayed: Replayed) -> None:
    # Per-claim tasks are not asked again when cut off: each cut answer is one claim left unresolved, with the reason.
    results = replayed.state.get("claim_results", {}).values()
    truncated = [r for r in results if r.error and ("truncated at max_tokens" in r.error or "context window" in r.error)]
    assert len(truncated) == _cut_per_claim_answers(replayed.cassette)
    for result in truncated:
        assert result.verdict is not None and str(result.verdict.verdict) == "unresolved"
        assert result.error is not None and result.verdict.rationale.startswith(result.error)
