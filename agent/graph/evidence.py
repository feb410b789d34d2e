"""Evidence text: quotes checked against abstracts, papers as data blocks, unverifiable IDs scrubbed.

Shared by the nodes that screen, judge, draft and ground-check, and by the
evaluation's scorers; no node module imports another node module for these.
The ID finder itself is agent.line.arxiv_id's.

Quotes. Real abstracts carry TeX (`$\\mathcal{O}(n)$`, ``` ``word'' ```, `--`,
`Schr\\"odinger`), line breaks with hyphenation (`ap-\\nplicable`, `high-\\nand
low-level`), and sometimes Unicode quotes, dashes and ligatures. A model quoting
one writes what the text reads: `O(n)`, “word”, –, Schrödinger, applicable. So a
quote is compared with its abstract in a canonical form both share, which keeps
every word, number and operator in order and drops only typography:

- TeX: math delimiters, braces, `^` and `_` go; formatting commands
  (`\\textbf{x}`, `\\mathcal{O}`) leave their argument, accent commands their
  letter, symbol commands the symbol a reader sees;
- NFKC (ligatures, mathematical letters like 𝒪, superscripts, full-width
  forms), then accents, case and quote marks folded away; `~`, `≈` (TeX's tie
  or "about") are spaces, and `4x` is `4×`;
- every dash is `-`; a hyphen between letters joins them, spaces or a line break
  around it or not (so `ap-\\nplicable` and `applicable`, `state-of-the-\\nart` and
  `state-of-the-art` agree), the same on both sides;
- whitespace only separates words: the form is a sequence of words and single
  symbols, and the quote must be a run of the abstract's, whole words only.
"""

from __future__ import annotations

import re
import unicodedata

from agent.line.arxiv_id import base_id, ids_in
from agent.line.citable import REMOVED, citable_text, foreign_ids, scrub_citable
from agent.line.doi import cite_key
from agent.prompts import data_block, join_blocks
from agent.sources.models import Paper

__all__ = [
    "MIN_QUOTE_WORDS",
    "REMOVED",
    "base_id",
    "citable_text",
    "foreign_ids",
    "ids_in",
    "normalise_space",
    "paper_blocks",
    "quote_in",
    "quote_problem",
    "quote_tokens",
    "quote_words",
    "scrub",
]

# A quote shorter than this carries no claim of its own ("wages"), so it grounds nothing.
MIN_QUOTE_WORDS = 4
_SPACE = re.compile(r"\s+")

_TEX_SYMBOLS = {
    "times": "×", "cdot": "·", "pm": "±", "infty": "∞", "circ": "°", "degree": "°", "ell": "l",
    "sim": "~", "approx": "~", "simeq": "~", "textasciitilde": "~", "cdotp": "·",
    "leq": "≤", "le": "≤", "leqslant": "≤", "geq": "≥", "ge": "≥", "geqslant": "≥", "neq": "≠", "ne": "≠",
    "to": "→", "rightarrow": "→", "leftarrow": "←", "ldots": "...", "dots": "...", "cdots": "...",
    "textendash": "-", "textemdash": "-",
    "i": "i", "j": "j", "ss": "ss", "ae": "ae", "oe": "oe", "o": "ø", "O": "Ø", "aa": "å", "AA": "Å", "S": "§",
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ", "eta": "η",
    "theta": "θ", "vartheta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π",
    "rho": "ρ", "varrho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ",
    "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ",
    "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
    "in": "∈", "sum": "∑", "prod": "∏", "int": "∫", "sqrt": "√", "implies": "⇒", "Rightarrow": "⇒", "leftrightarrow": "↔",
}  # fmt: skip
# Formatting commands: what is shown is their argument, never their name.
_TEX_FORMATTING = frozenset(
    ("emph", "mbox", "url", "operatorname", "boldsymbol", "bm", "it", "bf", "rm", "sf", "tt", "sc", "em", "hat", "tilde", "bar", "left", "right")
)
# Commands whose (first) argument a reader never sees: citations, labels, a link's target, a colour, a language.
_TEX_DROPPED = re.compile(r"\\(?:cite[pt]?|ref|eqref|label|href|textcolor|color|foreignlanguage)\s*\{[^}]*\}")
_TEX_UNICODE = re.compile(r"\\unicode\{x?([0-9a-fA-F]{1,6})\}")
# Accent commands: a symbol (\'e, \"{o}) or a letter with braces (\v{c}), over a letter or \i.
_TEX_ACCENT = re.compile(r"""\\(?:[`'^"~=.]\s*|[uvHckbdr](?=\{))(?:\{\\?([a-zA-Z])\}|\\?([a-zA-Z]))""")
_TEX_ESCAPED = re.compile(r"\\([%&$#_])")
_TEX_COMMAND = re.compile(r"\\([a-zA-Z]+)\s*")
_DASHES = re.compile(r"[\u2010-\u2015\u2212\u2043\ufe58\ufe63\uff0d]|-{2,}")
# Quote marks and apostrophes of every kind, and TeX's markup characters: typography, never content.
_TYPOGRAPHY = re.compile(r"[\"'`\u2018-\u201f\u2032-\u2037\u00ab\u00bb\u2039\u203a$^_{}\\\\]")
_HYPHEN = re.compile(r"([^\W\d_])\s*-\s*(?=[^\W\d_])")
# "About": TeX's ~ is also a tie between words (generation~(RAG), e.g.~8), so every kind is read as a space.
_SYMBOLS = {"≤": "<=", "≥": ">=", "≠": "!=", "→": "->", "←": "<-", "±": "+/-", "⋅": "·", "∙": "·", "⋯": "...", **dict.fromkeys("~≈∼", " ")}
# 4x, 5x5: a model writes the ASCII letter for TeX's \times.
_TIMES = re.compile(r"(?<=\d)\s*[x×](?![^\W\d_])")
_TOKEN = re.compile(r"\w+|[^\w\s]")
_EDGE_PUNCTUATION = frozenset(".,;:!?")


def normalise_space(text: str) -> str:
    """Runs of whitespace as one space, trimmed."""
    return _SPACE.sub(" ", text).strip()


def _tex_command(m: re.Match[str]) -> str:
    name = m[1]
    if name in _TEX_SYMBOLS:
        return _TEX_SYMBOLS[name]
    if name in _TEX_FORMATTING or name.startswith(("text", "math")):
        return ""
    # An operator or a macro (\log, \max, \ModelName): a reader sees its name as a word.
    return f" {name} "


def _untex(text: str) -> str:
    text = _TEX_DROPPED.sub("", text)
    text = _TEX_UNICODE.sub(lambda m: chr(int(m[1], 16)), text)
    text = _TEX_ACCENT.sub(lambda m: m[1] or m[2], text)
    text = _TEX_ESCAPED.sub(r"\1", text)
    return _TEX_COMMAND.sub(_tex_command, text)


def quote_tokens(text: str) -> list[str]:
    """`text` in the canonical form quotes are checked in (see the module docstring): words and single symbols."""
    text = unicodedata.normalize("NFKC", _untex(text))
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)).casefold()
    text = _TYPOGRAPHY.sub("", _DASHES.sub("-", text))
    text = _HYPHEN.sub(r"\1", "".join(_SYMBOLS.get(ch, ch) for ch in text))
    return _TOKEN.findall(_TIMES.sub(" × ", text))


def _trimmed(tokens: list[str]) -> list[str]:
    """Without sentence punctuation at either end: a quote may end where the abstract has a comma."""
    start, end = 0, len(tokens)
    while start < end and tokens[start] in _EDGE_PUNCTUATION:
        start += 1
    while end > start and tokens[end - 1] in _EDGE_PUNCTUATION:
        end -= 1
    return tokens[start:end]


def _find(needle: list[str], haystack: str) -> int:
    """Where the run `needle` starts in `haystack` (tokens joined by spaces, padded), as a character index; -1 if absent."""
    return haystack.find(f" {' '.join(needle)} ")


def quote_problem(quote: str, abstract: str) -> str | None:
    """None if `quote` is a passage of `abstract` (typography aside), else why not, for the report."""
    wanted = _trimmed(quote_tokens(quote))
    if not wanted:
        return "the quote is empty"
    text = f" {' '.join(quote_tokens(abstract))} "
    if _find(wanted, text) >= 0:
        return None
    parts = [part.split() for part in f" {' '.join(wanted)} ".split(" . . . ")]
    if len(parts) > 1 and all(_find(part, text) >= 0 for part in parts if part):
        return "it leaves words out (...): a quote must be one unbroken passage of the abstract"
    # The longest opening run of the quote that the abstract has: where the quote departs from it.
    low, high = 0, len(wanted) - 1
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if _find(wanted[:mid], text) >= 0 else (low, mid - 1)
    if low == 0:
        return f"not in the abstract: its first word, {wanted[0]!r}, is not in it"
    at = _find(wanted[:low], text) + len(" ".join(wanted[:low])) + 2
    following = text[at:].split(" ", 1)[0]
    shared = ("... " if low > 6 else "") + " ".join(wanted[max(0, low - 6) : low])
    there = f'the abstract has "{following}"' if following else "the abstract ends"
    return f'not in the abstract: it follows it as far as "{shared}", then has "{wanted[low]}" where {there}'


def quote_in(quote: str, abstract: str) -> bool:
    """A quote counts only if it is a passage of the abstract, whole words, typography aside (see the module docstring)."""
    return quote_problem(quote, abstract) is None


def paper_blocks(papers: list[Paper]) -> str:
    """Papers as delimited data blocks: their abstracts are untrusted text, never instructions."""
    return join_blocks([data_block(cite_key(p.arxiv_id), f"Title: {p.title}\nSubmitted: {p.published.isoformat()}\nAbstract: {p.summary}") for p in papers])


def quote_words(quote: str) -> int:
    """How many words (not symbols) `quote` has in the canonical form."""
    return sum(1 for token in quote_tokens(quote) if token[0].isalnum())


def scrub(text: str, allowed: set[str]) -> tuple[str, list[str]]:
    """Replace every mention of an ID outside `allowed`, however encoded (agent.line.citable); returns the new text and the removed IDs."""
    return scrub_citable(text, allowed)
