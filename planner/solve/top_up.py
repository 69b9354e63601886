"""Topping up a whole plan: whole units that fit in what every limit has left, added greedily.

A whole-units plan whose search was stopped by its box (planner.solve.whole_units: the repair
places only what rounding freed, the fallback branch and bound is boxed) can leave a unit that
every limit still has room for: a new-user trial found "19.9 of 20 generators, partly met"
with one more 100 kW generator in stock, € 10.75 m of its donor's budget left and 2.8 t free on
its corridor, and a reason blaming the time limit although a longer one changed nothing.

`top_up` adds such units. Every row of DESIGN.md §4 is Σ a · x ≤ b (planner.model.families),
so a column may grow by k units when every row it has a positive coefficient in keeps
a · k ≤ its slack (rows where it is negative, the packages' usable units, only gain room). Columns
are taken by their value per unit, highest first (then the requested item before a substitute,
then a shipment the plan already makes before a new one, then the cheaper, then the earlier),
each by as many whole units as fit; passes repeat while a
pass adds something (a shipment can make room for a package's usable unit). Columns a re-plan
holds (``model.stability.fixed_cols``) and divisible columns (planned exactly by the polish)
are left alone. The result is feasible by construction and worth at least as much.

This module changes no solver state and knows nothing of stages or gaps; the caller measures
the gap of what it returns (planner.solve.whole_units).
"""

from __future__ import annotations

import numpy as np

from planner.model import LinearModel
from planner.solve.stages import substitute_units

MAX_PASSES = 4
"""Passes over the columns at most (each pass after the first only follows room a previous
pass opened on a package's rows)."""
VALUE_TOL = 1e-9
"""A column adds value when its value per unit is above this (value units of DESIGN.md §4)."""


def _columns(model: LinearModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every family coefficient as (row in model.stacked() order, column, coefficient), sorted
    by column."""
    row, col, coef, _ = model.stacked()
    order = np.argsort(col, kind="stable")
    return row[order], col[order], coef[order]


def top_up(model: LinearModel, x: np.ndarray) -> np.ndarray:
    """``x`` (every column, integer columns whole) with whole units added to integer columns
    wherever every limit has room for them, most valuable first (module docstring). Returns a
    new array; ``x`` itself when nothing fits."""
    value = model.value
    candidates = np.flatnonzero(model.integer & (value > VALUE_TOL))
    if model.stability is not None:
        candidates = np.setdiff1d(candidates, model.stability.fixed_cols)
    if not len(candidates):
        return x
    row, col, coef = _columns(model)
    start = np.searchsorted(col, np.arange(model.n_vars + 1))
    slack = model.row_upper() - model.row_activity(x)
    # most valuable first; among equals the requested item, then a shipment the plan already
    # makes (no new one-unit shipment where a planned one can grow), the cheaper, the earlier
    order = np.lexsort(
        (model.arrival[candidates], model.cost_eur[candidates], x[candidates] <= 0,
         substitute_units(model)[candidates] > 0, -value[candidates])
    )  # fmt: skip
    candidates = candidates[order]
    out = x.copy()
    positive = coef > 0  # the rows a column needs room in
    safe = np.where(positive, coef, 1.0)
    for _ in range(MAX_PASSES):
        # Room of every candidate against the slack at the start of the pass (vectorised);
        # only those with room for a unit are then added one by one, their room measured
        # again against the slack the ones before them left.
        per_row = np.where(positive, slack[row] / safe, np.inf)
        room = np.full(model.n_vars, -np.inf)  # a column in no row: never added
        has = start[:-1] < start[1:]
        room[has] = np.minimum.reduceat(per_row, start[:-1][has])
        fits = candidates[np.floor(room[candidates] + 1e-9) >= 1]
        added = False
        for j in fits:
            lo, hi = start[j], start[j + 1]
            r, a = row[lo:hi], coef[lo:hi]
            pos = a > 0
            if not pos.any():  # no limit at all: not a column a plan may grow (never in §4)
                continue
            k = np.floor(np.min(slack[r[pos]] / a[pos]) + 1e-9)
            if k < 1:
                continue
            out[j] += k
            slack[r] -= a * k
            added = True
        if not added:
            break
    return out if (out != x).any() else x
