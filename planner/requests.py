"""The request set: validated request lines from a recipient's workbook (DESIGN.md §2.2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from planner.errors import Issue

REQUEST_COLUMNS = (
    "request_id",  # str, unique across the workbook; default "<sheet>-<row>"
    "item_id",  # str, a catalog item_id
    "requested_item",  # str, the item text as written in the sheet
    "quantity",  # float > 0 (whole for integer items)
    "priority",  # int 1..4
    "earliest",  # int period >= 1 (default 1)
    "needed_by",  # Int64 period, <NA> = no deadline inside the horizon
    "destination",  # str ("" when absent)
    "notes",  # str ("" when absent)
    "sheet",  # str, sheet the line came from
    "row",  # int, row number as Excel shows it
    "package",  # bool: a line for a system item asks for the whole package (DESIGN.md §4.1)
)


@dataclass(frozen=True)
class RequestSet:
    """Request lines plus what the reader noticed on the way."""

    source: Path
    table: pd.DataFrame
    sheets_read: tuple[str, ...] = ()
    sheets_ignored: tuple[str, ...] = ()
    warnings: tuple[Issue, ...] = field(default_factory=tuple)
    # Lines whose item is not in the catalog, kept with --keep-unknown (item_id ""): not
    # planned, reported as unmet "not in the catalog" (DESIGN.md §2.2 "Items").
    unknown: pd.DataFrame = field(default_factory=lambda: request_frame([]))


def request_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Build a request table with the fixed columns and dtypes from plain dicts.

    Missing optional fields get their defaults, so tests and generators pass only essentials.
    """
    defaults: dict[str, object] = {
        "priority": 3,
        "earliest": 1,
        "needed_by": None,
        "destination": "",
        "notes": "",
        "sheet": "",
        "row": 0,
        "package": True,
    }
    full = []
    for i, r in enumerate(rows):
        d = {**defaults, **r}
        d.setdefault("request_id", f"R{i + 1}")
        d.setdefault("requested_item", d["item_id"])
        full.append(d)
    df = pd.DataFrame(full, columns=list(REQUEST_COLUMNS))
    df["request_id"] = df["request_id"].astype(str)
    df["item_id"] = df["item_id"].astype(str)
    df["requested_item"] = df["requested_item"].astype(str)
    df["quantity"] = df["quantity"].astype(float)
    df["priority"] = df["priority"].astype(int)
    df["earliest"] = df["earliest"].astype(int)
    df["needed_by"] = pd.array(
        [None if v is None or pd.isna(v) else int(v) for v in df["needed_by"]],  # type: ignore[call-overload]
        dtype="Int64",
    )
    df["row"] = df["row"].astype(int)
    df["package"] = df["package"].astype(bool)
    return df
