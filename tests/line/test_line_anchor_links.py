"""A curator's anchor link (issue 12 point 3) lives in the Markdown front matter and survives a round trip."""

from __future__ import annotations

import pytest

from agent.errors import LineFormatError
from agent.line import load_line, parse_markdown, render_markdown

from .conftest import EXAMPLE


def _linked(claims: list[str]) -> str:
    line = load_line(EXAMPLE).line
    anchors = [line.prompt.anchors[0], line.prompt.anchors[1].model_copy(update={"claims": claims}), *line.prompt.anchors[2:]]
    return render_markdown(line.model_copy(update={"prompt": line.prompt.model_copy(update={"anchors": anchors})}))


def test_a_linked_anchor_keeps_its_claims_and_the_others_write_no_key() -> None:
    text = _linked(["C3", "C1"])
    parsed, _ = parse_markdown(text, source="line.md")
    assert [a.claims for a in parsed.prompt.anchors] == [[], ["C3", "C1"], [], []]
    assert text.count("claims:") == 2, "the top-level claims list and A2's link, none for the other anchors"
    assert render_markdown(parsed) == text


def test_a_link_to_a_claim_the_line_lacks_names_the_anchor_and_its_line() -> None:
    text = _linked(["C9"])
    with pytest.raises(LineFormatError) as caught:
        parse_markdown(text, source="line.md")
    lineno = next(i for i, row in enumerate(text.split("\n"), start=1) if row == "- id: A2")
    assert caught.value.lineno == lineno
    assert "anchor A2 is linked to C9, which the line has no claim of (its claims: C1, C2, C3, C4, C5)" in str(caught.value)
