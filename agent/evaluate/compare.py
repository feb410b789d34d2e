"""Compare an eval with a baseline report, and decide how the eval ends.

Each metric's declaration (metrics.py) says how it is judged: a regression is
any drop in an accuracy (verdicts, must-find recall, stance, anchors), a rise
in a cost (tokens, model calls, arXiv requests, estimated price) beyond the
tolerance, or a case that scored in the baseline and now cannot be scored.
The rest (wall time, and what gates judge without a baseline) is shown, never compared.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from agent.errors import CassetteMissError, ExitCode, InputError, RetestError
from agent.evaluate.metrics import Judged, Metrics, judged_by, label_of, show
from agent.evaluate.results import CaseStatus, Delta, EvalReport

DEFAULT_TOLERANCE_PCT = 10.0


class RegressionError(RetestError):
    """An eval broke a gate or fell below its baseline (exit code 7)."""

    exit_code = ExitCode.REGRESSION


def load_baseline(path: Path) -> EvalReport:
    """A baseline is an earlier `retest eval --json` report."""
    try:
        return EvalReport.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise InputError(f"baseline {path} not found", hint="Write one with `retest eval SUITE --json FILE`.") from None
    except (OSError, ValueError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise InputError(f"baseline {path} is not an eval report: {first}", hint="Write one with `retest eval SUITE --json FILE`.") from exc


def _quality_deltas(case: str, now: Metrics, before: Metrics) -> list[Delta]:
    out = []
    for metric in judged_by(Judged.ANY_DROP):
        old, new = metric.number(metric.of(before)), metric.number(metric.of(now))
        if old == new:
            continue
        if old is None:
            out.append(Delta(case=case, metric=metric.name, baseline=None, current=new, regression=False, note="newly scored"))
        elif new is None:
            out.append(Delta(case=case, metric=metric.name, baseline=old, current=None, regression=True, note="no longer scored"))
        else:
            misses = "; ".join(metric.misses(now))
            out.append(Delta(case=case, metric=metric.name, baseline=old, current=new, regression=new < old, note=misses))
    return out + _newly_wrong(case, now, before)


def _newly_wrong(case: str, now: Metrics, before: Metrics) -> list[Delta]:
    """Items right in the baseline and wrong now, even when another item's fix keeps the score level.

    Per case only: pooled over cases, 'C1' of one case is not 'C1' of another.
    """
    if case == "total":
        return []
    out = []
    for metric in judged_by(Judged.ANY_DROP):
        r_now, r_before = metric.of(now), metric.of(before)
        if r_now.value is None or r_before.value is None or r_now.value < r_before.value:
            continue  # no score to hide behind, or the drop is already a regression
        fresh = [(about, reason) for about, reason in zip(r_now.missed, r_now.misses, strict=True) if about not in r_before.missed]
        if fresh:
            note = "newly wrong: " + "; ".join(reason for _, reason in fresh)
            out.append(Delta(case=case, metric=metric.name, baseline=r_before.value, current=r_now.value, regression=True, note=note))
    return out


def _cost_deltas(case: str, now: Metrics, before: Metrics, tolerance_pct: float) -> list[Delta]:
    out = []
    for metric in judged_by(Judged.OVER_TOLERANCE):
        old, new = metric.number(metric.of(before)), metric.number(metric.of(now))
        if old == new:
            continue
        if new is None:
            out.append(Delta(case=case, metric=metric.name, baseline=old, current=None, regression=True, note="estimate became unknown"))
            continue
        if old is None:
            out.append(Delta(case=case, metric=metric.name, baseline=None, current=new, regression=False, note="no baseline estimate"))
            continue
        limit = old * (1 + tolerance_pct / 100)
        rise = f"+{(new - old) / old * 100:.1f}%" if old else "from 0"
        over = new > limit + 1e-12
        out.append(
            Delta(
                case=case, metric=metric.name, baseline=old, current=new, regression=over, note=f"{rise}, over the {tolerance_pct:g}% tolerance" if over else ""
            )
        )
    return out


def compare(current: EvalReport, baseline: EvalReport, tolerance_pct: float = DEFAULT_TOLERANCE_PCT) -> list[Delta]:
    """Every metric that changed, per case present in both, and in total when both ran the same cases."""
    deltas: list[Delta] = []
    for case in current.cases:
        before = baseline.case(case.name)
        # A miss is reported as a miss (exit 4), not as a changed score.
        if before is None or before.status is not CaseStatus.SCORED or case.status in (CaseStatus.SKIPPED, CaseStatus.CASSETTE_MISS):
            continue
        if case.metrics is None:
            deltas.append(
                Delta(case=case.name, metric="status", baseline=None, current=None, regression=True, note=f"scored in the baseline, now {case.status}")
            )
            continue
        assert before.metrics is not None
        deltas += _quality_deltas(case.name, case.metrics, before.metrics)
        deltas += _cost_deltas(case.name, case.metrics, before.metrics, tolerance_pct)
    same_cases = [c.name for c in current.cases if c.status is CaseStatus.SCORED] == [c.name for c in baseline.cases if c.status is CaseStatus.SCORED]
    if same_cases:
        deltas += _quality_deltas("total", current.total, baseline.total)
        deltas += _cost_deltas("total", current.total, baseline.total, tolerance_pct)
    return deltas


def not_in_baseline(current: EvalReport, baseline: EvalReport) -> tuple[list[str], list[str]]:
    """(cases new since the baseline, baseline cases this eval did not run): shown, not failed."""
    now = {c.name for c in current.cases}
    before = {c.name for c in baseline.cases}
    return sorted(now - before), sorted(before - now)


def verdict_of(report: EvalReport) -> RetestError | None:
    """The error the eval ends with, or None when it passed.

    A cassette miss wins (exit 4, naming the case and the request), then a run
    that failed for another reason (exit 1), then broken gates and regressions
    (exit 7), each naming the case and metric.
    """
    misses = [c for c in report.cases if c.status is CaseStatus.CASSETTE_MISS]
    if misses:
        detail = "\n".join(f"case {c.name}: {c.error}" for c in misses)
        return CassetteMissError(
            f"{len(misses)} case(s) could not be replayed:\n{detail}",
            hint="A changed prompt, model or graph asks for requests the cassettes lack: re-record with `retest eval SUITE --live --record-dir DIR` (needs keys), or restore what the cassettes were recorded with.",
        )
    errors = [c for c in report.cases if c.status is CaseStatus.ERROR]
    if errors:
        failed = RetestError("\n".join(f"case {c.name} failed: {c.error}" for c in errors))
        failed.exit_code = ExitCode(errors[0].exit_code or ExitCode.RUN_FAILED)
        return failed
    problems = [f"case {c.name}: {f}" for c in report.cases for f in c.failures]
    problems += [_describe(d) for d in report.deltas if d.regression]
    if problems:
        return RegressionError(f"eval failed ({len(problems)} problem{'s' if len(problems) > 1 else ''}):\n" + "\n".join(f"  {p}" for p in problems))
    return None


def _describe(d: Delta) -> str:
    where = "total" if d.case == "total" else f"case {d.case}"
    change = f"{show(d.metric, d.baseline)} -> {show(d.metric, d.current)}"
    return f"{where}: {label_of(d.metric)} {change}" + (f" ({d.note})" if d.note else "")


def with_baseline(report: EvalReport, baseline: EvalReport, *, path: Path | None = None, tolerance_pct: float = DEFAULT_TOLERANCE_PCT) -> EvalReport:
    """The report with its deltas against `baseline` filled in."""
    return report.model_copy(
        update={"deltas": compare(report, baseline, tolerance_pct), "tolerance_pct": tolerance_pct, "baseline": path.as_posix() if path else "(given)"}
    )
