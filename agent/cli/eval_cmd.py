"""`retest eval`: replay a suite's cases, score them, compare with a baseline."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agent.cli.app import app, err, out
from agent.errors import InputError

# Scoring reads LangGraph state types: the evaluation room loads only when `retest eval` runs.
if TYPE_CHECKING:
    from agent.evaluate.results import CaseResult, EvalReport
    from agent.evaluate.run import EvalPlan


def _progress(name: str, result: CaseResult | None) -> None:
    from agent.evaluate.results import CaseStatus

    if result is None:
        err.print(f"case {name} …", highlight=False)
    elif result.status is CaseStatus.SCORED:
        state = "pass" if result.passed else f"{len(result.failures)} failure(s)"
        err.print(f"case {name}: {state} ({result.metrics.wall_s:.1f}s)", highlight=False)  # type: ignore[union-attr]
    else:
        err.print(f"case {name}: {result.status}", highlight=False)


def _write_json(report: EvalReport, path: Path) -> None:
    """Atomically: a half-written report must never become someone's baseline."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise InputError(f"--json {path}: cannot write the report there: {exc.strerror or exc}", hint="Give a path in a folder you can write to.") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(report.model_dump_json(indent=2) + "\n")
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(f"--json {path}: cannot write the report there: {exc.strerror or exc}", hint="Give a path in a folder you can write to.") from None
        raise


def _plan(live: bool, record_dir: Path | None, cases: list[str] | None) -> EvalPlan:
    from agent.evaluate.run import EvalPlan

    if live and record_dir is None:
        raise InputError(
            "--live needs --record-dir DIR, where the fresh cassettes are written",
            hint="Example: retest eval evals/suites/starter_v1.yaml --live --record-dir cassettes/evals-new",
        )
    if record_dir is not None and not live:
        raise InputError("--record-dir is for --live runs only", hint="Replay needs no record directory: drop --record-dir, or add --live (needs keys).")
    if record_dir is not None and record_dir.exists() and not record_dir.is_dir():
        raise InputError(f"--record-dir {record_dir} exists and is not a directory")
    return EvalPlan(mode="record" if live else "replay", record_dir=record_dir, only=tuple(cases or ()))


@app.command("eval")
def eval_cmd(
    suite: Annotated[Path, typer.Argument(help="The suite file, e.g. evals/suites/starter_v1.yaml.")],
    baseline: Annotated[
        Path | None, typer.Option(help="An earlier `--json` report: fail on any drop in accuracy or recall, or a cost rise over --tolerance.")
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the full report, with its manifest, as JSON to this file.")] = None,
    tolerance: Annotated[
        float | None,
        typer.Option(min=0.0, help="Percent by which tokens, calls, arXiv requests or price may rise over the baseline.  [default: 10]", show_default=False),
    ] = None,
    case: Annotated[list[str] | None, typer.Option("--case", help="Run only this case (repeatable).")] = None,
    live: Annotated[bool, typer.Option("--live", help="Call the real services (keys needed) instead of replaying, recording fresh cassettes.")] = False,
    record_dir: Annotated[Path | None, typer.Option(help="With --live: write DIR/<case>.yaml for every case run.")] = None,
) -> None:
    """Replay every case of SUITE offline, score it, and print a table per case and in total.

    Exits 7 when a case breaks a gate (ungrounded citation, forbidden ID,
    budget, proposal count) or, against --baseline, when accuracy or recall
    drops or cost rises beyond --tolerance; 4 when a cassette lacks a request.

    Example (offline, as CI runs it):

        retest eval evals/suites/starter_v1.yaml --baseline evals/baseline.json

    Example (write a new baseline):

        retest eval evals/suites/starter_v1.yaml --json evals/baseline.json

    Example (re-record against the real services; needs keys):

        retest eval evals/suites/starter_v1.yaml --live --record-dir cassettes/evals-new
    """
    if json_out is not None and json_out.is_dir():
        # Found before the suite runs, not after it.
        raise InputError(f"--json {json_out} is a directory", hint=f"Name a file, e.g. --json {json_out / 'report.json'}")
    from agent.evaluate.compare import DEFAULT_TOLERANCE_PCT, load_baseline, not_in_baseline, verdict_of, with_baseline
    from agent.evaluate.render import print_report
    from agent.evaluate.run import run_suite
    from agent.evaluate.suite import load_suite

    plan = _plan(live, record_dir, case)
    loaded = load_suite(suite, need_cassettes=not live)
    previous = load_baseline(baseline) if baseline else None
    report = run_suite(loaded, plan, progress=_progress)
    new: list[str] = []
    absent: list[str] = []
    if previous is not None:
        report = with_baseline(report, previous, path=baseline, tolerance_pct=DEFAULT_TOLERANCE_PCT if tolerance is None else tolerance)
        new, absent = not_in_baseline(report, previous)
    print_report(report, out, new=new, absent=absent)
    if json_out is not None:
        _write_json(report, json_out)
        err.print(f"report written to {json_out}", markup=False, highlight=False)
    problem = verdict_of(report)
    if problem is not None:
        raise problem
    out.print("[green]eval passed[/]" + (f" against {baseline}" if baseline else ""))
