"""Baseline comparison and how an eval ends, on crafted reports."""

from __future__ import annotations

import datetime as dt

from agent.errors import ExitCode
from agent.evaluate.compare import compare, not_in_baseline, verdict_of, with_baseline
from agent.evaluate.results import CaseResult, CaseStatus, EvalReport, Manifest, Metrics, Ratio, SuiteRef

MANIFEST = Manifest(
    created_at=dt.datetime(2026, 11, 29, tzinfo=dt.UTC),
    mode="replay",
    retest_version="0",
    python="3.11",
    packages={},
    suite=SuiteRef(path="s_v1.yaml", name="s", version=1, sha256="x"),
    models={},
    prompts={},
    cassettes={},
    lines={},
)


def metrics(
    verdicts: tuple[int, int] = (4, 4), *, tokens_out: int = 1000, price: float | None = 0.04, calls: int = 10, misses: list[str] | None = None
) -> Metrics:
    return Metrics(
        verdicts=Ratio(hits=verdicts[0], total=verdicts[1], misses=misses or [], missed=[m.split(":")[0] for m in misses or []]),
        must_find=Ratio(hits=3, total=3),
        tokens_in=5000,
        tokens_out=tokens_out,
        price_usd=price,
        model_calls=calls,
        arxiv_requests=8,
        wall_s=1.0,
    )


def report(*cases: CaseResult) -> EvalReport:
    total = Metrics()
    for c in cases:
        if c.metrics:
            total = total + c.metrics
    return EvalReport(manifest=MANIFEST, cases=list(cases), total=total)


def scored(name: str, m: Metrics, failures: list[str] | None = None) -> CaseResult:
    return CaseResult(name=name, status=CaseStatus.SCORED, metrics=m, failures=failures or [])


BASE = report(scored("a", metrics()), scored("b", metrics()))


def test_identical_reports_have_no_delta_and_pass() -> None:
    current = with_baseline(report(scored("a", metrics()), scored("b", metrics(tokens_out=1000))), BASE)
    assert current.deltas == []
    assert verdict_of(current) is None


def test_any_accuracy_drop_is_a_regression_naming_case_metric_and_reason() -> None:
    worse = report(scored("a", metrics((3, 4), misses=["C3: verdict holds, expected qualified"])), scored("b", metrics()))
    deltas = compare(worse, BASE)
    assert [(d.case, d.metric, d.regression) for d in deltas] == [("a", "verdicts", True), ("total", "verdicts", True)]
    error = verdict_of(with_baseline(worse, BASE))
    assert error is not None and error.exit_code == ExitCode.REGRESSION
    assert "case a: verdict accuracy 1.00 -> 0.75 (C3: verdict holds, expected qualified)" in error.message


def test_a_claim_newly_wrong_is_a_regression_even_when_the_score_holds() -> None:
    base = report(scored("a", metrics((3, 4), misses=["C2: verdict holds, expected strengthened"])))
    swapped = report(scored("a", metrics((3, 4), misses=["C3: verdict holds, expected qualified"])))
    error = verdict_of(with_baseline(swapped, base))
    assert error is not None and "case a: verdict accuracy 0.75 -> 0.75 (newly wrong: C3: verdict holds, expected qualified)" in error.message
    same = report(scored("a", metrics((3, 4), misses=["C2: verdict superseded, expected strengthened"])))
    assert verdict_of(with_baseline(same, base)) is None, "the same claim wrong in another way is no news"


def test_an_accuracy_rise_is_shown_but_not_a_regression() -> None:
    base = report(scored("a", metrics((3, 4))))
    deltas = compare(report(scored("a", metrics((4, 4)))), base)
    assert deltas and not any(d.regression for d in deltas)


def test_cost_rises_fail_only_beyond_the_tolerance() -> None:
    within = report(scored("a", metrics(tokens_out=1100)), scored("b", metrics()))
    assert not any(d.regression for d in compare(within, BASE, tolerance_pct=10))
    beyond = report(scored("a", metrics(tokens_out=1101, price=0.05)), scored("b", metrics()))
    regressions = {(d.case, d.metric) for d in compare(beyond, BASE, tolerance_pct=10) if d.regression}
    assert ("a", "tokens_out") in regressions and ("a", "price_usd") in regressions
    error = verdict_of(with_baseline(beyond, BASE, tolerance_pct=10))
    assert error is not None and "case a: tokens out 1000 -> 1101 (+10.1%, over the 10% tolerance)" in error.message
    assert not any(d.regression for d in compare(beyond, BASE, tolerance_pct=30))


def test_a_price_that_becomes_unknown_is_a_regression() -> None:
    current = report(scored("a", metrics(price=None)), scored("b", metrics()))
    assert any(d.metric == "price_usd" and d.regression for d in compare(current, BASE))


def test_totals_are_compared_only_over_the_same_cases() -> None:
    subset = report(scored("a", metrics(tokens_out=5000)))
    deltas = compare(subset, BASE)
    assert {d.case for d in deltas} == {"a"}
    assert not_in_baseline(subset, BASE) == ([], ["b"])


def test_a_case_that_now_errors_is_a_regression_but_a_miss_is_reported_as_a_miss() -> None:
    errored = report(CaseResult(name="a", status=CaseStatus.ERROR, error="boom", exit_code=6), scored("b", metrics()))
    assert any(d.case == "a" and d.metric == "status" and d.regression for d in compare(errored, BASE))
    assert verdict_of(with_baseline(errored, BASE)).exit_code == ExitCode.PROVIDER
    missed = report(
        CaseResult(
            name="a", status=CaseStatus.CASSETTE_MISS, error="cassette miss: POST api.openai.com/v1/chat/completions (node screen, claim C2)", exit_code=4
        ),
        scored("b", metrics()),
    )
    assert not any(d.case == "a" for d in compare(missed, BASE))
    error = verdict_of(with_baseline(missed, BASE))
    assert error.exit_code == ExitCode.CASSETTE_MISS
    assert "case a: cassette miss: POST api.openai.com/v1/chat/completions (node screen, claim C2)" in error.message


def test_gate_failures_fail_without_a_baseline() -> None:
    failing = report(scored("a", metrics(), failures=["ungrounded citation in a proposal: P2: 2411.98765 in after"]))
    error = verdict_of(failing)
    assert error is not None and error.exit_code == ExitCode.REGRESSION
    assert "case a: ungrounded citation in a proposal: P2: 2411.98765 in after" in error.message
    assert verdict_of(report(scored("a", metrics()), CaseResult(name="z", status=CaseStatus.SKIPPED))) is None
