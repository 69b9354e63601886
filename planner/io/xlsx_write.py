"""Writing workbooks safely: numbers as numbers, formula-like text as text, atomic replace.

The atomic machinery lives in planner.io.atomic; `atomic_path` and `write_atomic` stay
importable from here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.cell.cell import Cell

from planner.interrupt import deferred
from planner.io.atomic import atomic_path, write_atomic

__all__ = [
    "FORMULA_START",
    "atomic_path",
    "safe_value",
    "save_workbook_atomic",
    "set_cell",
    "write_atomic",
]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_value(value: object) -> object:
    """A value ready for an openpyxl cell: numpy scalars unwrapped, NaN as empty.

    Strings are returned unchanged here; `set_cell` marks them as text so that a string starting
    with `=`, `+`, `-` or `@` is stored as a string cell and never as a formula.
    """
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is _NA:
        return None
    if isinstance(value, bool | int | float | str | dt.date | dt.datetime):
        return value
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return str(value)


try:
    import pandas as pd

    _NA: object = pd.NA
except ImportError:  # pragma: no cover
    _NA = object()


def set_cell(cell: Cell, value: object) -> None:
    """Write ``value`` into ``cell``; text is always stored as a text cell (data_type 's')."""
    v = safe_value(value)
    cell.value = v
    if isinstance(v, str):
        # openpyxl infers a formula from a leading "="; force a plain string cell.
        cell.data_type = "s"
        if v.startswith(FORMULA_START):
            # Excel re-parses text typed after a quote prefix as text; mark it so.
            cell.quotePrefix = True


def save_workbook_atomic(wb: Workbook, target: Path) -> None:
    """Save an openpyxl workbook to ``target`` atomically.

    When the save stops half-way (an error, SIGINT, SIGTERM), the write-only sheets' row
    writers and temporary files are closed and removed at once: left to the garbage collector
    at exit, they would print "Exception ignored" tracebacks after openpyxl's own clean-up.
    """
    try:
        with atomic_path(target) as tmp:
            wb.save(tmp)
    except BaseException:
        with deferred():
            _discard_unsaved_sheets(wb)
        raise


def _discard_unsaved_sheets(wb: Workbook) -> None:
    """Close the row generators and remove the temporary files of write-only sheets."""
    for ws in wb.worksheets:
        rows = getattr(ws, "_rows", None)
        writer = getattr(ws, "_writer", None)
        if rows is not None:
            with contextlib.suppress(Exception):
                rows.close()
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.close()
            with contextlib.suppress(Exception):
                writer.cleanup()
