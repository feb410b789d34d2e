"""Entry point for LangGraph's own server and Studio (langgraph.json serves `served`).

A run carries everything it needs in the `context` of the API call, and
nothing falls back to a default: `ServedContext` parses the line and builds
the run's services from the effective settings (keys from the server's
environment), and the graph's first step, `take_run`, puts the line and the
run date into the run's state.

    client.runs.create(thread_id, "retest", input={}, context={
        "line": open("examples/bargaining-power.txt").read(),   # or a parsed Line as JSON
        "mode": "replay", "cassette": "/abs/cassettes/demo/bargaining-power.yaml",
        "run_date": "2026-11-29", "models": {"judge": "openai:gpt-5.4"}, "preset": "fast",
    })

Any other key is a setting by name (`contradiction_window_months`, ...), with
the CLI's precedence over the environment and the preset. The review
interrupt is resumed with `command={"resume": [Decision, ...]}` and the same
context without the line (agent/cli/remote.py does both).

Replay: vcrpy patches HTTP process-wide, and the CLI's runner opens the
cassette around a run from outside. Here `served`, a graph factory the
server enters around each run's execution, does the same per run: it opens
a replay's cassette and builds the run's services, off the server's event
loop. A replay holds the process's HTTP to itself meanwhile: live runs wait
for it and it waits for them (`_HttpTurns`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from langchain_core.runnables import RunnableConfig
from langgraph.graph import START
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import get_runtime
from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, ValidationError, create_model

from agent.config import Settings, load_settings
from agent.errors import InputError, RetestError
from agent.graph.build import build_graph
from agent.graph.context import RunContext
from agent.graph.state import RunState
from agent.line.models import Line
from agent.line.read import parse_line_text
from agent.recording import cassette
from agent.runner import cassette_run_date
from agent.services import RunRequest, build_services
from agent.store import Store

if TYPE_CHECKING:
    from langgraph_sdk.runtime import ServerRuntime

Graph = CompiledStateGraph[RunState, RunContext, RunState, RunState]
TAKE_RUN = "take_run"


class ServedRunError(ValueError):
    """A Retest error as the server reports it to the API: it passes on the message of a ValueError, and hides others'."""

    @classmethod
    def of(cls, exc: RetestError) -> ServedRunError:
        return cls(f"{exc.message}. {exc.hint}" if exc.hint else exc.message)


class ServedRun(BaseModel):
    """The run-level keys of a served run's context (the rest are settings)."""

    model_config = ConfigDict(extra="forbid")

    line: str | Line | None = None
    """The line: its file's text (plain text or Markdown), or a parsed Line. Needed to start a run, not to resume one."""
    line_name: str = "line"
    """What messages call the line (its file name, for one)."""
    mode: Literal["live", "replay"] = "live"
    cassette: str | None = None
    """The cassette a replay answers from: a path on the server's machine (relative to the server's directory)."""
    run_date: dt.date | None = None
    """The date the run re-tests against. Default: today; in replay, the cassette's."""
    preset: str | None = None
    models: dict[str, str] = {}
    """A model per role, e.g. {"judge": "openai:gpt-5.4"}."""

    @classmethod
    def split(cls, context: dict[str, Any]) -> tuple[ServedRun, dict[str, Any]]:
        """The run's keys as a ServedRun, and the remaining keys as setting overrides; InputError for a bad value."""
        own = {k: v for k, v in context.items() if k in cls.model_fields}
        try:
            run = cls.model_validate(own)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "context"
            raise InputError(f"run context: {where}: {first['msg']}", hint="See agent/server.py for the keys a served run takes.") from exc
        if run.mode == "replay" and not run.cassette:
            raise InputError("run context: mode replay needs a cassette", hint='Add "cassette": "/path/to/cassette.yaml" to the context.')
        return run, {k: v for k, v in context.items() if k not in cls.model_fields}

    def cassette_path(self) -> Path | None:
        """The cassette as a path on this machine, or None for a live run."""
        return Path(self.cassette) if self.cassette and self.mode == "replay" else None


@functools.cache
def _context_form() -> type[BaseModel]:
    """The context a served run takes, as one model: the run's keys and every setting by name.

    Only its schema is used: the server keeps only the keys it names (dropping
    its own configurable keys this way), and Studio shows it as the run's form.
    """
    settings = {name: (cast(Any, info.annotation) | None, None) for name, info in Settings.model_fields.items() if name not in ServedRun.model_fields}
    return create_model("ServedRunContext", __base__=ServedRun, **settings)  # type: ignore[call-overload]


class ServedContext(RunContext):
    """A run's line and services, built from what the server's API sent as the run's context.

    The keys are ServedRun's (line, mode, cassette, run_date, preset, models),
    then any setting by name (`planner`, `judge`, `contradiction_window_months`, ...),
    with the same precedence as the CLI's flags over the environment and the preset.
    """

    run_date: dt.date
    line: Line | None

    def __init__(self, **context: Any) -> None:
        run, overrides = ServedRun.split(context)
        settings = load_settings(preset=run.preset, overrides={**run.models, **overrides})
        path = run.cassette_path()
        if path is not None and not path.is_file():
            # Not runner.check_mode: that opens the cassette, which `served` holds open already.
            raise InputError(f"cassette {path} not found on the server", hint="Give a cassette path on the server's machine, absolute or from its directory.")
        run_date = run.run_date or (cassette_run_date(path) if path else None) or dt.datetime.now(dt.UTC).date()
        request = RunRequest(mode=run.mode, cassette=path, run_date=run_date, settings=settings)
        built = build_services(request, Store.open())
        super().__init__(models=built.models, source=built.source, contradiction_months=built.contradiction_months, planning=built.planning)
        self.run_date = run_date
        self.line = _parsed(run.line, run.line_name)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> Any:
        # LangGraph asks pydantic for the context's JSON schema: what the API sends, not the services built from it.
        return handler(_context_form())


def _parsed(line: str | Line | None, name: str) -> Line | None:
    if line is None or isinstance(line, Line):
        return line
    return parse_line_text(line, source=name).line


def take_run(state: RunState, config: RunnableConfig) -> dict[str, Any]:
    """The served graph's first step: the run's line and date, from its context, into its state; the run ID is the thread's."""
    ctx = get_runtime(RunContext).context
    if not isinstance(ctx, ServedContext) or ctx.line is None:
        raise ServedRunError('a served run needs its line in the run\'s context: give "line", the text of the line file')
    run_id = state.get("run_id") or str(config.get("configurable", {}).get("thread_id", ""))
    return {"run_id": run_id, "line": ctx.line, "run_date": ctx.run_date}


def make_graph() -> Graph:
    """The graph compiled for the server: `take_run` first, then the CLI's graph; its checkpointer is the server's own."""
    builder = build_graph(context_schema=ServedContext)
    firsts = sorted(target for source, target in builder.edges if source == START)
    # LangGraph has no remove_edge: the served run starts at take_run, which hands on to the CLI's first steps.
    builder.edges.difference_update((START, target) for target in firsts)
    builder.add_node(TAKE_RUN, take_run)
    builder.add_edge(START, TAKE_RUN)
    for target in firsts:
        builder.add_edge(TAKE_RUN, target)
    return builder.compile()


class _HttpTurns:
    """Replay patches HTTP for the whole process: a replay run runs alone, live runs together.

    A waiting replay goes before live runs that come after it, so a stream of live runs cannot starve it.
    """

    def __init__(self) -> None:
        self._changed: asyncio.Condition | None = None
        self._live = 0
        self._replays_waiting = 0
        self._replaying = False

    def _free(self, replay: bool) -> bool:
        if replay:
            return not self._replaying and self._live == 0
        return not self._replaying and self._replays_waiting == 0

    @asynccontextmanager
    async def turn(self, *, replay: bool) -> AsyncIterator[None]:
        """Wait for this run's turn at HTTP, and hold it for the block."""
        changed = self._changed = self._changed or asyncio.Condition()
        async with changed:
            self._replays_waiting += replay
            try:
                await changed.wait_for(lambda: self._free(replay))
            finally:
                self._replays_waiting -= replay
            if replay:
                self._replaying = True
            else:
                self._live += 1
        try:
            yield
        finally:
            async with changed:
                if replay:
                    self._replaying = False
                else:
                    self._live -= 1
                changed.notify_all()


graph = make_graph()
_turns = _HttpTurns()


def _for_this_run(ctx: ServedContext) -> type[ServedContext]:
    """A context schema whose construction from the run's context dict returns `ctx`, built already.

    LangGraph builds the context schema from the dict on the server's event
    loop, where reading settings, prompts and the store would block it; the
    services are built off the loop in `served` and handed over this way.
    """

    class ThisRun(ServedContext):
        def __new__(cls, **_: Any) -> ServedContext:  # type: ignore[misc]
            return ctx  # not a ThisRun, so __init__ does not run again

    return ThisRun


def _run_keys(raw: dict[str, Any]) -> dict[str, Any]:
    # A run created without a context gets the server's configurable keys instead; they are not the run's.
    return {k: v for k, v in raw.items() if k in _context_form().model_fields}


@asynccontextmanager
async def served(runtime: ServerRuntime) -> AsyncIterator[Graph]:
    """What langgraph.json serves: the graph, with a run's services built and a replay's cassette open around the run.

    The server enters this for every use of the graph; only a run's execution
    (`threads.create_run`) carries the run's context.
    """
    raw = getattr(runtime, "context", None) if runtime.access_context == "threads.create_run" else None
    if not isinstance(raw, dict):
        yield graph
        return
    context = _run_keys(raw)
    try:
        path = ServedRun.split(context)[0].cassette_path()
    except InputError as exc:
        raise ServedRunError.of(exc) from exc
    async with _turns.turn(replay=path is not None):
        with ExitStack() as stack:
            try:
                # Reading, patching and building are blocking: off the server's event loop.
                if path is not None:
                    await asyncio.to_thread(stack.enter_context, cassette("replay", path))
                ctx = await asyncio.to_thread(lambda: ServedContext(**context))
            except RetestError as exc:
                await asyncio.to_thread(stack.close)
                raise ServedRunError.of(exc) from exc
            try:
                yield graph.copy(update={"context_schema": _for_this_run(ctx)})
            finally:
                await asyncio.to_thread(stack.close)


__all__ = ["ServedRunError", "ServedContext", "ServedRun", "graph", "make_graph", "served", "take_run"]
