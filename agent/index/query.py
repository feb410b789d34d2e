"""arXiv's `search_query` language, parsed by us into an AST and then into tantivy queries.

The rules are arXiv's since November 2025 (search-semantics.md; arXiv/arxiv-search
`search/domain/classic_api/`), not tantivy's query parser, which is never used:
- a bare word gets `all:`; a missing operator is OR; `NOT` and `AND NOT` are ANDNOT;
  operators count in upper case only (`and` is a word);
- `ti:(space time)` distributes the prefix: `(ti:space OR ti:time)`;
- AND, OR and ANDNOT have equal precedence and group from the right:
  `a AND b OR c` is `AND(a, OR(b, c))`;
- `submittedDate:[A TO B]` (or `"A TO B"`; `lastUpdatedDate:` is an alias) is inclusive at
  both ends, `YYYYMMDDHHMM` in UTC on the first version; partial dates are padded
  (`2025` -> 202501010000 .. 202512312359), and the end minute counts whole (..:59.999);
- a quoted phrase is a phrase query on the analysed field (so it still matches stemmed forms);
- `au:del_maestro`: underscores join the words of one author's name.

Fields: `ti:`, `abs:`, `co:`, `jr:` are analysed in English (lower case, ASCII folding,
Lucene's 33 English stop words, Snowball English stemming: Porter2, which arXiv's Porter
stemmer agrees with on most words); `au:` is folded and lower-cased, one value per author,
so a phrase never spans two names; `all:` matches a word in the unstemmed combined field
(title, abstract, authors, comment, journal ref, DOI, ID) or its stem in title or abstract,
title matches weighing double; `cat:` (case as arXiv writes it), `doi:` and `id:` are
keywords with constant scores.

Choices where arXiv's code is more lenient or says nothing, kept strict so a bad query fails loudly:
two operators in a row (other than `AND NOT`), an operator at the end or a binary one at the
start, an unknown field and an empty query are QueryError ("Invalid query string ...");
a prefix takes the value glued to it as written (`ti:AND` is the word), but after a space
(`ti: AND x`) an operator stays an operator;
arXiv's adapter drops the first of two operators and searches an unknown prefix as text.
A leading `NOT x` (also inside parentheses) is "everything but x", as arXiv builds it.
An unquoted word that analyses to several tokens (`ti:multi-agent`) is a phrase, and a word
that analyses to none (`ti:the`, a stop word) matches nothing. Wildcards (`*`, `?`) work in
unquoted plain words, not at the start; on a stemmed field a wildcard matches the stems of the
words it matches.
`rn:` (report number) is refused as unsupported: the index holds no report numbers.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

import tantivy
from tantivy import Filter, Occur, Query, TextAnalyzer, TextAnalyzerBuilder, Tokenizer

from agent.errors import InputError

# Tokenizer names the engine registers on every index it opens (tantivy does not store them).
EN, FOLD, LOWER = "arxiv_en", "arxiv_fold", "arxiv_lower"
# arXiv prefix -> how it is searched: an English-analysed field, a folded one, a raw keyword.
TEXT_FIELDS = {"ti": EN, "abs": EN, "co": EN, "jr": EN, "au": FOLD}
KEYWORD_FIELDS = {"cat", "doi", "id"}
DATE_FIELD = "submittedDate"
FIELDS = {*TEXT_FIELDS, *KEYWORD_FIELDS, "all", DATE_FIELD}
ALIASES = {"title": "ti", "lastUpdatedDate": DATE_FIELD}
UNSUPPORTED = {"rn": "report numbers are not in the local index"}
# How much a match in each field weighs in an `all:` query (arXiv weights by field, too).
ALL_WEIGHTS = {"all": 1.0, "ti": 2.0, "abs": 1.0}
_WILDCARD = re.compile(r"[*?]")
_WILDCARD_WORD = re.compile(r"[^\W_]+(?:[*?]+[^\W_]*)*[*?]*")


class QueryError(InputError):
    """A query or ID arXiv answers with HTTP 400; the message is arXiv's wording where it has one."""


class UnsupportedQueryError(QueryError):
    """A query arXiv accepts but the local index cannot answer truthfully (e.g. `rn:`)."""


def analyzers() -> dict[str, TextAnalyzer]:
    """The tokenizers the index fields use, by name: the engine registers them, queries analyse with them."""
    return {EN: _analyzer(EN), FOLD: _analyzer(FOLD), LOWER: _analyzer(LOWER)}


@cache
def _analyzer(name: str) -> TextAnalyzer:
    if name == LOWER:  # a whole value as one lower-cased token (DOIs)
        return TextAnalyzerBuilder(Tokenizer.raw()).filter(Filter.lowercase()).build()
    builder = TextAnalyzerBuilder(Tokenizer.simple()).filter(Filter.remove_long(40)).filter(Filter.lowercase()).filter(Filter.ascii_fold())
    if name == EN:
        # tantivy's own "en_stem" keeps stop words; arXiv's English analysis drops them.
        builder = builder.filter(Filter.stopword("english")).filter(Filter.stemmer("english"))
    return builder.build()


# ---------------------------------------------------------------- the AST


@dataclass(frozen=True)
class Term:
    """`field:word`, `field:"a phrase"` or `au:first_last` (words of one name, unquoted)."""

    field: str
    words: tuple[str, ...]
    quoted: bool = False

    def __str__(self) -> str:
        if self.quoted:
            return f'{self.field}:"{" ".join(self.words)}"'
        return f"{self.field}:{'_'.join(self.words)}"


@dataclass(frozen=True)
class DateRange:
    """`submittedDate:[start TO end]`, padded; `end` is the last minute, included whole."""

    start: dt.datetime
    end: dt.datetime

    def __str__(self) -> str:
        return f"{DATE_FIELD}:[{self.start:%Y%m%d%H%M} TO {self.end:%Y%m%d%H%M}]"


Op = Literal["AND", "OR", "ANDNOT"]


@dataclass(frozen=True)
class BinOp:
    """`left OP right`, OP one of AND, OR, ANDNOT."""

    op: Op
    left: Node
    right: Node

    def __str__(self) -> str:
        return f"{self.op}({self.left}, {self.right})"


@dataclass(frozen=True)
class Not:
    """A leading `NOT x`: every paper but those matching x."""

    child: Node

    def __str__(self) -> str:
        return f"NOT({self.child})"


Node = Term | DateRange | BinOp | Not


def constant_score(node: Node) -> bool:
    """True when every match scores the same, so relevance order is index order (no ranking needed)."""
    match node:
        case Term(field=field):
            return field in KEYWORD_FIELDS
        case DateRange() | Not():
            return True
        case BinOp(op="AND", left=left, right=right):
            return constant_score(left) and constant_score(right)
        case BinOp(op="ANDNOT", left=left):
            return constant_score(left)
    return False


# ---------------------------------------------------------------- lexing and parsing

Token = tuple[str, str]  # (kind, text); kinds: ( ) OP FIELD WORD PHRASE RANGE
_OPERATORS = {"AND", "OR", "ANDNOT", "NOT"}
_STOPS = set(' \t\r\n()"[]')


def parse(query: str) -> Node:
    """The AST of an arXiv `search_query`; raises QueryError where arXiv answers 400."""
    tokens = _lex(query)
    if not tokens:
        raise _invalid(query, "the query is empty")
    parser = _Parser(tokens, query)
    node = parser.expr("all", start=True)
    if parser.pos < len(tokens):
        raise _invalid(query, "unbalanced parenthesis ')'")
    return node


def _invalid(query: str, why: str) -> QueryError:
    return QueryError(f"Invalid query string: '{query}': {why}", hint="See https://info.arxiv.org/help/api/user-manual.html#query_details")


def _lex(query: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c.isspace():
            i += 1
        elif c in "()":
            tokens.append((c, c))
            i += 1
        elif c in '"[':
            close = query.find('"' if c == '"' else "]", i + 1)
            if close < 0:
                raise _invalid(query, "quotation does not close" if c == '"' else "date range '[' does not close")
            tokens.append(("PHRASE" if c == '"' else "RANGE", query[i + 1 : close]))
            i = close + 1
        elif c == "]":
            raise _invalid(query, "']' without '['")
        else:
            j = i
            while j < n and query[j] not in _STOPS:
                j += 1
            # Only a value glued to its prefix is taken as written: in `ti: AND x` the AND is an operator.
            glued = bool(tokens) and tokens[-1][0] == "FIELD" and query[i - 1] == ":"
            tokens.extend(_word_tokens(query[i:j], after_field=glued))
            i = j
    return tokens


def _word_tokens(run: str, *, after_field: bool) -> list[Token]:
    if after_field:  # a field's value is taken as written, colons and all (doi:10.1/x, all:foo:bar)
        return [("WORD", run)]
    if run in _OPERATORS:
        return [("OP", run)]
    name, colon, rest = run.partition(":")
    if colon and re.fullmatch(r"[A-Za-z_]+", name):
        return [("FIELD", name)] + ([("WORD", rest)] if rest else [])
    return [("WORD", run)]


class _Parser:
    """Recursive descent; `expr` recurses on its right side, which is what makes grouping right-first."""

    def __init__(self, tokens: list[Token], query: str) -> None:
        self.tokens, self.query, self.pos = tokens, query, 0

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expr(self, default: str, *, start: bool = False) -> Node:
        left = self.unary(default, start=start)
        nxt = self.peek()
        if nxt is None or nxt[0] == ")":
            return left
        op: Op = self.operator() if nxt[0] == "OP" else "OR"
        return BinOp(op, left, self.expr(default))

    def operator(self) -> Op:
        op = self.take()[1]
        nxt = self.peek()
        if op == "AND" and nxt == ("OP", "NOT"):
            self.take()
            op, nxt = "ANDNOT", self.peek()
        if nxt is None or nxt[0] == ")":
            raise _invalid(self.query, f"operator {op} has nothing on its right")
        if nxt[0] == "OP":
            raise _invalid(self.query, f"two operators in a row: {op} {nxt[1]}")
        return "AND" if op == "AND" else "OR" if op == "OR" else "ANDNOT"

    def unary(self, default: str, *, start: bool) -> Node:
        token = self.peek()
        if token is None or token[0] != "OP":
            return self.primary(default)
        if not start or token[1] not in ("NOT", "ANDNOT"):
            raise _invalid(self.query, f"operator {token[1]} has nothing on its left")
        self.take()
        nxt = self.peek()
        if nxt is None or nxt[0] in (")", "OP"):
            raise _invalid(self.query, f"operator {token[1]} has nothing on its right")
        return Not(self.primary(default))

    def primary(self, default: str) -> Node:
        kind, text = self.take()
        if kind == "(":
            return self.group(default)
        if kind == "FIELD":
            return self.fielded(text)
        if kind in ("WORD", "PHRASE"):
            return _term(default, text, quoted=kind == "PHRASE", query=self.query)
        if kind == ")":
            raise _invalid(self.query, "unbalanced parenthesis ')'")
        raise _invalid(self.query, f"a date range needs {DATE_FIELD}: before it")

    def group(self, default: str) -> Node:
        if self.peek() is None or self.peek() == (")", ")"):
            raise _invalid(self.query, "empty parentheses" if self.peek() else "unbalanced parenthesis '('")
        node = self.expr(default, start=True)
        if self.peek() != (")", ")"):
            raise _invalid(self.query, "unbalanced parenthesis '('")
        self.take()
        return node

    def fielded(self, name: str) -> Node:
        field = ALIASES.get(name, name)
        if field in UNSUPPORTED:
            raise UnsupportedQueryError(f"Unsupported query field '{name}:' in '{self.query}': {UNSUPPORTED[field]}")
        if field not in FIELDS:
            raise _invalid(self.query, f"unknown field '{name}:'")
        token = self.peek()
        if token is None or token[0] in (")", "OP", "FIELD"):
            raise _invalid(self.query, f"field '{name}:' has no value")
        kind, text = self.take()
        if field == DATE_FIELD:
            if kind not in ("RANGE", "PHRASE"):
                raise _invalid(self.query, f"{DATE_FIELD} takes [YYYYMMDDHHMM TO YYYYMMDDHHMM]")
            return _date_range(text, self.query)
        if kind == "(":
            return self.group(field)
        if kind == "RANGE":
            raise _invalid(self.query, f"a range works on {DATE_FIELD} only, not '{name}:'")
        return _term(field, text, quoted=kind == "PHRASE", query=self.query)


def _term(field: str, text: str, *, quoted: bool, query: str) -> Term:
    if field == DATE_FIELD:
        raise _invalid(query, f"{DATE_FIELD} takes [YYYYMMDDHHMM TO YYYYMMDDHHMM]")
    words = tuple(text.split())
    if not quoted and field == "au" and "_" in text:
        words = tuple(w for w in text.split("_") if w)  # arXiv: an underscore stands for a space in a name
    if not words:
        raise _invalid(query, f"empty value for '{field}:'")
    if not quoted and _WILDCARD.match(words[0]):
        raise _invalid(query, "a term cannot start with a wildcard")
    if not quoted and (field in TEXT_FIELDS or field == "all") and any(_WILDCARD.search(w) and not _WILDCARD_WORD.fullmatch(w) for w in words):
        raise _invalid(query, f"wildcards work on plain words only, not '{text}'")
    return Term(field, words, quoted)


def _date_range(text: str, query: str) -> DateRange:
    m = re.fullmatch(r"\s*(\d+)\s+TO\s+(\d+)\s*", text)
    if not m:
        raise _invalid(query, f"date range '{text}' is not 'YYYYMMDDHHMM TO YYYYMMDDHHMM'")
    return DateRange(_pad(m[1], query, end=False), _pad(m[2], query, end=True))


def _pad(digits: str, query: str, *, end: bool) -> dt.datetime:
    digits = digits[:12]  # arXiv cuts seconds off, as its adapter does
    if len(digits) not in (4, 6, 8, 10, 12):
        raise _invalid(query, f"date '{digits}' is not YYYY, YYYYMM, YYYYMMDD, YYYYMMDDHH or YYYYMMDDHHMM")
    try:
        year, month = int(digits[:4]), int(digits[4:6] or (12 if end else 1))
        last_day = calendar.monthrange(year, month)[1] if 1 <= month <= 12 else 0
        day = int(digits[6:8] or (last_day if end else 1))
        hour = int(digits[8:10] or (23 if end else 0))
        minute = int(digits[10:12] or (59 if end else 0))
        return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)
    except ValueError as err:
        raise _invalid(query, f"date '{digits}' is not a real date ({err})") from err


# ---------------------------------------------------------------- to tantivy


def to_tantivy(node: Node, index: tantivy.Index) -> Query:
    """The tantivy query for `node` on an index with the engine's schema (BM25 for words, constant elsewhere)."""
    schema = index.schema
    match node:
        case BinOp(op="ANDNOT", left=left, right=right):
            return Query.boolean_query([(Occur.Must, to_tantivy(left, index)), (Occur.MustNot, to_tantivy(right, index))])
        case BinOp(op=op):
            occur = Occur.Must if op == "AND" else Occur.Should
            # A chain of one operator is one boolean query: the same matches, a flatter tree.
            return Query.boolean_query([(occur, to_tantivy(part, index)) for part in _chain(node, op)])
        case Not(child=child):
            return Query.boolean_query([(Occur.Must, Query.all_query()), (Occur.MustNot, to_tantivy(child, index))])
        case DateRange(start=start, end=end):
            last = end + dt.timedelta(seconds=59)  # the index keeps seconds; the end minute counts whole
            # tantivy's dates span 1677..2262; arXiv's all lie inside, so a wider window is cut to them.
            lo, hi = max(start, tantivy.MIN_DATETIME), min(last, tantivy.MAX_DATETIME)
            return Query.range_query(schema, "published", tantivy.FieldType.Date, lo, hi) if lo <= hi else Query.empty_query()
        case Term(field="all"):
            parts = [Query.boost_query(_text_query(index, f, node), w) for f, w in ALL_WEIGHTS.items()]
            return Query.boolean_query([(Occur.Should, q) for q in parts])
        case Term(field=field) if field in TEXT_FIELDS:
            return _text_query(index, field, node)
        case Term():
            return Query.const_score_query(_keyword_query(schema, node), 1.0)
    raise TypeError(f"not a query node: {node!r}")


def _chain(node: Node, op: str) -> list[Node]:
    if isinstance(node, BinOp) and node.op == op:
        return _chain(node.left, op) + _chain(node.right, op)
    return [node]


def _text_query(index: tantivy.Index, field: str, term: Term) -> Query:
    analyzer = _analyzer(TEXT_FIELDS.get(field, FOLD))
    if not term.quoted and any(_WILDCARD.search(w) for w in term.words):
        return _wildcard_query(index, field, term)
    tokens = [(t.position, t.text) for t in analyzer.pre_tokenize(" ".join(term.words)).tokens]
    if not tokens:  # only stop words: arXiv's match query then matches nothing
        return Query.empty_query()
    if len(tokens) == 1:
        return Query.term_query(index.schema, field, tokens[0][1])
    first = tokens[0][0]
    # Offsets keep the gaps stop words leave, as the indexed positions do.
    return Query.phrase_query(index.schema, field, [(pos - first, text) for pos, text in tokens])


def _wildcard_query(index: tantivy.Index, field: str, term: Term) -> Query:
    words = [w.lower() for w in term.words]  # parse() let through plain words only
    if TEXT_FIELDS.get(field) == EN and len(words) == 1:
        return _stemmed_wildcard(index, field, words[0])
    patterns: list[str | tuple[int, str]] = [_wildcard_regex(w) for w in words]
    if len(patterns) == 1:
        return Query.regex_query(index.schema, field, str(patterns[0]))
    return Query.regex_phrase_query(index.schema, field, patterns)


def _stemmed_wildcard(index: tantivy.Index, field: str, word: str) -> Query:
    """A wildcard on a stemmed field: the words it matches (read from the unstemmed `all` field), stemmed.

    Matching the pattern against stems would miss most forms (`evaluat*` vs the stem `evalu`).
    """
    prefix = _WILDCARD.split(word, maxsplit=1)[0]
    pattern = re.compile(_wildcard_regex(word))
    words = [w for w, _ in index.searcher().terms_with_prefix("all", prefix) if pattern.fullmatch(w)]
    analyzer = _analyzer(EN)
    stems = sorted({stem for w in words for stem in analyzer.analyze(w)})
    if not stems:
        return Query.empty_query()
    return Query.term_set_query(index.schema, field, stems)


def _wildcard_regex(word: str) -> str:
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in word)


def _keyword_query(schema: tantivy.Schema, term: Term) -> Query:
    value = " ".join(term.words)
    if term.field == "doi":
        value = value.lower()
    if term.field == "id":
        value = value.removeprefix("arXiv:")
    if not term.quoted and _WILDCARD.search(value):
        return Query.regex_query(schema, term.field, _wildcard_regex(value))
    if term.field == "id":  # with a version it names the current one (id_v), without it the paper
        return Query.boolean_query([(Occur.Should, Query.term_query(schema, f, value)) for f in ("id", "id_v")])
    return Query.term_query(schema, term.field, value)
