"""The served graph's parts without a server: its context, its first step, HTTP turns, and reading state back."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest

from agent.cli.remote import revived, run_context
from agent.errors import InputError
from agent.proposals import Proposal
from agent.server import TAKE_RUN, ServedContext, ServedRun, _HttpTurns, _run_keys, graph, served

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"
CASSETTE = REPO / "cassettes" / "demo" / "bargaining-power.yaml"


def test_a_replay_context_builds_the_line_and_the_cassettes_date() -> None:
    ctx = ServedContext(**run_context(LINE, mode="replay", cassette=CASSETTE))
    assert ctx.run_date == dt.date(2026, 11, 29), "replay takes the cassette's run date, as the CLI does"
    assert ctx.line is not None and [c.id for c in ctx.line.prompt.claims] == ["C1", "C2", "C3", "C4", "C5"]
    given = ServedContext(**run_context(LINE, mode="replay", cassette=CASSETTE, run_date=dt.date(2026, 12, 1), models={"judge": "openai:gpt-5.4"}))
    assert given.run_date == dt.date(2026, 12, 1) and given.models["judge"].model_string == "openai:gpt-5.4"


def test_a_bad_context_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="mode replay needs a cassette"):
        ServedRun.split({"mode": "replay"})
    with pytest.raises(InputError, match="run context: mode"):
        ServedRun.split({"mode": "record"})
    with pytest.raises(InputError, match="not found on the server"):
        ServedContext(mode="replay", cassette=str(tmp_path / "none.yaml"))


def test_the_servers_own_keys_are_not_taken_for_settings() -> None:
    # A run created without a context gets the server's configurable keys as its context.
    raw = {"thread_id": "t", "graph_id": "retest", "langgraph_request_id": "r", "mode": "replay", "judge": "openai:gpt-5.4"}
    assert _run_keys(raw) == {"mode": "replay", "judge": "openai:gpt-5.4"}


def test_the_served_graph_takes_the_run_from_its_context_first() -> None:
    edges = {(e.source, e.target) for e in graph.get_graph().edges}
    assert ("__start__", TAKE_RUN) in edges and (TAKE_RUN, "verify_anchors") in edges
    assert ("__start__", "verify_anchors") not in edges
    assert {"line", "mode", "cassette", "run_date", "models", "preset", "judge"} <= set(graph.get_context_jsonschema()["properties"])


def test_only_a_runs_execution_gets_services_or_a_cassette() -> None:
    async def use(access: str) -> object:
        async with served(SimpleNamespace(access_context=access, context=None)) as g:  # type: ignore[arg-type]
            return g

    assert asyncio.run(use("threads.read")) is graph
    assert asyncio.run(use("assistants.read")) is graph


def test_a_replay_waits_for_live_runs_and_they_wait_for_it() -> None:
    async def scenario() -> list[str]:
        turns, order = _HttpTurns(), []
        live_done, replay_done = asyncio.Event(), asyncio.Event()

        async def run(name: str, replay: bool, until: asyncio.Event | None) -> None:
            async with turns.turn(replay=replay):
                order.append(f"{name} in")
                if until is not None:
                    await until.wait()
                order.append(f"{name} out")

        first = asyncio.create_task(run("live", False, live_done))
        await asyncio.sleep(0)
        second = asyncio.create_task(run("replay", True, replay_done))
        third = asyncio.create_task(run("live2", False, None))
        for _ in range(5):
            await asyncio.sleep(0)
        assert order == ["live in"], "a replay does not start while a live run holds HTTP"
        live_done.set()
        for _ in range(5):
            await asyncio.sleep(0)
        assert order[-1] == "replay in" and "live2 in" not in order, "a live run waits for the replay"
        replay_done.set()
        await asyncio.gather(first, second, third)
        return order

    assert asyncio.run(scenario())[-2:] == ["live2 in", "live2 out"]


def test_dates_read_back_from_the_servers_state_are_dates() -> None:
    evidence = {"arxiv_id": "2606.10127", "quote": "q", "title": "t", "published": [2026, 6, 8]}
    proposal = {"id": "P1", "kind": "revise_claim", "target": "C1", "before": "b", "after": "a", "rationale": "r", "evidence": [evidence], "grounded": True}
    [back] = [Proposal.model_validate(p) for p in revived(list[Proposal], [proposal])]
    assert back.evidence[0].published == dt.date(2026, 6, 8)
    assert revived(list[str], [2026, 6, 8]) == [2026, 6, 8], "only fields declared as dates change"
