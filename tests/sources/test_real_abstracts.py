"""Quotes from real arXiv abstracts (tests/data/arxiv-abstracts-200.jsonl.gz), as a model writes them.

The abstracts are what ArxivSource hands the screener: TeX, ``quotes'', --
dashes, accents as commands, line breaks with hyphenation. A model quotes what
the text reads instead; `as_a_model_writes` renders a sentence that way (its own
rendering, not the checker's folding), and agent.graph.evidence.quote_in must
accept it, and refuse it with one word changed.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.graph.evidence import normalise_space, quote_in, quote_problem, quote_tokens

DATA = Path(__file__).resolve().parents[1] / "data" / "arxiv-abstracts-200.jsonl.gz"
ABSTRACTS = [json.loads(line) for line in gzip.decompress(DATA.read_bytes()).decode("utf-8").splitlines()]

# What a reader sees for the TeX commands a model can read; a sentence with any other command is not quoted.
SHOWN = {
    "times": "×", "pm": "±", "sim": "~", "approx": "≈", "geq": "≥", "leq": "≤", "rightarrow": "→", "to": "→",
    "leftrightarrow": "↔", "cdot": "·", "cdots": "⋯", "dots": "…", "infty": "∞", "in": "∈", "ell": "ℓ", "log": "log",
    "sum": "∑", "int": "∫", "prod": "∏", "sqrt": "√", "implies": "⇒", "varepsilon": "ε", "left": "", "right": "",
}  # fmt: skip
ARGUMENT_SHOWN = ("textbf", "textit", "texttt", "text", "emph", "mathcal", "mathrm", "mathbf", "hat")
SUPER = str.maketrans("0123456789+-()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾")
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
ACCENT = {"'": "\u0301", "`": "\u0300", '"': "\u0308", "^": "\u0302", "~": "\u0303"}
SWAPS = ["results", "method", "models", "nothing"]
# Raise for a thorough run, e.g. RETEST_HYPOTHESIS_EXAMPLES=2000.
EXAMPLES = int(os.environ.get("RETEST_HYPOTHESIS_EXAMPLES", "100"))


def _readable(sentence: str) -> bool:
    commands = set(re.findall(r"\\([a-zA-Z]+)", sentence))
    return commands <= set(SHOWN) | set(ARGUMENT_SHOWN) and sentence.count("$") % 2 == 0 and "{" not in re.sub(r"\\[a-zA-Z]+\{|[_^]\{", "", sentence)


def _math(m: re.Match[str]) -> str:
    body = m[1]
    for name in ARGUMENT_SHOWN:
        body = re.sub(rf"\\{name}\{{([^{{}}]*)\}}", r"\1", body)
    body = re.sub(r"\^\{?([0-9+\-()]+)\}?", lambda g: g[1].translate(SUPER), body)
    body = re.sub(r"_\{?([0-9]+)\}?", lambda g: g[1].translate(SUB), body)
    body = re.sub(r"_\{([^{}]*)\}", r"_\1", body)
    body = re.sub(r"\\([a-zA-Z]+)\s?", lambda g: SHOWN[g[1]] + (" " if len(SHOWN[g[1]]) > 1 else ""), body)
    return body.replace("\\%", "%").replace("{", "").replace("}", "")


def as_a_model_writes(sentence: str, index: int) -> str:
    """The sentence as it reads, typeset the way a model answers: Unicode quotes, dashes and math, no TeX."""
    text = re.sub(r"(\w)-\n(and|or|to)\b", r"\1- \2", sentence)  # "high- and low-level"
    text = re.sub(r"(\w)-\n(\w)", r"\1-\2" if index % 2 else r"\1\2", text)  # a split word, rejoined with its hyphen or without
    text = re.sub(r"\$([^$]*)\$", _math, text)
    for name in ARGUMENT_SHOWN:
        text = re.sub(rf"\\{name}\{{([^{{}}]*)\}}", r"\1", text)
    text = re.sub(r"\\([`'\"^~])\{?\\?([a-zA-Z])\}?", lambda g: unicodedata.normalize("NFC", g[2] + ACCENT[g[1]]), text)
    text = text.replace("\\%", "%").replace("---", "—").replace("--", "–").replace("``", "“").replace("''", "”")
    text = re.sub(r'"([^"]*)"', r"“\1”", text)
    text = re.sub(r"(\w)'(\w)", r"\1’\2", text)
    text = re.sub(r"(?<=\S)~", "\u00a0", text)
    if index % 5 == 0:  # copied from a PDF: ligatures
        text = text.replace("fi", "ﬁ").replace("fl", "ﬂ")
    return normalise_space(text)


def _score(sentence: str) -> int:
    return len(re.findall(r"\$|\\|``|--|-\n|~", sentence))


def quoted_sentence(abstract: str) -> str:
    """The abstract's most typeset sentence a model can read, of six words or more."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", abstract) if len(s.split()) >= 6 and _readable(s)]
    return max(sentences, key=lambda s: (_score(s), len(s)))


def one_word_changed(quote: str) -> str:
    words = list(re.finditer(r"(?<![\w$\\-])[A-Za-z]{4,}(?![\w$-])", quote))
    target = words[len(words) // 2]
    swap = next(w for w in SWAPS if w != target[0].lower())
    return quote[: target.start()] + swap + quote[target.end() :]


def test_the_slice_holds_what_real_abstracts_carry() -> None:
    texts = [a["abstract"] for a in ABSTRACTS]
    assert len(ABSTRACTS) == 200 and len({a["id"] for a in ABSTRACTS}) == 200
    assert sum("$" in t for t in texts) >= 60 and sum("``" in t for t in texts) >= 30 and sum("--" in t for t in texts) >= 30
    assert sum(bool(re.search(r"\w-\n\w", t)) for t in texts) >= 30 and sum(bool(re.search(r"\\['\"`^~]", t)) for t in texts) >= 20


def test_most_quotes_differ_from_the_abstract_beyond_whitespace() -> None:
    # Whitespace-only comparison refuses these: the test is about the typography, not luck.
    quotes = [as_a_model_writes(quoted_sentence(a["abstract"]), i) for i, a in enumerate(ABSTRACTS)]
    differing = sum(q not in normalise_space(a["abstract"]) for q, a in zip(quotes, ABSTRACTS, strict=True))
    assert differing >= 150


@pytest.mark.parametrize("index", range(len(ABSTRACTS)), ids=[a["id"] for a in ABSTRACTS])
def test_a_typeset_quote_is_accepted_and_one_changed_word_is_not(index: int) -> None:
    abstract = ABSTRACTS[index]["abstract"]
    quote = as_a_model_writes(quoted_sentence(abstract), index)
    assert quote_in(quote, abstract), f"{quote!r}: {quote_problem(quote, abstract)}"
    changed = one_word_changed(quote)
    assert not quote_in(changed, abstract), changed
    assert "not in the abstract" in (quote_problem(changed, abstract) or "")


@settings(max_examples=EXAMPLES, deadline=None)
@given(index=st.integers(0, len(ABSTRACTS) - 1), where=st.floats(0, 1, exclude_max=True), word=st.from_regex(r"[a-z]{3,10}", fullmatch=True))
def test_any_word_swapped_anywhere_is_refused(index: int, where: float, word: str) -> None:
    abstract = ABSTRACTS[index]["abstract"]
    quote = as_a_model_writes(quoted_sentence(abstract), index)
    words = list(re.finditer(r"(?<![\w$\\-])[A-Za-z]{2,}(?![\w$-])", quote))
    target = words[int(where * len(words))]
    if quote_tokens(target[0]) == quote_tokens(word):
        return  # the same word in another case: not a change
    assert not quote_in(quote[: target.start()] + word + quote[target.end() :], abstract)


@settings(max_examples=EXAMPLES, deadline=None)
@given(index=st.integers(0, len(ABSTRACTS) - 1), spaces=st.lists(st.sampled_from([" ", "  ", "\n", "\u00a0", "\t"]), min_size=1, max_size=400))
def test_whitespace_between_words_never_matters(index: int, spaces: list[str]) -> None:
    abstract = ABSTRACTS[index]["abstract"]
    words = as_a_model_writes(quoted_sentence(abstract), index).split(" ")
    quote = "".join(w + spaces[i % len(spaces)] for i, w in enumerate(words))
    assert quote_in(quote, abstract)
