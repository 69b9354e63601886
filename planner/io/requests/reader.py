"""The request workbook reader: sheets, header, rows (DESIGN.md §2.2); see the package docstring."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from openpyxl.utils.cell import get_column_letter

from planner.catalog import Catalog
from planner.errors import InputError, Issue
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
    match_header,
)
from planner.io.requests.items import ItemMatcher
from planner.io.requests.rows import Header, RowReader
from planner.io.xlsx_safety import (
    CheckedWorkbook,
    SheetScan,
    SheetScanError,
    open_readonly,
    preflight,
    read_failure,
    scan_sheet,
)
from planner.requests import RequestSet, request_frame
from planner.schema import Settings

SCAN_ROWS = 500  # rows of a sheet without a header searched for catalog items


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
class _Reader(RowReader):
    """A workbook read: the sheets, their headers and hidden parts; rows in RowReader."""

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
                    " package, notes); column not read",
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
