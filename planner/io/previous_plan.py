"""Read an aidplan plan workbook back: the previous plan of a re-plan (DESIGN.md §7) or a side of
``aidplan diff``.

The workbook comes from outside like any input (mailed, edited, saved again by Excel), so it goes
through the same pre-flight checks as a request workbook (planner.io.xlsx_safety) and every
problem is reported at its cell: ``file › sheet › row N › column [code]``. Its cells are read
with python-calamine behind a bound on each sheet's size (planner.io.sheet_values,
docs/decisions/0010), or with openpyxl's read-only mode when calamine cannot be trusted to place
them; both give the same rows.

Columns are found by the meaning of their header, never by position, and both the snake_case
headers of earlier plans (``dispatch_period``, ``quantity``) and plain-word headers
(``Dispatch week``, ``Quantity (units)``) are read: a header is normalised (Unicode NFKC, case
folded, text in parentheses such as units dropped, punctuation and ``_`` as spaces) and looked
up in the synonyms below.

Codes: ``not-a-plan`` (a sheet or a required column is missing), ``bad-plan-cell`` (a cell of a
required column is empty or not of its kind), ``duplicate-allocation`` (the same offer, request,
corridor and dispatch week twice), ``too-many-cells`` (a sheet reaching beyond 5,000,000
cells from A1), plus the codes of planner.io.xlsx_safety (not a workbook, damaged, too large, …).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import unicodedata
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.utils import get_column_letter

from planner.errors import InputError, Issue
from planner.io.sheet_values import read_sheets, sheet_names
from planner.io.xlsx_safety import CheckedWorkbook, open_readonly, preflight, read_failure
from planner.periods import parse_time

ALLOCATION_FIELDS: dict[str, tuple[str, ...]] = {
    "request_id": ("request id", "request", "request line", "request ref"),
    "offer_id": ("offer id", "offer"),
    "corridor_id": ("corridor id", "corridor"),
    "dispatch_period": ("dispatch period", "dispatch week", "dispatch"),
    "quantity": ("quantity", "quantity sent", "units", "qty"),
    "donor_id": ("donor id", "donor"),
    "item_id": ("item id", "item sent", "item"),
    "requested_item": ("requested item",),
    "arrival_period": ("arrival period", "arrival week", "arrival"),
}
ALLOCATION_REQUIRED = (
    "request_id",
    "offer_id",
    "corridor_id",
    "dispatch_period",
    "quantity",
    "donor_id",
)
REQUEST_FIELDS: dict[str, tuple[str, ...]] = {
    "request_id": ("request id", "request", "request line", "request ref"),
    "item_id": ("item id", "item"),
    "priority": ("priority",),
    "quantity": ("quantity", "quantity requested", "requested", "requested quantity"),
    "delivered": ("delivered", "quantity delivered", "delivered usable units", "usable units"),
    "status": ("status",),
}
REQUEST_REQUIRED = ("request_id", "status")
CORRIDOR_FIELDS: dict[str, tuple[str, ...]] = {
    "corridor_id": ("corridor id", "corridor"),
    "period": ("period", "week", "dispatch week"),
    "capacity_t": ("capacity t", "capacity"),
}
INPUT_FIELDS: dict[str, tuple[str, ...]] = {
    "kind": ("kind", "type", "input"),
    "name": ("name", "setting", "file", "input name"),
    "path": ("path",),
    "sha256": ("sha256", "sha 256", "checksum", "hash"),
    "value": ("value",),
}
INPUT_REQUIRED = ("kind", "name", "value")
SETTING_NAMES: dict[str, tuple[str, ...]] = {
    "start": ("start", "start date", "plan start"),
    "period_days": ("period days", "period length", "period length days", "days per period"),
    "horizon": ("horizon", "horizon periods", "horizon weeks", "periods"),
}
"""The settings whose change forbids a re-plan (§7), by normalised name in the Inputs sheet."""

ALLOCATION_COLUMNS = [
    "request_id", "offer_id", "corridor_id", "dispatch_period", "quantity", "donor_id",
    "item_id", "requested_item", "arrival_period", "row",
]  # fmt: skip
REQUEST_COLUMNS = ["request_id", "item_id", "priority", "quantity", "delivered", "status"]


@dataclass(frozen=True)
class PlanWorkbook:
    """A plan workbook as read back.

    allocations: one row per allocation — request_id, offer_id, corridor_id, donor_id (text),
        dispatch_period (int, plan week), quantity (units of the item sent, > 0), item_id,
        requested_item (text or None), arrival_period (int or None), row (the Excel row).
    requests: one row per request line — request_id, item_id, priority (1–4 or None), quantity,
        delivered (units, NaN where the sheet has none), status; empty when the sheet is missing.
    inputs: the Inputs sheet — kind, name, path, sha256, value (as read), row (the Excel row).
    corridors: corridor_id, period (week), capacity_t (tonnes per week) from the Corridors
        sheet; empty when the sheet or one of its columns is missing.
    """

    path: Path
    display: str
    allocations: pd.DataFrame
    requests: pd.DataFrame
    inputs: pd.DataFrame
    corridors: pd.DataFrame = dataclasses.field(
        default_factory=lambda: pd.DataFrame(columns=list(CORRIDOR_FIELDS))
    )

    def setting(self, key: str) -> tuple[object, int | None]:
        """A setting of the Inputs sheet by its name in planner.schema.Settings (``start``,
        ``period_days``, ``horizon``, …), matched by meaning: (value, Excel row), or
        (None, None) when absent."""
        names = SETTING_NAMES.get(key, (normalise(key),))
        for kind, name, value, row in zip(
            self.inputs["kind"],
            self.inputs["name"],
            self.inputs["value"],
            self.inputs["row"],
            strict=True,
        ):
            if normalise(kind) == "setting" and normalise(name) in names:
                return value, int(row)
        return None, None


def normalise(header: object) -> str:
    """A header's meaning: NFKC, case folded, "(…)" dropped, punctuation and ``_`` as spaces."""
    text = unicodedata.normalize("NFKC", "" if header is None else str(header)).casefold()
    text = re.sub(r"\([^)]*\)", " ", text)
    text = re.sub(r"[\W_]+", " ", text)
    return " ".join(text.split())


def _header_map(
    header: tuple[Any, ...], fields: dict[str, tuple[str, ...]]
) -> tuple[dict[str, int], list[str]]:
    """field -> column position (0-based), and the header texts as found."""
    found: dict[str, int] = {}
    texts = ["" if h is None else str(h) for h in header]
    for pos, text in enumerate(texts):
        key = normalise(text)
        for fld, names in fields.items():
            if key in names and fld not in found:
                found[fld] = pos
                break
    return found, texts


def _label(pos: int, texts: list[str]) -> str:
    return f'{get_column_letter(pos + 1)} "{texts[pos]}"'


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(float(value)) else None
    if isinstance(value, str):
        try:
            v = float(value.replace(",", "").strip())
        except ValueError:
            return None
        return v if math.isfinite(v) else None
    return None


def _week(value: object) -> int | None:
    """A plan week: a whole number, ``W3`` or ``week 3``; None if it is none of those."""
    try:
        parsed = parse_time(value)
    except ValueError:
        return None
    return parsed if isinstance(parsed, int) else None


class _Sheet:
    """One sheet's rows with its header mapped; collects issues at their cells."""

    def __init__(
        self,
        display: str,
        title: str,
        rows: list[tuple[Any, ...]],
        fields: dict[str, tuple[str, ...]],
        required: Iterable[str],
        issues: list[Issue],
    ):
        self.display, self.title, self.issues = display, title, issues
        header = rows[0] if rows else ()
        self.rows = rows[1:]
        self.cols, self.texts = _header_map(header, fields)
        missing = [f for f in required if f not in self.cols]
        self.ok = not missing
        for fld in missing:
            expected = " or ".join(f'"{n}"' for n in fields[fld][:2])
            found = ", ".join(f'"{t}"' for t in self.texts if t) or "no headers"
            issues.append(
                Issue(
                    "not-a-plan",
                    display,
                    f"expected a column {expected} in row 1 of an aidplan plan, found {found}",
                    sheet=title,
                    row=1,
                )
            )

    def get(self, row: tuple[Any, ...], fld: str) -> object:
        pos = self.cols.get(fld)
        return row[pos] if pos is not None and pos < len(row) else None

    def bad(self, row_no: int, fld: str, message: str) -> None:
        self.issues.append(
            Issue(
                "bad-plan-cell",
                self.display,
                message,
                sheet=self.title,
                row=row_no,
                column=_label(self.cols[fld], self.texts),
            )
        )


def _read_allocations(sheet: _Sheet) -> pd.DataFrame:
    out: list[dict[str, Any]] = []
    seen: dict[tuple[str, str, str, int], int] = {}
    for i, row in enumerate(sheet.rows):
        row_no = i + 2
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        rec: dict[str, Any] = {"row": row_no}
        good = True
        for fld in ("request_id", "offer_id", "corridor_id", "donor_id"):
            text = _text(sheet.get(row, fld))
            if text is None:
                sheet.bad(row_no, fld, "expected an id, found an empty cell")
                good = False
            rec[fld] = text
        raw = sheet.get(row, "dispatch_period")
        week = _week(raw)
        if week is None:
            sheet.bad(row_no, "dispatch_period", f"expected a plan week (3 or W3), found {raw!r}")
            good = False
        rec["dispatch_period"] = week
        raw = sheet.get(row, "quantity")
        qty = _number(raw)
        if qty is None or qty <= 0:
            sheet.bad(row_no, "quantity", f"expected a positive number of units, found {raw!r}")
            good = False
        rec["quantity"] = qty
        rec["item_id"] = _text(sheet.get(row, "item_id"))
        rec["requested_item"] = _text(sheet.get(row, "requested_item"))
        rec["arrival_period"] = _week(sheet.get(row, "arrival_period"))
        if not good:
            continue
        key = (rec["offer_id"], rec["request_id"], rec["corridor_id"], rec["dispatch_period"])
        if key in seen:
            sheet.issues.append(
                Issue(
                    "duplicate-allocation",
                    sheet.display,
                    f"offer {key[0]} for request {key[1]} via {key[2]} in week {key[3]} is also"
                    f" in row {seen[key]}; a plan has one row per allocation",
                    sheet=sheet.title,
                    row=row_no,
                )
            )
            continue
        seen[key] = row_no
        out.append(rec)
    df = pd.DataFrame(out, columns=ALLOCATION_COLUMNS)
    df["dispatch_period"] = df["dispatch_period"].astype(int)
    df["quantity"] = df["quantity"].astype(float)
    return df


def _read_requests(sheet: _Sheet) -> pd.DataFrame:
    out: list[dict[str, Any]] = []
    for i, row in enumerate(sheet.rows):
        row_no = i + 2
        rid = _text(sheet.get(row, "request_id"))
        if rid is None:
            continue
        prio = _number(sheet.get(row, "priority"))
        out.append(
            {
                "request_id": rid,
                "item_id": _text(sheet.get(row, "item_id")),
                "priority": int(prio) if prio is not None and prio in (1, 2, 3, 4) else None,
                "quantity": _number(sheet.get(row, "quantity")),
                "delivered": _number(sheet.get(row, "delivered")),
                "status": _text(sheet.get(row, "status")) or "",
            }
        )
        del row_no
    df = pd.DataFrame(out, columns=REQUEST_COLUMNS)
    df["quantity"] = df["quantity"].astype(float)
    df["delivered"] = df["delivered"].astype(float)
    return df


def _read_inputs(sheet: _Sheet) -> pd.DataFrame:
    out = []
    for i, row in enumerate(sheet.rows):
        kind = _text(sheet.get(row, "kind"))
        name = _text(sheet.get(row, "name"))
        if kind is None or name is None:
            continue
        value = sheet.get(row, "value")
        if isinstance(value, dt.datetime) and value.time() == dt.time():
            value = value.date()
        elif isinstance(value, str) and not value.strip():
            value = None  # empty text is an empty cell (calamine cannot tell them apart)
        out.append(
            {
                "kind": kind,
                "name": name,
                "path": _text(sheet.get(row, "path")) or "",
                "sha256": _text(sheet.get(row, "sha256")) or "",
                "value": value,
                "row": i + 2,
            }
        )
    return pd.DataFrame(out, columns=[*INPUT_FIELDS, "row"])


def _read_corridors(sheet: _Sheet) -> pd.DataFrame:
    out = []
    for row in sheet.rows:
        cid = _text(sheet.get(row, "corridor_id"))
        week = _week(sheet.get(row, "period"))
        cap = _number(sheet.get(row, "capacity_t"))
        if cid is not None and week is not None and cap is not None:
            out.append({"corridor_id": cid, "period": week, "capacity_t": cap})
    return pd.DataFrame(out, columns=list(CORRIDOR_FIELDS))


def _find(sheetnames: list[str], wanted: str) -> str | None:
    return next((n for n in sheetnames if normalise(n) == normalise(wanted)), None)


def _titles(display: str, names: list[str]) -> dict[str, str | None]:
    """The four sheets read, by their name in the workbook; raises [not-a-plan] without
    Allocations or Inputs."""
    titles = {key: _find(names, key) for key in ("Allocations", "Requests", "Inputs", "Corridors")}
    missing = [k for k in ("Allocations", "Inputs") if titles[k] is None]
    if missing:
        raise InputError(
            [
                Issue(
                    "not-a-plan",
                    display,
                    "expected an aidplan plan workbook with sheets Allocations and"
                    f" Inputs, found sheets {', '.join(repr(n) for n in names)}"
                    f" (missing: {', '.join(missing)})",
                )
            ]
        )
    return titles


def _read_with_openpyxl(
    book: CheckedWorkbook,
) -> tuple[dict[str, str | None], dict[str, list[tuple[Any, ...]]]]:
    """The sheets' titles and rows through openpyxl's read-only mode (slower; any workbook)."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with open_readonly(book) as wb:
            titles = _titles(book.display, list(wb.sheetnames))
            for title in titles.values():
                if title is None:
                    continue
                try:
                    rows[title] = [tuple(r) for r in wb[title].iter_rows(values_only=True)]
                except Exception as exc:  # damaged sheet XML: a property of the file
                    raise InputError([read_failure(book.display, exc, sheet=title)]) from exc
    return titles, rows


def read_plan_workbook(path: Path | str) -> PlanWorkbook:
    """Read a plan workbook written by ``aidplan plan`` (any version with the §5 sheets).

    Parameters
    ----------
    path
        The ``.xlsx`` file; checked by planner.io.xlsx_safety.preflight before any XML is parsed.

    Returns
    -------
    PlanWorkbook
        Its Allocations, Requests (optional sheet) and Inputs sheets as tables; see the class.

    Raises
    ------
    InputError
        Every problem found, each at its sheet, row and column: ``not-a-plan`` when the
        Allocations or Inputs sheet or a required column is missing, ``bad-plan-cell`` for an
        empty id, a week that is not a plan week, or a quantity that is not a positive number,
        ``duplicate-allocation``, ``too-many-cells`` for a sheet reaching beyond
        planner.io.sheet_values.MAX_SHEET_CELLS cells from A1, and the safe reader's codes for
        a file that is not a workbook or is damaged.
    """
    path = Path(path)
    book = preflight(path, "plan workbook")
    display = book.display
    issues: list[Issue] = []
    names = sheet_names(book)
    by_title = None
    if names is not None:
        titles = _titles(display, names)
        by_title = read_sheets(book, [t for t in titles.values() if t is not None])
    if by_title is None:  # cells calamine cannot be trusted to place: openpyxl, as before
        titles, by_title = _read_with_openpyxl(book)
    rows = {key: by_title[title] for key, title in titles.items() if title is not None}
    alloc = _Sheet(
        display,
        str(titles["Allocations"]),
        rows["Allocations"],
        ALLOCATION_FIELDS,
        ALLOCATION_REQUIRED,
        issues,
    )
    inputs = _Sheet(
        display, str(titles["Inputs"]), rows["Inputs"], INPUT_FIELDS, INPUT_REQUIRED, issues
    )
    allocations = _read_allocations(alloc) if alloc.ok else pd.DataFrame()
    inputs_df = _read_inputs(inputs) if inputs.ok else pd.DataFrame()
    requests = pd.DataFrame(columns=REQUEST_COLUMNS)
    if "Requests" in rows:
        req = _Sheet(display, str(titles["Requests"]), rows["Requests"], REQUEST_FIELDS, (), issues)
        if all(f in req.cols for f in REQUEST_REQUIRED):
            requests = _read_requests(req)
    corridors = pd.DataFrame(columns=list(CORRIDOR_FIELDS))
    if "Corridors" in rows:
        corr = _Sheet(
            display, str(titles["Corridors"]), rows["Corridors"], CORRIDOR_FIELDS, (), issues
        )
        if all(f in corr.cols for f in CORRIDOR_FIELDS):
            corridors = _read_corridors(corr)
    if any(i.severity == "error" for i in issues):
        raise InputError(issues)
    return PlanWorkbook(path, display, allocations, requests, inputs_df, corridors)
