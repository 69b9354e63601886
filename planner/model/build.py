"""build_model(data): variables from the dispatch table, one add_<family>() per constraint family.

The model is held as arrays (columns, rows, coefficients) so any backend — HiGHS directly, or
PuLP for CBC and LP files — can be fed in bulk. See docs/decisions/0001-array-model-core.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.data import PlanningData, dispatch_table


@dataclass(frozen=True)
class RowBlock:
    """One constraint family: rows ``lower ≤ Σ coef · x ≤ upper``, each row named by its index.

    Every variable belongs to at most one row of a family, so the family is stored as
    (var, row, coef) triplets plus one label table with a row per constraint.
    """

    family: str
    labels: pd.DataFrame  # one row per constraint; columns name the index (e.g. offer_id, period)
    var: np.ndarray  # variable positions
    row: np.ndarray  # row position within the family, same length as var
    coef: np.ndarray
    upper: np.ndarray  # right-hand side per row (lower bound is -inf for every family)

    @property
    def n_rows(self) -> int:
        return len(self.labels)

    def row_names(self) -> list[str]:
        """`family[id1,id2]` per row from the readable label columns, for LP files and reports."""
        cols = [c for c in self.labels.columns if c not in POSITION_COLUMNS]
        if not self.n_rows:
            return []
        keys = self.labels[cols].astype(str).agg(",".join, axis=1)
        return [f"{self.family}[{k}]" for k in keys]


POSITION_COLUMNS = ("r", "o", "h", "k", "t")
"""Label columns holding model positions; the readable ids sit beside them."""


@dataclass(frozen=True)
class StabilityTarget:
    """Re-planning against a previous plan (DESIGN.md §7): what the solver keeps and prefers.

    previous: units per model column in the previous plan (0 where it had none).
    fixed: True for the columns of frozen allocations (dispatched before ``--as-of`` or in the
        ``--freeze-weeks``): held at ``previous`` exactly (column lower = upper bound), so they use
        stock, rate, budget and corridor capacity as they did.
    The stability stage (planner.solve, stage "stability") prefers, among value-optimal plans,
    the one that moves the fewest of the ``previous`` units of the columns that are not fixed.
    """

    previous: np.ndarray
    fixed: np.ndarray

    @property
    def fixed_cols(self) -> np.ndarray:
        return np.flatnonzero(self.fixed).astype(np.int32)

    @property
    def kept_cols(self) -> np.ndarray:
        """Columns the stability stage rewards: in the previous plan and not fixed."""
        return np.flatnonzero((self.previous > 0) & ~self.fixed).astype(np.int32)


@dataclass
class LinearModel:
    """Variables, objectives and constraint families of one planning problem.

    vars: the dispatch table (o, r, h, t, factor, arrival) + value, cost_eur, weight_t, integer
    value: primary objective coefficient per variable (maximise)
    cost_eur: secondary objective (minimise); arrival period per variable (stage 3, see earliness)
    blocks: constraint families in DESIGN.md order
    stability: frozen allocations and the previous plan, when re-planning (StabilityTarget)
    """

    data: PlanningData
    vars: pd.DataFrame
    value: np.ndarray
    cost_eur: np.ndarray
    arrival: np.ndarray
    integer: np.ndarray
    blocks: list[RowBlock] = field(default_factory=list)
    stability: StabilityTarget | None = None
    """Only when re-planning (§7): frozen columns and the stability stage's target."""

    @property
    def earliness(self) -> np.ndarray:
        """Stage-3 objective (maximise): T + 1 − arrival per unit. Rewarding early units rather
        than penalising late ones means the stage never gains by sending less."""
        return (self.data.horizon + 1.0) - self.arrival

    @property
    def n_vars(self) -> int:
        return len(self.vars)

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


def _group_block(
    family: str,
    keys: pd.DataFrame,
    var: np.ndarray,
    coef: np.ndarray,
    upper_of: pd.Series | np.ndarray | None = None,
) -> RowBlock:
    """Group variables by ``keys`` (one row per distinct key), in sorted key order."""
    cols = list(keys.columns)
    if len(var) == 0:
        empty = pd.DataFrame({c: np.array([], dtype=np.int64) for c in cols})
        return RowBlock(family, empty, var, var.copy(), coef, np.array([], dtype=float))
    # Integer keys combined in mixed radix, then np.unique: sorted, fast, no Python loop.
    arrays = [keys[c].to_numpy(dtype=np.int64) for c in cols]
    radix = [int(a.max()) + 1 for a in arrays]
    combined = np.zeros(len(var), dtype=np.int64)
    for a, base in zip(arrays, radix, strict=True):
        combined = combined * base + a
    size = int(np.prod(np.asarray(radix, dtype=float)))
    if size <= max(4 * len(var), 1 << 16):
        # A small key space (offers × periods, corridors × periods, ...): mark the keys in use
        # and number them in order, O(n) instead of np.unique's sort; the same result.
        used = np.zeros(size, dtype=bool)
        used[combined] = True
        uniq = np.flatnonzero(used)
        number = np.cumsum(used) - 1
        codes = number[combined]
    else:
        uniq, codes = np.unique(combined, return_inverse=True)
    decoded = {}
    rest = uniq
    for c, base in zip(reversed(cols), reversed(radix), strict=True):
        decoded[c] = rest % base
        rest = rest // base
    labels = pd.DataFrame({c: decoded[c] for c in cols})
    upper = np.asarray(upper_of, dtype=float) if upper_of is not None else np.array([])
    return RowBlock(family, labels, var, codes.astype(np.int64).ravel(), coef, upper)


def add_request_demand(m: LinearModel) -> None:
    """request_demand[r]: Σ_{o,h,t} f_or · x[o,r,h,t] ≤ q_r  (units of the requested item).

    No over-delivery. One row per request that has at least one variable.
    """
    v = m.vars
    req = m.data.requests
    b = _group_block(
        "request_demand",
        pd.DataFrame({"r": v["r"].to_numpy()}),
        np.arange(len(v)),
        v["factor"].to_numpy(dtype=float),
    )
    b = _with_upper(b, req["quantity"].to_numpy(dtype=float)[b.labels["r"].to_numpy(dtype=int)])
    m.blocks.append(_labelled(b, {"r": ("request_id", req["request_id"])}))


def add_offer_stock(m: LinearModel) -> None:
    """offer_stock[o]: Σ_{r,h,t} x[o,r,h,t] ≤ s_o  (units of the offered item)."""
    v = m.vars
    off = m.data.offers
    b = _group_block(
        "offer_stock", pd.DataFrame({"o": v["o"].to_numpy()}), np.arange(len(v)), np.ones(len(v))
    )
    b = _with_upper(b, off["quantity"].to_numpy(dtype=float)[b.labels["o"].to_numpy(dtype=int)])
    m.blocks.append(_labelled(b, {"o": ("offer_id", off["offer_id"])}))


def add_offer_rate(m: LinearModel) -> None:
    """offer_rate[o,t]: Σ_{r,h} x[o,r,h,t] ≤ m_o, for offers with max_per_period only."""
    v = m.vars
    off = m.data.offers
    rate = off["max_per_period"].to_numpy(dtype=float)
    o = v["o"].to_numpy()
    sel = np.flatnonzero(~np.isnan(rate[o]))
    b = _group_block(
        "offer_rate",
        pd.DataFrame({"o": o[sel], "t": v["t"].to_numpy()[sel]}),
        sel,
        np.ones(len(sel)),
    )
    b = _with_upper(b, rate[b.labels["o"].to_numpy(dtype=int)] if b.n_rows else np.array([]))
    m.blocks.append(_labelled(b, {"o": ("offer_id", off["offer_id"]), "t": ("period", None)}))


def add_donor_budget(m: LinearModel) -> None:
    """donor_budget[k]: Σ c_o · x[o,r,h,t] over offers of donor k ≤ B_k (EUR, already scaled).

    Skipped for donors without a budget and for variables that cost nothing.
    """
    v = m.vars
    off = m.data.offers
    donors = m.data.donors
    budget = dict(zip(donors["donor_id"], donors["budget_eur"].to_numpy(dtype=float), strict=True))
    donor_of_offer = off["donor_id"].to_numpy()
    donor_pos = {d: i for i, d in enumerate(donors["donor_id"])}
    k = (
        np.array([donor_pos[d] for d in donor_of_offer], dtype=np.int64)[v["o"].to_numpy()]
        if len(off)
        else np.array([], dtype=np.int64)
    )
    has_budget = np.array([not np.isnan(budget[d]) for d in donors["donor_id"]], dtype=bool)
    sel = np.flatnonzero(has_budget[k] & (m.cost_eur > 0)) if len(k) else np.array([], int)
    b = _group_block("donor_budget", pd.DataFrame({"k": k[sel]}), sel, m.cost_eur[sel])
    b = _with_upper(
        b,
        donors["budget_eur"].to_numpy(dtype=float)[b.labels["k"].to_numpy(dtype=int)]
        if b.n_rows
        else np.array([]),
    )
    m.blocks.append(_labelled(b, {"k": ("donor_id", donors["donor_id"])}))


def add_corridor_capacity(m: LinearModel) -> None:
    """corridor_capacity[h,t]: Σ w_i · x[o,r,h,t] dispatched into h in t ≤ C_h,t  (tonnes).

    Skipped for the virtual corridor of weightless items.
    """
    v = m.vars
    corr = m.data.corridors
    h = v["h"].to_numpy()
    virtual = corr["virtual"].to_numpy(dtype=bool)
    sel = np.flatnonzero(~virtual[h]) if len(h) else np.array([], int)
    w = v["weight_t"].to_numpy(dtype=float)
    b = _group_block(
        "corridor_capacity", pd.DataFrame({"h": h[sel], "t": v["t"].to_numpy()[sel]}), sel, w[sel]
    )
    if b.n_rows:
        hh = b.labels["h"].to_numpy(dtype=int)
        tt = b.labels["t"].to_numpy(dtype=int)
        b = _with_upper(b, m.data.capacity_t[hh, tt - 1])
    m.blocks.append(
        _labelled(b, {"h": ("corridor_id", corr["corridor_id"]), "t": ("period", None)})
    )


def _with_upper(b: RowBlock, upper: np.ndarray) -> RowBlock:
    return RowBlock(b.family, b.labels, b.var, b.row, b.coef, np.asarray(upper, dtype=float))


def _labelled(b: RowBlock, names: dict[str, tuple[str, pd.Series | None]]) -> RowBlock:
    """Replace position columns of the labels by readable ids (offer_id, period, ...)."""
    labels = pd.DataFrame(index=range(b.n_rows))
    for col, (new, ids) in names.items():
        pos = b.labels[col].to_numpy(dtype=int) if b.n_rows else np.array([], int)
        labels[col] = pos
        labels[new] = ids.to_numpy()[pos] if ids is not None else pos
    return RowBlock(b.family, labels, b.var, b.row, b.coef, b.upper)


FAMILIES = (
    add_request_demand,
    add_offer_stock,
    add_offer_rate,
    add_donor_budget,
    add_corridor_capacity,
)


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
    m = LinearModel(
        data=data,
        vars=v,
        value=value,
        cost_eur=v["cost_unit_eur"].to_numpy(dtype=float),
        arrival=v["arrival"].to_numpy(dtype=float),
        integer=v["integer"].to_numpy(dtype=bool),
    )
    for add in FAMILIES:
        add(m)
    return m
