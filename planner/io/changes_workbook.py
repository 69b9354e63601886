"""The ``aidplan diff`` workbook: a Summary sheet and the Changes sheet (planner.changes)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def write_changes_workbook(path: Path, summary: pd.DataFrame, changes: pd.DataFrame) -> None:
    """Write ``summary`` (key, value) and ``changes`` (planner.changes.CHANGE_COLUMNS) to
    ``path`` atomically (planner.io.xlsx_write.write_atomic): the old file survives any failure.

    Every number is a number cell; text from the plans is written as text, never a formula.
    """
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    from planner.io.plan_workbook import HEADER_FILL, HEADER_FONT
    from planner.io.xlsx_write import set_cell, write_atomic

    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    for title, df in (("Summary", summary), ("Changes", changes)):
        ws = wb.create_sheet(title)
        cols = [str(c) for c in df.columns]
        for j, name in enumerate(cols, start=1):
            cell = ws.cell(row=1, column=j)
            set_cell(cell, name)
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            width = max([len(name)] + [len(str(v)) for v in df[name].head(200)])
            ws.column_dimensions[get_column_letter(j)].width = max(10, min(60, width + 2))
        for i, row in enumerate(df.itertuples(index=False), start=2):
            for j, value in enumerate(row, start=1):
                set_cell(ws.cell(row=i, column=j), value)
        ws.freeze_panes = "A2"
    write_atomic(path, lambda tmp: wb.save(tmp))
