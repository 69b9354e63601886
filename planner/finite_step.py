"""Finite-step marginal values for plans with integer items (DESIGN.md §5.1).

A model with integer items has no duals, and the duals of its LP with the integer items fixed
count only what divisible items could still gain: for the demo (almost every item whole) they
are all 0, while the reasons blame a used-up budget. So for such models every budget and
corridor is asked directly what one more *step* of it buys:

    step of donor k's budget   € 1 m; where every unit of value the donor offers is whole
                               and none fits in what is left (used up for whole units):
                               max(€ 1 m, one unit of the cheapest of them)
    step of corridor h         1 t in every period; where every unit of value is whole and
                               none fits in any period: max(1 t, the lightest unit)

    value gained = V(limit + step) − V(limit)

V is the optimum of the plan's LP relaxation (every unit divisible, solved in one HiGHS
session; each question starts from its optimal basis, a few milliseconds each). The relaxation
is the bound the whole-unit plan is proven against (planner.solve.whole_units): the plan is
within its gap of V, and the reasons verify their causes on the same relaxation
(planner.explain), so the Bottlenecks sheet and the reasons agree. A step is a finite
difference, not a rate: it stays right where the duals are degenerate or a limit is used up
for whole units.

Bounded: questions stop at ``time_s`` of wall time (the caller keeps it inside the plan's time
limit); a limit not reached is missing from the result and keeps its LP value. MILPs of more
than FINITE_STEP_MAX_VARS variables are not asked at all (issue 17: there the duals of the
LP with the integer items fixed speak, as for large LPs).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from planner.model import LinearModel
from planner.solve import RunStatus, Session

FINITE_STEP_MAX_VARS = 20_000
"""MILPs with more variables take their marginal values from the fixed-integer LP's duals."""
BUDGET_STEP_EUR = 1e6
"""Least budget step: the LP's + € 1 m."""
CORRIDOR_STEP_T = 1.0
"""Least corridor step: the LP's + 1 t in every period."""
FIT_TOL = 1e-7
"""A unit fits in a row's slack when its coefficient is at most slack + FIT_TOL · max(1, |b|);
a limit is exceeded when its activity is above b + FIT_TOL · max(1, |b|)."""


@dataclass(frozen=True)
class StepValue:
    """One limit's finite step.

    rows: the stacked rows of the limit (one budget row; a corridor's rows, one per period).
    step: the step in the rows' own units (EUR; t per period).
    value_gain: V(limit + step) − V(limit), ≥ 0; NaN when a re-plan did not finish.
    binding: per row of ``rows``, whether the optimum with the step uses more than the limit.
    used_up: no valued column of the limit fits one more step at the plan (`limit_step`).
    """

    rows: np.ndarray
    step: float
    value_gain: float
    binding: np.ndarray
    used_up: bool


def lacking_columns(model: LinearModel, x: np.ndarray) -> np.ndarray:
    """Per dispatch column: its line still lacks what one more unit of it brings at plan
    ``x`` (one whole unit for an integer item, any amount for a divisible one). One more unit
    of a met line would over-deliver (the reasons' rule, planner.explain)."""
    r = model.vars["r"].to_numpy(dtype=np.int64)
    q = model.data.requests["quantity"].to_numpy(dtype=float)
    unmet = q - model.delivered(x)
    factor = model.vars["factor"].to_numpy(dtype=float)
    need = np.where(model.integer[: model.n_x], factor, 0.0)
    return unmet[r] > need - FIT_TOL * np.maximum(1.0, q[r])


def limit_step(
    model: LinearModel,
    activity: np.ndarray,
    lacking: np.ndarray,
    fam: str,
    rows: np.ndarray,
    least: float,
) -> tuple[float, bool]:
    """(step, used up) of the limit made of family ``fam``'s rows ``rows`` (positions within
    the family), at a plan whose stacked row activity is ``activity`` and whose
    `lacking_columns` are ``lacking``.

    Used up: no valued column of the limit whose line still lacks something fits one more step
    in its row's slack (one whole unit for an integer item, any amount for a divisible one); a
    cheap item whose lines are all met does not make a budget "not used up" for the whole
    units short lines need. The step of a used-up limit that only whole units of value use is
    max(``least``, the coefficient of the cheapest of them): the least raise that lets a whole
    unit through. Otherwise it is ``least`` (a divisible item takes any step).
    """
    b = model.block(fam)
    mine = np.isin(b.row, rows)
    var, row, coef = b.var[mine], b.row[mine], b.coef[mine]
    valued = model.value[var] > 0
    if not valued.any():
        return least, False
    valued &= lacking[var]
    if not valued.any():  # no line the limit serves lacks anything: it blocks nothing
        return least, False
    var, row, coef = var[valued], row[valued], coef[valued]
    up = b.upper[row]
    slack = up - activity[model.row_offsets()[fam] + row]
    whole = model.integer[var]
    tol = FIT_TOL * np.maximum(1.0, np.abs(up))
    room = np.where(whole, coef <= slack + tol, slack > tol)
    used_up = not room.any()
    if not used_up or not whole.all():
        return least, used_up
    return max(least, float(coef.min())), True


class RelaxedSteps:
    """The plan's model as its LP relaxation in one HiGHS session (module docstring): solved
    once for V(limit), then once per question from that optimal basis with a limit raised."""

    def __init__(self, model: LinearModel):
        self.model = model
        self.session = Session(model, "highs", integer=np.zeros(model.n_vars, dtype=bool))
        self.offsets = model.row_offsets()
        self.upper = self.session.row_upper.copy()
        self.base: float | None = None
        self.basis: object | None = None

    def _solve(self, time_s: float, basis: object | None) -> np.ndarray | None:
        run = self.session.run(self.model.value, True, time_s, basis=basis, warm=basis is not None)
        if run.status is not RunStatus.OPTIMAL or run.x is None:
            return None
        return run.x

    def gain(
        self, fam: str, rows: np.ndarray, step: float, deadline: float
    ) -> tuple[float, np.ndarray]:
        """(value gained by raising family ``fam``'s rows ``rows`` by ``step``, per row whether
        the raised optimum uses more than the limit); (NaN, no rows) when out of time."""
        model, s = self.model, self.session
        none = np.zeros(len(rows), dtype=bool)
        if self.base is None:
            left = deadline - time.perf_counter()
            x0 = self._solve(left, None) if left > 0.02 else None
            if x0 is None:
                return float("nan"), none
            self.base = float(model.value @ x0)
            self.basis = s.basis()
        stacked = self.offsets[fam] + np.asarray(rows, dtype=np.int64)
        left = deadline - time.perf_counter()
        if left <= 0.02:
            return float("nan"), none
        s.set_row_upper(stacked, self.upper[stacked] + step)
        try:
            x1 = self._solve(left, self.basis)
        finally:
            s.set_row_upper(stacked, self.upper[stacked])
        if x1 is None:
            return float("nan"), none
        up = self.upper[stacked]
        over = model.row_activity(x1)[stacked] > up + FIT_TOL * np.maximum(1.0, np.abs(up))
        top = float(np.abs(model.value).max()) if model.n_vars else 1.0
        gained = float(model.value @ x1) - self.base
        if gained <= 1e-9 * max(top, 1.0):
            return 0.0, none
        return gained, over


def finite_steps(
    model: LinearModel, x: np.ndarray, time_s: float
) -> dict[tuple[str, int], StepValue]:
    """Finite-step values of every donor budget and real corridor of ``model`` at plan ``x``.

    Keys: ("donor_budget", k) with k the donor position, ("corridor_capacity", h) with h the
    corridor position. Limits whose rows no valued column uses are worth 0 without a re-plan;
    the others are asked most-used first until ``time_s`` seconds are spent (the limits not
    reached are missing from the result).
    """
    deadline = time.perf_counter() + time_s
    out: dict[tuple[str, int], StepValue] = {}
    asks: list[tuple[float, str, int, np.ndarray, float, bool]] = []
    activity = model.row_activity(x)
    lacking = lacking_columns(model, x)
    for fam, key, least in (
        ("donor_budget", "k", BUDGET_STEP_EUR),
        ("corridor_capacity", "h", CORRIDOR_STEP_T),
    ):
        b = model.block(fam)
        if not b.n_rows:
            continue
        ids = b.labels[key].to_numpy(dtype=int)
        if fam == "corridor_capacity":
            virtual = model.data.corridors["virtual"].to_numpy(dtype=bool)
        for ident in np.unique(ids):
            if fam == "corridor_capacity" and virtual[ident]:
                continue
            rows = np.flatnonzero(ids == ident)
            step, used_up = limit_step(model, activity, lacking, fam, rows, least)
            valued = np.isin(b.row, rows) & (model.value[b.var] > 0)
            if not valued.any():
                out[(fam, int(ident))] = StepValue(
                    rows, step, 0.0, np.zeros(len(rows), bool), used_up
                )
                continue
            up = b.upper[rows]
            use = float((activity[model.row_offsets()[fam] + rows] / np.maximum(up, 1e-9)).max())
            asks.append((-use, fam, int(ident), rows, step, used_up))
    if not asks:
        return out
    replan = RelaxedSteps(model)
    for _, fam, ident, rows, step, used_up in sorted(asks, key=lambda a: (a[0], a[1], a[2])):
        if time.perf_counter() >= deadline:
            break
        gained, binding = replan.gain(fam, rows, step, deadline)
        if np.isnan(gained):
            break
        out[(fam, ident)] = StepValue(rows, step, gained, binding, used_up)
    return out
