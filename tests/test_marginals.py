"""Marginal values (planner.marginals): duals of budgets and corridors, checked against the
change in value when the limit grows by a small step, on cases worked out by hand.

Start Monday 2022-03-07, weekly periods, default priority weights {1: 1000, 2: 100, 3: 10, 4: 1}.
"""

from __future__ import annotations

import io
from typing import Any

import highspy
import numpy as np
import pytest
from rich.console import Console

from planner.api import solve_and_report
from planner.commands.plan import print_marginals
from planner.data import build_planning_data
from planner.io.plan_workbook import plan_sheets
from planner.marginals import (
    BOTTLENECK_COLUMNS,
    HIGHS_MAX_SIGN,
    NOTE_INTEGERS_FIXED,
    marginal_values,
)
from planner.model import LinearModel, build_model
from planner.model.highs_backend import HighsAdapter
from planner.schema import Settings
from planner.solve import solve_model
from tests.factories import START, make_catalog, make_requests

M = 1e6


def build(
    offers: list[dict[str, Any]],
    requests: list[dict[str, Any]],
    *,
    items: list[dict[str, Any]],
    donors: list[dict[str, Any]],
    capacity_t: float = 1e6,
    capacity_changes: list[dict[str, Any]] | None = None,
    horizon: int = 2,
    solver: str = "highs",
) -> tuple[LinearModel, Settings]:
    cat = make_catalog(
        items=items,
        donors=donors,
        offers=[{"available_from": 1, **o} for o in offers],
        corridors=[{"corridor_id": "c1", "capacity_t": capacity_t}],
        capacity_changes=capacity_changes,
    )
    s = Settings(start=START, horizon=horizon, solver=solver)
    return build_model(build_planning_data(cat, make_requests(requests), s)), s


def row(table: Any, kind: str, ident: str) -> Any:
    sel = table[(table["limit_kind"] == kind) & (table["id"] == ident)]
    assert len(sel) == 1
    return sel.iloc[0]


# --- budgets ----------------------------------------------------------------------------------

BUDGETS: dict[str, Any] = {
    "offers": [
        {"offer_id": "o1", "donor_id": "d1", "item_id": "a", "quantity": 10, "unit_cost_eur": 40e6},
        {"offer_id": "o2", "donor_id": "d2", "item_id": "b", "quantity": 10, "unit_cost_eur": 20e6},
    ],
    "requests": [
        {"request_id": "R1", "item_id": "a", "quantity": 10, "priority": 1},
        {"request_id": "R2", "item_id": "b", "quantity": 10, "priority": 2},
    ],
    "items": [{"item_id": "a", "unit_weight_t": 1.0}, {"item_id": "b", "unit_weight_t": 1.0}],
    "donors": [
        {"donor_id": "d1", "budget_eur": 100e6},
        {"donor_id": "d2", "budget_eur": 10e6},
        {"donor_id": "d3", "budget_eur": 5e6},
    ],
}
"""d1 (€ 100 m) sells a at € 40 m: 2.5 of R1's 10 units, each worth 1000/10 = 100.
One more € 1 m buys 1/40 unit = 2.5 value, and stays exact until d1's budget reaches € 400 m.
d2 (€ 10 m) sells b at € 20 m: 0.5 of R2's 10 units at 100/10 = 10 each: € 1 m -> 0.5 value.
d3 offers nothing: 0. Σ W = 1000 + 100 = 1100, so d1's € 1 m is 2.5/1100 = 0.227 score points."""


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_budget_marginal_matches_a_small_step(solver: str) -> None:
    model, s = build(**BUDGETS, solver=solver)
    sol = solve_model(model, s)
    assert sol.value == pytest.approx(2.5 * 100 + 0.5 * 10)
    table = marginal_values(model, sol, s).table
    assert list(table.columns) == BOTTLENECK_COLUMNS
    d1, d2, d3 = (row(table, "donor budget", d) for d in ("d1", "d2", "d3"))
    assert d1["value_gain"] == pytest.approx(2.5)
    assert d1["score_points"] == pytest.approx(100 * 2.5 / 1100)
    assert (d1["limit"], d1["used"]) == pytest.approx((100e6, 100e6))
    assert d2["value_gain"] == pytest.approx(0.5)
    assert d3["value_gain"] == 0.0
    # Ranked: d1 before d2 before d3; the corridor (never full) ranks first of its kind, at 0.
    budgets = table[table["limit_kind"] == "donor budget"]
    assert list(budgets["id"]) == ["d1", "d2", "d3"]
    assert list(budgets["rank"]) == [1, 2, 3]
    assert row(table, "corridor capacity", "c1")["value_gain"] == 0.0

    # The check: grow d1's budget by € 1 m (well inside the € 300 m the rate holds for).
    grown = dict(BUDGETS)
    grown["donors"] = [
        {**d, "budget_eur": d["budget_eur"] + (M if d["donor_id"] == "d1" else 0.0)}
        for d in BUDGETS["donors"]
    ]
    model2, s2 = build(**grown, solver=solver)
    step_value = solve_model(model2, s2).value - sol.value
    assert step_value == pytest.approx(2.5)
    assert d1["value_gain"] == pytest.approx(step_value, rel=1e-6)


def test_highs_reports_a_binding_budget_of_a_maximisation_as_positive() -> None:
    """Pins the sign convention: HiGHS's raw dual of d1's budget row is + 2.5 / € 1 m."""
    model, _ = build(**BUDGETS)
    backend = HighsAdapter(model)  # its duals are per euro (budget rows scaled back)
    run = backend.run(60.0, 1e-4)
    assert backend.h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    row_ = model.row_offsets()["donor_budget"]  # d1 is the first budget row
    raw = float(np.asarray(run.row_dual)[row_])
    assert raw == pytest.approx(2.5e-6)
    assert HIGHS_MAX_SIGN * raw > 0


# --- corridors --------------------------------------------------------------------------------


def test_corridor_marginal_names_the_binding_week() -> None:
    """Item 2 t; corridor 6 t in week 1, 100 t in week 2; R1 wants 10 by week 1 (P1: 100 a unit).

    Week 1 carries 3 units on time (300), week 2 the other 7, one week late: 7 · 98 = 686.
    Value 986. One more tonne in week 1 moves half a unit from late to on time: +0.5 · 2 = 1.
    Week 2 has room: its tonne is worth 0. So +1 t in every week = 1.0, binding in week 1 only.
    """
    case: dict[str, Any] = {
        "offers": [{"offer_id": "o1", "donor_id": "d1", "item_id": "a", "quantity": 10}],
        "requests": [
            {"request_id": "R1", "item_id": "a", "quantity": 10, "priority": 1, "needed_by": 1}
        ],
        "items": [{"item_id": "a", "unit_weight_t": 2.0}],
        "donors": [{"donor_id": "d1"}],
        "capacity_t": 6.0,
        "capacity_changes": [
            {"corridor_id": "c1", "from_period": 2, "to_period": 2, "capacity_t": 100.0}
        ],
    }
    model, s = build(**case)
    sol = solve_model(model, s)
    assert sol.value == pytest.approx(986.0)
    c1 = row(marginal_values(model, sol, s).table, "corridor capacity", "c1")
    assert c1["value_gain"] == pytest.approx(1.0)
    assert c1["binding_periods"] == "week 1"
    assert (c1["limit"], c1["used"]) == pytest.approx((6.0, 6.0))
    # The check: capacity 7 t in week 1 -> 3.5 on time (350) + 6.5 late (637) = 987.
    case["capacity_t"] = 7.0
    model2, s2 = build(**case)
    assert solve_model(model2, s2).value - sol.value == pytest.approx(c1["value_gain"])


# --- integer items ----------------------------------------------------------------------------

MIXED: dict[str, Any] = {
    "offers": [
        {
            "offer_id": "o1",
            "donor_id": "d1",
            "item_id": "sys",
            "quantity": 5,
            "unit_cost_eur": 30e6,
        },
        {
            "offer_id": "o2",
            "donor_id": "d1",
            "item_id": "ammo",
            "quantity": 100,
            "unit_cost_eur": 10e6,
        },
    ],
    "requests": [
        {"request_id": "R1", "item_id": "sys", "quantity": 2, "priority": 1},
        {"request_id": "R2", "item_id": "ammo", "quantity": 20, "priority": 2},
    ],
    "items": [
        {"item_id": "sys", "unit_weight_t": 1.0, "integer": True},
        {"item_id": "ammo", "unit_weight_t": 1.0},
    ],
    "donors": [{"donor_id": "d1", "budget_eur": 100e6}],
}
"""d1 has € 100 m: 2 whole systems for R1 (€ 60 m, 500 each = 1000), then € 40 m of ammunition:
4 of R2's 20 units at 100/20 = 5 each = 20. Value 1020. With the systems fixed at 2, the LP's
budget dual is the ammunition's: 5 per € 10 m = 0.5 per € 1 m. A MILP with € 101 m buys 4.1
units of ammunition: 1020.5, the same + 0.5."""


def test_integer_items_are_fixed_for_the_duals_and_the_plan_says_so() -> None:
    model, s = build(**MIXED)
    assert model.is_mip
    res = solve_and_report(model, s)
    assert res.solution.value == pytest.approx(1020.0)
    assert NOTE_INTEGERS_FIXED in res.notes
    d1 = row(res.extra_sheets["Bottlenecks"], "donor budget", "d1")
    assert d1["value_gain"] == pytest.approx(0.5)
    assert d1["source"] == "LP duals, integer items fixed"
    grown = dict(MIXED)
    grown["donors"] = [{"donor_id": "d1", "budget_eur": 101e6}]
    model2, s2 = build(**grown)
    # Solver tolerances move a MILP's value by ~1e-6 here; the step is worth 0.5.
    assert solve_model(model2, s2).value - res.solution.value == pytest.approx(0.5, abs=1e-4)


def test_lp_plan_has_no_integer_note_and_reuses_the_solver_duals() -> None:
    model, s = build(**BUDGETS)
    res = solve_and_report(model, s)
    assert NOTE_INTEGERS_FIXED not in res.notes
    marg = marginal_values(model, res.solution, s)
    assert marg.lp is None  # HiGHS returned the stage-1 duals: no extra solve
    assert not marg.integers_fixed
    assert set(res.extra_sheets["Bottlenecks"]["source"]) == {"LP duals"}


# --- where the values show up -----------------------------------------------------------------


def test_bottlenecks_sheet_and_printed_summary() -> None:
    """The sheet follows Corridors in the workbook; the summary prints the top values."""
    model, s = build(**BUDGETS)
    res = solve_and_report(model, s)
    sheets = list(plan_sheets(res, res.summary))
    assert sheets[sheets.index("Corridors") + 1] == "Bottlenecks"
    buf = io.StringIO()
    print_marginals(res, Console(file=buf, width=200))
    lines = buf.getvalue().splitlines()
    assert lines[0].startswith("what one more euro or tonne is worth")
    assert lines[1:] == [
        "  +€ 1 m for donor d1: +2.5 value (+0.23 score points; budget € 100 m used up)",
        "  +€ 1 m for donor d2: +0.5 value (+0.045 score points; budget € 10 m used up)",
    ]
    assert list(res.requests["reason"]) == [
        "budget of donor d1 (€ 100 m) is used up",
        "budget of donor d2 (€ 10 m) is used up",
    ]


# --- plain words: closed corridors, limits per week, used-up budgets ------------------------


def test_closed_corridor_is_closed_never_full() -> None:
    """Corridor c1: 0 t in weeks 1–2 (closed), horizon 2. Nothing moves; the Bottlenecks row
    says "closed in weeks 1–2", limit 0 t a week, used 0."""
    model, s = build(
        [{"offer_id": "o1", "donor_id": "d1", "item_id": "a", "quantity": 5}],
        [{"request_id": "R1", "item_id": "a", "quantity": 5, "priority": 1}],
        items=[{"item_id": "a", "unit_weight_t": 1.0}],
        donors=[{"donor_id": "d1"}],
        capacity_t=0.0,
    )
    sol = solve_model(model, s)
    c1 = row(marginal_values(model, sol, s).table, "corridor capacity", "c1")
    assert c1["where_it_binds"] == "closed in weeks 1–2"
    assert "full" not in c1["where_it_binds"]
    assert (c1["limit"], c1["used"]) == (0.0, 0.0)


def test_corridor_limit_is_per_week_not_summed() -> None:
    """Corridor 6 t a week, item 1 t, 20 units wanted by week 2 from a stock of 20: the corridor
    binds in weeks 1 and 2 (6 + 6 = 12 sent). The limit shown is 6 t (a week), not 12; used 6."""
    model, s = build(
        [{"offer_id": "o1", "donor_id": "d1", "item_id": "a", "quantity": 20}],
        [{"request_id": "R1", "item_id": "a", "quantity": 20, "priority": 1}],
        items=[{"item_id": "a", "unit_weight_t": 1.0}],
        donors=[{"donor_id": "d1"}],
        capacity_t=6.0,
    )
    sol = solve_model(model, s)
    c1 = row(marginal_values(model, sol, s).table, "corridor capacity", "c1")
    assert c1["binding_periods"] == "weeks 1–2"
    assert c1["where_it_binds"] == "full in weeks 1–2"
    assert (c1["limit"], c1["used"]) == pytest.approx((6.0, 6.0))


def test_used_up_budget_whose_next_euro_buys_nothing_names_the_stock() -> None:
    """Donor d1: budget € 100, offer o1 of 5 units at € 20 (all € 100 spent), line of 10 units.
    With no price on the budget (duals 0: the stock of o1 is what runs out), the row says the
    budget is used up and the next euro buys nothing because the stock of o1 runs out first."""
    from planner.marginals import bottlenecks_table

    model, s = build(
        [{"offer_id": "o1", "donor_id": "d1", "item_id": "a", "quantity": 5, "unit_cost_eur": 20}],
        [{"request_id": "R1", "item_id": "a", "quantity": 10, "priority": 1}],
        items=[{"item_id": "a", "unit_weight_t": 1.0}],
        donors=[{"donor_id": "d1", "budget_eur": 100.0}],
    )
    sol = solve_model(model, s)
    assert sol.cost_eur == pytest.approx(100.0)
    table = bottlenecks_table(model, sol.x, np.zeros(model.n_rows), False)
    d1 = row(table, "donor budget", "d1")
    assert d1["where_it_binds"] == (
        "used up; one more euro buys nothing: stock of o1 runs out first"
    )


# --- packages (DESIGN.md §4.1) ------------------------------------------------------------------


def test_budget_marginal_through_a_package() -> None:
    """R1 (P1, W = 1000) asks for 3 launchers "l" as a package, each usable with 4 missiles
    "m" (both divisible here, so the duals speak). d1 gives the launchers free; d2 sells
    missiles at € 1 m with a budget of € 8 m: 8 missiles, usable = 8 / 4 = 2, value = 1000 /
    3 · 2 = 666.67. One more € 1 m buys 1 missile = 1/4 usable launcher = 1000/3 / 4 = 83.33
    of value: the budget's marginal value flows through the package rows (the missiles have
    no value of their own)."""
    model, s = build(
        [
            {"offer_id": "o1", "donor_id": "d1", "item_id": "l", "quantity": 3},
            {"offer_id": "o2", "donor_id": "d2", "item_id": "m", "quantity": 20,
             "unit_cost_eur": 1e6},
        ],
        [{"request_id": "R1", "item_id": "l", "quantity": 3, "priority": 1}],
        items=[
            {"item_id": "l", "unit_weight_t": 1.0, "requires": (("m", 4.0),)},
            {"item_id": "m", "unit_weight_t": 0.1},
        ],
        donors=[{"donor_id": "d1"}, {"donor_id": "d2", "budget_eur": 8e6}],
    )  # fmt: skip
    sol = solve_model(model, s)
    assert sol.value == pytest.approx(2000.0 / 3.0)
    table = marginal_values(model, sol, s).table
    assert row(table, "donor budget", "d2")["value_gain"] == pytest.approx(1000.0 / 12.0)
