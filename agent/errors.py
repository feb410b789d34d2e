"""Errors a user can cause or meet, split by whose fault they are.

The CLI turns each into one message and the exit code below; nothing else
should print a traceback for a foreseeable problem.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TypeVar

E = TypeVar("E", bound=BaseException)


class ExitCode(IntEnum):
    OK = 0
    RUN_FAILED = 1
    BAD_INPUT = 2
    CONFIG = 3
    CASSETTE_MISS = 4
    CONFLICT = 5
    PROVIDER = 6
    REGRESSION = 7
    INTERRUPTED = 130


class RetestError(Exception):
    """Base class: a message for the user and the exit code it ends in."""

    exit_code: ExitCode = ExitCode.RUN_FAILED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message


class InputError(RetestError):
    """The user's input file or arguments are wrong."""

    exit_code = ExitCode.BAD_INPUT


class LineFormatError(InputError):
    """A line file that cannot be read or parsed; names the file and line number."""

    def __init__(self, path: str, problem: str, *, lineno: int | None = None, hint: str | None = None) -> None:
        where = f"{path}:{lineno}" if lineno else path
        super().__init__(f"{where}: {problem}", hint=hint)
        self.path = path
        self.lineno = lineno
        self.problem = problem


class ConfigError(RetestError):
    """Missing key, unknown provider, bad model string or preset."""

    exit_code = ExitCode.CONFIG


class ProviderError(RetestError):
    """A model provider or arXiv failed after retries (network, 5xx, refusal)."""

    exit_code = ExitCode.PROVIDER


class ModelOutputError(RetestError):
    """A model's answer did not validate, was refused or was truncated."""

    exit_code = ExitCode.RUN_FAILED


class CassetteMissError(RetestError):
    """A replayed run asked for a request the cassette does not hold."""

    exit_code = ExitCode.CASSETTE_MISS


class ConflictError(RetestError):
    """The line file changed since the run started."""

    exit_code = ExitCode.CONFLICT


def find_in_chain(exc: BaseException, kind: type[E]) -> E | None:
    """The first `kind` in `exc`, its causes and contexts, or inside exception groups; None when there is none.

    SDKs wrap what their transport raised (and an ExceptionGroup wraps what a
    branch raised), so the error that says what happened may sit anywhere in the chain.
    """
    pending: list[BaseException] = [exc]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, kind):
            return current
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        pending.extend(getattr(current, "exceptions", ()) or ())
    return None
