"""Runs on LangGraph's server (agent/server.py), through its API with langgraph-sdk: start, list, review.

A served run is a server thread. Its run keys (line name, mode, cassette,
run date, preset, models) are kept in the thread's metadata under "retest",
so a review resumes it with the context it started with (a replay run's
resume opens its cassette again, a live one uses the same models).

langgraph-sdk is imported inside the functions: `retest runs` without
--server loads none of it.
"""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from agent.errors import InputError, ProviderError
from agent.proposals import Decision, Proposal, pending

if TYPE_CHECKING:
    from langgraph_sdk.client import SyncLangGraphClient

GRAPH = "retest"  # the graph's name in langgraph.json
META = "retest"


class ServerError(ProviderError):
    """A LangGraph server could not be reached, or failed a request or a run (a service failing: exit 6)."""


class ServedThread(BaseModel):
    """One run on the server, as `retest runs --server` lists it."""

    model_config = ConfigDict(frozen=True)

    thread_id: str
    status: str
    line: str = ""
    mode: str = ""
    run_date: str = ""
    created_at: str = ""


class ServedReview(BaseModel):
    """A served run's proposals and decisions, read from its thread state."""

    model_config = ConfigDict(frozen=True)

    thread_id: str
    status: str
    proposals: list[Proposal] = []
    decisions: dict[str, Decision] = {}
    context: dict[str, Any] = {}

    @property
    def pending(self) -> list[str]:
        """The proposals still waiting for a decision (the graph's own rule)."""
        return pending(self.proposals, self.decisions)


@contextmanager
def connected(url: str) -> Iterator[SyncLangGraphClient]:
    """A client of the server at `url`; a failure inside becomes one error: InputError for an unknown thread, else ServerError."""
    import httpx
    from langgraph_sdk import get_sync_client
    from langgraph_sdk.errors import APIConnectionError

    client = get_sync_client(url=url, timeout=(5.0, 300.0, 300.0, 5.0))  # connect, read (a run), write, pool
    unreachable = f"cannot reach the LangGraph server at {url}"
    start_it = "Start it with `langgraph dev` in the Retest checkout, or check the URL."
    try:
        yield client
    except APIConnectionError as exc:
        # The SDK's connection error is an HTTPStatusError without a response: before that branch.
        raise ServerError(f"{unreachable} ({exc})", hint=start_it) from exc
    except httpx.HTTPStatusError as exc:
        status, detail = exc.response.status_code, _detail(exc.response)
        if status in (404, 422):
            # No such thread or graph, or an ID that is not one: the user's argument.
            raise InputError(f"the LangGraph server at {url} refused: {detail}", hint=f"List its runs: retest runs --server {url}") from exc
        raise ServerError(f"the LangGraph server at {url} answered {status}: {detail}", hint="See the server's log for the cause.") from exc
    except httpx.TransportError as exc:
        raise ServerError(f"{unreachable} ({type(exc).__name__})", hint=start_it) from exc
    finally:
        client.close()


def _detail(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("detail", body) if isinstance(body, dict) else body)[:200]


def run_context(
    line_path: Path,
    *,
    mode: Literal["live", "replay"] = "live",
    cassette: Path | None = None,
    run_date: dt.date | None = None,
    preset: str | None = None,
    models: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The context of a served run of the line at `line_path` (agent.server.ServedRun's keys)."""
    try:
        text = line_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {line_path}: {exc}") from exc
    context: dict[str, Any] = {"line": text, "line_name": line_path.name, "mode": mode}
    if cassette is not None:
        # The server reads it: a path it can open when it runs on this machine.
        context["cassette"] = str(cassette.resolve())
    if run_date is not None:
        context["run_date"] = run_date.isoformat()
    if preset:
        context["preset"] = preset
    if models:
        context["models"] = dict(models)
    return context


def start(url: str, context: dict[str, Any]) -> ServedReview:
    """Start a served run with `context` and wait until it pauses for review (or ends); its thread and state."""
    kept = {k: v for k, v in context.items() if k != "line"}  # the line is in the run's state; the rest resumes it
    with connected(url) as client:
        thread = client.threads.create(metadata={META: kept})
        result = client.runs.wait(thread["thread_id"], GRAPH, input={}, context=context, raise_error=False)
        _raise_run_error(url, result)
        values = client.threads.get_state(thread["thread_id"])["values"]
        run_date = revived(dt.date, values.get("run_date")) if isinstance(values, dict) else None
        if isinstance(run_date, dt.date):
            # The date the server chose (the cassette's, or its today): a resume and the listing name it.
            client.threads.update(thread["thread_id"], metadata={META: {**kept, "run_date": run_date.isoformat()}})
        return _review(client, thread["thread_id"])


def _raise_run_error(url: str, result: Any) -> None:
    if isinstance(result, dict) and "__error__" in result:
        error = result["__error__"]
        raise ServerError(f"the run on {url} failed: {error.get('message', '')} ({error.get('error', '')})", hint="See the server's log for the cause.")


def revived(annotation: Any, value: Any) -> Any:
    """`value` as read from the server's thread state, with its dates made dates again.

    The server's API writes a checkpointed `datetime.date` as [year, month, day]
    (datetimes come as ISO text); this walks the model types that `annotation`
    holds and turns back only the fields declared as dates.
    """
    if annotation is dt.date and isinstance(value, list) and len(value) == 3 and all(isinstance(v, int) for v in value):
        return dt.date(*value)
    args = typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(value, dict):
        return {k: revived(annotation.model_fields[k].annotation, v) if k in annotation.model_fields else v for k, v in value.items()}
    if typing.get_origin(annotation) is list and args and isinstance(value, list):
        return [revived(args[0], v) for v in value]
    if typing.get_origin(annotation) is dict and len(args) == 2 and isinstance(value, dict):
        return {k: revived(args[1], v) for k, v in value.items()}
    for arg in args:  # X | None and the like: the first member that changes it
        changed = revived(arg, value)
        if changed is not value:
            return changed
    return value


def _review(client: SyncLangGraphClient, thread_id: str) -> ServedReview:
    thread = client.threads.get(thread_id)
    values = client.threads.get_state(thread_id)["values"]
    if not isinstance(values, dict):
        values = {}
    return ServedReview(
        thread_id=thread_id,
        status=str(thread.get("status", "")),
        proposals=revived(list[Proposal], values.get("proposals", [])),
        decisions=revived(dict[str, Decision], values.get("decisions", {})),
        context=(thread.get("metadata") or {}).get(META, {}),
    )


def load(url: str, thread_id: str) -> ServedReview:
    """A served run's proposals, decisions and run context."""
    with connected(url) as client:
        return _review(client, thread_id)


def decide(url: str, thread_id: str, decisions: list[Decision]) -> ServedReview:
    """Resume the run's review interrupt with `decisions` (Command(resume=...)); its state after."""
    with connected(url) as client:
        current = _review(client, thread_id)
        if current.status != "interrupted":
            raise InputError(f"run {thread_id} on {url} is {current.status}, not waiting for review", hint=f"List its runs: retest runs --server {url}")
        resume = [d.model_dump(mode="json") for d in decisions]
        result = client.runs.wait(thread_id, GRAPH, command={"resume": resume}, context=current.context or None, raise_error=False)
        _raise_run_error(url, result)
        return _review(client, thread_id)


def threads(url: str, limit: int = 100) -> list[ServedThread]:
    """The server's runs of the graph, newest first."""
    with connected(url) as client:
        found = client.threads.search(metadata=None, limit=limit, sort_by="created_at", sort_order="desc")
    listed = []
    for t in found:
        meta = (t.get("metadata") or {}).get(META, {})
        listed.append(
            ServedThread(
                thread_id=t["thread_id"],
                status=str(t.get("status", "")),
                line=str(meta.get("line_name", "")),
                mode=str(meta.get("mode", "")),
                run_date=str(meta.get("run_date", "")),
                created_at=str(t.get("created_at", "")),
            )
        )
    return listed
