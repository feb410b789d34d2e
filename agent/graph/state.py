"""Graph state: the run's state, the per-claim branch state, and their reducers."""

from __future__ import annotations

import datetime as dt
import operator
from typing import Annotated, TypedDict, TypeVar

from agent.graph.records import (
    AnchorCheck,
    ClaimResult,
    Contradiction,
    FramingRead,
    ResearchQuestion,
    UngroundedCitation,
    UsageRecord,
)
from agent.graph.since_last import SinceLastSummary
from agent.line.models import Claim, Line
from agent.proposals import Decision, Proposal
from agent.sources.models import Paper

K = TypeVar("K")
V = TypeVar("V")


def merge_dicts(left: dict[K, V] | None, right: dict[K, V] | None) -> dict[K, V]:
    """Parallel claim branches each add their own keys; later writes win per key."""
    return {**(left or {}), **(right or {})}


class RunState(TypedDict, total=False):
    """State of one run. Fields written by parallel branches carry reducers."""

    run_id: str
    line: Line
    run_date: dt.date
    anchor_checks: list[AnchorCheck]
    papers: Annotated[dict[str, Paper], merge_dicts]
    """Every paper retrieved and verified in this run, by base arXiv ID: the only citable ones."""
    verified_dois: Annotated[dict[str, str], merge_dicts]
    """DOIs a source (Crossref, OpenAlex, Semantic Scholar) resolved in this run, normal form -> that source: citable beside `papers`."""
    citation_searches: Annotated[dict[str, str], merge_dicts]
    """Forward-citation searches made (agent.graph.citations): what was asked -> what came of it, for the report."""
    sources_skipped: Annotated[dict[str, str], merge_dicts]
    """Sources a run with citations on did not consult (source -> why), for the report."""
    anchor_notices: Annotated[dict[str, str], merge_dicts]
    """Anchor arXiv ID (or DOI) -> retraction or correction notices a source holds for it (Crossref, OpenAlex), for the report."""
    claim_sources: Annotated[dict[str, list[str]], merge_dicts]
    """Claim without an arXiv anchor -> its likely sources found beyond arXiv, as the report shows them (agent.graph.nodes.find_source)."""
    claim_results: Annotated[dict[str, ClaimResult], merge_dicts]
    contradictions: list[Contradiction]
    questions: list[ResearchQuestion]
    framings: list[FramingRead]
    """Which contradicting papers show each kind of work a task asks for "especially" (propose_questions reads them)."""
    proposals: list[Proposal]
    ungrounded: list[UngroundedCitation]
    usage: Annotated[list[UsageRecord], operator.add]
    decisions: Annotated[dict[str, Decision], merge_dicts]
    failed_steps: Annotated[dict[str, str], merge_dicts]
    """Line-level steps whose model answer stayed unusable after the retry (node -> why); their output is empty, the run went on."""
    since_last: SinceLastSummary
    """With --since-last: what changed since the line's last run (agent.graph.since_last_changes), for the report and the next run."""


class ClaimState(TypedDict, total=False):
    """State of one claim's branch (plan_queries -> search -> screen -> judge)."""

    line: Line
    run_date: dt.date
    claim: Claim
    result: ClaimResult
    candidates_papers: list[Paper]
    papers: Annotated[dict[str, Paper], merge_dicts]
    claim_results: Annotated[dict[str, ClaimResult], merge_dicts]
    usage: Annotated[list[UsageRecord], operator.add]
    verified_dois: Annotated[dict[str, str], merge_dicts]
    citation_searches: Annotated[dict[str, str], merge_dicts]
    sources_skipped: Annotated[dict[str, str], merge_dicts]
    anchor_notices: Annotated[dict[str, str], merge_dicts]
    claim_sources: Annotated[dict[str, list[str]], merge_dicts]


class ClaimOutput(TypedDict, total=False):
    """What a claim branch hands back to the run: only keys with reducers, so branches merge."""

    papers: Annotated[dict[str, Paper], merge_dicts]
    claim_results: Annotated[dict[str, ClaimResult], merge_dicts]
    usage: Annotated[list[UsageRecord], operator.add]
    verified_dois: Annotated[dict[str, str], merge_dicts]
    citation_searches: Annotated[dict[str, str], merge_dicts]
    sources_skipped: Annotated[dict[str, str], merge_dicts]
    anchor_notices: Annotated[dict[str, str], merge_dicts]
    claim_sources: Annotated[dict[str, list[str]], merge_dicts]
