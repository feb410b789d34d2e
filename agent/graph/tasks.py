"""The graph's model tasks, declared once: which node asks, which role answers, with what schema.

A task's prompt file is `prompts/<node>.md`; `RunContext.ask(task, ...)` renders
it, calls the role's model and accounts for the call under the node's name.
Adding a model-calling node is one entry here, its prompt file and its schema
in answers.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel

from agent.config import Role
from agent.graph.answers import AnchorReadings, DraftSet, Judgement, LinePlan, QueryPlan, QuestionSet, ScreeningBatch

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True)
class ModelTask(Generic[T]):
    """One model call a node makes: the node, the role whose model answers, the answer's schema."""

    node: str
    role: Role
    schema: type[T]

    @property
    def prompt(self) -> str:
        """The prompt file's name (prompts/<name>.md): the node's own."""
        return self.node


READ_ANCHORS = ModelTask("read_anchors", "screener", AnchorReadings)  # one call per line: links and fits of every verified anchor
PLAN_CLAIMS = ModelTask("plan_claims", "planner", LinePlan)  # one call per line: every claim's queries, before the fan-out
PLAN_QUERIES = ModelTask("plan_queries", "planner", QueryPlan)  # one claim's: with planning=claim, or for a claim the line's plan left out
SCREEN = ModelTask("screen", "screener", ScreeningBatch)
JUDGE = ModelTask("judge", "judge", Judgement)
PROPOSE_QUESTIONS = ModelTask("propose_questions", "writer", QuestionSet)
DRAFT_PROPOSALS = ModelTask("draft_proposals", "writer", DraftSet)
TASKS: tuple[ModelTask[BaseModel], ...] = (READ_ANCHORS, PLAN_CLAIMS, PLAN_QUERIES, SCREEN, JUDGE, PROPOSE_QUESTIONS, DRAFT_PROPOSALS)  # type: ignore[assignment]
