"""Fuzzy dates as lines write them: '~2025', '2025-07', '2025-07-17', 'circa 2025'."""

from __future__ import annotations

import datetime as dt
import re

from agent.line.models import DatePrecision, FuzzyDate

DATE_FORMS = "~2025, 2025, 2025-07, 2025-07-17 or circa 2025"

# '~' and 'circa'/'c.'/'ca.' mark an approximate date; the rest is ISO-like.
_DATE = re.compile(
    r"(?P<approx>~\s*|(?:circa|ca\.|c\.)\s+)?(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?",
    re.IGNORECASE | re.ASCII,
)


def parse_fuzzy_date(text: str) -> FuzzyDate:
    """Parse a date as written into a FuzzyDate; `text` is kept exactly (stripped).

    Raises ValueError naming the accepted forms when `text` is not a date.
    """
    written = text.strip()
    match = _DATE.fullmatch(written)
    if not match:
        raise ValueError(f"{written!r} is not a date (expected {DATE_FORMS})")
    year = int(match["year"])
    month = int(match["month"]) if match["month"] else 1
    day = int(match["day"]) if match["day"] else 1
    try:
        value = dt.date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"{written!r} is not a real date ({exc})") from None
    if match["day"]:
        precision = DatePrecision.DAY
    elif match["month"]:
        precision = DatePrecision.MONTH
    else:
        precision = DatePrecision.YEAR
    return FuzzyDate(text=written, value=value, precision=precision, approximate=bool(match["approx"]))


def is_canonical(date: FuzzyDate) -> bool:
    """True when `date` is exactly what parse_fuzzy_date makes of its own text."""
    try:
        return parse_fuzzy_date(date.text) == date
    except ValueError:
        return False
