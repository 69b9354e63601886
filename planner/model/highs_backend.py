"""HiGHS fed directly from the model's arrays (highspy): fast build, warm re-solves, duals."""

from __future__ import annotations

import dataclasses
import os
import sys
import time

import highspy
import numpy as np

from planner.model.build import LinearModel
from planner.schema import Settings
from planner.solve import (
    ALL_STAGES,
    Solution,
    clean_x,
    cost_cap,
    kept_units,
    objective_scale,
    optimal_face,
    stability_floor,
    value_floor,
    without_stability,
)

INF = highspy.kHighsInf
_banner_shown = False

PRIMAL_SIMPLEX, DUAL_SIMPLEX = 4, 1
LP_OPTIONS: dict[str, int] = {"simplex_strategy": PRIMAL_SIMPLEX}
"""HiGHS options for LPs (docs/decisions/0003). Sending nothing is always a plan, so the slack
basis is primal feasible and the primal simplex starts where the dual simplex would first have
to repair: 5–20× faster on the benchmark instances. The later stages of a cold solve only
change the objective (the plan stays feasible), so they use the primal simplex too."""
MIP_OPTIONS: dict[str, bool] = {
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
}
"""HiGHS options for models with integer items. These three heuristics solve sub-MIPs at the
root; on the demo they took 27 of 33 s at budget scale 0.55 (the plan they found was optimal
at 8 s; the bound was closed in 7 nodes). Without them the demo's value stage takes about 1 s
at every budget scale from 0.5 to 1.5, with the same optimal values within the MIP gap
(benchmarks/README.md)."""
MIP_STAGE_MIN_S = 1.0
"""For integer items, the cost and arrival stages (MIPs of their own, often harder than the
value stage) each get at most max(MIP_STAGE_MIN_S, time of the value stage); then the best plan
found so far is kept and the stage is reported as "best found" (`mip_stage_box`)."""
# Every stage objective is scaled by planner.solve.objective_scale (largest coefficient
# 100–1000). For the cost stage this matters most: HiGHS then prices in steps far below a cent,
# and the stage runs 10–20× faster than with raw euros (up to 10^8).


MONEY_ROW_TOP = 1e3
"""A donor budget row whose dearest unit costs more than this many euros is stated inside HiGHS
in a power of ten of euros that brings that cost into [1, 10) (e.g. tens of millions for
aircraft). Budgets reach 10^10 EUR against an absolute feasibility tolerance of 1e-7; in euros
the last stage of the benchmark's medium and large plans ended "Unknown" (a basic variable at
-457 after clean-up) and the plans lost their earliest-arrival stage. Duals and bounds are
converted back, so callers see euros (see HighsBackend.row_scale)."""


def mip_stage_box(stage1_s: float) -> float:
    """Seconds a later MIP stage may take, after a value stage of ``stage1_s`` seconds."""
    return max(MIP_STAGE_MIN_S, stage1_s)


def new_highs() -> highspy.Highs:
    """A silent HiGHS instance. The first one of a process prints a banner on file descriptor 1,
    which would corrupt `--json` output, so stdout is pointed at /dev/null while it is made."""
    global _banner_shown
    if _banner_shown:
        h = highspy.Highs()
    else:
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
            _banner_shown = True
    h.setOptionValue("output_flag", False)
    return h


def highs_version() -> str:
    return f"HiGHS {new_highs().version()}"


def column_matrix(
    model: LinearModel, cost_scale: float, row_scale: np.ndarray | None = None
) -> tuple[np.ndarray, ...]:
    """The constraint matrix column-wise (start, index, value), with the two stage rows last;
    family rows multiplied by ``row_scale`` (one factor per stacked row) when given.

    Every variable sits in at most one row of each family, so a column is at most one entry
    per family plus the value and cost rows: a (variables × slots) table read row by row gives
    the columns in order, with no sort of the non-zeros (model.stacked() sorts them by row).
    """
    n, m = model.n_vars, model.n_rows
    slots = len(model.blocks) + 2
    rows = np.full((n, slots), -1, dtype=np.int32)
    vals = np.zeros((n, slots))
    offset = 0
    for f, b in enumerate(model.blocks):
        if len(b.var) and np.bincount(b.var, minlength=n).max() > 1:
            return _column_matrix_sorted(model, cost_scale, row_scale)
        rows[b.var, f] = b.row + offset
        vals[b.var, f] = b.coef if row_scale is None else b.coef * row_scale[b.row + offset]
        offset += b.n_rows
    rows[:, -2], vals[:, -2] = m, model.value
    rows[:, -1], vals[:, -1] = m + 1, model.cost_eur * cost_scale
    used = rows >= 0
    start = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(used.sum(axis=1), out=start[1:])
    return start, rows[used], vals[used]


def _column_matrix_sorted(
    model: LinearModel, cost_scale: float, row_scale: np.ndarray | None
) -> tuple[np.ndarray, ...]:
    """column_matrix for families with several entries per variable: sort by column."""
    n, m = model.n_vars, model.n_rows
    r, c, v, _ = model.stacked()
    if row_scale is not None:
        v = v * row_scale[r]
    cols = np.arange(n, dtype=np.int64)
    r = np.concatenate([r, np.full(n, m), np.full(n, m + 1)])
    c = np.concatenate([c, cols, cols])
    v = np.concatenate([v, model.value, model.cost_eur * cost_scale])
    order = np.argsort(c, kind="stable")
    start = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(c, minlength=n), out=start[1:])
    return start, r[order].astype(np.int32), v[order].astype(float)


class HighsBackend:
    """One HiGHS instance holding the model plus two extra rows (value floor, cost cap).

    The extra rows are free until the later stages tighten them; a what-if run changes right-hand
    sides with set_row_upper / set_col_upper and solves again from the previous basis.
    """

    def __init__(self, model: LinearModel, keep_stage_bases: bool = False):
        self.model = model
        self.keep_stage_bases = keep_stage_bases
        """LP only: start each stage of a solve from the basis that stage ended with in the
        previous solve (what-if runs, where only right-hand sides change between solves)."""
        self._bases: dict[int, highspy.HighsBasis] = {}
        self._stage = 0
        m = model.n_rows
        self.n_family_rows = m
        self.value_row, self.cost_row = m, m + 1
        # The cost row holds euros scaled like the stage-2 objective (see objective_scale).
        self.cost_scale = objective_scale(model.cost_eur)
        # Value and earliness objectives scaled the same way: reduced costs and duals then live
        # where FACE_TOL (an absolute 1e-7, like HiGHS's own tolerances) separates them from
        # noise, also when every unit is worth little (long lines: value = weight / quantity).
        self.value_scale = objective_scale(model.value)
        self.early_scale = objective_scale(model.earliness)
        self._row_upper = (
            np.concatenate([b.upper for b in model.blocks]).astype(float)
            if model.blocks
            else np.zeros(0)
        )  # family right-hand sides as set through set_row_upper, in their own units
        self._col_upper = np.full(model.n_vars, INF)
        self._col_lower = np.zeros(model.n_vars)  # 0 but where a polish fixes integer items
        if model.stability is not None:  # frozen allocations (§7): lower = upper = previous
            fixed = model.stability.fixed_cols
            self._col_lower[fixed] = model.stability.previous[fixed]
            self._col_upper[fixed] = model.stability.previous[fixed]
        self._aux = 0
        """Auxiliary columns (and rows, plus one floor row) of the stability stage now in ``h``."""
        self.row_scale = np.ones(m)
        """Factor each family row is multiplied by inside HiGHS: 1, or a power of ten for large
        budget rows once `solve` has rescaled them (MONEY_ROW_TOP). Row duals read from ``h``
        directly are per scaled unit: multiply by row_scale for euros. Instances that are only
        built and run by hand (marginals, explain, tests) keep every row in its own units."""
        self._h: highspy.Highs | None = None

    @property
    def h(self) -> highspy.Highs:
        """The HiGHS instance holding the model, made (and handed the model) on first use."""
        if self._h is None:
            self._h = new_highs()
            self._h.setOptionValue("threads", 1)
            options: dict[str, int | bool] = dict(MIP_OPTIONS if self.model.is_mip else LP_OPTIONS)
            for key, val in options.items():
                self._h.setOptionValue(key, val)
            self._pass_model()
        return self._h

    def _pass_model(self) -> None:
        """Hand the model (with the current row_scale) to HiGHS, replacing what it holds."""
        model = self.model
        n, m = model.n_vars, model.n_rows
        scaled = bool((self.row_scale != 1.0).any())
        start, index, value = column_matrix(
            model, self.cost_scale, self.row_scale if scaled else None
        )
        # The array overload of passModel reads the NumPy buffers directly; filling a HighsLp
        # converts element by element (3 s instead of 0.3 s for a million columns). Integrality
        # per column (HighsVarType: 0 continuous, 1 integer; all 0 is an LP) must not be empty:
        # HiGHS would read past it.
        status = self.h.passModel(
            n,
            m + 2,
            len(index),
            int(highspy.MatrixFormat.kColwise),
            int(highspy.ObjSense.kMaximize),
            0.0,
            model.value.astype(float),
            self._col_lower,
            self._col_upper,
            np.full(m + 2, -INF),
            np.concatenate([self._row_upper * self.row_scale, [INF, INF]]),
            start[:-1],  # HiGHS takes the column starts without the end
            index,
            value,
            model.integer.astype(np.int32),
        )
        if status == highspy.HighsStatus.kError:
            raise RuntimeError("HiGHS rejected the model arrays (a bug in the model build)")

    def _scale_money_rows(self) -> None:
        """Before the first solve of an LP: large budget rows in a power of ten of euros.

        Done by `solve` rather than when the instance is made, because callers that only build
        an instance and run it themselves read raw row duals from ``h``. When `solve` is the
        first to use ``h`` (the usual case), the model is handed to HiGHS once, scaled.
        """
        offsets = self.model.row_offsets()
        if self.model.is_mip or "donor_budget" not in offsets:
            return
        budget = self.model.block("donor_budget")
        if not budget.n_rows or (self.row_scale != 1.0).any():
            return
        top = np.zeros(budget.n_rows)
        np.maximum.at(top, budget.row, np.abs(budget.coef))
        big = top > MONEY_ROW_TOP
        if not big.any():
            return
        factor = np.ones(budget.n_rows)
        factor[big] = 10.0 ** -np.floor(np.log10(top[big]))
        lo = offsets["donor_budget"]
        self.row_scale[lo : lo + budget.n_rows] = factor
        if self._h is not None:
            self._pass_model()

    def set_row_upper(self, rows: np.ndarray, upper: np.ndarray) -> None:
        """Change right-hand sides of family rows (stacked positions), in the rows' own units."""
        rows = np.asarray(rows, dtype=np.int32)
        if len(rows):
            upper = np.asarray(upper, dtype=float)
            self._row_upper[rows] = upper
            self.h.changeRowsBounds(  # type: ignore[attr-defined]
                len(rows), rows, np.full(len(rows), -INF), upper * self.row_scale[rows]
            )

    def set_col_upper(self, cols: np.ndarray, upper: np.ndarray) -> None:
        """Change upper bounds of variables (0 switches a variable off)."""
        cols = np.asarray(cols, dtype=np.int32)
        if len(cols):
            self._col_upper[cols] = np.asarray(upper, dtype=float)
            self.h.changeColsBounds(len(cols), cols, self._col_lower[cols], self._col_upper[cols])

    def _objective(self, coef: np.ndarray, sense: highspy.ObjSense, scale: float = 1.0) -> None:
        n = self.model.n_vars
        self.h.changeObjectiveSense(sense)
        if n:
            self.h.changeColsCost(n, np.arange(n, dtype=np.int32), coef.astype(float) * scale)

    def _run(self, time_left: float, settings: Settings) -> tuple[str, bool, np.ndarray | None]:
        """One stage: run HiGHS within ``time_left`` seconds; (status, proven optimal, x)."""
        stage, self._stage = self._stage, self._stage + 1
        keep = self.keep_stage_bases and not self.model.is_mip
        if keep and stage in self._bases:
            self.h.setBasis(self._bases[stage])
        out = self._run_highs(time_left, settings)
        if keep:
            if out[0] == "optimal":
                self._bases[stage] = self.h.getBasis()
            else:
                self._bases.pop(stage, None)
        return out

    def _run_highs(
        self, time_left: float, settings: Settings
    ) -> tuple[str, bool, np.ndarray | None]:
        h = self.h
        # For an LP HiGHS compares time_limit with the run time accumulated over every run of
        # this instance, so a later stage (or a what-if re-solve) gets its budget on top of
        # that; the MIP solver times each run from its start (checked with HiGHS 1.16).
        start = 0.0 if self.model.is_mip else float(h.getRunTime())
        h.setOptionValue("time_limit", start + max(time_left, 0.5))
        h.setOptionValue("mip_rel_gap", settings.mip_gap)
        h.run()
        status = h.getModelStatus()
        info = h.getInfo()
        has_sol = info.primal_solution_status == 2  # kSolutionStatusFeasible
        x = (
            np.asarray(h.getSolution().col_value, dtype=float)[: self.model.n_vars]
            if has_sol
            else None
        )
        if status == highspy.HighsModelStatus.kOptimal:
            return "optimal", True, x
        if status == highspy.HighsModelStatus.kTimeLimit:
            return ("feasible (time limit)" if has_sol else "no solution (time limit)"), False, x
        return h.modelStatusToString(status), False, x

    def _next_stage(
        self,
        coef: np.ndarray,
        row: int,
        cap: float | None,
        best: np.ndarray,
        left: float,
        settings: Settings,
    ) -> tuple[bool, np.ndarray | None]:
        """Run stage 2 (``cap`` = value floor: minimise cost) or stage 3 (no cap: maximise
        earliness under a cost cap from ``best``): proven optimal?, and the stage's plan (None
        if it found none)."""
        h, model = self.h, self.model
        if cap is not None:
            h.changeRowBounds(row, cap, INF)
            sense, scale = highspy.ObjSense.kMinimize, self.cost_scale
        else:
            c_cap = cost_cap(float(model.cost_eur @ best)) * self.cost_scale
            h.changeRowBounds(row, -INF, c_cap)
            sense, scale = highspy.ObjSense.kMaximize, self.early_scale
        self._objective(coef, sense, scale)
        if model.is_mip:
            self._set_start(best)
        _, proven, x2 = self._run(max(left, 1.0), settings)
        return proven, x2

    def _set_start(self, best: np.ndarray) -> None:
        """A MIP start from ``best`` (with the stability stage's y = min(x, previous))."""
        values = list(best)
        if self._aux:
            target = self.model.stability
            assert target is not None
            cols = target.kept_cols
            values += list(np.minimum(best[cols], target.previous[cols]))
        sol = highspy.HighsSolution()
        sol.col_value = values
        sol.value_valid = True
        self.h.setSolution(sol)

    def _stability_stage(
        self, v_star: float, best: np.ndarray, left: float, settings: Settings
    ) -> tuple[bool, np.ndarray | None]:
        """Stage "stability" (planner.solve.stability_stage_definition): on the value stage's
        optimum, maximise Σ y_p with 0 ≤ y_p ≤ prev_p and y_p − x_j ≤ 0, then add the row
        Σ y_p ≥ stability_floor(kept) for the later stages. `_drop_stability` removes it all."""
        h, model = self.h, self.model
        target = model.stability
        assert target is not None
        cols = target.kept_cols
        k, n = len(cols), model.n_vars
        m = h.getNumRow()
        h.changeRowBounds(self.value_row, value_floor(v_star), INF)
        self._objective(np.zeros(n), highspy.ObjSense.kMaximize)
        scale = objective_scale(np.ones(1))
        h.addCols(
            k,
            np.full(k, scale),
            np.zeros(k),
            target.previous[cols].astype(float),
            0,
            np.zeros(k, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0),
        )
        y = n + np.arange(k, dtype=np.int32)
        index = np.column_stack([cols, y]).ravel().astype(np.int32)
        value = np.tile([-1.0, 1.0], k)
        h.addRows(
            k,
            np.full(k, -INF),
            np.zeros(k),
            2 * k,
            np.arange(0, 2 * k, 2, dtype=np.int32),
            index,
            value,
        )
        self._aux = k
        if model.is_mip:
            self._set_start(best)
            _, proven, x2 = self._run(max(left, 1.0), settings)
        else:
            # From the value stage's basis the dual simplex is 2-3x faster here than the primal
            # (medium benchmark re-planned as of week 5: 2.2 s instead of 6.1 s); the later
            # stages keep the strategy they had.
            strategy = int(h.getOptionValue("simplex_strategy")[1])
            h.setOptionValue("simplex_strategy", DUAL_SIMPLEX)
            try:
                _, proven, x2 = self._run(max(left, 1.0), settings)
            finally:
                h.setOptionValue("simplex_strategy", strategy)
        kept = kept_units(best if x2 is None else x2, cols, target.previous)
        h.changeColsCost(k, y, np.zeros(k))
        h.addRow(stability_floor(kept), INF, k, y, np.ones(k))
        assert h.getNumRow() == m + k + 1
        return proven, x2

    def _drop_stability(self) -> None:
        """Remove the stability stage's auxiliary columns and rows (the model is as built)."""
        if not self._aux:
            return
        h, n, k = self.h, self.model.n_vars, self._aux
        first_row = self.n_family_rows + 2
        h.deleteRows(k + 1, np.arange(first_row, first_row + k + 1, dtype=np.int32))
        h.deleteCols(k, np.arange(n, n + k, dtype=np.int32))
        self._aux = 0

    def _polish(self, x: np.ndarray, settings: Settings, left: float) -> np.ndarray:
        """A MIP plan with its integer items held where they are and the divisible items planned
        again as an LP, stage by stage (value, cost, arrival, each on the previous optimal
        face): the lexicographic optimum for the divisible items given the integer ones, where
        the MIP gap and the stage boxes may have left value or money on the table. ``x``
        unchanged unless all three LP stages end optimal."""
        model = self.model
        ic = np.flatnonzero(model.integer)
        lp = HighsBackend(dataclasses.replace(model, integer=np.zeros_like(model.integer)))
        lp._row_upper = self._row_upper.copy()
        lp._col_upper = self._col_upper.copy()
        whole = np.round(x[ic])
        lp._col_lower[ic] = whole
        lp._col_upper[ic] = whole
        sol = lp.solve(settings.model_copy(update={"time_limit_s": max(left, 1.0)}))
        if sol.status != "optimal" or without_stability(sol.stages) != ALL_STAGES:
            return x
        return sol.x

    def _fix_to_optimal_face(self) -> None:
        """Hold the LP at the optimal face of the stage just solved (planner.solve.optimal_face);
        nothing if the stage has no proven optimal duals. `_restore_bounds` undoes it."""
        h = self.h
        if (
            h.getModelStatus() != highspy.HighsModelStatus.kOptimal
            or h.getInfo().dual_solution_status != 2  # kSolutionStatusFeasible
        ):
            return
        sol = h.getSolution()
        n = self.model.n_vars  # the stability stage's auxiliary columns are left free
        face = optimal_face(
            np.asarray(sol.col_value, dtype=float)[:n],
            np.asarray(sol.col_dual, dtype=float)[:n],
            np.asarray(sol.row_dual, dtype=float)[: self.n_family_rows],
            self._col_lower,
            self._col_upper,
        )
        h.changeColsBounds(len(face.cols), face.cols, face.at, face.at)
        full = self._row_upper[face.rows] * self.row_scale[face.rows]
        h.changeRowsBounds(len(face.rows), face.rows, full, full)  # type: ignore[attr-defined]

    def _restore_bounds(self) -> None:
        """Every column and family row back to the bounds this backend holds for them."""
        h, n, m = self.h, self.model.n_vars, self.n_family_rows
        h.changeColsBounds(n, np.arange(n, dtype=np.int32), self._col_lower, self._col_upper)
        h.changeRowsBounds(  # type: ignore[attr-defined]
            m, np.arange(m, dtype=np.int32), np.full(m, -INF), self._row_upper * self.row_scale
        )

    def solve(self, settings: Settings) -> Solution:
        model = self.model
        t0 = time.perf_counter()
        n = model.n_vars
        self._stage = 0
        if self._h is None:
            self._scale_money_rows()
        h = self.h
        # Reset the stage rows, so a re-solve after changed bounds starts from the primary problem.
        h.changeRowBounds(self.value_row, -INF, INF)
        h.changeRowBounds(self.cost_row, -INF, INF)
        self._objective(model.value, highspy.ObjSense.kMaximize, self.value_scale)
        # A cold LP solve uses the primal simplex in every stage (LP_OPTIONS). A warm re-solve
        # after changed bounds (what-if runs, which may also set each stage's last basis) keeps
        # HiGHS's dual simplex, which repairs a dual feasible basis in a few iterations.
        warm = not model.is_mip and n > 0 and h.getBasis().valid
        if not model.is_mip:
            h.setOptionValue("simplex_strategy", DUAL_SIMPLEX if warm else PRIMAL_SIMPLEX)
            if not warm and not (self.row_scale != 1.0).any():
                self._scale_money_rows()  # an instance someone used before solving: re-pass
                self._objective(model.value, highspy.ObjSense.kMaximize, self.value_scale)
        if n == 0:
            return Solution(
                np.zeros(0),
                "optimal",
                True,
                0.0,
                0.0,
                0.0,
                "highs",
                highs_version(),
                0.0,
                np.zeros(model.n_rows),
                ["value"],
            )
        status, proven, x = self._run(settings.time_limit_s, settings)
        if x is None:
            return Solution.without_plan(
                n, status, "highs", highs_version(), time.perf_counter() - t0
            )
        gap = float(h.getInfo().mip_gap) if model.is_mip else 0.0
        if not np.isfinite(gap):
            gap = 0.0 if proven else np.nan
        duals = None
        if not model.is_mip:  # per unit of each row's own right-hand side (euros, tonnes, ...)
            raw = np.asarray(h.getSolution().row_dual, dtype=float)[: self.n_family_rows]
            duals = raw * self.row_scale / self.value_scale
        stages = ["value"]
        best = x
        v_star = float(model.value @ x)
        box = mip_stage_box(time.perf_counter() - t0)
        later: list[tuple[np.ndarray, int, float | None, str]] = [
            (model.cost_eur, self.value_row, value_floor(v_star), "cost"),
            (model.earliness, self.cost_row, None, "arrival"),
        ]
        if model.stability is not None and len(model.stability.kept_cols):
            later.insert(0, (model.value, self.value_row, None, "stability"))
        try:
            for coef, row, cap, name in later:
                left = settings.time_limit_s - (time.perf_counter() - t0)
                if model.is_mip and left < 1.0:
                    break
                if model.is_mip:
                    left = min(left, box)
                else:
                    self._fix_to_optimal_face()
                if name == "stability":
                    done, x2 = self._stability_stage(v_star, best, left, settings)
                else:
                    done, x2 = self._next_stage(coef, row, cap, best, left, settings)
                if x2 is None:
                    break
                best = x2
                stages.append(name if done else f"{name} (best found)")
        finally:
            self._drop_stability()
            if not model.is_mip:
                self._restore_bounds()
        if model.is_mip:
            best = self._polish(best, settings, settings.time_limit_s - (time.perf_counter() - t0))
        best = clean_x(best, model.integer)
        return Solution(
            x=best,
            status=status,
            proven_optimal=proven,
            gap=gap,
            value=float(model.value @ best),
            cost_eur=float(model.cost_eur @ best),
            solver="highs",
            solver_version=highs_version(),
            solve_time_s=time.perf_counter() - t0,
            row_duals=duals,
            stages=stages,
        )
