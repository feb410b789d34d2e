"""Entry point for LangGraph's own server and Studio (see langgraph.json).

The server supplies its own checkpointer and hands each run the `context`
given to its API as a dict; LangGraph turns that dict into the graph's
context schema, `ServedContext`, which builds the run's live services from
the effective settings (keys from the server's environment). So the graph
never needs a default: a run's services come with the run.

    client.runs.create(thread_id, "retest", input={...}, context={"preset": "fast", "judge": "openai:gpt-5.4"})
"""

from __future__ import annotations

from langgraph.graph.state import CompiledStateGraph

from agent.config import load_settings
from agent.graph.build import build_graph
from agent.graph.context import RunContext
from agent.graph.state import RunState
from agent.services import RunRequest, build_services
from agent.store import Store


class ServedContext(RunContext):
    """A run's services, built from what the server's API sent as the run's context.

    The fields of the dict are settings: `preset`, then any setting by name
    (`planner`, `judge`, `contradiction_window_months`, ...), with the same
    precedence as the CLI's flags over the environment and the preset.
    """

    def __init__(self, preset: str | None = None, **overrides: object) -> None:
        settings = load_settings(preset=preset, overrides=dict(overrides))
        built = build_services(RunRequest(mode="live", settings=settings), Store.open())
        super().__init__(models=built.models, source=built.source, contradiction_months=built.contradiction_months)


def make_graph() -> CompiledStateGraph[RunState, RunContext, RunState, RunState]:
    """The graph compiled for the server: its checkpointer is the server's own."""
    return build_graph(context_schema=ServedContext).compile()


graph = make_graph()
