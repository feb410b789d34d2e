"""Issue 12 point 2: each claim's date against its anchors' first submissions and the supporting work found."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from agent.graph.claim_dates import DateFit, check_claim, date_checks, dated_a_year_after, period_end
from agent.graph.records import AnchorCheck, ClaimResult, Finding, Stance
from agent.line.dates import parse_fuzzy_date
from agent.line.models import Claim
from agent.runner import cassette_run_date, start_run
from agent.services import RunRequest
from agent.sources.models import LookupStatus, Paper
from agent.store import Store

REPO = Path(__file__).resolve().parents[2]
LINE = REPO / "examples" / "bargaining-power.txt"
CASSETTE = REPO / "cassettes" / "demo" / "bargaining-power.yaml"


def _claim(date: str) -> Claim:
    return Claim(id="C1", text="a claim", date=parse_fuzzy_date(date))


def _anchor(first: str | None, anchor_id: str = "A1", arxiv_id: str = "2507.13524") -> AnchorCheck:
    submitted = dt.date.fromisoformat(first) if first else None
    return AnchorCheck(
        anchor_id=anchor_id, arxiv_id=arxiv_id, status=LookupStatus.FOUND, cited_title="t", cited_date="2025", first_submitted=submitted, claims=["C1"]
    )


def _support(published: str, stance: Stance = Stance.SUPPORTS) -> tuple[ClaimResult, dict[str, Paper]]:
    paper = Paper(arxiv_id="2602.17293", title="t", summary="s", published=dt.date.fromisoformat(published))
    finding = Finding(claim_id="C1", arxiv_id=paper.arxiv_id, stance=stance, quote="q", confidence=0.9)
    return ClaimResult(claim_id="C1", findings=[finding]), {paper.arxiv_id: paper}


def test_the_demo_line_has_a_date_check_for_every_claim_and_c2_is_a_year_after_its_anchor():
    request = RunRequest(mode="replay", cassette=CASSETTE, run_date=cassette_run_date(CASSETTE))
    outcome = start_run(LINE, request, Store.open())
    state = outcome.state
    assert outcome.line is not None
    checks = {c.claim_id: c for c in date_checks(outcome.line, state["anchor_checks"], state["claim_results"], state["papers"])}
    assert list(checks) == ["C1", "C2", "C3", "C4", "C5"]
    assert {k: c.fit for k, c in checks.items()} == {
        "C1": DateFit.NO_ANCHOR,
        "C2": DateFit.AFTER_ANCHORS,
        "C3": DateFit.CONSISTENT,
        "C4": DateFit.CONSISTENT,
        "C5": DateFit.CONSISTENT,
    }
    assert checks["C2"].message.startswith("C2 is dated ~2026; its anchor A1 (arXiv:2507.13524) was first submitted 2025-07")
    assert checks["C2"].suggested_date is None  # work from 2026 backs it: nothing to revise


def test_a_claim_dated_before_its_anchor_existed_gets_the_anchors_date():
    check = check_claim(_claim("~2023"), [_anchor("2025-03-04")], None, {})
    assert check.fit is DateFit.BEFORE_ANCHOR and check.suggested_date == "2025-03"
    assert "before its anchor A1 (arXiv:2507.13524) was first submitted (2025-03)" in check.message


def test_a_claim_dated_after_all_its_evidence_gets_the_newest_evidences_date():
    result, papers = _support("2025-11-02", Stance.QUALIFIES)
    check = check_claim(_claim("2026-08"), [_anchor("2025-07-17")], result, papers)
    assert check.fit is DateFit.AFTER_EVIDENCE and check.suggested_date == "2025-11"
    assert check.message.endswith("so the claim is dated later than all its evidence")


def test_support_that_contradicts_does_not_date_a_claim():
    result, papers = _support("2026-09-01", Stance.CONTRADICTS)
    check = check_claim(_claim("~2026"), [_anchor("2025-07-17")], result, papers)
    assert check.fit is DateFit.AFTER_EVIDENCE and check.latest_support is None and check.suggested_date == "2025-07"


@pytest.mark.parametrize(
    ("claim", "first", "after"),
    [("~2026", "2025-12-31", True), ("~2025", "2025-01-01", False), ("2026-07", "2025-07-17", True), ("2026-06", "2025-07-17", False)],
)
def test_a_year_after_is_by_calendar_year_for_a_year_and_twelve_months_for_a_month(claim: str, first: str, after: bool):
    assert dated_a_year_after(parse_fuzzy_date(claim), dt.date.fromisoformat(first)) is after


def test_a_period_ends_on_its_last_day():
    assert period_end(parse_fuzzy_date("~2024")) == dt.date(2024, 12, 31)
    assert period_end(parse_fuzzy_date("2024-02")) == dt.date(2024, 2, 29)


def test_an_anchor_without_a_first_submission_is_not_evidence_of_a_date():
    check = check_claim(_claim("~2026"), [_anchor(None)], None, {})
    assert check.fit is DateFit.NO_ANCHOR and check.anchors == []
