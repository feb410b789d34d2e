"""`retest sources`: each paper source, the variables it reads (set or not, never a value), its limits and whether a run uses it."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from agent.cli.app import app, out


@app.command("sources")
def sources(
    only: Annotated[
        str | None,
        typer.Option("--sources", help="As for `retest run`: comma-separated from arxiv, semanticscholar, openalex, crossref, or auto.", show_default=False),
    ] = None,
) -> None:
    """Show every paper source: the keys it reads (set or not; values are never shown), its limits, what it is used for and its status.

    Sources beyond arXiv are asked by `retest run --citations` (or a --sources naming them);
    a run without their keys still works on arXiv alone, and its report says what it skipped.

    Example: retest sources --sources arxiv,crossref
    """
    from agent.config import load_settings
    from agent.sources.catalog import CATALOG, chosen, status

    wanted = chosen(only if only is not None else load_settings().sources)
    table = Table(title="Paper sources")
    for column in ("source", "keys and settings", "limits", "used for", "status"):
        table.add_column(column, overflow="fold")
    for info in CATALOG.values():
        keys, state = status(info, wanted=wanted)
        shown = ", ".join(f"{name} {'set' if present else 'not set'}" for name, present in keys.items())
        table.add_row(info.label, Text(shown), Text(info.limits), Text(info.uses), Text(state))
    out.print(table)
