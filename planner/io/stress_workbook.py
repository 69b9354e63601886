"""The `aidplan stress` workbook, written with XlsxWriter (its charts with XlsxWriter's chart API).

Sheets: Summary (key figures, a histogram of both views' fulfilment scores), Distribution (P10,
P50, P90, mean, min, max per view, then the histogram's bins), Requests (per line: probability
of being met on time and of staying unmet, most often unmet first, with a chart of the top
lines), Binding (corridors and budgets, most often binding first, with a chart), Samples (one row
per sample), Inputs. Every number is a number cell; text from input files is written as text
(``write_string``), never as a formula. The file is replaced atomically
(planner.io.xlsx_write.write_atomic): an interrupted run leaves the old file as it was.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.io.xlsx_write import write_atomic

HEADERS = {
    "key": "Key figure",
    "value": "Value",
    "view": "View",
    "p10": "P10 score",
    "p50": "P50 score",
    "p90": "P90 score",
    "mean": "Mean score",
    "min": "Lowest score",
    "max": "Highest score",
    "request_id": "Request",
    "item_id": "Item",
    "priority": "Priority",
    "quantity": "Quantity (units)",
    "base_on_time_p": "Met on time, plan as it stands (share of samples)",
    "replan_on_time_p": "Met on time, re-planned (share of samples)",
    "base_unmet_p": "Not fully met, plan as it stands (share of samples)",
    "replan_unmet_p": "Not fully met, re-planned (share of samples)",
    "kind": "Kind",
    "id": "Id",
    "name": "Name",
    "binding_p": "Binding in re-plans (share of samples)",
    "sample": "Sample",
    "base_score": "Score, plan as it stands",
    "replan_score": "Score, re-planned",
    "status": "Re-plan status",
    "stages": "Re-plan stages solved",
    "gap": "Re-plan gap to its bound (fraction)",
    "offers_failed": "Offers failed",
    "offers_slipped": "Offers slipped",
    "slip_periods": "Slip (periods, total)",
    "closed_periods": "Corridor-weeks closed",
    "sampling_s": "Sampling (s)",
    "build_s": "Build (s)",
    "solve_s": "Solve (s)",
    "report_s": "Report (s)",
    "setting": "Setting",
}
PERCENT_COLUMNS = {
    "p10", "p50", "p90", "mean", "min", "max", "base_on_time_p", "replan_on_time_p",
    "base_unmet_p", "replan_unmet_p", "binding_p", "base_score", "replan_score",
}  # fmt: skip
PERCENT_KEYS = ("score",)
HIST_BINS = 20
TOP_LINES = 15


def histogram(distribution_scores: dict[str, np.ndarray], bins: int = HIST_BINS) -> pd.DataFrame:
    """Counts of samples per score bin for each view, on bins shared by both views."""
    finite = [s[np.isfinite(s)] for s in distribution_scores.values()]
    allv = np.concatenate(finite) if finite else np.array([])
    lo = float(allv.min()) if len(allv) else 0.0
    hi = float(allv.max()) if len(allv) else 1.0
    if hi - lo < 1e-9:
        lo, hi = max(0.0, lo - 0.01), hi + 0.01
    edges = np.linspace(lo, hi, bins + 1)
    out = pd.DataFrame({"score_from": edges[:-1], "score_to": edges[1:]})
    for name, s in distribution_scores.items():
        counts, _ = np.histogram(s[np.isfinite(s)], bins=edges)
        out[name] = counts
    return out


def write_stress_workbook(target: Path, tables: dict[str, pd.DataFrame]) -> None:
    """Write the stress tables (planner.stress.report.stress_tables) to ``target`` atomically."""
    write_atomic(Path(target), lambda tmp: _write(tmp, tables))


def _write(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    head = {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDE5F0"}
    fmt = {
        "head": wb.add_format(head),
        "pct": wb.add_format({"num_format": "0.0%"}),
        "num": wb.add_format({"num_format": "#,##0.###"}),
        "int": wb.add_format({"num_format": "#,##0"}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
    }  # fmt: skip
    sheets: dict[str, Any] = {}
    for name, df in tables.items():
        ws = wb.add_worksheet(name)
        sheets[name] = ws
        _table(ws, df, fmt, name)
    samples = tables.get("Samples", pd.DataFrame())
    if len(samples):
        hist = histogram(
            {
                "plan as it stands": samples["base_score"].to_numpy(dtype=float),
                "re-planned": samples["replan_score"].to_numpy(dtype=float),
            }
        )
        ws = sheets["Distribution"]
        top = len(tables["Distribution"]) + 3
        ws.write_string(top - 1, 0, "Histogram of fulfilment scores (samples per bin)", fmt["head"])
        _table(ws, hist, fmt, "Histogram", first_row=top)
        chart = wb.add_chart({"type": "column"})
        n = len(hist)
        for col, colour in ((2, "#C0504D"), (3, "#4F81BD")):
            chart.add_series(
                {
                    "name": ["Distribution", top, col],
                    "categories": ["Distribution", top + 1, 0, top + n, 0],
                    "values": ["Distribution", top + 1, col, top + n, col],
                    "fill": {"color": colour},
                    "gap": 20,
                }
            )
        chart.set_title({"name": "Fulfilment score over sampled futures"})
        chart.set_x_axis({"name": "score (bin from)", "num_format": "0%"})
        chart.set_y_axis({"name": "samples"})
        chart.set_size({"width": 720, "height": 360})
        sheets["Summary"].insert_chart("D2", chart)

    reqs = tables.get("Requests", pd.DataFrame())
    if len(reqs):
        n = min(TOP_LINES, len(reqs))
        chart = wb.add_chart({"type": "bar"})
        for col_name, colour in (("base_unmet_p", "#C0504D"), ("replan_unmet_p", "#4F81BD")):
            col = list(reqs.columns).index(col_name)
            chart.add_series(
                {
                    "name": ["Requests", 0, col],
                    "categories": ["Requests", 1, 0, n, 0],
                    "values": ["Requests", 1, col, n, col],
                    "fill": {"color": colour},
                }
            )
        chart.set_title({"name": f"Lines most often not fully met (top {n})"})
        chart.set_x_axis({"num_format": "0%", "min": 0, "max": 1})
        chart.set_y_axis({"reverse": True})
        chart.set_size({"width": 720, "height": 60 + 28 * n})
        sheets["Requests"].insert_chart(1, len(reqs.columns) + 1, chart)

    binding = tables.get("Binding", pd.DataFrame())
    if len(binding):
        n = len(binding)
        col = list(binding.columns).index("binding_p")
        chart = wb.add_chart({"type": "bar"})
        chart.add_series(
            {
                "name": "binding in re-plans",
                "categories": ["Binding", 1, 1, n, 1],
                "values": ["Binding", 1, col, n, col],
                "fill": {"color": "#4F81BD"},
            }
        )
        chart.set_title({"name": "Corridors and budgets most often binding"})
        chart.set_x_axis({"num_format": "0%", "min": 0, "max": 1})
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"none": True})
        chart.set_size({"width": 620, "height": 60 + 28 * n})
        sheets["Binding"].insert_chart(1, len(binding.columns) + 1, chart)
    wb.close()


def _table(ws: Any, df: pd.DataFrame, fmt: dict[str, Any], name: str, first_row: int = 0) -> None:
    """Header row (plain words), then one row per record; frozen header, landscape print."""
    for j, col in enumerate(df.columns):
        ws.write_string(first_row, j, HEADERS.get(col, col.replace("_", " ")), fmt["head"])
        width = 44 if col in ("value", "name") else 16 if col not in ("key",) else 46
        ws.set_column(j, j, width)
    key_col = list(df.columns).index("key") if "key" in df.columns else None
    for i, row in enumerate(df.itertuples(index=False), start=first_row + 1):
        for j, (col, v) in enumerate(zip(df.columns, row, strict=True)):
            pct = col in PERCENT_COLUMNS or (
                col == "value"
                and key_col is not None
                and any(k in str(row[key_col]) for k in PERCENT_KEYS)
            )
            _cell(ws, i, j, v, fmt["pct"] if pct else None, fmt)
    if first_row == 0:
        ws.freeze_panes(1, 0)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0)


def _cell(ws: Any, i: int, j: int, v: Any, number_format: Any, fmt: dict[str, Any]) -> None:
    if isinstance(v, np.generic):
        v = v.item()
    if v is None or v is pd.NA:
        ws.write_blank(i, j, None)
    elif isinstance(v, bool):
        ws.write_boolean(i, j, v)
    elif isinstance(v, int | float):
        if isinstance(v, float) and not math.isfinite(v):
            ws.write_blank(i, j, None)
        else:
            ws.write_number(
                i, j, v, number_format or (fmt["int"] if isinstance(v, int) else fmt["num"])
            )
    else:
        ws.write_string(i, j, str(v), fmt["wrap"] if len(str(v)) > 40 else None)
