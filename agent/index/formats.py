"""Readers that turn arXiv metadata files into `IndexRecord`s, one record at a time.

Three formats, told apart by their content (never only by the file's name); a gzip file
is recognised by its magic bytes and read through transparently:

- `snapshot`: arXiv's JSON-lines bulk metadata (Kaggle's `arxiv-metadata-oai-snapshot.json`):
  `id`, `title`, `abstract`, `authors_parsed` ([last, first, suffix]), `categories` (one
  string, primary first), `versions[].created` (RFC 2822: first = published, last = updated);
- `atom`: a feed from arXiv's API (`export.arxiv.org/api/query`), as in tests/data/arxiv-wire;
- `corpus`: the JSON lines of the project's arXiv corpus (`authors` and `categories` as lists).

Everything streams: a line or an Atom entry at a time, so a 4 GB snapshot never sits in memory.
Titles, abstracts and names have their line breaks and runs of spaces folded to one space.

What stops and what skips, because a 4 GB file should not die on its millionth line:
- a file that cannot be recognised (empty, not JSON lines of a known shape, not an Atom
  feed), that arXiv's API filled with an error instead of papers, or whose gzip or XML
  breaks midway STOPS with an `InputError` naming the file and the line;
- one record that cannot be read (bad JSON, a field missing or of the wrong type, a
  malformed ID or date) is SKIPPED: `RecordReader.skipped` counts them and `problems`
  keeps the first few as "FILE:LINE: what is wrong";
- a file whose records were all skipped stops after all: it only looked like the format.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import re
import unicodedata
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.utils import parsedate_to_datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any, cast

from pydantic import ValidationError

from agent.errors import InputError
from agent.index.records import IndexRecord
from agent.line.arxiv_id import parse_arxiv_id


class Format(StrEnum):
    SNAPSHOT = "snapshot"
    ATOM = "atom"
    CORPUS = "corpus"


GZIP_MAGIC = b"\x1f\x8b"
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV_ATOM = "{http://arxiv.org/schemas/atom}"
MAX_PROBLEMS = 5  # enough to see a pattern; the count says how many more there were
_FIRST_LINE_LIMIT = 1 << 24  # a snapshot record is a few kB: 16 MB without a newline is not JSON lines
_FORMATS_HINT = "Give arXiv's JSON-lines metadata snapshot, an arXiv API Atom feed or corpus JSON lines (any of them may be gzipped)."


class RecordProblem(Exception):
    """One record cannot be read; the reader skips it and counts it."""


# A hyphen that ends a line joins the two words (IMO-\nAnswerBench -> IMO-AnswerBench): arXiv's
# sources wrap but never hyphenate, so the hyphen is the author's, and a space would split the word.
_LINE_END_HYPHEN = re.compile(r"(?<=\w-)\n\s*(?=\w)")


def fold_space(text: str | None) -> str:
    """Line breaks, tabs and runs of spaces folded to one space, ends trimmed: how the index holds text."""
    text = text or ""
    return " ".join((_LINE_END_HYPHEN.sub("", text) if "-\n" in text else text).split())


def optional_text(value: object) -> str | None:
    """A folded string, or None for a missing, empty or non-string value."""
    return (fold_space(value) or None) if isinstance(value, str) else None


# TeX accents as arXiv's author strings write them (C. Bal\'azs, M{\"u}ller), as combining marks.
_ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304", ".": "\u0307"}
_ACCENTS |= {"c": "\u0327", "v": "\u030c", "u": "\u0306", "H": "\u030b", "r": "\u030a", "k": "\u0328"}
_LETTERS = {"o": "ø", "O": "Ø", "l": "ł", "L": "Ł", "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å", "i": "ı"}
_TEX_ACCENT = re.compile(r"""\{?\\(?:(['`^"~=.])\s*|([cvuHrk])\s+|([cvuHrk])(?=\{))\{?(\\i|[A-Za-z])\}?\}?""")
# A control word eats the space after it (Bj\o rn); a braced one ({\o}) ends at its brace.
_TEX_LETTER = re.compile(r"\{?\\(ss|ae|AE|oe|OE|aa|AA|o|O|l|L|i)(?![A-Za-z])(?:\}|\s)?")


def _accented(match: re.Match[str]) -> str:
    mark = _ACCENTS.get(match[1] or match[2] or match[3] or "")
    base = "i" if match[4] == "\\i" else match[4]
    return unicodedata.normalize("NFC", base + mark) if mark else match[0]


def detex_name(name: str) -> str:
    """A name with TeX accents decoded: "C. Bal\\'azs" -> "C. Balázs"; plain names come back folded, unchanged."""
    if "\\" not in name:
        return fold_space(name)
    name = _TEX_ACCENT.sub(_accented, name)
    return fold_space(_TEX_LETTER.sub(lambda m: _LETTERS[m[1]], name))


_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}


def split_authors(text: str) -> list[str]:
    """arXiv's author string ("A. One, B. Two (MIT, USA) and C. Three, Jr.") as names, affiliations dropped."""
    depth, kept = 0, []
    for char in text:  # affiliations nest and hold commas: drop them before splitting
        depth += char == "("
        if depth == 0:
            kept.append(char)
        depth -= char == ")" and depth > 0
    names: list[str] = []
    for piece in re.split(r",|\band\b|&", "".join(kept)):
        name = detex_name(piece)
        if name.lower() in _SUFFIXES and names:
            names[-1] = f"{names[-1]} {name}"
        elif name:
            names.append(name)
    return names


def parse_rfc2822(text: str) -> dt.datetime:
    """'Mon, 2 Apr 2007 19:18:42 GMT' as an aware UTC datetime; ValueError if it is not such a date."""
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        raise ValueError(f"{text!r} is not an RFC 2822 date") from None
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


def parse_iso(text: str) -> dt.datetime:
    """'2022-02-24T15:05:19Z' as an aware UTC datetime (a naive one is taken as UTC)."""
    when = dt.datetime.fromisoformat(text.strip())
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


def base_of(raw: object) -> tuple[str, int | None]:
    """An arXiv ID's base and version; a RecordProblem for anything that is not an arXiv ID."""
    # ASCII only, as lines and look-ups are held to: an ID with other digits could never be found again.
    parsed = parse_arxiv_id(raw) if isinstance(raw, str) and raw.isascii() else None
    if parsed is None:
        raise RecordProblem(f"{raw!r} is not an arXiv ID")
    return parsed.base, parsed.version


def _need(obj: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = obj.get(key)
    if not isinstance(value, kind) or value in ("", []):
        raise RecordProblem(f"no {key!r}" if value in (None, "", []) else f"{key!r} is a {type(value).__name__}")
    return value


def _iso_field(obj: dict[str, Any], key: str) -> dt.datetime:
    try:
        return parse_iso(_need(obj, key, str))
    except ValueError as exc:
        raise RecordProblem(f"{key!r} is not a date ({exc})") from None


def snapshot_record(obj: dict[str, Any]) -> IndexRecord:
    """One line of arXiv's bulk metadata snapshot."""
    base, _ = base_of(obj.get("id"))
    versions = _need(obj, "versions", list)
    try:
        dates = [parse_rfc2822(v["created"]) for v in versions]
    except (KeyError, TypeError, ValueError) as exc:
        raise RecordProblem(f"'versions' has an entry without a readable 'created' date ({exc})") from None
    parsed = obj.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        # [last, first, suffix] (a fourth item, when present, is an affiliation).
        authors = [detex_name(" ".join(str(p) for p in (n[1], n[0], *n[2:3]) if p)) for n in parsed if isinstance(n, list) and len(n) >= 2]
    else:
        authors = split_authors(_need(obj, "authors", str))
    return IndexRecord(
        id=base,
        version=len(versions),
        title=fold_space(_need(obj, "title", str)),
        abstract=fold_space(_need(obj, "abstract", str)),
        authors=authors,
        categories=_need(obj, "categories", str).split(),
        published=dates[0],
        updated=dates[-1],
        comment=optional_text(obj.get("comments")),
        journal_ref=optional_text(obj.get("journal-ref")),
        doi=optional_text(obj.get("doi")),
    )


def corpus_record(obj: dict[str, Any]) -> IndexRecord:
    """One line of the project's corpus format (arxiv-corpus/corpus.jsonl.gz, evals/data/arxiv-slice)."""
    base, _ = base_of(obj.get("id"))
    categories = [c for c in _need(obj, "categories", list) if isinstance(c, str)]
    primary = obj.get("primary_category")
    if isinstance(primary, str) and primary and categories[:1] != [primary]:
        categories = [primary, *(c for c in categories if c != primary)]
    published = _iso_field(obj, "published")
    updated = _iso_field(obj, "updated") if obj.get("updated") else published
    return IndexRecord(
        id=base,
        version=obj.get("version", 1),
        title=fold_space(_need(obj, "title", str)),
        abstract=fold_space(_need(obj, "abstract", str)),
        authors=[detex_name(a) for a in obj.get("authors") or [] if isinstance(a, str)],
        categories=categories,
        published=published,
        updated=updated,
        comment=optional_text(obj.get("comment")),
        journal_ref=optional_text(obj.get("journal_ref")),
        doi=optional_text(obj.get("doi")),
        dates_estimated=bool(obj.get("dates_estimated", False)),
    )


def atom_record(entry: ET.Element) -> IndexRecord:
    """One `<entry>` of an arXiv API feed."""
    raw_id = (entry.findtext(f"{ATOM}id") or "").strip()
    base, version = base_of(raw_id.rpartition("/abs/")[2] if "/abs/" in raw_id else raw_id)
    if version is None:
        raise RecordProblem(f"the entry's ID {raw_id!r} carries no version")
    primary = entry.find(f"{ARXIV_ATOM}primary_category")
    terms = [primary.get("term", "")] if primary is not None else []
    terms += [c.get("term", "") for c in entry.findall(f"{ATOM}category")]
    try:
        published = parse_iso(entry.findtext(f"{ATOM}published") or "")
        updated = parse_iso(entry.findtext(f"{ATOM}updated") or "") if entry.findtext(f"{ATOM}updated") else published
    except ValueError as exc:
        raise RecordProblem(f"unreadable date ({exc})") from None
    return IndexRecord(
        id=base,
        version=version,
        title=fold_space(entry.findtext(f"{ATOM}title")),
        abstract=fold_space(entry.findtext(f"{ATOM}summary")),
        authors=[detex_name(n) for a in entry.findall(f"{ATOM}author") if (n := a.findtext(f"{ATOM}name") or "").strip()],
        categories=list(dict.fromkeys(t for t in terms if t)),
        published=published,
        updated=updated,
        comment=optional_text(entry.findtext(f"{ARXIV_ATOM}comment")),
        journal_ref=optional_text(entry.findtext(f"{ARXIV_ATOM}journal_ref")),
        doi=optional_text(entry.findtext(f"{ARXIV_ATOM}doi")),
    )


def describe(exc: Exception) -> str:
    """A record's problem in a few words: pydantic's first complaint, or the exception's message."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        return f"{'.'.join(str(p) for p in first['loc']) or 'record'}: {first['msg']}"
    return str(exc)


@contextmanager
def open_bytes(path: Path) -> Iterator[tuple[IO[bytes], IO[bytes]]]:
    """(decompressed stream, raw file): gzip by its magic bytes, whatever the file is called."""
    with path.open("rb") as raw:
        gzipped = raw.read(2) == GZIP_MAGIC
        raw.seek(0)
        if gzipped:
            with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                yield cast(IO[bytes], unzipped), cast(IO[bytes], raw)
        else:
            yield cast(IO[bytes], raw), cast(IO[bytes], raw)


def _damaged(path: Path, where: str, exc: BaseException) -> InputError:
    return InputError(f"{path}{where}: the file is damaged or cut short ({exc})", hint="Download or decompress it again.")


def detect_format(path: Path) -> Format:
    """The format of `path` from its first bytes and first record; an InputError if it is none of them."""
    try:
        with open_bytes(path) as (stream, _):
            first = b""
            while not first.strip():  # blank lines before the first record are no reason to refuse a file
                first = stream.readline(_FIRST_LINE_LIMIT)
                if not first:
                    raise InputError(f"{path}: the file is empty", hint=_FORMATS_HINT)
            body = first.removeprefix(b"\xef\xbb\xbf").lstrip()
            if body.startswith(b"<"):
                return _xml_format(path, first + stream.read(1 << 16))
            if body.startswith(b"{"):
                return _json_format(path, first)
    except PermissionError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise _damaged(path, "", exc) from None
    raise InputError(f"{path}: not arXiv metadata Retest can read (it is neither JSON lines nor XML)", hint=_FORMATS_HINT)


def _xml_format(path: Path, head: bytes) -> Format:
    try:
        # Only the first start tag is read: the rest of `head` may be cut anywhere.
        root: ET.Element | None = next((elem for _, elem in ET.iterparse(io.BytesIO(head), events=("start",))), None)
    except ET.ParseError as exc:
        raise InputError(f"{path}:{exc.position[0]}: not well-formed XML ({exc})", hint=_FORMATS_HINT) from None
    if root is not None and root.tag == f"{ATOM}feed":
        return Format.ATOM
    raise InputError(f"{path}: an XML file, but not an Atom feed (its root is {root.tag if root is not None else 'missing'})", hint=_FORMATS_HINT)


def _json_format(path: Path, first: bytes) -> Format:
    try:
        obj = json.loads(first)
    except ValueError as exc:
        raise InputError(f"{path}:1: the first line is not a JSON object ({exc})", hint=_FORMATS_HINT) from None
    if isinstance(obj, dict) and isinstance(obj.get("categories"), str) and ("versions" in obj or "authors_parsed" in obj):
        return Format.SNAPSHOT
    if isinstance(obj, dict) and isinstance(obj.get("categories"), list) and "published" in obj:
        return Format.CORPUS
    keys = sorted(obj)[:8] if isinstance(obj, dict) else type(obj).__name__
    raise InputError(f"{path}:1: JSON of an unknown shape ({keys}): not arXiv's snapshot nor the corpus format", hint=_FORMATS_HINT)


class RecordReader:
    """The records of one file, read lazily (iterate once); counts what it read and skipped as it goes."""

    def __init__(self, path: Path, format: Format) -> None:
        self.path = path
        self.format = format
        self.size = path.stat().st_size
        self.read = 0
        self.skipped = 0
        self.problems: list[str] = []
        self._raw: IO[bytes] | None = None

    def position(self) -> int:
        """Bytes of the file (compressed, if it is) consumed so far: progress through a file of `size` bytes."""
        raw = self._raw
        return raw.tell() if raw is not None and not raw.closed else (self.size if self.read or self.skipped else 0)

    def __iter__(self) -> Iterator[IndexRecord]:
        records = self._atom() if self.format is Format.ATOM else self._json_lines(snapshot_record if self.format is Format.SNAPSHOT else corpus_record)
        for record in records:
            self.read += 1
            yield record
        if self.skipped and not self.read:
            raise InputError(f"{self.path}: none of its {self.skipped} record(s) could be read; the first: {self.problems[0]}", hint=_FORMATS_HINT)

    def _skip(self, where: str, exc: Exception) -> None:
        self.skipped += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(f"{where}: {describe(exc)}")

    def _json_lines(self, convert: Callable[[dict[str, Any]], IndexRecord]) -> Iterator[IndexRecord]:
        lineno = 0
        with open_bytes(self.path) as (stream, self._raw):
            try:
                for lineno, line in enumerate(stream, 1):  # noqa: B007 - lineno names the damage below
                    if not line.strip():
                        continue
                    try:
                        obj = json.loads(line)
                        if not isinstance(obj, dict):
                            raise RecordProblem(f"a JSON {type(obj).__name__}, not an object")
                        record = convert(obj)
                    except json.JSONDecodeError as exc:
                        self._skip(f"{self.path}:{lineno}", RecordProblem(f"not valid JSON ({exc.msg})"))
                        continue
                    except (RecordProblem, ValueError) as exc:  # ValidationError and bad UTF-8 are ValueErrors
                        self._skip(f"{self.path}:{lineno}", exc)
                        continue
                    yield record
            except (OSError, EOFError, zlib.error) as exc:
                raise _damaged(self.path, f":{lineno + 1}", exc) from None

    def _atom(self) -> Iterator[IndexRecord]:
        number = 0
        with open_bytes(self.path) as (stream, self._raw):
            try:
                root: ET.Element | None = None
                for event, elem in ET.iterparse(stream, events=("start", "end")):
                    if root is None:
                        root = elem
                    if event != "end" or elem.tag != f"{ATOM}entry":
                        continue
                    number += 1
                    entry_id = (elem.findtext(f"{ATOM}id") or "").strip()
                    if "/api/errors" in entry_id:
                        raise InputError(f"{self.path}: arXiv's API answered with an error, not papers: {fold_space(elem.findtext(f'{ATOM}summary'))}")
                    try:
                        record = atom_record(elem)
                    except (RecordProblem, ValueError) as exc:
                        self._skip(f"{self.path}: entry {number} ({entry_id or 'no id'})", exc)
                        continue
                    finally:
                        root.clear()  # entries already read are dropped: the tree never grows
                    yield record
            except ET.ParseError as exc:
                raise InputError(f"{self.path}:{exc.position[0]}: not well-formed XML ({exc})", hint="Is the feed cut short? Fetch it again.") from None
            except (OSError, EOFError, zlib.error) as exc:
                raise _damaged(self.path, f" (after entry {number})", exc) from None


def open_records(path: str | Path) -> RecordReader:
    """A reader for the records in `path`, its format detected now (a wrong file fails before anything is indexed)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file", hint="Check the path; `retest index build` reads files, not directories.")
    return RecordReader(path, detect_format(path))
