"""`retest index build`, `update` and `info`: the local arXiv index from the terminal."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TaskID, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Column, Table
from rich.text import Text

from agent.cli.app import app, date_option, err, out
from agent.errors import InputError
from agent.store import state_dir

# tantivy (the engine) and httpx2 (the OAI-PMH client) load only when a subcommand runs: `retest --version` stays fast.
if TYPE_CHECKING:
    from agent.index.engine import IndexInfo
    from agent.index.formats import RecordReader
    from agent.index.oai import HarvestStats
    from agent.index.records import IndexRecord

index_app = typer.Typer(
    name="index",
    help="A local index of real arXiv metadata: build it from files, update it from arXiv's OAI-PMH, see what it holds.\n\n"
    "Example: retest index build evals/data/arxiv-slice/papers.jsonl.gz --index /tmp/arxiv-index",
    no_args_is_help=True,
)
app.add_typer(index_app, name="index")

OAI_DEFAULT = "https://oaipmh.arxiv.org/oai"  # agent.index.oai.OAI_BASE_URL, written out so --help needs no httpx2
_TICK = 500  # records between progress redraws: per record would cost more than the reading

IndexOpt = Annotated[
    Path | None, typer.Option("--index", metavar="PATH", help="The index directory (default: index/ in the state directory, $RETEST_HOME or ./.retest).")
]


def default_index_path() -> Path:
    """Where the index lives unless --index says otherwise: `<state dir>/index`."""
    return state_dir() / "index"


class _Rate(ProgressColumn):
    """Records per second, from the `records` field (the bar itself may count bytes)."""

    def render(self, task: Task) -> Text:
        elapsed = task.finished_time if task.finished else task.elapsed
        records = task.fields.get("records", 0)
        return Text(f"{records / elapsed:,.0f}/s" if elapsed else "", style="progress.data.speed")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TextColumn("{task.fields[records]:,} records"), _Rate(), TimeElapsedColumn(),
        console=err, transient=False,
    )  # fmt: skip


def _read_all(readers: list[RecordReader], progress: Progress, task: TaskID) -> Iterator[IndexRecord]:
    """Every file's records in turn, the bar following the bytes read and counting the records."""
    done_bytes, count = 0, 0
    for reader in readers:
        progress.update(task, description=escape(reader.path.name))
        for record in reader:
            count += 1
            if count % _TICK == 0:
                progress.update(task, completed=done_bytes + reader.position(), records=count)
            yield record
        done_bytes += reader.size
        progress.update(task, completed=done_bytes, records=count)


def _counting(records: Iterable[IndexRecord], progress: Progress, task: TaskID) -> Iterator[IndexRecord]:
    count = 0
    for count, record in enumerate(records, 1):
        if count % _TICK == 0:
            progress.update(task, records=count)
        yield record
    progress.update(task, records=count)


def _report_skips(where: str, skipped: int, problems: list[str]) -> None:
    if skipped:
        err.print(f"[yellow]{escape(where)}: skipped {skipped:,} record(s) that could not be read[/]; the first:", highlight=False, soft_wrap=True)
        for problem in problems:
            err.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)


@index_app.command("build")
def build_cmd(
    files: Annotated[
        list[Path], typer.Argument(metavar="FILE...", help="Metadata files: arXiv's JSON-lines snapshot, API Atom feeds, corpus JSON lines; gzipped or not.")
    ],
    index: IndexOpt = None,
) -> None:
    """Build the index from metadata files; an index already there is replaced only once the new one is complete.

    The format of each file is told from its content: arXiv's bulk metadata snapshot
    (arxiv-metadata-oai-snapshot.json, JSON lines), feeds of arXiv's API (Atom) or the
    corpus format (JSON lines), each optionally gzipped. A record that cannot be read is
    skipped and counted; a file that cannot be read at all stops the build and leaves any
    previous index as it was.

    Example: retest index build evals/data/arxiv-slice/papers.jsonl.gz --index /tmp/arxiv-index
    """
    from agent.index import engine
    from agent.index.formats import open_records

    target = index or default_index_path()
    readers = [open_records(path) for path in files]  # every file is recognised before the index is touched
    with _progress() as progress:
        task = progress.add_task("reading", total=sum(r.size for r in readers) or None, records=0)
        info = engine.build(target, _read_all(readers, progress, task), sources=[f"{r.path.resolve()} ({r.format})" for r in readers])
    for reader in readers:
        _report_skips(str(reader.path), reader.skipped, reader.problems)
    read = sum(r.read for r in readers)
    err.print(f"indexed {info.papers:,} papers ({read:,} records read from {len(readers)} file(s)) into {escape(str(target))}", highlight=False, soft_wrap=True)


@index_app.command("update")
def update_cmd(
    index: IndexOpt = None,
    since: Annotated[
        str | None, typer.Option("--from", metavar="DATE", help="Records arXiv changed on or after this day (default: the day after the index's last paper).")
    ] = None,
    until: Annotated[str | None, typer.Option("--until", metavar="DATE", help="Records arXiv changed on or before this day (default: no end).")] = None,
    set_name: Annotated[
        str | None, typer.Option("--set", metavar="SET", help="Only this part of arXiv, e.g. cs, cs.AI, math, physics:hep-th (default: all).")
    ] = None,
    oai_url: Annotated[str, typer.Option("--oai-url", metavar="URL", help="The OAI-PMH base URL (a mirror, a stand-in).")] = OAI_DEFAULT,
) -> None:
    """Add what arXiv published or revised since the index's last paper, from arXiv's OAI-PMH interface.

    Harvests records (arXivRaw: every version with its date) one page at a time, politely
    (3 s between requests, arXiv's Retry-After honoured). A record already in the index is
    replaced by its newer version. The update is one commit: if it fails, the index is as before.

    Example: retest index update --index /tmp/arxiv-index --set cs --from 2026-04-01
    """
    from agent.index import engine
    from agent.index.oai import HarvestStats, OaiClient

    target = index or default_index_path()
    info = engine.open_index(target).info()
    start = date_option(since, "--from") or (info.last_published.date() + dt.timedelta(days=1) if info.last_published else None)
    if start is None:
        raise InputError(f"{target} holds no papers, so there is no date to update from", hint="Give --from YYYY-MM-DD.")
    end = date_option(until, "--until")
    if end is not None and end < start:
        raise InputError(f"--until {end} is before the harvest's first day, {start}", hint="Give an --until on or after --from.")
    if start > _today():
        err.print(f"the index is up to date: its last paper is from {start - dt.timedelta(days=1)}", highlight=False, soft_wrap=True)
        return
    stats = HarvestStats()
    source = f"OAI-PMH {oai_url} from {start}" + (f" until {end}" if end else "") + (f" set {set_name}" if set_name else "")
    with OaiClient(oai_url) as client, _progress() as progress:
        task = progress.add_task("harvesting", total=None, records=0)
        records = _counting(client.list_records(from_date=start, until=end, set_name=set_name, stats=stats), progress, task)
        first = next(records, None)
        if first is not None:
            info = engine.add(target, _prepend(first, records), sources=[source])
    _report_skips("OAI-PMH", stats.skipped, stats.problems)
    _report_harvest(stats, info, changed=first is not None)


def _today() -> dt.date:
    """Today in UTC, arXiv's time zone for datestamps (a function, so tests can set the day)."""
    return dt.datetime.now(dt.UTC).date()


def _prepend(first: IndexRecord, rest: Iterator[IndexRecord]) -> Iterator[IndexRecord]:
    yield first
    yield from rest


def _report_harvest(stats: HarvestStats, info: IndexInfo, *, changed: bool) -> None:
    deleted = f", {stats.deleted:,} deleted at arXiv (not removed here)" if stats.deleted else ""
    where = "the index now holds" if changed else "nothing new; the index holds"
    err.print(f"{stats.records:,} record(s) harvested in {stats.pages} page(s){deleted}; {where} {info.papers:,} papers", highlight=False, soft_wrap=True)


@index_app.command("info")
def info_cmd(
    index: IndexOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON on stdout instead of tables.")] = False,
    top: Annotated[int, typer.Option("--top", min=1, help="List this many categories, largest first.")] = 15,
) -> None:
    """What the index holds: papers, categories, dates, when it was built and from what.

    Example: retest index info --index /tmp/arxiv-index --top 5
    """
    from agent.index import engine

    target = index or default_index_path()
    info = engine.open_index(target).info()
    if as_json:
        data = {"path": str(target), **info.model_dump(mode="json")}
        out.print(json.dumps(data, indent=2, ensure_ascii=False), markup=False, highlight=False, soft_wrap=True)
        return
    summary = Table.grid(padding=(0, 2))
    for label, value in _summary_rows(target, info):
        summary.add_row(label, Text(value))
    out.print(summary)
    shown = list(info.categories.items())[:top]
    title = f"top {len(shown)} of {len(info.categories)} categories (cross-lists count)"
    table = Table("category", Column("papers", justify="right"), title=title, min_width=len(title) + 4)
    for category, count in shown:
        table.add_row(Text(category), f"{count:,}")
    out.print(table)


def _summary_rows(target: Path, info: IndexInfo) -> list[tuple[str, str]]:
    def day(when: dt.datetime | None) -> str:
        return when.date().isoformat() if when else "-"

    rows = [
        ("index", str(target)),
        ("papers", f"{info.papers:,}"),
        ("first published", day(info.first_published)),
        ("last published", day(info.last_published)),
        ("built", info.built_at.isoformat(timespec="seconds")),
    ]
    if info.updated_at:
        rows.append(("updated", info.updated_at.isoformat(timespec="seconds")))
    rows += [("from" if i == 0 else "", source) for i, source in enumerate(info.sources)]
    return rows
