"""Hypothesis strategies for Lines: any valid Line, and Lines the plain-text export can hold."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from agent.line.models import (
    AnchorPaper,
    ChangelogEntry,
    Claim,
    DatePrecision,
    Flag,
    FuzzyDate,
    Line,
    ResearchPrompt,
    SourceNote,
    Task,
)

# Any string a pydantic `str` accepts, lone surrogates and control characters included.
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=30)
_WORDS = ["labor", "AI", "bargaining", "power", "wages", "trust", "N=975", "état", "repair", "—", "'quoted'", "(aside)", "50%", "v2"]
words = st.lists(st.sampled_from(_WORDS), min_size=1, max_size=8).map(" ".join)
# Pieces that sit next to the format's structure: headings, fences, separators,
# quotes, blank lines, surrounding spaces, characters editors alter.
_RISKY = [
    "#",
    "## ",
    "---",
    "- ",
    "(1)",
    '"',
    '""',
    "·",
    " · ",
    " ",
    "\n",
    "\n\n",
    "\n\n\n",
    "\r",
    "\r\n",
    "\t",
    "\u2028",
    "\x85",
    "\ufeff",
    "[/x]",
    ":",
    "~",
    "null",
    "2025",
]
near_plain = st.lists(st.one_of(st.sampled_from(_WORDS), st.sampled_from(_RISKY)), max_size=8).map("".join)
# Prose that Markdown carries as is, strings close to its structure, and anything at all.
prose = st.one_of(
    words,
    near_plain,
    any_text,
    st.lists(words, min_size=1, max_size=3).map("\n".join),
    st.lists(words, max_size=3).map("\n\n".join),
)

_days = st.dates(min_value=dt.date(1991, 1, 1), max_value=dt.date(2030, 12, 31))


@st.composite
def canonical_dates(draw: st.DrawFn) -> FuzzyDate:
    """A date exactly as the readers produce it from text like '~2025' or '2025-07-17'."""
    day = draw(_days)
    precision = draw(st.sampled_from(list(DatePrecision)))
    body = {DatePrecision.YEAR: f"{day:%Y}", DatePrecision.MONTH: f"{day:%Y-%m}", DatePrecision.DAY: f"{day:%Y-%m-%d}"}[precision]
    prefix = draw(st.sampled_from(["", "~", "circa "]))
    value = {DatePrecision.YEAR: day.replace(month=1, day=1), DatePrecision.MONTH: day.replace(day=1), DatePrecision.DAY: day}[precision]
    return FuzzyDate(text=prefix + body, value=value, precision=precision, approximate=bool(prefix))


# A FuzzyDate is valid with any text; Markdown must keep those exactly too.
odd_dates = st.builds(FuzzyDate, text=any_text, value=st.dates(), precision=st.sampled_from(list(DatePrecision)), approximate=st.booleans())
dates = st.one_of(canonical_dates(), odd_dates)
ids = st.one_of(st.from_regex(r"[NCAF][1-9][0-9]?", fullmatch=True), any_text)
# IDs arXiv could have issued: a real month, new style from 0704, five digits after the dot from 1501 on.
_new_style_months = st.tuples(st.integers(7, 99), st.integers(1, 12)).filter(lambda ym: ym >= (7, 4))
arxiv_ids = st.one_of(
    st.builds(
        lambda ym, number, version: f"{ym[0]:02d}{ym[1]:02d}." + (f"{number:05d}" if ym >= (15, 1) else f"{number % 10**4:04d}") + version,
        _new_style_months,
        st.integers(0, 99999),
        st.sampled_from(["", "v1", "v2", "v9"]),
    ),
    st.builds(
        lambda archive, yy, mm, number: f"{archive}/{yy:02d}{mm:02d}{number:03d}",
        st.sampled_from(["hep-th", "math.GT", "cond-mat"]),
        st.integers(0, 99),
        st.integers(1, 12),
        st.integers(0, 999),
    ),
)
_small = {"max_size": 2}


def lines(text: st.SearchStrategy[str] = prose) -> st.SearchStrategy[Line]:
    """Any valid Line whose strings come from `text` (default: prose and arbitrary strings)."""
    prompt = st.builds(
        ResearchPrompt,
        preamble=text,
        role=text,
        open_question=text,
        claims_intro=st.lists(text, **_small),
        claims=st.lists(st.builds(Claim, id=ids, text=text, date=dates), **_small),
        anchors=st.lists(st.builds(AnchorPaper, id=ids, arxiv_id=st.one_of(arxiv_ids, any_text), cited_date=dates, cited_title=text), **_small),
        tasks=st.lists(st.builds(Task, number=st.integers(-5, 99), text=text), **_small),
        closing=text,
        proposed_questions=st.lists(text, **_small),
    )
    return st.builds(
        Line,
        slug=text,
        question=text,
        framing=text,
        synthesis=st.lists(text, **_small),
        notes=st.lists(st.builds(SourceNote, id=ids, title=text, summary=text, date=st.none() | dates, arxiv_id=st.none() | text), **_small),
        prompt=prompt,
        next_lines=st.lists(text, **_small),
        flags=st.lists(st.builds(Flag, id=ids, target=text, text=text, reason=text), **_small),
        changelog=st.lists(
            st.builds(
                ChangelogEntry,
                date=st.dates(),
                run_id=text,
                models=st.dictionaries(text, text, max_size=2),
                applied=st.lists(text, **_small),
            ),
            max_size=2,
        ),
    )


# --- what the plain-text export can hold -------------------------------------------------------
# One line per string, no section headings, role sentences without inner sentence ends:
# the export's own limits (see agent/line/plaintext.py), not the reader's.
_EXPORT_WORDS = ["labor", "AI", "bargaining", "power", "wages", "état", "N=975", "—", "'human'", "(aside)", "50%", "a.", "b?", "e.g.,"]
sentence = st.lists(st.sampled_from(_EXPORT_WORDS), min_size=1, max_size=8).map(lambda ws: "Some " + " ".join(ws))
role_sentence = st.lists(st.sampled_from(["labor", "economics", "AI", "U.S. labor", "policy"]), max_size=4).map(
    lambda ws: " ".join(["You are a", *ws, "analyst."])
)


@st.composite
def exportable_lines(draw: st.DrawFn) -> Line:
    """A Line that survives render_plaintext -> parse_plaintext unchanged (slug passed in)."""
    n_claims, n_anchors, n_tasks = draw(st.integers(1, 4)), draw(st.integers(0, 3)), draw(st.integers(1, 4))
    prompt = ResearchPrompt(
        preamble=draw(st.sampled_from(["", "Copy into ChatGPT or Claude to take this line further."])),
        role=draw(role_sentence),
        open_question=draw(sentence),
        claims_intro=draw(st.lists(sentence, max_size=2)),
        claims=[Claim(id=f"C{i + 1}", text=draw(sentence), date=draw(canonical_dates())) for i in range(n_claims)],
        anchors=[
            AnchorPaper(id=f"A{i + 1}", arxiv_id=draw(arxiv_ids), cited_date=draw(canonical_dates()), cited_title=draw(sentence)) for i in range(n_anchors)
        ],
        tasks=[Task(number=i + 1, text=draw(sentence)) for i in range(n_tasks)],
        closing=draw(st.sampled_from(["", "Cite arXiv IDs; flag anything you cannot ground in a real paper."])),
    )
    notes = [SourceNote(id=f"N{i + 1}", title=draw(sentence), summary=draw(sentence)) for i in range(draw(st.integers(0, 4)))]
    return Line(
        slug=draw(st.from_regex(r"[a-z]{1,8}(-[a-z]{1,8}){0,2}", fullmatch=True)),
        question=draw(sentence),
        framing=draw(sentence),
        synthesis=draw(st.lists(sentence, max_size=3)),
        notes=notes,
        prompt=prompt,
        next_lines=draw(st.lists(sentence, max_size=3)),
    )
