"""One hand-checkable case per constraint family of DESIGN.md §4 (binding and not binding).

Each case: 1 item (unless said), 1–2 requests, 1–2 offers, 1 corridor, 2 periods; the expected
numbers are worked out in the docstring. Solved with HiGHS and with CBC.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from planner.data import build_planning_data
from planner.model import build_model
from planner.results import PlanResult, extract
from planner.schema import Settings
from planner.solve import solve_model
from tests.factories import START, make_catalog, make_requests

SOLVERS = ["highs", "cbc"]


def plan(
    solver: str,
    offers: list[dict[str, Any]],
    requests: list[dict[str, Any]],
    *,
    items: list[dict[str, Any]] | None = None,
    donors: list[dict[str, Any]] | None = None,
    capacity_t: float = 1e6,
    transit: int = 0,
    horizon: int = 2,
    **settings: Any,
) -> PlanResult:
    cat = make_catalog(
        items=items or [{"item_id": "a", "unit_weight_t": 1.0}],
        donors=donors or [{"donor_id": "d1"}, {"donor_id": "d2"}],
        offers=offers,
        corridors=[{"corridor_id": "c1", "capacity_t": capacity_t, "transit_periods": transit}],
    )
    s = Settings(start=START, horizon=horizon, solver=solver, **settings)
    model = build_model(build_planning_data(cat, make_requests(requests), s))
    return extract(model, solve_model(model, s))


def delivered(res: PlanResult) -> list[float]:
    return [round(v, 6) for v in res.requests["delivered"]]


@pytest.mark.parametrize("solver", SOLVERS)
def test_request_demand_binds(solver: str) -> None:
    """Offer 10 units, request 4 (P1, weight 1000): deliver exactly 4, never more.

    value = 1000/4 · 4 = 1000, score 1.0; 6 units stay with the donor.
    """
    res = plan(
        solver,
        [{"offer_id": "o1", "donor_id": "d1", "item_id": "a", "quantity": 10}],
        [{"item_id": "a", "quantity": 4, "priority": 1}],
    )
    assert delivered(res) == [4.0]
    assert res.solution.value == pytest.approx(1000.0)
    assert res.fulfilment_score == pytest.approx(1.0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_offer_stock_binds_and_priority_decides(solver: str) -> None:
    """Stock 5; R1 (P1) wants 4, R2 (P3) wants 4.

    Per unit: R1 1000/4 = 250, R2 10/4 = 2.5 -> R1 gets 4, R2 the last 1.
    value = 1000 + 2.5 = 1002.5; demand of R1 binds, stock binds.
    """
    res = plan(
        solver,
        [{"offer_id": "o1", "donor_id": "d1", "item_id": "a", "quantity": 5}],
        [
            {"item_id": "a", "quantity": 4, "priority": 1},
            {"item_id": "a", "quantity": 4, "priority": 3},
        ],
    )
    assert delivered(res) == [4.0, 1.0]
    assert res.solution.value == pytest.approx(1002.5)
    assert list(res.requests["status"]) == ["met", "partly met"]


@pytest.mark.parametrize("solver", SOLVERS)
def test_request_demand_not_binding(solver: str) -> None:
    """Offer 3 units, request 4 (P1): the stock runs out first, so the demand row has slack 1.

    delivered 3; value = 1000/4 · 3 = 750; status "partly met".
    """
    res = plan(
        solver,
        [{"offer_id": "o1", "donor_id": "d1", "item_id": "a", "quantity": 3}],
        [{"item_id": "a", "quantity": 4, "priority": 1}],
    )
    assert delivered(res) == [3.0]
    assert res.solution.value == pytest.approx(750.0)
    assert list(res.requests["status"]) == ["partly met"]


@pytest.mark.parametrize("solver", SOLVERS)
def test_offer_stock_not_binding(solver: str) -> None:
    """Stock 10; R1 (P1) wants 4, R2 (P3) wants 4: both met, 2 units stay with the donor.

    value = 1000 + 10 = 1010; the stock row has slack 10 − 8 = 2.
    """
    res = plan(
        solver,
        [{"offer_id": "o1", "donor_id": "d1", "item_id": "a", "quantity": 10}],
        [
            {"item_id": "a", "quantity": 4, "priority": 1},
            {"item_id": "a", "quantity": 4, "priority": 3},
        ],
    )
    assert delivered(res) == [4.0, 4.0]
    assert res.solution.value == pytest.approx(1010.0)
    assert float(res.allocations["quantity"].sum()) == 8.0


@pytest.mark.parametrize("solver", SOLVERS)
def test_offer_rate_binds(solver: str) -> None:
    """Stock 10, at most 3 per period, 2 periods: 6 of a request of 10 arrive (3 + 3).

    value = 1000 · 6/10 = 600. Without the rate (next test) all 10 arrive.
    """
    res = plan(
        solver,
        [{"offer_id": "o1", "donor_id": "d1", "item_id": "a", "quantity": 10, "max_per_period": 3}],
        [{"item_id": "a", "quantity": 10, "priority": 1}],
    )
    assert delivered(res) == [6.0]
    per_period = res.allocations.groupby("dispatch_period")["quantity"].sum()
    assert per_period.to_dict() == {1: 3.0, 2: 3.0}
    assert res.solution.value == pytest.approx(600.0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_offer_rate_not_binding(solver: str) -> None:
    """Rate 20 per period > request 10: all 10 arrive, value 1000."""
    res = plan(
        solver,
        [
            {
                "offer_id": "o1",
                "donor_id": "d1",
                "item_id": "a",
                "quantity": 10,
                "max_per_period": 20,
            }
        ],
        [{"item_id": "a", "quantity": 10, "priority": 1}],
    )
    assert delivered(res) == [10.0]
    assert res.solution.value == pytest.approx(1000.0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_donor_budget_binds(solver: str) -> None:
    """d1 has € 100 and sells at € 40/unit: 2.5 units; request 10 (P1).

    value = 1000 · 2.5/10 = 250, spent exactly € 100.
    """
    res = plan(
        solver,
        [{"offer_id": "o1", "donor_id": "d1", "item_id": "a", "quantity": 10, "unit_cost_eur": 40}],
        [{"item_id": "a", "quantity": 10, "priority": 1}],
        donors=[{"donor_id": "d1", "budget_eur": 100.0}],
    )
    assert delivered(res) == [2.5]
    assert res.donors.loc[0, "spent_eur"] == pytest.approx(100.0)
    assert res.donors.loc[0, "budget_used"] == pytest.approx(1.0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_budget_not_binding_and_cheaper_donor_chosen(solver: str) -> None:
    """Two donors offer 10 each, request 10. d1 € 5/unit, d2 € 1/unit, budgets € 1000.

    Value is 1000 either way; the cost stage picks d2: cost € 10, budgets not binding.
    """
    res = plan(
        solver,
        [
            {
                "offer_id": "o1",
                "donor_id": "d1",
                "item_id": "a",
                "quantity": 10,
                "unit_cost_eur": 5,
            },
            {
                "offer_id": "o2",
                "donor_id": "d2",
                "item_id": "a",
                "quantity": 10,
                "unit_cost_eur": 1,
            },
        ],
        [{"item_id": "a", "quantity": 10, "priority": 1}],
        donors=[{"donor_id": "d1", "budget_eur": 1000.0}, {"donor_id": "d2", "budget_eur": 1000.0}],
    )
    assert delivered(res) == [10.0]
    assert res.solution.cost_eur == pytest.approx(10.0)
    assert set(res.allocations["donor_id"]) == {"d2"}


@pytest.mark.parametrize("solver", SOLVERS)
def test_corridor_capacity_binds(solver: str) -> None:
    """Item 2 t/unit, corridor 6 t/period, 2 periods: 3 units per period, 6 of 10 arrive.

    value = 1000 · 6/10 = 600; used_t = 6 = capacity_t in both periods.
    """
    res = plan(
        solver,
        [{"offer_id": "o1", "donor_id": "d1", "item_id": "a", "quantity": 10}],
        [{"item_id": "a", "quantity": 10, "priority": 1}],
        items=[{"item_id": "a", "unit_weight_t": 2.0}],
        capacity_t=6.0,
    )
    assert delivered(res) == [6.0]
    assert list(res.corridors["used_t"].round(6)) == [6.0, 6.0]
    assert res.solution.value == pytest.approx(600.0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_corridor_not_binding_weightless_item_bypasses(solver: str) -> None:
    """A service (0 t) needs no corridor: capacity 0 still lets all 3 units through."""
    res = plan(
        solver,
        [{"offer_id": "o1", "donor_id": "d1", "item_id": "intel", "quantity": 5}],
        [{"item_id": "intel", "quantity": 3, "priority": 2}],
        items=[{"item_id": "intel", "unit_weight_t": 0.0}],
        capacity_t=0.0,
    )
    assert delivered(res) == [3.0]
    assert set(res.allocations["corridor_id"]) == {"(no corridor)"}


@pytest.mark.parametrize("solver", SOLVERS)
def test_integer_items_are_whole(solver: str) -> None:
    """Aircraft (integer) 3 t each, corridor 7 t/period, 1 period: at most 2 whole units.

    LP would send 7/3 = 2.33; the MILP sends 2. value = 1000 · 2/4 = 500.
    """
    res = plan(
        solver,
        [{"offer_id": "o1", "donor_id": "d1", "item_id": "jet", "quantity": 5}],
        [{"item_id": "jet", "quantity": 4, "priority": 1}],
        items=[{"item_id": "jet", "unit_weight_t": 3.0, "integer": True}],
        capacity_t=7.0,
        horizon=1,
    )
    assert delivered(res) == [2.0]
    assert res.solution.value == pytest.approx(500.0)
    assert res.solution.proven_optimal


@pytest.mark.parametrize("solver", SOLVERS)
def test_late_delivery_is_worth_less_but_beats_none(solver: str) -> None:
    """Request due in period 1, transit 1 period: arrival ≥ 2, so 1 period late.

    value = 1000 · (1 − 0.02 · 1) = 980; late_periods 1.
    """
    res = plan(
        solver,
        [{"offer_id": "o1", "donor_id": "d1", "item_id": "a", "quantity": 10}],
        [{"item_id": "a", "quantity": 10, "priority": 1, "needed_by": 1}],
        transit=1,
        horizon=3,
    )
    assert delivered(res) == [10.0]
    assert res.solution.value == pytest.approx(980.0)
    assert int(res.requests.loc[0, "late_periods"]) == 1


@pytest.mark.parametrize("solver", SOLVERS)
def test_availability_lead_and_earliest_window(solver: str) -> None:
    """available_from 2 + lead 1 -> first dispatch 3; earliest 4 with transit 0 -> t ≥ 4.

    Horizon 4: only t = 4 remains, so all dispatches are in period 4.
    """
    res = plan(
        solver,
        [
            {
                "offer_id": "o1",
                "donor_id": "d1",
                "item_id": "a",
                "quantity": 10,
                "available_from": 2,
                "lead_periods": 1,
            }
        ],
        [{"item_id": "a", "quantity": 5, "priority": 1, "earliest": 4}],
        horizon=4,
    )
    assert delivered(res) == [5.0]
    assert set(res.allocations["dispatch_period"]) == {4}


@pytest.mark.parametrize("solver", SOLVERS)
def test_arrival_after_horizon_is_unmet(solver: str) -> None:
    """Transit 3 periods, horizon 2: nothing can arrive in time; the line is unmet."""
    res = plan(
        solver,
        [{"offer_id": "o1", "donor_id": "d1", "item_id": "a", "quantity": 10}],
        [{"item_id": "a", "quantity": 5, "priority": 1}],
        transit=3,
    )
    assert delivered(res) == [0.0]
    assert list(res.requests["status"]) == ["unmet"]
    assert res.model.n_vars == 0


@pytest.mark.parametrize("solver", SOLVERS)
def test_substitute_with_factor(solver: str) -> None:
    """No Javelin offered; 1 NLAW covers 0.5 Javelin. Request 4 Javelin, 10 NLAW in stock.

    8 NLAW cover 4 Javelin: delivered 4, allocation quantity 8, effective 4.
    """
    from planner.data import build_planning_data as bpd

    cat = make_catalog(
        items=[
            {"item_id": "javelin", "unit_weight_t": 0.02},
            {"item_id": "nlaw", "unit_weight_t": 0.0125},
        ],
        donors=[{"donor_id": "d1"}],
        offers=[{"offer_id": "o1", "donor_id": "d1", "item_id": "nlaw", "quantity": 10}],
        corridors=[{"corridor_id": "c1", "capacity_t": 100.0}],
        substitutes=[{"item_id": "javelin", "substitute_id": "nlaw", "factor": 0.5}],
    )
    s = Settings(start=START, horizon=2, solver=solver)
    model = build_model(bpd(cat, make_requests([{"item_id": "javelin", "quantity": 4}]), s))
    res = extract(model, solve_model(model, s))
    assert delivered(res) == [4.0]
    assert res.allocations["quantity"].sum() == pytest.approx(8.0)
    assert res.allocations["effective_quantity"].sum() == pytest.approx(4.0)


def test_donor_corridor_restriction() -> None:
    """d1 may use only c2; the model must not create variables on c1 for its offers."""
    cat = make_catalog(
        items=[{"item_id": "a", "unit_weight_t": 1.0}],
        donors=[{"donor_id": "d1", "corridors": ["c2"]}],
        offers=[{"offer_id": "o1", "donor_id": "d1", "item_id": "a", "quantity": 10}],
        corridors=[
            {"corridor_id": "c1", "capacity_t": 100.0},
            {"corridor_id": "c2", "capacity_t": 1.0},
        ],
    )
    s = Settings(start=START, horizon=2)
    model = build_model(
        build_planning_data(cat, make_requests([{"item_id": "a", "quantity": 10}]), s)
    )
    res = extract(model, solve_model(model, s))
    assert set(model.data.corridors["corridor_id"].to_numpy()[model.vars["h"]]) == {"c2"}
    assert delivered(res) == [2.0]  # 1 t per period on c2, 2 periods


def test_cost_never_trades_against_value() -> None:
    """An expensive unit for a P4 line is still sent: value first, cost only breaks ties.

    Offer € 1e9/unit (no budget), request 1 unit P4 (value 1): delivered 1, cost 1e9.
    """
    res = plan(
        "highs",
        [{"offer_id": "o1", "donor_id": "d1", "item_id": "a", "quantity": 1, "unit_cost_eur": 1e9}],
        [{"item_id": "a", "quantity": 1, "priority": 4}],
    )
    assert delivered(res) == [1.0]
    assert res.solution.cost_eur == pytest.approx(1e9)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("qty", [1e6, 1e7, 3e7])
def test_cost_stage_keeps_the_value_exactly(solver: str, qty: float) -> None:
    """The cost stage stays on the value optimum's face, not merely within the 1e-9 floor.

    ``qty`` units at € 1,000 for one P4 line (weight 1, so each unit is worth 1/qty): optimum
    value 1. The floor alone allows value 1 − 1e-9, so minimising cost may drop qty · 1e-9
    units (0.001–0.03; more with the floor's absolute minimum of 1e-7: 0.1 unit at 1e6),
    saving € 1–100, a shortfall no snapping hides. Held on the face (the line's demand row has
    a dual, 1/qty before scaling, 100–1000 after) the plan sends all qty units, at € 1000·qty.
    """
    res = plan(
        solver,
        [{"offer_id": "o1", "donor_id": "d1", "item_id": "a", "quantity": 2 * qty,
          "unit_cost_eur": 1000}],
        [{"item_id": "a", "quantity": qty, "priority": 4}],
        capacity_t=1e9,
    )  # fmt: skip
    assert res.requests["delivered"].tolist() == [qty]
    assert res.solution.cost_eur == 1000 * qty
    assert res.solution.stages == ["value", "cost", "arrival"]


def test_optimal_face_by_hand() -> None:
    """Reduced costs and duals above FACE_TOL pin columns at their nearer bound and rows full.

    x = (0, 3, 5): column 0 (dual −2, at 0) stays at 0; column 1 (dual 1e-9, noise) stays free;
    column 2 (dual 0.5, at its upper bound 5) stays at 5. Row 0 (dual 1) stays full, row 1
    (dual −1e-8, noise) does not.
    """
    from planner.solve import optimal_face

    face = optimal_face(
        np.array([0.0, 3.0, 5.0]),
        np.array([-2.0, 1e-9, 0.5]),
        np.array([1.0, -1e-8]),
        np.zeros(3),
        np.array([np.inf, np.inf, 5.0]),
    )
    assert face.cols.tolist() == [0, 2]
    assert face.at.tolist() == [0.0, 5.0]
    assert face.rows.tolist() == [0]


def test_earlier_arrival_preferred_when_value_and_cost_tie() -> None:
    """No deadline inside the horizon, so periods 1 and 2 are worth the same and cost the same:
    the third stage chooses the earliest dispatch (period 1)."""
    res = plan(
        "highs",
        [{"offer_id": "o1", "donor_id": "d1", "item_id": "a", "quantity": 5}],
        [{"item_id": "a", "quantity": 5, "priority": 2}],
    )
    assert set(res.allocations["arrival_period"]) == {1}
    assert np.isclose(res.solution.value, 100.0)


def test_cbc_backend_changes_rhs_past_an_empty_family() -> None:
    """offer_rate has no rows here (no offer has a rate); a budget change must still reach the
    donor_budget row. Budget 100 -> 40 at € 40/unit: delivered 2.5 -> 1, value 250 -> 100."""
    from planner.solve import Session

    cat = make_catalog(
        items=[{"item_id": "a", "unit_weight_t": 1.0}],
        donors=[{"donor_id": "d1", "budget_eur": 100.0}],
        offers=[
            {
                "offer_id": "o1",
                "donor_id": "d1",
                "item_id": "a",
                "quantity": 10,
                "unit_cost_eur": 40,
            }
        ],
        corridors=[{"corridor_id": "c1", "capacity_t": 100.0}],
    )
    s = Settings(start=START, horizon=2, solver="cbc")
    model = build_model(
        build_planning_data(
            cat, make_requests([{"item_id": "a", "quantity": 10, "priority": 1}]), s
        )
    )
    assert model.block("offer_rate").n_rows == 0
    backend = Session(model, "cbc")
    assert backend.solve(s).value == pytest.approx(250.0)
    backend.set_row_upper(np.array([model.row_offsets()["donor_budget"]]), np.array([40.0]))
    assert backend.solve(s).value == pytest.approx(100.0)


# -- packages (DESIGN.md §4.1) ------------------------------------------------------------------

LAUNCHER_AND_MISSILES = [
    # a launcher (1 t) is usable with 4 missiles (0.1 t each); both counted in whole units
    {"item_id": "l", "unit_weight_t": 1.0, "integer": True, "requires": (("m", 4.0),)},
    {"item_id": "m", "unit_weight_t": 0.1, "integer": True},
]


def block_activity(res: PlanResult, fam: str) -> tuple[np.ndarray, np.ndarray]:
    """(Σ coef · x per row, right-hand side) of one family in the plan."""
    m = res.model
    b = m.block(fam)
    act = np.bincount(b.row, weights=b.coef * res.solution.x[b.var], minlength=b.n_rows)
    return act, b.upper


@pytest.mark.parametrize("solver", SOLVERS)
def test_package_usable_binds(solver: str) -> None:
    """3 launchers asked (P1, W = 1000) as a package; 3 launchers in stock (10 EUR each) but
    missiles for only 2 (8 missiles, 1 EUR each, 4 per launcher).

    Usable = min(3, 8 / 4) = 2, so value = 1000 / 3 · 2 = 666.67 (score 2/3), whatever the
    third launcher does. The cost stage then leaves the third launcher at home: it would cost
    10 EUR and add no value. Sent: 2 launchers + 8 missiles = 28 EUR. The component row of
    the missiles binds: 4 · U = 8 arrived.
    """
    res = plan(
        solver,
        [
            {
                "offer_id": "o1",
                "donor_id": "d1",
                "item_id": "l",
                "quantity": 3,
                "unit_cost_eur": 10,
            },
            {"offer_id": "o2", "donor_id": "d1", "item_id": "m", "quantity": 8, "unit_cost_eur": 1},
        ],
        [{"request_id": "R1", "item_id": "l", "quantity": 3, "priority": 1}],
        items=LAUNCHER_AND_MISSILES,
    )
    rq = res.requests.set_index("request_id")
    assert list(rq.index) == ["R1", "R1/m"]
    assert rq.loc["R1", "delivered"] == pytest.approx(2.0)  # usable units
    assert rq.loc["R1", "status"] == "partly met"
    assert rq.loc["R1/m", "quantity"] == pytest.approx(12.0)  # 4 · 3
    assert rq.loc["R1/m", "delivered"] == pytest.approx(8.0)
    assert rq.loc["R1/m", "package"] == "component of R1"
    assert res.solution.value == pytest.approx(2000.0 / 3.0)
    assert res.fulfilment_score == pytest.approx(2.0 / 3.0)
    sent = res.allocations.groupby("item_id")["quantity"].sum()
    assert sent["l"] == pytest.approx(2.0) and sent["m"] == pytest.approx(8.0)
    assert res.solution.cost_eur == pytest.approx(28.0)
    act, upper = block_activity(res, "package_usable")
    labels = res.model.block("package_usable").labels
    missile_end = np.flatnonzero((labels["part"] == "m").to_numpy() & (labels["t"] == 2).to_numpy())
    assert act[missile_end] == pytest.approx(upper[missile_end])  # 4 · 2 − 8 = 0: binds


@pytest.mark.parametrize("solver", SOLVERS)
def test_package_usable_not_binding(solver: str) -> None:
    """The same package with missiles for all 3 launchers (12) and 4 more in stock (16).

    Usable = min(3, 12 / 4) = 3: value 1000, score 1. The 4 extra missiles are not sent
    (the component line asks 4 · 3 = 12; request_demand). Both package_usable rows of the
    last period bind at 3, and nothing is held back by them.
    """
    res = plan(
        solver,
        [
            {"offer_id": "o1", "donor_id": "d1", "item_id": "l", "quantity": 3},
            {"offer_id": "o2", "donor_id": "d1", "item_id": "m", "quantity": 16},
        ],
        [{"request_id": "R1", "item_id": "l", "quantity": 3, "priority": 1}],
        items=LAUNCHER_AND_MISSILES,
    )
    rq = res.requests.set_index("request_id")
    assert rq.loc["R1", "delivered"] == pytest.approx(3.0)
    assert rq.loc["R1", "status"] == "met"
    assert rq.loc["R1/m", "delivered"] == pytest.approx(12.0)
    assert res.solution.value == pytest.approx(1000.0)
    assert res.fulfilment_score == pytest.approx(1.0)
    summary = res.summary_dict()
    assert summary["packages complete"] == 1 and summary["systems usable"] == pytest.approx(3)


@pytest.mark.parametrize("solver", SOLVERS)
def test_package_order_binds(solver: str) -> None:
    """Everything arrives in period 1 (horizon 2, due 1): U[1] = U[2] = 3, so the row
    U[1] − U[2] ≤ 0 holds with equality (binds). value = 1000 (on time)."""
    res = plan(
        solver,
        [
            {"offer_id": "o1", "donor_id": "d1", "item_id": "l", "quantity": 3},
            {"offer_id": "o2", "donor_id": "d1", "item_id": "m", "quantity": 12},
        ],
        [{"request_id": "R1", "item_id": "l", "quantity": 3, "priority": 1, "needed_by": 1}],
        items=LAUNCHER_AND_MISSILES,
    )
    act, upper = block_activity(res, "package_order")
    assert len(act) == 1 and act[0] == pytest.approx(0.0) and upper[0] == 0.0
    assert res.solution.value == pytest.approx(1000.0)


def launchers_then_missiles(missiles_from: int) -> list[dict[str, Any]]:
    """3 launchers available from period 1 and 12 missiles (enough for all 3) only from
    period ``missiles_from``."""
    return [
        {"offer_id": "o1", "donor_id": "d1", "item_id": "l", "quantity": 3, "available_from": 1},
        {
            "offer_id": "o2",
            "donor_id": "d1",
            "item_id": "m",
            "quantity": 12,
            "available_from": missiles_from,
        },
    ]


@pytest.mark.parametrize("solver", SOLVERS)
def test_package_order_not_binding(solver: str) -> None:
    """The launchers can arrive in period 1, the missiles only in period 2 (available from
    2); due 1, horizon 2. U[1] = min(3, 0 / 4) = 0, U[2] = 3: row U[1] − U[2] = −3 < 0 (slack
    3). The package is complete in period 2, one period late: value = 1000 · (1 − 0.02) = 980.
    """
    res = plan(
        solver,
        launchers_then_missiles(missiles_from=2),
        [{"request_id": "R1", "item_id": "l", "quantity": 3, "priority": 1, "needed_by": 1}],
        items=LAUNCHER_AND_MISSILES,
    )
    act, _ = block_activity(res, "package_order")
    assert act[0] == pytest.approx(-3.0)
    assert res.solution.value == pytest.approx(980.0)
    rq = res.requests.set_index("request_id")
    assert rq.loc["R1", "status"] == "met late" and rq.loc["R1", "late_periods"] == 1


@pytest.mark.parametrize("solver", SOLVERS)
def test_package_late_by_its_last_component(solver: str) -> None:
    """Launchers arrive in week 1 (due 1), the missiles two weeks later (available from week
    3), horizon 4. The package is complete in week 3: late by 2 weeks, value = 1000 · (1 −
    0.02 · 2) = 960, although the launchers themselves were on time."""
    res = plan(
        solver,
        launchers_then_missiles(missiles_from=3),
        [{"request_id": "R1", "item_id": "l", "quantity": 3, "priority": 1, "needed_by": 1}],
        items=LAUNCHER_AND_MISSILES,
        horizon=4,
    )
    rq = res.requests.set_index("request_id")
    assert rq.loc["R1", "late_periods"] == 2
    assert rq.loc["R1", "last_arrival"] == 3
    assert rq.loc["R1", "status"] == "met late"
    assert res.solution.value == pytest.approx(960.0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_package_no_behaves_like_an_item(solver: str) -> None:
    """package = no: the launcher line is an item line as before: no component line, no U,
    3 launchers without missiles are worth 1000 (score 1)."""
    res = plan(
        solver,
        [{"offer_id": "o1", "donor_id": "d1", "item_id": "l", "quantity": 3}],
        [{"request_id": "R1", "item_id": "l", "quantity": 3, "priority": 1, "package": False}],
        items=LAUNCHER_AND_MISSILES,
    )
    assert list(res.requests["request_id"]) == ["R1"]
    assert res.model.n_vars == res.model.n_x
    assert res.model.block("package_usable").n_rows == 0
    assert res.solution.value == pytest.approx(1000.0)
    assert delivered(res) == [3.0]


@pytest.mark.parametrize("solver", SOLVERS)
def test_free_parts_that_make_nothing_usable_stay_home(solver: str) -> None:
    """As test_package_usable_binds, but everything is free: usable = min(3, 8 / 4) = 2,
    value 666.67 either way, and no cost stage to leave the third launcher at home. The
    earlier-arrivals stage counts each part shipped −1 and each usable unit +1 per period,
    so it sends 2 launchers and 8 missiles, not 3 + 8."""
    res = plan(
        solver,
        [
            {"offer_id": "o1", "donor_id": "d1", "item_id": "l", "quantity": 3},
            {"offer_id": "o2", "donor_id": "d1", "item_id": "m", "quantity": 8},
        ],
        [{"request_id": "R1", "item_id": "l", "quantity": 3, "priority": 1}],
        items=LAUNCHER_AND_MISSILES,
    )
    assert res.solution.value == pytest.approx(2000.0 / 3.0)
    sent = res.allocations.groupby("item_id")["quantity"].sum()
    assert sent["l"] == pytest.approx(2.0) and sent["m"] == pytest.approx(8.0)
