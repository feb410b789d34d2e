"""`retest run --all DIR`: progress bars for the library and per line, a summary table at the end.

The command itself is `run` in run_cmd.py; this module holds what `--all` adds.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

import typer
from rich import box
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from agent.cli._cost import CONFIRM_ABOVE_USD, budget_for, check_max_cost, confirm_library, estimate_paths, print_library_estimate, since_last_carried
from agent.cli._since_last import library_exit, library_lock, quiet_lines, with_plan
from agent.cli.app import err, out
from agent.cli.batch_cmd import exit_if_waiting, settle_runs
from agent.cli.progress import duration, time_left
from agent.errors import BudgetExceeded, ExitCode, InputError, RetestError
from agent.estimate import LineEstimate, library_total, load_token_sizes
from agent.events import CallFinished, ClaimStage, NodeFinished, RunEvent, RunStarted
from agent.library import LibraryOutcome, LineResult, cassette_for, discover_lines, line_result, run_library
from agent.llm.base import money, total_cost
from agent.llm.budget import Budget, spending_limit
from agent.runner import Progress as RunProgress
from agent.runner import RunOutcome, cassette_run_date, start_run
from agent.runs import RunStatus
from agent.services import RunRequest, build_services
from agent.store import Store


class LibraryView:
    """One bar for the library (lines finished; calls, cost and time left beside it) and one per line in flight (claims and steps done)."""

    def __init__(self, total: int, *, expected_calls: int | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        """`expected_calls`: the library's estimated calls, which the time left counts towards."""
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("[dim]{task.fields[spend]}"),
            console=err, transient=False,
        )  # fmt: skip
        self.library = self.progress.add_task("[bold]library", total=total, spend="")
        self.calls = 0
        self.costs: list[float | None] = []
        self.expected_calls = expected_calls
        self._clock = clock
        self._started = clock()
        self._lines: dict[Path, TaskID] = {}
        self._lock = threading.Lock()

    def spend(self) -> str:
        """Calls made, the running cost and the time left at the pace so far, e.g. '12 calls, $0.0400 so far; about 2 min 10 s left'."""
        if not self.calls:
            return ""
        left = time_left(self._clock() - self._started, self.calls, self.expected_calls or 0)
        return f"{self.calls} calls, {money(total_cost(self.costs))} so far" + (f"; about {duration(left)} left" if left is not None else "")

    def line(self, path: Path) -> Callable[[RunEvent], None]:
        """The progress callback for one line; its bar counts claims and line steps, and appears when the line starts."""
        steps: set[str] = set()

        def update(event: RunEvent) -> None:
            with self._lock:
                if isinstance(event, RunStarted):
                    steps.update(event.steps)
                    self._lines[path] = self.progress.add_task(f"  {escape(path.stem)}", total=len(event.claims) + len(event.steps), spend="")
                elif isinstance(event, CallFinished):
                    self.calls += 1
                    self.costs.append(event.cost_usd)
                    self.progress.update(self.library, spend=self.spend())
                elif path in self._lines and ((isinstance(event, ClaimStage) and event.done) or (isinstance(event, NodeFinished) and event.node in steps)):
                    self.progress.advance(self._lines[path])

        return update

    def done(self, result: LineResult) -> None:
        """Mark a line finished: its bar leaves, the library's advances."""
        with self._lock:
            task = self._lines.pop(result.path, None)
            if task is not None:
                self.progress.update(task, visible=False)
            self.progress.advance(self.library)


def library_requests(
    directory: Path, template: RunRequest, *, replay_dir: Path | None, record_dir: Path | None
) -> tuple[list[Path], Callable[[Path], RunRequest]]:
    """The line files of `directory` and a function giving each its own RunRequest.

    With --replay or --record, the option names a folder holding one cassette
    per line, named after it (`<line>.yaml`).
    """
    lines = discover_lines(directory)
    for option, folder in (("--replay", replay_dir), ("--record", record_dir)):
        if folder is not None and folder.exists() and not folder.is_dir():
            raise InputError(
                f"with --all, {option} takes a folder of cassettes, and {folder} is a file",
                hint=f"Give a folder holding one cassette per line, named after it (e.g. {lines[0].stem}.yaml).",
            )
    if replay_dir is not None and not replay_dir.exists():
        # Checked once here: otherwise every line fails alike, each with its own "not found".
        raise InputError(
            f"--replay {replay_dir}: no such folder of cassettes",
            hint=f"Give the folder holding one cassette per line, named after it (e.g. {lines[0].stem}.yaml).",
        )
    folder = replay_dir or record_dir

    def request_for(path: Path) -> RunRequest:
        cassette = cassette_for(path, folder) if folder else None
        run_date = template.run_date or (cassette_run_date(cassette) if replay_dir and cassette else None)
        return RunRequest(
            mode=template.mode, cassette=cassette, run_date=run_date, use_cache=template.use_cache, settings=template.settings, batch=template.batch
        )

    return lines, request_for


def run_all(
    directory: Path,
    template: RunRequest,
    *,
    replay_dir: Path | None = None,
    record_dir: Path | None = None,
    dry_run: bool = False,
    max_cost: float | None = None,
    yes: bool = False,
    confirm_above: float = CONFIRM_ABOVE_USD,
    since_last: int | None = None,
    quiet: bool = False,
    wait: bool = False,
    poll_s: float = 60.0,
) -> None:
    """Run every line of `directory`, show progress, print the summary; exit 1 if any line failed, 8 if the budget stopped one.

    `dry_run` prints the estimate and stops before anything (keys, cassettes, the state directory) is needed.
    `since_last` (the overlap in days) re-tests each line since its last run, under the state directory's lock, and exits
    0 when nothing changed, 10 when there are changes to review (agent.cli._since_last); `quiet` prints one line per line.
    """
    lines, request_for = library_requests(directory, template, replay_dir=replay_dir, record_dir=record_dir)
    if dry_run:
        sizes = load_token_sizes()
        run_date = _run_date(request_for, lines[0])
        carried = since_last_carried(lines, run_date, since_last) if since_last is not None else None
        print_library_estimate(estimate_paths(lines, template.settings, run_date, sizes, carried, batch=template.batch), sizes)
        return
    # A configuration error (a missing key, a bad model string) would fail every line alike: report it once, up front.
    build_services(template, None)
    check_max_cost(max_cost, template.settings)
    total = library_total(_readable_estimates(lines, request_for, template))
    confirm_library(total, mode=template.mode, max_cost=max_cost, yes=yes, threshold=confirm_above)
    if record_dir is not None:
        # Only now, so a refused run leaves no empty folder behind.
        _make_folder(record_dir, "--record")
    store = Store.open()
    view = LibraryView(len(lines), expected_calls=total.calls)
    budget = budget_for(max_cost)
    stops: dict[Path, str] = {}
    if since_last is not None:
        planned, overlap = request_for, since_last
        request_for = lambda path: with_plan(planned(path), store, path, overlap)  # noqa: E731 - each line with the plan from its last run
    try:
        with library_lock(store) if since_last is not None else nullcontext(), nullcontext() if quiet else view.progress, spending_limit(budget):
            outcome = run_library(
                lines, request_for, store, progress_for=None if quiet else view.line, on_done=None if quiet else view.done, run_line=_within(budget, stops)
            )
    except KeyboardInterrupt:
        # Typer would exit 130 silently; say what was kept and how to go on.
        err.print(
            "interrupted: lines not yet started were skipped. `retest runs` lists the runs made; continue one with `retest resume RUN_ID`.",
            markup=False, highlight=False, soft_wrap=True,
        )  # fmt: skip
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    if template.batch:
        try:
            outcome = _after_batches(outcome, store, wait=wait, poll_s=poll_s)
        except KeyboardInterrupt:
            err.print("interrupted: the runs wait for their batches, saved. Go on with: retest resume --waiting", markup=False, highlight=False)
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    if quiet:
        quiet_lines(outcome.results)
    else:
        print_summary(outcome, stops)
    if since_last is not None:
        raise typer.Exit(int(library_exit(outcome, stops)))
    if any(r.path not in stops for r in outcome.failed):
        raise typer.Exit(int(ExitCode.RUN_FAILED))
    if stops:
        raise typer.Exit(int(ExitCode.BUDGET))
    if template.batch:
        exit_if_waiting(store, [r.run_id for r in outcome.results if r.run_id])


def _after_batches(outcome: LibraryOutcome, store: Store, *, wait: bool, poll_s: float) -> LibraryOutcome:
    """The library once its waiting lines' batches are submitted (and, with --wait, collected and gone on): each line's latest result."""
    waiting = [r.run_id for r in outcome.results if r.run_id and r.status is RunStatus.WAITING]
    if not waiting:
        return outcome
    started = time.perf_counter()
    latest = settle_runs(store, waiting, wait=wait, poll_s=poll_s)
    ended = time.perf_counter()
    results = [line_result(r.path, latest[r.run_id], r.started, ended) if r.run_id and r.run_id in latest else r for r in outcome.results]
    return LibraryOutcome(results=results, wall_s=outcome.wall_s + ended - started)


def _run_date(request_for: Callable[[Path], RunRequest], path: Path) -> dt.date:
    return request_for(path).run_date or dt.datetime.now(dt.UTC).date()


def _readable_estimates(lines: list[Path], request_for: Callable[[Path], RunRequest], template: RunRequest) -> list[LineEstimate]:
    """The estimates of the lines that can be read: one that cannot fails as its own result, at no cost."""
    sizes, found = load_token_sizes(), []
    for path in lines:
        try:
            found += estimate_paths([path], template.settings, _run_date(request_for, path), sizes, batch=template.batch)
        except RetestError:
            continue
    return found


def _within(budget: Budget | None, stops: dict[Path, str]) -> Callable[..., RunOutcome]:
    """start_run, but a line is not started once the budget has refused a call, and a line it stops is noted in `stops`."""

    def run_line(path: Path, request: RunRequest, store: Store, *, progress: RunProgress | None = None) -> RunOutcome:
        if budget is not None and budget.refused is not None:
            stops[path] = "not started"
            raise BudgetExceeded(
                f"not started: {budget.refused.message}", limit_usd=budget.limit_usd, spent_usd=budget.spent_usd, needed_usd=budget.refused.needed_usd
            )
        try:
            return start_run(path, request, store, progress=progress)
        except BudgetExceeded:
            stops[path] = "stopped: budget"
            raise

    return run_line


def _make_folder(folder: Path, option: str) -> None:
    """Create the cassette folder up front: a path that cannot hold files fails before any paid call."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{option} {folder}: cannot create this folder: {exc.strerror or exc}", hint="Give a folder you can write to.") from None


_STATUS = {
    "waiting": "waiting for batch",
    "awaiting_review": "to review",
    "completed": "completed",
    "failed": "FAILED",
    "interrupted": "interrupted",
    "running": "running",
}


def print_summary(outcome: LibraryOutcome, stops: dict[Path, str] | None = None) -> None:
    """The table of lines (status, claims, proposals, arXiv requests, model calls, price, time, run), then totals and the price a claim.

    `stops` names the lines the --max-cost budget stopped or kept from starting: resumable or to run again, not failed.
    """
    results, stops = outcome.results, stops or {}
    ok = [r for r in results if r.ok]
    table = Table(title="Library re-test", box=box.SIMPLE_HEAD, pad_edge=False, show_footer=True)
    columns = [
        ("line", f"{len(results)} lines"),
        ("status", f"{len(results) - len(ok) - len(stops)} failed"),
        ("claims", str(sum(r.claims for r in results))),
        ("props", str(sum(r.proposals for r in ok))),
        ("arXiv", str(sum(r.arxiv_requests or 0 for r in ok))),
        ("calls", str(sum(r.model_calls for r in ok))),
        ("price", money(total_cost(r.cost_usd for r in ok))),
        ("time", f"{outcome.wall_s:.1f}s"),
        ("run", ""),
    ]
    for name, footer in columns:
        numeric = name not in ("line", "status", "run")
        # The run ID may fold on a narrow terminal; the line's name should not.
        table.add_column(
            name, footer=footer, justify="right" if numeric else "left", no_wrap=name != "run", overflow="fold", min_width=16 if name == "line" else None
        )
    for r in results:
        done = r.ok
        table.add_row(
            escape(r.path.stem), stops.get(r.path) or _STATUS.get(str(r.status), str(r.status)), str(r.claims), str(r.proposals) if done else "—",
            str(r.arxiv_requests) if r.arxiv_requests is not None else "—", str(r.model_calls) if done else "—",
            money(r.cost_usd) if done else "—", f"{r.wall_s:.1f}s", r.run_id or "—",
        )  # fmt: skip
    out.print(table)
    price = money(total_cost(r.cost_usd for r in ok))
    tokens_in, tokens_out = sum(r.input_tokens for r in ok), sum(r.output_tokens for r in ok)
    out.print(f"{len(ok)} of {len(results)} lines ran: {tokens_in:,} tokens in, {tokens_out:,} out; estimated price {price}, {_per_claim(ok)} a claim.")
    _print_stops(results, stops)
    for r in outcome.failed:
        if r.path in stops:
            continue
        resume = f" Fix it, then `retest resume {r.run_id}` or run the line again." if r.run_id else ""
        # Messages quote inputs, which may hold text that reads as rich markup.
        out.print(f"[red]failed[/] {escape(f'{r.path}: {r.error}{resume}')}", highlight=False, soft_wrap=True)
    waiting = [r for r in ok if r.run_id]
    if waiting:
        out.print(f"Next: review each run, e.g. [bold]retest review {waiting[0].run_id}[/]   (list them: retest runs)")


def _per_claim(results: list[LineResult]) -> str:
    """The mean price of a claim over `results`: what re-testing one claim of the library costs."""
    claims, cost = sum(r.claims for r in results), total_cost(r.cost_usd for r in results)
    return money(cost / claims) if claims and cost is not None else "—"


def _print_stops(results: list[LineResult], stops: dict[Path, str]) -> None:
    """What the budget stopped, and how to go on with a larger one."""
    stopped = [r for r in results if stops.get(r.path) == "stopped: budget"]
    waiting = [r for r in results if stops.get(r.path) == "not started"]
    if not stopped and not waiting:
        return
    out.print("[yellow]--max-cost reached[/]: no call that could take the spending past it was made.", highlight=False)
    for r in stopped:
        out.print(escape(f"{r.path.name}: stopped and resumable: retest resume {r.run_id} --max-cost USD"), highlight=False, soft_wrap=True)
    if waiting:
        names = ", ".join(r.path.name for r in waiting)
        out.print(
            escape(f"not started: {names}; run them again (e.g. retest run {waiting[0].path}) with a larger --max-cost."), highlight=False, soft_wrap=True
        )
