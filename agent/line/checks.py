"""What a run cannot do with a line, known before any model or arXiv request is paid for.

A claim dated after the run date cannot be re-tested: every search window starts
at the claim's date and ends at the run date, so it would be empty. Such a claim
is skipped, not failed; the run goes on with the others. Duplicate claims and
duplicate anchors are only warned about: the run re-tests and verifies them all.

Both functions are pure, so the graph (which has the line and the run date, not
the file) and the CLI (which has the file too) reach the same answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from agent.line.arxiv_id import parse_arxiv_id
from agent.line.models import Claim, Line

if TYPE_CHECKING:
    from agent.line.read import LoadedLine


class ProblemKind(StrEnum):
    NOT_RETESTABLE = "not re-testable"
    """The claim is skipped: the run gives it a result saying why and goes on."""
    WARNING = "warning"
    """Nothing is skipped; the line is probably not what its author meant."""


@dataclass(frozen=True)
class LineProblem:
    """One problem of a line: which item, where it is written, what is wrong."""

    kind: ProblemKind
    item: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.kind}: {self.message}"


def not_retestable(line: Line, run_date: dt.date) -> dict[str, str]:
    """Why each claim that a run on `run_date` cannot re-test is skipped, by claim ID."""
    return {c.id: _too_new(c, run_date) for c in line.prompt.claims if c.date.value > run_date}


def line_problems(loaded: LoadedLine, run_date: dt.date) -> list[LineProblem]:
    """The problems of a loaded line for a run on `run_date`, in file order of the items they name."""
    line, where = loaded.line, loaded.where
    problems = [
        LineProblem(ProblemKind.NOT_RETESTABLE, claim_id, where.where(loaded.source, "claim", claim_id), reason)
        for claim_id, reason in not_retestable(line, run_date).items()
    ]
    first_claim: dict[str, str] = {}
    for claim in line.prompt.claims:
        key = _same_text(claim.text)
        if key in first_claim:
            earlier = first_claim[key]
            message = f"claim {claim.id} repeats claim {earlier} ({where.where(loaded.source, 'claim', earlier)}); both will be re-tested and paid for"
            problems.append(LineProblem(ProblemKind.WARNING, claim.id, where.where(loaded.source, "claim", claim.id), message))
        first_claim.setdefault(key, claim.id)
    first_anchor: dict[str, str] = {}
    for anchor in line.prompt.anchors:
        parsed = parse_arxiv_id(anchor.arxiv_id)
        # Versions and subject classes name the same paper: 2507.13524v2 is 2507.13524.
        key = parsed.base if parsed else anchor.arxiv_id
        if key in first_anchor:
            earlier = first_anchor[key]
            message = f"anchor {anchor.id} cites arXiv:{key} again, as anchor {earlier} does ({where.where(loaded.source, 'anchor', earlier)})"
            problems.append(LineProblem(ProblemKind.WARNING, anchor.id, where.where(loaded.source, "anchor", anchor.id), message))
        first_anchor.setdefault(key, anchor.id)
    order = {item: i for i, item in enumerate([c.id for c in line.prompt.claims] + [a.id for a in line.prompt.anchors])}
    return sorted(problems, key=lambda p: order.get(p.item, len(order)))


def _too_new(claim: Claim, run_date: dt.date) -> str:
    return (
        f"claim {claim.id} is dated {claim.date.text} (from {claim.date.value.isoformat()}), after the run date {run_date.isoformat()}: "
        "nothing newer than it can be searched for yet, so the run skips it"
    )


def _same_text(text: str) -> str:
    # Case, spacing and a final full stop do not make a claim a different claim.
    return " ".join(text.split()).casefold().rstrip(".")
