"""The parser: queries arXiv answers with 400, and properties over many generated queries."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.index.query import BinOp, DateRange, Node, Not, QueryError, Term, UnsupportedQueryError, parse

BAD = [
    ("", "empty"),
    ("   ", "empty"),
    ("(ti:agents", "unbalanced parenthesis '\\('"),
    ("ti:agents)", "unbalanced parenthesis '\\)'"),
    ("ti:(agents OR (mind)", "unbalanced"),
    ("ti:agents AND", "nothing on its right"),
    ("ti:agents AND NOT", "nothing on its right"),
    ("AND ti:agents", "nothing on its left"),
    ("OR ti:agents", "nothing on its left"),
    ("ti:agents OR AND ti:mind", "two operators in a row"),
    ("ti:agents OR NOT ti:mind", "two operators in a row"),
    ("NOT", "nothing on its right"),
    ("foo:bar", "unknown field 'foo:'"),
    ("Ti:agents", "unknown field 'Ti:'"),  # prefixes are case-sensitive, like operators
    ("ti:", "has no value"),
    ("ti: AND x", "has no value"),
    ("ti:()", "empty parentheses"),
    ("()", "empty parentheses"),
    ('ti:"agents', "quotation does not close"),
    ('ti:""', "empty value"),
    ("*agents", "cannot start with a wildcard"),
    ("cat:*", "cannot start with a wildcard"),
    ("submittedDate:[2025 TO", "does not close"),
    ("submittedDate:2025", "submittedDate takes"),
    ("submittedDate:(2025)", "submittedDate takes"),
    ("submittedDate:[2025]", "is not 'YYYYMMDDHHMM TO YYYYMMDDHHMM'"),
    ("submittedDate:[20251 TO 2026]", "is not YYYY"),
    ("submittedDate:[202513 TO 2026]", "not a real date"),
    ("submittedDate:[20250230 TO 2026]", "not a real date"),
    ("ti:[2025 TO 2026]", "works on submittedDate only"),
    ("[2025 TO 2026]", "needs submittedDate"),
    ("ti:agents]", "without '\\['"),
    ("all:multi-ag*", "wildcards work on plain words only"),
    ("ti:(gpt-4* OR agents)", "wildcards work on plain words only"),
]


@pytest.mark.parametrize(("query", "why"), BAD)
def test_queries_arxiv_rejects_are_query_errors(query: str, why: str) -> None:
    with pytest.raises(QueryError, match=why) as err:
        parse(query)
    assert err.value.message.startswith(f"Invalid query string: '{query}'")


def test_report_numbers_are_refused_as_unsupported_not_as_bad() -> None:
    with pytest.raises(UnsupportedQueryError, match="Unsupported query field 'rn:'"):
        parse("rn:CERN-TH-2025-001")


def test_a_fields_value_is_taken_as_written() -> None:
    assert str(parse("doi:10.1038/418838a")) == "doi:10.1038/418838a"
    assert str(parse("all:foo:bar")) == "all:foo:bar"
    assert str(parse("ti: agents")) == "ti:agents"
    assert str(parse("ti:AND")) == "ti:AND"  # after a prefix an operator word is a value


def test_seconds_are_cut_and_lone_prefixes_of_parentheses_nest() -> None:
    assert str(parse("submittedDate:[20260211023048 TO 20260211023059]")) == "submittedDate:[202602110230 TO 202602110230]"
    assert str(parse("ti:(a (b c) OR d)")) == "OR(ti:a, OR(OR(ti:b, ti:c), ti:d))"
    assert str(parse("ti:(a OR abs:(b c))")) == "OR(ti:a, OR(abs:b, abs:c))"
    assert str(parse("(NOT cat:cs.CV) AND ti:agents")) == "AND(NOT(cat:cs.CV), ti:agents)"


# ---------------------------------------------------------------- properties

EXAMPLES = int(os.environ.get("RETEST_HYPOTHESIS_EXAMPLES", "200"))
_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
_FIELD = st.sampled_from(["ti", "abs", "au", "all", "co", "jr", "cat", "id"])
_TERM = st.builds(lambda f, ws, q: Term(f, tuple(ws) if q else tuple(ws[:1]), q), _FIELD, st.lists(_WORD, min_size=1, max_size=3), st.booleans())
_MINUTE = st.datetimes(min_value=dt.datetime(1991, 1, 1), max_value=dt.datetime(2030, 12, 31)).map(lambda t: t.replace(second=0, microsecond=0, tzinfo=dt.UTC))
_DATE = st.builds(lambda a, b: DateRange(min(a, b), max(a, b)), _MINUTE, _MINUTE)
_NODES: st.SearchStrategy[Node] = st.recursive(
    st.one_of(_TERM, _DATE),
    lambda inner: st.one_of(st.builds(BinOp, st.sampled_from(["AND", "OR", "ANDNOT"]), inner, inner), st.builds(Not, inner)),
    max_leaves=8,
)


def _render(node: Node) -> str:
    """Write an AST back as a query, every sub-expression in parentheses (as programs should)."""
    match node:
        case BinOp(op=op, left=left, right=right):
            return f"({_render(left)}) {op} ({_render(right)})"
        case Not(child=child):
            return f"(NOT ({_render(child)}))"
        case DateRange():
            return str(node)
        case Term(field=field, words=words, quoted=quoted):
            return f'{field}:"{" ".join(words)}"' if quoted else f"{field}:{words[0]}"
    raise AssertionError(node)


@settings(max_examples=EXAMPLES, deadline=None)
@given(_NODES)
def test_a_fully_parenthesised_query_parses_back_to_its_tree(node: Node) -> None:
    assert parse(_render(node)) == node


# Each token and the leaf it must become; operators and parentheses become no leaf.
_LEAVES = {"a": "all:a", "ti:b": "ti:b", '"c d"': 'all:"c d"', "au:e_f": "au:e_f", "x*": "all:x*"}


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(st.sampled_from([*_LEAVES, "AND", "OR", "NOT", "ANDNOT", "(", ")"]), min_size=1, max_size=9))
def test_any_run_of_tokens_parses_or_is_a_query_error(parts: list[str]) -> None:
    try:
        node = parse(" ".join(parts))
    except QueryError as err:
        assert err.message.startswith("Invalid query string")
        return
    # What parses keeps every term it was given, in the order given (grouping never reorders).
    assert _leaves(node) == [_LEAVES[p] for p in parts if p in _LEAVES]


def _leaves(node: Node) -> list[str]:
    match node:
        case BinOp(left=left, right=right):
            return _leaves(left) + _leaves(right)
        case Not(child=child):
            return _leaves(child)
    return [str(node)]


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text_never_crashes_the_parser(text: str) -> None:
    try:
        parse(text)
    except QueryError:
        pass
