"""The baseline: the DESIGN.md §4 model built straight from the instance as arrays, into highspy.

This is what a careful engineer would write with no framework at all: one pass of NumPy over
the generated tables to enumerate the allowed (offer, request, corridor, period) combinations,
the constraint matrix assembled column by column (every variable sits in at most five rows:
demand, stock, rate, budget, corridor), and the lexicographic stages solved on one HiGHS
instance. It imports nothing from ``planner``: it is an independent second implementation of
the contract, so its optimal value doubles as a check on aidplan's (``benchmarks/run.py``
asserts they agree). See docs/decisions/0003-benchmark-baseline.md for what it measures.

Differences from aidplan that are deliberate: the baseline reads no files (it takes the
generator's in-memory tables, with times already resolved to periods), reports no tables and
writes nothing; the stage rows are added when needed (``addRow``) instead of being carried
from the start. The solver options and the stage tolerances are the same as aidplan's.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np

from benchmarks.generate import Instance

INF = highspy.kHighsInf
VALUE_REL_TOL = 1e-9  # the same stage tolerances as aidplan (docs/decisions/0002)
COST_REL_TOL = 1e-9


@dataclass
class BaselineModel:
    """The §4 LP/MILP as column-wise arrays plus the three stage objectives."""

    start: np.ndarray  # column starts (int32, length n + 1)
    index: np.ndarray  # row of each non-zero (int32)
    coef: np.ndarray  # value of each non-zero
    row_upper: np.ndarray  # every row is  Σ coef · x ≤ row_upper
    value: np.ndarray  # stage 1, maximise
    cost_eur: np.ndarray  # stage 2, minimise
    earliness: np.ndarray  # stage 3, maximise (T + 1 − arrival)
    integer: np.ndarray
    n_rows_by_family: dict[str, int]
    build_s: float = 0.0

    @property
    def n_vars(self) -> int:
        return len(self.value)

    @property
    def n_rows(self) -> int:
        return sum(self.n_rows_by_family.values())


@dataclass
class BaselineResult:
    """Objective values and times of a baseline solve."""

    status: str
    value: float  # stage-1 optimum
    cost_eur: float  # total cost after stage 2 (NaN when not solved)
    earliness: float
    stage_s: list[float] = field(default_factory=list)  # solver time of each stage
    pass_s: float = 0.0  # handing the arrays to HiGHS (passModel)

    @property
    def solve_s(self) -> float:
        return sum(self.stage_s)


def _expand(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ranges [lo_i, hi_i): (i repeated per element, the elements)."""
    n = np.maximum(hi - lo, 0)
    owner = np.repeat(np.arange(len(lo)), n)
    first = np.repeat(np.cumsum(n) - n, n)
    return owner, np.repeat(lo, n) + (np.arange(int(n.sum())) - first)


def _codes(values: np.ndarray, universe: np.ndarray) -> np.ndarray:
    """Positions of ``values`` in ``universe`` (every value must occur)."""
    order = np.argsort(universe, kind="stable")
    pos = np.searchsorted(universe[order], values)
    return order[pos]


def _match(keys: np.ndarray, table_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All (i, j) with keys[i] == table_keys[j], grouped by i."""
    order = np.argsort(table_keys, kind="stable")
    sorted_keys = table_keys[order]
    lo = np.searchsorted(sorted_keys, keys, side="left")
    hi = np.searchsorted(sorted_keys, keys, side="right")
    i, k = _expand(lo, hi)
    return i, order[k]


def _dense_ids(key: np.ndarray) -> tuple[np.ndarray, int]:
    """Row numbers 0..m-1 for the distinct keys (sorted), and m."""
    uniq, inv = np.unique(key, return_inverse=True)
    return inv.ravel(), len(uniq)


def build(inst: Instance) -> BaselineModel:
    """The §4 model of ``inst`` as a HighsLp (column-wise) plus the stage objectives."""
    t0 = time.perf_counter()
    T = inst.horizon
    items = inst.items["item_id"].to_numpy()
    weight_of_item = inst.items["unit_weight_t"].to_numpy(dtype=float)
    integer_of_item = inst.items["integer"].to_numpy(dtype=bool)

    off = inst.offers
    o_item = _codes(off["item_id"].to_numpy(), items)
    donors = inst.donors["donor_id"].to_numpy()
    o_donor = _codes(off["donor_id"].to_numpy(), donors)
    o_ready = off["available_period"].to_numpy(dtype=np.int64) + off["lead_periods"].to_numpy(
        dtype=np.int64
    )
    o_qty = off["quantity"].to_numpy(dtype=float)
    o_cost = off["unit_cost_eur"].to_numpy(dtype=float)
    o_rate = off["max_per_period"].to_numpy(dtype=float)
    o_weight = weight_of_item[o_item]

    req = inst.requests
    r_item = _codes(req["item_id"].to_numpy(), items)
    r_qty = req["quantity"].to_numpy(dtype=float)
    r_earliest = req["earliest"].to_numpy(dtype=np.int64)
    needed = req["needed_by"].to_numpy(dtype=np.int64)
    r_due = np.where((needed > 0) & (needed <= T), needed, T)
    weights = inst.priority_weights
    r_w = np.array([weights[int(p)] for p in req["priority"]], dtype=float)

    # Compatible (o, r, factor): same item, or a substitute item for the requested one.
    ri, oj = _match(r_item, o_item)
    pairs_r, pairs_o, pairs_f = [ri], [oj], [np.ones(len(ri))]
    subs = inst.substitutes
    if len(subs):
        s_item = _codes(subs["item_id"].to_numpy(), items)
        s_sub = _codes(subs["substitute_id"].to_numpy(), items)
        s_f = subs["factor"].to_numpy(dtype=float)
        rr, ss = _match(r_item, s_item)  # request r asks for an item that has substitute ss
        k, oo = _match(s_sub[ss], o_item)
        pairs_r.append(rr[k])
        pairs_o.append(oo)
        pairs_f.append(s_f[ss][k])
    p_r = np.concatenate(pairs_r)
    p_o = np.concatenate(pairs_o)
    p_f = np.concatenate(pairs_f)

    # Corridors: real ones 0..H-1, the virtual one (weightless items) is H.
    corr = inst.corridors
    corridor_ids = corr["corridor_id"].to_numpy()
    H = len(corridor_ids)
    tau = np.append(corr["transit_periods"].to_numpy(dtype=np.int64), 0)
    cap = np.repeat(corr["capacity_t"].to_numpy(dtype=float)[:, None], T, axis=1)
    for ch in inst.capacity_changes.itertuples(index=False):
        hc = int(_codes(np.array([ch.corridor_id]), corridor_ids)[0])
        cap[hc, int(ch.from_period) - 1 : min(int(ch.to_period), T)] = float(ch.capacity_t)
    may_use = np.zeros((len(donors), H + 1), dtype=bool)
    for d, allowed in enumerate(inst.donors["corridors"]):
        if len(allowed):
            may_use[d, _codes(np.array(allowed), corridor_ids)] = True
        else:
            may_use[d, :H] = True
    route = may_use[o_donor]
    route[o_weight <= 0] = False
    route[o_weight <= 0, H] = True
    route_o, route_h = np.nonzero(route)  # sorted by offer
    first_route = np.searchsorted(route_o, np.arange(len(o_qty)))
    n_route = np.bincount(route_o, minlength=len(o_qty))
    a, h_pos = _expand(first_route[p_o], first_route[p_o] + n_route[p_o])
    a_r, a_o, a_f, a_h = p_r[a], p_o[a], p_f[a], route_h[h_pos]

    # Dispatch periods: t ≥ ready, t + τ ≥ earliest, 1 ≤ t ≤ T − τ.
    a_tau = tau[a_h]
    lo = np.maximum(np.maximum(o_ready[a_o], r_earliest[a_r] - a_tau), 1)
    hi = T - a_tau
    arc, t = _expand(lo, hi + 1)
    r, o, h, f = a_r[arc], a_o[arc], a_h[arc], a_f[arc]
    arrival = t + tau[h]
    n = len(t)

    late = np.maximum(arrival - r_due[r], 0)
    value = r_w[r] / r_qty[r] * f * (1.0 - inst.late_penalty * late)
    cost = o_cost[o]
    earliness = (T + 1.0) - arrival

    # Rows: one entry per family and variable at most, so the matrix is built column-wise.
    budget = inst.donors["budget_eur"].to_numpy(dtype=float)
    rows = np.full((n, 5), -1, dtype=np.int64)
    vals = np.zeros((n, 5))
    families: dict[str, int] = {}
    offset = 0

    def family(name: str, sel: np.ndarray, key: np.ndarray, coef: np.ndarray, col: int) -> None:
        nonlocal offset
        ids, m = _dense_ids(key)
        rows[sel, col] = ids + offset
        vals[sel, col] = coef
        families[name] = m
        offset += m

    uppers: list[np.ndarray] = []
    everything = np.arange(n)
    family("request_demand", everything, r, f, 0)
    uppers.append(r_qty[np.unique(r)])
    family("offer_stock", everything, o, np.ones(n), 1)
    uppers.append(o_qty[np.unique(o)])
    sel = np.flatnonzero(~np.isnan(o_rate[o]))
    key = o[sel] * T + (t[sel] - 1)
    family("offer_rate", sel, key, np.ones(len(sel)), 2)
    uppers.append(o_rate[np.unique(key) // T])
    k = o_donor[o]
    sel = np.flatnonzero(~np.isnan(budget[k]) & (cost > 0))
    family("donor_budget", sel, k[sel], cost[sel], 3)
    uppers.append(budget[np.unique(k[sel])])
    sel = np.flatnonzero(h < H)
    key = h[sel] * T + (t[sel] - 1)
    family("corridor_capacity", sel, key, o_weight[o[sel]], 4)
    cells = np.unique(key)
    uppers.append(cap[cells // T, cells % T])

    used = rows >= 0
    start = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(used.sum(axis=1), out=start[1:])
    return BaselineModel(
        start=start,
        index=rows[used].astype(np.int32),
        coef=vals[used],
        row_upper=np.concatenate(uppers),
        value=value,
        cost_eur=cost,
        earliness=earliness,
        integer=integer_of_item[o_item[o]],
        n_rows_by_family=families,
        build_s=time.perf_counter() - t0,
    )


def quiet_highs() -> highspy.Highs:
    """A HiGHS instance with its start-up banner kept off standard output."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    h.setOptionValue("output_flag", False)
    return h


def cost_scale(cost_eur: np.ndarray) -> float:
    """A power of ten that makes the dearest unit cost 100–999 in the stage-2 objective."""
    top = float(np.abs(cost_eur).max()) if len(cost_eur) else 0.0
    return 1.0 if top <= 0 else float(10.0 ** (2 - np.floor(np.log10(top))))


def money_row_scale(bm: BaselineModel) -> np.ndarray:
    """Per row: 1, or for a budget row whose dearest unit costs more than 1,000 EUR the power
    of ten that brings that cost into [1, 10)."""
    scale = np.ones(bm.n_rows)
    fam = bm.n_rows_by_family
    lo = fam["request_demand"] + fam["offer_stock"] + fam["offer_rate"]
    hi = lo + fam["donor_budget"]
    top = np.zeros(bm.n_rows)
    sel = (bm.index >= lo) & (bm.index < hi)
    np.maximum.at(top, bm.index[sel], np.abs(bm.coef[sel]))
    rows = np.arange(lo, hi)
    big = rows[top[rows] > 1e3]
    scale[big] = 10.0 ** -np.floor(np.log10(top[big]))
    return scale


FACE_TOL = 1e-7  # as aidplan: HiGHS's dual feasibility tolerance


def hold_optimal_face(h: highspy.Highs, row_upper: np.ndarray) -> None:
    """Fix the columns with a reduced cost at their bound (0 here: no upper bounds) and make
    the model's rows (``row_upper`` as passed to HiGHS) with a dual equalities, from the
    optimal stage HiGHS just solved."""
    m = len(row_upper)
    sol = h.getSolution()
    col_dual = np.asarray(sol.col_dual)
    row_dual = np.asarray(sol.row_dual)[:m]
    cols = np.flatnonzero(np.abs(col_dual) > FACE_TOL).astype(np.int32)
    h.changeColsBounds(len(cols), cols, np.zeros(len(cols)), np.zeros(len(cols)))
    rows = np.flatnonzero(np.abs(row_dual) > FACE_TOL).astype(np.int32)
    h.changeRowsBounds(len(rows), rows, row_upper[rows], row_upper[rows])


def solve(
    bm: BaselineModel,
    stages: int = 3,
    options: dict[str, Any] | None = None,
    scale: bool = True,
    time_limit_s: float = 3600.0,
    mip_gap: float = 1e-4,
    face: bool = True,
) -> BaselineResult:
    """Solve the lexicographic stages (1: value; 2: + cost; 3: + earliness) on one instance.

    ``options`` are extra HiGHS options, applied to every stage (run.py passes aidplan's LP
    options). ``scale`` states large budget rows in a power of ten of euros (LPs only) and
    stage 2's objective and the cost cap in scaled euros, as aidplan does. With
    ``options=None, scale=False`` it is HiGHS with its defaults on the model in raw units.
    ``time_limit_s`` is shared by all stages; a MILP skips the stages it has no time for.
    ``face``: before LP stages 2 and 3, hold the previous stage's optimal face as aidplan does
    (docs/decisions/0002, point 6); False keeps only the value floor and cost cap rows.
    """
    h = quiet_highs()
    h.setOptionValue("threads", 1)
    h.setOptionValue("mip_rel_gap", mip_gap)
    for key, val in (options or {}).items():
        h.setOptionValue(key, val)
    is_mip = bool(bm.integer.any())
    t0 = time.perf_counter()
    n, m = bm.n_vars, bm.n_rows
    rs = money_row_scale(bm) if scale and not is_mip else np.ones(m)
    h.passModel(  # the array form: HiGHS reads the NumPy buffers directly
        n,
        m,
        len(bm.index),
        int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMaximize),
        0.0,
        bm.value,
        np.zeros(n),
        np.full(n, INF),
        np.full(m, -INF),
        bm.row_upper * rs,
        bm.start[:-1],
        bm.index,
        bm.coef * rs[bm.index],
        bm.integer.astype(np.int32),  # 1 = integer, 0 = continuous
    )
    pass_s = time.perf_counter() - t0
    cols = np.arange(n, dtype=np.int32)

    start_s = time.perf_counter()

    def run(left: float) -> tuple[float, np.ndarray | None]:
        # For an LP HiGHS measures time_limit against the run time accumulated by this
        # instance; the MIP solver times each run from its start.
        clock = 0.0 if is_mip else float(h.getRunTime())
        h.setOptionValue("time_limit", clock + max(left, 0.5))
        t = time.perf_counter()
        h.run()
        took = time.perf_counter() - t
        ok = h.getInfo().primal_solution_status == 2
        return took, (np.asarray(h.getSolution().col_value) if ok else None)

    took, x = run(time_limit_s)
    times = [took]
    status = h.modelStatusToString(h.getModelStatus())
    if x is None:
        return BaselineResult(status, np.nan, np.nan, np.nan, times, pass_s)
    v_star = float(bm.value @ x)
    cost = float(bm.cost_eur @ x)
    early = float(bm.earliness @ x)
    c_scale = cost_scale(bm.cost_eur) if scale else 1.0
    for stage in range(2, stages + 1):
        left = time_limit_s - (time.perf_counter() - start_s)
        if is_mip and left < 1.0:  # the time budget is spent: keep the last plan
            break
        if face and not is_mip and h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            hold_optimal_face(h, bm.row_upper * rs)
        if stage == 2:  # keep the value, minimise cost
            floor = v_star - max(abs(v_star) * VALUE_REL_TOL, 1e-7)
            h.addRow(floor, INF, n, cols, bm.value)
            h.changeObjectiveSense(highspy.ObjSense.kMinimize)
            h.changeColsCost(n, cols, bm.cost_eur * c_scale)
        else:  # keep the cost too, prefer early arrivals
            cap = cost + max(abs(cost) * COST_REL_TOL, 1e-6)
            h.addRow(-INF, cap * c_scale, n, cols, bm.cost_eur * c_scale)
            h.changeObjectiveSense(highspy.ObjSense.kMaximize)
            h.changeColsCost(n, cols, bm.earliness)
        if is_mip:
            start = highspy.HighsSolution()
            start.col_value = list(x)
            start.value_valid = True
            h.setSolution(start)
        took, x2 = run(max(left, 1.0))
        times.append(took)
        if x2 is None:
            break
        x = x2
        cost = float(bm.cost_eur @ x)
        early = float(bm.earliness @ x)
    return BaselineResult(status, v_star, cost, early, times, pass_s)
