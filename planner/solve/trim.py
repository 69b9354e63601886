"""Trimming whole units that buy nothing from a whole-units plan (DESIGN.md §4.1, §4).

A package's parts carry no value of their own: only its usable units U do. So a part that
makes no system usable is worth nothing and costs money, and the cost stage would leave it at
home. Whole-units plans (planner.solve.whole_units) could still send such parts: the demo at
budget × 0.75 sent 17 PAC-3 MSE (€ 62.6 m) to a Patriot package with 0 usable batteries while
another Patriot line lacked 25. Two places let them through. The repair MIP holds every
integer column at no less than its rounded-down LP quantity, and the LP relaxation's
fractional U (0.6 of a battery) had paid for whole missiles that a whole U of 0 leaves idle;
and a cost stage may be stopped by its box. planner.solve.whole_units therefore trims the
repair's lower bounds (so the repair can send the freed stock and budget elsewhere) and the
final plan.

`trim_worthless` removes such units directly, without a solver. A column j is a candidate
when it is an integer dispatch column worth nothing (``value_j = 0``) that costs something
(``cost_j > 0``) and is sent (``x_j > 0``). Free parts are left to the arrival stage, which
counts each part −1 (planner.model.build); the reasons read a free part left over after a
higher-priority line took the rest of a stock as that stock used up (tests/test_explain.py,
test_short_package_names_its_limiting_component). Divisible columns are left to the LP stages of
the polish, which prove theirs optimal. Every family row is Σ a·x ≤ b; lowering x_j by δ
keeps the rows where ``a_rj ≥ 0`` and moves each row with ``a_rj < 0`` (a package's
``ρ · U − arrived parts ≤ 0``) by ``|a_rj| · δ``, so

    δ_j = min(x_j − floor_j, min over rows r with a_rj < 0 of slack_r / |a_rj|),

rounded down to a whole unit. The candidates are taken most expensive per
unit first and, at equal cost, latest arrival first (a late part is the one no earlier
usable unit needs), in passes until a pass removes nothing. Lexicographically (DESIGN.md §4)
the trimmed plan is no worse at any stage: value unchanged (value_j = 0), substitute units
no more, kept units of a re-plan no fewer (``floor_j`` = the previous plan's units of that
column, and the frozen columns are never touched), cost lower. On the final plan it
is not a re-plan: the stock and budget it frees are not sent elsewhere (the plan's gap says
how far it may be from the best); on the repair's lower bounds the repair MIP may send them.

This module must not solve anything or read the clock.
"""

from __future__ import annotations

import numpy as np

from planner.model import LinearModel

TRIM_TOL = 1e-9
"""Slack below this share of max(1, |b|) counts as none; x_j below this is not sent."""
MAX_PASSES = 10
"""A pass can free slack an earlier candidate of the same row needed; passes stop sooner when
one removes nothing (two suffice when each row's candidates differ only in arrival)."""


def trim_worthless(model: LinearModel, x: np.ndarray) -> np.ndarray:
    """``x`` with the units of worthless, costly shipments removed (module docstring).

    model: the plan's model (its family rows are all Σ a·x ≤ b). x: a feasible plan of it,
    one entry per column (dispatch columns, then usable units). Returns a new array, feasible
    for the same rows and bounds, equal to ``x`` except on trimmed dispatch columns.
    """
    n_x = model.n_x
    out = np.asarray(x, dtype=float).copy()
    floor = np.zeros(n_x)
    movable = np.ones(n_x, dtype=bool)
    if model.stability is not None:
        floor = np.minimum(out[:n_x], model.stability.previous[:n_x])
        movable &= ~model.stability.fixed[:n_x]
    value, cost = model.value[:n_x], model.cost_eur[:n_x]
    worthless = model.integer[:n_x] & (value == 0.0) & (cost > 0.0)
    cand = np.flatnonzero(movable & worthless & (out[:n_x] > floor + TRIM_TOL))
    if not len(cand) or not model.blocks:
        return out
    upper = model.row_upper()
    slack = upper - model.row_activity(out)
    tol = TRIM_TOL * np.maximum(1.0, np.abs(upper))
    # the matrix entries of the candidate columns only (not the whole matrix sorted by row)
    offsets = model.row_offsets()
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for b in model.blocks:
        m = np.isin(b.var, cand)
        parts.append((b.row[m] + offsets[b.family], b.var[m], b.coef[m]))
    rows, cols, coefs = (np.concatenate(p) for p in zip(*parts, strict=True))
    order = np.argsort(cols, kind="stable")
    rows, cols, coefs = rows[order], cols[order], coefs[order]
    start = np.searchsorted(cols, cand, side="left")
    stop = np.searchsorted(cols, cand, side="right")
    arrival = model.vars["arrival"].to_numpy(dtype=float)  # the week it arrives
    ranked = np.lexsort((-arrival[cand], -cost[cand]))
    for _ in range(MAX_PASSES):
        removed = False
        for k in ranked:
            j = int(cand[k])
            r, a = rows[start[k] : stop[k]], coefs[start[k] : stop[k]]
            room = out[j] - floor[j]
            neg = a < 0.0
            if neg.any():
                free = np.maximum(slack[r[neg]] - tol[r[neg]], 0.0) / -a[neg]
                room = min(room, float(free.min()))
            room = float(np.floor(room + TRIM_TOL))  # whole units
            if room <= TRIM_TOL:
                continue
            out[j] -= room
            slack[r] += a * room
            removed = True
        if not removed:
            break
    return out
