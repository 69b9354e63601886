"""Reading a time cell: a period number, `W12` / `week 12`, an ISO date or a real date."""

from __future__ import annotations

import datetime as dt
import math
import re

_WEEK = re.compile(r"^\s*(?:w|wk|week)\s*\.?\s*(\d{1,4})\s*$", re.IGNORECASE)
_INT = re.compile(r"^\s*(\d{1,4})(?:\.0+)?\s*$")


def parse_time(value: object) -> int | dt.date | None:
    """Return a period (int ≥ 1), a date, or None for an empty cell.

    Raises ValueError with a short description of what was expected.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ValueError("expected a date, a period number or W<n>")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("expected a date, a period number or W<n>")
        if float(value) != int(value) or value < 1 or value > 10_000:
            raise ValueError("expected a whole period number from 1")
        return int(value)
    text = str(value).strip()
    if not text:
        return None
    m = _WEEK.match(text) or _INT.match(text)
    if m:
        period = int(m.group(1))
        if period < 1:
            raise ValueError("expected a period number from 1")
        return period
    try:
        return dt.date.fromisoformat(text[:10]) if len(text) >= 10 else dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise ValueError("expected a date (YYYY-MM-DD), a period number or W<n>")


def to_period(value: int | dt.date, start: dt.date, period_days: int) -> int:
    """A parsed time as a period number (dates before start map to period 1)."""
    if isinstance(value, int):
        return value
    return max(1, (value - start).days // period_days + 1)


def period_word(period_days: int, plural: bool = False) -> str:
    """What reports call one period: "week" for 7-day periods, else "period" (plural: +s)."""
    word = "week" if period_days == 7 else "period"
    return word + "s" if plural else word
