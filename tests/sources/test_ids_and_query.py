"""arXiv ID syntax, version folding and the date-windowed query."""

from __future__ import annotations

import datetime as dt

import pytest

from agent.errors import InputError
from agent.sources import fold_version, parse_arxiv_id
from agent.sources.query import date_window, windowed_query


@pytest.mark.parametrize(
    ("raw", "base", "version"),
    [
        ("2501.16946", "2501.16946", None),
        ("2501.16946v2", "2501.16946", 2),
        ("arXiv:2507.13524", "2507.13524", None),
        ("  0704.0001v1 ", "0704.0001", 1),
        ("hep-th/9901001v3", "hep-th/9901001", 3),
        ("math.GT/0309136", "math/0309136", None),  # arXiv echoes old IDs without the subject class
        ("0000.0000", "0000.0000", None),  # well-shaped: arXiv answers it 200, empty (evals/data/wire)
    ],
)
def test_well_formed_ids(raw: str, base: str, version: int | None) -> None:
    parsed = parse_arxiv_id(raw)
    assert parsed is not None
    assert (parsed.base, parsed.version) == (base, version)


@pytest.mark.parametrize(
    "raw", ["abc", "", "2501.169", "2501.1694655", "25011.16946", "2501.16946v", "2501.16946v0", "hep-th/990100", "HEP-TH/9901001", "1234.5678 9"]
)
def test_malformed_ids(raw: str) -> None:
    assert parse_arxiv_id(raw) is None


def test_fold_version_of_returned_ids() -> None:
    assert fold_version("2501.16946v2") == ("2501.16946", 2)
    assert fold_version("quant-ph/0201082v1") == ("quant-ph/0201082", 1)


def test_window_with_both_ends_is_anded_with_the_query() -> None:
    window = date_window(dt.date(2025, 1, 1), dt.date(2025, 12, 31), today=dt.date(2026, 11, 20))
    assert windowed_query("ti:agents OR abs:governance", window) == ("(ti:agents OR abs:governance) AND submittedDate:[202501010000 TO 202512312359]")


def test_open_ends_are_filled_with_today_and_arxivs_first_month() -> None:
    today = dt.date(2026, 11, 20)
    assert date_window(dt.date(2026, 1, 1), None, today) == (dt.date(2026, 1, 1), today)
    assert date_window(None, dt.date(2024, 6, 30), today) == (dt.date(1991, 8, 1), dt.date(2024, 6, 30))
    assert date_window(None, None, today) is None
    assert windowed_query("agents", None) == "agents"


def test_empty_window_and_empty_query_are_input_errors() -> None:
    with pytest.raises(InputError, match="after until"):
        date_window(dt.date(2026, 1, 2), dt.date(2026, 1, 1), dt.date(2026, 11, 20))
    with pytest.raises(InputError, match="empty"):
        windowed_query("   ", None)
