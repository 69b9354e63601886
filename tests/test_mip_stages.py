"""Integer items: the later MIP stages are time-boxed and the divisible items are polished.

One hand-checkable case: 2 whole jets (integer, free) and 5 t of fuel (divisible) from donor d1
at € 10/t or d2 at € 20/t, 2 periods, no capacity limits, no deadlines. Best plan: both jets and
all fuel in period 1, the fuel from d1, cost 5 · 10 = € 50.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from planner.data import build_planning_data
from planner.model import LinearModel, build_model, highs_backend
from planner.model.adapter import RunResult, RunStatus
from planner.model.highs_backend import HighsAdapter
from planner.schema import Settings
from planner.solve import Session, mip_stage_box
from tests.factories import START, make_catalog, make_requests


def jets_and_fuel() -> tuple[LinearModel, Settings]:
    cat = make_catalog(
        items=[
            {"item_id": "jet", "unit_weight_t": 3.0, "integer": True},
            {"item_id": "fuel", "unit_weight_t": 1.0},
        ],
        donors=[{"donor_id": "d1"}, {"donor_id": "d2"}],
        offers=[
            {"offer_id": "jets", "donor_id": "d1", "item_id": "jet", "quantity": 5},
            {"offer_id": "fuel1", "donor_id": "d1", "item_id": "fuel", "quantity": 10,
             "unit_cost_eur": 10.0},
            {"offer_id": "fuel2", "donor_id": "d2", "item_id": "fuel", "quantity": 10,
             "unit_cost_eur": 20.0},
        ],
        corridors=[{"corridor_id": "c1", "capacity_t": 1e6, "transit_periods": 0}],
    )  # fmt: skip
    s = Settings(start=START, horizon=2, solver="highs")
    reqs = make_requests(
        [
            {"item_id": "jet", "quantity": 2, "priority": 1},
            {"item_id": "fuel", "quantity": 5, "priority": 2},
        ]
    )
    return build_model(build_planning_data(cat, reqs, s)), s


def column(model: LinearModel, offer: str, t: int) -> int:
    """The variable of ``offer`` dispatched in period ``t`` (one corridor, one request each)."""
    v = model.vars
    o = int(np.flatnonzero(model.data.offers["offer_id"].to_numpy() == offer)[0])
    return int(np.flatnonzero((v["o"].to_numpy() == o) & (v["t"].to_numpy() == t))[0])


def test_polish_replans_divisible_items_and_keeps_integer_ones() -> None:
    """Start from a poor but feasible plan: jets in period 2, fuel from d2 (€ 100) in period 2.

    Polished: the jets stay where they are (2 in period 2); the fuel moves to d1 in period 1
    (€ 50), and the value is unchanged (no deadline, so both periods are worth the same).
    """
    model, s = jets_and_fuel()
    poor = np.zeros(model.n_vars)
    poor[column(model, "jets", 2)] = 2
    poor[column(model, "fuel2", 2)] = 5
    x = Session(model)._polish(poor, s, 10.0)
    assert x[column(model, "jets", 2)] == pytest.approx(2)
    assert x[column(model, "jets", 1)] == pytest.approx(0)
    assert x[column(model, "fuel1", 1)] == pytest.approx(5)
    assert float(model.cost_eur @ x) == pytest.approx(50.0)
    assert float(model.value @ x) == pytest.approx(float(model.value @ poor))


def test_boxed_stages_are_reported_and_the_plan_still_polished(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Cost and arrival stages that stop at their box without improving (simulated: they return
    their starting plan unproven) are labelled "best found". The jets stay where the value
    stage put them (either period); the polish still sends the fuel from d1 in period 1 (€ 50).
    """
    model, s = jets_and_fuel()

    real_run, real_start = HighsAdapter.run, HighsAdapter.set_start
    starts: dict[int, np.ndarray] = {}

    def set_start(self: HighsAdapter, x: np.ndarray) -> None:
        starts[id(self)] = np.asarray(x, float).copy()
        real_start(self, x)

    def stopped(self: HighsAdapter, *args: Any, **kw: Any) -> RunResult:
        if self.is_mip and id(self) in starts:  # a later MIP stage: its starting plan, unproven
            return RunResult(RunStatus.TIME_LIMIT, starts[id(self)], gap=float("nan"))
        return real_run(self, *args, **kw)

    monkeypatch.setattr(HighsAdapter, "set_start", set_start)
    monkeypatch.setattr(HighsAdapter, "run", stopped)
    sol = Session(model).solve(s)
    assert sol.stages == ["value", "cost (best found)", "arrival (best found)"]
    assert sol.cost_eur == pytest.approx(50.0)
    assert sol.x[column(model, "jets", 1)] + sol.x[column(model, "jets", 2)] == 2
    assert sol.x[column(model, "fuel1", 1)] == pytest.approx(5)


def test_mip_stage_box_and_options() -> None:
    """Box: max(1 s, value stage): 0.2 s -> 1 s, 7 s -> 7 s. A MIP instance gets MIP_OPTIONS
    (the root sub-MIP heuristics off), an LP instance does not."""
    assert mip_stage_box(0.2) == 1.0
    assert mip_stage_box(7.0) == 7.0
    model, _ = jets_and_fuel()
    assert model.is_mip
    h = HighsAdapter(model).h
    for key in highs_backend.MIP_OPTIONS:
        assert h.getOptionValue(key)[1] is False, key
    lp = dataclasses.replace(model, integer=np.zeros_like(model.integer))
    assert HighsAdapter(lp).h.getOptionValue("mip_heuristic_run_rins")[1] is True


def test_mip_stage_limits_count_from_each_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """HiGHS's MIP solver times each run from its own start, the simplex over all runs of the
    instance. With 100 s already on the instance's clock, the boxed cost and arrival stages of
    the MIP get limits of about 1 s (the box), not 101 s."""
    model, s = jets_and_fuel()
    b = Session(model)
    limits: list[float] = []
    h = b.adapter.h  # type: ignore[attr-defined]
    set_option = h.setOptionValue

    def spy(key: str, value: Any) -> Any:
        if key == "time_limit":
            limits.append(float(value))
        return set_option(key, value)

    monkeypatch.setattr(h, "setOptionValue", spy)
    monkeypatch.setattr(h, "getRunTime", lambda: 100.0)
    b.solve(s)
    assert limits[0] == pytest.approx(60.0)  # value stage: the whole time limit
    assert limits[1:3] == [pytest.approx(1.0, abs=0.1)] * 2
