"""Solver choice, limits and the lexicographic solve of DESIGN.md §4 -> a Solution.

Stage 1 maximises value. When re-planning against a previous plan (DESIGN.md §7) the stability
stage comes next (`stability_stage_definition`). Then the cost stage keeps value (and stability)
and minimises total cost, and the arrival stage keeps cost too and prefers earlier arrivals
(maximises Σ (T + 1 − arrival) · x, which never gains by sending less). HiGHS is fed the model's
arrays directly; CBC goes through PuLP (planner.model.pulp_backend).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from planner.model import LinearModel
from planner.schema import Settings

# Tighter than the 1e-6 of DESIGN.md §4 (see docs/decisions/0002): a plan within 1e-9 is within
# 1e-6 too, and the looser floor let stage 2 trade visible fractions of units for cents.
VALUE_REL_TOL = 1e-9
COST_REL_TOL = 1e-9
ALL_STAGES = ("value", "cost", "arrival")
"""Solution.stages of a plan whose every stage ended proven optimal (no previous plan; with one,
"stability" comes after "value", see `without_stability`)."""
OBJECTIVE_TOP = 100.0
"""Stage objectives are scaled by a power of ten that brings their largest coefficient into
[OBJECTIVE_TOP, 10 × OBJECTIVE_TOP) (`objective_scale`)."""
X_EPS = 1e-7
SNAP = 1e-6
FACE_TOL = 1e-7
"""A reduced cost or row dual larger than this (the solvers' dual feasibility tolerance) is
not noise: the column stays at its bound, or the row stays full, in every optimal plan of that
stage (see `optimal_face`)."""


@dataclass
class Solution:
    """Values of the variables and how the solver got there."""

    x: np.ndarray
    status: str  # optimal | feasible (time limit) | no solution (time limit) | ...
    proven_optimal: bool
    gap: float  # relative MIP gap of stage 1 (0 for LP)
    value: float  # primary objective Σ value · x of the final plan
    cost_eur: float
    solver: str
    solver_version: str
    solve_time_s: float
    row_duals: np.ndarray | None = None  # stage-1 duals, model.stacked() row order (LP only)
    stages: list[str] = field(default_factory=list)

    @classmethod
    def without_plan(
        cls, n_vars: int, status: str, solver: str, version: str, solve_time_s: float
    ) -> Solution:
        """The solver stopped before any plan: x is NaN, so `usable` is False."""
        nan = float("nan")
        return cls(
            np.full(n_vars, nan), status, False, nan, nan, nan, solver, version, solve_time_s
        )

    @property
    def stages_solved(self) -> str:
        """The stages as the Summary and Scenarios sheets show them: "value > cost > arrival"."""
        return " > ".join(self.stages)

    @property
    def usable(self) -> bool:
        return self.x.size == 0 or not np.isnan(self.x).any()


class NoSolutionError(Exception):
    """The solver stopped without any usable plan (time limit before a first solution)."""


class Backend(Protocol):
    """What a solver backend offers: bounds to change and a lexicographic solve."""

    def set_row_upper(self, rows: np.ndarray, upper: np.ndarray) -> None: ...

    def set_col_upper(self, cols: np.ndarray, upper: np.ndarray) -> None: ...

    def solve(self, settings: Settings) -> Solution: ...


@dataclass
class Face:
    """Where a solved LP stage holds its optimal face: ``cols`` fixed at ``at``, ``rows`` full."""

    cols: np.ndarray
    at: np.ndarray
    rows: np.ndarray


def optimal_face(
    x: np.ndarray,
    col_dual: np.ndarray,
    row_dual: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
) -> Face:
    """The columns and rows that one optimal dual solution of an LP stage pins down.

    By complementary slackness a feasible plan is optimal for the stage exactly when every
    column with a reduced cost stays at its bound (the nearer of ``col_lower`` and
    ``col_upper``: an optimal simplex solution holds such a column at one of them) and every
    row with a dual stays full. The next stage holds them there, so it keeps the stage's
    optimum rather than merely staying within VALUE_REL_TOL, and presolve drops the fixed
    columns: on the medium benchmark stages 2 + 3 take 0.9 s instead of 2.8 s
    (docs/decisions/0002). Reduced costs and duals at or below FACE_TOL (in the stage
    objective's units, scaled so that its largest coefficient is 100–1000) are left free; the
    value floor and cost cap rows bound what those can trade (1e-9 relative).
    """
    cols = np.flatnonzero(np.abs(col_dual) > FACE_TOL).astype(np.int32)
    lower, upper = col_lower[cols], col_upper[cols]
    at = np.where(np.abs(x[cols] - lower) <= np.abs(upper - x[cols]), lower, upper)
    rows = np.flatnonzero(np.abs(row_dual) > FACE_TOL).astype(np.int32)
    return Face(cols, at, rows)


def objective_scale(coef: np.ndarray) -> float:
    """A power of ten that brings max |coef| into [OBJECTIVE_TOP, 10 × OBJECTIVE_TOP)."""
    top = float(np.abs(coef).max()) if len(coef) else 0.0
    if not np.isfinite(top) or top <= 0:
        return 1.0
    return float(10.0 ** (np.floor(np.log10(OBJECTIVE_TOP)) - np.floor(np.log10(top))))


def clean_x(x: np.ndarray, integer: np.ndarray) -> np.ndarray:
    """Drop solver noise: tiny values to 0, integer variables and near-whole values rounded.

    Later stages may move a value by the solver's tolerance (2.999999994 for 3); snapping values
    within SNAP of a whole number keeps plans readable and moves no constraint beyond SNAP.
    """
    x = np.where(np.abs(x) < X_EPS, 0.0, x)
    x = np.maximum(x, 0.0)
    whole = np.round(x)
    x = np.where(np.abs(x - whole) <= SNAP, whole, x)
    x[integer] = whole[integer]
    return x


def value_floor(v: float) -> float:
    """Lowest value a later stage may reach: within VALUE_REL_TOL of the stage-1 optimum."""
    return v - max(abs(v) * VALUE_REL_TOL, 1e-7)


def cost_cap(c: float) -> float:
    """Highest cost stage 3 may reach."""
    return c + max(abs(c) * COST_REL_TOL, 1e-6)


def make_backend(model: LinearModel, solver: str) -> Backend:
    """The backend for ``solver`` ("highs" or "cbc")."""
    if solver == "highs":
        from planner.model.highs_backend import HighsBackend

        return HighsBackend(model)
    if solver == "cbc":
        from planner.model.pulp_backend import PulpBackend

        return PulpBackend(model)
    raise ValueError(f"unknown solver {solver!r} (expected highs or cbc)")


def solve_model(model: LinearModel, settings: Settings) -> Solution:
    """Solve ``model`` with the solver named in ``settings``."""
    start = time.perf_counter()
    backend = make_backend(model, settings.solver)
    sol = backend.solve(settings)
    sol.solve_time_s = time.perf_counter() - start
    return sol


# --- Stability stage (DESIGN.md §4 stage 3, §7): only when re-planning against a previous plan ---

STABILITY_REL_TOL = 0.0
"""Later stages keep the stability optimum within this (relative; at least STABILITY_ABS_UNITS)."""
STABILITY_ABS_UNITS = 1e-7


def stability_stage_definition() -> str:
    """The stability stage, exactly (also in docs/decisions/0004-stability-stage.md):

    Let P be the model columns j (offer, request, corridor, dispatch period) that carry
    prev_j > 0 units in the previous plan and are not frozen (`StabilityTarget.kept_cols`).
    The units moved away from the previous plan are

        moved(x) = Σ_{j∈P} max(0, prev_j − x_j)

    i.e. every previous unit that is no longer sent by the same offer, for the same request,
    through the same corridor, in the same dispatch period (units added elsewhere are not
    "moved"; the value stage decides those). Minimising moved(x) is maximising
    kept(x) = Σ_{j∈P} min(x_j, prev_j), which is linear with one auxiliary column per j ∈ P:

        maximise Σ_p y_p   s.t.   0 ≤ y_p ≤ prev_{j_p},   y_p − x_{j_p} ≤ 0

    solved on the value stage's optimal face (value floor row + face, as for the cost stage).
    At the optimum y_p = min(x_{j_p}, prev_{j_p}). The later stages (cost, arrival) keep the
    row Σ_p y_p ≥ `stability_floor`(kept*), so cost never buys a moved unit. The auxiliary
    columns and rows are removed after the solve; Solution.x has the model's columns only.
    Frozen columns (`StabilityTarget.fixed`) are held at prev_j by their bounds in every stage.
    """
    return "fewest units moved away from the previous plan"


def stability_floor(kept: float) -> float:
    """Fewest previous units the later stages must keep: the stability optimum within
    STABILITY_REL_TOL (relative) or STABILITY_ABS_UNITS."""
    return kept - max(abs(kept) * STABILITY_REL_TOL, STABILITY_ABS_UNITS)


def kept_units(x: np.ndarray, cols: np.ndarray, previous: np.ndarray) -> float:
    """kept(x) = Σ_{j∈cols} min(x_j, previous_j): the stability stage's objective."""
    return float(np.minimum(x[cols], previous[cols]).sum()) if len(cols) else 0.0


def without_stability(stages: list[str]) -> tuple[str, ...]:
    """Solution.stages without the stability stage, to compare with ALL_STAGES."""
    return tuple(s for s in stages if s != "stability")
