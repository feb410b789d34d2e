"""What every node gets besides state: the services of this run (not checkpointed)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

from langgraph.config import get_stream_writer
from langgraph.errors import GraphBubbleUp
from langgraph.runtime import Runtime
from pydantic import BaseModel

from agent.callsite import call_context
from agent.config import Planning
from agent.errors import ConfigError
from agent.events import CallFinished, emitting_to
from agent.graph.records import UsageRecord
from agent.graph.since_last import SinceLast
from agent.line.models import Line
from agent.llm.base import AnswerError, ModelClient, Usage
from agent.llm.batch import QueuedForBatch
from agent.prompts import Prompt, load_prompt
from agent.sources.models import Lookup, Paper

if TYPE_CHECKING:
    from agent.graph.tasks import ModelTask
    from agent.sources.protocol import CitationSource, SourceSkipped
    from agent.sources.protocol import PaperSource as WorkSource

T = TypeVar("T", bound=BaseModel)


class PaperSource(Protocol):
    """The part of agent.sources.ArxivSource the graph uses (a fake in unit tests)."""

    def search(
        self,
        query: str,
        *,
        since: dt.date | None = None,
        until: dt.date | None = None,
        max_results: int = 25,
        sort: Literal["relevance", "submitted"] = "relevance",
    ) -> list[Paper]: ...

    def lookup(self, ids: Sequence[str], batch_size: int = 50) -> dict[str, Lookup]: ...

    @property
    def requests_sent(self) -> int: ...


class WaitingForBatch(GraphBubbleUp):  # noqa: N818 - not a failure: the step waits for its answer
    """A step's model request is queued for a batch (`--batch`): the step stops without a write and runs again once the answer is in.

    A GraphBubbleUp, so LangGraph lets the step's parallel siblings finish (each queuing its own request, or
    finishing and saving its writes) before the run stops; a plain exception would cancel those not yet started.
    """

    def __init__(self, task: str) -> None:
        super().__init__(f"task {task!r} waits for its batch")
        self.task = task


@dataclass(frozen=True)
class CitationService:
    """The run's forward-citation sources (issue 19), and the ones its keys or policy left out, for the report."""

    sources: Sequence[CitationSource]
    skipped: Sequence[SourceSkipped] = ()
    checkers: Sequence[WorkSource] = ()
    """Sources asked whether an anchor was retracted or corrected (Crossref, which never gets an arXiv DOI; OpenAlex with a key)."""
    limit: int = 100  # citing works kept per anchor and source, before the screening cap


@dataclass
class RunContext:
    """Services for one run. Built by agent.services for live, record or replay mode."""

    models: Mapping[str, ModelClient]
    source: PaperSource
    contradiction_months: int = 6
    max_candidates: int = 12
    max_results_per_query: int = 10
    prompts_used: dict[str, str] = field(default_factory=dict)
    citations: CitationService | None = None
    """Forward citations of the anchors (agent.graph.citations); None, the default, asks nothing but arXiv."""
    line: Line | None = None
    """The run's line, kept once in the run's record rather than in every checkpoint; None where the state holds it (a served run)."""
    since_last: SinceLast | None = None
    """With `retest run --since-last`: the line's last run and what each unchanged claim carries from it (agent.graph.since_last)."""
    planning: Planning = "line"
    """One planning call for the line's claims (plan_claims), or one per claim (plan_queries): Settings.planning."""

    def ask(self, task: ModelTask[T], *, claim_id: str | None, values: dict[str, str], max_tokens: int | None = None) -> tuple[T, UsageRecord]:
        """Render the task's prompt file, call its role's model within the prompt's output budget (or `max_tokens`), and account for the call.

        An unusable answer raises the client's AnswerError (truncated, refused,
        invalid after the retry) with its cost accounted: `accounted` holds the
        usage record, for a node that carries on past the failure.
        """
        node, role, schema = task.node, task.role, task.schema
        loaded: Prompt = load_prompt(task.prompt)
        self.prompts_used[loaded.name] = loaded.sha256
        instructions, data = loaded.render(**values)
        client = self.models[role]
        label = f"{node} {claim_id}" if claim_id else node

        def account(u: Usage) -> UsageRecord:
            record = UsageRecord(
                node=node,
                claim_id=claim_id,
                role=role,
                model=u.model or client.model_string,
                calls=u.calls,
                input_tokens=u.input_tokens,
                output_tokens=u.output_tokens,
                cached_tokens=u.cached_tokens,
                latency_s=u.latency_s,
                cost_usd=u.cost_usd,
            )
            get_stream_writer()(
                CallFinished(
                    node=node,
                    claim=claim_id,
                    model=record.model,
                    input_tokens=record.input_tokens,
                    output_tokens=record.output_tokens,
                    cost_usd=record.cost_usd,
                )
            )
            return record

        try:
            with call_context(node=node, claim=claim_id):
                completion = client.complete(task=label, instructions=instructions, data=data, schema=schema, max_tokens=max_tokens or loaded.max_output_tokens)
        except QueuedForBatch as exc:
            raise WaitingForBatch(exc.task) from None
        except AnswerError as exc:
            if exc.usage is not None:
                exc.accounted.append(account(exc.usage))
            raise
        return completion.output, account(completion.usage)

    @contextmanager
    def sending(self, *, node: str, claim_id: str | None = None) -> Iterator[PaperSource]:
        """The paper source, for requests sent by `node`: named in a cassette miss, its waits reported as progress."""
        with call_context(node=node, claim=claim_id), emitting_to(get_stream_writer()):
            yield self.source


def services(runtime: Runtime[RunContext]) -> RunContext:
    """The run's services, as whoever started the run put them in LangGraph's runtime context.

    The CLI, the evals and the benchmark build them in agent.services; LangGraph's
    server builds them from the run's context in agent.server. There is no default.
    """
    if runtime.context is None:
        raise ConfigError(
            "this graph was started without its run services",
            hint="Start runs with `retest run`, through agent.runner, or on LangGraph's server with the graph in agent/server.py.",
        )
    return runtime.context


def run_line(state: Mapping[str, object], runtime: Runtime[RunContext]) -> Line:
    """The run's line: from the run's context (the CLI keeps it once per run), else from the state (a served run, an older run)."""
    ctx = services(runtime)
    if ctx.line is not None:
        return ctx.line
    line = state.get("line")
    if not isinstance(line, Line):
        raise ConfigError("this run has no line in its context or its state", hint="Start runs with `retest run`, or give the served run its line.")
    return line
