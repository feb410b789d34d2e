"""The example export parses to exactly what it says."""

from __future__ import annotations

import datetime as dt
import hashlib

from agent.line import load_line
from agent.line.models import DatePrecision

from .conftest import EXAMPLE

NOTE_TITLES = [
    "What happens to human wages in an AGI economy?",
    "Do humans learn to prefer AI partners over time?",
    "Does incremental AI replacement erode human influence over society?",
    "What happens to social order when AI removes ritual constraints?",
    "Can disagreement be resolved without either party fully yielding?",
    "When do agents need coordination more than raw capability?",
]


def test_question_framing_and_synthesis() -> None:
    loaded = load_line(EXAMPLE)
    line = loaded.line
    assert loaded.format == "text"
    assert loaded.warnings == []
    assert loaded.sha256 == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    assert line.slug == "bargaining-power"
    assert line.question == "What happens to human bargaining power when interpersonal skills become the only remaining labor?"
    assert line.framing.startswith("This explores a near-future where AI has absorbed most cognitive and manual work")
    # The export's second "This explores ..." paragraph opens the synthesis.
    assert len(line.synthesis) == 5
    assert line.synthesis[0].startswith("This explores a near-future where AI has automated most work")
    assert line.synthesis[-1].endswith("who owns the rails.")
    assert line.next_lines == []


def test_notes() -> None:
    line = load_line(EXAMPLE).line
    assert [note.id for note in line.notes] == ["N1", "N2", "N3", "N4", "N5", "N6"]
    assert [note.title for note in line.notes] == NOTE_TITLES
    assert line.notes[1].summary.startswith("In partner selection games (N=975)")
    assert all(note.date is None and note.arxiv_id is None for note in line.notes)


def test_note_references_from_the_synthesis() -> None:
    line = load_line(EXAMPLE).line
    assert line.note_references() == {0: ["N1"], 1: ["N2"], 2: ["N3"], 3: ["N4", "N5"], 4: ["N6"]}


def test_claims_with_year_dates() -> None:
    prompt = load_line(EXAMPLE).line.prompt
    assert [claim.id for claim in prompt.claims] == ["C1", "C2", "C3", "C4", "C5"]
    assert [claim.date.text for claim in prompt.claims] == ["~2025", "~2026", "~2025", "~2023", "~2026"]
    assert [claim.date.value for claim in prompt.claims] == [dt.date(y, 1, 1) for y in (2025, 2026, 2025, 2023, 2026)]
    assert all(c.date.precision is DatePrecision.YEAR and c.date.approximate for c in prompt.claims)
    assert prompt.claims[0].text == ("Wages in AGI scenarios converge to computational replication cost, not to scarcity or human preference")
    # Inner parentheses stay in the text; only the last group is the date.
    assert prompt.claims[4].text.endswith("governance and coordination-layer control (not interpersonal warmth) becomes the binding constraint")


def test_anchors() -> None:
    anchors = load_line(EXAMPLE).line.prompt.anchors
    assert [(a.id, a.arxiv_id, a.cited_date.text, a.cited_date.value) for a in anchors] == [
        ("A1", "2507.13524", "2025-07", dt.date(2025, 7, 1)),
        ("A2", "2501.16946", "2025-01", dt.date(2025, 1, 1)),
        ("A3", "2306.14694", "2023-06", dt.date(2023, 6, 1)),
        ("A4", "2602.11865", "2026-02", dt.date(2026, 2, 1)),
    ]
    assert all(a.cited_date.precision is DatePrecision.MONTH and not a.cited_date.approximate for a in anchors)
    assert [a.cited_title for a in anchors] == [
        "Humans learn to prefer trustworthy AI over human partners",
        "Gradual Disempowerment: Systemic Existential Risks from Incremental AI Development",
        "DR-HAI: Argumentation-based Dialectical Reconciliation in Human-AI Interactions",
        "Intelligent AI Delegation",
    ]


def test_prompt_role_question_tasks_and_closing() -> None:
    prompt = load_line(EXAMPLE).line.prompt
    assert prompt.preamble.startswith("Copy into ChatGPT or Claude to take this line of inquiry further")
    assert prompt.role == "You are a labor economics and AI capability analyst."
    assert prompt.open_question.startswith("The question remains open: does interpersonal skill retain bargaining power")
    assert prompt.open_question.endswith("dissolve that premise entirely?")
    assert prompt.claims_intro == [
        "What a curated library found — and when (dated claims, not current truth):",
        "Findings span 2022–2026; treat these as the state of knowledge at their publication dates:",
    ]
    assert [task.number for task in prompt.tasks] == [1, 2, 3]
    assert prompt.tasks[0].text.startswith("RE-TEST EACH CONSTRAINT.")
    assert prompt.tasks[2].text.endswith("rather than AI-optimized?")
    assert prompt.closing == "Cite arXiv IDs; flag anything you cannot ground in a real paper."
    assert prompt.proposed_questions == []
