"""Write a plan as the §5 workbook (atomically, with XlsxWriter) or as JSON.

`plan_sheets` is the one list of the workbook's sheets, in order, as DataFrames with the
snake_case columns of the Python API; `write_workbook` turns them into what a person reads:
plain-word headers with units, number and date formats, wrapped long text, frozen headers,
print setup, a Summary with the headline sentence and the charts of fulfilment by priority and
category, and a chart of corridor utilisation per week on Corridors (planner.io.sheet_writer).
`sheets_to_json` gives the same content as JSON (snake_case keys). openpyxl stays the reader.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.io.xlsx_write import write_atomic

if TYPE_CHECKING:
    import pandas as pd

    from planner.io.sheet_writer import SheetWriter

# What a Summary key reads as in the workbook (JSON keeps the keys).
SUMMARY_LABELS = {
    "plan": "The plan in one sentence",
    "fulfilment score": "Fulfilment score",
    "value": "Value",
    "maximum value": "Maximum value",
    "status": "Solver status",
    "proven optimal": "Proven optimal",
    "gap": "Gap",
    "total cost eur": "Total cost (EUR)",
    "request lines": "Request lines",
    "request file": "Request file",
    "catalog": "Catalog",
    "scenario": "Scenario",
    "start": "Start date (first day of week 1)",
    "period days": "Period length (days)",
    "horizon": "Horizon (periods)",
    "variables": "Model variables",
    "constraints": "Model constraints",
    "model type": "Model type",
    "solve time s": "Solve time (s)",
    "solver": "Solver",
    "solver version": "Solver version",
    "stages solved": "Stages solved",
}
SUMMARY_KINDS = {
    "fulfilment score": "share",
    "gap": "gap",
    "total cost eur": "money",
    "request lines": "units",
    "value": "value",
    "maximum value": "value",
    "solve time s": "seconds",
    "variables": "units",
    "constraints": "units",
}
CHART_BLUE = "#1F4E78"
# Headers that differ by sheet: the Requests sheet's requested_item is the text as written.
SHEET_HEADERS = {
    "Allocations": {"item_id": "Item sent", "requested_item": "Requested item"},
    "Requests": {"item_id": "Item", "requested_item": "Item as written"},
}
# Number formats that differ by sheet (column -> kind, see planner.io.sheet_writer).
SHEET_KINDS = {"Bottlenecks": {"limit": "money", "used": "money", "rank": "week"}}


def _summary_label(key: str) -> str:
    label = SUMMARY_LABELS.get(key)
    if label is not None:
        return label
    if key.startswith("priority ") and " lines " in key:
        p, status = key[len("priority ") :].split(" lines ", 1)
        return f"Priority {p} lines {status}"
    return key[:1].upper() + key[1:]


def _write_summary(w: SheetWriter, df: pd.DataFrame, groups: list[str]) -> None:
    """Title, the headline sentence, then one row per key figure with what it means, and the
    charts of fulfilment by priority and by category (from the Fulfilment sheet)."""
    from planner.io.sheet_writer import LINE_HEIGHT, wrapped_lines

    ws = w.book.add_worksheet("Summary")
    keys = [str(k) for k in df["key"]]
    values = list(df["value"])
    meanings = list(df["meaning"]) if "meaning" in df.columns else [""] * len(keys)
    facts = dict(zip(keys, values, strict=True))
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 24)
    ws.set_column(2, 2, 70, w.fmt(wrap=True))
    title = "Delivery plan"
    if facts.get("request file"):
        title += f": {facts['request file']}"
    ws.write_string(0, 0, title, w.fmt(bold=True, size=14, quote=title.startswith("=")))
    sentence = str(facts.get("plan", ""))
    ws.set_row(1, 48)
    ws.merge_range(1, 0, 1, 2, "", w.fmt(wrap=True, size=12))
    ws.write_string(1, 0, sentence, w.fmt(wrap=True, size=12))
    first = 3
    for j, text in enumerate(("Figure", "Value", "What it means")):
        ws.write_string(first, j, text, w.fmt(header=True))
    r = first
    for key, value, meaning in zip(keys, values, meanings, strict=True):
        if key == "plan":
            continue
        r += 1
        if isinstance(meaning, str) and meaning:
            ws.set_row(r, LINE_HEIGHT * wrapped_lines(meaning, 70))
        ws.write_string(r, 0, _summary_label(key), w.fmt(bold=True))
        w.write_value(ws, r, 1, value, SUMMARY_KINDS.get(key, "plain"))
        if isinstance(meaning, str) and meaning:
            w.write_text(ws, r, 2, meaning, wrap=True)
    ws.freeze_panes(first + 1, 0)
    w.page_setup(ws, None)
    if groups:
        _fulfilment_charts(w, ws, groups)


def _fulfilment_charts(w: SheetWriter, ws: Any, rows: list[str]) -> None:
    """Two bar charts on the Summary: fulfilment by priority and by item category, from the
    Fulfilment sheet (``rows``: its group column, "priority" rows first)."""
    at = 3
    for group, title in (("priority", "by priority"), ("category", "by item category")):
        block = [i for i, g in enumerate(rows) if g == group]
        if not block:
            continue
        lo, hi = block[0] + 1, block[-1] + 1  # data rows start under the header
        chart = w.book.add_chart({"type": "bar"})
        chart.add_series(
            {
                "name": f"Fulfilment {title}",
                "categories": ["Fulfilment", lo, 1, hi, 1],
                "values": ["Fulfilment", lo, 4, hi, 4],
                "fill": {"color": CHART_BLUE},
                "data_labels": {"value": True, "num_format": "0%"},
            }
        )
        chart.set_title({"name": f"Fulfilment {title}", "name_font": {"size": 11}})
        chart.set_x_axis(
            {"min": 0, "max": 1, "num_format": "0%", "major_gridlines": {"visible": True}}
        )
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"none": True})
        chart.set_size({"width": 520, "height": max(200, 60 + 24 * len(block))})
        ws.insert_chart(at, 4, chart)
        at += max(11, 4 + int(1.3 * len(block)))


def _corridor_chart(w: SheetWriter, ws: Any, df: pd.DataFrame) -> None:
    """A line chart of utilisation per week, one line per corridor, right of the table."""
    if not len(df):
        return
    ids = [str(c) for c in df["corridor_id"]]
    col_week = list(df.columns).index("period")
    col_util = list(df.columns).index("utilisation")
    chart = w.book.add_chart({"type": "line"})
    start = 0
    for i in range(1, len(ids) + 1):
        if i == len(ids) or ids[i] != ids[start]:
            chart.add_series(
                {
                    "name": ids[start],
                    "categories": ["Corridors", start + 1, col_week, i, col_week],
                    "values": ["Corridors", start + 1, col_util, i, col_util],
                    "marker": {"type": "circle", "size": 3},
                }
            )
            start = i
    week = w.period_word
    chart.set_title({"name": f"Corridor utilisation per {week}", "name_font": {"size": 11}})
    chart.set_x_axis({"name": f"{week} of the plan"})
    chart.set_y_axis({"min": 0, "max": 1, "num_format": "0%"})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 640, "height": 340})
    ws.insert_chart(1, len(df.columns) + 1, chart)


def _period_word(sheets: dict[str, pd.DataFrame]) -> str:
    summary = sheets.get("Summary")
    if summary is None:
        return "week"
    days = dict(zip(summary["key"], summary["value"], strict=True)).get("period days", 7)
    return "week" if days in (7, None) else "period"


def write_sheets(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    """Write ``sheets`` to ``path`` directly (no atomic rename: see `write_workbook`)."""
    from planner.io.sheet_writer import SheetWriter, header_text

    w = SheetWriter(path, _period_word(sheets))
    fulfilment = sheets.get("Fulfilment")
    groups = [] if fulfilment is None else [str(g) for g in fulfilment["group"]]
    for title, df in sheets.items():
        if title == "Summary" and {"key", "value"} <= set(df.columns):
            _write_summary(w, df, groups)
            continue
        columns = [str(c) for c in df.columns]
        data = [df[c].to_numpy(dtype=object) for c in df.columns]
        freeze = 1 if title in ("Allocations", "Requests") else 0
        names = SHEET_HEADERS.get(title, {})
        headers = [names.get(c) or header_text(c, w.period_word) for c in columns]
        kinds = SHEET_KINDS.get(title)
        ws = w.table(title, columns, data, freeze_cols=freeze, headers=headers, kinds=kinds)
        if title == "Corridors":
            _corridor_chart(w, ws, df)
    w.close()


def write_workbook(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    """Write ``sheets`` (in order) to ``path`` atomically: the old file survives any failure.

    Every number is a number cell, every date a date cell, and text from the inputs is a
    string cell that Excel never evaluates (planner.io.sheet_writer).
    """
    write_atomic(Path(path), lambda tmp: write_sheets(tmp, sheets))


def _context_rows(inputs: pd.DataFrame) -> list[tuple[str, Any, str]]:
    """Request file, catalog, scenario, start, period length and horizon from the Inputs table
    (``planner.api.inputs_table``), for the Summary."""
    if not len(inputs) or not {"kind", "name"} <= set(inputs.columns):
        return []
    kind = inputs["kind"].astype(str)
    name = inputs["name"].astype(str)
    values = inputs["value"] if "value" in inputs.columns else [""] * len(inputs)
    paths = inputs["path"] if "path" in inputs.columns else [""] * len(inputs)
    rows: list[tuple[str, Any, str]] = []
    req = [n for k, n in zip(kind, name, strict=True) if k == "requests"]
    if req:
        rows.append(("request file", req[0], ""))
    cat = [Path(str(p)).parent.name for k, p in zip(kind, paths, strict=True) if k == "catalog"]
    if cat:
        rows.append(("catalog", cat[0], ""))
    scen = {n: v for k, n, v in zip(kind, name, values, strict=True) if k == "scenario"}
    # A what-if run's label ("rail cut · budget ×0.75") says more than the scenario's name.
    label = scen.get("run") or scen.get("name")
    rows.append(("scenario", label if label else "none (base case)", ""))
    settings = {n: v for k, n, v in zip(kind, name, values, strict=True) if k == "setting"}
    for key, label in (("start", "start"), ("period_days", "period days"), ("horizon", "horizon")):
        if key in settings:
            rows.append((label, settings[key], ""))
    return rows


def plan_sheets(
    result: Any, inputs: pd.DataFrame, checks: pd.DataFrame | None = None
) -> dict[str, pd.DataFrame]:
    """The §5 sheets of a PlanResult, in order: Summary (with the run's request file, catalog,
    scenario, start, period length and horizon from ``inputs``), Fulfilment (the Summary's
    chart data), Allocations, Requests, Donors, Corridors, then any extra sheets (e.g.
    Bottlenecks, Input checks), then Inputs. This is the one list of the workbook's sheets:
    add a sheet here (or to ``result.extra_sheets``) and both writers show it. ``checks``
    (planner.errors.issues_table of the readers' warnings) is the Input checks sheet."""
    import pandas as pd

    from planner.results import fulfilment_table

    summary = result.summary
    context = _context_rows(inputs)
    if context:
        extra = pd.DataFrame(context, columns=["key", "value", "meaning"])
        cut = 1 if len(summary) and summary["key"].iloc[0] == "plan" else 0
        summary = pd.concat([summary.iloc[:cut], extra, summary.iloc[cut:]], ignore_index=True)
    requests = result.requests
    cols = list(requests.columns)
    if "reason_detail" in cols and "reason" in cols:  # the full reason beside the short one
        cols.remove("reason_detail")
        cols.insert(cols.index("reason") + 1, "reason_detail")
        requests = requests[cols]
    sheets = {
        "Summary": summary,
        "Fulfilment": fulfilment_table(result.model, result.requests),
        "Allocations": result.allocations,
        "Requests": requests,
        "Donors": result.donors,
        "Corridors": result.corridors,
    }
    sheets.update(result.extra_sheets)
    if checks is not None:
        sheets["Input checks"] = checks
    sheets["Inputs"] = inputs
    return sheets


def _json_value(v: object) -> object:
    from planner.io.sheet_writer import plain

    v = plain(v)
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


JSON_KEYS = {"Input checks": "warnings"}  # sheet title -> JSON key, where not title.lower()


def sheets_to_json(sheets: dict[str, pd.DataFrame]) -> str:
    """The same content as the workbook, as JSON: summary as an object, other sheets as rows
    (the Input checks sheet as ``warnings``)."""
    out: dict[str, Any] = {}
    for title, df in sheets.items():
        key = title.lower()
        if title == "Summary":
            out[key] = {str(k): _json_value(v) for k, v in zip(df["key"], df["value"], strict=True)}
            continue
        cols = [str(c) for c in df.columns]
        arrays = [df[c].to_numpy(dtype=object) for c in df.columns]
        out[JSON_KEYS.get(title, key)] = [
            {c: _json_value(v) for c, v in zip(cols, row, strict=True)}
            for row in zip(*arrays, strict=True)
        ]
    return json.dumps(out, ensure_ascii=False, indent=1, default=str)


def column_of(sheet: str, header: str, period_word: str = "week") -> str:
    """The API column name behind a plan workbook ``header`` of ``sheet`` (the inverse of the
    writer's headers; a header it does not know is returned unchanged)."""
    from planner.io.sheet_writer import HEADERS, header_text

    for column, text in SHEET_HEADERS.get(sheet, {}).items():
        if text == header:
            return column
    for column in HEADERS:
        if header_text(column, period_word) == header and column not in SHEET_HEADERS.get(
            sheet, {}
        ):
            return column
    if header.endswith(" (units)"):
        return "units_" + header[: -len(" (units)")].lower().replace(" ", "_")
    return header


def read_plan_workbook(path: Path) -> dict[str, pd.DataFrame]:
    """Read a plan workbook written by `write_workbook` back into the API's tables: every
    sheet with its snake_case columns (`column_of`), the Summary as key, value (the keys of
    `planner.results.summary_table` and the run's context rows)."""
    import pandas as pd

    raw = pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl", dtype=object)
    labels = {v: k for k, v in SUMMARY_LABELS.items()}
    out: dict[str, pd.DataFrame] = {}
    for title, df in raw.items():
        if title == "Summary":
            first = df[0].tolist()
            top = first.index("Figure") if "Figure" in first else 0
            rows = [("plan", df.iloc[1, 0] if len(df) > 1 else "")]
            for label, value in zip(df[0].iloc[top + 1 :], df[1].iloc[top + 1 :], strict=True):
                if isinstance(label, str):
                    key = labels.get(label)
                    if key is None and label.startswith("Priority "):
                        key = "p" + label[1:]
                    rows.append((key or label, None if pd.isna(value) else value))
            out[title] = pd.DataFrame(rows, columns=["key", "value"])
            continue
        header = [str(h) for h in df.iloc[0]] if len(df) else []
        body = df.iloc[1:].reset_index(drop=True)
        body.columns = [column_of(str(title), h) for h in header]
        out[str(title)] = body.infer_objects()
    return out


__all__ = [
    "column_of",
    "plan_sheets",
    "read_plan_workbook",
    "sheets_to_json",
    "write_sheets",
    "write_workbook",
]
