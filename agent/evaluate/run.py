"""Run a suite's cases through the real runner, each in its own temporary state directory.

Replay (the default) answers every request from the case's cassette: free,
offline, seconds. Record (`--live --record-dir DIR`) calls the real services
and writes DIR/<case>.yaml, so a new model or prompt can be re-baselined.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from agent.config import Settings, load_settings
from agent.errors import CassetteMissError, ConfigError, InputError, RetestError
from agent.evaluate.manifest import build_manifest
from agent.evaluate.results import CaseResult, CaseStatus, EvalReport, Metrics
from agent.evaluate.score import gate_failures, measure
from agent.evaluate.suite import Case, LoadedSuite
from agent.llm.keys import key_is_set
from agent.llm.model_string import parse_model_string
from agent.llm.providers import provider_spec
from agent.runner import cassette_run_date, start_run
from agent.services import RunRequest
from agent.store import Store

EvalMode = Literal["replay", "record"]
Progress = Callable[[str, CaseResult | None], None]


@dataclass(frozen=True)
class EvalPlan:
    """Which cases to run and how."""

    mode: EvalMode = "replay"
    record_dir: Path | None = None
    only: tuple[str, ...] = ()

    def cassette_for(self, loaded: LoadedSuite, case: Case) -> Path:
        if self.mode == "record":
            assert self.record_dir is not None
            return self.record_dir / f"{case.name}.yaml"
        return loaded.resolve(case.cassette)


def case_settings(loaded: LoadedSuite, case: Case) -> Settings:
    """The case's effective settings: its settings and models (else the suite's models) over the one settings path."""
    overrides: dict[str, Any] = dict(case.options.settings)
    for role, model in (case.options.models or loaded.suite.models or {}).items():
        overrides[role] = model
    return load_settings(overrides=overrides)


def case_models(loaded: LoadedSuite, case: Case) -> dict[str, str]:
    """The models a case runs with."""
    return case_settings(loaded, case).models()


def selected(loaded: LoadedSuite, only: tuple[str, ...]) -> list[Case]:
    names = {c.name for c in loaded.suite.cases}
    unknown = [n for n in only if n not in names]
    if unknown:
        raise InputError(f"no case named {', '.join(unknown)} in suite {loaded.path.name}", hint=f"Cases: {', '.join(sorted(names))}.")
    return [c for c in loaded.suite.cases if not only or c.name in only]


def check_keys(loaded: LoadedSuite, cases: list[Case]) -> None:
    """Before a live eval spends anything: every provider the cases use has its key set."""
    missing: dict[str, list[str]] = {}
    for case in cases:
        for model in case_models(loaded, case).values():
            spec = provider_spec(parse_model_string(model).provider)
            if spec.key_needed and spec.key_variable and not key_is_set(spec.name):
                missing.setdefault(spec.key_variable, []).append(case.name)
    if missing:
        names = ", ".join(sorted(missing))
        raise ConfigError(
            f"a live eval needs {names}, which {'is' if len(missing) == 1 else 'are'} not set",
            hint=f"Set {names} in the environment, or drop --live to replay the committed cassettes (no keys needed).",
        )


def run_case(loaded: LoadedSuite, case: Case, plan: EvalPlan) -> CaseResult:
    """Run one case and score it; a cassette miss or a run error is recorded as such, never as a score."""
    cassette = plan.cassette_for(loaded, case)
    run_date = case.options.run_date or (cassette_run_date(cassette) if plan.mode == "replay" else None)
    request = RunRequest(mode=plan.mode, cassette=cassette, run_date=run_date, use_cache=False, settings=case_settings(loaded, case))
    with tempfile.TemporaryDirectory(prefix="retest-eval-") as tmp:
        store = Store.open(Path(tmp) / "retest.db")
        try:
            started = time.perf_counter()
            outcome = start_run(loaded.resolve(case.line), request, store)
            wall = time.perf_counter() - started
        except CassetteMissError as exc:
            return CaseResult(name=case.name, status=CaseStatus.CASSETTE_MISS, error=str(exc), exit_code=int(exc.exit_code))
        except RetestError as exc:
            return CaseResult(name=case.name, status=CaseStatus.ERROR, error=str(exc), exit_code=int(exc.exit_code))
        finally:
            store.close()
    metrics = measure(outcome.state, case.expect, arxiv_requests=outcome.requests_sent, wall_s=wall)
    return CaseResult(name=case.name, status=CaseStatus.SCORED, metrics=metrics, failures=gate_failures(outcome.state, metrics, case.expect))


def total_of(results: list[CaseResult]) -> Metrics:
    """Metrics summed over the scored cases (ratios pooled: hits over totals)."""
    total = Metrics()
    for result in results:
        if result.metrics is not None:
            total = total + result.metrics
    return total


def run_suite(loaded: LoadedSuite, plan: EvalPlan, *, progress: Progress | None = None) -> EvalReport:
    """Run the plan's cases in order and assemble the report (no baseline comparison)."""
    cases = selected(loaded, plan.only)
    if plan.mode == "record":
        check_keys(loaded, [c for c in cases if c.live])
    results = []
    for case in cases:
        if plan.mode == "record" and not case.live:
            result = CaseResult(name=case.name, status=CaseStatus.SKIPPED, error="scripted fault: real services cannot reproduce it")
        else:
            if progress:
                progress(case.name, None)
            result = run_case(loaded, case, plan)
        if progress:
            progress(case.name, result)
        results.append(result)
    ran = [c for c in cases if c.name in {r.name for r in results if r.status is not CaseStatus.SKIPPED}]
    manifest = build_manifest(
        loaded,
        mode=plan.mode,
        models={c.name: case_models(loaded, c) for c in ran},
        cassettes={c.name: plan.cassette_for(loaded, c) for c in ran},
        lines={c.name: loaded.resolve(c.line) for c in ran},
    )
    return EvalReport(manifest=manifest, cases=results, total=total_of(results))
