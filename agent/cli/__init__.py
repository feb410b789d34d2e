"""Command-line entry point: `retest`.

`main()` runs the Typer app without its own exception handling, so every
expected error becomes one message and a distinct exit code (see
agent.errors.ExitCode). Set RETEST_DEBUG=1 to see tracebacks of unexpected ones.
"""

from __future__ import annotations

import os
import signal
import sys

from agent.errors import ExitCode, RetestError, StorageError, storage_error
from agent.redact import redact_urls

try:
    # Loading the commands takes a second or two (LangGraph, Rich, Typer): Ctrl-C
    # meanwhile is no error, so it ends like one during a command, not in a traceback.
    import typer
    from rich.markup import escape
    from typer.exceptions import TyperException

    # Importing a command module registers its commands on `app`.
    from agent.cli import (
        arxiv_cmd,  # noqa: F401,E402
        eval_cmd,  # noqa: F401,E402
        index_cmd,  # noqa: F401,E402
        models_cmd,  # noqa: F401,E402
        parse_cmd,  # noqa: F401,E402
        review_cmd,  # noqa: F401,E402
        run_cmd,  # noqa: F401,E402
        serve_cmd,  # noqa: F401,E402
        sources_cmd,  # noqa: F401,E402
    )
    from agent.cli.app import app, err
except KeyboardInterrupt:
    sys.stderr.write("interrupted\n")
    raise SystemExit(int(ExitCode.INTERRUPTED)) from None


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (tests call this directly)."""
    try:
        result = app(args=argv, prog_name="retest", standalone_mode=False)
    except RetestError as exc:
        return _report(_full_disk(exc) or exc)
    except (typer.Abort, KeyboardInterrupt):
        err.print("interrupted")
        return int(ExitCode.INTERRUPTED)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except TyperException as exc:
        # Typer's own usage errors (unknown option, missing argument): exit 2.
        show = getattr(exc, "show", None)
        if show is not None:
            show(file=sys.stderr)
        else:
            err.print(f"error: {exc.format_message()}")
        return int(ExitCode.BAD_INPUT) if exc.exit_code == 2 else int(exc.exit_code)
    except Exception as exc:
        # A full or read-only disk is foreseeable wherever Retest writes (SQLite, cassettes, lines): one line, exit 3.
        storage = _storage(exc)
        if storage is not None:
            return _report(storage)
        if os.environ.get("RETEST_DEBUG"):
            raise
        err.print_exception(show_locals=False)
        err.print("[bold red]unexpected error[/]: please report it with the traceback above (RETEST_DEBUG=1 re-raises).")
        return int(ExitCode.RUN_FAILED)
    return int(result or 0)


def _report(exc: RetestError) -> int:
    """Print a Retest error as one message (and its hint) and return its exit code."""
    # Messages quote model strings and URLs: a password in one is never shown. And they may quote
    # user or model text: never read as Rich markup.
    err.print(f"[bold red]error:[/] {escape(redact_urls(exc.message))}", highlight=False, markup=True, soft_wrap=True)
    if exc.hint:
        err.print(redact_urls(exc.hint), highlight=False, markup=False, soft_wrap=True)
    return int(exc.exit_code)


def _storage(exc: BaseException) -> StorageError | None:
    from agent.store import state_dir

    return storage_error(exc, state_dir())


def _full_disk(exc: RetestError) -> StorageError | None:
    """A Retest error caused by a full disk (a line or export that could not be written) said as such, exit 3.

    Only a full disk: a read-only target the user chose stays the input error that names it.
    """
    if isinstance(exc, StorageError):
        return None
    storage = _storage(exc)
    return storage if storage is not None and storage.problem == "full" else None


def _stop_as_ctrl_c(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _signals_as_interrupts() -> None:
    """SIGTERM and SIGHUP (a `kill`, a closed terminal, a CI timeout) end a command as Ctrl-C does.

    A run then records itself as interrupted and resumable, instead of staying
    "running" for good because the process died without a word.
    """
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _stop_as_ctrl_c)


def main() -> None:
    _signals_as_interrupts()
    sys.exit(run(sys.argv[1:]))
