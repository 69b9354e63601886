"""The constraint families of DESIGN.md §4: one `Family` object each, in one registry.

Everything that gives a family its meaning lives here and nowhere else: its name, formula, the
index of its rows, units, how its rows are built from the variables, how its right-hand side
follows from the planning data (so a what-if run can recompute it), which kind of cause it is in
explanations, and how the Bottlenecks sheet words its marginal value. `build_model`,
planner.whatif, planner.explain and planner.marginals all read `FAMILIES`; docs/model.md
describes the same families, and tests/test_family_registry.py checks that each one has a
hand-checked binding and non-binding test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from planner.data import PlanningData
from planner.model.rows import RowBlock, group_block, labelled

if TYPE_CHECKING:
    from planner.model.build import LinearModel


@dataclass(frozen=True)
class Marginal:
    """How the Bottlenecks sheet words one family's marginal value (planner.marginals)."""

    limit_kind: str
    """The sheet's "limit_kind" ("donor budget")."""
    step: str
    """One step of the limit the value gain is quoted for; ``{period}`` is the period word."""
    unit: str
    step_size: float
    """The step in the row's own units (10^6 for +1 M EUR)."""


@dataclass(frozen=True)
class Family:
    """One constraint family (rows ``Σ coef · x ≤ rhs``, one per index value).

    name: ``<subject>_<rule>``, also the prefix of its solver row names.
    formula: the inequality in the notation of docs/model.md.
    index: the readable index columns of its rows (row names ``name[index values]``).
    units: units of the rows' left- and right-hand sides.
    rows: model -> RowBlock of the family's rows (right-hand side not yet set).
    rhs: (planning data, row labels) -> right-hand side per row; recomputed by what-if runs
        from scenario-applied data.
    explain_kind: the cause this family stands for in explanations ("stock", "rate",
        "budget", "corridor"), or None.
    marginal: Bottlenecks wording, or None when the sheet does not list the family.
    in_scenarios: a scenario can change the right-hand side (budgets, capacities).
    """

    name: str
    formula: str
    index: tuple[str, ...]
    units: str
    rows: Callable[[LinearModel], RowBlock]
    rhs: Callable[[PlanningData, pd.DataFrame], np.ndarray]
    explain_kind: str | None = None
    marginal: Marginal | None = None
    in_scenarios: bool = False


def _pos(labels: pd.DataFrame, col: str) -> np.ndarray:
    return labels[col].to_numpy(dtype=int) if len(labels) else np.array([], dtype=int)


# -- request_demand ---------------------------------------------------------------------------


def request_demand_rows(m: LinearModel) -> RowBlock:
    """request_demand[r]: Σ_{o,h,t} f_or · x[o,r,h,t] ≤ q_r  (units of the requested item).

    No over-delivery. One row per request that has at least one variable.
    """
    v = m.vars
    b = group_block(
        "request_demand",
        pd.DataFrame({"r": v["r"].to_numpy()}),
        np.arange(len(v)),
        v["factor"].to_numpy(dtype=float),
    )
    return labelled(b, {"r": ("request_id", m.data.requests["request_id"])})


def request_demand_rhs(data: PlanningData, labels: pd.DataFrame) -> np.ndarray:
    """q_r: the requested quantity."""
    return data.requests["quantity"].to_numpy(dtype=float)[_pos(labels, "r")]


# -- offer_stock ------------------------------------------------------------------------------


def offer_stock_rows(m: LinearModel) -> RowBlock:
    """offer_stock[o]: Σ_{r,h,t} x[o,r,h,t] ≤ s_o  (units of the offered item)."""
    v = m.vars
    b = group_block(
        "offer_stock", pd.DataFrame({"o": v["o"].to_numpy()}), np.arange(len(v)), np.ones(len(v))
    )
    return labelled(b, {"o": ("offer_id", m.data.offers["offer_id"])})


def offer_stock_rhs(data: PlanningData, labels: pd.DataFrame) -> np.ndarray:
    """s_o: the offered quantity."""
    return data.offers["quantity"].to_numpy(dtype=float)[_pos(labels, "o")]


# -- offer_rate -------------------------------------------------------------------------------


def offer_rate_rows(m: LinearModel) -> RowBlock:
    """offer_rate[o,t]: Σ_{r,h} x[o,r,h,t] ≤ m_o, for offers with max_per_period only."""
    v = m.vars
    off = m.data.offers
    rate = off["max_per_period"].to_numpy(dtype=float)
    o = v["o"].to_numpy()
    sel = np.flatnonzero(~np.isnan(rate[o]))
    b = group_block(
        "offer_rate",
        pd.DataFrame({"o": o[sel], "t": v["t"].to_numpy()[sel]}),
        sel,
        np.ones(len(sel)),
    )
    return labelled(b, {"o": ("offer_id", off["offer_id"]), "t": ("period", None)})


def offer_rate_rhs(data: PlanningData, labels: pd.DataFrame) -> np.ndarray:
    """m_o: units per period."""
    return data.offers["max_per_period"].to_numpy(dtype=float)[_pos(labels, "o")]


# -- donor_budget -----------------------------------------------------------------------------


def donor_of_variable(m: LinearModel) -> np.ndarray:
    """Donor position (row of data.donors) of every variable: the one home of this map."""
    donors = m.data.donors
    pos = {d: i for i, d in enumerate(donors["donor_id"])}
    k_of_o = np.array([pos[d] for d in m.data.offers["donor_id"]], dtype=np.int64)
    o = m.vars["o"].to_numpy()
    return k_of_o[o] if len(o) else np.array([], dtype=np.int64)


def donor_budget_rows(m: LinearModel) -> RowBlock:
    """donor_budget[k]: Σ c_o · x[o,r,h,t] over offers of donor k ≤ B_k (EUR, already scaled).

    Skipped for donors without a budget and for variables that cost nothing.
    """
    donors = m.data.donors
    k = donor_of_variable(m)
    has_budget = ~np.isnan(donors["budget_eur"].to_numpy(dtype=float))
    cost = m.cost_eur[: m.n_x]
    sel = np.flatnonzero(has_budget[k] & (cost > 0)) if len(k) else np.array([], int)
    b = group_block("donor_budget", pd.DataFrame({"k": k[sel]}), sel, cost[sel])
    return labelled(b, {"k": ("donor_id", donors["donor_id"])})


def donor_budget_rhs(data: PlanningData, labels: pd.DataFrame) -> np.ndarray:
    """B_k: the donor's budget after budget scaling (EUR)."""
    return data.donors["budget_eur"].to_numpy(dtype=float)[_pos(labels, "k")]


# -- corridor_capacity ------------------------------------------------------------------------


def corridor_capacity_rows(m: LinearModel) -> RowBlock:
    """corridor_capacity[h,t]: Σ w_i · x[o,r,h,t] dispatched into h in t ≤ C_h,t  (tonnes).

    Skipped for the virtual corridor of weightless items.
    """
    v = m.vars
    corr = m.data.corridors
    h = v["h"].to_numpy()
    virtual = corr["virtual"].to_numpy(dtype=bool)
    sel = np.flatnonzero(~virtual[h]) if len(h) else np.array([], int)
    w = v["weight_t"].to_numpy(dtype=float)
    b = group_block(
        "corridor_capacity", pd.DataFrame({"h": h[sel], "t": v["t"].to_numpy()[sel]}), sel, w[sel]
    )
    return labelled(b, {"h": ("corridor_id", corr["corridor_id"]), "t": ("period", None)})


def corridor_capacity_rhs(data: PlanningData, labels: pd.DataFrame) -> np.ndarray:
    """C_h,t: tonnes per period after capacity changes and scenario scaling."""
    if not len(labels):
        return np.zeros(0)
    return data.capacity_t[_pos(labels, "h"), _pos(labels, "t") - 1].astype(float)


# -- packages (DESIGN.md §4.1) ----------------------------------------------------------------


def usable_columns(m: LinearModel) -> dict[int, tuple[int, int]]:
    """Package line position r -> (column of U[r, first period], first period)."""
    u = m.usable
    out: dict[int, tuple[int, int]] = {}
    for j, (r, t) in enumerate(zip(u["r"].tolist(), u["t"].tolist(), strict=True)):
        if r not in out:
            out[r] = (m.n_x + j, t)
    return out


def package_usable_rows(m: LinearModel) -> RowBlock:
    """package_usable[r,c,t]: ρ_c · U[r,t] − Σ_{x serving r_c, arrival ≤ t} f · x ≤ 0.

    One row per package line r, part c (the system itself with ρ = 1, and each component line
    r_c with its ρ_c per system unit) and period t from e_r to T: usable units never exceed
    the systems, nor any component's units divided by ρ_c, arrived by t (units of the system).
    """
    req = m.data.requests
    T = m.data.horizon
    cols = usable_columns(m)
    if not cols:
        empty = pd.DataFrame({"r": np.array([], np.int64), "t": np.array([], np.int64)}).assign(
            request_id=[], part=[], period=np.array([], np.int64)
        )
        z = np.array([], dtype=np.int64)
        return RowBlock("package_usable", empty, z, z.copy(), np.zeros(0), np.zeros(0))
    is_pk = req["is_package"].to_numpy(dtype=bool)
    parent = np.where(is_pk, np.arange(len(req)), req["package_of"].to_numpy(dtype=np.int64))
    rho = np.where(is_pk, 1.0, req["rho"].to_numpy(dtype=float))
    # x entries: each x of a part line counts in every period from its arrival to T
    v = m.vars
    xr = v["r"].to_numpy()
    sel = np.flatnonzero(parent[xr] >= 0) if len(xr) else np.array([], dtype=np.int64)
    arr = v["arrival"].to_numpy(dtype=np.int64)[sel]
    n = np.maximum(T - arr + 1, 0)
    x_var = np.repeat(sel, n)
    starts = np.repeat(np.cumsum(n) - n, n)
    x_t = np.repeat(arr, n) + (np.arange(int(n.sum())) - starts)
    x_line = xr[x_var]
    x_coef = -v["factor"].to_numpy(dtype=float)[x_var]
    # U entries: one per (part line, period of its package's U)
    lines = np.flatnonzero(parent >= 0)
    u_line: list[np.ndarray] = []
    u_t: list[np.ndarray] = []
    u_var: list[np.ndarray] = []
    for line in lines.tolist():
        first_col, first_t = cols[int(parent[line])]
        ts = np.arange(first_t, T + 1, dtype=np.int64)
        u_line.append(np.full(len(ts), line, dtype=np.int64))
        u_t.append(ts)
        u_var.append(first_col + (ts - first_t))
    ul, ut, uv = np.concatenate(u_line), np.concatenate(u_t), np.concatenate(u_var)
    b = group_block(
        "package_usable",
        pd.DataFrame({"r": np.concatenate([ul, x_line]), "t": np.concatenate([ut, x_t])}),
        np.concatenate([uv, x_var]),
        np.concatenate([rho[ul], x_coef]),
    )
    lab = b.labels
    pr = parent[_pos(lab, "r")]
    labels = pd.DataFrame(
        {
            "r": lab["r"].to_numpy(),
            "request_id": req["request_id"].to_numpy()[pr],
            "part": req["item_id"].to_numpy()[_pos(lab, "r")],
            "t": lab["t"].to_numpy(),
            "period": lab["t"].to_numpy(),
        }
    )
    return RowBlock(b.family, labels, b.var, b.row, b.coef, b.upper)


def package_order_rows(m: LinearModel) -> RowBlock:
    """package_order[r,t]: U[r,t−1] − U[r,t] ≤ 0 for t = e_r + 1 … T: usable units never fall
    (a package, once complete, stays usable). U[r,T] ≤ q_r follows from request_demand."""
    req = m.data.requests
    T = m.data.horizon
    cols = usable_columns(m)
    rs, ts, vs, cs = [], [], [], []
    for r, (first_col, first_t) in sorted(cols.items()):
        t = np.arange(first_t + 1, T + 1, dtype=np.int64)
        j = first_col + (t - first_t)
        rs += [np.full(len(t), r), np.full(len(t), r)]
        ts += [t, t]
        vs += [j - 1, j]
        cs += [np.ones(len(t)), -np.ones(len(t))]
    if not rs:
        z = np.array([], dtype=np.int64)
        b = group_block("package_order", pd.DataFrame({"r": z, "t": z}), z, np.zeros(0))
    else:
        b = group_block(
            "package_order",
            pd.DataFrame({"r": np.concatenate(rs), "t": np.concatenate(ts)}),
            np.concatenate(vs),
            np.concatenate(cs),
        )
    return labelled(b, {"r": ("request_id", req["request_id"]), "t": ("period", None)})


def zero_rhs(data: PlanningData, labels: pd.DataFrame) -> np.ndarray:
    """0: the package rows compare two sides that both move."""
    return np.zeros(len(labels))


FAMILIES: tuple[Family, ...] = (
    Family(
        "request_demand",
        "Σ_{o,h,t} f_or · x[o,r,h,t] ≤ q_r",
        ("request_id",),
        "units of the requested item",
        request_demand_rows,
        request_demand_rhs,
    ),
    Family(
        "offer_stock",
        "Σ_{r,h,t} x[o,r,h,t] ≤ s_o",
        ("offer_id",),
        "units of the offered item",
        offer_stock_rows,
        offer_stock_rhs,
        explain_kind="stock",
    ),
    Family(
        "offer_rate",
        "Σ_{r,h} x[o,r,h,t] ≤ m_o",
        ("offer_id", "period"),
        "units of the offered item per period",
        offer_rate_rows,
        offer_rate_rhs,
        explain_kind="rate",
    ),
    Family(
        "donor_budget",
        "Σ_{o of k, r,h,t} c_o · x[o,r,h,t] ≤ B_k",
        ("donor_id",),
        "EUR",
        donor_budget_rows,
        donor_budget_rhs,
        explain_kind="budget",
        marginal=Marginal("donor budget", "+1 M EUR", "EUR", 1e6),
        in_scenarios=True,
    ),
    Family(
        "corridor_capacity",
        "Σ_{o,r: dispatched into h in t} w_{i_o} · x[o,r,h,t] ≤ C_h,t",
        ("corridor_id", "period"),
        "tonnes per period",
        corridor_capacity_rows,
        corridor_capacity_rhs,
        explain_kind="corridor",
        marginal=Marginal("corridor capacity", "+1 t in every {period}", "t", 1.0),
        in_scenarios=True,
    ),
    Family(
        "package_usable",
        "ρ_c · U[r,t] − Σ_{o,h,s: s+τ_h ≤ t} f · x[o,r_c,h,s] ≤ 0",
        ("request_id", "part", "period"),
        "units of the system (usable) against units arrived ÷ ρ_c",
        package_usable_rows,
        zero_rhs,
    ),
    Family(
        "package_order",
        "U[r,t−1] − U[r,t] ≤ 0",
        ("request_id", "period"),
        "units of the system (usable)",
        package_order_rows,
        zero_rhs,
    ),
)
"""Every constraint family, in DESIGN.md §4 order (the order of the model's rows)."""


def family(name: str) -> Family:
    """The family called ``name`` (KeyError naming the known ones otherwise)."""
    for f in FAMILIES:
        if f.name == name:
            return f
    raise KeyError(f"no constraint family {name!r}; known: {[f.name for f in FAMILIES]}")


SCENARIO_FAMILIES: tuple[str, ...] = tuple(f.name for f in FAMILIES if f.in_scenarios)
"""Families whose right-hand side a scenario can change (what-if runs set only these)."""
