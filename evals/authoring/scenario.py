"""A scenario: the hand-written answers behind one generated cassette.

A scenario names a line, a run date and, for every request the run will
make, what the service answers: which real arXiv papers each claim's searches
return (and any errors first), and what each model task answers. The builder
(build_cassette.py) runs the real graph against these answers and writes what
crossed the wire, in the services' real formats, as a cassette. A scenario may
name a `base:` scenario and state only how it differs (see `scenario_data`).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from agent.graph.answers import AnchorReading, DraftedChange, FramingAnswer, Judgement, PlannedQuery, ProposedQuestion, Screened

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


class ScenarioQuestion(ProposedQuestion):
    part: str | None = None  # a question of a task that names no sub-questions has none


class ArxivScript(_Spec):
    versions: dict[str, int] = Field(default_factory=dict, description="Current version of a paper when above 1.")
    summaries: dict[str, str] = Field(default_factory=dict, description="Abstract text overriding the catalog's (e.g. an injected instruction).")
    malformed: list[str] = Field(default_factory=list, description="IDs arXiv rejects with HTTP 400 (a batch holding one is rejected whole).")


class Scenario(_Spec):
    line: Path
    cassette: Path
    run_date: dt.date
    arxiv_from: Literal["scenario", "index"] = Field(
        default="scenario",
        description="Who answers arXiv: the scenario's lists (build_cassette.py) or the local index stand-in (record_against_index.py).",
    )
    models: dict[str, str] | None = Field(default=None, description="Role -> model string; default: Retest's defaults.")
    arxiv: ArxivScript = Field(default_factory=ArxivScript)
    claims: dict[str, ClaimScript]
    read_anchors: list[AnchorReading] | None = Field(
        default=None, description="What read_anchors answers: each verified anchor's claim(s) and fit, written by hand after reading it."
    )
    questions: list[ScenarioQuestion] = Field(default_factory=list)
    framings: list[FramingAnswer] = Field(default_factory=list, description="Which contradicting papers show each kind of work a task asks for especially.")
    draft: list[DraftedChange] = Field(default_factory=list)
    raw_first: dict[str, list[str]] = Field(default_factory=dict, description="Task -> raw answer texts sent before the scripted one (e.g. invalid JSON).")

    def answer(self, task: str, sent: str = "") -> Any:
        """The scripted answer for a task such as 'screen C2' or 'draft_proposals'; `sent` is the request's body.

        plan_claims answers for the claims the request lists (in `sent`), each with its script's queries,
        as a careful planner would: every claim asked for, once, and no other.
        """
        node, _, claim = task.partition(" ")
        if node == "plan_claims":
            asked = dict.fromkeys(re.findall(r'label=\\?"claim (C\d+)\\?"', sent))
            return {"claims": [{"claim_id": c, **self.answer(f"plan_queries {c}")} for c in asked if c in self.claims]}
        if node == "read_anchors" and self.read_anchors is not None:
            return {"anchors": [r.model_dump(mode="json") for r in self.read_anchors]}
        if node == "read_anchors":
            raise KeyError(f"scenario has no answer for task {task!r} (add read_anchors:)")
        if node == "propose_questions":
            return {"questions": [q.model_dump(mode="json") for q in self.questions], "framings": [f.model_dump(mode="json") for f in self.framings]}
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


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`override` laid over `base`: mappings merge key by key, anything else (lists too) replaces."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def scenario_data(path: Path, *, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The scenario's YAML with its `base:` chain resolved.

    `base: other.yaml` (relative to this file) starts from another scenario and
    changes only what differs, e.g. one claim's `down: true` or a new `line`;
    a variant thereby states exactly how it departs from the run it is built on.
    """
    resolved = path.resolve()
    if resolved in _seen:
        raise ValueError(f"{path}: scenario bases form a cycle")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    base = data.pop("base", None)
    if base is None:
        return data
    return merge(scenario_data(path.parent / base, _seen=(*_seen, resolved)), data)


def load_scenario(path: Path) -> Scenario:
    return Scenario.model_validate(scenario_data(path))
