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
from planner.solve import kept_units, solve_model, stability_floor
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


def test_kept_units_and_floor() -> None:
    """kept = Σ min(x, prev) over the stage's columns: min(3, 5) + min(7, 2) = 5."""
    x, prev = np.array([3.0, 7.0, 9.0]), np.array([5.0, 2.0, 0.0])
    assert kept_units(x, np.array([0, 1]), prev) == 5.0
    assert 5.0 - 1e-6 < stability_floor(5.0) < 5.0


def test_highs_instance_is_restored_after_the_stability_stage() -> None:
    """The auxiliary columns and rows go away: a second solve of the same backend is the same."""
    from planner.model.highs_backend import HighsBackend

    m, s = model("highs")
    b = HighsBackend(with_previous(m, [10, 0, 0, 0], [False] * 4))
    first = b.solve(s)
    assert b.h.getNumCol() == m.n_vars and b.h.getNumRow() == m.n_rows + 2
    assert b.solve(s).x.tolist() == first.x.tolist() == [10, 0, 5, 0]
