"""Index records rendered as arXiv's API answers them: Atom feeds, byte for byte where the facts allow.

The layout is copied from the real responses in tests/data/arxiv-wire (recorded
2026-04 from arXiv's current service): the XML declaration in single quotes, the three
namespaces in that order, the feed's id, title, updated, link and opensearch fields, and
each entry's elements in arXiv's order (id, title, updated, abs and pdf links, summary,
categories, published, comment, primary category, journal ref, authors, DOI and its link).
The feed ID is what arXiv makes it: the SHA-1 of the echoed query, base64, its last
character dropped (checked against every recorded feed).

The echoed `search_query` (feed title and link) is rewritten as arXiv's new service
rewrites it before parsing (arXiv/arxiv-search `classic_search_query.adapt_query`): bare
words get `all:`, a missing operator is OR, NOT is ANDNOT, a prefix before parentheses is
distributed, dates are padded into `submittedDate:"A TO B"`. Only `testing` ->
`all:testing` is on record; the other rules are read from that code, not observed.

What cannot be told from an index record and is left out: authors' affiliations
(`arxiv:affiliation`), and the leading spaces some old abstracts carry (the index folds
white space). arXiv's `<updated>` of the feed is the time of serving (`served_at`).
"""

from __future__ import annotations

import base64
import calendar
import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from urllib.parse import quote
from xml.sax.saxutils import escape

from agent.index.records import IndexRecord

ATOM_CONTENT_TYPE = "application/atom+xml; charset=UTF-8"
ARXIV_NS = "http://arxiv.org/schemas/atom"
_HEAD = (
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n'
)
ERRORS = "https://arxiv.org/api/errors"
# Characters XML 1.0 cannot hold at all; a record carrying one would make the whole feed unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    return escape(_NOT_XML.sub("", value))


def _attr(value: str) -> str:
    return escape(_NOT_XML.sub("", value), {'"': "&quot;"})


def stamp(when: dt.datetime) -> str:
    """An Atom time as arXiv writes it: UTC, whole seconds, `Z` (a naive time is taken as UTC)."""
    utc = when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_xml(record: IndexRecord) -> str:
    """One `<entry>`, indented and ordered as arXiv's are."""
    vid = f"{record.id}v{record.version}"
    lines = [
        "  <entry>",
        f"    <id>http://arxiv.org/abs/{vid}</id>",
        f"    <title>{_text(record.title)}</title>",
        f"    <updated>{stamp(record.updated)}</updated>",
        f'    <link href="https://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>',
        f'    <link href="https://arxiv.org/pdf/{vid}" rel="related" type="application/pdf" title="pdf"/>',
        f"    <summary>{_text(record.abstract)}</summary>",
        *(f'    <category term="{_attr(cat)}" scheme="{ARXIV_NS}"/>' for cat in record.categories),
        f"    <published>{stamp(record.published)}</published>",
    ]
    if record.comment:
        lines.append(f"    <arxiv:comment>{_text(record.comment)}</arxiv:comment>")
    if record.primary_category:
        lines.append(f'    <arxiv:primary_category term="{_attr(record.primary_category)}"/>')
    if record.journal_ref:
        lines.append(f"    <arxiv:journal_ref>{_text(record.journal_ref)}</arxiv:journal_ref>")
    lines += [f"    <author>\n      <name>{_text(name)}</name>\n    </author>" for name in record.authors]
    if record.doi:
        lines.append(f"    <arxiv:doi>{_text(record.doi)}</arxiv:doi>")
        lines.append(f'    <link rel="related" href="https://doi.org/{_attr(record.doi)}" title="doi"/>')
    lines.append("  </entry>")
    return "\n".join(lines) + "\n"


def feed(
    records: Sequence[IndexRecord],
    *,
    search_query: str = "",
    id_list: Sequence[str] = (),
    start: int = 0,
    max_results: int = 10,
    total: int | None = None,
    served_at: dt.datetime | None = None,
) -> bytes:
    """A 200 answer: the page of `records` for this request, `total` matches in all (default: as many as given)."""
    echoed = echo_query(search_query)
    ids = ",".join(id_list)
    query_string = f"search_query={echoed}&id_list={ids}&start={start}&max_results={max_results}"
    link = f"https://arxiv.org/api/query?search_query={_link_value(echoed)}&start={start}&max_results={max_results}&id_list={_link_value(ids)}"
    body = (
        _HEAD
        + f"  <id>https://arxiv.org/api/{feed_id(query_string)}</id>\n"
        + f"  <title>arXiv Query: {_text(query_string)}</title>\n"
        + f"  <updated>{stamp(served_at or _now())}</updated>\n"
        + f'  <link href="{_attr(link)}" type="application/atom+xml"/>\n'
        + f"  <opensearch:itemsPerPage>{max_results}</opensearch:itemsPerPage>\n"
        + f"  <opensearch:totalResults>{len(records) if total is None else total}</opensearch:totalResults>\n"
        + f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n"
        + "".join(entry_xml(r) for r in records)
        + "</feed>\n"
    )
    return body.encode("utf-8")


def error_feed(message: str, link: str = ERRORS, *, served_at: dt.datetime | None = None) -> bytes:
    """The feed arXiv sends with a 400 (or another error): one entry titled Error, `message` its summary.

    arXiv's own validation errors name an anchor (`incorrect_id_format_for_X`, see
    `id_error`); a request it refuses otherwise links the bare errors page.
    """
    when = stamp(served_at or _now())
    body = (
        _HEAD
        + "  <id>https://arxiv.org/</id>\n  <title>arXiv Search Results</title>\n"
        + f"  <updated>{when}</updated>\n"
        + "  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>\n"
        + "  <opensearch:totalResults>1</opensearch:totalResults>\n"
        + "  <opensearch:startIndex>0</opensearch:startIndex>\n"
        + f"  <entry>\n    <id>{_text(link)}</id>\n    <title>Error</title>\n    <updated>{when}</updated>\n"
        + f'    <link href="{_attr(link)}" rel="alternate" type="text/html"/>\n'
        + f"    <summary>{_text(message)}</summary>\n"
        + "    <author>\n      <name>arXiv api core</name>\n    </author>\n  </entry>\n</feed>\n"
    )
    return body.encode("utf-8")


def id_error(raw_id: str, *, served_at: dt.datetime | None = None) -> bytes:
    """arXiv's 400 for an ID of the wrong shape, exactly as recorded for `abc`."""
    return error_feed(f"incorrect id format for {raw_id}", f"{ERRORS}#incorrect_id_format_for_{raw_id}", served_at=served_at)


def feed_id(query_string: str) -> str:
    """arXiv's feed ID for an echoed query string: SHA-1, base64, the last character dropped."""
    return base64.b64encode(hashlib.sha1(query_string.encode("utf-8")).digest()).decode("ascii")[:-1]


def _link_value(value: str) -> str:
    # The recorded links keep ':', ',' and '/' as they are (all:testing, 0808.05394,1707.08567, astro-ph/0601001).
    return quote(value, safe=":,/")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# ---------------------------------------------------------------- the echoed query

_PREFIXES = ("abs", "all", "au", "cat", "co", "doi", "id", "jr", "lastUpdatedDate", "rn", "submittedDate", "ti", "title")
_OPERATORS = ("AND", "ANDNOT", "NOT", "OR")
_TOKEN = re.compile(r'"[^"]*"|[()]|\b(?:ANDNOT|AND|NOT|OR)\b(?=[()\s]|$)|' + "|".join(f"{p}:" for p in _PREFIXES) + r'|[^"()\s]+')
_DATES = re.compile(r"submittedDate:\[([\d-]{4,14}) TO ([\d-]{4,14})\]")
Token = list[str]  # [kind, text]; kinds: P(refix) L R O(perator) T(ext)


def echo_query(search_query: str) -> str:
    """`search_query` as arXiv echoes it in a feed's title: rewritten the way its parser rewrites it first."""
    text = search_query.replace("\r", " ").replace("\n", " ").replace("lastUpdatedDate:", "submittedDate:")
    text = _DATES.sub(lambda m: f'submittedDate:"{_pad(m[1], start=True)} TO {_pad(m[2], start=False)}"', text)
    tokens = [_kind(word) for word in _TOKEN.findall(text)]
    for rewrite in (_andnot, _distribute, _prefix_bare_words, _drop_doubled_operators, _or_between, _title_is_ti, _drop_empty_prefixes):
        tokens = rewrite(tokens)
    return _join(tokens)


def _pad(digits: str, *, start: bool) -> str:
    if not digits.isdigit():
        return digits
    digits = digits[:12]
    if len(digits) == 6:
        digits += "01" if start else f"{calendar.monthrange(int(digits[:4]), int(digits[4:]) or 1)[1]:02d}"
    elif len(digits) == 4:
        digits += "0101" if start else "1231"
    if len(digits) == 8:
        digits += "0000" if start else "2359"
    return digits


def _kind(word: str) -> Token:
    if word in _OPERATORS:
        return ["O", word]
    if word.endswith(":") and word[:-1] in _PREFIXES:
        return ["P", word]
    return ["L" if word == "(" else "R" if word == ")" else "T", word]


def _andnot(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    for token in tokens:
        if token == ["O", "NOT"]:
            if out and out[-1] == ["O", "AND"]:
                out.pop()
            token = ["O", "ANDNOT"]
        out.append(token)
    return out


def _distribute(tokens: list[Token]) -> list[Token]:
    """`ti:(a b)` -> `(ti:a ti:b)`: the prefix moves onto each bare word inside its parentheses."""
    out: list[Token] = []
    outer: str | None = None  # the prefix being distributed, while inside its parentheses
    depth = 0
    for token in tokens:
        kind = token[0]
        if outer is None and kind == "L" and out and out[-1][0] == "P":
            outer, depth = out.pop()[1], 0
        if outer is not None:
            depth += (kind == "L") - (kind == "R")
            if kind == "T" and out[-1][0] != "P":
                out.append(["P", outer])
            if depth == 0:
                outer = None
        out.append(token)
    return out


def _prefix_bare_words(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    for token in tokens:
        if token[0] == "T" and (not out or out[-1][0] != "P"):
            out.append(["P", "all:"])
        out.append(token)
    return out


def _drop_doubled_operators(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    for token in tokens:
        if token[0] == "O" and out and out[-1][0] == "O":
            out.pop()
        out.append(token)
    return out


def _or_between(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    for token in tokens:
        if out and ((out[-1][0] == "P" and token[0] == "P") or (out[-1][0] in "RT" and token[0] in "PLT")):
            out.append(["O", "OR"])
        out.append(token)
    return out


def _title_is_ti(tokens: list[Token]) -> list[Token]:
    return [["P", "ti:"] if t == ["P", "title:"] else t for t in tokens]


def _drop_empty_prefixes(tokens: list[Token]) -> list[Token]:
    return [t for i, t in enumerate(tokens) if t[0] != "P" or (i + 1 < len(tokens) and tokens[i + 1][0] == "T")]


def _join(tokens: list[Token]) -> str:
    out: list[str] = []
    previous: Token | None = None
    for token in tokens:
        glued = previous is not None and ((previous[0], token[0]) in (("L", "P"), ("T", "R"), ("P", "T")))
        if previous is not None and not glued:
            out.append(" ")
        out.append(token[1])
        previous = token
    return "".join(out).strip()
