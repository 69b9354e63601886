"""Reading a time cell (DESIGN.md §1, §2.2 "Dates"): a period, a week, or a date.

Accepted: a period number (``12``), a plan week (``W12``, ``week 12``), an ISO calendar week
(``2022-W12``: its Monday), an ISO date (``2022-04-15``, a time part is ignored), a day-first
date (``15.04.2022``, ``15/04/2022``) and a real date cell. A slash or dash date whose two first
numbers can both be a month (``04/05/2022``) has two readings and raises :class:`AmbiguousDate`
unless ``date_order`` says which; a date that does not exist (``31.04.2022``) says why.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re

_WEEK = re.compile(r"^\s*(?:w|wk|week|тиждень)\s*\.?\s*(\d{1,4})\s*$", re.IGNORECASE)
_INT = re.compile(r"^\s*(\d{1,4})(?:\.0+)?\s*$")
_ISO_WEEK = re.compile(r"^\s*(\d{4})-?W(\d{1,2})(?:-?([1-7]))?\s*$", re.IGNORECASE)
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][\d:.]*)?\s*$")
_DMY = re.compile(r"^\s*(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})\.?\s*$")
_MONTH_YEAR = re.compile(r"^\s*([A-Za-z]+)\.?\s+(\d{4})\s*$")
EXPECTED = "expected a date (2022-04-15 or 15.04.2022), a period number, W12 or 2022-W12"
DATE_ORDERS = ("day-first", "month-first")


class AmbiguousDate(ValueError):
    """A date text with two readings; ``readings`` holds both (day-first, month-first)."""

    def __init__(self, text: str, readings: tuple[dt.date, dt.date]):
        a, b = readings
        super().__init__(
            f'"{text.strip()}" has two readings: {a:%d %B %Y} (day first) or {b:%d %B %Y}'
            " (month first); write it as YYYY-MM-DD or set date_order"
        )
        self.readings = readings


def make_date(year: int, month: int, day: int) -> dt.date:
    """``dt.date`` with a message saying why a date does not exist."""
    if not 1 <= year <= 9999:
        raise ValueError(f"year {year} is outside 1–9999")
    if not 1 <= month <= 12:
        raise ValueError(f"there is no month {month}")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        name = calendar.month_name[month]
        raise ValueError(
            f"{day:02d}.{month:02d}.{year} does not exist: {name} {year} has {last} days"
        )
    return dt.date(year, month, day)


def _year(text: str) -> int:
    y = int(text)
    return 2000 + y if len(text) == 2 else y


def parse_date_text(text: str, date_order: str | None = None) -> dt.date | None:
    """A date typed as text, or None when the text is not date-shaped.

    Raises ValueError when it is date-shaped but does not exist, AmbiguousDate when it has two
    readings and ``date_order`` ("day-first" or "month-first") is None.
    """
    m = _ISO_WEEK.match(text)
    if m:
        year, week = int(m.group(1)), int(m.group(2))
        weeks = dt.date(year, 12, 28).isocalendar().week
        if not 1 <= week <= weeks:
            raise ValueError(f"{year} has ISO weeks 1–{weeks}, not {week}")
        return dt.date.fromisocalendar(year, week, int(m.group(3) or 1))
    m = _ISO_DATE.match(text)
    if m:
        return make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _DMY.match(text)
    if m:
        a, sep, b, year = int(m.group(1)), m.group(2), int(m.group(3)), _year(m.group(4))
        if sep == "." or a > 12:
            return make_date(year, b, a)
        if b > 12:
            return make_date(year, a, b)
        if a == b or date_order == "day-first":
            return make_date(year, b, a)
        if date_order == "month-first":
            return make_date(year, a, b)
        raise AmbiguousDate(text, (make_date(year, b, a), make_date(year, a, b)))
    m = _MONTH_YEAR.match(text)
    if m and m.group(1).casefold()[:3] in {n.casefold()[:3] for n in calendar.month_name[1:]}:
        raise ValueError(f'"{text.strip()}" names a month, not a day; give the day (e.g. 30.06)')
    return None


def parse_time(value: object, date_order: str | None = None) -> int | dt.date | None:
    """Return a period (int ≥ 1), a date, or None for an empty cell.

    Raises ValueError with what was expected or why the date does not exist, and
    AmbiguousDate (a ValueError) for a text date with two readings.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ValueError(EXPECTED)
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(EXPECTED)
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
    day = parse_date_text(text, date_order)
    if day is not None:
        return day
    raise ValueError(EXPECTED)


def excel_serial(day: dt.date) -> int:
    """The Excel serial number of a date (1900 date system, with Excel's 29 February 1900:
    serial 1 is 1 January 1900, serial 61 is 1 March 1900)."""
    if day < dt.date(1900, 3, 1):
        return (day - dt.date(1899, 12, 31)).days
    return (day - dt.date(1899, 12, 30)).days


def to_period(value: int | dt.date, start: dt.date, period_days: int) -> int:
    """A parsed time as a period number (dates before start map to period 1)."""
    if isinstance(value, int):
        return value
    return max(1, (value - start).days // period_days + 1)


def period_word(period_days: int, plural: bool = False) -> str:
    """What reports call one period: "week" for 7-day periods, else "period" (plural: +s)."""
    word = "week" if period_days == 7 else "period"
    return word + "s" if plural else word
