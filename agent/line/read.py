"""Load a line from a file or text in either format, and write it back atomically."""

from __future__ import annotations

import hashlib
import os
import stat
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from agent.errors import InputError, LineFormatError
from agent.line._lines import ItemLines
from agent.line._paragraphs import slugify
from agent.line.markdown import parse_markdown, render_markdown
from agent.line.models import Line
from agent.line.plaintext import parse_plaintext

Format = Literal["auto", "text", "md"]
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# The largest line file read: the user's demo line is 9 KB, a line of 2,000 claims well under 1 MiB.
MAX_LINE_BYTES = 8 * 2**20


@dataclass(frozen=True)
class LoadedLine:
    """A parsed line with what it was read from.

    `sha256` is the hex digest of the bytes read, so apply can refuse a file
    that changed since; `warnings` are problems that did not stop parsing;
    `where` is the file line of each claim and anchor (see agent.line.checks).
    """

    line: Line
    format: Literal["text", "md"]
    sha256: str
    source: str = ""
    warnings: list[str] = field(default_factory=list)
    where: ItemLines = field(default_factory=ItemLines)


def load_line(path: Path, *, format: Format = "auto") -> LoadedLine:  # noqa: A002 - the CLI's option name
    """Read and parse the line file at `path`; LineFormatError on any problem with it."""
    source = str(path)
    data = _read_bytes(path)
    text = decode_line_bytes(data, source)
    loaded = parse_line_text(text, source=source, format=format, slug=slugify(path.stem))
    return LoadedLine(loaded.line, loaded.format, hashlib.sha256(data).hexdigest(), source, loaded.warnings, loaded.where)


def parse_line_text(
    text: str,
    *,
    source: str,
    format: Format = "auto",  # noqa: A002
    slug: str | None = None,
) -> LoadedLine:
    """Parse a line held in memory; `source` names it in messages.

    `slug` applies to the plain-text export, which carries none (default: from
    the question); Markdown keeps its own. `sha256` is that of the UTF-8 text.
    """
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise LineFormatError(source, "the file is empty", hint="Export the inquiring line again, or check the path.")
    chosen = detect_format(text) if format == "auto" else format
    where = ItemLines()
    if chosen == "md":
        line, warnings = parse_markdown(text, source=source, where=where)
    else:
        line, warnings = parse_plaintext(text, source=source, slug=slug, where=where)
    return LoadedLine(line, chosen, digest, source, warnings, where)


def detect_format(text: str) -> Literal["text", "md"]:
    """'md' when the text opens with YAML front matter, else 'text'."""
    first = text.lstrip("\ufeff").split("\n", 1)[0].strip()
    return "md" if first == "---" else "text"


def decode_line_bytes(data: bytes, source: str) -> str:
    """Decode a line file's bytes as UTF-8 (a BOM is allowed); errors name the line."""
    if not data.strip():
        raise LineFormatError(source, "the file is empty", hint="Export the inquiring line again, or check the path.")
    if data.startswith(_UTF16_BOMS):
        raise LineFormatError(source, "the file is UTF-16 encoded", lineno=1, hint="Save it as UTF-8 and try again.")
    if b"\x00" in data:
        lineno = data[: data.index(b"\x00")].count(b"\n") + 1
        raise LineFormatError(
            source,
            "this is a binary file (it contains NUL bytes), not a text line",
            lineno=lineno,
            hint="Give the plain-text export of an inquiring line or a Retest Markdown file.",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        lineno = data[: exc.start].count(b"\n") + 1
        raise LineFormatError(
            source,
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            lineno=lineno,
            hint="Save the file as UTF-8 and try again.",
        ) from None


def _read_bytes(path: Path) -> bytes:
    # Read at most one byte past the limit: a device such as /dev/zero or a runaway export never fills memory.
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_LINE_BYTES + 1)
    except FileNotFoundError:
        raise LineFormatError(str(path), "no such file", hint="Check the path; example: examples/bargaining-power.txt") from None
    except IsADirectoryError:
        raise LineFormatError(str(path), "is a directory, not a line file") from None
    except PermissionError:
        raise LineFormatError(str(path), "permission denied while reading the file") from None
    except OSError as exc:
        raise LineFormatError(str(path), f"cannot read the file: {exc.strerror or exc}") from None
    if len(data) > MAX_LINE_BYTES:
        raise LineFormatError(
            str(path),
            f"is larger than {MAX_LINE_BYTES // 2**20} MiB, the most a line file may hold",
            hint="An inquiring line is a few to a few hundred kilobytes: check that this is the line's export, or split the line.",
        )
    return data


def write_markdown(line: Line, path: Path) -> None:
    """Write `line` as canonical Markdown to `path`, atomically."""
    write_text_atomic(path, render_markdown(line))


def write_text_atomic(path: Path, text: str) -> None:
    """Write `text` as UTF-8 via a temporary file in the same directory and os.replace.

    A reader sees the old file or the new one, never half of it; on failure
    the temporary file is removed and InputError names the path.
    A symlink is written through: renaming over the link itself would
    replace it with a copy and leave the file it points to unchanged.
    """
    shown = path
    if path.is_symlink():
        path = path.resolve()
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        # os.open applies the umask (mkstemp would leave the file 0600).
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise InputError(f"{shown}: cannot write here: {exc.strerror or exc}", hint="Check that the directory exists and is writable.") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(f"{shown}: cannot write: {exc.strerror or exc}") from None
        raise
