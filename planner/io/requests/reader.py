"""The request workbook reader: sheets, header, rows (DESIGN.md §2.2); see the package docstring."""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from openpyxl.utils.cell import get_column_letter

from planner.catalog import Catalog
from planner.errors import InputError, Issue
from planner.io.numbers import ambiguity_message, evidence, read_number
from planner.io.requests.cells import (
    Cell,
    Collector,
    Merges,
    SheetUnreadable,
    as_text,
    label,
    row_cells,
    sheet_rows,
    show,
)
from planner.io.requests.headers import (
    CONTAINED_RANK,
    FIELD_ALIASES,
    HEADER_ROWS,
    header_key,
    is_total_text,
    match_header,
)
from planner.io.requests.items import ItemMatcher
from planner.io.requests.values import (
    check_quantity,
    read_priority,
    read_quantity,
    read_request_id,
)
from planner.io.xlsx_safety import (
    CheckedWorkbook,
    SheetScan,
    SheetScanError,
    open_readonly,
    preflight,
    read_failure,
    scan_sheet,
)
from planner.names import quote_list
from planner.periods import AmbiguousDate, excel_serial, parse_time
from planner.requests import RequestSet, request_frame
from planner.schema import Settings

SCAN_ROWS = 500  # rows of a sheet without a header searched for catalog items
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


HIDDEN_RANK = 1000  # a hidden column read with include_hidden never outranks a visible one


def _header_matches(
    cells: dict[int, Cell], hidden: set[int] | frozenset[int] = frozenset()
) -> dict[str, list[tuple[int, int, str]]]:
    """Field -> [(rank, column, header text)] for the text cells of one row; columns in
    ``hidden`` rank after every visible one."""
    found: dict[str, list[tuple[int, int, str]]] = {}
    for col, cell in sorted(cells.items()):
        if not isinstance(cell.value, str):
            continue
        hit = match_header(cell.value)
        if hit is not None:
            rank = hit[1] + (HIDDEN_RANK if col in hidden else 0)
            found.setdefault(hit[0], []).append((rank, col, cell.value))
    return found


def _exact(found: dict[str, list[tuple[int, int, str]]], fld: str) -> bool:
    """Whether a row holds a header cell that names ``fld`` exactly (not a contained word)."""
    return any(rank < CONTAINED_RANK for rank, _col, _text in found.get(fld, []))


def _is_catalog_listing(header_like: list[tuple[int, list[str]]]) -> bool:
    """Whether a sheet is a copy of the catalog as ``aidplan template`` writes it (its Items
    sheet): a lookup list, not a request."""
    from planner.io.template import ITEM_COLUMNS

    wanted = {header_key(h) for h, _field, _width in ITEM_COLUMNS[:2]}
    return any(wanted <= {header_key(t) for t in texts} for _row, texts in header_like)


def _expected_headers() -> str:
    return (
        f"an item column ({', '.join(FIELD_ALIASES['item'][:6])} …) and a quantity column"
        f" ({', '.join(FIELD_ALIASES['quantity'][:5])} …)"
    )


@dataclass
class _Reader:
    """State of one workbook read: catalog matching, settings, issues, seen ids, rows."""

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
    def header(
        self, sheet: str, row_no: int, cells: dict[int, Cell], found: dict[str, Any]
    ) -> Header:
        columns: dict[str, int] = {}
        labels: dict[str, str] = {}
        for fld, hits in found.items():
            hits = sorted(hits)
            best_rank, best_col, best_text = hits[0]
            columns[fld], labels[fld] = best_col, label(best_col, best_text)
            for rank, col, text in hits[1:]:
                if rank == best_rank:
                    self.issue(
                        "duplicate-column",
                        f"expected one {fld} column, found a second one (the first is"
                        f" {labels[fld]})",
                        sheet,
                        row_no,
                        label(col, text),
                    )
                else:
                    self.issue(
                        "column-ignored",
                        f"ignored: {labels[fld]} is used for {fld}",
                        sheet,
                        row_no,
                        label(col, text),
                        "warning",
                    )
        placed = {c for hits in found.values() for _r, c, _t in hits}
        texts = {c: as_text(cell.value) for c, cell in cells.items()}
        for col, cell in sorted(cells.items()):
            if col not in placed and isinstance(cell.value, str):
                self.issue(
                    "unknown-header",
                    f"header {show(cell.value)} names no field the planner reads (item,"
                    " quantity, priority, needed_by, earliest, destination, unit, request_id,"
                    " notes); column not read",
                    sheet,
                    row_no,
                    label(col, cell.value),
                    "warning",
                )
        return Header(row_no, columns, labels, texts)

    # -- sheets ------------------------------------------------------------------------------
    def read_sheet(self, book: CheckedWorkbook, ws: Any) -> tuple[str, int | None, Issue | None]:
        """Read one sheet. Returns (status, header row, why a near-header does not count).

        status: "read", "ignored", "hidden" or "failed".
        """
        title = str(ws.title)
        state = str(getattr(ws, "sheet_state", "visible") or "visible")
        if state != "visible" and not self.settings.include_hidden:
            self.issue(
                "hidden-sheet",
                f"the sheet is {'very hidden' if state == 'veryHidden' else 'hidden'} and was"
                " not read (--include-hidden reads it)",
                title,
                severity="warning",
            )
            return "hidden", None, None
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
                    f"expected a number, found {show(text)} stored as a number cell (the program"
                    " that wrote the file stored an invalid number); this sheet was not read",
                    title,
                    r,
                    get_column_letter(c),
                )
            return "failed", None, None
        hidden_rows = set() if self.settings.include_hidden else scan.hidden_rows
        hidden_cols = set() if self.settings.include_hidden else scan.hidden_cols
        merges = Merges(scan.merges)
        header: Header | None = None
        partial: Issue | None = None
        only_formulas: list[int] = []
        hidden_content: dict[int, Cell] = {}
        header_like: list[tuple[int, list[str]]] = []
        item_seen: tuple[int, int, str] | None = None
        defaulted: list[int] = []
        try:
            for row_no, raw in sheet_rows(ws):
                cells = row_cells(raw, row_no)
                if hidden_cols:
                    for col in [c for c in cells if c in hidden_cols]:
                        hidden_content.setdefault(col, cells.pop(col))
                if row_no in hidden_rows:
                    if cells and header is not None:
                        shown = ", ".join(
                            f"{get_column_letter(c)} {show(cell.value)}"
                            for c, cell in sorted(cells.items())[:4]
                        )
                        self.issue(
                            "hidden-row",
                            f"the row is hidden (by hand or by a filter) and was not read:"
                            f" {shown} (--include-hidden reads it)",
                            title,
                            row_no,
                            severity="warning",
                        )
                    continue
                merges.remember(cells)
                if header is None:
                    if row_no > HEADER_ROWS:
                        item_seen = item_seen or self._item_cell(cells)
                        if item_seen or row_no > SCAN_ROWS:
                            break
                        continue
                    texts = [as_text(c.value) for c in cells.values() if isinstance(c.value, str)]
                    if len(texts) >= 2:
                        header_like.append((row_no, texts))
                    item_seen = item_seen or self._item_cell(cells)
                    found = _header_matches(cells, scan.hidden_cols)
                    if "item" in found and "quantity" in found:
                        header = self.header(title, row_no, cells, found)
                    elif partial is None and _exact(found, "item") != _exact(found, "quantity"):
                        has = "item" if _exact(found, "item") else "quantity"
                        lacks = "quantity" if has == "item" else "item"
                        _rank, col, text = sorted(found[has])[0]
                        partial = Issue(
                            "missing-column",
                            self.display,
                            f"expected a header with an item and a quantity column, found"
                            f" {label(col, text)} but no {lacks} column (one of:"
                            f" {', '.join(FIELD_ALIASES[lacks][:8])})",
                            title,
                            row_no,
                        )
                    continue
                if cells or scan.formulas_without_value:
                    self.data_row(
                        title, header, row_no, cells, merges, scan, only_formulas, defaulted
                    )
        except SheetUnreadable as exc:
            self.out.add(read_failure(self.display, exc.cause, sheet=title))
            return "failed", None, None
        for col, cell in sorted(hidden_content.items()):
            head = as_text(cell.value) if header is not None and cell.row == header.row else None
            what = label(col, head) if head else get_column_letter(col)
            self.issue(
                "hidden-column",
                f"column {what} is hidden and was not read (--include-hidden reads it)",
                title,
                cell.row,
                what,
                "warning",
            )
        if header is None:
            if item_seen is not None and _is_catalog_listing(header_like):
                return "ignored", None, None
            if item_seen is not None and partial is not None:
                self.out.add(partial)  # an error even when another sheet is read
                return "failed", None, None
            if item_seen is not None:
                r, c, text = item_seen
                near = [t for n, t in header_like if n < r] or [t for _n, t in header_like]
                found_txt = ", ".join(f'"{t}"' for t in (near[-1] if near else [])[:10])
                self.issue(
                    "unrecognised-sheet",
                    f"the sheet holds catalog items ({get_column_letter(c)}{r} {show(text)}) but"
                    f" no header the planner recognises: found {found_txt or 'no header texts'};"
                    f" expected {_expected_headers()} in the first {HEADER_ROWS} rows",
                    title,
                )
                return "failed", None, None
            return "ignored", None, partial
        self._after_sheet(title, header, only_formulas, defaulted, scan)
        return "read", header.row, None

    def _item_cell(self, cells: dict[int, Cell]) -> tuple[int, int, str] | None:
        for col, cell in sorted(cells.items()):
            if isinstance(cell.value, str) and self.items.find(cell.value) is not None:
                return cell.row, col, cell.value
        return None

    def _after_sheet(
        self,
        title: str,
        header: Header,
        only_formulas: list[int],
        defaulted: list[int],
        scan: SheetScan,
    ) -> None:
        if defaulted:
            rows = ", ".join(map(str, defaulted[:10])) + (" …" if len(defaulted) > 10 else "")
            where = (
                "there is no priority column"
                if "priority" not in header.columns
                else f"the priority cell is empty (rows {rows})"
            )
            self.issue(
                "default-priority",
                f"{len(defaulted)} line(s) planned as priority 3 (medium): {where}",
                title,
                defaulted[0] if "priority" in header.columns else header.row,
                header.labels.get("priority"),
                "warning",
            )
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

    # -- rows --------------------------------------------------------------------------------
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
        }
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
        ``start``, ``period_days`` and ``horizon`` turn dates into periods;
        ``decimal_separator`` and ``date_order`` settle texts with two readings;
        ``include_hidden`` reads hidden sheets, rows and columns; ``keep_unknown`` keeps
        lines whose item is not in the catalog (``RequestSet.unknown``).

    Returns
    -------
    RequestSet
        One row per request line (columns of :data:`planner.requests.REQUEST_COLUMNS`), the sheets
        read and ignored, the lines kept as unknown, and the warnings.

    Raises
    ------
    InputError
        With every problem found (and the warnings) when anything is wrong; see the package
        docstring for the codes.
    """
    path = Path(path)
    book = preflight(path)
    out = Collector(book.display)
    for warning in book.warnings:
        out.add(warning)
    reader = _Reader(book.display, ItemMatcher(catalog), settings, out)
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
    reader.settle()

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
    has_lines = reader.rows or reader.unknown
    if read and not has_lines and not any(i.severity == "error" for i in issues):
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
    return RequestSet(
        source=path,
        table=request_frame(reader.rows),
        sheets_read=tuple(t for t, _ in read),
        sheets_ignored=tuple(ignored),
        warnings=tuple(i for i in issues if i.severity != "error"),
        unknown=request_frame(reader.unknown),
    )


__all__ = ["read_requests"]
