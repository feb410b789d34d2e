"""The plain-text reader on variations the export or a person may produce."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from agent.line import load_line, parse_line_text

from .conftest import EXAMPLE, lineno_of


def test_crlf_and_bom_parse_like_the_original(example_text: str, tmp_path: Path) -> None:
    original = load_line(EXAMPLE).line
    path = tmp_path / "windows.txt"
    path.write_bytes(b"\xef\xbb\xbf" + example_text.replace("\n", "\r\n").encode("utf-8"))
    loaded = load_line(path)
    assert loaded.line == original.model_copy(update={"slug": "windows"})
    assert loaded.format == "text"


def test_wrapped_paragraphs_are_unwrapped(example_text: str) -> None:
    wrapped = example_text.replace("The question remains open: does", "The question remains open:\ndoes", 1).replace(
        "As AGI automates bottleneck work first, human wages", "As AGI automates bottleneck work first,\n  human wages", 1
    )
    line = parse_line_text(wrapped, source="wrapped.txt").line
    original = load_line(EXAMPLE).line
    assert line.prompt.open_question == original.prompt.open_question
    assert line.notes[0].summary == original.notes[0].summary


def test_slug_from_question_without_a_file(example_text: str) -> None:
    line = parse_line_text(example_text, source="<memory>").line
    assert line.slug == "what-happens-to-human-bargaining-power-when-interpersonal"


def test_next_inquiring_lines_glued_and_listed(example_text: str) -> None:
    text = example_text.rstrip("\n").replace("Next inquiring lines", "Next inquiring linesDoes governance capture wages?\nWho owns the coordination layer?\n")
    line = parse_line_text(text, source="next.txt").line
    assert line.next_lines == ["Does governance capture wages?", "Who owns the coordination layer?"]


def test_sources_count_mismatch_is_a_warning(variant: Callable[..., Path], example_text: str) -> None:
    loaded = load_line(variant("Sources 6 notes", "Sources 7 notes"))
    assert len(loaded.line.notes) == 6
    assert len(loaded.warnings) == 1
    assert "announces 7 notes but 6 were found" in loaded.warnings[0]
    assert f":{lineno_of(example_text, 'Sources 6 notes')}:" in loaded.warnings[0]


def test_task_numbering_gap_is_a_warning(variant: Callable[..., Path]) -> None:
    loaded = load_line(variant("(3) Propose 2", "(4) Propose 2"))
    assert [task.number for task in loaded.line.prompt.tasks] == [1, 2, 4]
    assert any("tasks are numbered [1, 2, 4]" in warning for warning in loaded.warnings)


def test_other_date_forms_and_old_style_anchor(variant: Callable[..., Path], tmp_path: Path) -> None:
    path = variant("human preference (~2025).", "human preference (circa 2025-07-17).")
    text = path.read_text(encoding="utf-8").replace("arXiv:2602.11865 (2026-02)", "arXiv:math.GT/0309136v2 (~2003)")
    line = parse_line_text(text, source="forms.txt").line
    claim = line.prompt.claims[0]
    assert (claim.date.text, claim.date.precision.value, claim.date.approximate) == ("circa 2025-07-17", "day", True)
    anchor = line.prompt.anchors[3]
    assert (anchor.arxiv_id, anchor.cited_date.text, anchor.cited_date.approximate) == ("math.GT/0309136v2", "~2003", True)


def test_anchor_section_is_optional(example_text: str) -> None:
    start = example_text.index("Anchor papers (verify")
    end = example_text.index("Your task:")
    line = parse_line_text(example_text[:start] + example_text[end:], source="no-anchors.txt").line
    assert line.prompt.anchors == []
    assert len(line.prompt.claims) == 5


def test_role_with_abbreviation_keeps_its_sentence(variant: Callable[..., Path]) -> None:
    line = load_line(variant("You are a labor economics", "You are a U.S. labor economics")).line
    assert line.prompt.role == "You are a U.S. labor economics and AI capability analyst."
    assert line.prompt.open_question.startswith("The question remains open:")


def test_closing_may_span_paragraphs(variant: Callable[..., Path]) -> None:
    path = variant("ground in a real paper.\n", "ground in a real paper.\n\nKeep it short.\n")
    assert load_line(path).line.prompt.closing == "Cite arXiv IDs; flag anything you cannot ground in a real paper.\n\nKeep it short."


def test_section_headings_are_whole_lines(variant: Callable[..., Path]) -> None:
    path = variant("Findings span 2022", "Anchor papers come after the claims:\nFindings span 2022")
    line = load_line(path).line
    assert line.prompt.claims_intro[1] == "Anchor papers come after the claims:"
    assert len(line.prompt.claims) == 5 and len(line.prompt.anchors) == 4
