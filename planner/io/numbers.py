"""Numbers typed as text, read only when they have one reading (DESIGN.md §2.2 "Numbers").

``"1000"``, ``"1 000"``, ``"1,000.5"``, ``"1.000,5"``, ``"12,5"`` (a comma as the only separator
and not three digits after it) have one reading. ``"1.000"`` and ``"1,000"`` have two (one, or
one thousand): :func:`read_number` reports both unless the decimal separator is known, from the
``decimal_separator`` setting, from the file's convention (a ``;`` CSV uses decimal commas) or
from another text number of the same file whose separator has one reading (:func:`evidence`).

A float within 1e-9 (relative) of a whole number is that whole number (:func:`snap_whole`):
quantities computed by a formula (``100 * 0.07`` = 7.000000000000001) count as whole units.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

WHOLE_TOLERANCE = 1e-9
_GROUP_SPACES = re.compile(r"(?<=\d)[ \u00a0\u202f\u2009'’](?=\d{3}(?:\D|$))")
_PLAIN = re.compile(r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$")
_UNIT_AFTER = re.compile(r"^([+-]?[\d\s.,'\u00a0\u202f]*\d)\s*([^\d\s.,].*)$")


@dataclass(frozen=True)
class Reading:
    """The outcome of reading one text number.

    value: the number when it has one reading (else None). readings: both values when the text
    has two (``(1.0, 1000.0)`` for ``"1.000"``). decimal: the decimal separator the text shows
    unambiguously (evidence for other cells), or None. problem: why it is not a number.
    unit: the text after the number when a unit was typed into the cell ("500 pcs").
    """

    value: float | None = None
    readings: tuple[float, float] | None = None
    decimal: str | None = None
    problem: str | None = None
    unit: str | None = None


def _grouped(int_part: str, sep: str) -> bool:
    return bool(re.match(r"^\d{1,3}(?:" + re.escape(sep) + r"\d{3})+$", int_part))


def read_number(text: str, decimal: str | None = None) -> Reading:
    """Read a text number; ``decimal`` ("." or ",") settles texts with two readings.

    Returns a :class:`Reading`; never raises.
    """
    raw = str(text).strip()
    if not raw:
        return Reading(problem="empty")
    t = _GROUP_SPACES.sub("", raw)
    sign = ""
    if t[:1] in "+-":
        sign, t = t[:1], t[1:]
    if not t or not (t[0].isdigit() or t[0] in ".,"):
        return Reading(problem="not a number")
    body = t
    exp = ""
    m = re.match(r"^(.*?)([eE][+-]?\d+)$", body)
    if m and re.match(r"^[\d.,]+$", m.group(1)):
        body, exp = m.group(1), m.group(2)
    if not re.match(r"^[\d.,]+$", body):
        u = _UNIT_AFTER.match(raw)
        if u and read_number(u.group(1), decimal).value is not None:
            return Reading(problem="unit", unit=u.group(2).strip())
        return Reading(problem="not a number")
    dots, commas = body.count("."), body.count(",")

    def num(s: str) -> float | None:
        try:
            return float(sign + s + exp)
        except (ValueError, OverflowError):
            return None

    if dots == 0 and commas == 0:
        return Reading(value=num(body))
    if dots and commas:
        last = "." if body.rfind(".") > body.rfind(",") else ","
        other = "," if last == "." else "."
        int_part, _, frac = body.rpartition(last)
        if body.count(last) != 1 or not _grouped(int_part, other):
            return Reading(problem="not a number")
        return Reading(value=num(int_part.replace(other, "") + "." + frac), decimal=last)
    sep = "." if dots else ","
    if body.count(sep) > 1:  # "1.000.000": only thousands separators
        if not _grouped(body, sep):
            return Reading(problem="not a number")
        return Reading(value=num(body.replace(sep, "")), decimal="," if sep == "." else ".")
    int_part, _, frac = body.partition(sep)
    as_decimal = num((int_part or "0") + "." + frac)
    if len(frac) != 3 or not int_part or int_part.startswith("0") or exp:
        # one reading: a decimal separator ("12,5", "0,050", ",5")
        return Reading(value=as_decimal, decimal=sep)
    as_thousands = num(int_part + frac)
    if decimal == sep:
        return Reading(value=as_decimal)
    if decimal is not None:
        return Reading(value=as_thousands)
    assert as_decimal is not None and as_thousands is not None
    return Reading(readings=(as_decimal, as_thousands))


def evidence(texts: list[str]) -> str | None:
    """The decimal separator that the unambiguous text numbers agree on, else None."""
    seen = {r.decimal for r in map(read_number, texts) if r.decimal is not None}
    return seen.pop() if len(seen) == 1 else None


def snap_whole(x: float) -> float:
    """``x`` rounded to the nearest whole number when within 1e-9 (relative) of it."""
    if not math.isfinite(x):
        return x
    nearest = round(x)
    if nearest != x and abs(x - nearest) <= WHOLE_TOLERANCE * max(1.0, abs(x)):
        return float(nearest)
    return x


def ambiguity_message(text: str, readings: tuple[float, float]) -> str:
    """'"1.000" has two readings: 1 (decimal point) or 1000 (thousands separator) …'."""
    sep = "." if "." in text else ","
    name = "point" if sep == "." else "comma"
    a, b = readings
    return (
        f'"{text.strip()}" has two readings: {a:g} (decimal {name}) or {b:g} (thousands'
        f" separator); type the number without separators, or set decimal_separator"
    )
