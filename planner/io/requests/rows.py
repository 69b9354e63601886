"""Request lines of a sheet: one row's cells read into a request line (DESIGN.md §2.2).

:class:`RowReader` holds what a workbook read accumulates (lines, unknown lines, ids seen,
quantities waiting for the workbook's decimal separator, issues); :mod:`.reader` adds the
sheet level on top of it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils.cell import get_column_letter

from planner.errors import Issue
from planner.io.numbers import ambiguity_message, evidence, read_number
from planner.io.requests.cells import Cell, Collector, Merges, as_text, show
from planner.io.requests.headers import is_total_text
from planner.io.requests.items import ItemMatcher
from planner.io.requests.values import (
    check_quantity,
    read_package,
    read_priority,
    read_quantity,
    read_request_id,
)
from planner.io.xlsx_safety import SheetScan
from planner.names import quote_list
from planner.periods import AmbiguousDate, excel_serial, parse_time
from planner.schema import TEMPLATE_EXAMPLE_NOTE, Settings

_LOW_SERIAL = 1000  # a date cell below this serial is a number typed into a date cell


@dataclass
class Header:
    row: int
    columns: dict[str, int]
    labels: dict[str, str]
    texts: dict[int, str]


@dataclass
class Pending:
    """A text quantity with two readings, settled once the whole workbook is read."""

    index: int
    cell: Cell
    sheet: str
    column: str | None
    readings: tuple[float, float]
    item_id: str
    unknown: bool


@dataclass
class RowReader:
    """State of one workbook read: catalog matching, settings, issues, ids seen, lines."""

    display: str
    items: ItemMatcher
    settings: Settings
    out: Collector
    rows: list[dict[str, object]] = field(default_factory=list)
    unknown: list[dict[str, object]] = field(default_factory=list)
    seen_ids: dict[str, tuple[str, int]] = field(default_factory=dict)
    pending: list[Pending] = field(default_factory=list)
    text_numbers: list[str] = field(default_factory=list)

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
    def data_row(
        self,
        sheet: str,
        header: Header,
        row_no: int,
        cells: dict[int, Cell],
        merges: Merges,
        scan: SheetScan,
        only_formulas: list[int],
        defaulted: list[int],
    ) -> None:
        own = {f: cells[c] for f, c in header.columns.items() if c in cells}
        pending = {
            f: scan.formulas_without_value[(row_no, c)]
            for f, c in header.columns.items()
            if f not in own and (row_no, c) in scan.formulas_without_value
        }
        if not own and pending:
            only_formulas.append(row_no)
            return
        lab = header.labels
        if self._skipped_line(sheet, header, row_no, cells, own, pending) or not own:
            return
        errors_before = self.out.errors

        def problem(fld: str, code: str, message: str, severity: str = "error") -> None:
            self.issue(code, message, sheet, row_no, lab.get(fld), severity)

        values: dict[str, Cell] = dict(own)
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
                    f" {show(top.value)} belongs to row {rng[0]} only); unmerge and fill each row",
                )
                continue
            values[fld] = top
            if (rng[0], col) not in merges.warned:
                merges.warned.add((rng[0], col))
                self.issue(
                    "merged-fill",
                    f"value {show(top.value)} of merged cells {where} used for rows"
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
        unknown = False
        requested = ""
        item_cell = values.get("item")
        if item_cell is None:
            if "item" not in pending:
                problem("item", "missing-value", "expected an item, found an empty cell")
        elif "item" not in bad_cells:
            requested = as_text(item_cell.value)
            item_id = self.items.find(requested)
            if item_id is None:
                hint = quote_list(self.items.closest(requested))
                if self.settings.keep_unknown:
                    unknown = True
                    problem(
                        "item",
                        "unknown-item",
                        f"unknown item {show(item_cell.value)} ({hint}); kept as an unmet line"
                        ' "not in the catalog" (--keep-unknown)',
                        "warning",
                    )
                else:
                    problem(
                        "item",
                        "unknown-item",
                        f"unknown item {show(item_cell.value)} ({hint}); --keep-unknown plans"
                        " the rest and reports this line as unmet",
                    )

        quantity: float | None = None
        ambiguous: tuple[float, float] | None = None
        q_cell = values.get("quantity")
        if q_cell is None:
            if "quantity" not in pending and "quantity" not in merged_away:
                problem("quantity", "missing-value", "expected a quantity, found an empty cell")
        elif "quantity" not in bad_cells:
            if isinstance(q_cell.value, str):
                self.text_numbers.append(q_cell.value)
            read = read_quantity(q_cell, self.settings.decimal_separator)
            if read.problem:
                problem("quantity", *read.problem)
            ambiguous, quantity = read.ambiguous, read.value
            if quantity is not None and item_id is not None:
                quantity = self._whole(quantity, item_id, q_cell, problem)

        unit_cell = values.get("unit_of_measure")
        if unit_cell is not None and item_id is not None and isinstance(unit_cell.value, str):
            why = self.items.unit_problem(item_id, unit_cell.value)
            if why:
                problem("unit_of_measure", "unit-mismatch", why, "warning")

        priority = 3
        p_cell = values.get("priority")
        if p_cell is not None and "priority" not in bad_cells:
            value, prob = read_priority(p_cell)
            if prob:
                problem("priority", *prob)
            else:
                priority = value  # type: ignore[assignment]
        elif p_cell is None:
            defaulted.append(row_no)

        earliest = self._period(values, "earliest", bad_cells, problem, sheet, row_no, lab)
        needed_by = self._period(values, "needed_by", bad_cells, problem, sheet, row_no, lab)
        if earliest is not None and earliest > self.settings.horizon:
            last = self.settings.date_of(self.settings.horizon + 1) - dt.timedelta(days=1)
            problem(
                "earliest",
                "after-horizon",
                f"expected a time within the plan (up to {last.isoformat()}, period"
                f" {self.settings.horizon}), found {show(values['earliest'].value)}"
                f" (period {earliest})",
            )
        if needed_by is not None and needed_by > self.settings.horizon:
            problem(
                "needed_by",
                "deadline-after-horizon",
                f"needed by {show(values['needed_by'].value)} (period {needed_by}) is after the"
                f" plan's {self.settings.horizon} periods: no deadline inside the horizon",
                "warning",
            )
            needed_by = None
        if earliest is not None and needed_by is not None and needed_by < earliest:
            problem(
                "needed_by",
                "date-order",
                f"expected a needed-by time on or after earliest (period {earliest}), found"
                f" {show(values['needed_by'].value)} (period {needed_by})",
            )

        package = True
        pk_cell = values.get("package")
        if pk_cell is not None and "package" not in bad_cells:
            asked, prob = read_package(pk_cell)
            if prob:
                problem("package", *prob)
            elif asked is not None:
                package = asked
                if asked and item_id is not None and not self.items.is_system(item_id):
                    problem(
                        "package",
                        "not-a-system",
                        f"package = yes, but {item_id!r} has no components (items.csv"
                        " requires): planned as the item alone",
                        "warning",
                    )

        rid_cell = values.get("request_id")
        request_id = (
            read_request_id(rid_cell)
            if rid_cell is not None and "request_id" not in bad_cells
            else ""
        )
        if not request_id:
            request_id = f"{sheet}-{row_no}"
        if request_id in self.seen_ids:
            where_sheet, where_row = self.seen_ids[request_id]
            problem(
                "request_id",
                "duplicate-id",
                f"expected a unique request id, found {show(request_id)} already used on"
                f" {where_sheet} row {where_row}",
            )
        else:
            self.seen_ids[request_id] = (sheet, row_no)

        if self.out.errors > errors_before or (item_id is None and not unknown):
            return
        if quantity is None and ambiguous is None:
            return
        line: dict[str, object] = {
            "request_id": request_id,
            "item_id": item_id or "",
            "requested_item": requested,
            "quantity": quantity if quantity is not None else float("nan"),
            "priority": priority,
            "earliest": earliest if earliest is not None else 1,
            "needed_by": needed_by,
            "destination": as_text(values["destination"].value)
            if "destination" in values and "destination" not in bad_cells
            else "",
            "notes": as_text(values["notes"].value)
            if "notes" in values and "notes" not in bad_cells
            else "",
            "sheet": sheet,
            "row": row_no,
            "package": package,
        }
        if line["notes"] == TEMPLATE_EXAMPLE_NOTE:
            problem(
                "notes",
                "example-row",
                "this is the template's example row (its note says to overwrite or delete it);"
                " it is planned like any other line",
                severity="warning",
            )
        target = self.unknown if unknown else self.rows
        target.append(line)
        if ambiguous is not None and q_cell is not None:
            self.pending.append(
                Pending(
                    len(target) - 1,
                    q_cell,
                    sheet,
                    lab.get("quantity"),
                    ambiguous,
                    item_id or "",
                    unknown,
                )
            )

    def _skipped_line(
        self,
        sheet: str,
        header: Header,
        row_no: int,
        cells: dict[int, Cell],
        own: dict[str, Cell],
        pending: dict[str, str],
    ) -> bool:
        """Totals, sums, signatures and notes below the table: skipped with a warning."""
        item = own.get("item")
        item_text = as_text(item.value) if item is not None and item.kind != "e" else ""
        for col, cell in sorted(cells.items()):
            if not isinstance(cell.value, str) or not is_total_text(cell.value):
                continue
            if item_text and (cell is not item or self.items.find(item_text) is not None):
                continue
            self.issue(
                "total-row",
                f"skipped: a totals or signature line ({get_column_letter(col)}"
                f" {show(cell.value)})",
                sheet,
                row_no,
                severity="warning",
            )
            return True
        if "item" in own or "quantity" in own or pending or not (self.rows or self.unknown):
            return False
        if any(c.kind == "e" for c in own.values()):
            return False
        shown = ", ".join(
            f"{get_column_letter(c)} {show(v.value)}" for c, v in sorted(cells.items())[:3]
        )
        self.issue(
            "note-row",
            f"skipped: no item and no quantity ({shown})",
            sheet,
            row_no,
            severity="warning",
        )
        return True

    def _whole(self, quantity: float, item_id: str, cell: Cell, problem: Any) -> float | None:
        if self.items.integer.get(item_id) and not quantity.is_integer():
            problem(
                "quantity",
                "not-whole",
                f"expected a whole number ({self.items.names[item_id]} comes in whole"
                f" units), found {show(cell.value)}",
            )
            return None
        return quantity

    def _period(
        self,
        values: dict[str, Cell],
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
        if isinstance(cell.value, dt.datetime | dt.date):
            day = cell.value.date() if isinstance(cell.value, dt.datetime) else cell.value
            serial = excel_serial(day)
            if serial < _LOW_SERIAL:
                problem(
                    fld,
                    "bad-date",
                    f"expected a date, found the number {serial} in a date-formatted cell"
                    f" (shown as {day:%d.%m.%Y}); a week number? write W{serial} for plan week"
                    f" {serial}, or type the full date",
                )
                return None
        try:
            parsed = parse_time(cell.value, self.settings.date_order)
        except AmbiguousDate as exc:
            problem(fld, "ambiguous-date", str(exc))
            return None
        except ValueError as exc:
            hint = ""
            x = cell.value if isinstance(cell.value, int | float) else None
            if x is not None and 20_000 <= x <= 80_000:
                hint = " (an Excel date shown as a number? format the cell as a date)"
            problem(fld, "bad-date", f"{exc}, found {show(cell.value)}{hint}")
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

    def settle(self) -> None:
        """Give ambiguous text quantities the workbook's decimal separator, or an error."""
        if not self.pending:
            return
        decimal = self.settings.decimal_separator or evidence(self.text_numbers)
        for p in self.pending:
            text = str(p.cell.value)
            if decimal is None:
                self.issue(
                    "ambiguous-number",
                    ambiguity_message(text, p.readings)
                    + " (no other number in the workbook shows which)",
                    p.sheet,
                    p.cell.row,
                    p.column,
                )
                continue
            value = read_number(text, decimal).value
            assert value is not None
            read = check_quantity(value, p.cell)
            line = (self.unknown if p.unknown else self.rows)[p.index]
            if read.problem:
                self.issue(*read.problem, p.sheet, p.cell.row, p.column)  # type: ignore[misc]
                continue

            def problem(fld: str, code: str, message: str, at: Pending = p) -> None:
                self.issue(code, message, at.sheet, at.cell.row, at.column)

            q = self._whole(read.value, p.item_id, p.cell, problem) if read.value else None
            if q is None:
                continue
            line["quantity"] = q
            source = "setting" if self.settings.decimal_separator else "workbook's other numbers"
            self.issue(
                "number-settled",
                f"{show(text)} read as {q:g}: the {source} use"
                f" {'a decimal comma' if decimal == ',' else 'a decimal point'}",
                p.sheet,
                p.cell.row,
                p.column,
                "warning",
            )
