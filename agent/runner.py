"""Run the re-test graph for one line: build the run's services, stream progress, keep the record.

The run's services come from agent.services. Modes: `live` (real services, keys needed), `record` (live, and every call is
written to a cassette), `replay` (no keys, no network: every call must be in
the cassette). Record and replay bypass the arXiv cache so a cassette holds,
and a replay asks for, every request the run makes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, cast

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command, StateSnapshot
from pydantic import BaseModel, ConfigDict, Field

from agent import __version__
from agent.config import Settings, load_settings, settings_from_saved
from agent.errors import BudgetExceeded, ConflictError, InputError, RetestError, storage_errors
from agent.events import LineWarning, NodeFinished, RunEvent, RunStarted
from agent.graph.build import build_graph, line_steps
from agent.graph.context import RunContext, WaitingForBatch
from agent.graph.records import ClaimResult, UngroundedCitation, UsageRecord
from agent.graph.serde import serializer
from agent.graph.state import RunState
from agent.line.checks import line_problems, not_retestable
from agent.line.models import Line
from agent.line.read import LoadedLine, load_line
from agent.llm.base import total_cost
from agent.llm.batch import batch_desk
from agent.proposals import Proposal
from agent.recording import cassette, incomplete_path
from agent.recording.responses import RequestCounts, ResponseLedger, request_counts
from agent.runs import (
    Claim,
    RunRecord,
    RunStatus,
    claim_run,
    finish_run,
    get_run,
    git_revision,
    insert_run,
    new_run_id,
    record_prompt,
    release_claim,
    save_proposals,
    stored_line,
    stored_since_last,
)
from agent.services import Mode, RunRequest, build_services
from agent.store import Store, connect_state_db, database_url, state_dir

Progress = Callable[[RunEvent], None]
Graph = CompiledStateGraph[RunState, RunContext, RunState, RunState]
CHECKPOINTS = "checkpoints.db"


class RunOutcome(BaseModel):
    """How a run (or one sitting of it) ended: typed results for front ends, and the whole state for the report and the scorers."""

    model_config = ConfigDict(frozen=True)

    run: RunRecord
    requests_sent: int = 0
    requests: RequestCounts = Field(
        default_factory=RequestCounts, description="Every request of the run, all sittings: sent, and answered from saved responses."
    )
    line: Line | None = Field(default=None, description="None only for a run stopped before its first step was saved.")
    claim_results: dict[str, ClaimResult] = Field(default_factory=dict)
    proposals: list[Proposal] = Field(default_factory=list)
    ungrounded: list[UngroundedCitation] = Field(default_factory=list)
    usage: list[UsageRecord] = Field(default_factory=list)
    state: dict[str, Any] = Field(default_factory=dict, repr=False)

    @classmethod
    def from_state(cls, run: RunRecord, state: dict[str, Any], requests_sent: int = 0, requests: RequestCounts | None = None) -> RunOutcome:
        """The outcome of `run` whose graph state is `state`."""
        typed = {key: state[key] for key in ("line", "claim_results", "proposals", "ungrounded", "usage") if key in state}
        return cls(run=run, requests_sent=requests_sent, requests=requests or RequestCounts(), state=state, **typed)

    @property
    def cost_usd(self) -> float | None:
        """The estimated price of every call made; None if any model's price is unknown."""
        return total_cost(u.cost_usd for u in self.usage)


_WINDOW_END = re.compile(r"submittedDate(?::|%3A)(?:\[|%5B)\d{12}(?:\+|%20| )TO(?:\+|%20| )(\d{8})\d{4}")


def cassette_run_date(path: Path) -> dt.date | None:
    """The run date a cassette was recorded on: the latest end of its arXiv date windows.

    Replaying on another date would ask for other windows and miss, so replay
    defaults to this date.
    """
    try:
        ends = _WINDOW_END.findall(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        # No date to offer: check_mode then reports the unreadable cassette by name.
        return None
    return max((dt.datetime.strptime(e, "%Y%m%d").date() for e in ends), default=None)


def check_mode(mode: Mode, cassette_path: Path | None) -> None:
    """InputError for a cassette the mode cannot use, found before any run is recorded."""
    if mode in ("record", "replay") and cassette_path is None:
        raise InputError(f"--{mode} needs a cassette path")
    if cassette_path is not None and cassette_path.is_dir():
        raise InputError(
            f"cassette {cassette_path} is a directory, not a cassette file", hint=f"Give a .yaml file, e.g. --{mode} cassettes/demo/bargaining-power.yaml."
        )
    if mode == "replay" and (cassette_path is None or not cassette_path.is_file()):
        raise InputError(f"cassette {cassette_path} not found", hint="Check the path, or record one with --record CASSETTE (needs keys).")
    if mode == "replay":
        # Load it once now: a cassette that does not parse must not leave a failed run behind.
        with cassette(mode, cassette_path):
            pass


@contextmanager
def open_graph(home: Path | None = None) -> Iterator[Graph]:
    """The graph compiled with the checkpointer of the run store: Postgres's with $RETEST_DATABASE_URL, else the state directory's SQLite."""
    url = database_url()
    if url:
        from agent.store.postgres import checkpointer

        with checkpointer(url, serializer()) as shared:
            yield build_graph().compile(checkpointer=shared)
        return
    directory = home or state_dir()
    directory.mkdir(parents=True, exist_ok=True)
    conn = connect_state_db(directory / CHECKPOINTS)  # read-only when the state directory is
    saver = SqliteSaver(conn, serde=serializer())
    try:
        yield build_graph().compile(checkpointer=saver)
    finally:
        # After Ctrl-C LangGraph may still be writing a step's writes in a worker thread: closing the connection
        # under that statement crashes SQLite, so close it between statements (the saver's own lock).
        with saver.lock:
            conn.close()


def _config(run_id: str) -> RunnableConfig:
    """The graph config of a run: its checkpoint thread is the run ID."""
    return {"configurable": {"thread_id": run_id}}


def _stream(graph: Graph, payload: Any, run_id: str, ctx: RunContext, progress: Progress | None) -> StateSnapshot:
    config = _config(run_id)
    # durability="sync": a step's checkpoint is written before the next step starts, so a kill never loses a finished step.
    stream = graph.stream(payload, config, context=ctx, stream_mode=["updates", "custom"], subgraphs=True, durability="sync")
    for namespace, mode, chunk in stream:
        if progress is None:
            continue
        if mode == "custom":
            progress(cast(RunEvent, chunk))  # the nodes write only agent.events models
        elif mode == "updates" and not namespace:
            for node in chunk:
                if not node.startswith("__"):
                    progress(NodeFinished(node=node))
    return graph.get_state(config)


def with_line(values: dict[str, Any], store: Store, run_id: str) -> dict[str, Any]:
    """A run's graph state with its line, which the run's record keeps once (an older run's checkpoints hold it themselves)."""
    if not values or "line" in values:
        return values
    line = stored_line(store, run_id)
    return values if line is None else {**values, "line": line}


def _status(snapshot) -> RunStatus:
    return RunStatus.AWAITING_REVIEW if snapshot.next else RunStatus.COMPLETED


def _checkpointed_usage(run_id: str, store: Store) -> list[UsageRecord]:
    """What the calls that finished before a failure cost: a failed run is paid for too."""
    with open_graph(store.path.parent) as graph:
        return list(graph.get_state(_config(run_id)).values.get("usage", []))


def _kept_recording(request: RunRequest) -> Path | None:
    """Where a record run that stopped early kept the calls it paid for; None for other runs."""
    if request.mode != "record" or request.cassette is None or not incomplete_path(request.cassette).is_file():
        return None
    return incomplete_path(request.cassette)


class _RecordedPrompts(dict[str, str]):
    """The context's `prompts_used`, written through to the run's record as each prompt is loaded (a killed sitting's too)."""

    def __init__(self, store: Store, run_id: str, sitting: int) -> None:
        super().__init__()
        self._where = (store, run_id, sitting)

    def __setitem__(self, name: str, sha256: str) -> None:
        if self.get(name) != sha256:
            store, run_id, sitting = self._where
            record_prompt(store, run_id, sitting, name, sha256)
        super().__setitem__(name, sha256)


def _execute(
    run: RunRecord,
    payload: Any,
    request: RunRequest,
    ctx: RunContext,
    store: Store,
    progress: Progress | None,
    *,
    sitting: int = 1,
    resume_recording: bool = False,
) -> RunOutcome:
    """Stream the graph under the run's recording mode and record how it ended."""
    ctx.prompts_used = _RecordedPrompts(store, run.id, sitting)
    ledger = ResponseLedger(store, run.id, sitting)
    try:
        with ExitStack() as stack:
            # Outermost: a full or read-only disk met below (checkpoints, cassette) fails the run like any RetestError.
            stack.enter_context(storage_errors(store.path.parent))
            stack.enter_context(cassette(request.mode, request.cassette, resume=resume_recording, responses=ledger))
            graph = stack.enter_context(open_graph(store.path.parent))
            if request.batch:
                stack.enter_context(batch_desk(store, run.id))
            snapshot = _stream(graph, payload, run.id, ctx, progress)
    except WaitingForBatch:
        # Not a failure: the steps that finished are checkpointed, the others' requests are queued (a recording's calls
        # so far are kept as for a stop), and the next sitting, once a batch brought the answers, goes on from there.
        finish_run(store, run.id, RunStatus.WAITING, prompts=ctx.prompts_used, usage=_checkpointed_usage(run.id, store))
        return _outcome(run.id, store, ctx, None)
    except BudgetExceeded as exc:
        # A clean stop before a call, not a failure: finished steps are checkpointed and a resume with a larger budget goes on.
        kept = _kept_recording(request)
        error = f"{exc.message}; `retest resume {run.id} --max-cost USD` continues it" + (f", recording on from {kept}" if kept else "")
        finish_run(store, run.id, RunStatus.INTERRUPTED, prompts=ctx.prompts_used, error=error, usage=_checkpointed_usage(run.id, store))
        exc.hint = f"Run {run.id} is saved and resumable: continue it with a larger budget, e.g. retest resume {run.id} --max-cost {2 * max(exc.limit_usd, exc.needed_usd):.2f}"
        raise
    except RetestError as exc:
        kept = _kept_recording(request)
        error = exc.message + (f"; the calls recorded so far are kept in {kept}" if kept else "")
        finish_run(store, run.id, RunStatus.FAILED, prompts=ctx.prompts_used, error=error, usage=_checkpointed_usage(run.id, store))
        if kept:
            exc.hint = f"{exc.hint or ''} The calls recorded so far are kept in {kept}; `retest resume {run.id}` continues the recording.".strip()
        raise
    except KeyboardInterrupt:
        kept = _kept_recording(request)
        error = "interrupted; `retest resume` continues it" + (f", recording on from {kept}" if kept else "")
        finish_run(store, run.id, RunStatus.INTERRUPTED, prompts=ctx.prompts_used, error=error, usage=_checkpointed_usage(run.id, store))
        raise
    status = _status(snapshot)
    if "proposals" in snapshot.values:
        save_proposals(store, run.id, snapshot.values["proposals"])
    finish_run(store, run.id, status, prompts=ctx.prompts_used, usage=snapshot.values.get("usage", []))
    return _outcome(run.id, store, ctx, snapshot.values)


def _outcome(run_id: str, store: Store, ctx: RunContext, values: dict[str, Any] | None) -> RunOutcome:
    """The run's outcome from its record and its state (`values`, or the checkpointed state when None)."""
    if values is None:
        with open_graph(store.path.parent) as graph:
            values = graph.get_state(_config(run_id)).values
    state = with_line(values, store, run_id)
    return RunOutcome.from_state(get_run(store, run_id), state, ctx.source.requests_sent, request_counts(store, run_id))


def start_run(line_path: Path, request: RunRequest, store: Store, *, progress: Progress | None = None, now: dt.datetime | None = None) -> RunOutcome:
    """Parse the line, record the run, and run the graph until it pauses for review."""
    check_mode(request.mode, request.cassette)
    loaded = load_line(line_path)
    started = now or dt.datetime.now(dt.UTC)
    run_date = request.run_date or started.date()
    request = request.on(run_date)
    _check_retestable(line_path, loaded, run_date)
    # Before the run is recorded: a missing key or bad model string leaves no run behind.
    services = build_services(request, store)
    run = RunRecord(
        id=new_run_id(started),
        line_path=str(line_path.resolve()),
        line_sha256=loaded.sha256,
        mode=request.mode,
        cassette=str(request.cassette.resolve()) if request.cassette else None,
        # Pinned: a resume refuses another cassette (a recording's output is not an input, so only replay's).
        cassette_sha256=file_sha256(request.cassette) if request.mode == "replay" and request.cassette else None,
        run_date=run_date,
        models=request.models,
        settings=request.settings.saved(),
        version=__version__,
        git_rev=git_revision(),
        started_at=started,
        status=RunStatus.RUNNING,
        batch=request.batch,
    )
    insert_run(store, run, loaded.line, request.since_last)
    services.line = loaded.line  # in the context, not the state: the checkpoints need not copy it at every step
    if progress:
        for message in [*loaded.warnings, *map(str, line_problems(loaded, run_date))]:
            progress(LineWarning(message=message))
        progress(RunStarted(run_id=run.id, claims=[c.id for c in loaded.line.prompt.claims], steps=line_steps()))
    return _execute(run, {"run_id": run.id, "run_date": run_date}, request, services, store, progress)


def _check_retestable(line_path: Path, loaded: LoadedLine, run_date: dt.date) -> None:
    """InputError before anything is recorded or paid when no claim of the line can be re-tested on `run_date`."""
    claims = loaded.line.prompt.claims
    skipped = not_retestable(loaded.line, run_date)
    if claims and set(skipped) == {c.id for c in claims}:
        first = next(iter(skipped.values()))
        raise InputError(
            f"{line_path}: no claim can be re-tested on {run_date.isoformat()} ({first})",
            hint="Give a later --run-date, or check the claims' dates.",
        )


def file_sha256(path: Path) -> str | None:
    """The hex sha256 of a file's bytes; None when it cannot be read."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def check_pinned_inputs(run: RunRecord) -> None:
    """ConflictError when the line file or the replayed cassette is no longer what the run started with.

    A resumed run must go on from the same inputs: verdicts from one cassette and proposals from another would be a mixed run.
    """
    pins = [("line file", Path(run.line_path), run.line_sha256, f"retest run {run.line_path}")]
    if run.cassette and run.cassette_sha256:
        pins.append(("cassette", Path(run.cassette), run.cassette_sha256, f"retest run {run.line_path} --replay {run.cassette}"))
    for what, path, pinned, again in pins:
        now = file_sha256(path)
        if now == pinned:
            continue
        if now is None and not path.exists():
            message = f"the {what} {path} was removed after run {run.id} started"
        else:
            message = f"the {what} {path} changed after run {run.id} started (sha256 {pinned[:12]}… then, {(now or 'unreadable')[:12]}… now)"
        raise ConflictError(
            f"{message}; a resume must use the inputs the run started with",
            hint=f"Put the original {what} back and resume again, or start a new run: {again}",
        )


def resume_run(run_id: str, store: Store, *, progress: Progress | None = None) -> RunOutcome:
    """Continue a killed or failed run from its last checkpoint, in the mode and with the settings it started with.

    The run is claimed first, atomically, before anything is built: of two resumes started together one runs it and
    the other is refused. A sitting that stops before running anything gives the run back as it was.
    """
    claim = claim_run(store, get_run(store, run_id).id)
    try:
        run, request, payload, services, resume_recording = _prepare_resume(claim, store)
    except BaseException:
        release_claim(store, claim)
        raise
    return _execute(run, payload, request, services, store, progress, sitting=claim.sitting, resume_recording=resume_recording)


def _prepare_resume(claim: Claim, store: Store) -> tuple[RunRecord, RunRequest, Any, RunContext, bool]:
    """Everything a resume needs before it runs: pinned inputs checked, mode checked, services built."""
    run = claim.before
    check_pinned_inputs(run)
    cassette_path = Path(run.cassette) if run.cassette else None
    # A --since-last run goes on with the plan it started with: the claims not yet reached are not re-tested in full.
    request = RunRequest(
        mode=run.mode, cassette=cassette_path, run_date=run.run_date, settings=_saved_settings(run), since_last=stored_since_last(store, run.id),
        batch=run.batch,
    )  # fmt: skip
    check_mode(request.mode, cassette_path)
    checkpointed = _has_checkpoint(run.id, store)
    # A record run that stopped early kept what it paid for; resumed, it answers from that and records the rest.
    resume_recording = run.mode == "record" and cassette_path is not None and incomplete_path(cassette_path).is_file()
    if checkpointed and run.mode == "record" and not resume_recording:
        # Without the incomplete recording the cassette would hold only the calls after the checkpoint and never replay the run.
        raise InputError(
            f"run {run.id} was recording to {cassette_path}; resumed, the cassette would lack the calls made before it stopped",
            hint=f"Record it again from the start: retest run {run.line_path} --record {cassette_path}",
        )
    services = build_services(request, store)
    services.line = stored_line(store, run.id)  # None for a run from before lines were kept in its record: its state has it
    payload = None if checkpointed else _first_input(run, services.line)
    return run, request, payload, services, resume_recording


def _saved_settings(run: RunRecord) -> Settings:
    """The settings the run started with; a run recorded before settings were saved keeps its models, the rest from today."""
    if run.settings is not None:
        return settings_from_saved(run.settings)
    return load_settings(overrides=dict(run.models))


def _has_checkpoint(run_id: str, store: Store) -> bool:
    with open_graph(store.path.parent) as graph:
        return bool(graph.get_state(_config(run_id)).values)


def _first_input(run: RunRecord, line: Line | None) -> dict[str, Any]:
    """The graph's input again, for a run stopped before its first checkpoint (resuming `None` would fail).

    The line is the one the run's record keeps; a run from before records kept it is read from its file again,
    refusing a file that changed since: the run must re-test what it recorded.
    """
    if line is not None:
        return {"run_id": run.id, "run_date": run.run_date}
    loaded = load_line(Path(run.line_path))
    if loaded.sha256 != run.line_sha256:
        raise ConflictError(
            f"{run.line_path} changed after run {run.id} started, and the run stopped before its first step was saved",
            hint=f"Start a new run on it: retest run {run.line_path}",
        )
    return {"run_id": run.id, "line": loaded.line, "run_date": run.run_date}


def resume_review(run_id: str, decisions: list[dict[str, Any]], store: Store) -> dict[str, Any]:
    """Hand decisions to the paused review node; returns the state after it."""
    run = get_run(store, run_id)
    with open_graph(store.path.parent) as graph:
        config = _config(run.id)
        # The review node calls no model, so no services are needed to resume it.
        context = RunContext(models={}, source=None, line=stored_line(store, run.id))  # type: ignore[arg-type]
        # durability="sync": the decisions are in the checkpoint before this returns, so a kill after "Saved" loses none.
        graph.invoke(Command(resume=decisions), config, context=context, durability="sync")
        snapshot = graph.get_state(config)
    finish_run(store, run.id, _status(snapshot), usage=snapshot.values.get("usage", []))
    return with_line(snapshot.values, store, run.id)


def load_state(run_id: str, store: Store) -> tuple[RunRecord, dict[str, Any], tuple[str, ...]]:
    """A run's record, its latest graph state and what node waits next."""
    run = get_run(store, run_id)
    with open_graph(store.path.parent) as graph:
        snapshot = graph.get_state(_config(run.id))
    return run, with_line(snapshot.values, store, run.id), tuple(snapshot.next)
