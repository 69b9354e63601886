"""The model as a PuLP problem: for CBC (PuLP's bundled solver) and for writing LP files.

Expressions are built in bulk from the model's arrays: one LpAffineExpression per row from
(variable, coefficient) pairs, never by repeated `+=` on expressions.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np
import pulp

from planner.model.build import LinearModel
from planner.schema import Settings
from planner.solve import (
    Solution,
    clean_x,
    cost_cap,
    kept_units,
    objective_scale,
    optimal_face,
    stability_floor,
    value_floor,
)


def safe_name(text: str) -> str:
    """A solver-safe name: letters, digits and underscores only (labels stay in reports)."""
    return "".join(ch if ch.isalnum() else "_" for ch in text)[:200]


def linear(xs: list[pulp.LpVariable], coef: np.ndarray) -> pulp.LpAffineExpression:
    """Σ coef·x as one PuLP expression, built in bulk."""
    return pulp.LpAffineExpression(zip(xs, coef.tolist(), strict=True))


def row_duals(prob: pulp.LpProblem, n_rows: int) -> np.ndarray:
    """The duals CBC returned for the model's first ``n_rows`` constraints (0 where none)."""
    return np.array([c.pi if c.pi is not None else 0.0 for c in prob.constraints()[:n_rows]])


def to_pulp(model: LinearModel) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
    """Build the §4 model as a PuLP problem (maximise value), constraints named by their index."""
    prob = pulp.LpProblem("aidplan", pulp.LpMaximize)
    cats = np.where(model.integer, pulp.LpInteger, pulp.LpContinuous)
    xs = [prob.add_variable(f"x{j}", lowBound=0, cat=str(cats[j])) for j in range(model.n_vars)]
    prob.setObjective(linear(xs, model.value))
    for b in model.blocks:
        if not b.n_rows:
            continue
        order = np.argsort(b.row, kind="stable")
        rows, vars_, coefs = b.row[order], b.var[order], b.coef[order]
        bounds = np.searchsorted(rows, np.arange(b.n_rows + 1))
        names = b.row_names()
        for i in range(b.n_rows):
            lo, hi = bounds[i], bounds[i + 1]
            expr = pulp.LpAffineExpression(
                zip([xs[j] for j in vars_[lo:hi]], coefs[lo:hi].tolist(), strict=True)
            )
            prob += pulp.LpConstraint(
                expr, pulp.LpConstraintLE, safe_name(names[i]), float(b.upper[i])
            )
    return prob, xs


def hold_optimal_face(
    prob: pulp.LpProblem,
    xs: list[pulp.LpVariable],
    n_rows: int,
    col_upper: np.ndarray,
    col_lower: np.ndarray | None = None,
) -> None:
    """After an optimal LP stage: keep the next stages on its optimal face (planner.solve
    .optimal_face), from the reduced costs and duals CBC returned."""
    x = np.array([v.varValue or 0.0 for v in xs])
    dj = np.array([v.dj if v.dj is not None else 0.0 for v in xs])
    lower = np.zeros(len(xs)) if col_lower is None else col_lower
    face = optimal_face(x, dj, row_duals(prob, n_rows), lower, col_upper)
    for j, at in zip(face.cols.tolist(), face.at.tolist(), strict=True):
        xs[j].lowBound = xs[j].upBound = at
    rows = prob.constraints()
    for i in face.rows.tolist():
        rows[i].sense = pulp.LpConstraintEQ


def write_lp(model: LinearModel, path: Path) -> None:
    """Write the stage-1 model as an LP file, for debugging (`aidplan plan --write-lp`)."""
    prob, _ = to_pulp(model)
    prob.writeLP(str(path))


class PulpBackend:
    """CBC through PuLP; the same lexicographic stages as the HiGHS backend."""

    def __init__(self, model: LinearModel):
        self.model = model
        self.row_upper = {b.family: b.upper.copy() for b in model.blocks}
        self.col_upper = np.full(model.n_vars, np.inf)

    def set_row_upper(self, rows: np.ndarray, upper: np.ndarray) -> None:
        """Change right-hand sides by stacked row position (families without rows skipped)."""
        offsets = self.model.row_offsets()
        spans = [
            (f, offsets[f], offsets[f] + b.n_rows)
            for b in self.model.blocks
            for f in [b.family]
            if b.n_rows
        ]
        for r, u in zip(np.asarray(rows), np.asarray(upper, dtype=float), strict=True):
            fam, lo, _ = next(span for span in spans if span[1] <= int(r) < span[2])
            self.row_upper[fam][int(r) - lo] = u

    def set_col_upper(self, cols: np.ndarray, upper: np.ndarray) -> None:
        self.col_upper[np.asarray(cols, dtype=int)] = np.asarray(upper, dtype=float)

    def _problem(self) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
        model = self.model
        saved = [b.upper for b in model.blocks]
        try:
            for b in model.blocks:
                object.__setattr__(b, "upper", self.row_upper[b.family])
            prob, xs = to_pulp(model)
        finally:
            for b, u in zip(model.blocks, saved, strict=True):
                object.__setattr__(b, "upper", u)
        for j in np.flatnonzero(np.isfinite(self.col_upper)):
            xs[j].upBound = float(self.col_upper[j])
        if model.stability is not None:  # frozen allocations (§7): lower = upper = previous
            for j in model.stability.fixed_cols.tolist():
                xs[j].lowBound = xs[j].upBound = float(model.stability.previous[j])
        return prob, xs

    def _bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(upper, lower) per column, frozen allocations included."""
        upper, lower = self.col_upper.copy(), np.zeros(self.model.n_vars)
        if self.model.stability is not None:
            fixed = self.model.stability.fixed_cols
            upper[fixed] = lower[fixed] = self.model.stability.previous[fixed]
        return upper, lower

    def _stability_stage(
        self, prob: pulp.LpProblem, xs: list[pulp.LpVariable]
    ) -> tuple[list[pulp.LpVariable], np.ndarray, np.ndarray]:
        """Add the stability stage (planner.solve.stability_stage_definition) to ``prob``:
        y_p in [0, prev_p], y_p ≤ x_j, objective maximise Σ y_p. Returns (y, cols, previous)."""
        target = self.model.stability
        assert target is not None
        cols = target.kept_cols
        prev = target.previous
        ys = [
            prob.add_variable(f"stay{p}", lowBound=0, upBound=float(prev[j]))
            for p, j in enumerate(cols.tolist())
        ]
        for p, j in enumerate(cols.tolist()):
            prob += pulp.LpConstraint(
                ys[p] - xs[j], pulp.LpConstraintLE, f"stability_keep_{p}", 0.0
            )
        prob.sense = pulp.LpMaximize
        prob.setObjective(linear(ys, np.full(len(ys), objective_scale(np.ones(1)))))
        return ys, cols, prev

    def solve(self, settings: Settings) -> Solution:
        model = self.model
        t0 = time.perf_counter()
        version = f"CBC (PuLP {pulp.__version__})"
        n = model.n_vars
        if n == 0:
            return Solution(
                np.zeros(0), "optimal", True, 0.0, 0.0, 0.0, "cbc", version, 0.0, None, ["value"]
            )
        prob, xs = self._problem()
        # Objectives scaled as for HiGHS (largest coefficient 100–1000; planner.solve).
        v_scale = objective_scale(model.value)
        prob.setObjective(linear(xs, model.value * v_scale))

        def run(left: float) -> tuple[str, bool, np.ndarray | None]:
            with warnings.catch_warnings():
                # PuLP 3.3 flags its bundled CBC as deprecated for 4.0; it is the one we ship.
                warnings.simplefilter("ignore", DeprecationWarning)
                solver = pulp.PULP_CBC_CMD(
                    msg=False,
                    timeLimit=max(left, 1.0),
                    gapRel=settings.mip_gap if model.is_mip else None,
                )
                prob.solve(solver)
            sol_status = prob.sol_status
            x = np.array([v.varValue if v.varValue is not None else np.nan for v in xs])
            if prob.status == pulp.LpStatusOptimal and sol_status == pulp.LpSolutionOptimal:
                return "optimal", True, x
            if (
                sol_status in (pulp.LpSolutionIntegerFeasible, pulp.LpSolutionOptimal)
                and not np.isnan(x).any()
            ):
                return "feasible (time limit)", False, x
            return f"no solution ({pulp.LpStatus[prob.status].lower()})", False, None

        status, proven, x = run(settings.time_limit_s)
        if x is None:
            return Solution.without_plan(n, status, "cbc", version, time.perf_counter() - t0)
        duals = None
        if not model.is_mip:
            duals = row_duals(prob, model.n_rows) / v_scale
        best, stages = x, ["value"]
        v_star = float(model.value @ x)
        if not model.is_mip and proven:
            hold_optimal_face(prob, xs, model.n_rows, *self._bounds())
        prob += pulp.LpConstraint(
            linear(xs, model.value),
            pulp.LpConstraintGE,
            "stage_value_floor",
            value_floor(v_star),
        )
        left = settings.time_limit_s - (time.perf_counter() - t0)
        stable = True
        if model.stability is not None and len(model.stability.kept_cols):
            stable = False
            ys, cols, prev = self._stability_stage(prob, xs)
            if not model.is_mip or left >= 1.0:
                _, done, x_s = run(left)
                if x_s is not None:
                    best, stable = x_s, True
                    stages.append("stability" if done else "stability (best found)")
                    if not model.is_mip and prob.status == pulp.LpStatusOptimal:
                        hold_optimal_face(prob, xs, model.n_rows, *self._bounds())
            prob += pulp.LpConstraint(
                linear(ys, np.ones(len(ys))),
                pulp.LpConstraintGE,
                "stage_stability_floor",
                stability_floor(kept_units(best, cols, prev)),
            )
        prob.sense = pulp.LpMinimize
        prob.setObjective(linear(xs, model.cost_eur * objective_scale(model.cost_eur)))
        left = settings.time_limit_s - (time.perf_counter() - t0)
        if stable and (not model.is_mip or left >= 1.0):
            _, done, x2 = run(left)
            if x2 is not None:
                best = x2
                stages.append("cost" if done else "cost (best found)")
                prob += pulp.LpConstraint(
                    linear(xs, model.cost_eur),
                    pulp.LpConstraintLE,
                    "stage_cost_cap",
                    cost_cap(float(model.cost_eur @ best)),
                )
                prob.sense = pulp.LpMaximize
                prob.setObjective(linear(xs, model.earliness * objective_scale(model.earliness)))
                left = settings.time_limit_s - (time.perf_counter() - t0)
                if not model.is_mip and prob.status == pulp.LpStatusOptimal:
                    hold_optimal_face(prob, xs, model.n_rows, *self._bounds())
                if not model.is_mip or left >= 1.0:
                    _, done, x3 = run(left)
                    if x3 is not None:
                        best = x3
                        stages.append("arrival" if done else "arrival (best found)")
        best = clean_x(best, model.integer)
        return Solution(
            x=best,
            status=status,
            proven_optimal=proven,
            gap=0.0 if proven else np.nan,
            value=float(model.value @ best),
            cost_eur=float(model.cost_eur @ best),
            solver="cbc",
            solver_version=version,
            solve_time_s=time.perf_counter() - t0,
            row_duals=duals,
            stages=stages,
        )
