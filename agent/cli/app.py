"""The Typer application object; command modules register onto it."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(
    name="retest",
    help="Re-test the dated claims of an inquiring line against newer arXiv work.\n\n"
    "Example: retest parse examples/bargaining-power.txt",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)

# stdout carries results (JSON, reports); messages and progress go to stderr.
out = Console()
err = Console(stderr=True)
