"""`retest parse` (read a line and show, convert or check it) and `retest --version`."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Group
from rich.table import Table
from rich.text import Text

from agent._version import VERSION
from agent.cli.app import app, date_option, err, out
from agent.errors import InputError
from agent.line import LineProblem, LoadedLine, line_problems, load_line, render_markdown, write_text_atomic
from agent.line.models import FuzzyDate, Line


class InputFormat(StrEnum):
    AUTO = "auto"
    TEXT = "text"
    MD = "md"


def _version(value: bool) -> None:
    if value:
        out.print(f"retest {VERSION}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    """Re-test the dated claims of an inquiring line against newer arXiv work."""


@app.command("parse")
def parse(
    file: Annotated[Path, typer.Argument(help="The line: a plain-text export or a Retest Markdown file.", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the parsed line as JSON.")] = False,
    as_md: Annotated[bool, typer.Option("--md", help="Print the line as canonical Retest Markdown.")] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="Write to this file (atomically) instead of printing; JSON if it ends in .json, else Markdown, unless --json/--md says.",
            show_default=False,
        ),
    ] = None,
    input_format: Annotated[
        InputFormat, typer.Option("--format", help="Input format; auto detects Markdown by its '---' front matter.", case_sensitive=False)
    ] = InputFormat.AUTO,
    run_date: Annotated[
        str | None,
        typer.Option(help="Check the claims for a run on this date (YYYY-MM-DD; default today): a claim dated after it cannot be re-tested."),
    ] = None,
) -> None:
    """Read an inquiring line, check it, and show its question, notes, claims, anchors and tasks.

    A file that cannot be read or parsed ends with one message naming the file
    and line, and exit code 2. Claims a run on --run-date could not re-test,
    repeated claims and anchors are warned about, each with its file and line.

    Example: retest parse examples/bargaining-power.txt

    Example: retest parse examples/bargaining-power.txt --md -o bargaining-power.md

    Example: retest parse bargaining-power.md --json

    Example: retest parse examples/bargaining-power.txt --run-date 2025-06-01
    """
    if as_json and as_md:
        raise typer.BadParameter("give --json or --md, not both")
    checked_on = date_option(run_date, "--run-date") or dt.date.today()
    loaded = load_line(file, format=input_format.value)
    problems = line_problems(loaded, checked_on)
    for warning in [*loaded.warnings, *problems]:
        err.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)
    kind = "json" if as_json else "md" if as_md else None
    if output is not None:
        kind = kind or ("json" if output.suffix.lower() == ".json" else "md")
        _refuse_replacing_input(file, output, loaded.format, kind)
        write_text_atomic(output, _render(loaded.line, kind))
        err.print(f"wrote {output} ({kind})", markup=False, highlight=False, soft_wrap=True)
    elif kind is not None:
        # Raw write: Rich would wrap or restyle text meant for other programs.
        out.file.write(_render(loaded.line, kind))
        out.file.flush()
    else:
        out.print(_summary(loaded, problems))


def _refuse_replacing_input(source: Path, output: Path, source_format: str, kind: str) -> None:
    """InputError when -o names the file being read and writing would lose it.

    Canonical Markdown over a Markdown line is a lossless rewrite and stays
    allowed; anything else would replace the user's original (e.g. the
    library's plain-text export) with another format.
    """
    if kind == "md" and source_format == "md":
        return
    if not (output.exists() and output.samefile(source)):
        return
    other = source.with_suffix(".json" if kind == "json" else ".md")
    if other == source:
        other = source.with_name(f"{source.stem}.retest{other.suffix}")
    raise InputError(
        f"{output} is the line being read; writing {kind} there would replace it, and nothing was written",
        hint=f"Write to another file, e.g. -o {other}",
    )


def _render(line: Line, kind: str) -> str:
    return line.model_dump_json(indent=2) + "\n" if kind == "json" else render_markdown(line)


def _date(date: FuzzyDate) -> str:
    approx = ", approximate" if date.approximate else ""
    return f"{date.text} ({date.precision.value}{approx}, from {date.value.isoformat()})"


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", show_header=False, box=None, pad_edge=False)
    for index, _ in enumerate(columns):
        # Only the last column (free text) wraps, so IDs and dates stay whole.
        table.add_column(no_wrap=index < len(columns) - 1, style="cyan" if index == 0 else None)
    return table


def _summary(loaded: LoadedLine, problems: list[LineProblem]) -> Group:
    """A readable overview; user text goes through Text() so '[...]' is never markup."""
    line, prompt = loaded.line, loaded.line.prompt
    head = Text.assemble(
        (line.question, "bold"),
        f"\n{line.slug} · {loaded.format} · {loaded.source} · sha256 {loaded.sha256[:12]}\n",
        ("Role: ", "bold"), prompt.role, "\n", ("Open question: ", "bold"), prompt.open_question, "\n",
    )  # fmt: skip
    cited: dict[str, list[int]] = {}
    for index, note_ids in line.note_references().items():
        for note_id in note_ids:
            cited.setdefault(note_id, []).append(index + 1)
    notes = _table(f"Notes ({len(line.notes)}; ¶ = synthesis paragraphs that quote the title)", "id", "cited", "title")
    for note in line.notes:
        where = ",".join(f"¶{i}" for i in cited.get(note.id, [])) or "-"
        notes.add_row(Text(note.id), Text(where, style="dim"), Text(note.title))
    claims = _table(f"Claims ({len(prompt.claims)})", "id", "date", "text")
    for claim in prompt.claims:
        claims.add_row(Text(claim.id), Text(_date(claim.date)), Text(claim.text))
    anchors = _table(f"Anchor papers ({len(prompt.anchors)})", "id", "arxiv", "date", "title")
    for anchor in prompt.anchors:
        anchors.add_row(Text(anchor.id), Text(f"arXiv:{anchor.arxiv_id}"), Text(_date(anchor.cited_date)), Text(anchor.cited_title))
    tasks = _table(f"Tasks ({len(prompt.tasks)})", "number", "text")
    for task in prompt.tasks:
        tasks.add_row(Text(f"({task.number})"), Text(task.text))
    parts: list[Table | Text] = [head, notes, Text(""), claims, Text(""), anchors, Text(""), tasks]
    warnings = [*loaded.warnings, *map(str, problems)]
    if warnings:
        parts.extend([Text(""), Text(f"Warnings ({len(warnings)})", style="bold yellow")])
        parts.extend(Text(f"- {warning}") for warning in warnings)
    return Group(*parts)
