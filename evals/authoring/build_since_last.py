"""Build the cassette of a `--since-last` run from a hand-written scenario, as build_cassette.py builds a full run's.

The scenario's `base:` names the full run's scenario; its cassette is replayed first through the real
runner (in a temporary state directory), and the plan of the second run is built from that run exactly
as `retest run --since-last` builds it (agent.incremental). The second run then goes through the real
graph, SDK clients and arXiv client against the scenario's answers, and what crossed the wire is written
as its cassette: windowed searches after the first run's date, the anchor look-ups, and only the model
calls the plan leaves.

Usage:
    .venv/bin/python -m evals.authoring.build_since_last evals/scenarios/bargaining-power-month-later.yaml
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx2
import yaml
from langgraph.checkpoint.memory import InMemorySaver

from agent.config import load_settings
from agent.graph.build import build_graph
from agent.graph.serde import serializer
from agent.graph.since_last import SinceLast
from agent.incremental import since_last_plan
from agent.line.read import load_line, write_text_atomic
from agent.recording import cassette
from agent.recording import serializer as cassette_format
from agent.runner import start_run
from agent.services import RunRequest, build_services
from agent.store import Store
from evals.authoring.build_cassette import REPO, ArxivAnswers, ModelAnswers, _answering_arxiv, _in_stable_order
from evals.authoring.scenario import Scenario, load_scenario


def first_run_plan(scenario: Scenario, base: Scenario, home: Path, *, repo: Path = REPO) -> SinceLast:
    """Replay the base scenario's cassette into `home`, then the plan a run on the scenario's date builds from it."""
    store = Store.open(home / "retest.db")
    settings = load_settings(overrides=dict(base.models or {}))
    start_run(repo / base.line, RunRequest(mode="replay", cassette=repo / base.cassette, run_date=base.run_date, settings=settings), store)
    plan = since_last_plan(store, load_line(repo / scenario.line).line, scenario.run_date)
    if plan is None:
        raise ValueError(f"the replay of {base.cassette} left no finished run to build on")
    return plan


def build(scenario: Scenario, plan: SinceLast, *, repo: Path = REPO) -> tuple[Path, dict[str, Any]]:
    """Run the graph with the plan against the scenario and write its cassette; returns the path and final state."""
    loaded = load_line(repo / scenario.line)
    settings = load_settings(overrides=dict(scenario.models or {}))
    request = RunRequest(mode="replay", run_date=scenario.run_date, use_cache=False, settings=settings, since_last=plan)
    model_answers, arxiv_answers = ModelAnswers(scenario), ArxivAnswers(scenario)
    ctx = build_services(request, None, http_client=httpx2.Client(transport=httpx2.MockTransport(model_answers)))
    target = repo / scenario.cassette
    with tempfile.TemporaryDirectory() as tmp:
        recorded = Path(tmp) / "models.yaml"
        with _answering_arxiv(arxiv_answers), cassette("record", recorded):
            graph = build_graph().compile(checkpointer=InMemorySaver(serde=serializer()))
            config: Any = {"configurable": {"thread_id": "authoring"}}
            graph.invoke({"run_id": "authoring", "line": loaded.line, "run_date": scenario.run_date}, config, context=ctx)
            state = graph.get_state(config).values
        data = cassette_format.deserialize(recorded.read_text(encoding="utf-8")) if recorded.exists() else {"interactions": [], "version": 1}
    data["interactions"] = _in_stable_order(arxiv_answers.exchanges) + _in_stable_order(data["interactions"])
    write_text_atomic(target, cassette_format.serialize(data))
    return target, state


def build_scenario(path: Path, *, repo: Path = REPO) -> tuple[Path, dict[str, Any]]:
    """The cassette of the since-last scenario at `path`, built on its `base:` run."""
    base_name = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("base")
    if not base_name:
        raise ValueError(f"{path}: a since-last scenario names the full run it follows as `base:`")
    scenario, base = load_scenario(path), load_scenario(path.parent / base_name)
    with tempfile.TemporaryDirectory() as home:
        plan = first_run_plan(scenario, base, Path(home), repo=repo)
    return build(scenario, plan, repo=repo)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    for name in argv:
        path, state = build_scenario(Path(name))
        verdicts = {k: str(v.verdict.verdict) for k, v in sorted(state.get("claim_results", {}).items()) if v.verdict}
        print(f"{path.relative_to(REPO)}: {len(state.get('proposals', []))} proposals, verdicts {verdicts}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
