"""agent.line.arxiv_id, the one owner of arXiv ID syntax.

What each reading accepts is pinned twice: by a table of examples from the modules that
used to spell their own patterns (line, sources, graph citations and screen, the anchor
readers), and by properties against those patterns, copied below as they were, so that
the move to one module changed no accepted or rejected ID. The one change since:
`is_arxiv_id` refuses IDs arXiv cannot have issued (`_issuable`, worked out from dates
here rather than from the module's constants); lookups and the loose readings do not.
"""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.line._prompt_section import ANCHOR
from agent.line.arxiv_id import ID_IN_TEXT, base_id, fold_version, ids_in, is_arxiv_id, parse_arxiv_id

# Raise for a thorough run, e.g. RETEST_HYPOTHESIS_EXAMPLES=2000.
EXAMPLES = int(os.environ.get("RETEST_HYPOTHESIS_EXAMPLES", "200"))

# text, is_arxiv_id, parse_arxiv_id as (base, version), base_id, ids_in
ROWS: list[tuple[str, bool, tuple[str, int | None] | None, str, list[str]]] = [
    ("2507.13524", True, ("2507.13524", None), "2507.13524", ["2507.13524"]),
    ("0704.0001", True, ("0704.0001", None), "0704.0001", ["0704.0001"]),
    ("2501.16946v2", True, ("2501.16946", 2), "2501.16946", ["2501.16946"]),
    ("2501.16946v12", True, ("2501.16946", 12), "2501.16946", ["2501.16946"]),
    # IDs arXiv cannot have issued: a line may not cite them; lookups still ask arXiv (a 400), the finder sees them.
    ("0000.0000", False, ("0000.0000", None), "0000.0000", ["0000.0000"]),
    ("2513.12345", False, ("2513.12345", None), "2513.12345", ["2513.12345"]),
    ("2500.12345v2", False, ("2500.12345", 2), "2500.12345", ["2500.12345"]),
    ("1412.12345", False, ("1412.12345", None), "1412.12345", ["1412.12345"]),
    ("1501.1234", False, ("1501.1234", None), "1501.1234", ["1501.1234"]),
    ("0703.0001", False, ("0703.0001", None), "0703.0001", ["0703.0001"]),
    ("hep-th/9913001", False, ("hep-th/9913001", None), "hep-th/9913001", ["hep-th/9913001"]),
    ("hep-th/9900001", False, ("hep-th/9900001", None), "hep-th/9900001", ["hep-th/9900001"]),
    ("1412.9999", True, ("1412.9999", None), "1412.9999", ["1412.9999"]),
    ("1501.00001", True, ("1501.00001", None), "1501.00001", ["1501.00001"]),
    ("hep-th/9112001", True, ("hep-th/9112001", None), "hep-th/9112001", ["hep-th/9112001"]),
    ("hep-th/9901001", True, ("hep-th/9901001", None), "hep-th/9901001", ["hep-th/9901001"]),
    ("hep-th/9901001v3", True, ("hep-th/9901001", 3), "hep-th/9901001", ["hep-th/9901001"]),
    ("cond-mat/0102536v1", True, ("cond-mat/0102536", 1), "cond-mat/0102536", ["cond-mat/0102536"]),
    # arXiv answers old-style IDs without the subject class; the free-text readings keep it.
    ("math.GT/0309136", True, ("math/0309136", None), "math.GT/0309136", ["math.GT/0309136"]),
    ("math.GT/0309136v2", True, ("math/0309136", 2), "math.GT/0309136", ["math.GT/0309136"]),
    # The prefix: a line's anchor ID is written without it; lookups and the finder take any case and a space.
    ("arXiv:2507.13524", False, ("2507.13524", None), "2507.13524", ["2507.13524"]),
    ("arxiv:hep-th/9901001v1", False, ("hep-th/9901001", 1), "hep-th/9901001", ["hep-th/9901001"]),
    ("ARXIV: 2507.13524", False, ("2507.13524", None), "ARXIV: 2507.13524", ["2507.13524"]),
    ("arXiv: 2507.13524", False, ("2507.13524", None), " 2507.13524", ["2507.13524"]),
    ("arXiv:arxiv:2501.16946", False, None, "2501.16946", ["2501.16946"]),
    ("  0704.0001v1 ", False, ("0704.0001", 1), "0704.0001", ["0704.0001"]),
    ("2507.13524\n", False, ("2507.13524", None), "2507.13524", ["2507.13524"]),
    # Versions: strict readings want v1 or later; the free-text readings take any number and case.
    ("2501.16946v0", False, None, "2501.16946", ["2501.16946"]),
    ("2501.16946v01", False, None, "2501.16946", ["2501.16946"]),
    ("2501.16946V2", False, None, "2501.16946V2", ["2501.16946"]),
    ("2501.16946v", False, None, "2501.16946v", []),
    # Malformed numbers.
    ("2507.135", False, None, "2507.135", []),
    ("2501.169", False, None, "2501.169", []),
    ("2501.1694655", False, None, "2501.1694655", []),
    ("25071.3524", False, None, "25071.3524", []),
    ("25011.16946", False, None, "25011.16946", []),
    ("hep-th/990100", False, None, "hep-th/990100", []),
    ("1234.5678 9", False, None, "1234.5678 9", ["1234.5678"]),
    # Archive spellings: the finder is case-blind and takes hyphens anywhere, but wants two letters.
    ("HEP-TH/9901001", False, None, "HEP-TH/9901001", ["HEP-TH/9901001"]),
    ("math.gt/0309136", False, None, "math.gt/0309136", ["math.gt/0309136"]),
    ("hep-/9901001", False, None, "hep-/9901001", ["hep-/9901001"]),
    ("a/0104567", True, ("a/0104567", None), "a/0104567", []),
    ("a/1234567", False, ("a/1234567", None), "a/1234567", []),
    # Digits of other scripts: lookups and the finder take them, a line may not cite them.
    (
        "\u0662\u0665\u0660\u0661.\u0661\u0666\u0669\u0664\u0666",
        False,
        ("\u0662\u0665\u0660\u0661.\u0661\u0666\u0669\u0664\u0666", None),
        "\u0662\u0665\u0660\u0661.\u0661\u0666\u0669\u0664\u0666",
        ["\u0662\u0665\u0660\u0661.\u0661\u0666\u0669\u0664\u0666"],
    ),  # fmt: skip
    ("abc", False, None, "abc", []),
    ("", False, None, "", []),
]


@pytest.mark.parametrize(("text", "valid", "parsed", "base", "found"), ROWS)
def test_every_reading_of_one_text(text: str, valid: bool, parsed: tuple[str, int | None] | None, base: str, found: list[str]) -> None:
    result = parse_arxiv_id(text)
    assert is_arxiv_id(text) is valid
    assert (None if result is None else (result.base, result.version)) == parsed
    assert base_id(text) == base
    assert ids_in(text) == found


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("2501.16946v2", ("2501.16946", 2)),
        ("quant-ph/0201082v1", ("quant-ph/0201082", 1)),
        ("math.GT/0309136v1", ("math/0309136", 1)),
        ("arXiv:not-an-id", ("not-an-id", None)),
        (" 2501.16946v0 ", ("2501.16946v0", None)),
    ],
)
def test_fold_version(raw: str, folded: tuple[str, int | None]) -> None:
    assert fold_version(raw) == folded


@pytest.mark.parametrize(
    ("text", "mentions", "ids"),
    [
        ("See arXiv:2501.16946v2, and hep-th/9901001.", ["arXiv:2501.16946v2", "hep-th/9901001"], ["2501.16946", "hep-th/9901001"]),
        ("ARXIV: 2501.16946V3 and again (2501.16946)", ["ARXIV: 2501.16946V3", "2501.16946"], ["2501.16946"]),
        ("https://arxiv.org/abs/2501.16946v1", ["2501.16946v1"], ["2501.16946"]),
        ("x2501.16946 2501.169461 2501.16946_b 2501.16946v2x", [], []),
        ("foo-hep-th/9901001 and math.GT/0309136v2", ["foo-hep-th/9901001", "math.GT/0309136v2"], ["foo-hep-th/9901001", "math.GT/0309136"]),
        ("arXiv:arxiv:2501.16946", ["arxiv:2501.16946"], ["2501.16946"]),
    ],
)
def test_ids_in_free_text(text: str, mentions: list[str], ids: list[str]) -> None:
    # The whole mention, prefix and version included, is what the ground check replaces.
    assert [m.group(0) for m in ID_IN_TEXT.finditer(text)] == mentions
    assert ids_in(text) == ids


# The patterns each module spelled for itself before agent.line.arxiv_id owned them.
_LINE_NEW = re.compile(r"\d{4}\.\d{4,5}(?:v[1-9]\d*)?", re.ASCII)
_LINE_OLD = re.compile(r"[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7}(?:v[1-9]\d*)?", re.ASCII)
_SOURCES_NEW = re.compile(r"^(?P<base>\d{4}\.\d{4,5})(?:v(?P<version>[1-9]\d*))?$")
_SOURCES_OLD = re.compile(r"^(?P<archive>[a-z]+(?:-[a-z]+)*)(?P<subject>\.[A-Z]{2})?/(?P<number>\d{7})(?:v(?P<version>[1-9]\d*))?$")
_SOURCES_PREFIX = re.compile(r"^arxiv:\s*", re.IGNORECASE)
_CITATION = re.compile(r"(?:arXiv:\s*)?\b(\d{4}\.\d{4,5}|[a-z][a-z-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?\b", re.I)
_SCREEN_VERSION = re.compile(r"v\d+$")
_ANCHOR_LINE = re.compile(r"- (?:arXiv:\s*)?(?P<id>\S+)\s*\((?P<date>[^()]*)\)\s*:\s*(?P<title>.*)", re.IGNORECASE)


def _issuable(yymm: str, number: str | None) -> bool:
    """Could arXiv have issued an ID of this month (and, new style, with this many digits)?"""
    try:
        month = dt.date(2000 + int(yymm[:2]), int(yymm[2:]), 1)
    except ValueError:
        return False
    if number is None:  # old style: any year, a real month
        return True
    return month >= dt.date(2007, 4, 1) and len(number) == (5 if month >= dt.date(2015, 1, 1) else 4)


def _was_arxiv_id(text: str) -> bool:
    if _LINE_NEW.fullmatch(text):
        return _issuable(text[:4], text[5:].split("v")[0])
    if _LINE_OLD.fullmatch(text):
        return _issuable(text.split("/")[1][:4], None)
    return False


def _was_parsed(raw: str) -> tuple[str, int | None] | None:
    text = _SOURCES_PREFIX.sub("", raw.strip())
    if new := _SOURCES_NEW.match(text):
        return new["base"], int(new["version"]) if new["version"] else None
    if old := _SOURCES_OLD.match(text):
        return f"{old['archive']}/{old['number']}", int(old["version"]) if old["version"] else None
    return None


def _was_base_id(raw: str) -> str:
    return _SCREEN_VERSION.sub("", raw.strip().removeprefix("arXiv:").removeprefix("arxiv:"))


# Near misses on every part of both schemes: prefix spellings, digit counts, other scripts'
# digits, archive case and hyphens (and letters that fold to ASCII: Kelvin sign, long s),
# subject classes, version forms, and what may follow an ID.
_DIGIT = st.sampled_from("0123456789" * 4 + "\u0662")
_PREFIXES = st.sampled_from(["", "", "arXiv:", "arxiv:", "ARXIV:", "arXiv: ", "arXiv:\t", "arXiv:arxiv:", "arXiv", " ", "\n"])
_VERSIONS = st.sampled_from(["", "", "v1", "v2", "v10", "v0", "v01", "V3", "v", "v\u0662"])
_AFTER = st.sampled_from(["", "", " ", "\n", "x", ".", "_", "-", "/1", ")", ",", "\u00a0"])


def _digits(*lengths: int) -> st.SearchStrategy[str]:
    return st.sampled_from(lengths).flatmap(lambda n: st.text(_DIGIT, min_size=n, max_size=n))


_NEW_BODIES = st.tuples(_digits(3, 4, 4, 4, 5), st.sampled_from([".", ".", ".", ",", ""]), _digits(3, 4, 4, 5, 5, 6)).map("".join)
_ARCHIVES = st.text(st.sampled_from("abcehmpqrstz-" + "AHT\u212a\u017f"), min_size=1, max_size=9)
_SUBJECTS = st.sampled_from(["", "", ".GT", ".gt", ".Gt", ".G", ".GTX", ".\u212aT"])
_OLD_BODIES = st.tuples(_ARCHIVES, _SUBJECTS, st.sampled_from(["/", "/", "\\", ""]), _digits(6, 7, 7, 7, 8)).map("".join)
near_ids = st.tuples(_PREFIXES, st.one_of(_NEW_BODIES, _OLD_BODIES), _VERSIONS, _AFTER).map("".join)
id_like = st.one_of(near_ids, st.text(max_size=20))
free_text = st.lists(st.one_of(near_ids, st.sampled_from(["see ", " ", "(", ")", ", ", "\n", "and", "x", ".", "/"]), st.text(max_size=5)), max_size=8).map(
    "".join
)


@settings(max_examples=EXAMPLES)
@given(id_like)
def test_strict_readings_accept_what_they_accepted_before(text: str) -> None:
    parsed = parse_arxiv_id(text)
    assert is_arxiv_id(text) is _was_arxiv_id(text)
    assert (None if parsed is None else (parsed.base, parsed.version)) == _was_parsed(text)


@settings(max_examples=EXAMPLES)
@given(id_like)
def test_base_id_is_what_screen_computed_before(text: str) -> None:
    assert base_id(text) == _was_base_id(text)


@settings(max_examples=EXAMPLES)
@given(free_text)
def test_the_finder_finds_what_the_citation_pattern_found_before(text: str) -> None:
    now = [(m.span(), m["base"]) for m in ID_IN_TEXT.finditer(text)]
    assert now == [(m.span(), m.group(1)) for m in _CITATION.finditer(text)]
    assert ids_in(text) == list(dict.fromkeys(base for _, base in now))


@settings(max_examples=EXAMPLES)
@given(st.tuples(st.sampled_from(["- ", "-", "* "]), near_ids, st.sampled_from([" (2025-07): Title", "(2025): T", " (x) :", " 2025-07: T"])).map("".join))
def test_the_anchor_line_reads_what_it_read_before(line: str) -> None:
    now, before = ANCHOR.fullmatch(line), _ANCHOR_LINE.fullmatch(line)
    assert (now and now.groupdict()) == (before and before.groupdict())


_NEW_MONTHS = st.tuples(st.integers(7, 99), st.integers(1, 12)).filter(lambda ym: ym >= (7, 4))
_VALID_NEW = st.tuples(_NEW_MONTHS, st.integers(0, 99999), st.from_regex(r"(v[1-9][0-9]{0,2})?", fullmatch=True)).map(
    lambda t: f"{t[0][0]:02d}{t[0][1]:02d}.{t[1] % 10**4:04d}{t[2]}" if t[0] < (15, 1) else f"{t[0][0]:02d}{t[0][1]:02d}.{t[1]:05d}{t[2]}"
)
# Every real archive name has two or more letters (the single-letter case is in ROWS).
_VALID_OLD = st.tuples(
    st.from_regex(r"[a-z]{2,6}(-[a-z]{1,6}){0,2}(\.[A-Z]{2})?", fullmatch=True),
    st.integers(0, 99),
    st.integers(1, 12),
    st.integers(0, 999),
    st.from_regex(r"(v[1-9][0-9]?)?", fullmatch=True),
).map(lambda t: f"{t[0]}/{t[1]:02d}{t[2]:02d}{t[3]:03d}{t[4]}")


@settings(max_examples=EXAMPLES)
@given(_VALID_NEW, st.sampled_from(["", "arXiv:", "arxiv:", "ARXIV: "]), st.sampled_from(["", " ", "\n"]))
def test_a_new_style_id_reads_the_same_everywhere(text: str, prefix: str, space: str) -> None:
    parsed = parse_arxiv_id(space + prefix + text + space)
    assert is_arxiv_id(text) and parsed is not None
    assert text == parsed.base + (f"v{parsed.version}" if parsed.version else "")
    assert base_id(text) == parsed.base and ids_in(f"see {prefix}{text}.") == [parsed.base]


@settings(max_examples=EXAMPLES)
@given(_VALID_OLD)
def test_an_old_style_id_loses_its_subject_class_only_when_parsed(text: str) -> None:
    parsed = parse_arxiv_id(text)
    archive, number = text.split("/")
    assert is_arxiv_id(text) and parsed is not None
    assert parsed.base == f"{archive.split('.')[0]}/{number[:7]}" and parsed.version == (int(number[8:]) if len(number) > 7 else None)
    assert base_id(text) == f"{archive}/{number[:7]}"
    assert ids_in(text) == [base_id(text)]
