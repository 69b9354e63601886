"""The what-if comparison workbook (`aidplan whatif`): one sheet per table, the chart embedded."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

SCORE_COLUMNS = ("fulfilment score", "critical-line coverage")

PERCENT_COLUMNS = {*SCORE_COLUMNS, "gap"}
MONEY_COLUMNS = {"total cost eur", "limit"}


def write_comparison(
    path: Path, sheets: dict[str, pd.DataFrame], chart_png: Path | None = None
) -> None:
    """Write the comparison workbook atomically; the chart PNG is embedded on a Chart sheet.

    Every number is a number cell; text from input files is written as text (never a formula).
    On the Requests sheet, the per-run columns are shares, shown as percentages.
    """
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image
    from openpyxl.utils import get_column_letter

    from planner.io.plan_workbook import HEADER_FILL, HEADER_FONT
    from planner.io.xlsx_write import save_workbook_atomic, set_cell

    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    for title, df in sheets.items():
        ws = wb.create_sheet(title[:31])
        cols = [str(c) for c in df.columns]
        share_cols = set(cols[4:]) if title == "Requests" else set()
        for j, name in enumerate(cols, start=1):
            cell = ws.cell(row=1, column=j)
            set_cell(cell, name)
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            width = len(name) + 2
            if len(df):
                lengths = [len(str(v)) for v in df[df.columns[j - 1]] if v is not None]
                width = max(width, max(lengths, default=0) + 2)
            ws.column_dimensions[get_column_letter(j)].width = max(9, min(48, width))
        for i, row in enumerate(df.itertuples(index=False), start=2):
            for j, (name, value) in enumerate(zip(cols, row, strict=True), start=1):
                cell = ws.cell(row=i, column=j)
                set_cell(cell, value)
                if not isinstance(cell.value, int | float) or isinstance(cell.value, bool):
                    continue
                if name in PERCENT_COLUMNS or name in share_cols:
                    cell.number_format = "0.0%" if name != "gap" else "0.00%"
                elif name in MONEY_COLUMNS:
                    cell.number_format = "#,##0"
        ws.freeze_panes = "B2" if title in ("Scenarios", "Requests") else "A2"
        if cols:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(len(df), 1) + 1}"
    if chart_png is not None:
        ws = wb.create_sheet("Chart", index=1)
        ws.add_image(Image(str(chart_png)), "A1")
    save_workbook_atomic(wb, path)
