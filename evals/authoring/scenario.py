"""A scenario: the hand-written answers behind one generated cassette.

A scenario names a line, a run date and, for every request the run will
make, what the service answers: which real arXiv papers each claim's searches
return (and any errors first), and what each model task answers. The builder
(build_cassette.py) runs the real graph against these answers and writes what
crossed the wire, in the services' real formats, as a cassette.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from agent.graph.answers import DraftedChange, Judgement, PlannedQuery, ProposedQuestion, Screened

Aim = Literal["support", "contradict"]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClaimScript(_Spec):
    queries: list[PlannedQuery]
    results: dict[Aim, list[str]] = Field(default_factory=dict, description="arXiv IDs each aim's search returns, best first.")
    errors: dict[Aim, list[int]] = Field(default_factory=dict, description="HTTP statuses arXiv answers before the results (e.g. [503]).")
    down: bool = Field(default=False, description="arXiv answers 503 to every search for this claim.")
    screen: list[Screened] | None = None
    judge: Judgement | None = None


class ArxivScript(_Spec):
    versions: dict[str, int] = Field(default_factory=dict, description="Current version of a paper when above 1.")
    summaries: dict[str, str] = Field(default_factory=dict, description="Abstract text overriding the catalog's (e.g. an injected instruction).")
    malformed: list[str] = Field(default_factory=list, description="IDs arXiv rejects with HTTP 400 (a batch holding one is rejected whole).")


class Scenario(_Spec):
    line: Path
    cassette: Path
    run_date: dt.date
    models: dict[str, str] | None = Field(default=None, description="Role -> model string; default: Retest's defaults.")
    arxiv: ArxivScript = Field(default_factory=ArxivScript)
    claims: dict[str, ClaimScript]
    questions: list[ProposedQuestion] = Field(default_factory=list)
    draft: list[DraftedChange] = Field(default_factory=list)
    raw_first: dict[str, list[str]] = Field(
        default_factory=dict, description="Task -> raw answer texts sent before the scripted one (e.g. invalid JSON)."
    )

    def answer(self, task: str) -> Any:
        """The scripted answer for a task such as 'screen C2' or 'draft_proposals'."""
        node, _, claim = task.partition(" ")
        if node == "propose_questions":
            return {"questions": [q.model_dump(mode="json") for q in self.questions]}
        if node == "draft_proposals":
            return {"changes": [c.model_dump(mode="json") for c in self.draft]}
        script = self.claims[claim]
        if node == "plan_queries":
            return {"queries": [q.model_dump(mode="json") for q in script.queries]}
        if node == "screen" and script.screen is not None:
            return {"findings": [s.model_dump(mode="json") for s in script.screen]}
        if node == "judge" and script.judge is not None:
            return script.judge.model_dump(mode="json")
        raise KeyError(f"scenario has no answer for task {task!r}")


def load_scenario(path: Path) -> Scenario:
    return Scenario.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
