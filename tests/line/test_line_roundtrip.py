"""Markdown keeps every Line exactly; the export keeps what it can hold."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings

from agent.line import export_view, load_line, parse_markdown, parse_plaintext, render_markdown, render_plaintext, write_markdown
from agent.line.arxiv_id import ARXIV_ID_FORMS
from agent.line.models import ChangelogEntry, Flag, FuzzyDate, Line

from .conftest import EXAMPLE, lineno_of
from .strategies import exportable_lines, lines

# Raise for a thorough run, e.g. RETEST_HYPOTHESIS_EXAMPLES=2000.
EXAMPLES = int(os.environ.get("RETEST_HYPOTHESIS_EXAMPLES", "100"))
fast = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _example() -> Line:
    return load_line(EXAMPLE).line


def _tricky(line: Line) -> Line:
    """The example with strings only the quoted form can carry."""
    first = line.prompt.claims[0]
    claims = [first.model_copy(update={"text": "# not a heading\n\n\n  indented\r\nend "}), *line.prompt.claims[1:]]
    odd_date = FuzzyDate(text="spring '24", value=dt.date(2024, 3, 1), precision="month", approximate=True)
    anchors = [line.prompt.anchors[0].model_copy(update={"cited_date": odd_date, "arxiv_id": "2507.13524"})]
    prompt = line.prompt.model_copy(update={"claims": claims, "anchors": anchors, "closing": '"quoted"', "preamble": ""})
    notes = [line.notes[0].model_copy(update={"title": "\n---\n", "arxiv_id": "2501.10000"}), *line.notes[1:]]
    return line.model_copy(
        update={
            "slug": "x\n---\ny",
            "notes": notes,
            "question": "---",
            "synthesis": ["", "a\u2028b", "---\nx: 1", "\ufeffbom"],
            "prompt": prompt,
            "flags": [Flag(id="F 1 · x", target="C1", text="two\n\nparagraphs", reason="no paper found")],
            "changelog": [ChangelogEntry(date=dt.date(2026, 3, 1), run_id="run-1", models={"judge": "openai:gpt-5"}, applied=["P1 C1 (2601.00001)", ""])],
        }
    )


def test_markdown_round_trip_of_the_example() -> None:
    line = _example()
    text = render_markdown(line)
    assert parse_markdown(text, source="x.md") == (line, [])
    # Ordinary prose stays readable: nothing in the body needed the quoted form.
    body = text.split("\n---\n", 1)[1]
    assert not [row for row in body.split("\n") if row.startswith('"')]
    assert "#### C1 · ~2025" in body and "### N1 · What happens to human wages in an AGI economy?" in body


def test_markdown_round_trip_of_strings_markdown_cannot_hold_plainly() -> None:
    line = _tricky(_example())
    text = render_markdown(line)
    back, _ = parse_markdown(text, source="x.md")
    assert back == line
    assert "\r" not in text and "\u2028" not in text and "\ufeff" not in text


@fast
@given(lines())
@example(_tricky(_example()))
def test_markdown_round_trip_of_any_line(line: Line) -> None:
    back, _ = parse_markdown(render_markdown(line), source="generated.md")
    assert back == line


@settings(max_examples=max(10, EXAMPLES // 5), deadline=None)
@given(lines())
def test_markdown_file_round_trip(line: Line) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "line.md"
        write_markdown(line, path)
        loaded = load_line(path)
    assert loaded.format == "md"
    assert loaded.line == line


@fast
@given(exportable_lines())
def test_plaintext_round_trip(line: Line) -> None:
    back, warnings = parse_plaintext(render_plaintext(line), source="generated.txt", slug=line.slug)
    assert back == export_view(line)
    assert warnings == []


def test_plaintext_round_trip_of_the_example(example_text: str) -> None:
    line = _example()
    assert render_plaintext(line, check=True) == example_text + "\n"


def test_export_view_drops_what_the_export_cannot_hold() -> None:
    line = _tricky(_example())
    view = export_view(line)
    assert view.flags == [] and view.changelog == [] and view.prompt.proposed_questions == []
    assert view.prompt.claims == line.prompt.claims


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"question": "two\nlines"}, "question"),
        ({"framing": ""}, "framing"),
        ({"synthesis": ["Sources 3 notes"]}, None),
    ],
)
def test_render_plaintext_check_refuses_what_would_not_read_back(change: dict[str, object], field: str | None) -> None:
    line = _example().model_copy(update=change)
    with pytest.raises(ValueError, match="cannot be exported") as info:
        render_plaintext(line, check=True)
    if field:
        assert repr(field) in str(info.value)
    render_plaintext(line)  # without the check it renders all the same


def test_hand_written_front_matter_dates_are_read_as_written() -> None:
    text = render_markdown(_example())
    assert "  date: ~2025\n- id: C2" in text and "  date: 2025-07\n" in text
    # Unquoted, YAML reads these as an int and a date; they mean what they say.
    edited = text.replace("  date: ~2025\n- id: C2", "  date: 2025\n- id: C2", 1).replace("  date: 2025-07\n", "  date: 2025-07-17\n", 1)
    line, _ = parse_markdown(edited, source="edited.md")
    assert (line.prompt.claims[0].date.text, line.prompt.claims[0].date.approximate) == ("2025", False)
    assert (line.prompt.anchors[0].cited_date.text, line.prompt.anchors[0].cited_date.precision.value) == ("2025-07-17", "day")


def test_markdown_warns_on_a_malformed_anchor_id() -> None:
    line = _example()
    anchors = [line.prompt.anchors[0].model_copy(update={"arxiv_id": "abc"})]
    odd = line.model_copy(update={"prompt": line.prompt.model_copy(update={"anchors": anchors})})
    text = render_markdown(odd)
    back, warnings = parse_markdown(text, source="odd.md")
    assert back == odd
    assert warnings == [f"odd.md:{lineno_of(text, '- id: A1')}: anchor A1: 'abc' is not a well-formed arXiv ID ({ARXIV_ID_FORMS})"]
