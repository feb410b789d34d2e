"""Record an eval cassette against the local index stand-in: real search results, hand-written model answers.

build_cassette.py answers arXiv from a list of papers the scenario names; this
script lets nobody choose them. It builds an index from the real slice
(evals/data/arxiv-slice/papers.jsonl.gz), serves it with the stand-in
(agent.index.standin) on 127.0.0.1:STANDIN_PORT, and runs the real graph in
record mode with `arxiv_api_url` pointed there: the real arXiv client sends its
requests over HTTP, the index engine decides every answer, and vcrpy records
them through Retest's own `cassette("record", ...)`. Model calls are answered
from the scenario's hand-written answers by httpx2's MockTransport (as in
build_cassette.py), so only they are scripted. Nothing leaves 127.0.0.1, and no
real key is ever used: the provider key variables hold a placeholder here.

A scenario for this script says `arxiv_from: index` (build_cassette.py then
skips it) and names no `results`, `errors`, `down` or `arxiv:` overrides. Its screening answers must cover exactly the papers the engine
returned, with quotes from their real abstracts: the script refuses to write the
cassette otherwise and names the papers. `--candidates` prints what each claim's
searches return (IDs, titles, abstracts) so the answers can be written first.

The stand-in's port is fixed because the cases' `arxiv_api_url` (in the suite)
must match the recorded requests; the feed's `<updated>` (the time of serving) is
pinned to the run date, so recording twice gives the same file.

Usage:
    .venv/bin/python -m evals.authoring.record_against_index evals/scenarios/llm-judges.yaml [...]
    .venv/bin/python -m evals.authoring.record_against_index --candidates evals/scenarios/llm-judges.yaml
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import httpx2
from langgraph.checkpoint.memory import InMemorySaver

from agent.config import Settings, load_settings
from agent.graph.build import build_graph
from agent.graph.nodes.search import combine
from agent.graph.records import SearchedQuery
from agent.graph.serde import serializer
from agent.index import atom
from agent.index.engine import build as build_index
from agent.index.formats import open_records
from agent.index.standin import StandIn, serve
from agent.line.read import load_line, write_text_atomic
from agent.llm.model_string import parse_model_string
from agent.llm.providers import provider_spec
from agent.recording import cassette
from agent.recording import serializer as cassette_format
from agent.services import RunRequest, arxiv_source, build_services
from evals.authoring.build_cassette import REPO, ModelAnswers, _in_stable_order
from evals.authoring.scenario import Scenario, load_scenario

SLICE = REPO / "evals" / "data" / "arxiv-slice" / "papers.jsonl.gz"
STANDIN_PORT = 48217  # the suite's cases name http://127.0.0.1:48217/api/query
PLACEHOLDER_KEY = "placeholder-never-sent-beyond-mocktransport"


def scripted_arxiv(scenario: Scenario) -> list[str]:
    """What in the scenario would choose arXiv's answers; this script lets only the engine do that."""
    found = [] if scenario.arxiv_from == "index" else ["arxiv_from: scenario (say `arxiv_from: index`)"]
    found += [f"{claim}: {field}" for claim, script in scenario.claims.items() for field in ("results", "errors", "down") if getattr(script, field)]
    if scenario.arxiv.model_dump(exclude_defaults=True):
        found.append("arxiv: (versions, summaries or malformed IDs)")
    return found


def build_slice_index(directory: Path) -> Path:
    """An index of the real slice at `directory` (about a second)."""
    build_index(directory, open_records(SLICE), sources=[str(SLICE.relative_to(REPO))])
    return directory


@contextmanager
def standin(index_dir: Path, served_at: dt.datetime) -> Iterator[StandIn]:
    """The stand-in on 127.0.0.1:STANDIN_PORT, its feeds stamped `served_at`; no proxy between it and the client."""
    try:
        server = serve(index_dir, port=STANDIN_PORT)
    except OSError as err:
        raise SystemExit(f"the stand-in cannot listen on 127.0.0.1:{STANDIN_PORT} ({err}); stop what holds the port and record again") from err
    with server, mock.patch.object(atom, "_now", lambda: served_at), mock.patch.dict(os.environ, {"NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}):
        yield server


@contextmanager
def placeholder_keys(settings: Settings) -> Iterator[None]:
    """Every key variable the run's providers read holds a placeholder, whatever the environment holds: calls stop at the MockTransport."""
    names = {provider_spec(parse_model_string(model).provider).key_variable for model in settings.models().values()}
    with mock.patch.dict(os.environ, {name: PLACEHOLDER_KEY for name in names if name}):
        yield


def run_settings(scenario: Scenario, server: StandIn, lock_dir: Path) -> Settings:
    """The scenario's models over the one settings path, arXiv pointed at the stand-in, nothing waiting."""
    overrides: dict[str, Any] = dict(scenario.models or {})
    overrides.update(arxiv_api_url=server.url, arxiv_spacing_s=0.0, arxiv_lock_file=lock_dir / "arxiv.lock", max_retries=0)
    return load_settings(overrides=overrides)


def mismatches(scenario: Scenario, state: dict[str, Any]) -> list[str]:
    """Where the hand-written screening does not fit what the engine returned, or a quote was dropped."""
    problems = []
    for claim_id, script in scenario.claims.items():
        result = state.get("claim_results", {}).get(claim_id)
        returned = [c.arxiv_id for c in result.candidates if c.newer] if result else []
        screened = [s.arxiv_id for s in script.screen or []]
        if sorted(returned) != sorted(screened):
            problems.append(f"{claim_id}: the engine returned {returned}; the scenario screens {screened}")
        for dropped in result.dropped_quote_reasons if result else []:
            problems.append(f"{claim_id}: the quote for {dropped.arxiv_id} was dropped ({dropped.reason})")
    return problems


def record(scenario: Scenario, index_dir: Path, *, repo: Path = REPO) -> tuple[Path, dict[str, Any]]:
    """Run the graph in record mode against the stand-in and the scenario's model answers; write its cassette."""
    if scripted := scripted_arxiv(scenario):
        raise SystemExit(f"{scenario.cassette}: the engine decides arXiv's answers here; remove {', '.join(scripted)}")
    loaded = load_line(repo / scenario.line)
    served_at = dt.datetime.combine(scenario.run_date, dt.time(), tzinfo=dt.UTC)
    with tempfile.TemporaryDirectory() as tmp, standin(index_dir, served_at) as server:
        settings = run_settings(scenario, server, Path(tmp))
        request = RunRequest(mode="record", run_date=scenario.run_date, use_cache=False, settings=settings)
        recorded = Path(tmp) / "run.yaml"
        with placeholder_keys(settings):
            ctx = build_services(request, None, http_client=httpx2.Client(transport=httpx2.MockTransport(ModelAnswers(scenario))))
            with cassette("record", recorded):
                graph = build_graph().compile(checkpointer=InMemorySaver(serde=serializer()))
                config = {"configurable": {"thread_id": "record-against-index"}}
                graph.invoke({"run_id": "record-against-index", "line": loaded.line, "run_date": scenario.run_date}, config, context=ctx)
                state = graph.get_state(config).values
        if problems := mismatches(scenario, state):
            raise SystemExit(f"{scenario.cassette} not written:\n  " + "\n  ".join(problems))
        data = cassette_format.deserialize(recorded.read_text(encoding="utf-8"))
    # Claims run in parallel, so arrival order varies; sorted, a re-recording is byte-identical.
    data["interactions"] = _in_stable_order(data["interactions"])
    target = repo / scenario.cassette
    write_text_atomic(target, cassette_format.serialize(data))
    return target, state


def show_candidates(scenario: Scenario, index_dir: Path, *, repo: Path = REPO) -> None:
    """Print what each claim's searches return from the stand-in, abstracts in full: read them before writing answers."""
    claims = {c.id: c for c in load_line(repo / scenario.line).line.prompt.claims}
    served_at = dt.datetime.combine(scenario.run_date, dt.time(), tzinfo=dt.UTC)
    with tempfile.TemporaryDirectory() as tmp, standin(index_dir, served_at) as server:
        source = arxiv_source(run_settings(scenario, server, Path(tmp)), "record", None, today=scenario.run_date)
        for claim_id, script in scenario.claims.items():
            since = claims[claim_id].date.value
            by_aim: dict[str, list[SearchedQuery]] = {}
            for q in script.queries:
                by_aim.setdefault(q.aim, []).append(SearchedQuery(query=q.query, aim=q.aim, since=since, until=scenario.run_date))
            for aim, queries in by_aim.items():
                papers = source.search(combine(queries), since=since, until=scenario.run_date, max_results=10)
                print(f"## {claim_id} {aim}: {len(papers)} papers")
                for p in papers:
                    print(f"- {p.arxiv_id} ({p.published:%Y-%m-%d}) {p.title}\n  {p.summary}\n")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="record_against_index", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenarios", nargs="+", type=Path)
    parser.add_argument("--index", type=Path, help="an index of the slice already built (default: build one in a temporary directory)")
    parser.add_argument("--candidates", action="store_true", help="print each claim's search results instead of recording")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = args.index or build_slice_index(Path(tmp) / "index")
        for name in args.scenarios:
            scenario = load_scenario(name)
            if args.candidates:
                show_candidates(scenario, index_dir)
                continue
            path, state = record(scenario, index_dir)
            verdicts = {k: str(v.verdict.verdict) for k, v in sorted(state.get("claim_results", {}).items()) if v.verdict}
            print(f"{path.relative_to(REPO)}: {len(state.get('proposals', []))} proposals, verdicts {verdicts}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
