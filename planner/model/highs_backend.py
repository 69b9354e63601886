"""HiGHS fed directly from the model's arrays (highspy): fast build, warm re-solves, duals."""

from __future__ import annotations

import os
import sys
import time

import highspy
import numpy as np

from planner.model.build import LinearModel
from planner.schema import Settings
from planner.solve import Solution, clean_x, cost_cap, value_floor

INF = highspy.kHighsInf
_banner_shown = False


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


class HighsBackend:
    """One HiGHS instance holding the model plus two extra rows (value floor, cost cap).

    The extra rows are free until the later stages tighten them; a what-if run changes right-hand
    sides with set_row_upper / set_col_upper and solves again from the previous basis.
    """

    def __init__(self, model: LinearModel):
        self.model = model
        n = model.n_vars
        r, c, v, upper = model.stacked()
        m = model.n_rows
        self.n_family_rows = m
        self.value_row, self.cost_row = m, m + 1
        # Two dense rows appended: Σ value·x (value floor) and Σ cost·x (cost cap).
        cols = np.arange(n, dtype=np.int64)
        rows_all = np.concatenate([r, np.full(n, m), np.full(n, m + 1)])
        cols_all = np.concatenate([c, cols, cols])
        vals_all = np.concatenate([v, model.value, model.cost_eur])
        counts = np.bincount(rows_all, minlength=m + 2) if len(rows_all) else np.zeros(m + 2, int)
        starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)

        lp = highspy.HighsLp()
        lp.num_col_ = n
        lp.num_row_ = m + 2
        lp.col_cost_ = model.value.astype(float)
        lp.col_lower_ = np.zeros(n)
        lp.col_upper_ = np.full(n, INF)
        lp.row_lower_ = np.full(m + 2, -INF)
        lp.row_upper_ = np.concatenate([upper, [INF, INF]])
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = starts
        lp.a_matrix_.index_ = cols_all.astype(np.int32)
        lp.a_matrix_.value_ = vals_all.astype(float)
        lp.sense_ = highspy.ObjSense.kMaximize
        if model.is_mip:
            lp.integrality_ = [
                highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                for i in model.integer
            ]
        self.h = new_highs()
        self.h.setOptionValue("threads", 1)
        self.h.passModel(lp)

    def set_row_upper(self, rows: np.ndarray, upper: np.ndarray) -> None:
        """Change right-hand sides of family rows (stacked positions)."""
        rows = np.asarray(rows, dtype=np.int32)
        if len(rows):
            self.h.changeRowsBounds(  # type: ignore[attr-defined]
                len(rows), rows, np.full(len(rows), -INF), np.asarray(upper, dtype=float)
            )

    def set_col_upper(self, cols: np.ndarray, upper: np.ndarray) -> None:
        """Change upper bounds of variables (0 switches a variable off)."""
        cols = np.asarray(cols, dtype=np.int32)
        if len(cols):
            self.h.changeColsBounds(
                len(cols), cols, np.zeros(len(cols)), np.asarray(upper, dtype=float)
            )

    def _objective(self, coef: np.ndarray, sense: highspy.ObjSense) -> None:
        n = self.model.n_vars
        self.h.changeObjectiveSense(sense)
        if n:
            self.h.changeColsCost(n, np.arange(n, dtype=np.int32), coef.astype(float))

    def _run(self, time_left: float, settings: Settings) -> tuple[str, bool, np.ndarray | None]:
        h = self.h
        h.setOptionValue("time_limit", max(time_left, 0.5))
        h.setOptionValue("mip_rel_gap", settings.mip_gap)
        h.run()
        status = h.getModelStatus()
        info = h.getInfo()
        has_sol = info.primal_solution_status == 2  # kSolutionStatusFeasible
        x = np.asarray(h.getSolution().col_value, dtype=float) if has_sol else None
        if status == highspy.HighsModelStatus.kOptimal:
            return "optimal", True, x
        if status == highspy.HighsModelStatus.kTimeLimit:
            return ("feasible (time limit)" if has_sol else "no solution (time limit)"), False, x
        return h.modelStatusToString(status), False, x

    def solve(self, settings: Settings) -> Solution:
        model, h = self.model, self.h
        t0 = time.perf_counter()
        n = model.n_vars
        # Reset the stage rows, so a re-solve after changed bounds starts from the primary problem.
        h.changeRowBounds(self.value_row, -INF, INF)
        h.changeRowBounds(self.cost_row, -INF, INF)
        self._objective(model.value, highspy.ObjSense.kMaximize)
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
            return Solution(
                np.full(n, np.nan),
                status,
                False,
                np.nan,
                np.nan,
                np.nan,
                "highs",
                highs_version(),
                time.perf_counter() - t0,
            )
        gap = float(h.getInfo().mip_gap) if model.is_mip else 0.0
        if not np.isfinite(gap):
            gap = 0.0 if proven else np.nan
        duals = None
        if not model.is_mip:
            duals = np.asarray(h.getSolution().row_dual, dtype=float)[: self.n_family_rows]
        stages = ["value"]
        best = x
        v_star = float(model.value @ x)
        for coef, row, cap in (
            (model.cost_eur, self.value_row, value_floor(v_star)),
            (model.earliness, self.cost_row, None),
        ):
            left = settings.time_limit_s - (time.perf_counter() - t0)
            if model.is_mip and left < 1.0:
                break
            if cap is not None:
                h.changeRowBounds(row, cap, INF)
            else:
                h.changeRowBounds(row, -INF, cost_cap(float(model.cost_eur @ best)))
            sense = highspy.ObjSense.kMinimize if cap is not None else highspy.ObjSense.kMaximize
            self._objective(coef, sense)
            if model.is_mip:
                sol = highspy.HighsSolution()
                sol.col_value = list(best)
                sol.value_valid = True
                h.setSolution(sol)
            _, _, x2 = self._run(max(left, 1.0), settings)
            if x2 is None:
                break
            best = x2
            stages.append("cost" if cap is not None else "arrival")
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
