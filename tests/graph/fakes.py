"""Fakes for graph logic tests: a scripted model and an in-memory paper source.

Network-level behaviour (wire formats, cassettes) is tested in the llm, sources
and recording rooms and in the demo replay; these fakes test the graph's own logic.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from agent.errors import ProviderError
from agent.llm.base import TRUNCATION_HINT, Completion, RefusedAnswer, TruncatedAnswer, Usage
from agent.llm.structured import Message, Turn, complete_structured
from agent.proposals import Evidence, Proposal, ProposalKind
from agent.sources.models import EMPTY_QUERY, Lookup, LookupStatus, Paper, QueryRejected

Script = Callable[[str, str, str], "dict[str, Any] | Refusal"]  # (task, instructions, data) -> answer JSON, or a refusal


class Refusal(str):
    """A script's answer that refuses the task, as a model's `refusal` field or `stop_reason: refusal` does."""


class ScriptedModel:
    """Answers each task from a script; records every request for assertions.

    Answers go through the clients' own validation and retry
    (`complete_structured`), and a refusal or an answer longer than the budget
    raises what the real clients raise: `needs` gives the output tokens a
    task's answer takes (50 when not given), and a smaller `max_tokens`
    truncates it.
    """

    def __init__(self, script: Script, model_string: str = "fake:model", needs: dict[str, int] | None = None) -> None:
        self.script = script
        self.model_string = model_string
        self.needs = needs or {}
        self.calls: list[tuple[str, str]] = []
        self.budgets: list[tuple[str, int]] = []
        self._lock = threading.Lock()

    def complete(self, *, task: str, instructions: str, data: str, schema: type[BaseModel], max_tokens: int = 4096) -> Completion:
        def send(messages: list[Message]) -> Turn:
            with self._lock:
                self.calls.append((task, data))
                self.budgets.append((task, max_tokens))
            try:
                answer = self.script(task, instructions, data)
            except KeyError:
                if task == "plan_claims":
                    answer = self._line_plan(instructions, data)
                elif task == "read_anchors":
                    # A script written before anchors were read answers as a model that read none: the run keeps its word-overlap links.
                    answer = {"anchors": []}
                else:
                    raise
            if task == "propose_questions" and isinstance(answer, dict):
                answer = _as_asked(answer)
            where = f"task {task!r} on {self.model_string}"
            needed = self.needs.get(task, 50)
            usage = Usage(input_tokens=len(data) // 4, output_tokens=min(needed, max_tokens), model=self.model_string, cost_usd=None)
            if isinstance(answer, Refusal):
                raise RefusedAnswer(f"{where}: the model refused to answer: {answer}", usage=usage)
            if needed > max_tokens:
                raise TruncatedAnswer(
                    f"{where}: the answer was truncated at max_tokens={max_tokens} (finish_reason 'length').",
                    max_tokens=max_tokens,
                    hint=TRUNCATION_HINT,
                    usage=usage,
                )
            return Turn(text=json.dumps(answer), usage=usage)

        return complete_structured(task=task, model_string=self.model_string, schema=schema, data=data, send=send)

    def _line_plan(self, instructions: str, data: str) -> dict[str, Any] | Refusal:
        """A script written for claim-by-claim planning answers the line's plan with its "plan_queries Cn" answers.

        A claim the script has no plan for is left out (the run plans it on its own); a refused claim refuses the whole plan.
        """
        claims = []
        for claim_id in re.findall(r'<untrusted_data label="claim (C\d+)">', data):
            try:
                plan = self.script(f"plan_queries {claim_id}", instructions, data)
            except KeyError:
                continue
            if isinstance(plan, Refusal):
                return plan
            claims.append({"claim_id": claim_id, **plan})
        return {"claims": claims}


def _as_asked(answer: dict[str, Any]) -> dict[str, Any]:
    """A questions answer scripted before tasks were answered as asked (issue 12): no sub-question letter, no kind of work read."""
    questions = [{"part": None, **q} if isinstance(q, dict) else q for q in answer.get("questions", [])]
    return {"framings": [], **answer, "questions": questions}


def paper(arxiv_id: str, title: str, published: str, summary: str, version: int = 1) -> Paper:
    return Paper(arxiv_id=arxiv_id, version=version, title=title, summary=summary, published=dt.date.fromisoformat(published))


INVALID_QUERY = "Invalid query string"  # what arXiv's 400 says (see tests/data/README.md)


def _balanced(query: str) -> bool:
    depth = 0
    for ch in query:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


class FakeSource:
    """Search results keyed by a substring of the query; lookups from a dict.

    Like arXiv, it refuses an empty query and one with unbalanced parentheses
    (QueryRejected, as ArxivSource raises for a 400); `lookups_down` makes every
    lookup fail as arXiv being unavailable does.
    """

    def __init__(
        self,
        papers: dict[str, Paper],
        searches: dict[str, list[str]],
        failing: set[str] = frozenset(),
        versions: dict[str, Paper] | None = None,
        lookups_down: bool = False,
    ) -> None:
        self.papers, self.searches, self.failing = papers, searches, failing
        self.versions = versions or {}
        self.lookups_down = lookups_down
        self.queries: list[tuple[str, dt.date | None, dt.date | None]] = []

    def search(self, query: str, *, since=None, until=None, max_results: int = 25, sort: str = "relevance") -> list[Paper]:
        if not query.strip():
            raise QueryRejected(query, EMPTY_QUERY)
        self.queries.append((query, since, until))
        if not _balanced(query):
            raise QueryRejected(query, INVALID_QUERY)
        if any(key in query for key in self.failing):
            raise ProviderError("arXiv answered 503 three times")
        hits = [pid for key, ids in self.searches.items() if key in query for pid in ids]
        return [self.papers[i] for i in dict.fromkeys(hits) if since is None or self.papers[i].published >= since][:max_results]

    def lookup(self, ids, batch_size: int = 50) -> dict[str, Lookup]:
        if self.lookups_down:
            raise ProviderError("arXiv lookup of the anchors failed after 4 tries: HTTP 503")
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


# A revision of C1 resting on one verified quote: the ground-check tests change one field of it at a time.
VERIFIED = "2606.10127"
QUOTE = "Labor's share of tasks decays slowly"


def revision(**fields: Any) -> Proposal:
    """A grounded revise_claim proposal for C1, with `fields` changed."""
    base: dict[str, Any] = dict(
        id="P1",
        kind=ProposalKind.REVISE_CLAIM,
        target="C1",
        after="Wages converge slowly to compute cost",
        new_date="~2026",
        rationale="A slow decay.",
        evidence=[Evidence(arxiv_id=VERIFIED, quote=QUOTE)],
    )
    return Proposal(**(base | fields))
