"""The one stage driver: a `Session` holds one model in one solver adapter and solves the
stages of DESIGN.md §4 (planner.solve.stages) on it, for both solvers.

Written once here, used by HiGHS and CBC alike: the stage order and skipping, objective
scaling, optimal-face fixing and floor rows between stages, time limits per stage (MIP stages
after the first are boxed, `mip_stage_box`; with ``Settings.mip_node_limit`` a node budget per
MIP run instead, and no limit that depends on the clock but the whole ``time_limit_s`` of each
run as a safety net, docs/decisions/0009), the MIP polish (integer items held, divisible items
planned again as an LP, stage by stage), and the "best found" labels.

Callers that re-solve (what-if runs, explanations, marginal values) use the same session:
`set_row_upper` / `set_col_upper` to change limits, `solve` for a whole plan, `run` for one
plain run with a given objective.

Re-planning (DESIGN.md §7, planner.model.stability): a model with ``stability`` set has its
fixed columns held at their previous units in every session, and `solve` runs the stability
stage against the previous plan. That stage maximises Σ_j y_j over helper columns, one per
column j the previous plan used and that is still free (`_helpers`):

    0 ≤ y_j ≤ previous_j,   y_j − x_j ≤ 0

so at its optimum y_j = min(x_j, previous_j) and Σ y is the previous units kept (the units
moved, Σ max(0, previous_j − x_j), are the rest). The helper columns are added to the
adapter once per session and are held at 0 outside the stages from the stability stage on,
so every other run sees the model unchanged; `Solution.x` has the model's columns only.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from planner.model import LinearModel
from planner.model.adapter import RunResult, RunStatus, SolverAdapter
from planner.schema import Settings
from planner.solve.solution import BEST_FOUND, Solution, SolveStatus
from planner.solve.stages import (
    STAGES,
    Stage,
    clean_x,
    floor_slack,
    lp_stage_box,
    mip_stage_box,
    optimal_face,
    stage_scale,
)

SOLVERS = ("highs", "cbc")


def make_adapter(
    model: LinearModel, solver: str, integer: np.ndarray | None = None, mip_presolve: bool = True
) -> SolverAdapter:
    """The adapter for ``solver`` ("highs" or "cbc") holding ``model``; ``integer`` overrides
    which columns are integer (all False: the LP relaxation); ``mip_presolve`` False switches
    HiGHS's presolve off for branch and bound (CBC keeps its own)."""
    if solver == "highs":
        from planner.model.highs_backend import HighsAdapter

        return HighsAdapter(model, integer, mip_presolve)
    if solver == "cbc":
        from planner.model.pulp_backend import PulpAdapter

        return PulpAdapter(model, integer)
    raise ValueError(f"unknown solver {solver!r} (expected highs or cbc)")


def _status(run: RunResult) -> SolveStatus:
    if run.status is RunStatus.OPTIMAL:
        return SolveStatus.OPTIMAL
    if run.status is RunStatus.TIME_LIMIT:
        return SolveStatus.FEASIBLE if run.x is not None else SolveStatus.NO_SOLUTION
    if run.status is RunStatus.NODE_LIMIT:
        return SolveStatus.GAP if run.x is not None else SolveStatus.NO_SOLUTION_NODES
    if run.status is RunStatus.INFEASIBLE:
        return SolveStatus.INFEASIBLE
    if run.status is RunStatus.UNBOUNDED:
        return SolveStatus.UNBOUNDED
    return SolveStatus.FEASIBLE if run.x is not None else SolveStatus.ERROR


class Session:
    """One model in one solver, with the limits the caller set (see the module docstring).

    model: the built model; solver: "highs" or "cbc"; integer: which columns are integer
    (default the model's; all False for the LP relaxation); keep_stage_bases: start each LP
    stage from the basis it ended with in the previous `solve` (what-if runs, where only
    right-hand sides change between solves; HiGHS only); mip_presolve: False runs HiGHS's
    branch and bound without presolve (`make_adapter`; the fallback of
    planner.solve.whole_units).
    """

    def __init__(
        self,
        model: LinearModel,
        solver: str = "highs",
        integer: np.ndarray | None = None,
        keep_stage_bases: bool = False,
        mip_presolve: bool = True,
    ):
        self.model = model
        self.solver = solver
        self.integer = (model.integer if integer is None else integer).astype(bool).copy()
        self.keep_stage_bases = keep_stage_bases
        self.adapter = make_adapter(model, solver, self.integer, mip_presolve)
        self.n_family_rows = model.n_rows
        self.row_upper = model.row_upper()
        """Family right-hand sides as the caller set them, in their own units."""
        self.col_lower = np.zeros(model.n_vars)
        self.col_upper = np.full(model.n_vars, np.inf)
        if model.stability is not None:  # frozen and past columns of a re-plan (§7)
            fixed = model.stability.fixed_cols
            units = model.stability.previous[fixed]
            self.set_col_bounds(fixed, units, units)
        self._helper_of = np.full(model.n_vars, -1, dtype=np.int64)
        """Adapter column of each model column's stability helper y_j (-1: none yet)."""
        self._helper_upper = np.zeros(0)
        """Current upper bound of each helper column (0: held, outside the stages)."""
        self._stage_rows: dict[str, int] = {}
        self._bases: dict[str, object] = {}
        self._solved = False

    @property
    def is_mip(self) -> bool:
        return bool(self.integer.any())

    # -- limits ------------------------------------------------------------------------------

    def set_row_upper(self, rows: np.ndarray, upper: np.ndarray) -> None:
        """Change right-hand sides of family rows (model.stacked() positions), own units."""
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows):
            self.row_upper[rows] = np.asarray(upper, dtype=float)
            self.adapter.set_row_bounds(rows, np.full(len(rows), -np.inf), self.row_upper[rows])

    def set_col_upper(self, cols: np.ndarray, upper: np.ndarray) -> None:
        """Change upper bounds of variables (0 switches a variable off)."""
        self.set_col_bounds(cols, self.col_lower[np.asarray(cols, dtype=np.int64)], upper)

    def set_col_bounds(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Change both bounds of variables."""
        cols = np.asarray(cols, dtype=np.int64)
        if len(cols):
            self.col_lower[cols] = np.asarray(lower, dtype=float)
            self.col_upper[cols] = np.asarray(upper, dtype=float)
            self.adapter.set_col_bounds(cols, self.col_lower[cols], self.col_upper[cols])

    def set_integer(self, cols: np.ndarray, integer: bool) -> None:
        """Make variables integer or continuous."""
        cols = np.asarray(cols, dtype=np.int64)
        self.integer[cols] = integer
        self.adapter.set_integer(cols, integer)

    def _restore(self) -> None:
        """Every column and family row back to the caller's bounds; stage rows free; helper
        columns held at 0."""
        n, m = self.model.n_vars, self.n_family_rows
        self.adapter.set_col_bounds(np.arange(n), self.col_lower, self.col_upper)
        k = len(self._helper_upper)
        if k:
            self._helper_upper[:] = 0.0
            self.adapter.set_col_bounds(np.arange(n, n + k), np.zeros(k), np.zeros(k))
        self.adapter.set_row_bounds(np.arange(m), np.full(m, -np.inf), self.row_upper)
        rows = np.array(sorted(self._stage_rows.values()), dtype=np.int64)
        free = np.full(len(rows), np.inf)
        self.adapter.set_row_bounds(rows, -free, free)

    # -- one run -----------------------------------------------------------------------------

    def run(
        self,
        objective: np.ndarray,
        maximise: bool,
        time_limit_s: float,
        mip_gap: float = 1e-4,
        start: np.ndarray | None = None,
        basis: object | None = None,
        warm: bool = False,
    ) -> RunResult:
        """One plain run with ``objective`` under the caller's limits (no stages): for
        explanations and marginal values. ``start``: a plan to start from; ``basis``: a basis
        from `basis` to start from. Duals are per unit of ``objective``."""
        self._restore()
        self.adapter.set_objective(objective, maximise)
        if start is not None:
            self.adapter.set_start(self._full(start))
        if basis is not None:
            self.adapter.set_basis(basis)
        return self.adapter.run(time_limit_s, mip_gap, warm=warm)

    def basis(self) -> object | None:
        """The solver's current basis (None where it has none)."""
        return self.adapter.get_basis()

    # -- the stages --------------------------------------------------------------------------

    def _stage_row(self, name: str, coef: np.ndarray) -> int:
        if name not in self._stage_rows:
            self._stage_rows[name] = self.adapter.add_row(coef, -np.inf, np.inf)
        return self._stage_rows[name]

    def _helpers(self, cols: np.ndarray) -> np.ndarray:
        """The helper columns y_j of model columns ``cols`` (module docstring), added to the
        adapter with their rows y_j − x_j ≤ 0 where missing; held at 0 until a stage frees
        them."""
        new = cols[self._helper_of[cols] < 0]
        if len(new):
            k = len(new)
            first = self.adapter.add_cols(np.zeros(k), np.zeros(k))
            ys = np.arange(first, first + k, dtype=np.int64)
            index = np.column_stack([ys, new]).ravel()
            value = np.tile([1.0, -1.0], k)
            start = np.arange(0, 2 * k + 1, 2)
            self.adapter.add_rows(np.full(k, -np.inf), np.zeros(k), start, index, value)
            self._helper_of[new] = ys
            self._helper_upper = np.concatenate([self._helper_upper, np.zeros(k)])
        return self._helper_of[cols]

    def _full(self, x: np.ndarray, previous: np.ndarray | None = None) -> np.ndarray:
        """A plan over the model's columns extended to the adapter's: each helper column at
        min(x_j, previous_j) within its current bound (0 when held)."""
        n, k = self.model.n_vars, len(self._helper_upper)
        if len(x) != n or not k:
            return x
        y = np.zeros(k)
        used = np.flatnonzero(self._helper_of >= 0)
        pos = self._helper_of[used] - n
        if previous is not None:
            y[pos] = np.minimum(np.minimum(x[used], previous[used]), self._helper_upper[pos])
        return np.concatenate([x, np.maximum(y, 0.0)])

    def _bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Current bounds of every adapter column (model columns, then helpers)."""
        k = len(self._helper_upper)
        return (
            np.concatenate([self.col_lower, np.zeros(k)]),
            np.concatenate([self.col_upper, self._helper_upper]),
        )

    def _hold_face(self, run: RunResult, x: np.ndarray) -> None:
        """Hold the optimal face of the LP stage just solved (planner.solve.stages)."""
        if run.status is not RunStatus.OPTIMAL or run.col_dual is None or run.row_dual is None:
            return
        m = self.n_family_rows
        lower, upper = self._bounds()
        face = optimal_face(x, run.col_dual, run.row_dual[:m], lower, upper)
        self.adapter.set_col_bounds(face.cols, face.at, face.at)
        full = self.row_upper[face.rows]
        self.adapter.set_row_bounds(face.rows, full, full)

    def solve(
        self,
        settings: Settings,
        previous: np.ndarray | None = None,
        start: np.ndarray | None = None,
        polish: bool = True,
        stage_box: Callable[[float], float] = mip_stage_box,
        improve_on: float | None = None,
    ) -> Solution:
        """The plan: the stages of DESIGN.md §4 in order, each on the optimum of those before.

        previous: units per column of a previous plan (the stability stage's target; default
        ``model.stability.target()`` when the model has one); the stage is skipped without
        one. start: a plan the MIP value stage starts from (its
        incumbent; ignored for an LP). polish: re-plan the divisible items of a MIP plan
        around its integer ones (`_polish`); planner.solve.whole_units switches it off where
        it polishes free of the limits it set. stage_box: seconds each later MIP stage may take
        after a value stage of the given seconds (planner.solve.whole_units boxes its repair
        tighter). improve_on: a value the caller's own plan already has; when the value
        stage's plan is worth no more, the later stages and the polish are skipped and the plan
        comes back with the value stage only (the caller keeps its plan and wants the value
        stage's bound: the fallback of planner.solve.whole_units). Raises nothing for a solver
        stop: a plan without any solution has ``usable`` False.
        """
        model = self.model
        t0 = time.perf_counter()
        n = model.n_vars
        ad = self.adapter
        if previous is None and model.stability is not None:
            previous = model.stability.target()
        nodes = settings.mip_node_limit if self.is_mip else None
        clocked = settings.mip_node_limit is None  # else: no limit but the safety net reads it
        if n == 0:
            return Solution(
                np.zeros(0), SolveStatus.OPTIMAL, True, 0.0, 0.0, 0.0, self.solver,
                ad.version, 0.0, np.zeros(model.n_rows), ["value"], ("value",),
            )  # fmt: skip
        plan: list[tuple[Stage, np.ndarray]] = []
        kept = np.zeros(0, dtype=np.int64)
        for stage in STAGES:
            coef = stage.coef(model, previous)
            if coef is None:
                continue
            scaled = np.asarray(coef, float) * stage_scale(stage, coef)
            if stage.on_kept:
                assert previous is not None
                kept = np.flatnonzero(np.asarray(coef) != 0)
                ys = self._helpers(kept)
                on_y = np.zeros(ad.n_cols)
                on_y[ys] = scaled[kept]
                scaled = on_y
            plan.append((stage, scaled))
        n_cols = ad.n_cols
        plan = [(stage, _pad(coef, n_cols)) for stage, coef in plan]
        names = tuple(stage.name for stage, _ in plan)
        warm = self._solved and not self.is_mip
        self._restore()
        stages: list[str] = []
        best: np.ndarray | None = None
        first: RunResult | None = None
        box = value_s = float("inf")
        prev: tuple[Stage, np.ndarray, RunResult] | None = None
        try:
            for i, (stage, coef) in enumerate(plan):
                left = settings.time_limit_s - (time.perf_counter() - t0 if i and clocked else 0.0)
                if prev is not None:
                    assert best is not None
                    if self.is_mip and clocked:
                        if left < 1.0:
                            break
                        left = min(left, box)
                    else:
                        # No box for a relaxation (its plan is rounded) nor under a node budget
                        # (stress: the same plan whatever the clock, decision 0009).
                        if not model.is_mip and clocked:
                            left = min(left, lp_stage_box(stage.name, value_s))
                        self._hold_face(prev[2], best)
                    p_stage, p_coef, _ = prev
                    opt = float(p_coef @ best)
                    slack = floor_slack(p_coef, opt, p_stage.floor_units)
                    key = p_stage.name
                    if p_stage.on_kept:  # one floor row per set of helper columns
                        key = f"{key}:{hash(np.flatnonzero(p_coef).tobytes())}"
                    row = self._stage_row(key, p_coef)
                    lo, up = (opt - slack, np.inf) if p_stage.maximise else (-np.inf, opt + slack)
                    ad.set_row_bounds(np.array([row]), np.array([lo]), np.array([up]))
                if stage.on_kept:  # free the helper columns: 0 ≤ y_j ≤ previous_j
                    assert previous is not None
                    ys = self._helper_of[kept]
                    self._helper_upper[ys - n] = previous[kept]
                    ad.set_col_bounds(ys, np.zeros(len(ys)), previous[kept])
                    if best is not None:
                        best = self._full(best[:n], previous)
                ad.set_objective(coef, stage.maximise)
                if self.is_mip and best is not None:
                    ad.set_start(best)
                elif self.is_mip and i == 0 and start is not None:
                    ad.set_start(self._full(start))
                keep = self.keep_stage_bases and not self.is_mip
                if keep and stage.name in self._bases:
                    ad.set_basis(self._bases[stage.name])
                fresh = stage.on_kept and not self.is_mip
                if fresh:
                    # The stability stage from scratch with the dual simplex: presolve drops the
                    # columns the faces fixed; 0.6–0.9 s instead of 2–3 s from the last basis
                    # (either simplex) on the medium benchmark.
                    ad.clear_basis()
                run = ad.run(
                    max(left, 0.5 if i == 0 else 1.0),
                    settings.mip_gap,
                    warm=warm or fresh,
                    stage=stage.name,
                    node_limit=nodes,
                )
                if keep:
                    basis = ad.get_basis() if run.status is RunStatus.OPTIMAL else None
                    if basis is not None:
                        self._bases[stage.name] = basis
                    else:
                        self._bases.pop(stage.name, None)
                if i == 0:
                    first = run
                    self._solved = True
                    if run.x is None:
                        return Solution.without_plan(
                            n, _status(run), self.solver, ad.version, time.perf_counter() - t0
                        )
                    value_s = time.perf_counter() - t0
                    box = stage_box(value_s)
                elif run.x is None:
                    # Stopped before a feasible plan of its own (a dual simplex or interior
                    # point run): the previous stage's plan is the best found for this stage.
                    if run.status is RunStatus.TIME_LIMIT:
                        stages.append(stage.name + BEST_FOUND)
                    break
                best = run.x
                stages.append(stage.name if run.optimal else stage.name + BEST_FOUND)
                prev = (stage, coef, run)
                if i == 0 and improve_on is not None and model.value @ best[:n] <= improve_on:
                    polish = False  # no better than the caller's plan: nothing more to do
                    break
        finally:
            self._restore()
        assert first is not None and best is not None
        best = best[:n]
        if self.is_mip and polish:
            spent = time.perf_counter() - t0 if clocked else 0.0
            best = self._polish(best, settings, settings.time_limit_s - spent, previous)
        best = clean_x(best, self.integer)
        value_scale = stage_scale(STAGES[0], model.value)
        duals = None
        if first.row_dual is not None:
            duals = first.row_dual[: self.n_family_rows] / value_scale
        bound = float("nan")
        if first.x is not None:
            v1 = float(model.value @ first.x[:n])
            if not self.is_mip and first.optimal:
                bound = v1
            elif self.is_mip and np.isfinite(first.gap):
                bound = v1 + first.gap * abs(v1)
        return Solution(
            x=best,
            status=_status(first),
            proven_optimal=first.optimal,
            gap=first.gap,
            value=float(model.value @ best),
            cost_eur=float(model.cost_eur @ best),
            solver=self.solver,
            solver_version=ad.version,
            solve_time_s=time.perf_counter() - t0,
            row_duals=duals,
            stages=stages,
            stage_names=names,
            value_bound=bound,
        )

    def _polish(
        self, x: np.ndarray, settings: Settings, left: float, previous: np.ndarray | None = None
    ) -> np.ndarray:
        """A MIP plan with its integer items held where they are and the divisible items
        planned again as an LP, stage by stage on each optimal face: the lexicographic optimum
        for the divisible items given the integer ones, where the MIP gap and the stage boxes
        may have left value or money on the table. ``x`` unchanged unless every LP stage ends
        proven optimal."""
        ic = np.flatnonzero(self.integer)
        lp = Session(self.model, self.solver, integer=np.zeros_like(self.integer))
        lp.row_upper[:] = self.row_upper
        lower, upper = self.col_lower.copy(), self.col_upper.copy()
        lower[ic] = upper[ic] = np.round(x[ic])
        lp.set_col_bounds(np.arange(self.model.n_vars), lower, upper)
        lp.set_row_upper(np.arange(self.n_family_rows), self.row_upper)
        sol = lp.solve(settings.model_copy(update={"time_limit_s": max(left, 1.0)}), previous)
        if sol.status is not SolveStatus.OPTIMAL or not sol.all_stages_proven:
            return x
        return sol.x


def _pad(coef: np.ndarray, n_cols: int) -> np.ndarray:
    """``coef`` over ``n_cols`` adapter columns (0 on the helper columns it does not reach)."""
    if len(coef) == n_cols:
        return coef
    out = np.zeros(n_cols)
    out[: len(coef)] = coef
    return out


def solve_model(
    model: LinearModel, settings: Settings, previous: np.ndarray | None = None
) -> Solution:
    """Solve ``model`` with the solver named in ``settings`` (a fresh `Session`). With integer
    items: the LP relaxation, rounded down and repaired, its gap proven against the LP optimum
    (planner.solve.whole_units, docs/decisions/0006), with the whole units that buy nothing
    trimmed (planner.solve.trim)."""
    start = time.perf_counter()
    if model.is_mip:
        from planner.solve.trim import trim_worthless
        from planner.solve.whole_units import solve_whole_units

        sol = solve_whole_units(model, settings, previous)
        if sol.usable:  # whole parts that make nothing usable stay at home (planner.solve.trim)
            x = trim_worthless(model, sol.x)
            sol.x, sol.cost_eur = x, float(model.cost_eur @ x)
    else:
        sol = Session(model, settings.solver).solve(settings, previous)
    sol.solve_time_s = time.perf_counter() - start
    return sol
