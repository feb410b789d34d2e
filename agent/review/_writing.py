"""Replacing a line file so that a killed `apply` leaves no temporary file with the new text beside it.

An atomic replace needs a temporary file on the target's file system, renamed
over the target (os.replace): a reader sees the old file or the new one. A kill
between writing and renaming leaves that temporary file behind. So the
temporary file is written in Retest's own work directory (in the state
directory) whenever that is on the same file system as the target; only when
it is not does it go beside the target. Either way its name says which process
wrote it, and every apply first removes what a dead process left, in both places.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import time
import uuid
from pathlib import Path

from agent.errors import InputError, StorageError

# `.NAME.retest-PID-HEX.tmp`: the process that wrote it, so a leftover is told from a write in progress.
_OURS = re.compile(r"^\.(?P<name>.+)\.retest-(?P<pid>\d+)-[0-9a-f]{8}\.tmp$")
# `.NAME.HEX.tmp`: what agent.line.read.write_text_atomic (and apply before this module) leaves when killed.
_OLD_STYLE = re.compile(r"^\.(?P<name>.+)\.[0-9a-f]{8}\.tmp$")
# A leftover this old is removed even if its PID is alive again (PIDs are reused, in containers soon).
_STALE_S = 600.0
# An old-style file this young may still be another command's write in progress.
_OLD_STYLE_GRACE_S = 60.0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _age_s(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def _leftover(entry: Path, target_name: str | None) -> bool:
    """True for a temporary file a killed apply left (for `target_name`, or for any target when None)."""
    ours = _OURS.match(entry.name)
    if ours:
        if target_name is not None and ours["name"] != target_name:
            return False
        pid = int(ours["pid"])
        return (pid != os.getpid() and not _alive(pid)) or _age_s(entry) > _STALE_S
    old = _OLD_STYLE.match(entry.name)
    return old is not None and target_name is not None and old["name"] == target_name and _age_s(entry) > _OLD_STYLE_GRACE_S


def remove_leftovers(target: Path, work_dir: Path) -> list[Path]:
    """Remove what killed applies left: any in `work_dir`, and those for `target` beside it. Returns them."""
    removed = []
    places = [(work_dir, None), (target.parent, target.name)]
    for folder, name in places:
        try:
            entries = list(folder.iterdir()) if folder.is_dir() else []
        except OSError:
            continue
        for entry in entries:
            if entry.name.endswith(".tmp") and _leftover(entry, name):
                try:
                    entry.unlink()
                    removed.append(entry)
                except OSError:
                    pass  # another apply removed it first, or the folder is read-only: nothing to clean
    return removed


def _same_file_system(work_dir: Path, directory: Path) -> bool:
    try:
        work_dir.mkdir(parents=True, exist_ok=True)
        return work_dir.stat().st_dev == directory.stat().st_dev
    except OSError:
        return False


def _remove_if_empty(folder: Path) -> None:
    """Leave no empty work directory behind; one holding another apply's file stays."""
    try:
        folder.rmdir()
    except OSError:
        pass


def _write(tmp: Path, text: str, mode: int | None) -> None:
    # os.open applies the umask (mkstemp would leave the file 0600); O_EXCL never reuses a name.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_line_file(target: Path, text: str, work_dir: Path) -> None:
    """Replace `target` with `text` atomically; the temporary file never stays beside it when `work_dir` can hold it.

    A symlink is written through (renaming over the link would replace the link
    with a copy). OSError becomes InputError naming the target.
    """
    shown = target
    if target.is_symlink():
        target = target.resolve()
    remove_leftovers(target, work_dir)
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else None
    name = f".{target.name}.retest-{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp"
    folders = [work_dir, target.parent] if _same_file_system(work_dir, target.parent) else [target.parent]
    for folder in folders:
        tmp = folder / name
        try:
            _write(tmp, text, mode)
            os.replace(tmp, target)
            _remove_if_empty(work_dir)
            return
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            if exc.errno == errno.EXDEV and folder != target.parent:
                continue  # one file system under two mounts: rename cannot cross them, so write beside the target
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                # A full disk is no fault of the input: exit 3, naming the disk that filled (the state directory's, or the line's).
                in_state = folder == work_dir
                raise StorageError("full", work_dir.parent if in_state else shown, detail=exc.strerror or str(exc), state_dir=in_state) from exc
            raise InputError(f"{shown}: cannot write: {exc.strerror or exc}", hint="Check that the directory exists and is writable.") from exc
