"""The YAML front matter of a Retest Markdown line: its schema, dump and load.

The front matter holds the data (IDs, dates, arXiv IDs, titles, task numbers,
flag targets, changelog metadata); the body holds the prose. A date is written
as its text ("~2025") when that text alone gives it back, else in full.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agent.errors import LineFormatError
from agent.line._lines import ItemLines
from agent.line.dates import is_canonical, parse_fuzzy_date
from agent.line.models import DatePrecision, FuzzyDate

FORMAT: Literal["retest-line/1"] = "retest-line/1"
# libyaml parses ~20x faster, but neither writes nor reads lone surrogates (which
# a str may hold): dump with the pure-Python emitter, and load with it when libyaml fails.
_FastSafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FastSafeDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DateDetail(_Strict):
    """A date whose text alone does not say all of it."""

    text: str
    value: dt.date
    precision: DatePrecision
    approximate: bool = False


DateField = str | DateDetail


class _Dated(_Strict):
    @field_validator("date", check_fields=False, mode="before")
    @classmethod
    def _date_as_text(cls, value: Any) -> Any:
        # A hand-written `date: 2025` or `date: 2025-07-17` arrives as int or date.
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, dt.date)):
            return str(value) if isinstance(value, int) else value.isoformat()
        return value


class NoteMeta(_Dated):
    id: str
    title: str
    date: DateField | None = None
    arxiv_id: str | None = None


class ClaimMeta(_Dated):
    id: str
    date: DateField


class AnchorMeta(_Dated):
    id: str
    arxiv_id: str
    date: DateField
    title: str
    claims: list[str] = Field(default_factory=list)  # the curator's link; absent when the run links the anchor


class FlagMeta(_Strict):
    id: str
    target: str
    reason: str


class ChangeMeta(_Strict):
    date: dt.date
    run_id: str
    models: dict[str, str] = Field(default_factory=dict)


class FrontMatter(_Strict):
    """Everything in a line that is data rather than prose."""

    format: Literal["retest-line/1"]
    slug: str
    notes: list[NoteMeta] = Field(default_factory=list)
    claims: list[ClaimMeta] = Field(default_factory=list)
    anchors: list[AnchorMeta] = Field(default_factory=list)
    tasks: list[int] = Field(default_factory=list)
    flags: list[FlagMeta] = Field(default_factory=list)
    changelog: list[ChangeMeta] = Field(default_factory=list)


def date_field(date: FuzzyDate) -> DateField:
    """The front matter form of a date: its text when that is enough."""
    return date.text if is_canonical(date) else DateDetail(**date.model_dump())


def fuzzy_date(field: DateField, where: str, source: str, lineno: int | None) -> FuzzyDate:
    """The FuzzyDate a front matter date stands for; LineFormatError if its text is not a date."""
    if isinstance(field, DateDetail):
        return FuzzyDate(**field.model_dump())
    try:
        return parse_fuzzy_date(field)
    except ValueError as exc:
        raise LineFormatError(source, f"front matter, {where}: {exc}", lineno=lineno) from None


class _Dumper(yaml.SafeDumper):
    pass


class _FastDumper(_FastSafeDumper):  # type: ignore[misc,valid-type]
    pass


def _represent_str(dumper: Any, value: str) -> yaml.ScalarNode:
    # Double quotes keep any string on one line with escapes, so no YAML
    # folding can produce a bare '---' line inside the front matter.
    plain_ok = value and value.isprintable() and value == value.strip()
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=None if plain_ok else '"')


for _dumper in (_Dumper, _FastDumper):
    _dumper.add_representer(str, _represent_str)
    _dumper.add_representer(DatePrecision, lambda dumper, value: _represent_str(dumper, value.value))


def dump(front: FrontMatter) -> str:
    """YAML text of the front matter, without the '---' fences."""
    data = front.model_dump(mode="python", exclude_defaults=False)
    for note in data["notes"]:
        for key in ("date", "arxiv_id"):
            if note[key] is None:
                del note[key]
    for anchor in data["anchors"]:
        if not anchor["claims"]:
            del anchor["claims"]
    for key in ("anchors", "flags", "changelog"):
        if not data[key]:
            del data[key]
    options: dict[str, Any] = {"allow_unicode": True, "sort_keys": False, "width": 2**31 - 1}
    try:
        return yaml.dump(data, Dumper=_FastDumper, **options)
    except UnicodeEncodeError:
        return yaml.dump(data, Dumper=_Dumper, **options)


class _LineDict(dict[Any, Any]):
    """A mapping that remembers the front matter line it started on (1-based)."""

    lineno: int = 0


class _Loader(yaml.SafeLoader):
    pass


class _FastLoader(_FastSafeLoader):  # type: ignore[misc,valid-type]
    pass


def _construct_map(loader: Any, node: yaml.MappingNode) -> Iterator[_LineDict]:
    data = _LineDict()
    data.lineno = node.start_mark.line + 1
    yield data
    data.update(loader.construct_mapping(node))


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_FastLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)


def load(text: str, source: str, first_lineno: int, where: ItemLines | None = None) -> FrontMatter:
    """Parse the front matter text that starts on file line `first_lineno`; `where` gets each claim's and anchor's line."""
    try:
        data = _load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        lineno = first_lineno + mark.line if mark else first_lineno
        problem = getattr(exc, "problem", None) or str(exc)
        raise LineFormatError(source, f"front matter is not valid YAML: {problem}", lineno=lineno) from None
    if not isinstance(data, dict):
        raise LineFormatError(source, "front matter must be a YAML mapping", lineno=first_lineno)
    try:
        front = FrontMatter.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(exc, data, source, first_lineno) from None
    if where is not None:
        where.claims.update(_entry_lines(data.get("claims"), first_lineno))
        where.anchors.update(_entry_lines(data.get("anchors"), first_lineno))
    return front


def _entry_lines(entries: Any, first_lineno: int) -> dict[str, int]:
    """File line of each `- id: ...` entry of a validated list."""
    if not isinstance(entries, list):
        return {}
    return {str(e["id"]): first_lineno + e.lineno - 1 for e in entries if isinstance(e, _LineDict) and "id" in e}


def _load_yaml(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_FastLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError:
        # The pure-Python loader is the reference: it reads what libyaml refuses
        # (surrogate escapes) and reports real errors the same way.
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


def _validation_error(exc: ValidationError, data: Any, source: str, first_lineno: int) -> LineFormatError:
    error = exc.errors()[0]
    loc = error["loc"]
    where = ".".join(str(part) for part in loc) or "front matter"
    lineno = _lineno_of(data, loc, first_lineno)
    hint = None
    if error["type"] == "string_type":
        hint = "Quote the value, e.g. arxiv_id: '2507.13524' (YAML reads 2507.13524 as a number)."
    elif error["type"] == "literal_error":
        hint = f"This version of Retest reads format '{FORMAT}'."
    return LineFormatError(source, f"front matter, {where}: {error['msg']}", lineno=lineno, hint=hint)


def _lineno_of(data: Any, loc: tuple[int | str, ...], first_lineno: int) -> int:
    """File line of the deepest mapping on the path `loc` (best effort)."""
    found = first_lineno
    node = data
    for part in loc:
        if isinstance(node, _LineDict):
            found = first_lineno + node.lineno - 1
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
    if isinstance(node, _LineDict):
        found = first_lineno + node.lineno - 1
    return found
