"""The query table: arXiv search_query strings, how each parses and what it finds in corpus.jsonl.

Each row is (query, expected AST, expected hits, search options). Hits are a set where
arXiv's order is relevance (BM25, not fixed by arXiv), and a list where order is defined:
date sorts, and relevance over constant scores (cat:, dates), which is index order here
(file order of corpus.jsonl). The expected hits were worked out from the records' text,
categories and dates, not copied from the engine's answers.
"""

from __future__ import annotations

from typing import Any

import pytest

from agent.index.engine import LocalIndex
from agent.index.query import parse

# Titles with agent, agents, agentic or Multi-Agent (the stem is "agent" for all four).
AGENT_TITLES = {
    "2602.20021", "2603.23749", "2604.04503", "2602.11409", "2602.12430", "2602.18029", "2604.04341", "2602.11348", "2602.11301",
    "2602.15055", "2603.04900", "2603.12740", "2603.07980", "2602.15325", "2603.26718", "2603.00501", "2606.03030",
}  # fmt: skip
CS_MA = ["2604.04503", "2602.12430", "2602.15055", "2603.26718"]  # in index order
# "large language model(s)" as a phrase in the abstract (2603.12740 has the singular).
LLM_PHRASE = {"2602.12430", "2504.01698", "2503.22152", "2602.11348", "2602.11301", "2602.15055", "2603.12740", "2602.15325", "2603.00501", "2604.09855"}
# Submitted on 2026-02-11 (UTC), at 02:30:48, 07:53:51, 17:02:12, 19:21:35, 20:33:10 and 22:23:56.
FEB_11 = {"2602.10439", "2602.10604", "2602.15055", "2602.11301", "2602.11348", "2602.11409"}
EVERYTHING = {
    "2602.20021", "2603.23749", "2604.04503", "2602.11409", "2602.12430", "2602.18029", "2604.04341", "2504.01698", "2503.22152", "1812.06145",
    "1904.11093", "2602.10439", "2602.10604", "2602.11348", "2602.11301", "2602.15055", "2603.04900", "2603.12740", "2603.07980", "2602.15325",
    "2603.26718", "2603.00501", "2604.09855", "2606.03030",
}  # fmt: skip

Row = tuple[str, str, set[str] | list[str], dict[str, Any]]
ROWS: list[Row] = [
    # Stemming and stop words on titles.
    ("ti:agent", "ti:agent", AGENT_TITLES, {}),
    ("ti:agents", "ti:agents", AGENT_TITLES, {}),
    ("ti:agentic", "ti:agentic", AGENT_TITLES, {}),
    ("ti:benchmarking", "ti:benchmarking", {"2603.23749", "2503.22152", "2602.11348", "2603.00501"}, {}),
    ("ti:the", "ti:the", set(), {}),
    ('ti:"theory of mind"', 'ti:"theory of mind"', {"2504.01698", "2503.22152"}, {}),
    # The stop word leaves a gap: "theory mind" is not "theory of mind".
    ('ti:"theory mind"', 'ti:"theory mind"', set(), {}),
    # Phrases versus words.
    ('abs:"large language models"', 'abs:"large language models"', LLM_PHRASE, {}),
    ("abs:(large AND language AND models)", "AND(abs:large, AND(abs:language, abs:models))", LLM_PHRASE | {"2602.10439", "2603.07980"}, {}),
    ('all:"theory of mind"', 'all:"theory of mind"', {"2504.01698", "2503.22152"}, {}),
    # Bare words get all:, a missing operator is OR; lower-case "and" is a word.
    ("agents", "all:agents", EVERYTHING - {"2504.01698", "2503.22152", "1812.06145", "1904.11093", "2602.10439"}, {}),
    ("negotiate bargaining", "OR(all:negotiate, all:bargaining)", {"2604.09855", "2604.04341", "2602.15055", "2606.03030"}, {}),
    ("ti:agents and benchmarking", "OR(ti:agents, OR(all:and, all:benchmarking))", EVERYTHING, {}),
    ("all:abavisani", "all:abavisani", {"1812.06145", "1904.11093"}, {}),
    ("all:2602.10604", "all:2602.10604", {"2602.10604"}, {}),
    # Equal precedence, grouped from the right.
    ("ti:agents AND ti:benchmarking OR ti:mind", "AND(ti:agents, OR(ti:benchmarking, ti:mind))", {"2603.23749", "2602.11348", "2603.00501"}, {}),
    (
        "(ti:agents AND ti:benchmarking) OR ti:mind",
        "OR(AND(ti:agents, ti:benchmarking), ti:mind)",
        {"2603.23749", "2602.11348", "2603.00501", "2504.01698", "2503.22152"},
        {},
    ),
    (
        "ti:mind OR ti:benchmarking AND ti:agents",
        "OR(ti:mind, AND(ti:benchmarking, ti:agents))",
        {"2603.23749", "2602.11348", "2603.00501", "2504.01698", "2503.22152"},
        {},
    ),
    ("ti:mind AND ti:benchmarking OR ti:agents", "AND(ti:mind, OR(ti:benchmarking, ti:agents))", {"2503.22152"}, {}),
    # ANDNOT, NOT, AND NOT.
    ("ti:agents ANDNOT cat:cs.MA", "ANDNOT(ti:agents, cat:cs.MA)", AGENT_TITLES - set(CS_MA), {}),
    ("ti:agents NOT cat:cs.MA", "ANDNOT(ti:agents, cat:cs.MA)", AGENT_TITLES - set(CS_MA), {}),
    ("ti:agents AND NOT cat:cs.MA", "ANDNOT(ti:agents, cat:cs.MA)", AGENT_TITLES - set(CS_MA), {}),
    ("ti:agents ANDNOT cat:cs.MA OR cat:cs.CR", "ANDNOT(ti:agents, OR(cat:cs.MA, cat:cs.CR))", AGENT_TITLES - set(CS_MA) - {"2602.11301"}, {}),
    ("NOT cat:cs.AI", "NOT(cat:cs.AI)", ["2606.03030"], {}),
    # A prefix before parentheses is distributed; explicit prefixes inside keep theirs.
    ("ti:(mind benchmarking)", "OR(ti:mind, ti:benchmarking)", {"2504.01698", "2503.22152", "2603.23749", "2602.11348", "2603.00501"}, {}),
    ("ti:(mind AND au:li)", "AND(ti:mind, au:li)", {"2503.22152"}, {}),
    ('ti:("theory of mind" AND benchmarking)', 'AND(ti:"theory of mind", ti:benchmarking)', {"2503.22152"}, {}),
    ("title:chaos", "ti:chaos", {"2602.20021"}, {}),
    # Authors: within one name, folded; underscores join a name's words.
    ('au:"yang liu"', 'au:"yang liu"', {"2603.07980"}, {}),
    ("au:yang AND au:liu", "AND(au:yang, au:liu)", {"2603.07980", "2602.15325", "2602.10604"}, {}),
    ("au:vishal_m_patel", "au:vishal_m_patel", {"1812.06145", "1904.11093"}, {}),
    ('au:"Vishal Patel"', 'au:"Vishal Patel"', set(), {}),
    ("au:Inès", "au:Inès", {"2602.18029"}, {}),
    ("au:ines", "au:ines", {"2602.18029"}, {}),
    ("au:abav*", "au:abav*", {"1812.06145", "1904.11093"}, {}),
    # Categories: primary or cross-listed, wildcards, constant score (so index order).
    ("cat:cs.MA", "cat:cs.MA", CS_MA, {}),
    ("cat:cs.?A", "cat:cs.?A", CS_MA, {}),
    ("cat:eess.*", "cat:eess.*", ["2602.10439", "2603.00501"], {}),
    ("cat:econ.GN", "cat:econ.GN", ["2604.09855", "2606.03030"], {}),
    ("cat:stat.ML", "cat:stat.ML", ["1812.06145", "1904.11093"], {}),
    ("cat:quant-ph", "cat:quant-ph", ["2603.26718"], {}),
    (
        "cat:cs.C*",
        "cat:cs.C*",
        [
            "2602.20021",
            "2602.18029",
            "2504.01698",
            "2503.22152",
            "1812.06145",
            "1904.11093",
            "2602.10604",
            "2602.11301",
            "2603.07980",
            "2603.26718",
            "2604.09855",
        ],
        {},
    ),
    # Date windows: inclusive at both ends, on the first version, partial dates padded.
    ("submittedDate:[202602110230 TO 202602110230]", "submittedDate:[202602110230 TO 202602110230]", ["2602.10439"], {}),
    ("submittedDate:[202602110231 TO 202602112359]", "submittedDate:[202602110231 TO 202602112359]", FEB_11 - {"2602.10439"}, {}),
    ("submittedDate:[20260211 TO 20260211]", "submittedDate:[202602110000 TO 202602112359]", FEB_11, {}),
    ("submittedDate:[2026021102 TO 2026021102]", "submittedDate:[202602110200 TO 202602110259]", ["2602.10439"], {}),
    ("submittedDate:[2025 TO 2025]", "submittedDate:[202501010000 TO 202512312359]", ["2504.01698", "2503.22152", "1812.06145", "1904.11093"], {}),
    # February 2026 ends on the 28th; 2603.00501 was submitted on 2026-02-28 and counts.
    (
        "submittedDate:[202602 TO 202602]",
        "submittedDate:[202602010000 TO 202602282359]",
        FEB_11 | {"2602.20021", "2602.12430", "2602.18029", "2602.15325", "2603.00501"},
        {},
    ),
    ('submittedDate:"202604 TO 202606"', "submittedDate:[202604010000 TO 202606302359]", {"2604.04503", "2604.04341", "2604.09855", "2606.03030"}, {}),
    # Beyond tantivy's date span (1677..2262): cut to it, not an error.
    ("submittedDate:[1000 TO 9999]", "submittedDate:[100001010000 TO 999912312359]", EVERYTHING, {}),
    # lastUpdatedDate: is submittedDate:, so 2602.10604 (updated 2026-02-23) is not in.
    ("lastUpdatedDate:[20260223 TO 20260223]", "submittedDate:[202602230000 TO 202602232359]", ["2602.20021"], {}),
    ("ti:agents AND submittedDate:[20260211 TO 20260211]", "AND(ti:agents, submittedDate:[202602110000 TO 202602112359])", FEB_11 & AGENT_TITLES, {}),
    # IDs, comments, wildcards on a stemmed field.
    ("id:2602.10604", "id:2602.10604", ["2602.10604"], {}),
    ("id:2602.10604v2", "id:2602.10604v2", ["2602.10604"], {}),
    ("id:2602.10604v1", "id:2602.10604v1", [], {}),
    ("co:iclr", "co:iclr", {"2603.12740"}, {}),
    ("co:pages", "co:pages", {"2603.23749", "2602.18029", "2602.11301", "2603.04900"}, {}),
    ("ti:evaluat*", "ti:evaluat*", {"2602.18029", "2603.26718"}, {}),
    # Sorts: first version (submittedDate), current version (lastUpdatedDate); ties in index order.
    ("cat:cs.MA", "cat:cs.MA", ["2604.04503", "2603.26718", "2602.12430", "2602.15055"], {"sort": "submittedDate"}),
    ("cat:cs.MA", "cat:cs.MA", ["2602.15055", "2602.12430", "2603.26718", "2604.04503"], {"sort": "submittedDate", "order": "ascending"}),
    (
        "submittedDate:[20260211 TO 20260212]",
        "submittedDate:[202602110000 TO 202602122359]",
        ["2602.12430", "2602.11409", "2602.11348", "2602.11301", "2602.15055", "2602.10604", "2602.10439"],
        {"sort": "submittedDate"},
    ),
    (
        "submittedDate:[20260211 TO 20260212]",
        "submittedDate:[202602110000 TO 202602122359]",
        ["2602.10604", "2602.11348", "2602.12430", "2602.11409", "2602.11301", "2602.15055", "2602.10439"],
        {"sort": "lastUpdatedDate"},
    ),
    # Both were (estimated as) submitted at 2025-10-10 12:00: index order either way.
    ("cat:stat.ML", "cat:stat.ML", ["1812.06145", "1904.11093"], {"sort": "submittedDate"}),
    ("cat:stat.ML", "cat:stat.ML", ["1812.06145", "1904.11093"], {"sort": "submittedDate", "order": "ascending"}),
]


def test_the_table_is_big_enough() -> None:
    assert len({row[0] for row in ROWS}) >= 40


@pytest.mark.parametrize(("query", "ast", "hits", "options"), ROWS, ids=[f"{r[0]} {r[3] or ''}" for r in ROWS])
def test_query_parses_and_finds(local: LocalIndex, query: str, ast: str, hits: set[str] | list[str], options: dict[str, Any]) -> None:
    assert str(parse(query)) == ast
    page = local.search(query, max_results=50, **options)
    found = [r.id for r in page.records]
    assert page.total == len(hits)
    if isinstance(hits, list):
        assert found == hits
    else:
        assert set(found) == hits
        assert len(found) == len(set(found))
