"""The Typer application object; command modules register onto it."""

from __future__ import annotations

import datetime as dt

import typer
from rich.console import Console

from agent.errors import InputError

app = typer.Typer(
    name="retest",
    help="Re-test the dated claims of an inquiring line against newer arXiv work, and draft "
    "changes to the line that a person reviews before anything is applied.\n\n"
    "Example (offline, the demo): run, review, apply\n\n"
    "    retest run examples/bargaining-power.txt --replay cassettes/demo/bargaining-power.yaml\n\n"
    "    retest review\n\n"
    "    retest apply RUN_ID\n\n"
    "Live runs need OPENAI_API_KEY and ANTHROPIC_API_KEY (see `retest models`).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)

# stdout carries results (JSON, reports); messages and progress go to stderr.
out = Console()
err = Console(stderr=True)


def date_option(value: str | None, flag: str) -> dt.date | None:
    """Parse a YYYY-MM-DD option value; a bad one is the user's input error (exit 2)."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"{flag} {value!r} is not a date", hint=f"Use YYYY-MM-DD, e.g. {flag} 2026-11-29.") from None
