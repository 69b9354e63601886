"""The five stages of DESIGN.md §4 and the numerics that keep them exact.

Each stage is an objective solved on the optimal plans of the stages before it:

1. value: maximise Σ value · x;
2. requested items: minimise Σ f · x over x whose offer item differs from the requested item
   (substitutes fill only what the requested item cannot); skipped when no x is a substitute;
3. stability: only with a previous plan (per-column previous quantities, `previous`): maximise
   the previous units kept, Σ_j min(x_j, prev_j), through one helper column per column the
   previous plan used (`Stage.on_kept`, planner.solve.session); skipped otherwise;
4. cost: minimise Σ c · x (EUR);
5. arrival: maximise Σ (T + 1 − arrival) · x (earlier arrivals; never gains by sending less).

How a later stage keeps an earlier optimum (planner.solve.session runs this):

- LP stages: the optimal face (`optimal_face`): columns with a reduced cost stay at their bound
  and rows with a dual stay full, which by complementary slackness keeps the stage's optimum
  exactly; plus a floor row ``Σ coef · x ≥ optimum − slack`` (`floor_slack`) as a safety net.
- MIP stages: the floor row only (no duals).

Scaling (`stage_scale`): the value objective is divided by its smallest coefficient, so one
unit of the least valuable line is worth exactly 1 and no coefficient falls below a solver's
tolerance (CBC and HiGHS: 1e-7), whatever the weights' common scale (weights × 1e-12 give the
same scaled objective, hence the same plan) and however long a line is (2,000,000 units). Solver
noise is then measured in units of the smallest line, not relative to the total. The other
stages are scaled so their largest coefficient lies in [OBJECTIVE_TOP, 10 × OBJECTIVE_TOP).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from planner.model import LinearModel

OBJECTIVE_TOP = 100.0
X_EPS = 1e-7
SNAP = 1e-6
FACE_TOL = 1e-7
"""A reduced cost or row dual larger than this (in the scaled stage objective's units; the
solvers' dual feasibility tolerance) is not noise: the column stays at its bound, or the row
stays full, in every optimal plan of that stage (see `optimal_face`)."""
SLACK_TOL = 1e-6
"""Relative slack under which a priced row counts as full (see `optimal_face`)."""
FLOOR_ABS = 1e-6
"""Least slack of a floor row (scaled units): the solvers' feasibility tolerance, so a plan
that met the floor's stage exactly still meets the floor as the solver computes it."""
FLOOR_UNITS = 1e-3
"""A later stage may lose at most this share of the smallest coefficient of an earlier stage's
objective (a thousandth of a unit of the least valuable line for the value stage) ..."""
FLOOR_REL = 1e-12
"""... or this share of the optimum, where double precision cannot resolve less."""
STABILITY_FLOOR_UNITS = 1e-9
"""The stability stage's FLOOR_UNITS: later stages keep its optimum within 1e-8 previous units
(FLOOR_ABS over its scale of 100), not a thousandth of a unit: the Changes sheet lists every
unit moved beyond 1e-6 (planner.changes.QTY_TOL), and a cost stage free to trade 1e-3 units
would show up there as spurious changes."""


@dataclass(frozen=True)
class Stage:
    """One lexicographic stage.

    name: label in Solution.stages ("value", "requested items", "stability", "cost",
        "arrival").
    maximise: sense of the objective.
    coef: (model, previous) -> objective coefficient per column, or None when the stage is
        skipped for this model.
    by_smallest: scale so the smallest coefficient is 1 (the value stage) rather than the
        largest into [OBJECTIVE_TOP, 10 × OBJECTIVE_TOP).
    on_kept: the coefficients weigh the helper columns y_j = min(x_j, previous_j) of the
        columns the previous plan used (the stability stage), not x itself.
    floor_units: the share of the smallest coefficient later stages may give up (`floor_slack`).
    """

    name: str
    maximise: bool
    coef: Callable[[LinearModel, np.ndarray | None], np.ndarray | None]
    by_smallest: bool = False
    on_kept: bool = False
    floor_units: float = FLOOR_UNITS


def substitute_units(model: LinearModel) -> np.ndarray:
    """Per column: f (units of the requested item) where the offer's item differs from the
    requested item, 0 where it is the requested item itself."""
    v = model.vars
    if not model.n_vars:
        return np.zeros(0)
    offer_item = model.data.offers["item_id"].to_numpy()[v["o"].to_numpy()]
    asked_item = model.data.requests["item_id"].to_numpy()[v["r"].to_numpy()]
    sub = offer_item != asked_item
    out = np.zeros(model.n_vars)  # usable units U (packages) are no shipment: 0
    out[: model.n_x] = np.where(sub, v["factor"].to_numpy(dtype=float), 0.0)
    return out


def _value(model: LinearModel, previous: np.ndarray | None) -> np.ndarray:
    return model.value


def _requested_items(model: LinearModel, previous: np.ndarray | None) -> np.ndarray | None:
    coef = substitute_units(model)
    return coef if coef.any() else None


def _stability(model: LinearModel, previous: np.ndarray | None) -> np.ndarray | None:
    """1 per previous unit kept on the columns the previous plan used (``previous`` > 0),
    placed on their helper columns y_j ≤ min(x_j, previous_j) (`Stage.on_kept`): maximising
    Σ y is minimising the units moved, Σ max(0, previous_j − x_j). Skipped without a previous
    plan or when it used no column that is still free."""
    if previous is None or not (np.asarray(previous) > 0).any():
        return None
    return (np.asarray(previous) > 0).astype(float)


def kept_units(x: np.ndarray, previous: np.ndarray) -> float:
    """Σ_j min(x_j, previous_j) over the columns with previous_j > 0: the previous units a plan
    keeps (the stability stage's objective, unscaled)."""
    used = previous > 0
    return float(np.minimum(x[used], previous[used]).sum())


def moved_units(x: np.ndarray, previous: np.ndarray) -> float:
    """Σ_j max(0, previous_j − x_j): the previous units a plan moves away (DESIGN.md §4)."""
    return float(np.maximum(previous - x, 0.0).sum())


def _cost(model: LinearModel, previous: np.ndarray | None) -> np.ndarray:
    return model.cost_eur


def _arrival(model: LinearModel, previous: np.ndarray | None) -> np.ndarray:
    return model.earliness


STAGES: tuple[Stage, ...] = (
    Stage("value", True, _value, by_smallest=True),
    Stage("requested items", False, _requested_items),
    Stage("stability", True, _stability, on_kept=True, floor_units=STABILITY_FLOOR_UNITS),
    Stage("cost", False, _cost),
    Stage("arrival", True, _arrival),
)
"""The stages of DESIGN.md §4 in order."""


def objective_scale(coef: np.ndarray) -> float:
    """A power of ten that brings max |coef| into [OBJECTIVE_TOP, 10 × OBJECTIVE_TOP)."""
    top = float(np.abs(coef).max()) if len(coef) else 0.0
    if not np.isfinite(top) or top <= 0:
        return 1.0
    return float(10.0 ** (np.floor(np.log10(OBJECTIVE_TOP)) - np.floor(np.log10(top))))


def smallest_scale(coef: np.ndarray) -> float:
    """1 / the smallest non-zero |coef|: the least valuable unit becomes worth exactly 1."""
    nz = np.abs(coef[coef != 0]) if len(coef) else np.zeros(0)
    if not len(nz) or not np.isfinite(nz).all():
        return 1.0
    return float(1.0 / nz.min())


def stage_scale(stage: Stage, coef: np.ndarray) -> float:
    """The factor a stage's objective is multiplied by before the solver sees it."""
    return smallest_scale(coef) if stage.by_smallest else objective_scale(coef)


def floor_slack(
    coef_scaled: np.ndarray, optimum_scaled: float, units: float = FLOOR_UNITS
) -> float:
    """How far (in scaled objective units) a later stage may move an earlier stage's optimum:
    ``units`` (the stage's `Stage.floor_units`) of its smallest coefficient, or FLOOR_REL of
    the optimum if larger, and never less than FLOOR_ABS."""
    nz = np.abs(coef_scaled[coef_scaled != 0])
    smallest = float(nz.min()) if len(nz) else 1.0
    return max(units * smallest, FLOOR_REL * abs(optimum_scaled), FLOOR_ABS)


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
    row_slack: np.ndarray | None = None,
) -> Face:
    """The columns and rows that one optimal dual solution of an LP stage pins down.

    By complementary slackness a feasible plan is optimal for the stage exactly when every
    column with a reduced cost stays at its bound (the nearer of ``col_lower`` and
    ``col_upper``) and every row with a dual stays full. The next stage holds them there, so
    it keeps the stage's optimum rather than merely staying near it, and presolve drops the
    fixed columns (docs/decisions/0002). Reduced costs and duals at or below FACE_TOL (scaled
    objective units) are left free; the floor rows bound what those can trade.

    A solver's duals hold complementary slackness only within its tolerances: a row it prices
    may still have visible slack (CBC: € 0.13 below a € 10^9 budget), and a priced column may
    sit off its bound. Forcing those would cut off the plan itself (and, with integer items
    held by the polish, leave nothing feasible), so rows whose ``row_slack`` exceeds
    SLACK_TOL · max(1, |rhs|) and columns more than SLACK_TOL · max(1, |bound|) from the bound
    stay free.
    """
    cols = np.flatnonzero(np.abs(col_dual) > FACE_TOL).astype(np.int32)
    lower, upper = col_lower[cols], col_upper[cols]
    at = np.where(np.abs(x[cols] - lower) <= np.abs(upper - x[cols]), lower, upper)
    near = np.abs(x[cols] - at) <= SLACK_TOL * np.maximum(1.0, np.abs(at))
    cols, at = cols[near], at[near]
    priced = np.abs(row_dual) > FACE_TOL
    if row_slack is not None:
        priced &= np.abs(row_slack) <= SLACK_TOL
    rows = np.flatnonzero(priced).astype(np.int32)
    return Face(cols, at, rows)


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


MIP_STAGE_MIN_S = 1.0
"""For integer items, each later stage (a MIP of its own, often harder than the value stage)
gets at most max(MIP_STAGE_MIN_S, time of the value stage); then the best plan found so far is
kept and the stage is reported as "best found" (`mip_stage_box`)."""


def mip_stage_box(stage1_s: float) -> float:
    """Seconds a later MIP stage may take, after a value stage of ``stage1_s`` seconds."""
    return max(MIP_STAGE_MIN_S, stage1_s)


LP_ARRIVAL_SHARE = 0.35
LP_ARRIVAL_MIN_S = 5.0
"""For an LP (a model without integer items; not the LP relaxation of one, whose plan is then
rounded), the arrival stage (the last; it moves no value and no euro) gets at most
max(LP_ARRIVAL_MIN_S, LP_ARRIVAL_SHARE × time of the value stage); a box that stops it keeps
the best plan found (the primal simplex's last feasible plan; the cost stage's plan when the
solver has none of its own) and the stage is reported as "arrival (best found)"
(`lp_stage_box`, docs/decisions/0008). Value and cost stages are never boxed: they run to
optimality within the caller's time limit."""


def lp_stage_box(stage: str, value_stage_s: float) -> float:
    """Seconds an LP stage named ``stage`` may take after a value stage of ``value_stage_s``
    seconds: `LP_ARRIVAL_SHARE` of it (at least `LP_ARRIVAL_MIN_S`) for "arrival", no box
    (inf) for the others."""
    if stage != "arrival":
        return float("inf")
    return max(LP_ARRIVAL_MIN_S, LP_ARRIVAL_SHARE * value_stage_s)
