"""Write a plan as the §5 workbook (atomically) or as JSON; every number a number cell."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from planner.io.xlsx_write import FORMULA_START, safe_value, save_workbook_atomic

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
PERCENT_COLUMNS = {"utilisation", "budget_used", "fulfilment score"}
MONEY_COLUMNS = {"budget_eur", "spent_eur", "cost_eur", "unit_cost_eur", "total cost eur"}
STATUS_FILL = {
    "met": PatternFill("solid", fgColor="C6EFCE"),
    "partly met": PatternFill("solid", fgColor="FFEB9C"),
    "unmet": PatternFill("solid", fgColor="FFC7CE"),
}


def _number_format(column: str) -> str | None:
    if column in PERCENT_COLUMNS:
        return "0.0%"
    if column in MONEY_COLUMNS:
        return "#,##0"
    return None


def _cell(ws: WriteOnlyWorksheet, value: object, column: str) -> object:
    """A plain value where safe; a styled text cell for formula-like text and formats."""
    v = safe_value(value)
    fmt = _number_format(column)
    if isinstance(v, str):
        c = WriteOnlyCell(ws, value=v)
        c.data_type = "s"
        if v.startswith(FORMULA_START):
            c.quotePrefix = True  # type: ignore[attr-defined]
        fill = STATUS_FILL.get(v) if column == "status" else None
        if fill is not None:
            c.fill = fill
        return c
    if fmt is not None and isinstance(v, int | float) and not isinstance(v, bool):
        c = WriteOnlyCell(ws, value=v)
        c.number_format = fmt
        return c
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        c = WriteOnlyCell(ws, value=v)
        c.number_format = "yyyy-mm-dd"
        return c
    return v


def _summary_cell(ws: WriteOnlyWorksheet, key: str, value: object) -> object:
    return _cell(ws, value, key)


def add_sheet(wb: Workbook, title: str, df: pd.DataFrame) -> None:
    """One sheet: styled header, frozen first row, auto filter, widths from the content."""
    ws = wb.create_sheet(title=title[:31])
    cols = [str(c) for c in df.columns]
    widths = [max(10, min(45, len(c) + 2)) for c in cols]
    sample = df.head(200)
    for i, c in enumerate(cols):
        if len(sample):
            # pandas 3 keeps NaN as NaN in astype(str): an all-empty column has no length.
            longest = sample[c].astype(str).str.len().max()
            if pd.notna(longest):
                widths[i] = max(widths[i], min(45, int(longest) + 2))
        ws.column_dimensions[get_column_letter(i + 1)].width = widths[i]
    ws.freeze_panes = "A2"
    if len(cols):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(len(df), 1) + 1}"
    header = []
    for c in cols:
        cell = WriteOnlyCell(ws, value=c)
        cell.data_type = "s"
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        header.append(cell)
    ws.append(header)
    if title == "Summary":
        for key, value in zip(df["key"], df["value"], strict=True):
            ws.append([_cell(ws, key, "key"), _summary_cell(ws, str(key), value)])
        return
    columns = [
        _column_cells(ws, df[c].tolist(), name) for c, name in zip(df.columns, cols, strict=True)
    ]
    for row in zip(*columns, strict=True):
        ws.append(list(row))


def _column_cells(ws: WriteOnlyWorksheet, values: list[object], column: str) -> list[object]:
    """The cells of one column, as `_cell` makes them, with the per-column work done once.

    Plain text that needs no style is handed to openpyxl as a str (it becomes a string cell,
    as a text cell would; only text starting with "=" would become a formula, and such text
    always gets a styled text cell here). Building a cell object per value was a fifth of
    the time of writing a large plan.
    """
    status = column == "status"
    fmt = _number_format(column)
    out: list[object] = []
    append = out.append
    for value in values:
        v = safe_value(value)
        if isinstance(v, str):
            if (status and v in STATUS_FILL) or v.startswith(FORMULA_START):
                append(_cell(ws, v, column))
            else:
                append(v)
        elif v is None or isinstance(v, bool):
            append(v)
        elif fmt is not None or isinstance(v, dt.date):
            append(_cell(ws, v, column))
        else:
            append(v)
    return out


def write_workbook(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    """Write ``sheets`` (in order) to ``path`` atomically: the old file survives any failure."""
    wb = Workbook(write_only=True)
    for title, df in sheets.items():
        add_sheet(wb, title, df)
    save_workbook_atomic(wb, path)


def plan_sheets(
    result: Any, inputs: pd.DataFrame, changes: pd.DataFrame | None = None
) -> dict[str, pd.DataFrame]:
    """The §5 sheets of a PlanResult, in order, then any extra sheets (e.g. Bottlenecks), the
    Changes sheet of a re-plan (planner.changes.plan_changes) when given, and Inputs."""
    sheets = {
        "Summary": result.summary,
        "Allocations": result.allocations,
        "Requests": result.requests,
        "Donors": result.donors,
        "Corridors": result.corridors,
    }
    sheets.update(result.extra_sheets)
    if changes is not None:
        sheets["Changes"] = changes
    sheets["Inputs"] = inputs
    return sheets


def _json_value(v: object) -> object:
    v = safe_value(v)
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def sheets_to_json(sheets: dict[str, pd.DataFrame]) -> str:
    """The same content as the workbook, as JSON: summary as an object, other sheets as rows."""
    out: dict[str, Any] = {}
    for title, df in sheets.items():
        if title == "Summary":
            out[title.lower()] = {
                str(k): _json_value(v) for k, v in zip(df["key"], df["value"], strict=True)
            }
            continue
        cols = [str(c) for c in df.columns]
        arrays = [df[c].to_numpy(dtype=object) for c in df.columns]
        out[title.lower()] = [
            {c: _json_value(v) for c, v in zip(cols, row, strict=True)}
            for row in zip(*arrays, strict=True)
        ]
    return json.dumps(out, ensure_ascii=False, indent=1, default=str)


__all__ = ["plan_sheets", "sheets_to_json", "write_workbook"]
