"""`--since-last` through the real graph: what a second run asks, carries and says (issue 20)."""

from __future__ import annotations

import datetime as dt

from agent.graph.records import VerdictKind
from agent.graph.since_last import build_plan
from agent.graph.since_last_changes import what_changed_lines
from tests.graph.fakes import ScriptedModel
from tests.since_last.scenario import FIRST, LATER, PAPERS, first_run, make_line, rejected, run, script, source


def _tasks(model: ScriptedModel) -> list[str]:
    return sorted(task for task, _ in model.calls)


def test_nothing_new_makes_no_model_call_and_says_no_change() -> None:
    first, plan = first_run()
    model = ScriptedModel(script())
    src = source(LATER)
    second = run(make_line(), LATER, model, src, plan)
    assert model.calls == []  # no planning, screening, judging, questions or drafting
    for cid in ("C1", "C2"):
        assert second["claim_results"][cid].verdict == first["claim_results"][cid].verdict
    # Only the window after the last run (less the 7-day overlap) was searched, with the last run's queries.
    since = FIRST - dt.timedelta(days=7)
    asked = {"abs:compute", "abs:compute AND abs:premium", "abs:partners", "abs:partners AND abs:premium"}
    assert sorted(src.queries) == sorted((q, since, LATER) for q in asked)
    summary = second["since_last"]
    assert [c.mode for c in summary.claims] == ["carried", "carried"] and not summary.changed
    text = "\n".join(what_changed_lines(summary))
    assert "- C1: no change (holds); no new paper; searched 2026-01-25..2026-07-01: [support] abs:compute; [contradict] abs:compute AND abs:premium" in text
    assert second["proposals"] == []


def test_a_new_contradicting_paper_moves_the_verdict_and_the_report_says_why() -> None:
    _, plan = first_run()
    model = ScriptedModel(script())
    second = run(make_line(), LATER, model, source(LATER, new={"compute": ["2605.03210"]}), plan)
    # C1 gets one screening of the new paper alone and one judgement; C2 nothing.
    assert _tasks(model) == ["draft_proposals", "judge C1", "propose_questions", "screen C1"]
    screened = next(data for task, data in model.calls if task == "screen C1")
    assert "2605.03210" in screened and "2505.18687" not in screened
    judged = next(data for task, data in model.calls if task == "judge C1")
    assert "2505.18687" in judged and "2605.03210" in judged  # the old findings and the new one
    assert second["claim_results"]["C1"].verdict.verdict is VerdictKind.QUALIFIED
    text = "\n".join(what_changed_lines(second["since_last"]))
    assert "- C1: holds -> qualified since 2026-02-01, because of arXiv:2605.03210" in text
    assert "- new contradicting work: arXiv:2605.03210 against C1" in text
    assert "- C2: no change (holds)" in text


def test_a_changed_claim_alone_is_re_tested_in_full() -> None:
    first, _ = first_run()
    changed = make_line(c2="Humans learn to prefer AI partners over human ones")
    plan = build_plan(changed, "first", FIRST, {**first, "decisions": {}})
    model = ScriptedModel(script())
    second = run(changed, LATER, model, source(LATER), plan)
    assert _tasks(model) == ["draft_proposals", "judge C2", "plan_claims", "propose_questions", "read_anchors", "screen C2"]
    planned = next(data for task, data in model.calls if task == "plan_claims")
    assert 'label="claim C2"' in planned and 'label="claim C1"' not in planned, "the carried claim is not planned again"
    screened = next(data for task, data in model.calls if task == "screen C2")
    assert "2511.16769" in screened  # screened again: the claim is not the one it was screened for
    text = "\n".join(what_changed_lines(second["since_last"]))
    assert "- C2: re-tested in full (its text or date changed since the last run): was holds, now holds" in text
    assert "- C1: no change (holds)" in text


def test_a_rejected_proposal_is_not_proposed_again_without_new_evidence() -> None:
    first, _ = first_run()
    revision = next(p for p in first["proposals"] if p.kind == "revise_claim")
    plan = build_plan(make_line(), "first", FIRST, {**first, "decisions": rejected(revision.id)})
    # New work for C2 makes the writer draft again, and it drafts the same revision of C1 on the same evidence.
    model = ScriptedModel(script())
    second = run(make_line(), LATER, model, source(LATER, new={"partners": ["2602.17293"]}), plan)
    assert "draft_proposals" in _tasks(model)
    assert not [p for p in second["proposals"] if p.kind == "revise_claim"]
    assert [p.id for p in second["proposals"]] == [f"P{i}" for i in range(1, len(second["proposals"]) + 1)]
    text = "\n".join(what_changed_lines(second["since_last"]))
    assert f"- not proposed again: revise_claim C1: rejected as {revision.id} of run first on 2026-02-03 (not convinced); no new evidence since" in text


def test_a_rejected_proposal_comes_back_with_new_evidence_and_says_what_is_new() -> None:
    first, _ = first_run()
    revision = next(p for p in first["proposals"] if p.kind == "revise_claim")
    plan = build_plan(make_line(), "first", FIRST, {**first, "decisions": rejected(revision.id)})
    model = ScriptedModel(script(revise_with=("2505.18687", "2605.03210")))
    second = run(make_line(), LATER, model, source(LATER, new={"compute": ["2605.03210"]}), plan)
    again = [p for p in second["proposals"] if p.kind == "revise_claim"]
    assert len(again) == 1
    assert again[0].rationale.endswith(f"New since {revision.id} of run first was rejected on 2026-02-03: arXiv:2605.03210.")


def test_an_accepted_proposal_is_not_proposed_again_even_with_new_evidence() -> None:
    first, _ = first_run()
    revision = next(p for p in first["proposals"] if p.kind == "revise_claim")
    accepted = {revision.id: rejected(revision.id)[revision.id].model_copy(update={"kind": "accept", "reason": ""})}
    plan = build_plan(make_line(), "first", FIRST, {**first, "decisions": accepted})
    model = ScriptedModel(script(revise_with=("2505.18687", "2605.03210")))
    second = run(make_line(), LATER, model, source(LATER, new={"compute": ["2605.03210"]}), plan)
    assert not [p for p in second["proposals"] if p.kind == "revise_claim"]
    assert any("accepted as" in why for why in second["since_last"].not_repeated)


def test_a_run_without_a_plan_is_unchanged() -> None:
    """Without --since-last nothing carries: every claim is planned (in the line's one plan), screened and judged, and no summary is kept."""
    model = ScriptedModel(script())
    state = run(make_line(), LATER, model, source(LATER))
    assert _tasks(model) == [
        "draft_proposals",
        "judge C1",
        "judge C2",
        "plan_claims",
        "propose_questions",
        "read_anchors",
        "screen C1",
        "screen C2",
    ]
    assert "since_last" not in state


def test_an_anchor_in_a_new_version_is_checked_again_and_reported() -> None:
    _, plan = first_run()
    model = ScriptedModel(script())
    src = source(LATER)
    v2 = PAPERS["2507.13524"].model_copy(update={"version": 2})
    src.versions = {"2507.13524": v2}
    second = run(make_line(), LATER, model, src, plan)
    text = "\n".join(what_changed_lines(second["since_last"]))
    assert "- anchors: A1 arXiv:2507.13524 new version v2 (was v1)" in text
    assert second["since_last"].changed
    # Something changed, so the line-level steps ask their models again; no claim is judged again.
    assert _tasks(model) == ["draft_proposals", "propose_questions"]


def test_an_anchor_in_the_same_version_keeps_its_last_check() -> None:
    first, plan = first_run()
    second = run(make_line(), LATER, ScriptedModel(script()), source(LATER), plan)
    assert second["anchor_checks"] == first["anchor_checks"]
    assert "- anchors: no new or withdrawn version" in "\n".join(what_changed_lines(second["since_last"]))


def test_the_overlap_sets_where_the_window_starts() -> None:
    first, _ = first_run()
    plan = build_plan(make_line(), "first", FIRST, {**first, "decisions": {}}, overlap_days=0)
    src = source(LATER)
    run(make_line(), LATER, ScriptedModel(script()), src, plan)
    assert {since for _, since, _ in src.queries} == {FIRST}
