"""Fuzzy dates and arXiv ID shapes."""

from __future__ import annotations

import datetime as dt

import pytest

from agent.line import is_arxiv_id, parse_fuzzy_date
from agent.line.models import DatePrecision

Y, M, D = DatePrecision.YEAR, DatePrecision.MONTH, DatePrecision.DAY


@pytest.mark.parametrize(
    ("text", "value", "precision", "approximate"),
    [
        ("~2025", dt.date(2025, 1, 1), Y, True),
        ("2025", dt.date(2025, 1, 1), Y, False),
        ("2025-07", dt.date(2025, 7, 1), M, False),
        ("2025-07-17", dt.date(2025, 7, 17), D, False),
        ("circa 2025", dt.date(2025, 1, 1), Y, True),
        ("Circa 2023-06", dt.date(2023, 6, 1), M, True),
        ("c. 2019", dt.date(2019, 1, 1), Y, True),
        ("~ 2024-02-29", dt.date(2024, 2, 29), D, True),
        ("  ~2026 ", dt.date(2026, 1, 1), Y, True),
    ],
)
def test_dates(text: str, value: dt.date, precision: DatePrecision, approximate: bool) -> None:
    date = parse_fuzzy_date(text)
    assert (date.value, date.precision, date.approximate) == (value, precision, approximate)
    assert date.text == text.strip()


@pytest.mark.parametrize("text", ["", "soon", "~25", "2025-7", "2025-13", "2023-02-29", "2025/07", "20255", "0000", "~2025 x", "٢٠٢٥"])
def test_not_dates(text: str) -> None:
    with pytest.raises(ValueError, match="date"):
        parse_fuzzy_date(text)


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("2507.13524", True),
        ("0704.0001", True),
        ("2501.16946v2", True),
        ("hep-th/9901001", True),
        ("math.GT/0309136", True),
        ("cond-mat/0102536v1", True),
        ("2507.135", False),
        ("25071.3524", False),
        ("2501.16946v0", False),
        ("2501.16946v", False),
        ("arXiv:2507.13524", False),
        ("hep-th/990100", False),
        ("HEP-TH/9901001", False),
        ("math.gt/0309136", False),
        ("2507.13524\n", False),
        ("abc", False),
    ],
)
def test_arxiv_ids(text: str, valid: bool) -> None:
    assert is_arxiv_id(text) is valid
