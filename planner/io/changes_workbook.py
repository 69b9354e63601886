"""The ``aidplan diff`` workbook: a Summary sheet and the Changes sheet (planner.changes),
written with the plan workbook's writer (planner.io.sheet_writer: plain-word headers, number
cells, text never evaluated)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def write_changes_workbook(path: Path, summary: pd.DataFrame, changes: pd.DataFrame) -> None:
    """Write ``summary`` (key, value) and ``changes`` (planner.changes.CHANGE_COLUMNS) to
    ``path`` atomically (planner.io.xlsx_write.write_atomic): the old file survives any failure.

    Headers are plain words (planner.io.sheet_writer.header_text: ``old_quantity`` → "Old
    quantity", ``request_id`` → "Request"); every number is a number cell; text from the plans
    is written as text, never a formula.
    """
    from planner.io.sheet_writer import SheetWriter
    from planner.io.xlsx_write import write_atomic

    def write(tmp: Path) -> None:
        w = SheetWriter(tmp)
        for title, df in (("Summary", summary), ("Changes", changes)):
            columns = [str(c) for c in df.columns]
            data = [df[c].to_numpy(dtype=object) for c in df.columns]
            w.table(title, columns, data)
        w.close()

    write_atomic(Path(path), write)
