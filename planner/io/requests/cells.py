"""Cells of a request sheet: what a cell holds, how a message shows it, how rows are iterated."""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils.cell import get_column_letter

from planner.errors import Issue

MAX_ISSUES = 1000  # kept in memory; the console lists at most planner.errors.MAX_LISTED


@dataclass(frozen=True)
class Cell:
    """One non-empty cell: value, openpyxl data type (n, s, b, d, e), number format, place."""

    value: Any
    kind: str
    fmt: str
    row: int
    col: int


@dataclass
class Collector:
    """Issues up to MAX_ISSUES; the rest are only counted (by code and severity)."""

    file: str
    issues: list[Issue] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)
    dropped_errors: int = 0
    errors: int = 0

    def add(self, issue: Issue) -> None:
        self.errors += issue.severity == "error"
        if len(self.issues) < MAX_ISSUES:
            self.issues.append(issue)
        else:
            self.dropped[issue.code] += 1
            self.dropped_errors += issue.severity == "error"

    def finish(self) -> list[Issue]:
        out = list(self.issues)
        if self.dropped:
            kinds = ", ".join(f"{n} {code}" for code, n in sorted(self.dropped.items()))
            out.append(
                Issue(
                    "too-many-problems",
                    self.file,
                    f"the list stops after {MAX_ISSUES} problems; {kinds} more not shown",
                    severity="error" if self.dropped_errors else "warning",
                )
            )
        return out


def show(value: Any) -> str:
    """A cell value as a message shows it: text quoted and cut at 60 characters."""
    if isinstance(value, str):
        text = " ".join(value.split())
        if len(text) > 60:
            text = text[:57] + "…"
        return f'"{text}"'
    if value is None:
        return "an empty cell"
    return as_text(value)


def as_text(value: Any) -> str:
    """A cell value as text: whole numbers without ".0", dates as ISO."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value) if abs(value) < 10**30 else f"{float(value):g}"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def as_float(value: Any) -> float | None:
    """A number cell as a float (may be non-finite), else None (text is read elsewhere)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return float(value)
        except OverflowError:
            return math.inf
    return None


def label(col: int, text: str) -> str:
    """A column as messages name it: letter and header text, ``D "Qty"``."""
    shown = " ".join(str(text).split())
    if len(shown) > 40:
        shown = shown[:37] + "…"
    return f'{get_column_letter(col)} "{shown}"'


class Merges:
    """Vertical merged ranges of a sheet: the top-left value covers the rows below it."""

    def __init__(self, merges: list[tuple[int, int, int, int]]):
        self.top_left: set[tuple[int, int]] = set()
        by_col: dict[int, list[tuple[int, int, int, int]]] = {}
        for min_col, min_row, max_col, max_row in merges:
            if max_row > min_row:
                self.top_left.add((min_row, min_col))
                by_col.setdefault(min_col, []).append((min_row, max_row, min_col, max_col))
        self.by_col = {c: sorted(v) for c, v in by_col.items()}
        self.starts = {c: [m[0] for m in v] for c, v in self.by_col.items()}
        self.values: dict[tuple[int, int], Cell] = {}
        self.warned: set[tuple[int, int]] = set()

    def remember(self, cells: dict[int, Cell]) -> None:
        for cell in cells.values():
            if (cell.row, cell.col) in self.top_left:
                self.values[(cell.row, cell.col)] = cell

    def covering(self, row: int, col: int) -> tuple[int, int, int, int] | None:
        """The merged range (min_row, max_row, min_col, max_col) whose top cell is above row."""
        ranges = self.by_col.get(col)
        if not ranges:
            return None
        i = bisect.bisect_right(self.starts[col], row) - 1
        if i < 0:
            return None
        rng = ranges[i]
        return rng if rng[0] < row <= rng[1] else None


def _number_format(cell: Any) -> str:
    try:
        return str(cell.number_format)
    except Exception:  # a style index beyond the styles table: treat as General
        return "General"


def row_cells(row: tuple[Any, ...], row_no: int) -> dict[int, Cell]:
    """The non-empty cells of one openpyxl row by column number."""
    out: dict[int, Cell] = {}
    for cell in row:
        value = getattr(cell, "value", None)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        col = int(cell.column)
        out[col] = Cell(value, str(cell.data_type), _number_format(cell), row_no, col)
    return out


class SheetUnreadable(Exception):
    """openpyxl failed while iterating a sheet."""

    def __init__(self, cause: BaseException):
        super().__init__(str(cause))
        self.cause = cause


def sheet_rows(ws: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(Excel row number, cells) for every row; openpyxl failures become SheetUnreadable."""
    ws.reset_dimensions()  # some writers declare a wrong size; read what is there
    it = iter(ws.iter_rows())
    row_no = 0
    while True:
        try:
            row = next(it)
        except StopIteration:
            return
        except Exception as exc:  # anything openpyxl raises here is a property of the file
            raise SheetUnreadable(exc) from exc
        row_no += 1
        yield row_no, row
