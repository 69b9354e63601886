"""HiGHS fed directly from the model's arrays (highspy): fast build, warm re-solves, duals.

`HighsAdapter` is a thin adapter (planner.model.adapter): it loads the arrays, changes objective,
bounds and integrality, runs, and returns x, duals, reduced costs and a basis. The stages of
DESIGN.md §4 live in planner.solve, which drives it.
"""

from __future__ import annotations

import os
import sys

import highspy
import numpy as np

from planner.model.adapter import RunResult, RunStatus
from planner.model.build import LinearModel

INF = highspy.kHighsInf
_banner_shown = False


def highs_bounds(lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column or row bounds as the HiGHS calls take them: float arrays, a bound that is not
    finite (None turned NaN, ±inf) as ±kHighsInf."""
    lo = np.where(np.isfinite(lower), lower, -INF).astype(float)
    up = np.where(np.isfinite(upper), upper, INF).astype(float)
    return lo, up


PRIMAL_SIMPLEX, DUAL_SIMPLEX = 4, 1
LP_OPTIONS: dict[str, int] = {"simplex_strategy": PRIMAL_SIMPLEX}
"""HiGHS options for LPs (docs/decisions/0003). Sending nothing is always a plan, so the slack
basis is primal feasible and the primal simplex starts where the dual simplex would first have
to repair: 5–20× faster on the benchmark instances. The later stages of a cold solve only
change the objective (the plan stays feasible), so they use the primal simplex too; a warm
re-solve after changed bounds (`run(..., warm=True)`) uses the dual simplex."""
PRESOLVE_OFF_MAX_VARS = 100_000
"""A cold value stage of an LP up to this many variables runs without presolve (see
`lp_run_options`)."""
IPM_ARRIVAL_MIN_VARS = 100_000
"""The arrival stage of an LP over this many variables runs the interior point method from
scratch (see `lp_run_options`)."""


def lp_run_options(
    stage: str | None,
    warm: bool,
    n_vars: int,
    relaxation: bool = False,
    fixed_columns: bool = False,
) -> dict[str, str | int]:
    """HiGHS options for one LP run (docs/decisions/0008, measured on the benchmark instances).

    ``relaxation``: the LP is a model with integer items solved without them (whole units,
    the polish: planner.solve.whole_units); it keeps the primal simplex with presolve for every
    stage (the dual simplex when warm), because its plan is then rounded, and another optimal
    vertex would round to another whole-unit plan. Otherwise:

    - warm (bounds changed since the last optimal basis: what-if re-solves): dual simplex;
    - the value stage, cold: primal simplex from the slack basis (`LP_OPTIONS`), without
      presolve up to `PRESOLVE_OFF_MAX_VARS` variables (medium: 20 % less CPU; presolve
      removes little from this model and costs a fifth of the stage; at twice medium no
      difference), except when ``fixed_columns``: a re-plan (planner.replan) fixes the weeks
      before as-of and the frozen allocations, and presolve removes them (medium as of week 5,
      3,469 of 53,831 columns fixed: the value stage 0.93–1.22 s of CPU against 1.50–1.72 s
      without presolve, 3,116 against 3,680 iterations, the same optimum);
    - the arrival stage over `IPM_ARRIVAL_MIN_VARS` variables: interior point with crossover,
      from scratch (``"solver": "ipm"``; `HighsAdapter.run` clears the basis so presolve runs
      and removes the columns the earlier stages' optimal faces fixed): twice medium 3.8 s
      against 8.1 s of CPU for the primal simplex, large 40 s against 110 s for the dual
      simplex (the primal simplex had not finished after 59 s), about a quarter of the value
      stage at both sizes;
    - every other later stage (requested items, stability, cost, arrival up to
      `IPM_ARRIVAL_MIN_VARS`): primal simplex from the previous stage's optimal basis, which
      stays primal feasible when only the objective changes (medium arrival: 0.8 s of CPU,
      interior point 1.25 s). The dual simplex was slower on the cost stage and no faster on
      the arrival stage where the interior point is not used, and the arrival stage is
      time-boxed (planner.solve.stages.lp_stage_box): a primal simplex stopped by its box
      returns a feasible plan that is already better (medium, 1 s box: 80 % of the stage's
      gain), a dual simplex none.
    """
    presolve = "on"
    if warm:
        strategy = DUAL_SIMPLEX
    elif relaxation:
        strategy = PRIMAL_SIMPLEX
    elif stage == "arrival" and n_vars > IPM_ARRIVAL_MIN_VARS:
        return {"solver": "ipm", "run_crossover": "on", "presolve": "on"}
    else:
        strategy = PRIMAL_SIMPLEX
        if stage == "value" and n_vars <= PRESOLVE_OFF_MAX_VARS and not fixed_columns:
            presolve = "off"
    return {
        "solver": "simplex",
        "simplex_strategy": strategy,
        "presolve": presolve,
        "run_crossover": "on",
    }


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

NO_NODE_LIMIT = 2**31 - 1
"""HiGHS's default ``mip_max_nodes`` (kHighsIInf): no node limit."""

MONEY_ROW_TOP = 1e3
"""A donor budget row whose dearest unit costs more than this many euros is stated inside HiGHS
in a power of ten of euros that brings that cost into [1, 10) (e.g. tens of millions for
aircraft). Budgets reach 10^10 EUR against an absolute feasibility tolerance of 1e-7; in euros
the last stage of the benchmark's medium and large plans ended "Unknown". Bounds and duals are
converted at the adapter's edge, so callers always see euros."""


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


def money_row_scale(model: LinearModel) -> np.ndarray:
    """Factor per family row inside HiGHS: 1, or a power of ten for large budget rows."""
    scale = np.ones(model.n_rows)
    offsets = model.row_offsets()
    if "donor_budget" not in offsets:
        return scale
    budget = model.block("donor_budget")
    if not budget.n_rows:
        return scale
    top = np.zeros(budget.n_rows)
    np.maximum.at(top, budget.row, np.abs(budget.coef))
    big = top > MONEY_ROW_TOP
    factor = np.ones(budget.n_rows)
    factor[big] = 10.0 ** -np.floor(np.log10(top[big]))
    lo = offsets["donor_budget"]
    scale[lo : lo + budget.n_rows] = factor
    return scale


def column_matrix(
    model: LinearModel, row_scale: np.ndarray | None = None
) -> tuple[np.ndarray, ...]:
    """The family rows column-wise (start, index, value), multiplied by ``row_scale``.

    When every variable sits in at most one row of each family, a column is at most one entry
    per family: a (variables × families) table read row by row gives the columns in order,
    with no sort of the non-zeros (model.stacked() sorts them by row). Otherwise (packages,
    §4.1) the non-zeros are sorted by column.
    """
    n = model.n_vars
    slots = max(len(model.blocks), 1)
    rows = np.full((n, slots), -1, dtype=np.int32)
    vals = np.zeros((n, slots))
    offset = 0
    for f, b in enumerate(model.blocks):
        if len(b.var) and np.bincount(b.var, minlength=n).max() > 1:
            return _column_matrix_sorted(model, row_scale)
        rows[b.var, f] = b.row + offset
        vals[b.var, f] = b.coef if row_scale is None else b.coef * row_scale[b.row + offset]
        offset += b.n_rows
    used = rows >= 0
    start = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(used.sum(axis=1), out=start[1:])
    return start, rows[used], vals[used]


def _column_matrix_sorted(
    model: LinearModel, row_scale: np.ndarray | None
) -> tuple[np.ndarray, ...]:
    """column_matrix for families with several entries per variable: sort by column."""
    n = model.n_vars
    r, c, v, _ = model.stacked()
    if row_scale is not None:
        v = v * row_scale[r]
    order = np.argsort(c, kind="stable")
    start = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(c, minlength=n), out=start[1:])
    return start, r[order].astype(np.int32), v[order].astype(float)


class HighsAdapter:
    """One HiGHS instance holding one model (planner.model.adapter.SolverAdapter)."""

    name = "highs"

    def __init__(
        self, model: LinearModel, integer: np.ndarray | None = None, mip_presolve: bool = True
    ):
        self.model = model
        self.integer = model.integer if integer is None else integer
        self.is_mip = bool(self.integer.any())
        self._integer = self.integer.astype(bool).copy()
        self.version = highs_version()
        self.row_scale = money_row_scale(model) if not self.is_mip else np.ones(model.n_rows)
        self.n_rows = model.n_rows
        self.n_cols = model.n_vars
        self.h = new_highs()
        self.h.setOptionValue("threads", 1)
        for key, val in (MIP_OPTIONS if self.is_mip else LP_OPTIONS).items():
            self.h.setOptionValue(key, val)
        self.mip_presolve = mip_presolve
        """False: the value stage of branch and bound runs without presolve (the fallback of
        planner.solve.whole_units); its later stages keep it: without it they overran their
        1 s boxes by up to 2.4 s on the demo at budget × 0.82, with it by up to 0.4 s."""
        self._pass_model()

    def _pass_model(self) -> None:
        model = self.model
        n, m = model.n_vars, model.n_rows
        scaled = bool((self.row_scale != 1.0).any())
        start, index, value = column_matrix(model, self.row_scale if scaled else None)
        upper = model.row_upper()
        # The array overload of passModel reads the NumPy buffers directly; filling a HighsLp
        # converts element by element (3 s instead of 0.3 s for a million columns). Integrality
        # per column must not be empty: HiGHS would read past it.
        status = self.h.passModel(
            n,
            m,
            len(index),
            int(highspy.MatrixFormat.kColwise),
            int(highspy.ObjSense.kMaximize),
            0.0,
            model.value.astype(float),
            np.zeros(n),
            np.full(n, INF),
            np.full(m, -INF),
            upper * self.row_scale,
            start[:-1],  # HiGHS takes the column starts without the end
            index,
            value,
            self.integer.astype(np.int32),
        )
        if status == highspy.HighsStatus.kError:
            raise RuntimeError("HiGHS rejected the model arrays (a bug in the model build)")

    def _scale(self, rows: np.ndarray) -> np.ndarray:
        out = np.ones(len(rows))
        fam = rows < len(self.row_scale)
        out[fam] = self.row_scale[rows[fam]]
        return out

    def _dense(self, coef: np.ndarray) -> np.ndarray:
        """``coef`` over every column (0 on the added columns it does not reach)."""
        out = np.zeros(self.n_cols)
        coef = np.asarray(coef, float)
        out[: len(coef)] = coef
        return out

    def set_objective(self, coef: np.ndarray, maximise: bool) -> None:
        n = self.n_cols
        sense = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
        self.h.changeObjectiveSense(sense)
        if n:
            self.h.changeColsCost(n, np.arange(n, dtype=np.int32), self._dense(coef))

    def set_col_bounds(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        cols = np.asarray(cols, dtype=np.int32)
        if len(cols):
            lo, up = highs_bounds(lower, upper)
            self.h.changeColsBounds(len(cols), cols, lo, up)

    def set_row_bounds(self, rows: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=np.int32)
        if len(rows):
            s = self._scale(rows)
            lo, up = highs_bounds(np.asarray(lower, float) * s, np.asarray(upper, float) * s)
            self.h.changeRowsBounds(len(rows), rows, lo, up)  # type: ignore[attr-defined]

    def add_row(self, coef: np.ndarray, lower: float, upper: float) -> int:
        idx = np.flatnonzero(coef).astype(np.int32)
        lo = lower if np.isfinite(lower) else -INF
        up = upper if np.isfinite(upper) else INF
        self.h.addRow(lo, up, len(idx), idx, np.asarray(coef, float)[idx])
        self.n_rows += 1
        return self.n_rows - 1

    def add_cols(self, lower: np.ndarray, upper: np.ndarray) -> int:
        k = len(lower)
        first = self.n_cols
        if k:
            lo, up = highs_bounds(lower, upper)
            self.h.addCols(
                k, np.zeros(k), lo, up, 0, np.zeros(k, dtype=np.int32),
                np.zeros(0, dtype=np.int32), np.zeros(0),
            )  # fmt: skip
            self.n_cols += k
            self._integer = np.concatenate([self._integer, np.zeros(k, dtype=bool)])
        return first

    def add_rows(
        self,
        lower: np.ndarray,
        upper: np.ndarray,
        start: np.ndarray,
        index: np.ndarray,
        value: np.ndarray,
    ) -> int:
        k = len(lower)
        first = self.n_rows
        if k:
            lo, up = highs_bounds(lower, upper)
            self.h.addRows(
                k, lo, up, len(index), np.asarray(start[:-1], dtype=np.int32),
                np.asarray(index, dtype=np.int32), np.asarray(value, float),
            )  # fmt: skip
            self.n_rows += k
        return first

    def set_integer(self, cols: np.ndarray, integer: bool) -> None:
        cols = np.asarray(cols, dtype=np.int32)
        if len(cols):
            self._integer[cols] = integer
            kind = highspy.HighsVarType.kInteger if integer else highspy.HighsVarType.kContinuous
            self.h.changeColsIntegrality(len(cols), cols, np.full(len(cols), kind))

    def set_start(self, x: np.ndarray) -> None:
        if self.n_cols and not np.isnan(x).any():
            sol = highspy.HighsSolution()
            sol.col_value = list(self._dense(x))
            sol.value_valid = True
            self.h.setSolution(sol)

    def get_basis(self) -> object | None:
        basis = self.h.getBasis()
        return basis if basis.valid else None

    def set_basis(self, basis: object) -> None:
        if isinstance(basis, highspy.HighsBasis):
            self.h.setBasis(basis)

    def clear_basis(self) -> None:
        self.h.clearSolver()

    def run(
        self,
        time_limit_s: float,
        mip_gap: float,
        warm: bool = False,
        stage: str | None = None,
        node_limit: int | None = None,
    ) -> RunResult:
        h = self.h
        is_mip = bool(self._integer.any())
        if not is_mip:
            stability = self.model.stability
            options = lp_run_options(
                stage,
                warm,
                self.model.n_vars,
                self.model.is_mip,
                fixed_columns=stability is not None and bool(stability.fixed.any()),
            )
            if options["solver"] == "ipm":  # from scratch: presolve drops the fixed face
                h.clearSolver()
            for key, val in options.items():
                h.setOptionValue(key, val)
        # For an LP HiGHS compares time_limit with the run time accumulated over every run of
        # this instance; the MIP solver times each run from its start (HiGHS 1.16).
        start = 0.0 if is_mip else float(h.getRunTime())
        h.setOptionValue("time_limit", start + max(time_limit_s, 0.05))
        h.setOptionValue("mip_rel_gap", mip_gap)
        if is_mip:
            h.setOptionValue("mip_max_nodes", NO_NODE_LIMIT if node_limit is None else node_limit)
            off = not self.mip_presolve and stage == "value"
            h.setOptionValue("presolve", "off" if off else "choose")
        h.run()
        status = h.getModelStatus()
        info = h.getInfo()
        has_sol = info.primal_solution_status == 2  # kSolutionStatusFeasible
        sol = h.getSolution()
        x = np.asarray(sol.col_value, dtype=float) if has_sol else None
        if status == highspy.HighsModelStatus.kOptimal:
            kind = RunStatus.OPTIMAL
        elif status == highspy.HighsModelStatus.kTimeLimit:
            kind = RunStatus.TIME_LIMIT
        elif status == highspy.HighsModelStatus.kSolutionLimit:  # mip_max_nodes reached
            kind = RunStatus.NODE_LIMIT
        elif status == highspy.HighsModelStatus.kInfeasible:
            kind = RunStatus.INFEASIBLE
        elif status in (highspy.HighsModelStatus.kUnbounded,):
            kind = RunStatus.UNBOUNDED
        else:
            kind = RunStatus.ERROR
        row_dual = col_dual = None
        if not is_mip and has_sol and info.dual_solution_status == 2:
            raw = np.asarray(sol.row_dual, dtype=float)
            row_dual = raw * self._scale(np.arange(len(raw)))
            col_dual = np.asarray(sol.col_dual, dtype=float)
        gap = 0.0
        if is_mip:
            gap = float(info.mip_gap)
            if not np.isfinite(gap) or gap > 1e20:
                gap = 0.0 if kind is RunStatus.OPTIMAL else float("nan")
        return RunResult(kind, x, row_dual, col_dual, gap)
