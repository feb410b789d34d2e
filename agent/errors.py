"""Errors a user can cause or meet, split by whose fault they are.

The CLI turns each into one message and the exit code below; nothing else
should print a traceback for a foreseeable problem.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path
from typing import Literal, TypeVar

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
    BUDGET = 8
    CHANGES_TO_REVIEW = 10  # `run --since-last`: it ran, and something moved or waits for review (0 there: nothing changed)
    BATCH_WAITING = 11  # `--batch`: batches are still processing; `retest resume --waiting` goes on later
    LOCKED = 75  # `run --since-last`: another one holds the state directory's lock; nothing ran (sysexits' EX_TEMPFAIL)
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


class StorageError(ConfigError):
    """The state directory (or another place Retest writes) is full or read-only: exit 3, never a traceback."""

    def __init__(self, problem: StorageProblem, where: Path, *, detail: str = "", state_dir: bool = True) -> None:
        self.problem = problem
        self.where = where
        place = f"the state directory {where}" if state_dir else f"{where}"
        said = f" ({detail})" if detail else ""
        if problem == "full":
            what = f"{place} is full{said}" if state_dir else f"the disk holding {place} is full{said}"
            hint = "Free some space on that disk (or point $RETEST_HOME at a directory with room), then run the command again; `retest resume RUN` continues a run that stopped."
        elif problem == "read-only":
            what = f"{place} is read-only{said}"
            hint = (
                "Reading commands (runs, report, review --list, export) work on it; to run, resume, review or apply, "
                "make it writable or point $RETEST_HOME at a writable directory."
            )
        else:
            what = f"{place} could not be written{said}"
            hint = "Check the disk's free space and health, and that the directory is writable, then run the command again."
        super().__init__(what, hint=hint)


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


class RunLocked(RetestError):
    """Another `retest run --since-last` holds the state directory's lock: this one runs nothing (exit 75)."""

    exit_code = ExitCode.LOCKED


class BudgetExceeded(RetestError):
    """The next model call could cost more than --max-cost leaves: the run stops before it, resumable (exit 8)."""

    exit_code = ExitCode.BUDGET

    def __init__(self, message: str, *, limit_usd: float, spent_usd: float, needed_usd: float, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.limit_usd = limit_usd
        self.spent_usd = spent_usd
        self.needed_usd = needed_usd


StorageProblem = Literal["full", "read-only", "unwritable"]

_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_READ_ONLY_ERRNOS = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})
# SQLite's primary result codes for storage failures (extended codes share the low byte).
_SQLITE_FULL, _SQLITE_IOERR, _SQLITE_READONLY, _SQLITE_CANTOPEN = 13, 10, 8, 14


def _probe(directory: Path) -> StorageProblem:
    """What is wrong with a directory SQLite could not write: it cannot say (a disk I/O error), the file system can."""
    if not os.access(directory, os.W_OK):
        return "read-only"
    try:
        stats = os.statvfs(directory)
    except OSError:
        return "unwritable"
    # Under a megabyte left: SQLite's "disk I/O error" when a write runs out of room mid-page.
    return "full" if stats.f_bavail * stats.f_frsize < 1 << 20 else "unwritable"


def _existing(path: Path) -> Path:
    """`path` or its nearest existing ancestor: the directory a failed write was aimed at may not exist yet."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return path


def _under(path: Path, directory: Path) -> bool:
    try:
        return path.resolve().is_relative_to(directory.resolve())
    except OSError:
        return False


def storage_error(exc: BaseException, state_dir: Path) -> StorageError | None:
    """`exc` as a StorageError when its chain holds a full or read-only disk, else None.

    SQLite's failures carry no file name: they are the state directory's (every
    database Retest opens lives there). An OSError names its file: one outside
    the state directory is reported as that file's disk.
    """
    already = find_in_chain(exc, StorageError)
    if already is not None:
        return already
    failed = find_in_chain(exc, sqlite3.OperationalError)
    code = getattr(failed, "sqlite_errorcode", None)
    if failed is not None and code is not None:
        primary = code & 0xFF
        if primary == _SQLITE_FULL:
            return StorageError("full", state_dir, detail=str(failed))
        if primary == _SQLITE_READONLY:
            return StorageError("read-only", state_dir, detail=str(failed))
        if primary in (_SQLITE_IOERR, _SQLITE_CANTOPEN):
            probed = _probe(_existing(state_dir))
            if primary == _SQLITE_IOERR or probed != "unwritable":
                return StorageError(probed, state_dir, detail=str(failed))
    os_error = find_in_chain(exc, OSError)
    if os_error is None or os_error.errno not in _FULL_ERRNOS | _READ_ONLY_ERRNOS:
        return None
    problem: StorageProblem = "full" if os_error.errno in _FULL_ERRNOS else "read-only"
    filename = Path(os.fsdecode(os_error.filename)) if os_error.filename else state_dir
    inside = _under(filename, state_dir)
    return StorageError(problem, state_dir if inside else filename, detail=os_error.strerror or str(os_error), state_dir=inside)


@contextmanager
def storage_errors(state_dir: Path) -> Iterator[None]:
    """Raise a full or read-only disk met inside the block as a StorageError (a RetestError), so callers that
    clean up after Retest's errors (the runner marks its run failed) do so for these too."""
    try:
        yield
    except RetestError:
        raise  # already says what happened (a line file that cannot be written names itself)
    except Exception as exc:
        mapped = storage_error(exc, state_dir)
        if mapped is None:
            raise
        raise mapped from exc


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
