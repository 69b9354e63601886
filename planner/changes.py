"""What changed between two plans (DESIGN.md §7): `aidplan diff` and the Changes sheet of a
re-plan (planner.replan.add_changes) come from `plan_changes`; no file I/O here.

A plan is compared as two tables (`PlanTables`): its allocations and its request lines. Changes
are listed per request, donor and corridor (allocations of the same request sent by the same
donor through the same corridor are one group), plus one row per request whose status changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

QTY_TOL = 1e-6
"""Quantities within this many units (relative to max(1, quantity)) are the same."""

CHANGE_COLUMNS = [
    "request_id", "priority", "item_id", "change", "donor_id", "corridor_id",
    "old_quantity", "new_quantity", "quantity_change", "old_weeks", "new_weeks",
    "old_status", "new_status", "detail",
]  # fmt: skip
"""Columns of the Changes table (see `plan_changes`)."""

CHANGE_KINDS = {
    "added": "new shipment",
    "removed": "shipment cancelled",
    "more": "more units",
    "less": "fewer units",
    "week": "dispatch weeks moved",
    "offer": "other offer of the same donor",
    "status": "request status changed",
}
"""The values of the ``change`` column and what they mean."""


@dataclass(frozen=True)
class PlanTables:
    """One plan as `plan_changes` compares it.

    allocations: request_id, donor_id, corridor_id, offer_id (text), dispatch_period (week),
        quantity (units sent, > 0), item_id (item sent; may be None)
    requests: request_id, item_id, priority (1–4 or None), quantity, delivered, status
    corridors: corridor_id, period, capacity_t (t per week); None or empty when unknown
    """

    allocations: pd.DataFrame
    requests: pd.DataFrame
    corridors: pd.DataFrame | None = None

    @classmethod
    def of_result(cls, result: Any) -> PlanTables:
        """The tables of a planner.results.PlanResult."""
        return cls(result.allocations, result.requests, result.corridors)

    @classmethod
    def of_workbook(cls, book: Any) -> PlanTables:
        """The tables of a planner.io.previous_plan.PlanWorkbook."""
        return cls(book.allocations, book.requests, book.corridors)

    def closed(self) -> set[tuple[str, int]]:
        """(corridor_id, week) with capacity 0 in this plan."""
        c = self.corridors
        if c is None or not len(c):
            return set()
        shut = c[c["capacity_t"].astype(float) <= 0]
        return {(str(h), int(t)) for h, t in zip(shut["corridor_id"], shut["period"], strict=True)}


Group = tuple[str, str, str]
"""(request_id, donor_id, corridor_id)."""


def _groups(alloc: pd.DataFrame) -> dict[Group, dict[tuple[str, int], float]]:
    """Per (request, donor, corridor): units per (offer, dispatch week), in one pass."""
    out: dict[Group, dict[tuple[str, int], float]] = {}
    for rid, donor, corridor, offer, week, qty in zip(
        alloc["request_id"].astype(str),
        alloc["donor_id"].astype(str),
        alloc["corridor_id"].astype(str),
        alloc["offer_id"].astype(str),
        alloc["dispatch_period"].to_numpy(dtype=int),
        alloc["quantity"].to_numpy(dtype=float),
        strict=True,
    ):
        cell = out.setdefault((rid, donor, corridor), {})
        cell[(offer, int(week))] = cell.get((offer, int(week)), 0.0) + float(qty)
    return out


def _by_week(units: dict[tuple[str, int], float]) -> dict[int, float]:
    weeks: dict[int, float] = {}
    for (_, week), qty in units.items():
        weeks[week] = weeks.get(week, 0.0) + qty
    return dict(sorted(weeks.items()))


def _weeks(weeks: dict[int, float]) -> str:
    """Dispatch weeks with units: "W1: 10, W3: 5"."""
    return ", ".join(f"W{t}: {q:,.6g}" for t, q in weeks.items())


def _same_qty(a: float, b: float) -> bool:
    return abs(a - b) <= QTY_TOL * max(1.0, abs(a), abs(b))


def _same_map(a: dict[Any, float], b: dict[Any, float]) -> bool:
    return set(a) == set(b) and all(_same_qty(a[k], b[k]) for k in a)


def _request_info(old: pd.DataFrame, new: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """request_id -> priority, item, old/new status and quantity (new plan first)."""
    info: dict[str, dict[str, Any]] = {}
    for side, df in (("old", old), ("new", new)):
        for rec in df.itertuples(index=False):
            d = info.setdefault(str(rec.request_id), {})
            prio = getattr(rec, "priority", None)
            if prio is not None and not pd.isna(prio):
                d["priority"] = int(prio) if side == "new" or "priority" not in d else d["priority"]
            item = getattr(rec, "item_id", None)
            if item is not None and not pd.isna(item) and (side == "new" or "item" not in d):
                d["item"] = str(item)
            d[f"{side}_status"] = str(getattr(rec, "status", "") or "")
            d[f"{side}_requested"] = getattr(rec, "quantity", None)
            d[f"{side}_delivered"] = getattr(rec, "delivered", None)
    return info


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _why(info: dict[str, Any]) -> str:
    """A reason that both plans show: the request is new, withdrawn or asks another quantity."""
    if "old_status" not in info:
        return "new request"
    if "new_status" not in info:
        return "request no longer in the plan"
    a, b = _num(info.get("old_requested")), _num(info.get("new_requested"))
    if a is not None and b is not None and not _same_qty(a, b):
        return f"request changed from {float(a):,.6g} to {float(b):,.6g} units"
    return ""


def plan_changes(old: PlanTables, new: PlanTables) -> pd.DataFrame:
    """What changed from plan ``old`` to plan ``new``, most important first.

    Returns
    -------
    DataFrame with CHANGE_COLUMNS: per (request, donor, corridor) group whose allocations differ,
    one row — change (CHANGE_KINDS key: added, removed, more, less, week, offer), old and new
    units (of the items sent), their difference, the dispatch weeks with units on each side
    ("W1: 10, W3: 5"); and per request whose status changed, one row with change "status" and
    donor and corridor empty. ``priority`` and ``item_id`` come from the new plan's Requests
    (the old one's for a request no longer planned); ``detail`` says it in words, with the
    reason both plans show (new request, request withdrawn, requested quantity changed, the
    corridor closed — capacity 0 in the new plan, not in the old — in weeks it was used).
    Sorted by priority (1 first; unknown last), then by the size of the change (largest first),
    then request, donor and corridor. Empty (with these columns) when nothing changed; a plan
    compared with itself gives an empty table.
    """
    groups_a, groups_b = _groups(old.allocations), _groups(new.allocations)
    info = _request_info(old.requests, new.requests)
    closed = new.closed() - old.closed()
    rows: list[dict[str, Any]] = []
    for k in sorted(set(groups_a) | set(groups_b)):
        ga, gb = groups_a.get(k), groups_b.get(k)
        if ga is not None and gb is not None and _same_map(ga, gb):
            continue
        week_a, week_b = _by_week(ga or {}), _by_week(gb or {})
        qa, qb = sum(week_a.values()), sum(week_b.values())
        wa, wb = _weeks(week_a), _weeks(week_b)
        if ga is None:
            change = "added"
        elif gb is None:
            change = "removed"
        elif not _same_qty(qa, qb):
            change = "more" if qb > qa else "less"
        elif not _same_map(week_a, week_b):
            change = "week"
        else:
            change = "offer"
        rid, donor, corridor = (str(v) for v in k)
        req = info.get(rid, {})
        words = {
            "added": f"{qb:,.6g} units from {donor} via {corridor} ({wb})",
            "removed": f"{qa:,.6g} units from {donor} via {corridor} no longer sent ({wa})",
            "more": f"{qa:,.6g} → {qb:,.6g} units from {donor} via {corridor}",
            "less": f"{qa:,.6g} → {qb:,.6g} units from {donor} via {corridor}",
            "week": f"{donor} via {corridor}: weeks {wa} → {wb}",
            "offer": f"{donor} via {corridor}: same units and weeks from other offers",
        }[change]
        why = _why(req)
        shut = [t for t in week_a if (corridor, t) in closed and t not in week_b]
        if shut and change in ("removed", "less", "week"):
            weeks = ", ".join(f"W{t}" for t in shut)
            why = f"{why}; " if why else ""
            why += f"{corridor} closed in {weeks}"
        rows.append(
            {
                "request_id": rid,
                "priority": req.get("priority"),
                "item_id": req.get("item"),
                "change": change,
                "donor_id": donor,
                "corridor_id": corridor,
                "old_quantity": qa,
                "new_quantity": qb,
                "quantity_change": qb - qa,
                "old_weeks": wa,
                "new_weeks": wb,
                "old_status": req.get("old_status", ""),
                "new_status": req.get("new_status", ""),
                "detail": f"{words}; {why}" if why else words,
            }
        )
    for rid, req in sorted(info.items()):
        sa, sb = req.get("old_status", ""), req.get("new_status", "")
        if sa == sb:
            continue
        da = req.get("old_delivered")
        db = req.get("new_delivered")
        da = 0.0 if da is None or pd.isna(da) else float(da)
        db = 0.0 if db is None or pd.isna(db) else float(db)
        why = _why(req)
        text = f"{sa or '(not planned)'} → {sb or '(not planned)'}"
        rows.append(
            {
                "request_id": rid,
                "priority": req.get("priority"),
                "item_id": req.get("item"),
                "change": "status",
                "donor_id": "",
                "corridor_id": "",
                "old_quantity": da,
                "new_quantity": db,
                "quantity_change": db - da,
                "old_weeks": "",
                "new_weeks": "",
                "old_status": sa,
                "new_status": sb,
                "detail": f"{text}; {why}" if why else text,
            }
        )
    df = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    if not len(df):
        return df
    prio = pd.to_numeric(df["priority"], errors="coerce").fillna(9).to_numpy()
    size = -np.abs(df["quantity_change"].to_numpy(dtype=float))
    status_last = (df["change"] == "status").to_numpy().astype(int)
    order = np.lexsort(
        (
            df["corridor_id"].to_numpy(dtype=str),
            df["donor_id"].to_numpy(dtype=str),
            status_last,
            df["request_id"].to_numpy(dtype=str),
            size,
            prio,
        )
    )
    out = df.iloc[order].reset_index(drop=True)
    out["priority"] = pd.array(out["priority"], dtype="Int64")
    return out


def changes_summary(changes: pd.DataFrame) -> str:
    """One sentence: how many rows of each change kind, or "no changes"."""
    if not len(changes):
        return "no changes: the two plans send the same units, in the same weeks"
    counts = changes["change"].value_counts()
    parts = [f"{int(counts[k])} {CHANGE_KINDS[k]}" for k in CHANGE_KINDS if k in counts]
    return f"{len(changes)} change(s): " + ", ".join(parts)
