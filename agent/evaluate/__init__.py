"""Evaluation against recorded cassettes: suites, scoring, reports, baselines.

    loaded = load_suite(Path("evals/suites/starter_v1.yaml"))
    report = run_suite(loaded, EvalPlan())            # replay every case offline
    report = with_baseline(report, load_baseline(Path("evals/baseline.json")))
    error = verdict_of(report)                        # None when the eval passed

`retest eval` (agent/cli/eval_cmd.py) is this, plus tables and a JSON file.
Every metric is declared once, as a field of `Metrics` in metrics.py (`METRICS`).
"""

from typing import TYPE_CHECKING

from agent._lazy import lazy_exports

if TYPE_CHECKING:  # the real names, for type checkers
    from agent.evaluate.compare import DEFAULT_TOLERANCE_PCT, RegressionError, compare, load_baseline, verdict_of, with_baseline
    from agent.evaluate.metrics import METRICS, Metric, Metrics
    from agent.evaluate.ratio import Ratio
    from agent.evaluate.results import CaseResult, CaseStatus, Delta, EvalReport, Manifest
    from agent.evaluate.run import EvalPlan, run_case, run_suite
    from agent.evaluate.suite import Case, Expectations, LoadedSuite, Suite, load_suite, suite_schema

_EXPORTS = {
    "DEFAULT_TOLERANCE_PCT": "agent.evaluate.compare",
    "RegressionError": "agent.evaluate.compare",
    "compare": "agent.evaluate.compare",
    "load_baseline": "agent.evaluate.compare",
    "verdict_of": "agent.evaluate.compare",
    "with_baseline": "agent.evaluate.compare",
    "METRICS": "agent.evaluate.metrics",
    "Metric": "agent.evaluate.metrics",
    "Metrics": "agent.evaluate.metrics",
    "Ratio": "agent.evaluate.ratio",
    "CaseResult": "agent.evaluate.results",
    "CaseStatus": "agent.evaluate.results",
    "Delta": "agent.evaluate.results",
    "EvalReport": "agent.evaluate.results",
    "Manifest": "agent.evaluate.results",
    "EvalPlan": "agent.evaluate.run",
    "run_case": "agent.evaluate.run",
    "run_suite": "agent.evaluate.run",
    "Case": "agent.evaluate.suite",
    "Expectations": "agent.evaluate.suite",
    "LoadedSuite": "agent.evaluate.suite",
    "Suite": "agent.evaluate.suite",
    "load_suite": "agent.evaluate.suite",
    "suite_schema": "agent.evaluate.suite",
}
__all__ = [
    "Case",
    "CaseResult",
    "CaseStatus",
    "DEFAULT_TOLERANCE_PCT",
    "Delta",
    "EvalPlan",
    "EvalReport",
    "Expectations",
    "LoadedSuite",
    "METRICS",
    "Manifest",
    "Metric",
    "Metrics",
    "Ratio",
    "RegressionError",
    "Suite",
    "compare",
    "load_baseline",
    "load_suite",
    "run_case",
    "run_suite",
    "suite_schema",
    "verdict_of",
    "with_baseline",
]
__getattr__ = lazy_exports(__name__, _EXPORTS)
