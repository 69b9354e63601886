"""The one stage driver: a `Session` holds one model in one solver adapter and solves the
stages of DESIGN.md §4 (planner.solve.stages) on it, for both solvers.

Written once here, used by HiGHS and CBC alike: the stage order and skipping, objective
scaling, optimal-face fixing and floor rows between stages, time limits per stage (MIP stages
after the first are boxed, `mip_stage_box`; with ``Settings.mip_node_limit`` a node budget per
MIP run instead, and no limit that depends on the clock but the whole ``time_limit_s`` of each
run as a safety net, docs/decisions/0007), the MIP polish (integer items held, divisible items
planned again as an LP, stage by stage), and the "best found" labels.

Callers that re-solve (what-if runs, explanations, marginal values) use the same session:
`set_row_upper` / `set_col_upper` to change limits, `solve` for a whole plan, `run` for one
plain run with a given objective.
"""

from __future__ import annotations

import time

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
    mip_stage_box,
    optimal_face,
    stage_scale,
)

SOLVERS = ("highs", "cbc")


def make_adapter(
    model: LinearModel, solver: str, integer: np.ndarray | None = None
) -> SolverAdapter:
    """The adapter for ``solver`` ("highs" or "cbc") holding ``model``; ``integer`` overrides
    which columns are integer (all False: the LP relaxation)."""
    if solver == "highs":
        from planner.model.highs_backend import HighsAdapter

        return HighsAdapter(model, integer)
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
    right-hand sides change between solves; HiGHS only).
    """

    def __init__(
        self,
        model: LinearModel,
        solver: str = "highs",
        integer: np.ndarray | None = None,
        keep_stage_bases: bool = False,
    ):
        self.model = model
        self.solver = solver
        self.integer = (model.integer if integer is None else integer).astype(bool).copy()
        self.keep_stage_bases = keep_stage_bases
        self.adapter = make_adapter(model, solver, self.integer)
        self.n_family_rows = model.n_rows
        self.row_upper = (
            np.concatenate([b.upper for b in model.blocks]).astype(float)
            if model.blocks
            else np.zeros(0)
        )
        """Family right-hand sides as the caller set them, in their own units."""
        self.col_lower = np.zeros(model.n_vars)
        self.col_upper = np.full(model.n_vars, np.inf)
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
        """Every column and family row back to the caller's bounds; stage rows free."""
        n, m = self.model.n_vars, self.n_family_rows
        self.adapter.set_col_bounds(np.arange(n), self.col_lower, self.col_upper)
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
            self.adapter.set_start(start)
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

    def _hold_face(self, run: RunResult, x: np.ndarray) -> None:
        """Hold the optimal face of the LP stage just solved (planner.solve.stages)."""
        if run.status is not RunStatus.OPTIMAL or run.col_dual is None or run.row_dual is None:
            return
        m = self.n_family_rows
        face = optimal_face(x, run.col_dual, run.row_dual[:m], self.col_lower, self.col_upper)
        self.adapter.set_col_bounds(face.cols, face.at, face.at)
        full = self.row_upper[face.rows]
        self.adapter.set_row_bounds(face.rows, full, full)

    def solve(
        self,
        settings: Settings,
        previous: np.ndarray | None = None,
        start: np.ndarray | None = None,
        polish: bool = True,
    ) -> Solution:
        """The plan: the stages of DESIGN.md §4 in order, each on the optimum of those before.

        previous: units per column of a previous plan (the stability stage's target); the
        stage is skipped without one. start: a plan the MIP value stage starts from (its
        incumbent; ignored for an LP). polish: re-plan the divisible items of a MIP plan
        around its integer ones (`_polish`); planner.solve.whole_units switches it off where
        it polishes free of the limits it set. Raises nothing for a solver stop: a plan without any
        solution has ``usable`` False.
        """
        model = self.model
        t0 = time.perf_counter()
        n = model.n_vars
        ad = self.adapter
        nodes = settings.mip_node_limit if self.is_mip else None
        clocked = settings.mip_node_limit is None  # else: no limit but the safety net reads it
        if n == 0:
            return Solution(
                np.zeros(0), SolveStatus.OPTIMAL, True, 0.0, 0.0, 0.0, self.solver,
                ad.version, 0.0, np.zeros(model.n_rows), ["value"], ("value",),
            )  # fmt: skip
        plan: list[tuple[Stage, np.ndarray]] = []
        for stage in STAGES:
            coef = stage.coef(model, previous)
            if coef is not None:
                plan.append((stage, np.asarray(coef, float) * stage_scale(stage, coef)))
        names = tuple(stage.name for stage, _ in plan)
        warm = self._solved and not self.is_mip
        self._restore()
        stages: list[str] = []
        best: np.ndarray | None = None
        first: RunResult | None = None
        box = float("inf")
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
                        self._hold_face(prev[2], best)
                    p_stage, p_coef, _ = prev
                    opt = float(p_coef @ best)
                    slack = floor_slack(p_coef, opt)
                    row = self._stage_row(p_stage.name, p_coef)
                    lo, up = (opt - slack, np.inf) if p_stage.maximise else (-np.inf, opt + slack)
                    ad.set_row_bounds(np.array([row]), np.array([lo]), np.array([up]))
                ad.set_objective(coef, stage.maximise)
                if self.is_mip and best is not None:
                    ad.set_start(best)
                elif self.is_mip and i == 0 and start is not None:
                    ad.set_start(start)
                keep = self.keep_stage_bases and not self.is_mip
                if keep and stage.name in self._bases:
                    ad.set_basis(self._bases[stage.name])
                run = ad.run(
                    max(left, 0.5 if i == 0 else 1.0), settings.mip_gap, warm=warm, node_limit=nodes
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
                    box = mip_stage_box(time.perf_counter() - t0)
                elif run.x is None:
                    break
                best = run.x
                stages.append(stage.name if run.optimal else stage.name + BEST_FOUND)
                prev = (stage, coef, run)
        finally:
            self._restore()
        assert first is not None and best is not None
        if self.is_mip and polish:
            spent = time.perf_counter() - t0 if clocked else 0.0
            best = self._polish(best, settings, settings.time_limit_s - spent)
        best = clean_x(best, self.integer)
        value_scale = stage_scale(STAGES[0], model.value)
        duals = None
        if first.row_dual is not None:
            duals = first.row_dual[: self.n_family_rows] / value_scale
        bound = float("nan")
        if first.x is not None:
            v1 = float(model.value @ first.x)
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

    def _polish(self, x: np.ndarray, settings: Settings, left: float) -> np.ndarray:
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
        sol = lp.solve(settings.model_copy(update={"time_limit_s": max(left, 1.0)}))
        if sol.status is not SolveStatus.OPTIMAL or not sol.all_stages_proven:
            return x
        return sol.x


def solve_model(
    model: LinearModel, settings: Settings, previous: np.ndarray | None = None
) -> Solution:
    """Solve ``model`` with the solver named in ``settings`` (a fresh `Session`). With integer
    items: the LP relaxation, rounded down and repaired, its gap proven against the LP optimum
    (planner.solve.whole_units, docs/decisions/0006)."""
    start = time.perf_counter()
    if model.is_mip:
        from planner.solve.whole_units import solve_whole_units

        sol = solve_whole_units(model, settings, previous)
    else:
        sol = Session(model, settings.solver).solve(settings, previous)
    sol.solve_time_s = time.perf_counter() - start
    return sol
