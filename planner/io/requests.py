"""Read a request workbook (DESIGN.md §2.2): forgiving about layout, strict about meaning.

Layout is forgiven: the header row may be anywhere in the first 20 rows of a sheet, every sheet
with a header is read, header names match case-, space- and punctuation-insensitively with
aliases (a trailing ``(units)`` is ignored), items match by id, name or alias, priorities may be
numbers or words, times may be Excel dates, ISO text, period numbers or ``W12``/``week 12``, a
value merged down a column is used for every row it covers, formulas give their saved values, and
rows whose item says "Total" are skipped (with a warning).

Meaning is not: every problem is collected (the list stops after ``MAX_ISSUES``) and reported as
``file › sheet › row N › column: expected …, found … [code]``, and the reader raises
:class:`planner.errors.InputError` when any of them is an error. The codes are stable:

File level (from :mod:`planner.io.xlsx_safety`)
    ``no-file``, ``unreadable``, ``empty-file``, ``file-too-large``, ``not-a-workbook`` (CSV,
    image, PDF, HTML, .xls, .xlsb, .ods ... renamed or saved as .xlsx), ``encrypted``,
    ``truncated``, ``zip-bomb``, ``xml-entities`` (a DTD: entity bomb or external entity),
    ``corrupt-workbook`` (damaged zip or XML, or a sheet beyond Excel's limits),
    ``macros-ignored`` (warning: an .xlsm; macros are never run).
Sheets and headers
    ``no-header``: no sheet has a header row with an item and a quantity column;
    ``missing-column``: a sheet has one of the two only (an error when no sheet can be read,
    else a warning and the sheet is ignored); ``duplicate-column``: two columns of equal standing
    for one field; ``column-ignored`` (warning): a weaker alias lost to a stronger one (``Unit``
    beside ``Destination``); ``no-requests``: headers but not one request line.
Cells
    ``missing-value`` (no item or quantity in a row that has other data), ``unknown-item``
    (with the closest catalog names), ``not-a-number``, ``not-positive``, ``not-whole`` (a
    fraction of an integer item), ``too-large`` (a quantity above ``MAX_QUANTITY``),
    ``bad-priority``, ``bad-date``, ``after-horizon`` (``earliest`` after the plan's last
    period), ``date-order`` (``needed_by`` before ``earliest``), ``duplicate-id``,
    ``excel-error`` (``#N/A``, ``#REF!`` ...), ``formula-no-value`` (a formula never calculated,
    so there is no saved result; a warning when a whole row holds nothing else),
    ``merged-cells`` (a quantity or request id merged over several rows: whose is it?).
Warnings only
    ``formula-values`` (saved results of formulas were used), ``merged-fill`` (a merged value
    was used for every row it covers), ``total-row``, ``before-start`` (a date before the plan
    start: period 1).
Either
    ``too-many-problems``: the list was cut; an error when errors were cut.

Dates: ``needed_by`` after the horizon means no deadline (<NA>); ``earliest`` after the horizon is
an error; dates before the start map to period 1. Request ids are text: ``0012`` typed as text
stays ``0012``, and so does 12 in a cell formatted ``0000``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import difflib
import math
import re
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from openpyxl.utils.cell import get_column_letter

from planner.catalog import Catalog, norm_name
from planner.errors import InputError, Issue
from planner.io.xlsx_safety import (
    CheckedWorkbook,
    SheetScan,
    SheetScanError,
    open_readonly,
    preflight,
    read_failure,
    scan_sheet,
)
from planner.periods import parse_time
from planner.requests import RequestSet, request_frame
from planner.schema import PRIORITY_WORDS, Settings

# Every code this reader (and the pre-flight checks it runs) can report; see the docstring.
ISSUE_CODES = frozenset(
    {
        # file level
        "no-file",
        "unreadable",
        "empty-file",
        "file-too-large",
        "not-a-workbook",
        "encrypted",
        "truncated",
        "zip-bomb",
        "xml-entities",
        "corrupt-workbook",
        "macros-ignored",
        # sheets and headers
        "no-header",
        "missing-column",
        "duplicate-column",
        "column-ignored",
        "no-requests",
        # cells
        "missing-value",
        "unknown-item",
        "not-a-number",
        "not-positive",
        "not-whole",
        "too-large",
        "bad-priority",
        "bad-date",
        "after-horizon",
        "date-order",
        "duplicate-id",
        "excel-error",
        "formula-no-value",
        "merged-cells",
        # warnings only
        "formula-values",
        "merged-fill",
        "total-row",
        "before-start",
        "too-many-problems",
    }
)
HEADER_ROWS = 20
MAX_ISSUES = 1000
MAX_QUANTITY = 1e12
SUGGESTIONS = 3

# Field -> accepted header names, strongest first (DESIGN.md §2.2, plus a few obvious variants).
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "item": ("item", "item_id", "item name", "equipment", "nomenclature", "description"),
    "quantity": ("quantity", "qty", "amount", "number"),
    "priority": ("priority", "prio", "urgency"),
    "needed_by": ("needed_by", "need by", "required by", "deadline", "due", "due date"),
    "earliest": ("earliest", "not before"),
    "destination": ("destination", "recipient", "unit", "region"),
    "request_id": ("request_id", "id", "no", "#", "№"),
    "notes": ("notes", "note", "comments", "comment", "remarks"),
}
TOTAL_WORDS = {"total", "totals", "grandtotal", "subtotal", "sum"}
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NON_ALNUM = re.compile(r"[\W_]+")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:[,\s\u00a0\u202f']\d{3})+(?:\.\d+)?$")
_PRIO_NUMBER = re.compile(r"^p?\s*([0-9]{1,3})(?:\.0+)?$")
_PRIO_BOTH = re.compile(r"^p?\s*([1-4])\s*[-–—:(.]?\s*([a-z]+)\s*\)?$")
_ZEROS = re.compile(r"^0+$")

Problem = tuple[str, str]


def header_key(text: str) -> str:
    """Key for matching header names: case, spaces, punctuation and a ``(unit)`` suffix ignored."""
    raw = str(text).casefold()
    for candidate in (_PAREN.sub("", raw), raw):
        key = _NON_ALNUM.sub("", candidate)
        if key:
            return key
    return "".join(raw.split())


_ALIAS_KEYS: dict[str, tuple[str, int]] = {}
for _field, _names in FIELD_ALIASES.items():
    for _rank, _name in enumerate(_names):
        _ALIAS_KEYS.setdefault(header_key(_name), (_field, _rank))


@dataclass(frozen=True)
class _Cell:
    value: Any
    kind: str  # openpyxl data_type: n, s, b, d, e
    fmt: str  # number format
    row: int
    col: int


@dataclass
class _Header:
    row: int
    columns: dict[str, int]
    labels: dict[str, str]


@dataclass
class _Collector:
    """Issues up to MAX_ISSUES; the rest are only counted."""

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


def _show(value: Any) -> str:
    """A cell value as a message shows it: text quoted and cut at 60 characters."""
    if isinstance(value, str):
        text = " ".join(value.split())
        if len(text) > 60:
            text = text[:57] + "…"
        return f'"{text}"'
    if value is None:
        return "an empty cell"
    return _text(value)


def _text(value: Any) -> str:
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


def _as_float(value: Any) -> float | None:
    """A number cell or numeric text as a float (may be non-finite), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return float(value)
        except OverflowError:
            return math.inf
    if isinstance(value, str):
        text = value.strip()
        if _THOUSANDS.match(text):
            text = re.sub(r"[,\s\u00a0\u202f']", "", text)
        try:
            return float(text)
        except (ValueError, OverflowError):
            return None
    return None


def _quantity(cell: _Cell) -> tuple[float | None, Problem | None]:
    x = _as_float(cell.value)
    if x is None:
        return None, ("not-a-number", f"expected a number, found {_show(cell.value)}")
    if not math.isfinite(x):
        return None, ("not-a-number", f"expected a finite number, found {_show(cell.value)}")
    if x <= 0:
        return None, ("not-positive", f"expected a quantity above 0, found {_show(cell.value)}")
    if x > MAX_QUANTITY:
        return None, (
            "too-large",
            f"expected a quantity up to {MAX_QUANTITY:,.0f}, found {_show(cell.value)}",
        )
    return x, None


def _priority(cell: _Cell) -> tuple[int | None, Problem | None]:
    value = cell.value
    bad = (
        "bad-priority",
        f"expected 1–4 or critical, high, medium, low, found {_show(value)}",
    )
    if isinstance(value, bool):
        return None, bad
    if isinstance(value, int | float):
        x = _as_float(value)
        if x is not None and x.is_integer() and 1 <= x <= 4:
            return int(x), None
        return None, bad
    text = " ".join(_text(value).casefold().split())
    if text in PRIORITY_WORDS:
        return PRIORITY_WORDS[text], None
    m = _PRIO_NUMBER.match(text)
    if m and 1 <= int(m.group(1)) <= 4:
        return int(m.group(1)), None
    m = _PRIO_BOTH.match(text)
    if m and PRIORITY_WORDS.get(m.group(2)) == int(m.group(1)):
        return int(m.group(1)), None
    return None, bad


def _request_id(cell: _Cell) -> str:
    value = cell.value
    if isinstance(value, int | float) and not isinstance(value, bool):
        x = _as_float(value)
        if x is not None and x.is_integer() and abs(x) < 1e15:
            n = int(x)
            if n >= 0 and _ZEROS.match(cell.fmt):
                return str(n).zfill(len(cell.fmt))
            return str(n)
    return _text(value)


class _Items:
    """Item matching against the catalog, with suggestions for unknown names."""

    def __init__(self, catalog: Catalog):
        self.lookup = catalog.item_lookup()
        self.display: dict[str, str] = {}
        for row in catalog.items.itertuples(index=False):
            for text in (str(row.item_id), str(row.name), *[str(a) for a in row.aliases]):
                self.display.setdefault(norm_name(text), text)
        ids = [str(i) for i in catalog.items["item_id"]]
        self.integer = dict(zip(ids, map(bool, catalog.items["integer"]), strict=True))
        self.names = dict(zip(ids, map(str, catalog.items["name"]), strict=True))
        self._cache: dict[str, list[str]] = {}

    def closest(self, text: str) -> list[str]:
        key = norm_name(text)[:100]
        if key not in self._cache:
            keys = difflib.get_close_matches(key, list(self.display), n=SUGGESTIONS * 2, cutoff=0.6)
            shown: list[str] = []
            items: set[str] = set()
            for k in keys:  # best match first; one name per catalog item
                if self.lookup[k] not in items:
                    items.add(self.lookup[k])
                    shown.append(self.display[k])
            self._cache[key] = shown[:SUGGESTIONS]
        return self._cache[key]


class _Merges:
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
        self.values: dict[tuple[int, int], _Cell] = {}
        self.warned: set[tuple[int, int]] = set()

    def remember(self, cells: dict[int, _Cell]) -> None:
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


def _row_cells(row: tuple[Any, ...], row_no: int) -> dict[int, _Cell]:
    """The non-empty cells of one openpyxl row by column number."""
    out: dict[int, _Cell] = {}
    for cell in row:
        value = getattr(cell, "value", None)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        col = int(cell.column)
        out[col] = _Cell(value, str(cell.data_type), _number_format(cell), row_no, col)
    return out


def _header_matches(cells: dict[int, _Cell]) -> dict[str, list[tuple[int, int, str]]]:
    """Field -> [(alias rank, column, header text)] for the cells of one row."""
    found: dict[str, list[tuple[int, int, str]]] = {}
    for col, cell in sorted(cells.items()):
        if not isinstance(cell.value, str):
            continue
        hit = _ALIAS_KEYS.get(header_key(cell.value))
        if hit is not None:
            found.setdefault(hit[0], []).append((hit[1], col, cell.value))
    return found


def _label(col: int, text: str) -> str:
    shown = " ".join(text.split())
    if len(shown) > 40:
        shown = shown[:37] + "…"
    return f'{get_column_letter(col)} "{shown}"'


class _SheetUnreadable(Exception):
    """openpyxl failed while iterating a sheet."""

    def __init__(self, cause: BaseException):
        super().__init__(str(cause))
        self.cause = cause


def _rows(ws: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(Excel row number, cells) for every row; openpyxl failures become _SheetUnreadable."""
    ws.reset_dimensions()  # some writers declare a wrong size; read what is there
    it = iter(ws.iter_rows())
    row_no = 0
    while True:
        try:
            row = next(it)
        except StopIteration:
            return
        except Exception as exc:  # anything openpyxl raises here is a property of the file
            raise _SheetUnreadable(exc) from exc
        row_no += 1
        yield row_no, row


@dataclass
class _Reader:
    """State of one workbook read: catalog matching, settings, issues, seen ids, rows."""

    display: str
    items: _Items
    settings: Settings
    out: _Collector
    rows: list[dict[str, object]] = field(default_factory=list)
    seen_ids: dict[str, tuple[str, int]] = field(default_factory=dict)

    def issue(
        self,
        code: str,
        message: str,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        severity: str = "error",
    ) -> None:
        self.out.add(Issue(code, self.display, message, sheet, row, column, severity))

    # -- header ------------------------------------------------------------------------------
    def header(
        self, sheet: str, row_no: int, found: dict[str, list[tuple[int, int, str]]]
    ) -> _Header:
        columns: dict[str, int] = {}
        labels: dict[str, str] = {}
        for fld, hits in found.items():
            hits = sorted(hits)
            best_rank, best_col, best_text = hits[0]
            columns[fld], labels[fld] = best_col, _label(best_col, best_text)
            for rank, col, text in hits[1:]:
                if rank == best_rank:
                    self.issue(
                        "duplicate-column",
                        f"expected one {fld} column, found a second one (the first is"
                        f" {labels[fld]})",
                        sheet,
                        row_no,
                        _label(col, text),
                    )
                else:
                    self.issue(
                        "column-ignored",
                        f"ignored: {labels[fld]} is used for {fld}",
                        sheet,
                        row_no,
                        _label(col, text),
                        "warning",
                    )
        return _Header(row_no, columns, labels)

    # -- rows --------------------------------------------------------------------------------
    def read_sheet(self, book: CheckedWorkbook, ws: Any) -> tuple[str, int | None, Issue | None]:
        """Read one sheet. Returns (status, header row, why a near-header does not count).

        status: "read", "ignored" or "failed".
        """
        title = str(ws.title)
        member = getattr(ws, "_worksheet_path", None)
        scan = SheetScan()
        if isinstance(member, str):
            try:
                scan = scan_sheet(book, member)
            except SheetScanError as exc:
                self.out.add(
                    Issue(
                        "corrupt-workbook",
                        self.display,
                        f"expected a valid worksheet, found that {exc}",
                        sheet=title,
                    )
                )
                return "failed", None, None
            except Exception as exc:
                self.out.add(read_failure(self.display, exc, sheet=title))
                return "failed", None, None
        if scan.bad_numbers:
            for (r, c), text in sorted(scan.bad_numbers.items())[:50]:
                self.issue(
                    "not-a-number",
                    f"expected a number, found {_show(text)} stored as a number cell (the program"
                    " that wrote the file stored an invalid number); this sheet was not read",
                    title,
                    r,
                    get_column_letter(c),
                )
            return "failed", None, None
        merges = _Merges(scan.merges)
        header: _Header | None = None
        partial: Issue | None = None
        only_formulas: list[int] = []
        try:
            for row_no, raw in _rows(ws):
                cells = _row_cells(raw, row_no)
                merges.remember(cells)
                if header is None:
                    if row_no > HEADER_ROWS:
                        break
                    found = _header_matches(cells)
                    if "item" in found and "quantity" in found:
                        header = self.header(title, row_no, found)
                    elif partial is None and ("item" in found or "quantity" in found):
                        has = "item" if "item" in found else "quantity"
                        lacks = "quantity" if has == "item" else "item"
                        _rank, col, text = sorted(found[has])[0]
                        partial = Issue(
                            "missing-column",
                            self.display,
                            f"expected a header with an item and a quantity column, found"
                            f" {_label(col, text)} but no {lacks} column (one of:"
                            f" {', '.join(FIELD_ALIASES[lacks])})",
                            title,
                            row_no,
                        )
                    continue
                if cells or scan.formulas_without_value:
                    self.data_row(title, header, row_no, cells, merges, scan, only_formulas)
        except _SheetUnreadable as exc:
            self.out.add(read_failure(self.display, exc.cause, sheet=title))
            return "failed", None, None
        if header is None:
            return "ignored", None, partial
        if only_formulas:
            self.issue(
                "formula-no-value",
                f"{len(only_formulas)} row(s) from row {only_formulas[0]} hold only formulas"
                " that were never calculated, so they have no saved results; skipped"
                " (open the file in Excel and save it to keep them)",
                title,
                only_formulas[0],
                severity="warning",
            )
        if scan.formulas_with_value:
            self.issue(
                "formula-values",
                f"{scan.formulas_with_value} cell(s) hold formulas; their last saved results"
                " were used",
                title,
                severity="warning",
            )
        return "read", header.row, None

    def data_row(
        self,
        sheet: str,
        header: _Header,
        row_no: int,
        cells: dict[int, _Cell],
        merges: _Merges,
        scan: SheetScan,
        only_formulas: list[int],
    ) -> None:
        own = {f: cells[c] for f, c in header.columns.items() if c in cells}
        pending = {
            f: scan.formulas_without_value[(row_no, c)]
            for f, c in header.columns.items()
            if f not in own and (row_no, c) in scan.formulas_without_value
        }
        if not own:
            if pending:
                only_formulas.append(row_no)
            return
        lab = header.labels
        item_own = own.get("item")
        if item_own is not None and item_own.kind != "e":
            text = _text(item_own.value)
            if header_key(text) in TOTAL_WORDS and norm_name(text) not in self.items.lookup:
                self.issue(
                    "total-row",
                    f"skipped: the item cell says {_show(item_own.value)}",
                    sheet,
                    row_no,
                    lab.get("item"),
                    "warning",
                )
                return
        errors_before = self.out.errors

        def problem(fld: str, code: str, message: str) -> None:
            self.issue(code, message, sheet, row_no, lab.get(fld))

        values: dict[str, _Cell] = dict(own)
        merged_away: set[str] = set()
        for fld, col in header.columns.items():
            if fld in values or fld in pending:
                continue
            rng = merges.covering(row_no, col)
            if rng is None or (rng[0], col) not in merges.values:
                continue
            top = merges.values[(rng[0], col)]
            where = f"{get_column_letter(col)}{rng[0]}:{get_column_letter(rng[3])}{rng[1]}"
            if fld in ("quantity", "request_id"):
                merged_away.add(fld)
                problem(
                    fld,
                    "merged-cells",
                    f"expected one {fld} per row, found cells {where} merged (their value"
                    f" {_show(top.value)} belongs to row {rng[0]} only); unmerge and fill each row",
                )
                continue
            values[fld] = top
            if (rng[0], col) not in merges.warned:
                merges.warned.add((rng[0], col))
                self.issue(
                    "merged-fill",
                    f"value {_show(top.value)} of merged cells {where} used for rows"
                    f" {rng[0]}–{rng[1]}",
                    sheet,
                    rng[0],
                    lab.get(fld),
                    "warning",
                )

        for fld, formula in pending.items():
            shown = formula if len(formula) <= 60 else formula[:57] + "…"
            problem(
                fld,
                "formula-no-value",
                f"expected a value, found a formula never calculated ({shown}); open the file"
                " in Excel and save it, or type the value",
            )
        for fld, cell in values.items():
            if cell.kind == "e":
                problem(fld, "excel-error", f"expected a value, found the Excel error {cell.value}")
        bad_cells = {f for f, c in values.items() if c.kind == "e"}

        item_id: str | None = None
        requested = ""
        item_cell = values.get("item")
        if item_cell is None:
            if "item" not in pending:
                problem("item", "missing-value", "expected an item, found an empty cell")
        elif "item" not in bad_cells:
            requested = _text(item_cell.value)
            item_id = self.items.lookup.get(norm_name(requested))
            if item_id is None:
                close = self.items.closest(requested)
                hint = (
                    "closest: " + ", ".join(f'"{c}"' for c in close)
                    if close
                    else "no close match in the catalog"
                )
                problem("item", "unknown-item", f"unknown item {_show(item_cell.value)} ({hint})")

        quantity: float | None = None
        q_cell = values.get("quantity")
        if q_cell is None:
            if "quantity" not in pending and "quantity" not in merged_away:
                problem("quantity", "missing-value", "expected a quantity, found an empty cell")
        elif "quantity" not in bad_cells:
            quantity, prob = _quantity(q_cell)
            if prob:
                problem("quantity", *prob)
            elif (
                quantity is not None
                and item_id is not None
                and self.items.integer.get(item_id)
                and not quantity.is_integer()
            ):
                problem(
                    "quantity",
                    "not-whole",
                    f"expected a whole number ({self.items.names[item_id]} comes in whole"
                    f" units), found {_show(q_cell.value)}",
                )
                quantity = None

        priority = 3
        p_cell = values.get("priority")
        if p_cell is not None and "priority" not in bad_cells:
            value, prob = _priority(p_cell)
            if prob:
                problem("priority", *prob)
            else:
                priority = value  # type: ignore[assignment]

        earliest = self._period(values, "earliest", bad_cells, problem, sheet, row_no, lab)
        needed_by = self._period(values, "needed_by", bad_cells, problem, sheet, row_no, lab)
        if earliest is not None and earliest > self.settings.horizon:
            last = self.settings.date_of(self.settings.horizon + 1) - dt.timedelta(days=1)
            problem(
                "earliest",
                "after-horizon",
                f"expected a time within the plan (up to {last.isoformat()}, period"
                f" {self.settings.horizon}), found {_show(values['earliest'].value)}"
                f" (period {earliest})",
            )
        if needed_by is not None and needed_by > self.settings.horizon:
            needed_by = None  # no deadline inside the horizon
        if earliest is not None and needed_by is not None and needed_by < earliest:
            problem(
                "needed_by",
                "date-order",
                f"expected a needed-by time on or after earliest (period {earliest}), found"
                f" {_show(values['needed_by'].value)} (period {needed_by})",
            )

        rid_cell = values.get("request_id")
        request_id = (
            _request_id(rid_cell) if rid_cell is not None and "request_id" not in bad_cells else ""
        )
        if not request_id:
            request_id = f"{sheet}-{row_no}"
        if request_id in self.seen_ids:
            where_sheet, where_row = self.seen_ids[request_id]
            problem(
                "request_id",
                "duplicate-id",
                f"expected a unique request id, found {_show(request_id)} already used on"
                f" {where_sheet} row {where_row}",
            )
        else:
            self.seen_ids[request_id] = (sheet, row_no)

        if self.out.errors > errors_before or item_id is None or quantity is None:
            return
        self.rows.append(
            {
                "request_id": request_id,
                "item_id": item_id,
                "requested_item": requested,
                "quantity": quantity,
                "priority": priority,
                "earliest": earliest if earliest is not None else 1,
                "needed_by": needed_by,
                "destination": _text(values["destination"].value)
                if "destination" in values and "destination" not in bad_cells
                else "",
                "notes": _text(values["notes"].value)
                if "notes" in values and "notes" not in bad_cells
                else "",
                "sheet": sheet,
                "row": row_no,
            }
        )

    def _period(
        self,
        values: dict[str, _Cell],
        fld: str,
        bad_cells: set[str],
        problem: Any,
        sheet: str,
        row_no: int,
        lab: dict[str, str],
    ) -> int | None:
        cell = values.get(fld)
        if cell is None or fld in bad_cells:
            return None
        try:
            parsed = parse_time(cell.value)
        except ValueError as exc:
            hint = ""
            x = _as_float(cell.value) if not isinstance(cell.value, str) else None
            if x is not None and 20_000 <= x <= 80_000:
                hint = " (an Excel date shown as a number? format the cell as a date)"
            problem(fld, "bad-date", f"{exc}, found {_show(cell.value)}{hint}")
            return None
        if parsed is None:
            return None
        if isinstance(parsed, int):
            return parsed
        if parsed < self.settings.start:
            self.issue(
                "before-start",
                f"{parsed.isoformat()} is before the plan start"
                f" {self.settings.start.isoformat()}; period 1 used",
                sheet,
                row_no,
                lab.get(fld),
                "warning",
            )
        return self.settings.period_of(parsed)


def read_requests(path: Path | str, catalog: Catalog, settings: Settings) -> RequestSet:
    """Read and validate a request workbook.

    Parameters
    ----------
    path
        The ``.xlsx`` (or ``.xlsm``) file; checked by :func:`planner.io.xlsx_safety.preflight`
        before any XML is parsed.
    catalog
        Items are matched against its ids, names and aliases.
    settings
        ``start``, ``period_days`` and ``horizon`` turn dates into periods.

    Returns
    -------
    RequestSet
        One row per request line (columns of :data:`planner.requests.REQUEST_COLUMNS`), the sheets
        read and ignored, and the warnings.

    Raises
    ------
    InputError
        With every problem found (and the warnings) when anything is wrong; see the module
        docstring for the codes.
    """
    path = Path(path)
    book = preflight(path)
    out = _Collector(book.display)
    for warning in book.warnings:
        out.add(warning)
    reader = _Reader(book.display, _Items(catalog), settings, out)
    read: list[tuple[str, int]] = []
    ignored: list[str] = []
    partial: list[Issue] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with open_readonly(book) as wb:
            worksheet_titles = set()
            failed = False
            for ws in wb.worksheets:
                worksheet_titles.add(ws.title)
                status, header_row, note = reader.read_sheet(book, ws)
                failed = failed or status == "failed"
                if status == "read" and header_row is not None:
                    read.append((ws.title, header_row))
                elif status == "ignored":
                    ignored.append(ws.title)
                    if note:
                        partial.append(note)
            ignored.extend(n for n in wb.sheetnames if n not in worksheet_titles)

    for note in partial:
        if read:  # another sheet has a full header: this one is just not a request sheet
            note = replace(note, message=note.message + "; sheet ignored", severity="warning")
        out.add(note)
    if not read and not partial and not failed:
        out.add(
            Issue(
                "no-header",
                book.display,
                f"expected a header row with an item and a quantity column in the first"
                f" {HEADER_ROWS} rows of a sheet, found none (sheets: "
                + ", ".join(f'"{n}"' for n in ignored)
                + ")",
            )
        )
    issues = out.finish()
    if read and not reader.rows and not any(i.severity == "error" for i in issues):
        issues.append(
            Issue(
                "no-requests",
                book.display,
                "expected at least one request line below the header, found none",
                sheet=read[0][0],
            )
        )
    if any(i.severity == "error" for i in issues):
        raise InputError(issues)
    table = request_frame(reader.rows)
    return RequestSet(
        source=path,
        table=table,
        sheets_read=tuple(t for t, _ in read),
        sheets_ignored=tuple(ignored),
        warnings=tuple(i for i in issues if i.severity != "error"),
    )
