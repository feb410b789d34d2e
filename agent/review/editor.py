"""Let the reviewer rewrite a proposal's text in their own editor ($EDITOR)."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from agent.errors import InputError

COMMENT = "#"


def editor_command(env: Mapping[str, str] | None = None) -> list[str]:
    """$EDITOR, else $VISUAL, else vi; split like a shell would ('code --wait' works).

    InputError for a value that names no command (blank, or an unclosed quote),
    so the review reports it and goes on instead of crashing.
    """
    environ = os.environ if env is None else env
    name = "EDITOR" if environ.get("EDITOR") else "VISUAL" if environ.get("VISUAL") else None
    command = environ[name] if name else "vi"
    try:
        words = shlex.split(command)
    except ValueError as exc:
        words, problem = [], str(exc).lower()
    else:
        problem = "it names no command"
    if not words:
        raise InputError(f"${name} is {command!r}: {problem}", hint="Set it to your editor, e.g. export EDITOR=nano.")
    return words


def edit_text(text: str, help_lines: list[str], *, env: Mapping[str, str] | None = None) -> str:
    """Open the editor on `text` below '#' help lines; return what was saved, help lines removed.

    InputError when the editor cannot start or exits non-zero (nothing is decided then).
    """
    command = editor_command(env)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, kept on disk for the editor
        "w", suffix=".txt", prefix="retest-edit-", delete=False, encoding="utf-8"
    )
    path = Path(handle.name)
    try:
        with handle:
            handle.write("".join(f"{COMMENT} {line}\n" for line in help_lines) + text + "\n")
        try:
            result = subprocess.run([*command, str(path)], check=False)
        except OSError as exc:
            raise InputError(
                f"cannot start the editor {command[0]!r}: {exc.strerror or exc}", hint="Set $EDITOR to your editor, e.g. export EDITOR=nano."
            ) from None
        if result.returncode != 0:
            raise InputError(f"the editor {command[0]!r} exited with status {result.returncode}; the proposal stays undecided")
        saved = path.read_text(encoding="utf-8")
    finally:
        path.unlink(missing_ok=True)
    kept = [line for line in saved.splitlines() if not line.startswith(COMMENT)]
    return "\n".join(kept).strip()
