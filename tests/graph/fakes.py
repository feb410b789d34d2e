"""Fakes for graph logic tests: a scripted model and an in-memory paper source.

Network-level behaviour (wire formats, cassettes) is tested in the llm, sources
and recording rooms and in the demo replay; these fakes test the graph's own logic.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from agent.errors import ProviderError
from agent.llm.base import Completion, Usage
from agent.sources.models import Lookup, LookupStatus, Paper

Script = Callable[[str, str, str], dict[str, Any]]  # (task, instructions, data) -> answer JSON


class ScriptedModel:
    """Answers each task from a script; records every call for assertions."""

    def __init__(self, script: Script, model_string: str = "fake:model") -> None:
        self.script = script
        self.model_string = model_string
        self.calls: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def complete(self, *, task: str, instructions: str, data: str, schema: type[BaseModel], max_tokens: int = 4096) -> Completion:
        with self._lock:
            self.calls.append((task, data))
        answer = schema.model_validate(self.script(task, instructions, data))
        return Completion(output=answer, usage=Usage(input_tokens=len(data) // 4, output_tokens=50, model=self.model_string, cost_usd=None))


def paper(arxiv_id: str, title: str, published: str, summary: str, version: int = 1) -> Paper:
    return Paper(arxiv_id=arxiv_id, version=version, title=title, summary=summary, published=dt.date.fromisoformat(published))


class FakeSource:
    """Search results keyed by a substring of the query; lookups from a dict."""

    def __init__(
        self, papers: dict[str, Paper], searches: dict[str, list[str]], failing: set[str] = frozenset(), versions: dict[str, Paper] | None = None
    ) -> None:
        self.papers, self.searches, self.failing = papers, searches, failing
        self.versions = versions or {}
        self.queries: list[tuple[str, dt.date | None, dt.date | None]] = []

    def search(self, query: str, *, since=None, until=None, max_results: int = 25, sort: str = "relevance") -> list[Paper]:
        self.queries.append((query, since, until))
        if any(key in query for key in self.failing):
            raise ProviderError("arXiv answered 503 three times")
        hits = [pid for key, ids in self.searches.items() if key in query for pid in ids]
        return [self.papers[i] for i in dict.fromkeys(hits) if since is None or self.papers[i].published >= since][:max_results]

    def lookup(self, ids, batch_size: int = 50) -> dict[str, Lookup]:
        out = {}
        for raw in ids:
            if raw in self.versions:
                out[raw] = Lookup(requested=raw, status=LookupStatus.FOUND, paper=self.versions[raw])
            elif not raw[:4].isdigit():
                out[raw] = Lookup(requested=raw, status=LookupStatus.MALFORMED, error=f"incorrect id format for {raw}")
            elif raw in self.papers:
                out[raw] = Lookup(requested=raw, status=LookupStatus.FOUND, paper=self.papers[raw])
            else:
                out[raw] = Lookup(requested=raw, status=LookupStatus.MISSING)
        return out
