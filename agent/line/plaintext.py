"""Reader for the library's plain-text export (examples/bargaining-power.txt).

The export, top to bottom:

    INQUIRING LINE
    <question>
    <framing>                      first paragraph after the question
    <synthesis paragraphs>         up to "Sources N notes"
    Sources N notes
    <title> / <summary> pairs      one paragraph each
    Research prompt for your LLM   (the export glues "expand ↓" to it)
    <preamble paragraphs>          up to the role paragraph
    You are a ... analyst. <open question>
    <claims intro lines>
    - claim text (~2025).
    Anchor papers (verify; mind their dates):      optional
    - arXiv:2507.13524 (2025-07): Title
    Your task:
    (1) ...
    <closing paragraphs>
    Next inquiring lines[<first>]  optional; one next line per line after it

The export repeats the framing in other words: the second "This explores ..."
paragraph. It is kept as the first synthesis paragraph, not as framing,
because it runs on into the argument and quotes note titles inline (the
synthesis cites notes by quoting their titles, see Line.note_references()).

Paragraphs wrapped over several lines are joined with single spaces. IDs are
given in file order (N1.., C1.., A1..), so the same file always gives the same IDs.
"""

from __future__ import annotations

import re

from agent.errors import LineFormatError
from agent.line._lines import ItemLines
from agent.line._paragraphs import Paragraph, paragraphs, slugify
from agent.line._prompt_section import parse_prompt_section
from agent.line.models import Line, SourceNote

HEADING = re.compile(r"INQUIRING LINE", re.IGNORECASE)
SOURCES = re.compile(r"Sources\s*(?P<count>\d+)\s*notes?", re.IGNORECASE | re.ASCII)
PROMPT = re.compile(r"Research prompt for your LLM\s*(?:expand)?\s*[↓▼⌄]?", re.IGNORECASE)
ANCHORS = re.compile(r"Anchor papers\s*(?:\([^()]*\))?\s*:", re.IGNORECASE)
TASKS = re.compile(r"Your tasks?\s*:", re.IGNORECASE)
NEXT = re.compile(r"Next inquiring lines(?P<rest>.*)", re.IGNORECASE)


def parse_plaintext(text: str, *, source: str, slug: str | None = None, where: ItemLines | None = None) -> tuple[Line, list[str]]:
    """Parse an export into a Line and a list of warnings.

    `source` names the input in error messages; `slug` defaults to one derived
    from the question; `where`, if given, gets the line of each claim and anchor.
    Raises LineFormatError on anything it cannot read.
    """
    lines = [line.strip() for line in text.split("\n")]
    bounds = _find_sections(lines, source)
    warnings: list[str] = []
    question, framing, synthesis = _parse_head(lines, bounds, source)
    notes = _parse_notes(lines, bounds, source, warnings)
    prompt = parse_prompt_section(lines, bounds, source, warnings, where)
    next_lines = _parse_next(lines, bounds)
    line = Line(
        slug=slug or slugify(question),
        question=question,
        framing=framing,
        synthesis=synthesis,
        notes=notes,
        prompt=prompt,
        next_lines=next_lines,
    )
    return line, warnings


def _find_sections(lines: list[str], source: str) -> dict[str, int]:
    """Index of each section heading; `end` is len(lines). Optional ones may be absent."""
    first = next((i for i, line in enumerate(lines) if line), None)
    if first is None:
        raise LineFormatError(source, "the file has no text")
    if not HEADING.fullmatch(lines[first]):
        raise LineFormatError(
            source,
            f"expected the heading 'INQUIRING LINE', found {lines[first][:60]!r}",
            lineno=first + 1,
            hint="Is this an inquiring line? A Retest Markdown line starts with '---' (try --format md).",
        )
    bounds = {"heading": first, "end": len(lines)}
    bounds["sources"] = _require(lines, SOURCES, first + 1, len(lines), source, "'Sources N notes'", "after the synthesis")
    bounds["prompt"] = _require(lines, PROMPT, bounds["sources"] + 1, len(lines), source, "'Research prompt for your LLM'", "after the source notes")
    bounds["tasks"] = _require(lines, TASKS, bounds["prompt"] + 1, len(lines), source, "'Your task:'", "after the claims")
    anchors = _find(lines, ANCHORS, bounds["prompt"] + 1, bounds["tasks"])
    if anchors is not None:
        bounds["anchors"] = anchors
    next_heading = _find(lines, NEXT, bounds["tasks"] + 1, len(lines))
    if next_heading is not None:
        bounds["next"] = next_heading
    return bounds


def _find(lines: list[str], pattern: re.Pattern[str], start: int, end: int) -> int | None:
    return next((i for i in range(start, end) if pattern.fullmatch(lines[i])), None)


def _require(lines: list[str], pattern: re.Pattern[str], start: int, end: int, source: str, name: str, where: str) -> int:
    found = _find(lines, pattern, start, end)
    if found is None:
        raise LineFormatError(
            source,
            f"missing section {name} (expected {where}, after line {start})",
            hint="The file may be truncated or not an inquiring line export.",
        )
    return found


def _parse_head(lines: list[str], bounds: dict[str, int], source: str) -> tuple[str, str, list[str]]:
    paras = paragraphs(lines, bounds["heading"] + 1, bounds["sources"])
    if not paras:
        raise LineFormatError(source, "no question after 'INQUIRING LINE'", lineno=bounds["heading"] + 1)
    if len(paras) < 2:
        raise LineFormatError(source, "no framing paragraph after the question", lineno=paras[0].lineno)
    return paras[0].text, paras[1].text, [para.text for para in paras[2:]]


def _parse_notes(lines: list[str], bounds: dict[str, int], source: str, warnings: list[str]) -> list[SourceNote]:
    paras = paragraphs(lines, bounds["sources"] + 1, bounds["prompt"])
    if len(paras) % 2:
        last: Paragraph = paras[-1]
        raise LineFormatError(
            source,
            f"the source notes do not pair up as title + summary: {last.text[:60]!r} has no partner",
            lineno=last.lineno,
            hint="Each note is a title paragraph followed by a summary paragraph, separated by blank lines.",
        )
    notes = [SourceNote(id=f"N{i + 1}", title=paras[2 * i].text, summary=paras[2 * i + 1].text) for i in range(len(paras) // 2)]
    match = SOURCES.fullmatch(lines[bounds["sources"]])
    announced = int(match["count"]) if match else len(notes)
    if announced != len(notes):
        warnings.append(
            f"{source}:{bounds['sources'] + 1}: 'Sources {announced} notes' announces {announced} notes "
            f"but {len(notes)} were found; using the {len(notes)} found"
        )
    return notes


def _parse_next(lines: list[str], bounds: dict[str, int]) -> list[str]:
    if "next" not in bounds:
        return []
    heading = NEXT.fullmatch(lines[bounds["next"]])
    glued = heading["rest"].strip() if heading else ""
    rest = [line for line in lines[bounds["next"] + 1 :] if line]
    return ([glued] if glued else []) + rest
