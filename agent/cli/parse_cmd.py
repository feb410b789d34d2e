"""`retest parse` and `retest --version` (placeholder until the line room lands)."""

from __future__ import annotations

from typing import Annotated

import typer

from agent import __version__
from agent.cli.app import app, out


def _version(value: bool) -> None:
    if value:
        out.print(f"retest {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    """Re-test the dated claims of an inquiring line against newer arXiv work."""
