"""The what-if comparison workbook (`aidplan whatif`): one sheet per table and a Chart sheet
with native Excel charts of the fulfilment score and critical-line coverage of every run.

Written with XlsxWriter through planner.io.sheet_writer (typed cells, text never a formula,
print setup) and planner.io.xlsx_write.write_atomic.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.io.xlsx_write import write_atomic

if TYPE_CHECKING:
    import pandas as pd

    from planner.io.sheet_writer import SheetWriter

SCORE_COLUMNS = ("fulfilment score", "critical-line coverage")
SERIES = (
    ("fulfilment score", "Fulfilment score"),
    ("critical-line coverage", "Critical-line coverage (priority 1)"),
)
PERCENT_COLUMNS = {*SCORE_COLUMNS}
MONEY_COLUMNS = {"total cost eur", "limit", "used"}  # "used" beside "limit", as in a plan
CHART_DATA_ROW = 22  # the Chart sheet's data table starts below the charts


def _kinds(title: str, columns: list[str]) -> dict[str, str]:
    """Number formats by column: scores and per-run shares as %, gap as 0.00 %, money."""
    kinds: dict[str, str] = {c: "share" for c in columns if c in PERCENT_COLUMNS}
    kinds.update({c: "money" for c in columns if c in MONEY_COLUMNS})
    if "gap" in columns:
        kinds["gap"] = "gap"
    if title == "Requests":
        kinds.update({c: "share" for c in columns[4:]})
    if title == "Scenarios":
        kinds.update({c: "units" for c in columns if c.startswith("P") and " " in c})
        kinds["budget_scale"] = "plain"
    return kinds


def _headers(columns: list[str]) -> list[str]:
    """Column names that are already words stay as they are; snake_case ones get words."""
    from planner.io.sheet_writer import header_text

    return [header_text(c) if "_" in c or c.endswith((" eur", " s")) else c for c in columns]


def _chart_sheet(w: SheetWriter, scenarios: pd.DataFrame) -> None:
    """The Chart sheet: both measures of every run, against the budget scale (one line per
    scenario) when some scenario ran at several scales, else as bars; the data below."""
    import numpy as np

    ws = w.book.add_worksheet("Chart")
    data = scenarios.dropna(subset=["fulfilment score"])
    sweep = bool(len(data)) and bool(
        (data.groupby("family", sort=False)["budget_scale"].nunique() > 1).any()
    )
    if sweep:
        data = data.sort_values(["family", "budget_scale"], kind="stable")
        cols = ["family", "budget_scale", *SCORE_COLUMNS]
    else:
        cols = ["scenario", *SCORE_COLUMNS]
    table = [data[c].to_numpy(dtype=object) for c in cols]
    w.table(
        "Chart",
        cols,
        table,
        first_row=CHART_DATA_ROW,
        ws=ws,
        headers=_headers(cols),
        kinds={c: "share" for c in SCORE_COLUMNS} | {"budget_scale": "plain"},
    )
    first = CHART_DATA_ROW + 1
    # A sweep's lines are drawn from a round tenth below the lowest share, as the PNG is.
    shares = data[list(SCORE_COLUMNS)].to_numpy(dtype=float)
    low = float(np.nanmin(shares)) if len(data) and np.isfinite(shares).any() else 0.0
    y_min = max(0.0, math.floor(low * 10 - 0.5) / 10) if sweep else 0.0
    for k, (col, name) in enumerate(SERIES):
        j = cols.index(col)
        if sweep:
            chart = w.book.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
            families = [str(f) for f in data["family"]]
            start = 0
            for i in range(1, len(families) + 1):
                if i == len(families) or families[i] != families[start]:
                    chart.add_series(
                        {
                            "name": families[start],
                            "categories": ["Chart", first + start, 1, first + i - 1, 1],
                            "values": ["Chart", first + start, j, first + i - 1, j],
                            "marker": {"type": "circle", "size": 5},
                        }
                    )
                    start = i
            chart.set_x_axis({"name": "budget scale (× every donor's budget)"})
            chart.set_legend({"position": "bottom"})
        else:
            chart = w.book.add_chart({"type": "column"})
            chart.add_series(
                {
                    "name": name,
                    "categories": ["Chart", first, 0, first + len(data) - 1, 0],
                    "values": ["Chart", first, j, first + len(data) - 1, j],
                    "fill": {"color": "#1F4E78"},
                    "data_labels": {"value": True, "num_format": "0%"},
                }
            )
            chart.set_legend({"none": True})
        chart.set_title({"name": name, "name_font": {"size": 11}})
        chart.set_y_axis({"min": y_min, "max": 1, "num_format": "0%"})
        chart.set_size({"width": 560, "height": 400})
        ws.insert_chart(0, 8 * k, chart)


def write_comparison_sheets(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    """Write the comparison workbook to ``path`` directly (see `write_comparison`)."""
    from planner.io.sheet_writer import SheetWriter

    w = SheetWriter(path)
    for title, df in sheets.items():
        columns = [str(c) for c in df.columns]
        data: list[Any] = [df[c].to_numpy(dtype=object) for c in df.columns]
        freeze = 1 if title in ("Scenarios", "Requests") else 0
        w.table(
            title,
            columns,
            data,
            freeze_cols=freeze,
            kinds=_kinds(title, columns),
            headers=_headers(columns),
        )
        if title == "Scenarios" and "fulfilment score" in df.columns:
            _chart_sheet(w, df)
    w.close()


def write_comparison(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    """Write the comparison workbook atomically: the sheets in order, with a Chart sheet of
    native Excel charts after Scenarios.

    Every number is a number cell; text from input files is written as text (never a formula).
    On the Requests sheet, the per-run columns are shares, shown as percentages.
    """
    write_atomic(Path(path), lambda tmp: write_comparison_sheets(tmp, sheets))
