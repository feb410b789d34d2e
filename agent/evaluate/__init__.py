"""Evaluation against recorded cassettes: suites, scoring, reports, baselines.

    loaded = load_suite(Path("evals/suites/starter_v1.yaml"))
    report = run_suite(loaded, EvalPlan())            # replay every case offline
    report = with_baseline(report, load_baseline(Path("evals/baseline.json")))
    error = verdict_of(report)                        # None when the eval passed

`retest eval` (agent/cli/eval_cmd.py) is this, plus tables and a JSON file.
"""

from agent.evaluate.compare import DEFAULT_TOLERANCE_PCT, RegressionError, compare, load_baseline, verdict_of, with_baseline
from agent.evaluate.results import CaseResult, CaseStatus, Delta, EvalReport, Manifest, Metrics, Ratio
from agent.evaluate.run import EvalPlan, run_case, run_suite
from agent.evaluate.suite import Case, Expectations, LoadedSuite, Suite, load_suite, suite_schema

__all__ = [
    "DEFAULT_TOLERANCE_PCT",
    "Case",
    "CaseResult",
    "CaseStatus",
    "Delta",
    "EvalPlan",
    "EvalReport",
    "Expectations",
    "LoadedSuite",
    "Manifest",
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
