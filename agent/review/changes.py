"""Accepted proposals turned into a new Line: pure functions, no files.

Each proposal kind has one function that returns the changed line. Text a
reviewer typed (an edit) goes through the same parsers as the model's text,
so a malformed anchor or date is refused with the proposal's ID.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.errors import ConflictError, InputError
from agent.line.arxiv_id import PREFIX, base_id, is_arxiv_id
from agent.line.citable import foreign_ids
from agent.line.dates import DATE_FORMS, parse_fuzzy_date
from agent.line.doi import cite_key
from agent.line.models import AnchorPaper, Claim, Flag, FuzzyDate, Line, SourceNote
from agent.proposals import Decision, DecisionKind, Proposal, ProposalKind, proposal_problems
from agent.sources.models import Paper

ANCHOR_FORM = f"{PREFIX}ID (YYYY-MM): Title"
# The ID is any run of non-space and is checked afterwards, so a malformed ID gets its own message.
_ANCHOR = re.compile(rf"\s*(?:{PREFIX})?(?P<id>\S+)\s+\((?P<date>[^)]*)\):\s*(?P<title>\S.*?)\s*", re.IGNORECASE | re.DOTALL)
# Anything shaped like a date counts as one (and must then parse), so '(2027-13)' is an error, not text.
_DATE_SHAPE = re.compile(r"(?:~\s*|(?:circa|ca\.|c\.)\s+)?\d{4}(?:-\d{1,2}(?:-\d{1,2})?)?", re.IGNORECASE | re.ASCII)
_TRAILING_DATE = re.compile(r"^(?P<text>.*\S)\s*\((?P<date>[^()]*)\)\.?\s*$", re.DOTALL)


@dataclass(frozen=True)
class Accepted:
    """A proposal a reviewer accepted, with the text to apply (the reviewer's, if edited)."""

    proposal: Proposal
    decision: Decision

    @property
    def after(self) -> str:
        edited = self.decision.edited_after if self.decision.kind is DecisionKind.EDIT else None
        return (edited if edited is not None else self.proposal.after).strip()


def accepted(proposals: list[Proposal], decisions: dict[str, Decision]) -> list[Accepted]:
    """Accepted and edited proposals in draft order."""
    keep = (DecisionKind.ACCEPT, DecisionKind.EDIT)
    return [Accepted(p, decisions[p.id]) for p in proposals if p.id in decisions and decisions[p.id].kind in keep]


def written_texts(item: Accepted) -> dict[str, str]:
    """Every text of an accepted proposal that reaches a line file or an export, by field."""
    p = item.proposal
    texts = {"after": item.after, "target": p.target, "rationale": p.rationale, "new_date": p.new_date or ""}
    for n, e in enumerate(p.evidence, start=1):
        texts |= {f"evidence {n} id": e.arxiv_id, f"evidence {n} title": e.title, f"evidence {n} quote": e.quote}
    return texts


def foreign_citations(item: Accepted, verified: set[str]) -> list[str]:
    """'field: ID' for every identifier (however encoded, see agent.line.citable) outside `verified`."""
    found = []
    for where, text in written_texts(item).items():
        if where.endswith(" id"):  # an evidence ID is one ID as written (a version folded), not free text
            ids = [] if base_id(text) in verified else [base_id(text)]
        else:
            ids = foreign_ids(text, verified)
        found += [f"{where}: {i}" for i in ids]
    return found


def refuse_foreign_citations(items: list[Accepted], verified: set[str], run_id: str) -> None:
    """ConflictError naming each accepted proposal whose text cites a paper the run did not retrieve."""
    bad = {item.proposal.id: found for item in items if (found := foreign_citations(item, verified))}
    if bad:
        detail = "; ".join(f"{pid} ({', '.join(found)})" for pid, found in bad.items())
        raise ConflictError(
            f"run {run_id}: accepted text cites arXiv IDs the run never retrieved, so nothing was written: {detail}",
            hint="Only papers the run retrieved may be cited. Reject or edit the proposal while its review is open, or re-run the line.",
        )


def split_claim_text(text: str, default_date: str | None) -> tuple[str, str | None]:
    """A claim text and its date: a trailing '(~2026)' in the text wins over `default_date`."""
    match = _TRAILING_DATE.match(text)
    if match and _DATE_SHAPE.fullmatch(match["date"].strip()):
        return match["text"].strip(), match["date"].strip()
    return text.strip(), default_date


def parse_anchor_text(text: str, proposal_id: str) -> tuple[str, FuzzyDate, str]:
    """(arXiv ID, cited date, title) from 'arXiv:ID (YYYY-MM): Title'."""
    match = _ANCHOR.fullmatch(text)
    if not match:
        raise InputError(f"proposal {proposal_id}: {text!r} is not an anchor", hint=f"Write it as {ANCHOR_FORM}.")
    if not is_arxiv_id(match["id"]):
        raise InputError(
            f"proposal {proposal_id}: {match['id']!r} is not an arXiv ID", hint=f"Write it as {ANCHOR_FORM}, e.g. arXiv:2501.16946 (2025-01): Title."
        )
    return match["id"], _date(match["date"], proposal_id), match["title"]


def check_text(proposal: Proposal, text: str) -> None:
    """Refuse text that the proposal's kind cannot apply (InputError naming the proposal)."""
    if not text.strip():
        raise InputError(f"proposal {proposal.id}: the new text is empty")
    if proposal.kind in (ProposalKind.ADD_ANCHOR, ProposalKind.REPLACE_ANCHOR):
        parse_anchor_text(text, proposal.id)
    elif proposal.kind is ProposalKind.REVISE_CLAIM:
        body, date = split_claim_text(text, proposal.new_date)
        if not body:
            raise InputError(f"proposal {proposal.id}: the claim text is empty")
        if date:
            _date(date, proposal.id)


def refuse_unappliable(proposal: Proposal, line: Line, decision: Decision, run_id: str) -> None:
    """InputError when an accept or edit of `proposal` could never be applied to the run's `line` (unknown target, no date)."""
    if decision.kind not in (DecisionKind.ACCEPT, DecisionKind.EDIT):
        return
    as_decided = proposal if decision.edited_after is None else proposal.model_copy(update={"after": decision.edited_after})
    # Checked again, not only read from the draft: a run saved before the check, or a reviewer's edit, is held to the same rule.
    problems = list(dict.fromkeys([*proposal.problems, *proposal_problems(as_decided, line)]))
    if decision.kind is DecisionKind.EDIT:
        problems = [p for p in problems if p != "its new text is empty" or not as_decided.after.strip()]
    if problems:
        raise InputError(
            f"proposal {proposal.id} cannot be accepted: {'; '.join(problems)}",
            hint=f"Reject it: retest review {run_id} --reject {proposal.id} --reason '...'",
        )


def refuse_unappliable_items(items: list[Accepted], line: Line, run_id: str) -> None:
    """InputError naming each accepted proposal that the run's own `line` could never take (accepted before the check existed)."""
    bad = {}
    for item in items:
        as_decided = item.proposal.model_copy(update={"after": item.after})
        if problems := proposal_problems(as_decided, line):
            bad[item.proposal.id] = "; ".join(problems)
    if bad:
        detail = "; ".join(f"{pid}: {why}" for pid, why in bad.items())
        raise InputError(
            f"run {run_id}: accepted proposals that no line could take, so nothing was written ({detail})",
            hint=f"The line file did not change: the proposals are invalid. Reopen the review and reject them: retest review {run_id} --reopen",
        )


def _date(text: str, proposal_id: str) -> FuzzyDate:
    try:
        return parse_fuzzy_date(text)
    except ValueError as exc:
        raise InputError(f"proposal {proposal_id}: {exc}", hint=f"Dates are written {DATE_FORMS}.") from None


def _next_id(prefix: str, ids: list[str]) -> str:
    numbers = [int(i[len(prefix) :]) for i in ids if i.startswith(prefix) and i[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1}"


def _missing(item: Accepted, what: str) -> InputError:
    return InputError(
        f"proposal {item.proposal.id}: the line has no {what} {item.proposal.target!r}",
        hint="The line file changed since the run; re-run on it, or apply to the original with --out.",
    )


def revise_claim(line: Line, item: Accepted) -> Line:
    text, date_text = split_claim_text(item.after, item.proposal.new_date)
    claims = list(line.prompt.claims)
    index = next((i for i, c in enumerate(claims) if c.id == item.proposal.target), None)
    if index is None:
        raise _missing(item, "claim")
    old = claims[index]
    claims[index] = Claim(id=old.id, text=text, date=_date(date_text, item.proposal.id) if date_text else old.date)
    return line.model_copy(update={"prompt": line.prompt.model_copy(update={"claims": claims})})


def add_note(line: Line, item: Accepted, papers: dict[str, Paper]) -> Line:
    title, sep, summary = item.after.partition(": ")
    evidence = item.proposal.evidence[0] if item.proposal.evidence else None
    if not sep:
        title, summary = (evidence.title if evidence and evidence.title else item.after), item.after
    published = (evidence.published or (papers[evidence.arxiv_id].published if evidence.arxiv_id in papers else None)) if evidence else None
    note = SourceNote(
        id=_next_id("N", [n.id for n in line.notes]),
        title=title.strip(),
        summary=summary.strip(),
        date=parse_fuzzy_date(published.isoformat()) if published else None,
        arxiv_id=evidence.arxiv_id if evidence else None,
    )
    return line.model_copy(update={"notes": [*line.notes, note]})


def set_anchor(line: Line, item: Accepted) -> Line:
    arxiv_id, date, title = parse_anchor_text(item.after, item.proposal.id)
    anchors = list(line.prompt.anchors)
    if item.proposal.kind is ProposalKind.ADD_ANCHOR:
        anchors.append(AnchorPaper(id=_next_id("A", [a.id for a in anchors]), arxiv_id=arxiv_id, cited_date=date, cited_title=title))
    else:
        index = next((i for i, a in enumerate(anchors) if a.id == item.proposal.target), None)
        if index is None:
            raise _missing(item, "anchor")
        anchors[index] = AnchorPaper(id=anchors[index].id, arxiv_id=arxiv_id, cited_date=date, cited_title=title)
    return line.model_copy(update={"prompt": line.prompt.model_copy(update={"anchors": anchors})})


def add_flag(line: Line, item: Accepted) -> Line:
    flag = Flag(id=_next_id("F", [f.id for f in line.flags]), target=item.proposal.target, text=item.after, reason=item.proposal.rationale)
    return line.model_copy(update={"flags": [*line.flags, flag]})


def add_question(line: Line, item: Accepted) -> Line:
    questions = [*line.prompt.proposed_questions, item.after]
    return line.model_copy(update={"prompt": line.prompt.model_copy(update={"proposed_questions": questions})})


def apply_one(line: Line, item: Accepted, papers: dict[str, Paper]) -> Line:
    """`line` with one accepted proposal applied."""
    kind = item.proposal.kind
    if kind is ProposalKind.REVISE_CLAIM:
        return revise_claim(line, item)
    if kind is ProposalKind.ADD_NOTE:
        return add_note(line, item, papers)
    if kind in (ProposalKind.ADD_ANCHOR, ProposalKind.REPLACE_ANCHOR):
        return set_anchor(line, item)
    if kind is ProposalKind.FLAG:
        return add_flag(line, item)
    return add_question(line, item)


def changelog_line(item: Accepted) -> str:
    """One changelog line: what was applied, who decided, on which evidence."""
    p, d = item.proposal, item.decision
    how = "edited and accepted" if d.kind is DecisionKind.EDIT else "accepted"
    evidence = ", ".join(cite_key(e.arxiv_id) for e in p.evidence) or "none"
    return f"{p.id} {p.kind} {p.target}: {how} by {d.reviewer}; evidence: {evidence}"
