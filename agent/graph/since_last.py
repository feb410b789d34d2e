"""Re-testing since the last run (`retest run --since-last`, issue 20): what the last run left, and the plan built from it.

The plan is built before the run (agent.incremental) from the line's last finished run and handed to the
graph in the run's context. An unchanged claim (same text, same date) keeps its last run's queries, is
searched only in the window after that run's date (less an overlap for late-indexed papers), has only papers
it never screened screened, and is judged on its old findings plus the new ones; with nothing new it is not
judged again and keeps its verdict. A claim whose text or date changed, a new claim, and a claim whose last
search did not finish are re-tested in full. What came of it is kept in the state (`SinceLastSummary`) for
the report and for the next run's plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agent.graph.records import AnchorCheck, ClaimResult, Finding, Stance, VerdictKind
from agent.line.models import Claim, Line
from agent.proposals import Decision, DecisionKind, Proposal
from agent.sources.models import Paper

DEFAULT_OVERLAP_DAYS = 7
Standing = Literal["rejected", "accepted", "pending"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class ClaimPrior(_Frozen):
    """An unchanged claim's last result, under this run's claim ID."""

    claim_id: str
    previous_id: str = Field(description="Its ID in the last run (IDs follow file order, so an inserted claim shifts them).")
    result: ClaimResult
    screened: list[str] = Field(default_factory=list, description="Every paper ever screened for it: never screened again.")
    papers: list[Paper] = Field(default_factory=list, description="The papers of its findings, citable again in this run.")

    @property
    def finding_ids(self) -> set[str]:
        return {f.arxiv_id for f in self.result.findings}


class KnownProposal(_Frozen):
    """A proposal an earlier run made, and where it stands: not proposed again unless new evidence changes it."""

    run_id: str
    proposal: Proposal
    standing: Standing
    decided_at: dt.datetime | None = None
    reason: str = ""


class SinceLast(_Frozen):
    """The plan of a since-last run: the previous run, the window, and what each claim carries from it."""

    previous_run_id: str
    previous_run_date: dt.date
    overlap_days: int = DEFAULT_OVERLAP_DAYS
    claims: dict[str, ClaimPrior] = Field(default_factory=dict, description="Unchanged claims, by this run's ID.")
    full: dict[str, str] = Field(default_factory=dict, description="Claims re-tested in full -> why.")
    previous_verdicts: dict[str, VerdictKind] = Field(default_factory=dict, description="The last run's verdict per claim, by this run's ID.")
    previous_anchors: dict[str, AnchorCheck] = Field(default_factory=dict, description="The last run's anchor checks, by arXiv ID.")
    anchor_versions: dict[str, int] = Field(default_factory=dict, description="Each anchor's version the last run saw, by arXiv ID.")
    known: list[KnownProposal] = Field(default_factory=list)

    @property
    def since(self) -> dt.date:
        """Where an unchanged claim's window starts: the last run's date, less the overlap."""
        return self.previous_run_date - dt.timedelta(days=self.overlap_days)


class ClaimChange(_Frozen):
    """What became of one claim since the last run."""

    claim_id: str
    mode: Literal["carried", "re-judged", "full"]
    before: VerdictKind | None = None
    after: VerdictKind | None = None
    why_full: str = ""
    new_papers: list[str] = Field(default_factory=list, description="Papers screened for the first time.")
    moved_by: list[str] = Field(default_factory=list, description="New papers with a relevant finding: what moved (or re-judged) the verdict.")
    contradicting: list[str] = Field(default_factory=list, description="New papers that contradict the claim.")
    searched: list[str] = Field(default_factory=list, description="Each query with its window, as sent.")
    retested: bool = Field(default=True, description="False for a claim this run could not re-test (dated after the run date).")

    @property
    def moved(self) -> bool:
        return self.before != self.after


class AnchorChange(_Frozen):
    anchor_id: str
    arxiv_id: str
    what: str


class SinceLastSummary(_Frozen):
    """What a since-last run changed, kept in its state: the report opens with it, the next plan builds on it."""

    previous_run_id: str
    previous_run_date: dt.date
    since: dt.date
    until: dt.date
    claims: list[ClaimChange] = Field(default_factory=list)
    anchors: list[AnchorChange] = Field(default_factory=list)
    not_repeated: list[str] = Field(default_factory=list, description="Proposals drafted again and left out, with why.")
    screened: dict[str, list[str]] = Field(default_factory=dict, description="Claim ID -> every paper screened for it so far.")
    known: list[KnownProposal] = Field(default_factory=list, description="Every proposal made so far and where it stands.")

    @property
    def changed(self) -> bool:
        return any(c.moved or (c.mode == "full" and c.retested) for c in self.claims) or bool(self.anchors)


def _same(claim: Claim, other: Claim) -> bool:
    return claim.text.strip() == other.text.strip() and claim.date.text.strip() == other.date.text.strip()


def _remapped(result: ClaimResult, claim_id: str) -> ClaimResult:
    findings = [f.model_copy(update={"claim_id": claim_id}) for f in result.findings]
    verdict = result.verdict.model_copy(update={"claim_id": claim_id}) if result.verdict else None
    return result.model_copy(update={"claim_id": claim_id, "findings": findings, "verdict": verdict})


def _why_full(result: ClaimResult | None) -> str | None:
    """Why a claim whose text and date are unchanged still needs a full re-test; None when it can be carried."""
    if result is None or result.verdict is None:
        return "the last run has no verdict for it"
    if result.error or not result.retestable:
        return "its last re-test did not finish"
    if not any(q.error is None for q in result.queries):
        return "its last search sent no query"
    return None


def known_proposals(run_id: str, state: Mapping[str, Any], earlier: list[KnownProposal] | None = None) -> list[KnownProposal]:
    """`earlier`, then the proposals of run `run_id` (its graph state, with the decisions in force) and where each stands."""
    decisions: dict[str, Decision] = state.get("decisions", {})
    known = list(earlier or [])
    for p in state.get("proposals", []):
        d = decisions.get(p.id)
        if d is None or d.kind is DecisionKind.UNDO:
            known.append(KnownProposal(run_id=run_id, proposal=p, standing="pending"))
        else:
            standing: Standing = "rejected" if d.kind is DecisionKind.REJECT else "accepted"
            known.append(KnownProposal(run_id=run_id, proposal=p, standing=standing, decided_at=d.at, reason=d.reason))
    return known


def build_plan(
    line: Line,
    previous_run_id: str,
    previous_run_date: dt.date,
    state: Mapping[str, Any],
    *,
    overlap_days: int = DEFAULT_OVERLAP_DAYS,
    earlier: list[KnownProposal] | None = None,
) -> SinceLast:
    """The since-last plan for `line` from the last run's id, date and graph state (with its line and decisions).

    `earlier`: the proposals of the line's older runs; by default those the last run knew of (a since-last run keeps them).
    """
    prior_line: Line | None = state.get("line")
    results: dict[str, ClaimResult] = state.get("claim_results", {})
    papers: dict[str, Paper] = state.get("papers", {})
    summary: SinceLastSummary | None = state.get("since_last")
    screened_before = summary.screened if summary else {}
    prior_claims = prior_line.prompt.claims if prior_line else []
    claims: dict[str, ClaimPrior] = {}
    full: dict[str, str] = {}
    verdicts: dict[str, VerdictKind] = {}
    for claim in line.prompt.claims:
        match = next((c for c in prior_claims if _same(claim, c)), None)
        same_id = next((c for c in prior_claims if c.id == claim.id), None)
        before = results.get(match.id) if match else results.get(claim.id) if same_id else None
        if before is not None and before.verdict is not None:
            verdicts[claim.id] = before.verdict.verdict
        if match is None:
            full[claim.id] = "its text or date changed since the last run" if same_id else "it is new since the last run"
            continue
        why = _why_full(before)
        if why is not None or before is None:
            full[claim.id] = why or "the last run has no result for it"
            continue
        seen = {c.arxiv_id for c in before.candidates if c.newer} | set(screened_before.get(match.id, []))
        result = _remapped(before, claim.id)
        cited = [papers[i] for i in sorted(result_ids(result)) if i in papers]
        claims[claim.id] = ClaimPrior(claim_id=claim.id, previous_id=match.id, result=result, screened=sorted(seen), papers=cited)
    anchors = {a.arxiv_id: a for a in state.get("anchor_checks", [])}
    versions = {i: papers[i].version or 1 for i in anchors if i in papers}
    return SinceLast(
        previous_run_id=previous_run_id,
        previous_run_date=previous_run_date,
        overlap_days=overlap_days,
        claims=claims,
        full=full,
        previous_verdicts=verdicts,
        previous_anchors=anchors,
        anchor_versions=versions,
        known=known_proposals(previous_run_id, state, earlier if earlier is not None else summary.known if summary else []),
    )


def result_ids(result: ClaimResult) -> set[str]:
    """The papers a result's findings and verdict rest on."""
    return {f.arxiv_id for f in result.findings} | set(result.verdict.cited_ids if result.verdict else [])


def relevant(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.stance is not Stance.UNRELATED]


def new_relevant(prior: ClaimPrior, findings: list[Finding]) -> list[Finding]:
    """Relevant findings on papers the claim had no finding for: what may move its verdict."""
    old = prior.finding_ids
    return [f for f in relevant(findings) if f.arxiv_id not in old]


def same_version_check(plan: SinceLast | None, anchor_id: str, arxiv_id: str, cited: tuple[str, str], found: Paper | None) -> AnchorCheck | None:
    """The last run's check of an anchor arXiv still serves in the version it saw, cited as then; None when it must be checked again.

    `cited` is the anchor's (title, date text) as the line cites it now: a corrected citation is checked again.
    """
    if plan is None or found is None:
        return None
    before = plan.previous_anchors.get(arxiv_id)
    if before is None or before.status != "found" or (before.cited_title, before.cited_date) != cited:
        return None
    if (found.version or 1) != plan.anchor_versions.get(arxiv_id):
        return None
    return before.model_copy(update={"anchor_id": anchor_id, "fits": [f.model_copy(update={"anchor_id": anchor_id}) for f in before.fits]})
