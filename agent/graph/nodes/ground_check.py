"""ground_check: no proposal may cite a paper this run did not retrieve and verify.

Every text field of every proposal (after, rationale, target, new_date, the
evidence's titles and quotes) is read through agent.line.citable, so an ID
hidden by emphasis, an escape, an entity, a full-width or invisible character
is found like a plain one. Only the run's retrieved papers (their IDs, never
anything their titles or abstracts say) are citable. Anything else is removed
and reported as an ungrounded citation, never silently; so is evidence whose
quote is too short to carry a claim. `before` is the line's own text, drafted
by code, and is left as it is. The research questions kept in the state are
scrubbed too (they are reported through their add_question proposals). Last,
each proposal is checked against the line (`proposal_problems`: a known
target, a date that parses, some text); one with problems can only be rejected.

DOIs are citations too: one a source resolved in this run (`verified_dois`, or
the arXiv DOI of a retrieved paper) stays; any other DOI is removed and
reported like an unretrieved arXiv ID. A DOI nothing resolved grounds nothing.
"""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent.graph.claim_dates import as_claim_date
from agent.graph.context import RunContext, run_line
from agent.graph.evidence import MIN_QUOTE_WORDS, base_id, foreign_ids, quote_in, quote_words
from agent.graph.records import ResearchQuestion, UngroundedCitation
from agent.graph.state import RunState
from agent.line.citable import foreign_dois, scrub_citable
from agent.line.models import Line
from agent.proposals import Evidence, Proposal, ProposalKind, proposal_problems
from agent.sources.models import Paper

_NEEDS_EVIDENCE = (ProposalKind.REVISE_CLAIM, ProposalKind.ADD_NOTE, ProposalKind.ADD_ANCHOR, ProposalKind.REPLACE_ANCHOR)
# Anchor corrections are drafted by code from the arXiv lookup: the paper itself is the evidence, no quote needed.
_QUOTE_FREE = (ProposalKind.ADD_ANCHOR, ProposalKind.REPLACE_ANCHOR)


def dated_by(proposal: Proposal, paper: Paper, line: Line | None) -> bool:
    """True for a revision that keeps its claim's wording and moves its date to `paper`'s first submission.

    Such a revision is grounded by the paper's retrieved date (agent.graph.claim_dates), not by a quote: no abstract
    states its own date. Any other new date still needs a quote that supports it.
    """
    if proposal.kind is not ProposalKind.REVISE_CLAIM or not proposal.new_date or line is None:
        return False
    claim = next((c for c in line.prompt.claims if c.id == proposal.target), None)
    if claim is None or " ".join(proposal.after.split()) != " ".join(claim.text.split()):
        return False
    return proposal.new_date == as_claim_date(paper.published.strftime("%Y-%m"), claim.date)


def _unusable(proposal: Proposal, item: Evidence, paper: Paper | None, quote_free: bool = False) -> str | None:
    """Why `item` grounds nothing, or None when it is usable."""
    if paper is None:
        return "not retrieved in this run"
    if item.quote and not quote_in(item.quote, paper.summary):
        return "quote not found in the abstract"
    if not quote_free and proposal.kind not in _QUOTE_FREE and quote_words(item.quote) < MIN_QUOTE_WORDS:
        return f"quote too short to ground anything (fewer than {MIN_QUOTE_WORDS} words)"
    return None


def _evidence(proposal: Proposal, papers: dict[str, Paper], dois: set[str], report: list[UngroundedCitation], line: Line | None) -> list[Evidence]:
    verified = set(papers)
    kept = []
    for item in proposal.evidence:
        arxiv_id = base_id(item.arxiv_id)
        paper = papers.get(arxiv_id)
        reason = _unusable(proposal, item, paper, quote_free=paper is not None and dated_by(proposal, paper, line))
        if reason:
            report.append(UngroundedCitation(proposal_id=proposal.id, arxiv_id=arxiv_id, where="evidence", reason=reason))
            continue
        assert paper is not None  # _unusable says so when it is not
        # A retrieved abstract or title can itself name other IDs (an injected one, say): those are data, not citations.
        quote, in_quote = scrub_citable(item.quote, verified, dois)
        title, in_title = scrub_citable(paper.title, verified, dois)
        report += [
            UngroundedCitation(proposal_id=proposal.id, arxiv_id=i, where="evidence quote", reason="named inside a quote, not retrieved") for i in in_quote
        ]
        report += [
            UngroundedCitation(proposal_id=proposal.id, arxiv_id=i, where="evidence title", reason="named inside a paper's title, not retrieved")
            for i in in_title
        ]
        kept.append(item.model_copy(update={"arxiv_id": arxiv_id, "quote": quote, "title": title, "published": paper.published}))
    return kept


def check_proposal(
    proposal: Proposal, papers: dict[str, Paper], dois: set[str] | None = None, line: Line | None = None
) -> tuple[Proposal, list[UngroundedCitation]]:
    """The proposal with every citation not retrieved in this run removed, and the removals.

    `dois` are the DOIs a source resolved in this run; a retrieved paper's arXiv DOI counts without being listed.
    `line` lets a date-only revision be grounded by its paper's date (`dated_by`).
    """
    verified, dois = set(papers), set(dois or ())
    report: list[UngroundedCitation] = []
    evidence = _evidence(proposal, papers, dois, report, line)
    update: dict = {}
    for where in ("after", "rationale", "target"):
        text, removed = scrub_citable(getattr(proposal, where), verified, dois)
        update[where] = text
        report += [UngroundedCitation(proposal_id=proposal.id, arxiv_id=i, where=where, reason="not retrieved in this run") for i in removed]
    new_date = proposal.new_date
    foreign = [*foreign_ids(new_date, verified), *foreign_dois(new_date, verified, dois)] if new_date is not None else []
    if foreign:
        # A date with a citation in it is no date: dropped, so the claim keeps its own (or the after text's).
        report += [UngroundedCitation(proposal_id=proposal.id, arxiv_id=i, where="new_date", reason="not retrieved in this run") for i in foreign]
        new_date = None
    needs_evidence = proposal.kind in _NEEDS_EVIDENCE
    grounded = not report and (bool(evidence) or not needs_evidence)
    checked = proposal.model_copy(
        update={
            **update,
            "new_date": new_date,
            "evidence": evidence,
            "grounded": grounded,
            "removed_ids": list(dict.fromkeys(r.arxiv_id for r in report)),
        }
    )
    return checked, report


def _scrubbed_questions(questions: list[ResearchQuestion], verified: set[str], dois: set[str]) -> list[ResearchQuestion]:
    # Every question is also an add_question proposal, checked (and its removals reported) above; the
    # state's own copy is what the report, the exports and the eval read, so it must not keep the ID either.
    return [q.model_copy(update={"text": scrub_citable(q.text, verified, dois)[0]}) for q in questions]


def ground_check(state: RunState, runtime: Runtime[RunContext] | None = None) -> dict:
    papers = state.get("papers", {})
    dois = set(state.get("verified_dois", {}))
    line = run_line(state, runtime) if runtime is not None else state["line"]  # a unit test may call it with the state alone
    proposals, report = [], []
    for proposal in state.get("proposals", []):
        checked, found = check_proposal(proposal, papers, dois, line)
        # Checked after the scrub, so a target or date that held a citation is judged as it will be shown.
        proposals.append(checked.model_copy(update={"problems": proposal_problems(checked, line)}))
        report.extend(found)
    return {"proposals": proposals, "ungrounded": report, "questions": _scrubbed_questions(state.get("questions", []), set(papers), dois)}
