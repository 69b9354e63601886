"""The model as a PuLP problem: for CBC (PuLP's bundled solver) and for writing LP files.

`PulpAdapter` is a thin adapter (planner.model.adapter.SolverAdapter) around one PuLP problem;
the stages of DESIGN.md §4 live in planner.solve. Columns and rows carry their LP-file names
(planner.model.names.lp_name): readable, and unique by construction, so ids that differ only in
punctuation (``UA/0001``, ``UA-0001``) never collide. Expressions are built in bulk from the
model's arrays: one LpAffineExpression per row, never by repeated ``+=``.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pulp

from planner.model.adapter import RunResult, RunStatus
from planner.model.build import LinearModel
from planner.model.cbc_process import PrivateCbc
from planner.model.names import lp_name

BIG = 1e30
"""What CBC reads as infinity in a right-hand side (PuLP refuses inf)."""


def linear(xs: list[pulp.LpVariable], coef: np.ndarray) -> pulp.LpAffineExpression:
    """Σ coef·x as one PuLP expression, built in bulk. Zero coefficients stay: PuLP writes
    only the columns it finds in the objective or a row, and CBC refuses a bound on a column
    it has not seen."""
    return pulp.LpAffineExpression(zip(xs, np.asarray(coef, float).tolist(), strict=True))


def to_pulp(
    model: LinearModel, integer: np.ndarray | None = None
) -> tuple[pulp.LpProblem, list[pulp.LpVariable], list[pulp.LpConstraint]]:
    """The §4 model as a PuLP problem (maximise value); columns and rows named by their index
    (`LinearModel.col_names`, `RowBlock.row_names`, in their LP-file form)."""
    integer = model.integer if integer is None else integer
    prob = pulp.LpProblem("aidplan", pulp.LpMaximize)
    cats = np.where(integer, pulp.LpInteger, pulp.LpContinuous)
    names = model.col_names()
    xs = [
        prob.add_variable(lp_name(names[j]), lowBound=0, cat=str(cats[j]))
        for j in range(model.n_vars)
    ]
    prob.setObjective(linear(xs, model.value))
    rows: list[pulp.LpConstraint] = []
    for b in model.blocks:
        if not b.n_rows:
            continue
        order = np.argsort(b.row, kind="stable")
        r, vars_, coefs = b.row[order], b.var[order], b.coef[order]
        bounds = np.searchsorted(r, np.arange(b.n_rows + 1))
        row_names = b.row_names()
        for i in range(b.n_rows):
            lo, hi = bounds[i], bounds[i + 1]
            expr = pulp.LpAffineExpression(
                zip([xs[j] for j in vars_[lo:hi]], coefs[lo:hi].tolist(), strict=True)
            )
            c = pulp.LpConstraint(
                expr, pulp.LpConstraintLE, lp_name(row_names[i]), float(b.upper[i])
            )
            prob += c
            rows.append(c)
    return prob, xs, rows


def write_lp(model: LinearModel, path: Path) -> None:
    """Write the stage-1 model as an LP file, for debugging (`aidplan plan --write-lp`)."""
    prob, _, _ = to_pulp(model)
    prob.writeLP(str(path))


GAP_LINE = re.compile(r"^(Objective value|Lower bound|Upper bound):\s*(\S+)", re.M)


NODE_STOP = re.compile(r"^Result - Stopped on node limit", re.M)
"""CBC's closing line when ``maxNodes`` ended a run; PuLP reports that stop like a time stop
(status "Not Solved" or an integer-feasible solution), so the log tells the two apart."""


def cbc_stopped_on_nodes(log: str) -> bool:
    """True when CBC's log says its node limit (``maxNodes``) ended the run."""
    return NODE_STOP.search(log) is not None


def cbc_gap(log: str) -> float:
    """Relative gap |objective − bound| / |objective| from CBC's closing summary; NaN if the
    log names no bound."""
    found = {k: float(v) for k, v in GAP_LINE.findall(log) if _is_number(v)}
    obj = found.get("Objective value")
    bound = found.get("Lower bound", found.get("Upper bound"))
    if obj is None or bound is None:
        return float("nan")
    return abs(obj - bound) / max(abs(obj), 1e-10)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class PulpAdapter:
    """CBC through PuLP (planner.model.adapter.SolverAdapter). Every run hands CBC the whole
    problem again (PuLP offers no warm start for LPs); there is no basis."""

    name = "cbc"

    def __init__(self, model: LinearModel, integer: np.ndarray | None = None):
        self.model = model
        self.integer = (model.integer if integer is None else integer).astype(bool).copy()
        self.version = f"CBC (PuLP {pulp.__version__})"
        self.prob, self.xs, self.rows = to_pulp(model, self.integer)
        # Family rows of empty families have no constraint: map stacked positions to ours.
        self.row_lower = np.full(model.n_rows, -np.inf)
        self.row_upper = model.row_upper()
        self.n_rows = model.n_rows
        self.n_cols = model.n_vars
        self._start: np.ndarray | None = None

    def _dense(self, coef: np.ndarray) -> np.ndarray:
        """``coef`` over every column (0 on the added columns it does not reach)."""
        out = np.zeros(self.n_cols)
        coef = np.asarray(coef, float)
        out[: len(coef)] = coef
        return out

    def set_objective(self, coef: np.ndarray, maximise: bool) -> None:
        self.prob.sense = pulp.LpMaximize if maximise else pulp.LpMinimize
        self.prob.setObjective(linear(self.xs, self._dense(coef)))

    def set_col_bounds(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        for j, lo, up in zip(np.asarray(cols).tolist(), lower, upper, strict=True):
            self.xs[j].lowBound = float(lo) if np.isfinite(lo) else None
            self.xs[j].upBound = float(up) if np.isfinite(up) else None

    def set_row_bounds(self, rows: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        for i, lo, up in zip(np.asarray(rows).tolist(), lower, upper, strict=True):
            self.row_lower[i], self.row_upper[i] = lo, up
            self._apply(i)

    def _apply(self, i: int) -> None:
        c = self.rows[i]
        lo, up = float(self.row_lower[i]), float(self.row_upper[i])
        if np.isfinite(lo) and np.isfinite(up):
            if lo != up:
                raise ValueError(f"row {c.name}: ranged rows are not supported ({lo}, {up})")
            c.sense, c.constant = pulp.LpConstraintEQ, -up
        elif np.isfinite(lo):
            c.sense, c.constant = pulp.LpConstraintGE, -lo
        else:
            c.sense, c.constant = pulp.LpConstraintLE, -(up if np.isfinite(up) else BIG)

    def add_row(self, coef: np.ndarray, lower: float, upper: float) -> int:
        i = self.n_rows
        expr = linear(self.xs, self._dense(coef))
        c = pulp.LpConstraint(expr, pulp.LpConstraintLE, f"stage_row_{i}", 0.0)
        self.prob += c
        self.rows.append(c)
        self.row_lower = np.append(self.row_lower, lower)
        self.row_upper = np.append(self.row_upper, upper)
        self.n_rows += 1
        self._apply(i)
        return i

    def add_cols(self, lower: np.ndarray, upper: np.ndarray) -> int:
        first = self.n_cols
        for k, (lo, up) in enumerate(zip(lower, upper, strict=True)):
            self.xs.append(
                self.prob.add_variable(
                    f"helper_{first + k}",
                    lowBound=float(lo) if np.isfinite(lo) else None,
                    upBound=float(up) if np.isfinite(up) else None,
                )
            )
        self.n_cols += len(lower)
        self.integer = np.concatenate([self.integer, np.zeros(len(lower), dtype=bool)])
        return first

    def add_rows(
        self,
        lower: np.ndarray,
        upper: np.ndarray,
        start: np.ndarray,
        index: np.ndarray,
        value: np.ndarray,
    ) -> int:
        first, k = self.n_rows, len(lower)
        for i in range(k):
            lo, hi = int(start[i]), int(start[i + 1])
            expr = pulp.LpAffineExpression(
                zip([self.xs[j] for j in index[lo:hi]], np.asarray(value[lo:hi], float).tolist(),
                    strict=True)
            )  # fmt: skip
            c = pulp.LpConstraint(expr, pulp.LpConstraintLE, f"helper_row_{first + i}", 0.0)
            self.prob += c
            self.rows.append(c)
        self.row_lower = np.concatenate([self.row_lower, np.asarray(lower, float)])
        self.row_upper = np.concatenate([self.row_upper, np.asarray(upper, float)])
        self.n_rows += k
        for i in range(first, first + k):
            self._apply(i)
        return first

    def set_integer(self, cols: np.ndarray, integer: bool) -> None:
        for j in np.asarray(cols).tolist():
            self.integer[j] = integer
            self.xs[j].cat = pulp.LpInteger if integer else pulp.LpContinuous

    def set_start(self, x: np.ndarray) -> None:
        self._start = self._dense(x)

    def get_basis(self) -> object | None:
        return None

    def set_basis(self, basis: object) -> None:
        """CBC through PuLP takes no basis; nothing to do."""

    def clear_basis(self) -> None:
        """Every CBC run starts from scratch; nothing to do."""

    def run(
        self,
        time_limit_s: float,
        mip_gap: float,
        warm: bool = False,
        stage: str | None = None,
        node_limit: int | None = None,
    ) -> RunResult:
        is_mip = bool(self.integer.any())
        warm_start = is_mip and self._start is not None
        if warm_start:
            assert self._start is not None
            for v, val, whole in zip(
                self.xs, self._start.tolist(), self.integer.tolist(), strict=True
            ):
                lo = v.lowBound if v.lowBound is not None else -np.inf
                up = v.upBound if v.upBound is not None else np.inf
                val = min(max(round(val) if whole else val, lo), up)
                v.setInitialValue(val, check=False)
        try:
            with warnings.catch_warnings():
                # PuLP 3.3 flags its bundled CBC as deprecated for 4.0; it is the one we ship.
                warnings.simplefilter("ignore", DeprecationWarning)
                warnings.simplefilter("ignore", UserWarning)
                solver = PrivateCbc(
                    msg=False,
                    timeLimit=max(time_limit_s, 1.0),
                    gapRel=mip_gap if is_mip else None,
                    warmStart=warm_start,
                    maxNodes=node_limit if is_mip else None,
                )
                self.prob.solve(solver)
            log = solver.log_text
        finally:
            self._start = None
        prob = self.prob
        x = np.array([v.varValue if v.varValue is not None else np.nan for v in self.xs])
        has_sol = (
            prob.sol_status in (pulp.LpSolutionIntegerFeasible, pulp.LpSolutionOptimal)
            and not np.isnan(x).any()
        )
        if prob.status == pulp.LpStatusOptimal and prob.sol_status == pulp.LpSolutionOptimal:
            kind = RunStatus.OPTIMAL
        elif prob.status == pulp.LpStatusInfeasible:
            kind = RunStatus.INFEASIBLE
        elif prob.status == pulp.LpStatusUnbounded:
            kind = RunStatus.UNBOUNDED
        elif (has_sol or prob.status == pulp.LpStatusNotSolved) and cbc_stopped_on_nodes(log):
            kind = RunStatus.NODE_LIMIT
        elif has_sol or prob.status == pulp.LpStatusNotSolved:
            kind = RunStatus.TIME_LIMIT
        else:
            kind = RunStatus.ERROR
        row_dual = col_dual = None
        gap = 0.0
        if not is_mip and kind is RunStatus.OPTIMAL:
            row_dual = np.array([c.pi if c.pi is not None else 0.0 for c in self.rows])
            col_dual = np.array([v.dj if v.dj is not None else 0.0 for v in self.xs])
        elif is_mip:
            gap = cbc_gap(log)
            if np.isnan(gap) and kind is RunStatus.OPTIMAL:
                gap = 0.0
        return RunResult(kind, x if has_sol else None, row_dual, col_dual, gap)
