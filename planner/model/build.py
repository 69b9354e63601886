"""build_model(data): variables from the dispatch table, one add_<family>() per constraint family.

The model is held as arrays (columns, rows, coefficients) so any backend — HiGHS directly, or
PuLP for CBC and LP files — can be fed in bulk. See docs/decisions/0001-array-model-core.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.data import PlanningData, dispatch_table
from planner.model.families import FAMILIES
from planner.model.names import solver_names
from planner.model.rows import POSITION_COLUMNS, RowBlock, with_upper
from planner.model.stability import StabilityTarget

__all__ = ["POSITION_COLUMNS", "LinearModel", "RowBlock", "StabilityTarget", "build_model"]


@dataclass
class LinearModel:
    """Variables, objectives and constraint families of one planning problem.

    vars: the dispatch table (o, r, h, t, factor, arrival) + value, cost_eur, weight_t, integer;
        one row per x variable, the first ``n_x`` columns of the model
    usable: one row per usable-units variable U[r,t] of a package line (DESIGN.md §4.1):
        r, t, request_id; columns ``n_x`` … ``n_vars − 1`` in this order
    value: primary objective coefficient per variable (maximise)
    cost_eur: secondary objective (minimise); arrival period per variable (stage 3, see earliness)
    blocks: constraint families in DESIGN.md order
    stability: frozen columns and the previous plan when re-planning (DESIGN.md §7,
        planner.model.stability), else None

    Arrays indexed by variable (value, cost_eur, arrival, integer, a solution's x) cover every
    column; code that reads dispatch columns of ``vars`` takes ``x[: n_x]``.
    """

    data: PlanningData
    vars: pd.DataFrame
    value: np.ndarray
    cost_eur: np.ndarray
    arrival: np.ndarray
    integer: np.ndarray
    blocks: list[RowBlock] = field(default_factory=list)
    stability: StabilityTarget | None = None
    usable: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            {"r": np.array([], np.int64), "t": np.array([], np.int64), "request_id": []}
        )
    )

    @property
    def earliness(self) -> np.ndarray:
        """Stage-3 objective (maximise): T + 1 − arrival per unit. Rewarding early units rather
        than penalising late ones means the stage never gains by sending less — except parts
        of packages (−1 each; their usable units U count +1 per period instead, see
        build_model), so free parts that make nothing usable are not sent."""
        return (self.data.horizon + 1.0) - self.arrival

    def col_names(self) -> list[str]:
        """``x[offer,request,corridor,week]`` per variable (week: the dispatch period), unique
        by construction (planner.model.names)."""
        v, d = self.vars, self.data
        names = solver_names(
            "x",
            [
                d.offers["offer_id"].to_numpy()[v["o"].to_numpy()].tolist(),
                d.requests["request_id"].to_numpy()[v["r"].to_numpy()].tolist(),
                d.corridors["corridor_id"].to_numpy()[v["h"].to_numpy()].tolist(),
                v["t"].tolist(),
            ],
        )
        if len(self.usable):
            u = self.usable
            names += solver_names("usable", [u["request_id"].tolist(), u["t"].tolist()])
        return names

    @property
    def n_x(self) -> int:
        """Number of dispatch variables x (the first columns)."""
        return len(self.vars)

    @property
    def n_vars(self) -> int:
        return len(self.vars) + len(self.usable)

    @property
    def n_rows(self) -> int:
        return sum(b.n_rows for b in self.blocks)

    @property
    def is_mip(self) -> bool:
        return bool(self.integer.any())

    def block(self, family: str) -> RowBlock:
        return next(b for b in self.blocks if b.family == family)

    def row_offsets(self) -> dict[str, int]:
        """Position of each family's first row in the stacked constraint matrix."""
        out, pos = {}, 0
        for b in self.blocks:
            out[b.family] = pos
            pos += b.n_rows
        return out

    def delivered(self, x: np.ndarray) -> np.ndarray:
        """Per request line: units of the requested item sent, Σ factor · x over the dispatch
        columns of ``x`` (its first ``n_x`` entries; a full solution's usable units are not
        counted). Shape (number of request lines,)."""
        n = len(self.data.requests)
        if not len(self.vars):
            return np.zeros(n)
        v = self.vars
        eff = x[: self.n_x] * v["factor"].to_numpy(dtype=float)
        return np.bincount(v["r"].to_numpy(), weights=eff, minlength=n)

    def row_activity(self, x: np.ndarray) -> np.ndarray:
        """Σ a·x per family row, in stacked() order (family by family, no sort of the matrix)."""
        out = np.zeros(self.n_rows)
        offset = 0
        for b in self.blocks:
            if b.n_rows:
                out[offset : offset + b.n_rows] = b.activity(x)
            offset += b.n_rows
        return out

    def row_upper(self) -> np.ndarray:
        """Right-hand side b per family row (Σ a·x ≤ b), in stacked() order, as floats."""
        if not self.blocks:
            return np.zeros(0)
        return np.concatenate([b.upper for b in self.blocks]).astype(float)

    def stacked(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """All families as one matrix: (row, var, coef) triplets sorted by row, and row uppers."""
        rows, cols, coefs, uppers = [], [], [], []
        offset = 0
        for b in self.blocks:
            # Families hold disjoint row ranges, so sorting each one and stacking them in order
            # sorts the whole matrix. Their variables come in ascending order, so a stable sort
            # by row alone (a radix sort) gives (row, var) order without a two-key lexsort.
            if len(b.var) < 2 or bool((np.diff(b.var) >= 0).all()):
                order = np.argsort(b.row, kind="stable")
            else:
                order = np.lexsort((b.var, b.row))
            rows.append(b.row[order] + offset)
            cols.append(b.var[order])
            coefs.append(b.coef[order])
            uppers.append(b.upper)
            offset += b.n_rows
        if not rows:
            e = np.array([], dtype=float)
            return e.astype(np.int64), e.astype(np.int64), e, e
        r = np.concatenate(rows).astype(np.int64)
        c = np.concatenate(cols).astype(np.int64)
        v = np.concatenate(coefs).astype(float)
        return r, c, v, np.concatenate(uppers).astype(float)


def build_model(data: PlanningData) -> LinearModel:
    """Variables for every allowed (o, r, h, t) and the five constraint families of §4."""
    v = dispatch_table(data)
    o = v["o"].to_numpy()
    r = v["r"].to_numpy()
    offers, req = data.offers, data.requests
    s = data.settings
    v["weight_t"] = offers["unit_weight_t"].to_numpy(dtype=float)[o]
    v["cost_unit_eur"] = offers["unit_cost_eur"].to_numpy(dtype=float)[o]
    v["integer"] = offers["integer"].to_numpy(dtype=bool)[o]
    late = np.maximum(0, v["arrival"].to_numpy() - req["due"].to_numpy(dtype=int)[r])
    v["late"] = late
    per_unit = (
        req["weight_value"].to_numpy(dtype=float)[r] / req["quantity"].to_numpy(dtype=float)[r]
    )
    value = per_unit * v["factor"].to_numpy(dtype=float) * (1.0 - s.late_penalty * late)
    # Package lines (DESIGN.md §4.1): their own x carry no value (the usable units U do), and
    # component lines have weight 0 already.
    value[req["is_package"].to_numpy(dtype=bool)[r]] = 0.0
    u = usable_table(data)
    T = data.horizon
    # Earlier arrivals (last stage), maximising Σ (T + 1 − arrival) · column: shipments of
    # package and component lines count through the usable units instead (each U[r,t]
    # counts 1, so Σ_t U[r,t] rewards every unit complete early), and each part shipped
    # counts −1 (arrival T + 2), so the stage takes back free parts that make nothing
    # usable (the third launcher without missiles); the parts a usable unit needs stay,
    # since the value stage's optimum holds U.
    in_package = (req["is_package"].to_numpy(dtype=bool) | (req["package_of"].to_numpy() >= 0))[r]
    x_arrival = np.where(in_package, T + 2.0, v["arrival"].to_numpy(dtype=float))
    m = LinearModel(
        data=data,
        vars=v,
        value=np.concatenate([value, usable_value(data, u)]),
        cost_eur=np.concatenate([v["cost_unit_eur"].to_numpy(dtype=float), np.zeros(len(u))]),
        arrival=np.concatenate([x_arrival, np.full(len(u), float(T))]),
        integer=np.concatenate(
            [
                v["integer"].to_numpy(dtype=bool),
                req["item_integer"].to_numpy(dtype=bool)[u["r"].to_numpy()],
            ]
        ),
        usable=u,
    )
    for family in FAMILIES:
        block = family.rows(m)
        upper = family.rhs(data, block.labels) if block.n_rows else np.zeros(0)
        m.blocks.append(with_upper(block, upper))
    return m


def usable_table(data: PlanningData) -> pd.DataFrame:
    """One U[r,t] per package line r and period t = e_r … T (before e_r nothing arrives).

    Columns r, t, request_id, in (r, t) order.
    """
    req = data.requests
    T = data.horizon
    pk: list[int] = (
        np.flatnonzero(req["is_package"].to_numpy(dtype=bool)).tolist()
        if "is_package" in req
        else []
    )
    rs: list[np.ndarray] = []
    ts: list[np.ndarray] = []
    for r in pk:
        e = min(max(int(req["earliest"].iat[r]), 1), T)
        ts.append(np.arange(e, T + 1, dtype=np.int64))
        rs.append(np.full(T + 1 - e, r, dtype=np.int64))
    r_all = np.concatenate(rs) if rs else np.array([], dtype=np.int64)
    t_all = np.concatenate(ts) if ts else np.array([], dtype=np.int64)
    ids = req["request_id"].to_numpy()[r_all] if len(r_all) else np.array([], dtype=object)
    return pd.DataFrame({"r": r_all, "t": t_all, "request_id": ids})


def usable_value(data: PlanningData, u: pd.DataFrame) -> np.ndarray:
    """Objective coefficient of each U[r,t] (DESIGN.md §4.1).

    value_r = (W_r / q_r) · Σ_t (U_r,t − U_r,t−1) · g(t), g(t) = 1 − λ · max(0, t − d_r),
    rearranged by parts: U_r,t gets (W_r / q_r) · (g(t) − g(t+1)) = (W_r / q_r) · λ for
    d_r ≤ t < T (0 before d_r), and U_r,T gets (W_r / q_r) · g(T).
    """
    if not len(u):
        return np.zeros(0)
    req = data.requests
    lam = data.settings.late_penalty
    T = data.horizon
    r = u["r"].to_numpy()
    t = u["t"].to_numpy()
    per_unit = (
        req["weight_value"].to_numpy(dtype=float)[r] / req["quantity"].to_numpy(dtype=float)[r]
    )
    due = req["due"].to_numpy(dtype=int)[r]
    coef = np.where(t >= due, lam, 0.0)
    last = t == T
    coef[last] = 1.0 - lam * np.maximum(0, T - due[last])
    return per_unit * coef
