"""agent.line.checks: what a run on a given date cannot do with a line, named by file and line, in both formats."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from agent.line import LineProblem, ProblemKind, line_problems, load_line, not_retestable, render_markdown

from .conftest import lineno_of

_C1 = "- Wages in AGI scenarios converge to computational replication cost, not to scarcity or human preference (~2025)."
_C3 = "- Bargaining power erodes not via dramatic displacement but through gradual removal of institutional dependencies on human judgment (~2025)."
_A2 = "- arXiv:2501.16946 (2025-01): Gradual Disempowerment"
RUN_DATE = dt.date(2026, 11, 29)


def _as_markdown(path: Path) -> Path:
    md = path.with_suffix(".md")
    md.write_text(render_markdown(load_line(path).line), encoding="utf-8")
    return md


def _kinds(problems: list[LineProblem]) -> list[tuple[ProblemKind, str]]:
    return [(p.kind, p.item) for p in problems]


def test_the_example_has_no_problems_on_its_run_date(variant: Callable[..., Path]) -> None:
    path = variant("", "")
    assert line_problems(load_line(path), RUN_DATE) == []
    assert line_problems(load_line(_as_markdown(path)), RUN_DATE) == []


def test_a_claim_after_the_run_date_is_not_retestable_at_its_line(variant: Callable[..., Path]) -> None:
    path = variant(_C1, _C1.replace("(~2025)", "(2027-03)"))
    problems = line_problems(load_line(path), RUN_DATE)

    assert _kinds(problems) == [(ProblemKind.NOT_RETESTABLE, "C1")]
    lineno = lineno_of(path.read_text(encoding="utf-8"), "- Wages in AGI")
    assert problems[0].where == f"{path}:{lineno}"
    assert "2027-03" in problems[0].message and "2026-11-29" in problems[0].message
    assert str(problems[0]).startswith(f"{path}:{lineno}: not re-testable: claim C1 ")


def test_markdown_names_the_front_matter_entry_that_holds_the_date(variant: Callable[..., Path]) -> None:
    md = _as_markdown(variant(_C1, _C1.replace("(~2025)", "(2027-03)")))
    problems = line_problems(load_line(md), RUN_DATE)

    text = md.read_text(encoding="utf-8")
    assert _kinds(problems) == [(ProblemKind.NOT_RETESTABLE, "C1")]
    assert problems[0].where == f"{md}:{lineno_of(text, '- id: C1')}"
    assert text.split("\n")[lineno_of(text, "- id: C1")] == "  date: 2027-03"


def test_a_run_date_before_the_claims_skips_each_claim_after_it(variant: Callable[..., Path]) -> None:
    loaded = load_line(variant("", ""))
    problems = line_problems(loaded, dt.date(2024, 6, 1))

    # C4 is ~2023; the others are ~2025 or ~2026.
    assert _kinds(problems) == [(ProblemKind.NOT_RETESTABLE, c) for c in ("C1", "C2", "C3", "C5")]
    assert set(not_retestable(loaded.line, dt.date(2024, 6, 1))) == {"C1", "C2", "C3", "C5"}


@pytest.mark.parametrize(
    ("written", "run_date", "skipped"),
    [
        ("(2026-11-29)", dt.date(2026, 11, 29), False),  # the run date itself: a one-day window
        ("(2026-11-29)", dt.date(2026, 11, 28), True),
        ("(2026-11)", dt.date(2026, 11, 1), False),  # a month counts from its first day
        ("(~2027)", dt.date(2026, 12, 31), True),
        ("(~2027)", dt.date(2027, 1, 1), False),
    ],
)
def test_the_boundary_is_the_first_day_the_date_can_mean(variant: Callable[..., Path], written: str, run_date: dt.date, skipped: bool) -> None:
    line = load_line(variant(_C1, _C1.replace("(~2025)", written))).line
    assert ("C1" in not_retestable(line, run_date)) is skipped


@pytest.mark.parametrize("to_markdown", [False, True], ids=["text", "md"])
def test_a_repeated_claim_is_a_warning_naming_both_lines(variant: Callable[..., Path], to_markdown: bool) -> None:
    path = variant(_C3, "- wages in AGI  scenarios converge to computational replication cost, not to scarcity or human preference (~2024).")
    path = _as_markdown(path) if to_markdown else path
    loaded = load_line(path)
    problems = line_problems(loaded, RUN_DATE)

    assert _kinds(problems) == [(ProblemKind.WARNING, "C3")]
    assert problems[0].where == f"{path}:{loaded.where.claims['C3']}"
    assert f"repeats claim C1 ({path}:{loaded.where.claims['C1']})" in problems[0].message
    assert loaded.where.claims["C1"] < loaded.where.claims["C3"]


@pytest.mark.parametrize("to_markdown", [False, True], ids=["text", "md"])
@pytest.mark.parametrize("written", ["2507.13524", "2507.13524v2"])
def test_an_anchor_cited_twice_is_a_warning(variant: Callable[..., Path], to_markdown: bool, written: str) -> None:
    path = variant(_A2, f"- arXiv:{written} (2025-01): Gradual Disempowerment")
    path = _as_markdown(path) if to_markdown else path
    loaded = load_line(path)
    problems = line_problems(loaded, RUN_DATE)

    assert _kinds(problems) == [(ProblemKind.WARNING, "A2")]
    assert problems[0].where == f"{path}:{loaded.where.anchors['A2']}"
    assert "arXiv:2507.13524 again, as anchor A1" in problems[0].message


def test_item_lines_point_at_the_items_in_both_formats(variant: Callable[..., Path]) -> None:
    path = variant("", "")
    text = path.read_text(encoding="utf-8").split("\n")
    loaded = load_line(path)
    for claim in loaded.line.prompt.claims:
        assert text[loaded.where.claims[claim.id] - 1].startswith("- " + claim.text[:30])
    for anchor in loaded.line.prompt.anchors:
        assert text[loaded.where.anchors[anchor.id] - 1].startswith(f"- arXiv:{anchor.arxiv_id} ")
    md = _as_markdown(path)
    md_text = md.read_text(encoding="utf-8").split("\n")
    md_loaded = load_line(md)
    for item_id, lineno in {**md_loaded.where.claims, **md_loaded.where.anchors}.items():
        assert md_text[lineno - 1] == f"- id: {item_id}"
