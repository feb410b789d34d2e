"""How one proposal looks in the terminal: the change as a diff, why, the evidence, the verdict.

Model and paper text is untrusted: it is always wrapped in rich `Text`, never
parsed as console markup, so a '[bold]' in an abstract prints as written.
"""

from __future__ import annotations

import difflib
import re

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from agent.graph.records import Stance
from agent.line.doi import DOI_KEY, cite_key
from agent.proposals import Decision, Proposal, ProposalKind
from agent.review.changes import split_claim_text
from agent.review.review_run import ReviewRun

_CLAUSE_END = re.compile(r"(?<=[,;:.!?])\s+")
_DIFF_KINDS = (ProposalKind.REVISE_CLAIM, ProposalKind.REPLACE_ANCHOR)


def after_text(proposal: Proposal) -> str:
    """The proposed text as it would read in the line (a revised claim with its new date)."""
    if proposal.kind is ProposalKind.REVISE_CLAIM:
        text, date = split_claim_text(proposal.after, proposal.new_date)
        return f"{text} ({date})" if date else text
    return proposal.after


def diff_lines(before: str, after: str) -> list[str]:
    """A unified diff of two texts, one clause per line so that a changed phrase stands out."""
    return list(difflib.unified_diff(_CLAUSE_END.split(before), _CLAUSE_END.split(after), "before", "after", lineterm="", n=1))


def _diff(before: str, after: str) -> Text:
    text = Text()
    for line in diff_lines(before, after):
        style = "red" if line.startswith("-") else "green" if line.startswith("+") else "dim"
        text.append(line + "\n", style=style)
    return text


def concerned_claims(review: ReviewRun, proposal: Proposal) -> list[str]:
    """The claims a proposal is about: its target, an anchor's claims, a question's motives, or its evidence's."""
    claim_ids = [c.id for c in review.line.prompt.claims]
    if proposal.target in claim_ids:
        return [proposal.target]
    for check in review.state.get("anchor_checks", []):
        if check.anchor_id == proposal.target:
            return list(check.claims)
    for question in review.state.get("questions", []):
        if question.text == proposal.after:
            return list(question.motivated_by)
    cited = {e.arxiv_id for e in proposal.evidence}
    results = review.claim_results
    return [cid for cid in claim_ids if cid in results and any(f.arxiv_id in cited and f.stance is not Stance.UNRELATED for f in results[cid].findings)]


def _verdicts(review: ReviewRun, proposal: Proposal) -> Text:
    text = Text()
    results = review.claim_results
    for cid in concerned_claims(review, proposal):
        verdict = results[cid].verdict if cid in results else None
        text.append(f"{cid}: ", style="bold")
        text.append(str(verdict.verdict) if verdict else "not judged", style="bold magenta")
        text.append(f" — {verdict.rationale}\n" if verdict else "\n")
    return text if text.plain else Text("no claim verdict bears on this proposal\n", style="dim")


def _evidence(proposal: Proposal) -> Text:
    text = Text()
    for e in proposal.evidence:
        text.append(cite_key(e.arxiv_id), style="bold cyan")
        text.append(f"  {e.title}" + (f" ({e.published})" if e.published else "") + "\n")
        link = f"https://doi.org/{e.arxiv_id[len(DOI_KEY) :]}" if e.arxiv_id.startswith(DOI_KEY) else f"https://arxiv.org/abs/{e.arxiv_id}"
        text.append(f"  {link}\n", style="blue")
        if e.quote:
            text.append(f'  "{e.quote}"\n', style="italic")
    return text if text.plain else Text("no paper cited\n", style="dim")


def _decision(decision: Decision) -> Text:
    line = f"decided: {decision.kind} by {decision.reviewer} at {decision.at:%Y-%m-%d %H:%M}"
    return Text(line + (f" ({decision.reason})" if decision.reason else ""), style="yellow")


def proposal_view(review: ReviewRun, proposal: Proposal, position: int, total: int) -> RenderableType:
    """One proposal as a panel; `position` counts from 1 within this sitting's queue."""
    title = Text(f"{proposal.id} ({position} of {total}) · {proposal.kind} · {proposal.target}")
    if not proposal.grounded:
        title.append("  NOT GROUNDED", style="bold red")
    if proposal.problems:
        title.append("  CANNOT BE APPLIED", style="bold red")
    if proposal.retracted_papers:
        title.append("  CITES A RETRACTED PAPER", style="bold red")
    parts: list[RenderableType] = [Text("Change", style="bold underline")]
    if proposal.kind in _DIFF_KINDS and proposal.before:
        parts.append(_diff(proposal.before, after_text(proposal)))
    else:
        if proposal.before:
            parts.append(Text("concerns: " + proposal.before, style="dim"))
        parts.append(Text("+ " + after_text(proposal) + "\n", style="green"))
    parts += [Text("Why", style="bold underline"), Text(proposal.rationale + "\n")]
    if proposal.problems:
        parts.append(Text("cannot be applied (reject it): " + "; ".join(proposal.problems) + "\n", style="bold red"))
    if proposal.removed_ids:
        parts.append(Text("citations removed by the ground check: " + ", ".join(proposal.removed_ids) + "\n", style="red"))
    parts += [Text("Evidence", style="bold underline"), _evidence(proposal)]
    for notice in proposal.notices:  # found in the run by the citation sources (issue 19); review asks no network
        parts.append(
            Text(f"{'RETRACTED' if notice.retracted else 'notice'}: {notice.paper}: {notice.text}\n", style="bold red" if notice.retracted else "yellow")
        )
    parts += [Text("Verdict", style="bold underline"), _verdicts(review, proposal)]
    decision = review.decisions.get(proposal.id)
    if decision:
        parts.append(_decision(decision))
    return Panel(Group(*parts), title=title, title_align="left")
