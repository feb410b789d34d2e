"""A malformed or impossible arXiv ID in an anchor is reported the same way in both line formats.

Both readers check the anchor with `is_arxiv_id` (shape and calendar) and, when
it fails, read the line anyway and warn at the anchor's file line: the run then
flags the anchor (verify_anchors reports it MALFORMED) instead of the whole file
being refused. Lookups (`parse_arxiv_id`) check shape only: arXiv itself answers
an impossible month with a 400, and recorded runs hold that request.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from agent.line import is_arxiv_id, load_line, render_markdown
from agent.line.arxiv_id import ARXIV_ID_FORMS, parse_arxiv_id

from .conftest import EXAMPLE, lineno_of

_A1_TEXT = "- arXiv:2507.13524 (2025-07): Humans learn"
_A1_MD = "arxiv_id: '2507.13524'"

# id, why arXiv cannot have issued it
IMPOSSIBLE = [
    ("2513.12345", "month 13"),
    ("2500.12345", "month 00"),
    ("0713.0001", "month 13 in the four-digit years"),
    ("1400.1234", "month 00 in the four-digit years"),
    ("1412.12345", "five digits before 1501"),
    ("0704.00001", "five digits in the first new-style month"),
    ("1501.1234", "four digits from 1501 on"),
    ("2507.1352", "four digits long after 1501"),
    ("2507.1352v2", "four digits, with a version"),
    ("0703.0001", "new style before April 2007"),
    ("0612.1234", "new style in 2006"),
    ("0000.0000", "month 00 of year 00"),
    ("hep-th/9913001", "old style, month 13"),
    ("math.GT/0300136", "old style, month 00"),
]
# Wrong in shape: both readers treat them like the impossible ones.
MISSHAPEN = [("25071.3524", "five digits before the dot"), ("2507.135", "three digits after the dot"), ("HEP-TH/9901001", "upper-case archive")]
# The first and last IDs each rule allows.
POSSIBLE = ["0704.0001", "1412.9999", "1412.0001v3", "1501.00001", "2512.99999", "9912.12345", "hep-th/9112001", "math.GT/0301136", "cond-mat/0701001v2"]
FORMATS = ["text", "md"]


@pytest.mark.parametrize(("arxiv_id", "why"), IMPOSSIBLE, ids=[why for _, why in IMPOSSIBLE])
def test_a_line_may_not_cite_an_id_arxiv_cannot_have_issued(arxiv_id: str, why: str) -> None:
    assert not is_arxiv_id(arxiv_id), why


@pytest.mark.parametrize(("arxiv_id", "why"), IMPOSSIBLE, ids=[why for _, why in IMPOSSIBLE])
def test_a_lookup_still_asks_arxiv_about_a_well_shaped_impossible_id(arxiv_id: str, why: str) -> None:
    parsed = parse_arxiv_id(f"arXiv:{arxiv_id}")
    assert parsed is not None and arxiv_id.startswith(parsed.base.split("/")[0]), why


@pytest.mark.parametrize("arxiv_id", POSSIBLE)
def test_possible_ids_at_each_boundary_are_accepted(arxiv_id: str) -> None:
    assert is_arxiv_id(arxiv_id)
    assert parse_arxiv_id(arxiv_id) is not None


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("arxiv_id", "why"), IMPOSSIBLE + MISSHAPEN, ids=[why for _, why in IMPOSSIBLE + MISSHAPEN])
def test_both_formats_read_the_line_and_warn_at_the_anchor(variant: Callable[..., Path], tmp_path: Path, fmt: str, arxiv_id: str, why: str) -> None:
    path = _line_citing(arxiv_id, fmt, variant, tmp_path)
    loaded = load_line(path)

    start = f"- arXiv:{arxiv_id} " if fmt == "text" else "- id: A1"
    lineno = lineno_of(path.read_text(encoding="utf-8"), start)
    assert loaded.warnings == [f"{path}:{lineno}: anchor A1: {arxiv_id!r} is not a well-formed arXiv ID ({ARXIV_ID_FORMS})"], why
    assert loaded.line.prompt.anchors[0].arxiv_id == arxiv_id, "kept as written, for the run to flag"
    assert loaded.where.anchors["A1"] == lineno


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("arxiv_id", POSSIBLE)
def test_both_formats_accept_a_possible_id_silently(variant: Callable[..., Path], tmp_path: Path, fmt: str, arxiv_id: str) -> None:
    loaded = load_line(_line_citing(arxiv_id, fmt, variant, tmp_path))
    assert loaded.line.prompt.anchors[0].arxiv_id == arxiv_id
    assert loaded.warnings == []


def _line_citing(arxiv_id: str, fmt: str, variant: Callable[..., Path], tmp_path: Path) -> Path:
    """The example line with anchor A1 citing `arxiv_id`, as a plain-text export or as Markdown."""
    if fmt == "text":
        return variant(_A1_TEXT, f"- arXiv:{arxiv_id} (2025-07): Humans learn")
    rendered = render_markdown(load_line(EXAMPLE).line)
    assert _A1_MD in rendered
    path = tmp_path / "line.md"
    path.write_text(rendered.replace(_A1_MD, f"arxiv_id: '{arxiv_id}'", 1), encoding="utf-8")
    return path
