"""Reading one cell's meaning: quantity, priority, request id (DESIGN.md §2.2)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from planner.io.numbers import read_number, snap_whole
from planner.io.requests.cells import Cell, as_float, as_text, show
from planner.schema import PRIORITY_WORDS, PRIORITY_WORDS_UA

MAX_QUANTITY = 1e12
_PRIO_NUMBER = re.compile(r"^p?\s*([0-9]{1,3})(?:\.0+)?$")
_PRIO_BOTH = re.compile(r"^p?\s*([1-4])\s*[-–—:(.]?\s*(\w+)\s*\)?$")
_ZEROS = re.compile(r"^0+$")
_WORDS = {**PRIORITY_WORDS, **PRIORITY_WORDS_UA}

Problem = tuple[str, str]


@dataclass(frozen=True)
class Quantity:
    """A quantity cell read: value, or both readings of an ambiguous text, or a problem."""

    value: float | None = None
    ambiguous: tuple[float, float] | None = None
    problem: Problem | None = None


def check_quantity(x: float, cell: Cell) -> Quantity:
    """Range checks of a number read from a quantity cell (float noise absorbed)."""
    if not math.isfinite(x):
        return Quantity(
            problem=("not-a-number", f"expected a finite number, found {show(cell.value)}")
        )
    if x <= 0:
        return Quantity(
            problem=("not-positive", f"expected a quantity above 0, found {show(cell.value)}")
        )
    if x > MAX_QUANTITY:
        return Quantity(
            problem=(
                "too-large",
                f"expected a quantity up to {MAX_QUANTITY:,.0f}, found {show(cell.value)}",
            )
        )
    return Quantity(value=snap_whole(x))


def read_quantity(cell: Cell, decimal: str | None) -> Quantity:
    """A quantity cell: a number cell, or text with one reading ("1 000", "12,5").

    Text with two readings ("1.000") is returned as ``ambiguous`` for the workbook to settle.
    """
    x = as_float(cell.value)
    if x is not None:
        return check_quantity(x, cell)
    if not isinstance(cell.value, str):
        return Quantity(problem=("not-a-number", f"expected a number, found {show(cell.value)}"))
    r = read_number(cell.value, decimal)
    if r.value is not None:
        return check_quantity(r.value, cell)
    if r.readings is not None:
        return Quantity(ambiguous=r.readings)
    if r.problem == "unit":
        return Quantity(
            problem=(
                "unit-in-cell",
                f"expected a number alone, found {show(cell.value)} (a unit typed into the"
                " quantity cell); keep the number here and the unit in a unit column",
            )
        )
    return Quantity(problem=("not-a-number", f"expected a number, found {show(cell.value)}"))


def read_priority(cell: Cell) -> tuple[int | None, Problem | None]:
    """Priority 1–4 as a number or word (English or Ukrainian), "P1", "1 - critical"."""
    value = cell.value
    bad = (
        "bad-priority",
        f"expected 1–4 or critical, high, medium, low, found {show(value)}",
    )
    if isinstance(value, bool):
        return None, bad
    if isinstance(value, int | float):
        x = as_float(value)
        if x is not None and x.is_integer() and 1 <= x <= 4:
            return int(x), None
        return None, bad
    text = " ".join(as_text(value).casefold().split())
    if text in _WORDS:
        return _WORDS[text], None
    m = _PRIO_NUMBER.match(text)
    if m and 1 <= int(m.group(1)) <= 4:
        return int(m.group(1)), None
    m = _PRIO_BOTH.match(text)
    if m and _WORDS.get(m.group(2)) == int(m.group(1)):
        return int(m.group(1)), None
    return None, bad


def read_request_id(cell: Cell) -> str:
    """A request id as text: 12 in a cell formatted ``0000`` is "0012"."""
    value = cell.value
    if isinstance(value, int | float) and not isinstance(value, bool):
        x = as_float(value)
        if x is not None and x.is_integer() and abs(x) < 1e15:
            n = int(x)
            if n >= 0 and _ZEROS.match(cell.fmt):
                return str(n).zfill(len(cell.fmt))
            return str(n)
    return as_text(value)


_PACKAGE_YES = {"yes", "y", "true", "1", "package", "whole package", "так", "x", "✓"}
_PACKAGE_NO = {"no", "n", "false", "0", "item only", "item", "ні", "only item"}


def read_package(cell: Cell) -> tuple[bool | None, Problem | None]:
    """A ``package`` cell (DESIGN.md §2.2, §4.1): yes/true/1/package → True; no/false/0/
    "item only" → False; an empty cell → None (the default: a package when the item is a
    system); anything else is a [bad-package] problem."""
    value = cell.value
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, bool):
        return value, None
    text = " ".join(as_text(value).casefold().split())
    if isinstance(value, int | float) and not isinstance(value, bool) and value in (0, 1):
        text = str(int(value))
    if text in _PACKAGE_YES:
        return True, None
    if text in _PACKAGE_NO:
        return False, None
    return None, (
        "bad-package",
        f'expected yes (the whole package) or no ("item only"), found {show(value)}',
    )
