"""The cheap signal: which full rows block which variables of a plan."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.explain.common import FAMILY_OF_KIND
from planner.marginals import row_activity
from planner.model import LinearModel

# ---------------------------------------------------------------------------------------------
# The cheap signal: which full rows block which variables
# ---------------------------------------------------------------------------------------------


@dataclass
class _Signal:
    """Per variable and kind: the stacked row, whether it is full for one more step, and
    whether its dual is positive (only where duals apply)."""

    row: dict[int, np.ndarray]  # kind -> stacked row per variable (-1: not in that family)
    tight: dict[int, np.ndarray]  # kind -> bool per variable
    priced: dict[int, np.ndarray]  # kind -> bool per variable (dual > 0)
    has_dual: np.ndarray  # bool per variable: duals speak for this variable
    demand_slack: np.ndarray  # per request


def _signal(
    model: LinearModel, x: np.ndarray, duals: np.ndarray | None, all_priced: bool = False
) -> _Signal:
    """The cheap signal; ``all_priced``: the duals speak for integer variables too (the LP with
    the integer items fixed, used instead of re-solves for large MILPs)."""
    n = model.n_vars
    upper = model.row_upper()
    slack = upper - row_activity(model, x)
    tol_row = 1e-7 * np.maximum(1.0, np.abs(upper)) + 1e-9
    req = model.data.requests
    q = req["quantity"].to_numpy(dtype=float)
    vr = model.vars["r"].to_numpy()
    # One more step: a whole unit for integer items, a negligible share of the line otherwise.
    nx = len(vr)
    step = np.ones(n)  # usable units U (packages, §4.1): whole or not, one unit is a step
    step[:nx] = np.where(model.integer[:nx], 1.0, 1e-6 * np.maximum(1.0, q[vr]))
    offsets = model.row_offsets()
    rows: dict[int, np.ndarray] = {}
    tight: dict[int, np.ndarray] = {}
    priced: dict[int, np.ndarray] = {}
    for kind, fam in FAMILY_OF_KIND.items():
        b = model.block(fam)
        row = np.full(n, -1, dtype=np.int64)
        coef = np.zeros(n)
        row[b.var] = b.row + offsets[fam]
        coef[b.var] = b.coef
        has = row >= 0
        t = np.zeros(n, dtype=bool)
        need, room, tol = coef[has] * step[has], slack[row[has]], tol_row[row[has]]
        # Full for this variable: a divisible one finds no room beyond a negligible step; a
        # whole unit finds less room than one unit needs (room for exactly one is not full:
        # a stock of 1 with nothing sent is no reason for a line that got none).
        t[has] = np.where(model.integer[has], room < need - tol, room <= need + tol)
        p = np.zeros(n, dtype=bool)
        if duals is not None:
            p[has] = duals[row[has]] > 0  # normalised: noise is exactly 0
        rows[kind], tight[kind], priced[kind] = row, t, p
    if duals is None:
        has_dual = np.zeros(n, dtype=bool)
    else:
        has_dual = np.ones(n, dtype=bool) if all_priced else ~model.integer
    return _Signal(rows, tight, priced, has_dual, q - model.delivered(x))
