"""LP stages: the algorithm per stage and the arrival stage's time box (docs/decisions/0008).

Hand-checkable case (the jets-and-fuel catalog of test_mip_stages with the jets made
divisible, so the model is an LP): 2 jets (free) and 5 t of fuel from donor d1 at € 10/t or d2
at € 20/t, 2 periods, no deadlines. Value stage: everything requested is sent; cost stage: the
fuel from d1, € 50.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from planner.model import LinearModel
from planner.model.adapter import RunResult, RunStatus
from planner.model.highs_backend import (
    DUAL_SIMPLEX,
    IPM_ARRIVAL_MIN_VARS,
    PRESOLVE_OFF_MAX_VARS,
    PRIMAL_SIMPLEX,
    HighsAdapter,
    lp_run_options,
)
from planner.schema import Settings
from planner.solve import Session
from planner.solve.stages import LP_ARRIVAL_MIN_S, LP_ARRIVAL_SHARE, lp_stage_box
from tests.test_mip_stages import jets_and_fuel


def jets_and_fuel_lp() -> tuple[LinearModel, Settings]:
    model, s = jets_and_fuel()
    return dataclasses.replace(model, integer=np.zeros_like(model.integer)), s


def test_lp_stage_box() -> None:
    """Arrival: max(5 s, 0.35 × value stage): 8 s -> 5 s, 100 s -> 35 s. Value, requested
    items and cost are never boxed."""
    assert (LP_ARRIVAL_MIN_S, LP_ARRIVAL_SHARE) == (5.0, 0.35)
    assert lp_stage_box("arrival", 8.0) == 5.0
    assert lp_stage_box("arrival", 100.0) == pytest.approx(35.0)
    for stage in ("value", "requested items", "cost"):
        assert lp_stage_box(stage, 100.0) == float("inf")


def test_lp_run_options_per_stage() -> None:
    """Value stage cold: primal simplex, presolve off up to PRESOLVE_OFF_MAX_VARS variables and
    on above; cost: primal, presolve on; arrival: primal up to IPM_ARRIVAL_MIN_VARS variables,
    interior point with crossover above; a warm re-solve: dual."""
    small, big = PRESOLVE_OFF_MAX_VARS, PRESOLVE_OFF_MAX_VARS + 1
    assert lp_run_options("value", False, small) == {
        "solver": "simplex",
        "simplex_strategy": PRIMAL_SIMPLEX,
        "presolve": "off",
        "run_crossover": "on",
    }
    assert lp_run_options("value", False, big)["presolve"] == "on"
    # a re-plan fixes the past weeks' and the frozen columns: presolve removes them
    assert lp_run_options("value", False, small, fixed_columns=True)["presolve"] == "on"
    assert lp_run_options("cost", False, small)["simplex_strategy"] == PRIMAL_SIMPLEX
    assert lp_run_options("cost", False, small)["presolve"] == "on"
    assert lp_run_options("arrival", False, small)["simplex_strategy"] == PRIMAL_SIMPLEX
    assert lp_run_options("arrival", False, IPM_ARRIVAL_MIN_VARS)["solver"] == "simplex"
    assert lp_run_options("arrival", False, IPM_ARRIVAL_MIN_VARS + 1) == {
        "solver": "ipm",
        "run_crossover": "on",
        "presolve": "on",
    }
    assert lp_run_options("value", True, small)["simplex_strategy"] == DUAL_SIMPLEX
    assert lp_run_options(None, False, small)["simplex_strategy"] == PRIMAL_SIMPLEX
    # The LP relaxation of a model with integer items: primal simplex with presolve everywhere
    # (its plan is rounded; another optimal vertex would round to another plan).
    for stage in ("value", "cost", "arrival"):
        assert lp_run_options(stage, False, big, relaxation=True) == {
            "solver": "simplex",
            "simplex_strategy": PRIMAL_SIMPLEX,
            "presolve": "on",
            "run_crossover": "on",
        }


def test_arrival_stopped_by_its_box_keeps_the_cost_stage_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The arrival run gets the box (5 s here: the value stage takes milliseconds) and, when it
    stops there without a feasible plan of its own (simulated),
    the plan is the cost stage's: all 7 units, € 50, and the stage reads "arrival (best
    found)"; value and cost stay proven."""
    model, s = jets_and_fuel_lp()
    full = Session(model).solve(s)
    assert full.stages == ["value", "cost", "arrival"]

    real_run = HighsAdapter.run
    limits: dict[str, float] = {}

    def stopped(self: HighsAdapter, time_limit_s: float, *args: Any, **kw: Any) -> RunResult:
        limits[kw.get("stage") or "?"] = time_limit_s
        if kw.get("stage") == "arrival":
            return RunResult(RunStatus.TIME_LIMIT, None)
        return real_run(self, time_limit_s, *args, **kw)

    monkeypatch.setattr(HighsAdapter, "run", stopped)
    sol = Session(model).solve(s)
    assert sol.stages == ["value", "cost", "arrival (best found)"]
    assert limits["arrival"] == pytest.approx(LP_ARRIVAL_MIN_S)
    assert limits["cost"] > LP_ARRIVAL_MIN_S  # the rest of the time limit, no box
    assert sol.proven_optimal
    assert sol.value == pytest.approx(full.value)
    assert sol.cost_eur == pytest.approx(50.0)
    assert sol.x.sum() == pytest.approx(7.0)


def test_interior_point_arrival_stage_gives_the_same_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """The arrival stage by interior point from scratch (as over IPM_ARRIVAL_MIN_VARS
    variables; switched on here for the 2-period case) ends on the same optimum as the primal
    simplex: same value, € 50, same earliness (everything in period 1: 7 units × (2 + 1 − 1)
    = 14), all three stages proven."""
    from planner.model import highs_backend

    model, s = jets_and_fuel_lp()
    simplex = Session(model).solve(s)
    monkeypatch.setattr(highs_backend, "IPM_ARRIVAL_MIN_VARS", 0)
    ipm = Session(model).solve(s)
    assert ipm.stages == ["value", "cost", "arrival"]
    assert ipm.value == pytest.approx(simplex.value)
    assert ipm.cost_eur == pytest.approx(50.0)
    assert float(model.earliness @ ipm.x) == pytest.approx(float(model.earliness @ simplex.x))
    assert float(model.earliness @ ipm.x) == pytest.approx(14.0)


def test_lp_relaxation_of_a_model_with_integer_items_is_not_boxed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The jets stay integer in the model; its LP relaxation (whole units, the polish) gets no
    arrival box: the arrival run is handed the rest of the time limit (over 5 s)."""
    model, s = jets_and_fuel()
    real_run = HighsAdapter.run
    limits: dict[str, float] = {}

    def spy(self: HighsAdapter, time_limit_s: float, *args: Any, **kw: Any) -> RunResult:
        limits[kw.get("stage") or "?"] = time_limit_s
        return real_run(self, time_limit_s, *args, **kw)

    monkeypatch.setattr(HighsAdapter, "run", spy)
    sol = Session(model, integer=np.zeros(model.n_vars, dtype=bool)).solve(s)
    assert sol.stages == ["value", "cost", "arrival"]
    assert limits["arrival"] > LP_ARRIVAL_MIN_S
