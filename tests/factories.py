"""Tiny planning problems built in Python, for hand-checkable tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from planner.catalog import Catalog
from planner.requests import request_frame

START = dt.date(2022, 3, 7)


def make_catalog(
    items: list[dict[str, Any]],
    donors: list[dict[str, Any]],
    offers: list[dict[str, Any]],
    corridors: list[dict[str, Any]],
    capacity_changes: list[dict[str, Any]] | None = None,
    substitutes: list[dict[str, Any]] | None = None,
) -> Catalog:
    """A Catalog with the reader's column set; omitted optional fields get their defaults."""
    it = pd.DataFrame(
        [
            {
                "category": "other",
                "unit": "unit",
                "integer": False,
                "aliases": [],
                "requires": (),
                "name": i["item_id"],
                **i,
            }
            for i in items
        ]
    )
    do = pd.DataFrame(
        [{"name": d["donor_id"], "budget_eur": None, "corridors": (), **d} for d in donors]
    )
    do["budget_eur"] = do["budget_eur"].astype(float)
    do["corridors"] = [tuple(c) for c in do["corridors"]]
    of = pd.DataFrame(
        [
            {
                "unit_cost_eur": 0.0,
                "available_from": None,
                "lead_periods": 0,
                "max_per_period": None,
                **o,
            }
            for o in offers
        ]
    )
    of["available_from"] = pd.Series(list(of["available_from"]), dtype=object)
    of["max_per_period"] = of["max_per_period"].astype(float)
    of["quantity"] = of["quantity"].astype(float)
    of["unit_cost_eur"] = of["unit_cost_eur"].astype(float)
    co = pd.DataFrame(
        [{"name": c["corridor_id"], "mode": "road", "transit_periods": 0, **c} for c in corridors]
    )
    co["capacity_t"] = co["capacity_t"].astype(float)
    ch = pd.DataFrame(
        capacity_changes or [], columns=["corridor_id", "from_period", "to_period", "capacity_t"]
    )
    su = pd.DataFrame(substitutes or [], columns=["item_id", "substitute_id", "factor"])
    return Catalog(Path("test-catalog"), it, do, of, co, ch, su)


def make_requests(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A request table; give at least item_id and quantity per row."""
    return request_frame(rows)


def old_plan_bytes(note: str = "the plan of last week", kind: str = "plan workbook") -> bytes:
    """A small workbook with the sheets of an aidplan output of ``kind`` (a key of
    planner.io.own_files.LAYOUTS: "plan workbook", "stress workbook" …) and ``note`` in its
    first sheet's A1: an earlier output that an output of that kind may replace (decision
    0013)."""
    import io

    import openpyxl

    from planner.io.own_files import LAYOUTS

    wb = openpyxl.Workbook()
    first, *rest = LAYOUTS[kind]
    wb.active.title = first  # type: ignore[union-attr]
    wb.active["A1"] = note  # type: ignore[index]
    for name in rest:
        wb.create_sheet(name)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
