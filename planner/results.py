"""Tidy DataFrames from a solved model (DESIGN.md §5); no file I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from planner.data import fulfilment_score, max_value
from planner.model import LinearModel
from planner.solve import Solution

MET_TOL = 1e-6
ALLOCATION_COLUMNS = [
    "request_id", "requested_item", "item_id", "donor_id", "offer_id", "corridor_id",
    "dispatch_period", "arrival_period", "arrival_date", "quantity", "effective_quantity",
    "unit_cost_eur", "cost_eur", "weight_t", "late_periods",
]  # fmt: skip


@dataclass
class PlanResult:
    """Everything a plan reports: the tables of §5 plus the solution they came from."""

    model: LinearModel
    solution: Solution
    allocations: pd.DataFrame
    requests: pd.DataFrame
    donors: pd.DataFrame
    corridors: pd.DataFrame
    summary: pd.DataFrame  # key, value
    extra_sheets: dict[str, pd.DataFrame] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)  # read, build, solve, extract, ...
    notes: list[str] = field(default_factory=list)  # remarks for the user (printed and in Summary)

    @property
    def fulfilment_score(self) -> float:
        return fulfilment_score(self.model.data, self.solution.value)

    def summary_dict(self) -> dict[str, Any]:
        return dict(zip(self.summary["key"], self.summary["value"], strict=True))


def allocations_table(model: LinearModel, x: np.ndarray) -> pd.DataFrame:
    """One row per variable with x > 0."""
    data = model.data
    sel = np.flatnonzero(x > 0)
    v = model.vars.iloc[sel]
    o, r, h = v["o"].to_numpy(), v["r"].to_numpy(), v["h"].to_numpy()
    q = x[sel]
    req, off = data.requests, data.offers
    arrival = v["arrival"].to_numpy()
    s = data.settings
    cost = q * v["cost_unit_eur"].to_numpy()
    df = pd.DataFrame(
        {
            "request_id": req["request_id"].to_numpy()[r],
            "requested_item": req["item_id"].to_numpy()[r],
            "item_id": off["item_id"].to_numpy()[o],
            "donor_id": off["donor_id"].to_numpy()[o],
            "offer_id": off["offer_id"].to_numpy()[o],
            "corridor_id": data.corridors["corridor_id"].to_numpy()[h],
            "dispatch_period": v["t"].to_numpy(),
            "arrival_period": arrival,
            "arrival_date": [s.date_of(int(a)) for a in arrival],
            "quantity": q,
            "effective_quantity": q * v["factor"].to_numpy(),
            "unit_cost_eur": v["cost_unit_eur"].to_numpy(),
            "cost_eur": cost,
            "weight_t": q * v["weight_t"].to_numpy(),
            "late_periods": v["late"].to_numpy(),
        },
        columns=ALLOCATION_COLUMNS,
    )
    return df.reset_index(drop=True)


def requests_table(model: LinearModel, x: np.ndarray) -> pd.DataFrame:
    """Per request line: delivered, unmet, arrivals, lateness and status (reason left empty)."""
    data = model.data
    req = data.requests
    v = model.vars
    r = v["r"].to_numpy()
    n = len(req)
    eff = x * v["factor"].to_numpy()
    delivered = np.bincount(r, weights=eff, minlength=n) if len(r) else np.zeros(n)
    pos = x > 0
    arr = v["arrival"].to_numpy().astype(float)
    first = np.full(n, np.inf)
    last = np.full(n, -np.inf)
    late = np.zeros(n)
    if pos.any():
        np.minimum.at(first, r[pos], arr[pos])
        np.maximum.at(last, r[pos], arr[pos])
        np.maximum.at(late, r[pos], v["late"].to_numpy()[pos].astype(float))
    q = req["quantity"].to_numpy(dtype=float)
    unmet = np.maximum(q - delivered, 0.0)
    unmet[unmet <= MET_TOL * np.maximum(q, 1.0)] = 0.0
    status = np.where(unmet == 0, "met", np.where(delivered > MET_TOL, "partly met", "unmet"))
    df = pd.DataFrame(
        {
            "request_id": req["request_id"],
            "item_id": req["item_id"],
            "requested_item": req["requested_item"],
            "priority": req["priority"],
            "quantity": q,
            "delivered": delivered,
            "unmet": unmet,
            "needed_by": req["needed_by"],
            "first_arrival": pd.array(
                [None if not np.isfinite(f) else int(f) for f in first], dtype="Int64"
            ),
            "last_arrival": pd.array(
                [None if not np.isfinite(f) else int(f) for f in last], dtype="Int64"
            ),
            "late_periods": late.astype(int),
            "status": status,
            "reason": "",
            "reason_detail": "",
            "destination": req["destination"],
        }
    )
    return df


def donors_table(model: LinearModel, x: np.ndarray) -> pd.DataFrame:
    """Per donor: budget, money spent, share used, units and tonnes sent."""
    data = model.data
    v = model.vars
    donors = data.donors
    pos = {d: i for i, d in enumerate(donors["donor_id"])}
    k = (
        np.array([pos[d] for d in data.offers["donor_id"]], dtype=int)[v["o"].to_numpy()]
        if len(v)
        else np.array([], int)
    )
    nd = len(donors)
    spent = np.bincount(k, weights=x * model.cost_eur, minlength=nd) if len(k) else np.zeros(nd)
    units = np.bincount(k, weights=x, minlength=nd) if len(k) else np.zeros(nd)
    tonnes = (
        np.bincount(k, weights=x * v["weight_t"].to_numpy(), minlength=nd)
        if len(k)
        else np.zeros(nd)
    )
    budget = donors["budget_eur"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        used = np.where(budget > 0, spent / budget, np.nan)
    return pd.DataFrame(
        {
            "donor_id": donors["donor_id"],
            "name": donors["name"],
            "budget_eur": budget,
            "spent_eur": spent,
            "budget_used": used,
            "units": units,
            "tonnes": tonnes,
        }
    )


def corridors_table(model: LinearModel, x: np.ndarray) -> pd.DataFrame:
    """Per real corridor and period: capacity, tonnes dispatched, utilisation."""
    data = model.data
    corr = data.corridors
    real = np.flatnonzero(~corr["virtual"].to_numpy(dtype=bool))
    T = data.horizon
    v = model.vars
    used = np.zeros((len(corr), T))
    if len(v):
        np.add.at(used, (v["h"].to_numpy(), v["t"].to_numpy() - 1), x * v["weight_t"].to_numpy())
    rows = []
    for h in real:
        for t in range(1, T + 1):
            cap = float(data.capacity_t[h, t - 1])
            u = float(used[h, t - 1])
            rows.append(
                {
                    "corridor_id": corr["corridor_id"].iloc[h],
                    "mode": corr["mode"].iloc[h],
                    "period": t,
                    "period_start": data.settings.date_of(t),
                    "capacity_t": cap,
                    "used_t": u,
                    "utilisation": (u / cap) if cap > 0 else (np.nan if u == 0 else np.inf),
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "corridor_id",
            "mode",
            "period",
            "period_start",
            "capacity_t",
            "used_t",
            "utilisation",
        ],
    )


def summary_table(model: LinearModel, sol: Solution, requests: pd.DataFrame) -> pd.DataFrame:
    """Key figures: score, value, status, gap, cost, lines met by priority, time, solver."""
    rows: list[tuple[str, Any]] = [
        ("fulfilment score", fulfilment_score(model.data, sol.value)),
        ("value", sol.value),
        ("maximum value", max_value(model.data)),
        ("status", str(sol.status)),
        ("proven optimal", sol.proven_optimal),
        ("gap", sol.gap),
        ("total cost eur", sol.cost_eur),
        ("request lines", len(requests)),
    ]
    for p in (1, 2, 3, 4):
        sub = requests[requests["priority"] == p]
        for st in ("met", "partly met", "unmet"):
            rows.append((f"priority {p} lines {st}", int((sub["status"] == st).sum())))
    rows += [
        ("variables", model.n_vars),
        ("constraints", model.n_rows),
        ("model type", "MILP" if model.is_mip else "LP"),
        ("solve time s", sol.solve_time_s),
        ("solver", sol.solver),
        ("solver version", sol.solver_version),
        ("stages solved", sol.stages_solved),
    ]
    return pd.DataFrame(rows, columns=["key", "value"])


def extract(model: LinearModel, sol: Solution) -> PlanResult:
    """All §5 tables for a solved model."""
    x = sol.x
    req = requests_table(model, x)
    return PlanResult(
        model=model,
        solution=sol,
        allocations=allocations_table(model, x),
        requests=req,
        donors=donors_table(model, x),
        corridors=corridors_table(model, x),
        summary=summary_table(model, sol, req),
    )
