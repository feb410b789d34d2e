"""`retest run --all DIR`: progress bars for the library and per line, a summary table at the end.

The command itself is `run` in run_cmd.py; this module holds what `--all` adds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import typer
from rich import box
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from agent.cli.app import err, out
from agent.errors import ExitCode, InputError
from agent.events import ClaimStage, NodeFinished, RunEvent, RunStarted
from agent.library import LibraryOutcome, LineResult, cassette_for, discover_lines, run_library
from agent.llm.base import money, total_cost
from agent.runner import cassette_run_date
from agent.services import RunRequest, build_services
from agent.store import Store


class LibraryView:
    """One bar for the library (lines finished) and one per line in flight (claims and steps done)."""

    def __init__(self, total: int) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=err, transient=False,
        )  # fmt: skip
        self.library = self.progress.add_task("[bold]library", total=total)
        self._lines: dict[Path, TaskID] = {}
        self._lock = threading.Lock()

    def line(self, path: Path) -> Callable[[RunEvent], None]:
        """The progress callback for one line; its bar counts claims and line steps, and appears when the line starts."""
        steps: set[str] = set()

        def update(event: RunEvent) -> None:
            with self._lock:
                if isinstance(event, RunStarted):
                    steps.update(event.steps)
                    self._lines[path] = self.progress.add_task(f"  {escape(path.stem)}", total=len(event.claims) + len(event.steps))
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
        return RunRequest(mode=template.mode, cassette=cassette, run_date=run_date, use_cache=template.use_cache, settings=template.settings)

    return lines, request_for


def run_all(directory: Path, template: RunRequest, *, replay_dir: Path | None = None, record_dir: Path | None = None) -> None:
    """Run every line of `directory`, show progress, print the summary; exit 1 if any line failed."""
    lines, request_for = library_requests(directory, template, replay_dir=replay_dir, record_dir=record_dir)
    # A configuration error (a missing key, a bad model string) would fail every line alike: report it once, up front.
    build_services(template, None)
    if record_dir is not None:
        # Only now, so a refused run leaves no empty folder behind.
        _make_folder(record_dir, "--record")
    store = Store.open()
    view = LibraryView(len(lines))
    try:
        with view.progress:
            outcome = run_library(lines, request_for, store, progress_for=view.line, on_done=view.done)
    except KeyboardInterrupt:
        # Typer would exit 130 silently; say what was kept and how to go on.
        err.print(
            "interrupted: lines not yet started were skipped. `retest runs` lists the runs made; continue one with `retest resume RUN_ID`.",
            markup=False, highlight=False, soft_wrap=True,
        )  # fmt: skip
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    print_summary(outcome)
    if outcome.failed:
        raise typer.Exit(int(ExitCode.RUN_FAILED))


def _make_folder(folder: Path, option: str) -> None:
    """Create the cassette folder up front: a path that cannot hold files fails before any paid call."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{option} {folder}: cannot create this folder: {exc.strerror or exc}", hint="Give a folder you can write to.") from None


_STATUS = {"awaiting_review": "to review", "completed": "completed", "failed": "FAILED", "interrupted": "interrupted", "running": "running"}


def print_summary(outcome: LibraryOutcome) -> None:
    """The table of lines (status, claims, proposals, arXiv requests, model calls, time, run), then totals."""
    results = outcome.results
    ok = [r for r in results if r.ok]
    table = Table(title="Library re-test", box=box.SIMPLE_HEAD, pad_edge=False, show_footer=True)
    columns = [
        ("line", f"{len(results)} lines"),
        ("status", f"{len(results) - len(ok)} failed"),
        ("claims", str(sum(r.claims for r in results))),
        ("props", str(sum(r.proposals for r in ok))),
        ("arXiv", str(sum(r.arxiv_requests or 0 for r in ok))),
        ("calls", str(sum(r.model_calls for r in ok))),
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
            escape(r.path.stem), _STATUS.get(str(r.status), str(r.status)), str(r.claims), str(r.proposals) if done else "—",
            str(r.arxiv_requests) if r.arxiv_requests is not None else "—", str(r.model_calls) if done else "—",
            f"{r.wall_s:.1f}s", r.run_id or "—",
        )  # fmt: skip
    out.print(table)
    price = money(total_cost(r.cost_usd for r in ok))
    tokens_in, tokens_out = sum(r.input_tokens for r in ok), sum(r.output_tokens for r in ok)
    out.print(f"{len(ok)} of {len(results)} lines ran: {tokens_in:,} tokens in, {tokens_out:,} out; estimated price {price}.")
    for r in outcome.failed:
        resume = f" Fix it, then `retest resume {r.run_id}` or run the line again." if r.run_id else ""
        # Messages quote inputs, which may hold text that reads as rich markup.
        out.print(f"[red]failed[/] {escape(f'{r.path}: {r.error}{resume}')}", highlight=False, soft_wrap=True)
    waiting = [r for r in ok if r.run_id]
    if waiting:
        out.print(f"Next: review each run, e.g. [bold]retest review {waiting[0].run_id}[/]   (list them: retest runs)")
