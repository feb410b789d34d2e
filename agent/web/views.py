"""What the pages show, as plain data: word diffs, quotes found in abstracts, verdicts, runs at a glance.

Nothing here builds HTML: every text is handed to the templates as a string
and escaped there (autoescape), so an abstract holding `<script>` or a forged
link prints as written. Links are built only from arXiv IDs that parse.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote as url_quote

from agent.line.arxiv_id import base_id, is_arxiv_id
from agent.line.doi import DOI_KEY, cite_key, normalise_doi
from agent.proposals import Decision, DecisionKind, Evidence, Proposal
from agent.review.changes import Accepted
from agent.review.links import LinkCorrection
from agent.review.render import after_text, concerned_claims
from agent.review.review_run import ReviewRun
from agent.runs import RunRecord, run_usage
from agent.sources.models import Paper
from agent.store import Store

_WORDS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Segment:
    """A run of text in a diff or an abstract: `kind` is 'same', 'del', 'ins' or 'mark'."""

    kind: str
    text: str


def word_diff(before: str, after: str) -> list[Segment]:
    """`before` -> `after` word by word; whitespace rides with its words so the text reads as written."""
    old, new = _WORDS.findall(before), _WORDS.findall(after)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    # Judged on the words alone: the spaces between them always match and would make any rewrite look like an edit.
    words = difflib.SequenceMatcher(a=[w for w in old if not w.isspace()], b=[w for w in new if not w.isspace()], autojunk=False)
    if words.ratio() < 0.5:
        # Mostly rewritten: interleaved words would read as noise, so the old text goes out whole and the new comes in whole.
        return [Segment("del", before), Segment("ins", after)]
    segments: list[Segment] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(Segment("same", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment("del", "".join(old[i1:i2])))
        if j2 > j1:
            segments.append(Segment("ins", "".join(new[j1:j2])))
    return segments


def highlight(abstract: str, quote: str) -> list[Segment] | None:
    """The abstract cut around the quote (marked), matching across case and whitespace; None when it is not there."""
    words = quote.split()
    if not words:
        return None
    pattern = re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE)
    found = pattern.search(abstract)
    if found is None:
        return None
    parts = [Segment("same", abstract[: found.start()]), Segment("mark", found.group(0)), Segment("same", abstract[found.end() :])]
    return [p for p in parts if p.text]


def unified_lines(old: str, new: str) -> list[Segment]:
    """A file's unified diff as lines: 'del', 'ins', 'same' or 'hunk' (the @@ headers)."""
    out: list[Segment] = []
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), "now", "after apply", lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        kind = "hunk" if line.startswith("@@") else "del" if line.startswith("-") else "ins" if line.startswith("+") else "same"
        out.append(Segment(kind, line))
    return out


@dataclass(frozen=True)
class PaperLink:
    label: str
    url: str


def paper_links(arxiv_id: str) -> list[PaperLink]:
    """The arXiv page and the DOI arXiv registers for every paper (10.48550/arXiv.ID); a DOI-only paper's DOI; none for a key that does not parse."""
    if (doi := normalise_doi(arxiv_id.removeprefix(DOI_KEY))) is not None and arxiv_id.startswith(DOI_KEY):
        return [PaperLink(cite_key(arxiv_id), f"https://doi.org/{url_quote(doi, safe='/.()-_;')}")]
    if not is_arxiv_id(arxiv_id):
        return []
    safe = url_quote(base_id(arxiv_id), safe=".")
    return [PaperLink(f"arXiv:{base_id(arxiv_id)}", f"https://arxiv.org/abs/{safe}"), PaperLink("DOI", f"https://doi.org/10.48550/arXiv.{safe}")]


@dataclass(frozen=True)
class EvidenceView:
    evidence: Evidence
    paper: Paper | None
    links: list[PaperLink]
    abstract: list[Segment] | None  # with the quote marked; None when the quote is not in it


@dataclass(frozen=True)
class VerdictView:
    claim_id: str
    verdict: str
    rationale: str


@dataclass(frozen=True)
class Card:
    """One proposal on the review page."""

    proposal: Proposal
    decision: Decision | None
    diff: list[Segment]
    after: str  # the text that would be written: the reviewer's when edited
    proposed: str  # the model's proposed text, as it would read
    evidence: list[EvidenceView]
    verdicts: list[VerdictView]
    applied: bool = False

    @property
    def state(self) -> str:
        """'pending', 'accept', 'reject', 'edit' or 'applied'."""
        if self.applied:
            return "applied"
        if self.decision is None or self.decision.kind is DecisionKind.UNDO:
            return "pending"
        return str(self.decision.kind)


def card(review: ReviewRun, proposal: Proposal, applied: set[str]) -> Card:
    decision = review.decisions.get(proposal.id)
    proposed = after_text(proposal)
    after = Accepted(proposal, decision).after if decision and decision.kind is DecisionKind.EDIT else proposed
    papers = review.papers
    evidence = []
    for e in proposal.evidence:
        paper = papers.get(base_id(e.arxiv_id))
        marked = highlight(paper.summary, e.quote) if paper and e.quote else None
        evidence.append(EvidenceView(e, paper, paper_links(e.arxiv_id), marked))
    results = review.claim_results
    verdicts = []
    for cid in concerned_claims(review, proposal):
        v = results[cid].verdict if cid in results else None
        verdicts.append(VerdictView(cid, str(v.verdict) if v else "not judged", v.rationale if v else ""))
    return Card(proposal, decision, word_diff(proposal.before, after), after, proposed, evidence, verdicts, proposal.id in applied)


@dataclass(frozen=True)
class LinkRow:
    """One anchor's link on the review page: the run's, and the reviewer's correction if any."""

    anchor_id: str
    cited: str
    claims: list[str]
    basis: str
    correction: LinkCorrection | None


def link_rows(review: ReviewRun, corrections: Mapping[str, LinkCorrection]) -> list[LinkRow]:
    """Every anchor the run checked, with the claims it is linked to now."""
    rows = []
    for check in review.state.get("anchor_checks", []):
        fixed = corrections.get(check.anchor_id)
        claims = fixed.claims if fixed else list(check.claims)
        basis = (
            f"set in review by {fixed.reviewer}"
            if fixed
            else {"model": "the model's reading", "curator": "the line's own link"}.get(check.link_basis, "word overlap")
        )
        rows.append(LinkRow(check.anchor_id, f"arXiv:{check.arxiv_id}: {check.cited_title}", claims, basis, fixed))
    return rows


@dataclass(frozen=True)
class RunRow:
    """One run in the list: what a person scans for."""

    run: RunRecord
    verdicts: dict[str, int] = field(default_factory=dict)
    cost_usd: float | None = None
    calls: int = 0
    pending: int = 0
    proposals: int = 0


def run_row(store: Store, run: RunRecord) -> RunRow:
    """The row of `run`; verdicts come from the saved graph state, so a run without one shows none."""
    from agent.review.listing import list_review
    from agent.runner import load_state

    usage = run_usage(store, run.id)
    priced = [u.cost_usd for u in usage]
    cost = None if any(c is None for c in priced) else sum(c for c in priced if c is not None)
    _record, state, _next = load_state(run.id, store)
    kinds = Counter(str(r.verdict.verdict) for r in state.get("claim_results", {}).values() if r.verdict)
    listing = list_review(store, run.id) if "proposals" in state else None
    return RunRow(
        run,
        dict(sorted(kinds.items())),
        cost,
        sum(u.calls for u in usage),
        len(listing.pending) if listing else 0,
        len(listing.proposals) if listing else 0,
    )
