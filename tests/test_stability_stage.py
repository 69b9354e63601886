"""The stability stage and frozen columns (DESIGN.md §4 stage 3, §7), hand-checked.

One item a (1 t), one corridor c1 (100 t per period), horizon 2, one request of 15 units (P1,
weight 1000, due period 2: both periods are on time, every unit is worth the same). Offers:
``dear`` of donor d1 (10 units, EUR 5 each) and ``cheap`` of donor d2 (10 units, EUR 1 each).
Columns in build order: 0 dear t1, 1 dear t2, 2 cheap t1, 3 cheap t2.

From scratch: value needs 15 units; cost takes all 10 cheap (EUR 10) + 5 dear (EUR 25) = EUR 35,
arrival puts them in period 1: x = [5, 0, 10, 0].
Previous plan sent 10 dear in period 1 (before the cheap offer existed). The stability stage
keeps them (kept = 10, moved = 0), so cost fills the other 5 with cheap: x = [10, 0, 5, 0],
EUR 50 + 5 = 55 — a cost-only plan would have moved 5 of donor d1's units to d2.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from planner.data import build_planning_data
from planner.model import LinearModel, StabilityTarget, build_model
from planner.schema import Settings
from planner.solve import Session, solve_model
from planner.solve.stages import kept_units, moved_units
from tests.factories import START, make_catalog, make_requests


def model(solver: str, integer: bool = False) -> tuple[LinearModel, Settings]:
    cat = make_catalog(
        items=[{"item_id": "a", "unit_weight_t": 1.0, "integer": integer}],
        donors=[{"donor_id": "d1"}, {"donor_id": "d2"}],
        offers=[
            {
                "offer_id": "dear",
                "donor_id": "d1",
                "item_id": "a",
                "quantity": 10,
                "unit_cost_eur": 5.0,
            },
            {
                "offer_id": "cheap",
                "donor_id": "d2",
                "item_id": "a",
                "quantity": 10,
                "unit_cost_eur": 1.0,
            },
        ],
        corridors=[{"corridor_id": "c1", "capacity_t": 100}],
    )
    s = Settings(start=START, horizon=2, solver=solver)
    m = build_model(build_planning_data(cat, make_requests([{"item_id": "a", "quantity": 15,
                                                             "priority": 1}]), s))  # fmt: skip
    assert m.vars[["o", "t"]].values.tolist() == [[0, 1], [0, 2], [1, 1], [1, 2]]
    return m, s


def with_previous(m: LinearModel, prev: list[float], fixed: list[bool]) -> LinearModel:
    target = StabilityTarget(np.array(prev, dtype=float), np.array(fixed, dtype=bool))
    return dataclasses.replace(m, stability=target)


@pytest.mark.parametrize("integer", [False, True])
@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_stability_keeps_a_dearer_donor_shipment(solver: str, integer: bool) -> None:
    m, s = model(solver, integer)
    scratch = solve_model(m, s)
    assert scratch.x.tolist() == [5, 0, 10, 0] and scratch.cost_eur == pytest.approx(35)
    assert "stability" not in scratch.stages
    sol = solve_model(with_previous(m, [10, 0, 0, 0], [False] * 4), s)
    assert sol.x.tolist() == [10, 0, 5, 0]
    assert sol.cost_eur == pytest.approx(55)
    assert sol.value == pytest.approx(scratch.value)  # stability never costs value
    assert sol.stages == ["value", "stability", "cost", "arrival"]


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_frozen_column_is_held_and_stability_prefers_the_rest(solver: str) -> None:
    """Frozen: 10 dear in t1 (fixed). Previous also had 4 cheap in t2 (not fixed). Value needs
    15: 10 frozen + 5 more; stability keeps the 4 cheap in t2 (kept 4); cost and arrival then put
    the fifth unit in cheap t1 (EUR 1 < 5; t1 earlier): x = [10, 0, 1, 4], EUR 55. From scratch
    the arrival stage would have moved those 4 units to t1."""
    m, s = model(solver)
    sol = solve_model(with_previous(m, [10, 0, 0, 4], [True, False, False, False]), s)
    assert sol.x.tolist() == [10, 0, 1, 4]


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_frozen_column_beats_cost(solver: str) -> None:
    """Frozen 3 units of dear in t2 (no stability target elsewhere): the plan keeps them even
    though cheap could carry them; the other 12 units: 10 cheap (t1) + 2 dear (t1).
    Cost 3·5 + 10·1 + 2·5 = 35."""
    m, s = model(solver)
    sol = solve_model(with_previous(m, [0, 3, 0, 0], [False, True, False, False]), s)
    assert sol.x.tolist() == [2, 3, 10, 0]
    assert sol.cost_eur == pytest.approx(35)
    assert "stability" not in sol.stages  # nothing left to keep: the stage is skipped


def test_kept_and_moved_units() -> None:
    """kept = Σ min(x, prev) over the columns with prev > 0: min(3, 5) + min(7, 2) = 5;
    moved = Σ max(0, prev − x) = 2 + 0 = 2 (the 9 units of the third column are new, not
    moved)."""
    x, prev = np.array([3.0, 7.0, 9.0]), np.array([5.0, 2.0, 0.0])
    assert kept_units(x, prev) == 5.0
    assert moved_units(x, prev) == 2.0


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_session_helper_columns_leave_other_runs_alone(solver: str) -> None:
    """The helper columns stay in the solver but are held at 0 outside the stages: solving
    again with the previous plan gives the same plan, and without it the from-scratch plan."""
    m, s = model(solver)
    session = Session(m, solver)
    prev = np.array([10.0, 0, 0, 0])
    first = session.solve(s, prev)
    assert session.adapter.n_cols == m.n_vars + 1  # one helper: column 0
    assert len(first.x) == m.n_vars
    assert session.solve(s, prev).x.tolist() == first.x.tolist() == [10, 0, 5, 0]
    assert session.solve(s).x.tolist() == [5, 0, 10, 0]
    assert session.solve(s, prev).x.tolist() == [10, 0, 5, 0]
    assert session.adapter.n_cols == m.n_vars + 1


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_stability_never_gives_up_value(solver: str) -> None:
    """Previous plan: 10 dear in t1 and 10 cheap in t2 — 20 units for a 15-unit request is not
    a plan of this run (demand row), so 5 of them must move. Value stays 15 units; stability
    keeps 15 of the 20 previous units (moved = 5); cost then moves the 5 away from the dear
    offer: x = [5, 0, 0, 10], EUR 5·5 + 10·1 = 35."""
    m, s = model(solver)
    prev = np.array([10.0, 0, 0, 10])
    sol = Session(m, solver).solve(s, prev)
    assert sol.x.tolist() == [5, 0, 0, 10]
    assert moved_units(sol.x, prev) == pytest.approx(5)
    assert sol.cost_eur == pytest.approx(35)


def test_previous_whole_plan_only_when_still_a_plan() -> None:
    """Integer item a, request of 15: previous [10, 0, 5, 0] is whole and within every row
    (demand 15 ≤ 15, stocks 10 ≤ 10 and 5 ≤ 10); [10, 0, 10, 0] sends 20 > 15 (demand row);
    [9.5, 0, 5, 0] is not whole. Only the first is a candidate for the repair."""
    from planner.solve.whole_units import previous_whole_plan

    m, _ = model("highs", integer=True)
    ok = with_previous(m, [10, 0, 5, 0], [False] * 4)
    assert previous_whole_plan(ok) is not None
    assert previous_whole_plan(with_previous(m, [10, 0, 10, 0], [False] * 4)) is None
    assert previous_whole_plan(with_previous(m, [9.5, 0, 5, 0], [False] * 4)) is None
    assert previous_whole_plan(m) is None
