"""Whole units: plans for models with integer items, with the LP optimum as proof of the gap.

DESIGN.md §2.1 makes every item counted in units an integer item, so most columns of a real
plan are integer. Branch and bound on the whole MILP spends most of its time finding good
whole plans (its bound is the LP bound from the start) and its later stages are boxed
(docs/decisions/0002). `solve_model` plans such models in three steps instead
(docs/decisions/0006), all through `Session` (planner.solve.session), for both solvers:

1. **Relax.** A `Session` with every column divisible solves the stages of DESIGN.md §4 on
   their optimal faces. Its value-stage optimum V_LP bounds the value of every plan.
2. **Round down and repair.** Rounding every integer column of the LP plan down keeps it
   feasible (every constraint of §4 is Σ a · x ≤ b with a ≥ 0), so the repair MIP is the full
   model with each integer column held at no less than its rounded-down LP quantity,
   x_j ≥ ⌊x_LP,j⌋, and the divisible columns the LP plan leaves at 0 held at 0. It only places
   the units the rounding freed, through the usual MIP stages. Then `polish` re-plans the
   divisible items around the whole ones through the LP stages, free of those limits.
3. **Prove.** gap = (V_LP − value) / V_LP. At most ``mip_gap``: the plan is reported optimal.
   Otherwise branch and bound on the full model starts from the repaired plan for at most
   `fallback_box` seconds, and the better plan is kept, against the tighter of the two bounds.

With ``Settings.mip_node_limit`` (`aidplan stress`, docs/decisions/0007) no step reads the
clock: every MIP run of the repair stops after that many nodes instead of a box in seconds,
each run gets the whole ``time_limit_s`` as a safety net, and a repaired plan that misses
``mip_gap`` is kept with its gap (no fallback branch and bound, whose root no node limit
bounds); so the plan is the same on an idle and on a loaded machine.

When no integer column of the LP plan is fractional, that plan is already whole and optimal
(gap 0).
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from planner.model import LinearModel
from planner.schema import Settings
from planner.solve.session import Session
from planner.solve.solution import Solution, SolveStatus
from planner.solve.stages import SNAP, clean_x

FALLBACK_MIN_S = 1.0
"""Branch and bound after a repair that missed ``mip_gap`` gets at most
max(FALLBACK_MIN_S, the time spent so far) (`fallback_box`), like the boxed later MIP stages
(`planner.solve.stages.MIP_STAGE_MIN_S`). Where the LP bound is weak it rarely closes the gap
(docs/decisions/0006)."""


def fallback_box(spent_s: float) -> float:
    """Seconds the fallback branch and bound may take after ``spent_s`` seconds of LP + repair."""
    return max(FALLBACK_MIN_S, spent_s)


def floor_lower(x_lp: np.ndarray, integer: np.ndarray) -> np.ndarray:
    """Lower bounds of the repair MIP: ⌊x⌋ on integer columns (values within SNAP of a whole
    number count as that number), 0 on the others."""
    lower = np.zeros(len(x_lp))
    lower[integer] = np.floor(x_lp[integer] + SNAP)
    return lower


def fractional(x: np.ndarray, integer: np.ndarray) -> np.ndarray:
    """Integer columns whose value is more than SNAP away from a whole number."""
    return integer & (np.abs(x - np.round(x)) > SNAP)


def gap_to_bound(value: float, bound: float) -> float:
    """Relative gap (bound − value) / |bound|: the plan is worth at least (1 − gap) × the best
    any plan could be worth. 0 when the bound is not above the value (or is 0), NaN when the
    bound is unknown."""
    if not np.isfinite(bound) or not np.isfinite(value):
        return float("nan")
    if bound <= value or bound == 0:
        return 0.0
    return (bound - value) / abs(bound)


def lp_session(model: LinearModel, solver: str) -> Session:
    """A session holding ``model`` with every column divisible: the LP relaxation."""
    return Session(model, solver, integer=np.zeros(model.n_vars, dtype=bool))


def polish(
    model: LinearModel, x: np.ndarray, settings: Settings, previous: np.ndarray | None = None
) -> np.ndarray:
    """``x`` with its integer items held and the divisible items planned again through the LP
    stages (each on its optimal face): the lexicographic optimum for the divisible items given
    the whole ones. ``x`` unchanged unless every LP stage ends proven optimal."""
    if model.integer.all():
        return x
    lp = lp_session(model, settings.solver)
    ic = np.flatnonzero(model.integer)
    whole = np.round(x[ic])
    lp.set_col_bounds(ic, whole, whole)
    sol = lp.solve(settings, previous)
    if sol.status is not SolveStatus.OPTIMAL or not sol.all_stages_proven:
        return x
    return sol.x


def repair(
    model: LinearModel, x_lp: np.ndarray, settings: Settings, previous: np.ndarray | None = None
) -> Solution:
    """The repair MIP from the LP plan ``x_lp`` (integer columns ≥ `floor_lower`, divisible
    columns the LP plan leaves at 0 held at 0), then the `polish` of the divisible items free
    of those limits. Returns the MIP's `Solution` with the polished plan."""
    t0 = time.perf_counter()
    session = Session(model, settings.solver)
    ic = np.flatnonzero(model.integer)
    session.set_col_bounds(ic, floor_lower(x_lp, model.integer)[ic], np.full(len(ic), np.inf))
    unused = np.flatnonzero(~model.integer & (x_lp <= 0.0))
    session.set_col_bounds(unused, np.zeros(len(unused)), np.zeros(len(unused)))
    sol = session.solve(settings, previous, polish=False)
    if not sol.usable:
        return sol
    spent = time.perf_counter() - t0 if settings.mip_node_limit is None else 0.0
    rest = max(settings.time_limit_s - spent, 1.0)
    x = clean_x(
        polish(model, sol.x, settings.model_copy(update={"time_limit_s": rest}), previous),
        model.integer,
    )
    return dataclasses.replace(
        sol, x=x, value=float(model.value @ x), cost_eur=float(model.cost_eur @ x)
    )


def _with_gap(sol: Solution, bound: float, settings: Settings, t0: float) -> Solution:
    """``sol`` reported against ``bound``: gap, status and proven optimality from the bound
    ("optimal" means within ``mip_gap`` of it, as for a MIP solver's own status)."""
    gap = gap_to_bound(sol.value, bound)
    proven = bool(np.isfinite(gap) and gap <= settings.mip_gap)
    status = sol.status
    if proven:
        status = SolveStatus.OPTIMAL
    elif status is SolveStatus.OPTIMAL:
        status = SolveStatus.GAP
    return dataclasses.replace(
        sol,
        gap=gap,
        proven_optimal=proven,
        status=status,
        value_bound=bound,
        solve_time_s=time.perf_counter() - t0,
    )


def solve_whole_units(
    model: LinearModel, settings: Settings, previous: np.ndarray | None = None
) -> Solution:
    """A plan with every integer item whole, and its gap proven against the LP relaxation.

    model: a model with integer items (``model.is_mip``). settings: ``time_limit_s`` bounds
    the three steps together; ``mip_gap`` is the relative gap at which the repaired plan is
    accepted without branch and bound. previous: as for `Session.solve`.

    Returns a `Solution` whose ``gap`` is (V_LP − value) / V_LP (or against the tighter bound
    of the branch and bound that took over), ``value_bound`` the bound it is measured against,
    ``stages`` those of the MIP that produced the plan. Without a usable LP plan (time limit):
    the result of plain branch and bound on ``model``.
    """
    t0 = time.perf_counter()
    clocked = settings.mip_node_limit is None

    def left() -> float:
        if not clocked:
            return settings.time_limit_s
        return max(settings.time_limit_s - (time.perf_counter() - t0), 1.0)

    def limited(seconds: float | None = None) -> Settings:
        return settings.model_copy(update={"time_limit_s": left() if seconds is None else seconds})

    def plain() -> Solution:
        return Session(model, settings.solver).solve(limited(), previous)

    lp = lp_session(model, settings.solver).solve(settings, previous)
    bound = lp.value_bound
    if not lp.usable or not np.isfinite(bound):
        return plain()
    if not fractional(lp.x, model.integer).any():
        whole = dataclasses.replace(lp, x=clean_x(lp.x, model.integer), row_duals=None)
        return _with_gap(whole, bound, settings, t0)

    sol = repair(model, lp.x, limited(), previous)
    if sol.usable:
        sol = _with_gap(sol, bound, settings, t0)
        if sol.proven_optimal:
            return sol
    if clocked and settings.time_limit_s - (time.perf_counter() - t0) < 1.0:
        return sol if sol.usable else plain()
    if not clocked and sol.usable:
        # No fallback on a node budget: on the full model the root node alone (cuts and
        # heuristics, which no node limit bounds) took 10–40 s on demo samples (decision 0007).
        return sol

    spent = time.perf_counter() - t0
    box = min(left(), fallback_box(spent)) if sol.usable and clocked else left()
    start = sol.x if sol.usable else None
    bb = Session(model, settings.solver).solve(limited(box), previous, start=start)
    if not bb.usable:
        return sol
    best = bb if not sol.usable or bb.value >= sol.value else sol
    tighter = min(bound, bb.value_bound) if np.isfinite(bb.value_bound) else bound
    out = _with_gap(best, tighter, settings, t0)
    if not out.proven_optimal:
        if clocked and box < settings.time_limit_s - spent:
            out.status = SolveStatus.GAP  # stopped by its box, not the time limit
        elif not clocked:  # stopped by its node budget, or by the time limit (the safety net)
            timed_out = bb.status in (SolveStatus.FEASIBLE, SolveStatus.NO_SOLUTION)
            out.status = SolveStatus.FEASIBLE if timed_out else SolveStatus.GAP
    return out
