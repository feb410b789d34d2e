"""Retraction checks of every paper a proposal cites (issue 19, point 5c), run with the ground check.

The ground check decides which evidence survives; then, in a run with citation
sources on, each surviving cited paper (its evidence, and any DOI its text still
names: only a verified one survives the ground check) is asked about on every checker of the
run (Crossref by DOI, never for an arXiv DOI, which is DataCite's; OpenAlex's
`is_retracted` with its key). What a checker holds against a paper is stored on
the proposal itself (`Proposal.notices`), so the review (terminal, `--accept`,
the web page) shows it and asks for a confirmation without any network. A
proposal about an anchor carries the anchor's notices found earlier in the run
(`anchor_notices`, agent.graph.citations). Each paper is asked once per run.

The node keeps the name `ground_check` (agent.graph.build), so the graph's steps,
its progress bar and the review's reopen (`as_node="ground_check"`) are as before;
without citation sources it is the ground check alone and sends nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from agent.callsite import call_context
from agent.errors import ConfigError, ProviderError
from agent.events import emitting_to
from agent.graph.citations import anchor_ref, notice_text
from agent.graph.context import CitationService, RunContext, run_line, services
from agent.graph.nodes.ground_check import ground_check
from agent.graph.state import RunState
from agent.line.doi import ARXIV_DOI_PREFIX, DOI_KEY, dois_in
from agent.line.models import Line
from agent.proposals import PaperNotice, Proposal

RETRACTED_MARK = "retracted ("  # how notice_text starts a retraction, in a note of the anchor check


def _asked(checkers: CitationService, paper: str, searches: dict[str, str]) -> list[PaperNotice]:
    """What every checker holds against one cited paper (its run key: an arXiv ID or doi:<doi>)."""
    ref = anchor_ref(paper)
    if ref is None:
        return []
    found = []
    for checker in checkers.checkers:
        try:
            work = checker.resolve(ref)
        except (ProviderError, ConfigError) as exc:
            searches[f"retraction check of {paper} ({checker.name})"] = f"failed: {exc.message}"
            continue
        said = notice_text(work) if work is not None else None
        if said:
            found.append(
                PaperNotice(
                    paper=paper, text=f"{checker.name}: {said}", retracted=bool(work and (work.retracted or any(n.is_retraction for n in work.notices)))
                )
            )
    return found


def cited(proposal: Proposal) -> list[str]:
    """The papers a proposal cites, by run key: its evidence, and each DOI its text names (a flag may cite one there)."""
    named = [f"{DOI_KEY}{doi}" for doi in dois_in(f"{proposal.after} {proposal.rationale}") if not doi.startswith(ARXIV_DOI_PREFIX)]
    return list(dict.fromkeys([*(item.arxiv_id for item in proposal.evidence), *named]))


def _anchor_notices(proposal: Proposal, line: Line, anchor_notices: Mapping[str, str]) -> list[PaperNotice]:
    """The notices of the anchor a proposal is about (an anchor correction or a flag on it)."""
    for anchor in line.prompt.anchors:
        said = anchor_notices.get(anchor.arxiv_id)
        if anchor.id == proposal.target and said:
            return [PaperNotice(paper=anchor.arxiv_id, text=said, retracted=RETRACTED_MARK in said)]
    return []


def with_notices(
    proposals: Sequence[Proposal], checkers: CitationService, line: Line, anchor_notices: Mapping[str, str]
) -> tuple[list[Proposal], dict[str, str]]:
    """Each proposal with the notices on what it cites, and the checks that failed (for the report)."""
    asked: dict[str, list[PaperNotice]] = {}
    failures: dict[str, str] = {}
    out = []
    for proposal in proposals:
        notices = _anchor_notices(proposal, line, anchor_notices)
        for paper in cited(proposal):
            if paper not in asked:
                asked[paper] = _asked(checkers, paper, failures)
            notices += [n for n in asked[paper] if n not in notices]
        out.append(proposal.model_copy(update={"notices": notices}) if notices else proposal)
    return out, failures


def ground_and_check(state: RunState, runtime: Runtime[RunContext]) -> dict:
    """The ground check, then (with citation sources on) the retraction check of every paper the proposals still cite."""
    checked = ground_check(state, runtime)
    ctx = services(runtime)
    if ctx.citations is None or not ctx.citations.checkers:
        return checked
    with call_context(node="ground_check"), emitting_to(get_stream_writer()):
        proposals, failures = with_notices(checked["proposals"], ctx.citations, run_line(state, runtime), state.get("anchor_notices", {}))
    return {**checked, "proposals": proposals, **({"citation_searches": failures} if failures else {})}
