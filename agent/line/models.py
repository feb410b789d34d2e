"""The inquiring line as data: what the readers produce and the writer renders.

Every model is frozen so a parsed line can be hashed, compared and shared
between graph branches without defensive copies.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DatePrecision(StrEnum):
    YEAR = "year"
    MONTH = "month"
    DAY = "day"


class FuzzyDate(_Frozen):
    """A date as a line writes it ("~2025", "2025-07") and as parsed.

    `value` is the first day the text can mean (2025 -> 2025-01-01), so a
    search window that starts at `value` never misses work from that period.
    """

    text: str = Field(description="The date exactly as written, e.g. '~2025' or '2025-07'.")
    value: dt.date = Field(description="First day of the period the text names.")
    precision: DatePrecision
    approximate: bool = Field(default=False, description="True when written with '~' or 'circa'.")


class SourceNote(_Frozen):
    """A source note: the library's summary of one piece of work."""

    id: str = Field(description="Stable ID in file order: N1, N2, ...")
    title: str
    summary: str
    date: FuzzyDate | None = None
    arxiv_id: str | None = None


class Claim(_Frozen):
    """A dated claim of the research prompt: the state of knowledge at a date, not truth."""

    id: str = Field(description="Stable ID in file order: C1, C2, ...")
    text: str = Field(description="The claim without its trailing date.")
    date: FuzzyDate


class AnchorPaper(_Frozen):
    """An anchor paper as the prompt cites it; verification happens in the graph."""

    id: str = Field(description="Stable ID in file order: A1, A2, ...")
    arxiv_id: str = Field(description="As written, without the 'arXiv:' prefix.")
    cited_date: FuzzyDate
    cited_title: str
    claims: list[str] = Field(
        default_factory=list,
        description="The claims a curator linked this anchor to in review (issue 12 point 3); empty: the run links it. Only Markdown lines hold it.",
    )


class Task(_Frozen):
    """A numbered task of the prompt ("(1) RE-TEST EACH CONSTRAINT. ...")."""

    number: int
    text: str


class Flag(_Frozen):
    """A statement a reviewer accepted as not grounded in a real paper."""

    id: str
    target: str = Field(description="What is flagged: a claim ID, note ID, anchor ID or 'synthesis'.")
    text: str
    reason: str


class ChangelogEntry(_Frozen):
    """One application of reviewed proposals to this line."""

    date: dt.date
    run_id: str
    models: dict[str, str] = Field(default_factory=dict)
    applied: list[str] = Field(default_factory=list, description="One line per applied proposal, with evidence IDs.")


class ResearchPrompt(_Frozen):
    """The 'Research prompt for your LLM' section."""

    preamble: str = Field(default="", description="The 'Copy into ChatGPT or Claude ...' sentence, if any.")
    role: str = Field(description="The role sentence: 'You are a ... analyst.'")
    open_question: str
    claims_intro: list[str] = Field(default_factory=list, description="Lines between the open question and the claims.")
    claims: list[Claim]
    anchors: list[AnchorPaper] = Field(default_factory=list)
    tasks: list[Task]
    closing: str = Field(default="", description="Text after the tasks, e.g. 'Cite arXiv IDs; ...'.")
    proposed_questions: list[str] = Field(default_factory=list, description="Research questions added by review.")


class Line(_Frozen):
    """One inquiring line."""

    slug: str = Field(description="File-name-safe identifier, derived from the question unless given.")
    question: str
    framing: str
    synthesis: list[str] = Field(description="Synthesis paragraphs, in order.")
    notes: list[SourceNote]
    prompt: ResearchPrompt
    next_lines: list[str] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    changelog: list[ChangelogEntry] = Field(default_factory=list)

    def claim(self, claim_id: str) -> Claim:
        for claim in self.prompt.claims:
            if claim.id == claim_id:
                return claim
        raise KeyError(claim_id)

    def note_references(self) -> dict[int, list[str]]:
        """Per synthesis paragraph index, the IDs of notes whose titles it quotes inline."""
        refs: dict[int, list[str]] = {}
        for index, paragraph in enumerate(self.synthesis):
            found = [note.id for note in self.notes if note.title in paragraph]
            if found:
                refs[index] = found
        return refs
