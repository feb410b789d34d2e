"""Writer for the library's plain-text export: the inverse of plaintext.parse_plaintext.

The export cannot hold everything a Line can: no slug, no note dates or arXiv
IDs, no flags, proposed questions or changelog, and each string must fit the
layout (one line, no text that reads as a section heading, a role sentence
followed by an open question that starts with a capital). export_view() says
what the export keeps; render_plaintext(line, check=True) refuses a Line that
would not read back as that view.
"""

from __future__ import annotations

from agent.errors import LineFormatError
from agent.line.models import Line
from agent.line.plaintext import parse_plaintext


def export_view(line: Line) -> Line:
    """`line` reduced to what the plain-text export carries."""
    notes = [note.model_copy(update={"date": None, "arxiv_id": None}) for note in line.notes]
    prompt = line.prompt.model_copy(update={"proposed_questions": []})
    return line.model_copy(update={"notes": notes, "prompt": prompt, "flags": [], "changelog": []})


def render_plaintext(line: Line, *, check: bool = False) -> str:
    """The line in the library's export format (as in examples/bargaining-power.txt).

    With `check`, parse the result back and raise ValueError naming the first
    part that would not survive (see the module docstring for the limits).
    """
    text = "\n".join(_lines(line)) + "\n"
    if check:
        _check(line, text)
    return text


def _lines(line: Line) -> list[str]:
    prompt = line.prompt
    out = ["INQUIRING LINE", "", line.question, "", line.framing, "", ""]
    for paragraph in line.synthesis:
        out.extend([paragraph, ""])
    out.extend(["", f"Sources {len(line.notes)} notes", ""])
    for note in line.notes:
        out.extend([note.title, "", note.summary, ""])
    out.extend(["Research prompt for your LLMexpand ↓", ""])
    if prompt.preamble:
        out.extend([prompt.preamble, ""])
    out.extend([f"{prompt.role} {prompt.open_question}", ""])
    out.extend(prompt.claims_intro)
    out.extend(f"- {claim.text} ({claim.date.text})." for claim in prompt.claims)
    out.append("")
    if prompt.anchors:
        out.append("Anchor papers (verify; mind their dates):")
        out.extend(f"- arXiv:{a.arxiv_id} ({a.cited_date.text}): {a.cited_title}" for a in prompt.anchors)
        out.append("")
    out.append("Your task:")
    out.extend(f"({task.number}) {task.text}" for task in prompt.tasks)
    out.append("")
    if prompt.closing:
        out.extend([prompt.closing, ""])
    out.append("Next inquiring lines")
    out.extend(line.next_lines)
    return out


def _check(line: Line, text: str) -> None:
    expected = export_view(line)
    try:
        parsed, _ = parse_plaintext(text, source=f"<export of {line.slug}>", slug=line.slug)
    except LineFormatError as exc:
        raise ValueError(f"line {line.slug!r} cannot be exported: {exc}") from None
    if parsed != expected:
        field = next(name for name in Line.model_fields if getattr(parsed, name) != getattr(expected, name))
        raise ValueError(f"line {line.slug!r} cannot be exported faithfully: its {field!r} would read back differently")
